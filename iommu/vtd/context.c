/* Root and context tables, legacy mode (9.1, 9.3).
 *
 * root entry (one per bus)      context entry (one per devfn)
 *  lo 63:12 context table ptr    lo 63:12 SL page-table ptr, 3:2 TT,
 *  lo 0     present                 1 FPD, 0 present
 *                                hi 23:8 domain id, 2:0 address width */
#include "iommu/vtd/unit.h"
#include "iommu/vtd/caps.h"
#include "iommu/vtd/context.h"
#include "iommu/vtd/inval.h"
#include "arch/x86/mm.h"
#include "lib/errno.h"

/* Every word the hardware reads is stored with one volatile store, in
 * the order written here: the compiler may neither drop nor merge nor
 * reorder them (the "lo = 0" before a rewrite matters to a walker). */
void vtd_root_write_raw(struct vtd_unit *u, u8 bus, u64 lo, u64 hi)
{
	WRITE_ONCE(u->root[bus].hi, hi);
	WRITE_ONCE(u->root[bus].lo, lo);
	vtd_flush_struct(u, &u->root[bus], sizeof(u->root[bus]));
}

/* 11.4.4 and 6.5: after SRTP the unit may still hold context entries and
 * translations of the old table. Unless ECAP.ESRTPS says SRTP itself
 * invalidates, a global context-cache invalidation and then a global
 * IOTLB invalidation, before translation may be (re-)enabled. */
int vtd_root_table_install(struct vtd_unit *u)
{
	int err = vtd_set_root_table(u);

	if (err || (u->ecap & VTD_ECAP_ESRTPS))
		return err;
	err = vtd_inv_context(u, VTD_GRAN_GLOBAL, 0, 0);
	return err ? err : vtd_inv_iotlb(u, VTD_GRAN_GLOBAL, 0, 0, 0);
}

static struct vtd_entry128 *ctx_table(struct vtd_unit *u, u8 bus)
{
	if (!u->ctx[bus]) {
		u->ctx[bus] = page_alloc();
		if (!u->ctx[bus])
			return NULL;
		vtd_flush_struct(u, u->ctx[bus], PAGE_SIZE);
		vtd_root_write_raw(u, bus,
				   virt_to_phys(u->ctx[bus]) | VTD_ROOT_P, 0);
	}
	return u->ctx[bus];
}

struct vtd_entry128 *vtd_ctx_entry(struct vtd_unit *u, u8 bus, u8 devfn)
{
	struct vtd_entry128 *t = ctx_table(u, bus);

	return t ? &t[devfn] : NULL;
}

/* Raw: rewrites even a present entry in place (tests of caching want
 * exactly that). P is cleared first and set last, so a walker never sees
 * a present entry with half of it new. */
int vtd_ctx_write_raw(struct vtd_unit *u, u8 bus, u8 devfn, u64 lo, u64 hi)
{
	struct vtd_entry128 *e = vtd_ctx_entry(u, bus, devfn);

	if (!e)
		return -ENOMEM;
	WRITE_ONCE(e->lo, 0);
	WRITE_ONCE(e->hi, hi);
	WRITE_ONCE(e->lo, lo);
	vtd_flush_struct(u, e, sizeof(*e));
	return 0;
}

/* 6.5.3.3: after a present entry changed, invalidate the context cache
 * for the device with the domain id the entry carried (11.4.7: DID is
 * that of the entry), then the IOTLB of that domain. */
static int invalidate_present(struct vtd_unit *u, u8 bus, u8 devfn, u16 did)
{
	int err = vtd_flush_write_buffer(u);

	if (!err)
		err = vtd_inv_context(u, VTD_GRAN_DEVICE, did,
				      PCI_BDF(bus, devfn));
	if (!err)
		err = vtd_inv_iotlb(u, VTD_GRAN_DOMAIN, did, 0, 0);
	return err;
}

/* 6.1: a not-present to present change needs only the write buffer
 * flushed, unless CAP.CM says the unit caches not-present entries: those
 * live under domain id 0, so the device's entry is invalidated with DID 0,
 * then the new domain's IOTLB. */
static int invalidate_absent(struct vtd_unit *u, u8 bus, u8 devfn, u16 did)
{
	int err = vtd_flush_write_buffer(u);

	if (err || !(u->cap & VTD_CAP_CM))
		return err;
	err = vtd_inv_context(u, VTD_GRAN_DEVICE, 0, PCI_BDF(bus, devfn));
	return err ? err : vtd_inv_iotlb(u, VTD_GRAN_DOMAIN, did, 0, 0);
}

/* The widest AGAW the unit walks: what 9.3 asks of a pass-through entry. */
static unsigned widest_aw(const struct vtd_unit *u)
{
	for (unsigned f = 3; f >= 1; f--)
		if (vtd_sagaw_supports(u, f))
			return f;
	return 0;
}

static int ctx_check(const struct vtd_unit *u, const struct vtd_ctx_cfg *c,
		     unsigned aw)
{
	if (c->did >= vtd_nr_domains(u))
		return -ERANGE;
	if (c->tt == VTD_TT_PASS_THROUGH && !(u->ecap & VTD_ECAP_PT))
		return -EOPNOTSUPP;
	if (!aw || !vtd_sagaw_supports(u, aw))
		return -EOPNOTSUPP;
	return 0;
}

int vtd_ctx_set(struct vtd_unit *u, u8 bus, u8 devfn,
		const struct vtd_ctx_cfg *c)
{
	unsigned aw = c->tt == VTD_TT_PASS_THROUGH ? widest_aw(u)
						   : vtd_aw_field(c->aw_width);
	u64 lo = VTD_CTX_LO_P | FIELD_PREP(VTD_CTX_LO_TT, c->tt) |
		 (c->fpd ? VTD_CTX_LO_FPD : 0) |
		 (c->tt == VTD_TT_PASS_THROUGH
		      ? 0
		      : c->slptptr & VTD_CTX_LO_SLPTPTR);
	u64 hi = FIELD_PREP(VTD_CTX_HI_AW, aw) |
		 FIELD_PREP(VTD_CTX_HI_DID, c->did);
	int err = ctx_check(u, c, aw);

	if (err)
		return err;
	err = vtd_ctx_clear(u, bus, devfn); /* never rewritten in place */
	struct vtd_entry128 *e = vtd_ctx_entry(u, bus, devfn);
	if (err || !e)
		return err ? err : -ENOMEM;
	WRITE_ONCE(e->hi, hi);
	WRITE_ONCE(e->lo, lo);
	vtd_flush_struct(u, e, sizeof(*e));
	return invalidate_absent(u, bus, devfn, c->did);
}

int vtd_ctx_clear(struct vtd_unit *u, u8 bus, u8 devfn)
{
	struct vtd_entry128 *e = u->ctx[bus] ? &u->ctx[bus][devfn] : NULL;

	if (!e || !(e->lo & VTD_CTX_LO_P))
		return 0;
	u16 did = (u16)FIELD_GET(VTD_CTX_HI_DID, e->hi);
	WRITE_ONCE(e->lo, 0);
	WRITE_ONCE(e->hi, 0);
	vtd_flush_struct(u, e, sizeof(*e));
	return invalidate_present(u, bus, devfn, did);
}
