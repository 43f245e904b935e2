/* Device assignment, as VFIO and KVM do it: a DMA engine handed to a VM.
 *
 * The device gets a VT-d domain of its own that maps the guest's RAM at
 * IOVA = guest-physical address, so that the guest programs its DMA with
 * the addresses it knows; the device and each of its DMA aliases (the
 * requester ids bridges above it give its requests) get a context entry
 * of that domain; its BAR is mapped into the guest uncached; and
 * the VM counts the domain's coherency (vm_attach_domain), which decides
 * whether the guest's WBINVD is trapped (kvmlike/policy.h). Detach undoes
 * it in order and leaves no mapping behind.
 *
 * The caller owns struct assigned_dev, the VM and the engine, and keeps
 * the VM alive until the device is detached. The guest must not run while
 * a device is assigned, detached or upgraded (one CPU runs both). */
#ifndef KVMLIKE_ASSIGN_H
#define KVMLIKE_ASSIGN_H

#include "drivers/dma.h"
#include "kvmlike/kvm.h"

/* The domain enforces snooping whenever the device's unit has ECAP.SC,
 * as VFIO type1 does ("If the IOMMU can block non-coherent operations
 * ... VFIO always turns this feature on because on Intel platforms it
 * optimizes KVM to disable wbinvd emulation": drivers/vfio/
 * vfio_iommu_type1.c, vfio_iommu_type1_attach_group). This flag keeps it
 * non-coherent anyway (an iommufd HWPT allocated without enforcement), so
 * that a domain can be upgraded later (assign_upgrade). */
#define ASSIGN_NONCOHERENT BIT(0)

struct assigned_dev {
	struct vm *vm;
	struct dma_engine *eng;
	struct vtd_unit *unit;
	struct vtd_domain dom;
	gpa_t bar_gpa;
	hpa_t bar_hpa;
	u64 bar_size;
	/* The unit that remaps the device's interrupts for its time with
	 * the guest (iommu/vtd/ir_host.h); NULL when allowed unsafe. */
	struct vtd_unit *ir_unit;
	bool live; /* assigned: domain, context entry, count and BAR */
};

/* Allow assignment through a unit that cannot remap interrupts (the
 * allow_unsafe_interrupts option, after VFIO's module parameter): the
 * guest can then make its device send the host any interrupt. Returns
 * the previous setting. */
bool assign_allow_unsafe_interrupts(bool allow);
bool assign_unsafe_interrupts_allowed(void);

/* Assign @e to @vm: the host's MSI of the device is held off and its
 * unit remaps interrupts (ir_host.h), its domain maps the guest's RAM
 * (not pages mapped later by vm_map_page), the device is attached, BAR 0
 * appears at @bar_gpa. 0; -ENODEV (no unit translates the device's DMA,
 * no memory BAR), -EOPNOTSUPP (BAR 0 under a page, or holding the MSI-X
 * table or pending bits, which the guest would then own), -EPERM (the
 * unit cannot remap interrupts and unsafe interrupts are not allowed, or
 * the VM's policy refuses a non-coherent domain: vm->err says why), or an
 * error of the layer that failed. Nothing is left behind on error. */
int assign_device(struct assigned_dev *a, struct vm *vm, struct dma_engine *e,
		  gpa_t bar_gpa, unsigned flags);
/* Quiesce the device (wait for its DMA to end), clear its context
 * entries and invalidate, recount the VM, unmap the BAR from the guest,
 * destroy the domain, give the host its MSI back and drop the unit's
 * remapping. Safe to call twice. 0 or the first error met (the rest is
 * still undone). */
int assign_detach(struct assigned_dev *a);
/* Make the live domain enforce snooping in place (every leaf gains SNP,
 * IOTLB invalidated, caches written back) and tell the VM. Returns the
 * leaves upgraded, -EOPNOTSUPP without SC. */
int assign_upgrade(struct assigned_dev *a);

#endif
