/* Device scopes of a parsed DMAR: resolved to requester ids through the
 * PCI bridges on their paths (VT-d 8.3.1.1), and the unit that serves a
 * device. Pure, like dmar.c: configuration space comes through a callback.
 */
#include "iommu/vtd/dmar.h"
#include "lib/bdf.h"
#include "lib/errno.h"

/* Scope resolution (8.3.1): the path starts at Start Bus; each entry but
 * the last is a PCI-to-PCI bridge whose secondary bus the next entry is
 * on. A sub-hierarchy scope's last entry is a bridge too. */
struct dmar_walker {
	dmar_cfg_read_fn read;
	void *ctx;
	u16 segment;
};

static u8 dmar_cfg8(const struct dmar_walker *w, u8 bus,
		    const struct dmar_path_entry *e, u16 off)
{
	u32 v = w->read(w->ctx, w->segment, bus, e->dev, e->fn, off & ~3u);

	return (u8)(v >> ((off & 3u) * 8));
}

static bool dmar_present(const struct dmar_walker *w, u8 bus,
			 const struct dmar_path_entry *e)
{
	return dmar_cfg8(w, bus, e, DMAR_PCI_VENDOR_ID) != 0xff ||
	       dmar_cfg8(w, bus, e, DMAR_PCI_VENDOR_ID + 1) != 0xff;
}

static int dmar_bridge_buses(const struct dmar_walker *w, u8 bus,
			     const struct dmar_path_entry *e, u8 *sec, u8 *sub)
{
	if (!dmar_present(w, bus, e))
		return -DMAR_E_RES_NO_DEVICE;
	if ((dmar_cfg8(w, bus, e, DMAR_PCI_HEADER_TYPE) & 0x7f) != 1)
		return -DMAR_E_RES_NOT_BRIDGE;
	*sec = dmar_cfg8(w, bus, e, DMAR_PCI_SECONDARY);
	*sub = dmar_cfg8(w, bus, e, DMAR_PCI_SUBORDINATE);
	/* Enumerated buses lie strictly below their bridge's own bus. */
	if (*sec <= bus || *sub < *sec)
		return -DMAR_E_RES_BUS_RANGE;
	return 0;
}

static int dmar_resolve_scope(const struct dmar_walker *w, struct dmar_scope *s)
{
	const struct dmar_path_entry *last = &s->path[s->path_len - 1];
	u8 bus = s->start_bus, sub;
	u32 i;
	int err;

	for (i = 0; i + 1 < s->path_len; i++) {
		err = dmar_bridge_buses(w, bus, &s->path[i], &bus, &sub);
		if (err)
			return err;
	}
	s->bus = bus;
	s->devfn = PCI_DEVFN(last->dev, last->fn);
	if (s->type == DMAR_SCOPE_PCI_ENDPOINT && dmar_present(w, bus, last) &&
	    (dmar_cfg8(w, bus, last, DMAR_PCI_HEADER_TYPE) & 0x7f) == 1)
		return -DMAR_E_RES_ENDPOINT_BRIDGE;
	if (s->type != DMAR_SCOPE_PCI_SUBHIERARCHY)
		return 0;
	return dmar_bridge_buses(w, bus, last, &s->sec_bus, &s->sub_bus);
}

/* The DRHD whose scopes hold scopes[i], or NULL (another structure's). */
static const struct dmar_unit *dmar_scope_unit(const struct dmar_info *info,
					       u32 i)
{
	for (u32 k = 0; k < info->nr_units; k++) {
		const struct dmar_unit *u = &info->units[k];
		if (i >= u->scope_first && i < u->scope_first + u->nr_scopes)
			return u;
	}
	return NULL;
}

static bool dmar_is_pci_scope(const struct dmar_scope *s)
{
	return s->type == DMAR_SCOPE_PCI_ENDPOINT ||
	       s->type == DMAR_SCOPE_PCI_SUBHIERARCHY;
}

static u32 dmar_scope_cover(const struct dmar_scope *s, u8 bus, u8 devfn);

/* The DRHD serving PCI requests from seg:bus:devfn by PCI scopes only
 * (endpoint, sub-hierarchy, INCLUDE_PCI_ALL), or NULL. */
static const struct dmar_unit *dmar_pci_unit(const struct dmar_info *info,
					     u16 seg, u8 bus, u8 devfn)
{
	const struct dmar_unit *best = NULL, *all = NULL;
	u32 best_cover = -1u;

	for (u32 i = 0; i < info->nr_units; i++) {
		const struct dmar_unit *u = &info->units[i];
		if (u->segment != seg)
			continue;
		if (u->flags & DMAR_DRHD_INCLUDE_PCI_ALL)
			all = u;
		for (u32 j = u->scope_first; j < u->scope_first + u->nr_scopes;
		     j++) {
			const struct dmar_scope *s = &info->scopes[j];
			u32 c = dmar_is_pci_scope(s)
				    ? dmar_scope_cover(s, bus, devfn)
				    : -1u;
			if (c < best_cover) {
				best_cover = c;
				best = u;
			}
		}
	}
	return best ? best : all;
}

