/* Interrupt remapping of the host's own devices (ir_host.h). */
#include "iommu/vtd/ir_host.h"
#include "arch/x86/apic.h"
#include "arch/x86/console.h"
#include "iommu/vtd/alias.h"
#include "iommu/vtd/inval.h"
#include "iommu/vtd/ir.h"
#include "iommu/vtd/vtd.h"
#include "lib/errno.h"
#include "lib/string.h"

#define NR_ENTRIES (1u << VTD_IR_HOST_LOG2)

struct ir_host {
	struct vtd_ir ir;
	unsigned users;
	/* The device each entry was written for: PCI_BDF + 1, 0 free. */
	u32 owner[NR_ENTRIES];
};

static struct ir_host hosts[VTD_MAX_UNITS];

static u32 owner_key(const struct pci_dev *d)
{
	return ((u32)d->seg << 16 | PCI_BDF(d->bus, d->devfn)) + 1;
}

/* The remapping state of @d's unit when it remaps, else NULL. */
static struct ir_host *host_of(const struct pci_dev *d)
{
	struct vtd_unit *u = vtd_unit_for_device(d->seg, d->bus, d->devfn);

	if (!u || u->index >= VTD_MAX_UNITS || !hosts[u->index].users)
		return NULL;
	return &hosts[u->index];
}

static int find_entry(const struct ir_host *h, u32 key)
{
	for (unsigned i = 1; i < NR_ENTRIES; i++)
		if (h->owner[i] == key)
			return (int)i;
	return -1;
}

/* @d's entry, or a free one given to it; -1 when the table is full. */
static int entry_for(struct ir_host *h, const struct pci_dev *d)
{
	u32 key = owner_key(d);
	int i = find_entry(h, key);

	if (i < 0 && (i = find_entry(h, 0)) > 0)
		h->owner[i] = key;
	return i;
}

/* pci_msi_remap.compose: an entry with the vector and destination, valid
 * for the requests of @d only (its requester id as the unit sees it: the
 * last DMA alias, alias.h); the message names it, no subhandle. */
static int compose(const struct pci_dev *d, u8 vector, u32 dest,
		   struct pci_msi_msg *m)
{
	struct ir_host *h = host_of(d);

	if (!h)
		return 1;
	if (!h->ir.eim &&
	    dest > FIELD_GET(VTD_IRTE_DST_XAPIC, VTD_IRTE_DST_XAPIC))
		return -ERANGE; /* an 8-bit id without EIME (9.10) */
	int i = entry_for(h, d);
	if (i < 0)
		return -ENOSPC;
	struct vtd_irte_cfg c = {
		.vector = vector,
		.dest = dest,
		.svt = VTD_SVT_RID,
		.sid = vtd_dma_requester_id(d),
	};
	int err = vtd_irte_write(&h->ir, (unsigned)i,
				 vtd_irte_make(&h->ir, &c));
	if (err)
		return err;
	m->addr = vtd_msi_addr((u16)i, false);
	m->data = 0;
	return 0;
}

/* pci_msi_remap.release: the entry becomes not present (fault 0x22). An
 * entry whose invalidation did not complete may still be cached, valid
 * for @d's requester id: it stays owned (never given to another device)
 * and the error goes to the caller, which must not hand @d over. */
static int release(const struct pci_dev *d)
{
	struct ir_host *h = host_of(d);
	int i = h ? find_entry(h, owner_key(d)) : -1;

	if (i <= 0)
		return 0;
	int err = vtd_irte_write(&h->ir, (unsigned)i, (struct vtd_irte){ 0 });
	if (err)
		return err;
	h->owner[i] = 0;
	return 0;
}

static const struct pci_msi_remap remap_ops = {
	.compose = compose,
	.release = release,
};

/* Write the message of every device of @u's scope again; one that cannot
 * be written (an id the format cannot name) is left off, and said. */
static void recompose_unit(struct vtd_unit *u)
{
	struct pci_dev *devs;
	unsigned n = pci_devices(&devs);

	for (unsigned i = 0; i < n; i++) {
		struct pci_dev *d = &devs[i];
		int err;

		if (!d->msi_kind ||
		    vtd_unit_for_device(d->seg, d->bus, d->devfn) != u ||
		    !(err = pci_msi_recompose(d)))
			continue;
		kprintf("# vtd%u: %02x:%02x.%x: MSI vector 0x%x to APIC id "
			"%u cannot be written %s: %s; the vector is left "
			"off\n",
			u->index, d->bus, d->devfn >> 3, d->devfn & 7,
			d->msi_vector, d->msi_dest,
			hosts[u->index].users ? "through the remapping table"
					      : "in compatibility format",
			strerror_k(err));
	}
}

int vtd_ir_host_get(struct vtd_unit *u)
{
	struct ir_host *h = &hosts[u->index];
	int err;

	if (!(u->ecap & VTD_ECAP_IR))
		return -EOPNOTSUPP;
	if (h->users) {
		h->users++;
		return 0;
	}
	if (vtd_read32(u, VTD_REG_GSTS) & VTD_GCMD_IRE)
		return -EBUSY;
	if (!u->qi && (err = vtd_qi_enable(u)))
		return err;
	/* 32-bit destinations (IRTA.EIME, 9.10) where the local APICs take
	 * them: in x2APIC mode every CPU is reachable, an id above 255 too,
	 * which no compatibility-format message can name. In xAPIC mode the
	 * destination is the 8-bit id in bits 15:8. */
	err = vtd_ir_init(&h->ir, u, VTD_IR_HOST_LOG2,
			  apic_x2apic() && (u->ecap & VTD_ECAP_EIM));
	if (err) {
		vtd_ir_fini(&h->ir);
		return err;
	}
	memset(h->owner, 0, sizeof(h->owner));
	h->users = 1;
	pci_msi_set_remap(&remap_ops);
	recompose_unit(u);
	return 0;
}

void vtd_ir_host_put(struct vtd_unit *u)
{
	struct ir_host *h = &hosts[u->index];

	if (!h->users || --h->users)
		return;
	/* Compatibility format first: remappable messages with IRE clear
	 * would be read as compatibility ones (QEMU 7.2 does). */
	recompose_unit(u);
	vtd_ir_fini(&h->ir);
}

unsigned vtd_ir_host_users(const struct vtd_unit *u)
{
	return u->index < VTD_MAX_UNITS ? hosts[u->index].users : 0;
}

int vtd_ir_host_index(const struct pci_dev *d)
{
	const struct ir_host *h = host_of(d);

	if (!h || !d->msi_kind || d->msi_held)
		return -1;
	return find_entry(h, owner_key(d));
}