/* Status for scope @i given an earlier scope @t of another DRHD naming
 * the same requester id: two PCI scopes claim one device; an IOAPIC or
 * HPET shares a PCI device's id. */
static int dmar_clash(const struct dmar_scope *s, const struct dmar_scope *t)
{
	if (t->status || t->segment != s->segment || t->bus != s->bus ||
	    t->devfn != s->devfn || t->type == DMAR_SCOPE_PCI_SUBHIERARCHY ||
	    t->type == DMAR_SCOPE_ACPI_NAMESPACE)
		return 0;
	if (!dmar_is_pci_scope(s))
		return -DMAR_E_RES_SID_COLLISION;
	return dmar_is_pci_scope(t) ? -DMAR_E_RES_CLAIMED_TWICE : 0;
}

/* A requester id is served by one DRHD: a device named by two DRHDs, or
 * an IOAPIC or HPET whose source id another DRHD serves for PCI (a PCI
 * function answers there, or a PCI scope names it), has two units for one
 * id (8.3.1). An HPET sharing the id of the LPC bridge under the same unit
 * is how real platforms are built, and fine. The later scope is flagged. */
static int dmar_check_conflicts(struct dmar_info *info,
				const struct dmar_walker *w0)
{
	struct dmar_walker w = *w0;
	int n = 0;

	for (u32 i = 0; i < info->nr_scopes; i++) {
		struct dmar_scope *s = &info->scopes[i];
		const struct dmar_unit *u = dmar_scope_unit(info, i);
		struct dmar_path_entry e = { s->devfn >> 3, s->devfn & 7 };

		if (s->status || !u || s->type == DMAR_SCOPE_PCI_SUBHIERARCHY ||
		    s->type == DMAR_SCOPE_ACPI_NAMESPACE)
			continue;
		for (u32 j = 0; j < info->nr_scopes && !s->status; j++) {
			const struct dmar_unit *v = dmar_scope_unit(info, j);
			if (j != i && v && v != u &&
			    (j < i || !dmar_is_pci_scope(s)))
				s->status = dmar_clash(s, &info->scopes[j]);
		}
		w.segment = s->segment;
		if (!s->status && !dmar_is_pci_scope(s) &&
		    dmar_present(&w, s->bus, &e) &&
		    dmar_pci_unit(info, s->segment, s->bus, s->devfn) != u)
			s->status = -DMAR_E_RES_SID_COLLISION;
		n += !!s->status;
	}
	return n;
}

int dmar_resolve(struct dmar_info *info, dmar_cfg_read_fn cfg_read, void *ctx)
{
	struct dmar_walker w = { .read = cfg_read, .ctx = ctx };
	int unresolved = 0;
	u32 i;

	for (i = 0; i < info->nr_scopes; i++) {
		struct dmar_scope *s = &info->scopes[i];

		w.segment = s->segment;
		s->sec_bus = s->sub_bus = 0;
		s->status = dmar_resolve_scope(&w, s);
		if (s->status) {
			s->bus = s->devfn = s->sec_bus = s->sub_bus = 0;
			unresolved++;
		}
	}
	return unresolved + dmar_check_conflicts(info, &w);
}

/* How closely a resolved scope covers bus:devfn: 0 names it, 1 + width of
 * the bus range for a sub-hierarchy holding its bus, -1u not at all. */
static u32 dmar_scope_cover(const struct dmar_scope *s, u8 bus, u8 devfn)
{
	if (s->status)
		return -1u;
	if (s->bus == bus && s->devfn == devfn)
		return 0;
	if (s->type == DMAR_SCOPE_PCI_SUBHIERARCHY && bus >= s->sec_bus &&
	    bus <= s->sub_bus)
		return 1u + (u32)(s->sub_bus - s->sec_bus);
	return -1u;
}

const struct dmar_unit *dmar_unit_for_bdf(const struct dmar_info *info, u16 seg,
					  u8 bus, u8 devfn)
{
	const struct dmar_unit *best = NULL, *all = NULL;
	u32 best_cover = -1u, i, j;

	for (i = 0; i < info->nr_units; i++) {
		const struct dmar_unit *u = &info->units[i];

		if (u->segment != seg)
			continue;
		if (u->flags & DMAR_DRHD_INCLUDE_PCI_ALL)
			all = u;
		for (j = 0; j < u->nr_scopes; j++) {
			u32 c = dmar_scope_cover(
			    &info->scopes[u->scope_first + j], bus, devfn);

			if (c < best_cover) {
				best_cover = c;
				best = u;
			}
		}
	}
	return best ? best : all;
}
