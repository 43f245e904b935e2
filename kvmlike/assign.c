/* A DMA engine assigned to a VM: VT-d domain over guest RAM, context
 * entry, BAR in the nested tables, the VM's coherency count. */
#include "kvmlike/assign.h"
#include "arch/x86/console.h"
#include "arch/x86/mm.h"
#include "arch/x86/pci.h"
#include "iommu/vtd/alias.h"
#include "iommu/vtd/caps.h"
#include "iommu/vtd/ir_host.h"
#include "iommu/vtd/vtd.h"
#include "lib/errno.h"
#include "lib/string.h"

/* The narrowest address width the unit offers that covers guest RAM. */
static unsigned assign_aw(const struct vtd_unit *u)
{
	return vtd_sagaw_supports(u, vtd_aw_field(39))	 ? 39
	       : vtd_sagaw_supports(u, vtd_aw_field(48)) ? 48
							 : 57;
}

/* Every vCPU drops cached nested translations before its next entry. */
static void assign_nested_changed(struct vm *vm)
{
	for (unsigned i = 0; i < vm->nr_vcpus; i++)
		vcpu_request(&vm->vcpus[i], VCPU_REQ_NESTED);
}

/* The domain: guest RAM at IOVA = GPA, read/write. Snooping is enforced
 * before the first leaf is written, so that every leaf carries SNP from
 * the start (Linux sets force_snooping on an empty domain). The domain
 * has no unit yet, so the unit's SC is checked here. */
static int assign_domain(struct assigned_dev *a, unsigned flags)
{
	struct gmem *g = &a->vm->mem;
	int err = vtd_domain_init(&a->dom, a->unit, assign_aw(a->unit));

	if (err)
		return err;
	if (!(flags & ASSIGN_NONCOHERENT) && (a->unit->ecap & VTD_ECAP_SC))
		err = vtd_domain_enforce_coherency(&a->dom);
	if (err >= 0)
		err = vtd_domain_map(&a->dom, 0, virt_to_phys(g->ram), g->size,
				     PT_READ | PT_WRITE);
	if (err < 0) {
		vtd_domain_destroy(&a->dom);
		return err;
	}
	return 0;
}

/* Translation on, as a driver leaves it once it owns the unit: without
 * it the device's DMA would reach host memory untranslated. */
static int assign_translation_on(struct vtd_unit *u)
{
	if (vtd_read32(u, VTD_REG_GSTS) & VTD_GCMD_TE)
		return 0;
	return vtd_enable_translation(u, true);
}

/* Clear the context entry of the device and of each of its DMA aliases;
 * each clear invalidates the context cache and the domain's IOTLB
 * (6.5.3.3), so no translation survives. */
static int assign_unplug(struct assigned_dev *a)
{
	int ret = 0;

	while (a->dom.nr_devs) {
		struct vtd_dev_ref r = a->dom.devs[0];
		int err = vtd_domain_detach(&a->dom, r.unit, r.bus, r.devfn);

		if (!ret)
			ret = err;
		if (err == -ENOENT)
			break;
	}
	return ret;
}

/* Count first (strict may refuse before the device can reach the guest),
 * then the context entries (the device's and its DMA aliases': bridges
 * above it may take over its requests), then the BAR. Undone in reverse
 * on error. No RMRR is mapped: a guest's domain holds guest RAM only, and
 * like VFIO (Linux refuses to attach a device an RMRR names to a domain
 * it does not own) the caller should not assign such a device. */
static int assign_attach(struct assigned_dev *a)
{
	int err = vm_attach_domain(a->vm, &a->dom);

	if (err)
		return err;
	err = vtd_domain_attach_pci(&a->dom, a->unit, NULL, a->eng->pci);
	if (!err)
		err = assign_translation_on(a->unit);
	if (!err)
		err = gmem_map_mmio(&a->vm->mem, a->bar_gpa, a->bar_hpa,
				    a->bar_size);
	if (!err) {
		assign_nested_changed(a->vm);
		return 0;
	}
	assign_unplug(a);
	vm_detach_domain(a->vm, &a->dom);
	return err;
}

static bool unsafe_interrupts;

bool assign_allow_unsafe_interrupts(bool allow)
{
	bool was = unsafe_interrupts;

	unsafe_interrupts = allow;
	return was;
}

bool assign_unsafe_interrupts_allowed(void)
{
	return unsafe_interrupts;
}

/* The guest must not reach the host's interrupts through the device
 * (ir_host.h): the host's MSI of it is held off (edu raises its MSI when
 * a register is written, and the guest owns the registers), and its unit
 * remaps, so that a message the device writes (a DMA to 0xFEEx_xxxx)
 * names no entry valid for it. Without remapping only the option lets
 * it through, with the hold still on. */
static int assign_interrupts(struct assigned_dev *a)
{
	struct pci_dev *pci = a->eng->pci;
	struct vtd_unit *u = vtd_unit_for_device(pci->seg, pci->bus,
						 pci->devfn);
	int err;

	if (!u || !(u->ecap & VTD_ECAP_IR)) {
		if (!unsafe_interrupts) {
			vm_set_err(a->vm,
				   "%02x:%02x.%u: its unit cannot remap "
				   "interrupts (ECAP.IR=0): the guest could "
				   "send the host any interrupt through it "
				   "(allow_unsafe_interrupts assigns anyway)",
				   pci->bus, pci->devfn >> 3, pci->devfn & 7);
			return -EPERM;
		}
		u = NULL; /* allowed unsafe: held off, not remapped */
	}
	if ((err = pci_msi_hold(pci, true)) ||
	    (u && (err = vtd_ir_host_get(u)))) {
		int gerr = pci_msi_hold(pci, false);
		if (gerr)
			kprintf(
			    "# kvm: %02x:%02x.%u: its host MSI could not be "
			    "given back: %s; the vector stays off\n",
			    pci->bus, pci->devfn >> 3, pci->devfn & 7,
			    strerror_k(gerr));
		return err;
	}
	a->ir_unit = u;
	return 0;
}

static int assign_interrupts_back(struct assigned_dev *a)
{
	int err = pci_msi_hold(a->eng->pci, false);

	if (a->ir_unit)
		vtd_ir_host_put(a->ir_unit);
	a->ir_unit = NULL;
	return err;
}

/* BAR 0 is handed to the guest whole; what VFIO would have to trap is
 * refused instead (-EOPNOTSUPP): a BAR smaller than a page or not page
 * aligned (the rest of its page belongs to other registers, maybe another
 * device's: VFIO maps only page-sized, page-aligned BARs), and an MSI-X
 * table or pending-bit array in it (PCI 3.0 6.8.2: the guest would write
 * the device's interrupt messages; VFIO keeps those pages trapped). */
static int assign_bar_ok(const struct pci_dev *pci)
{
	int cap = pci_find_cap(pci, PCI_CAP_ID_MSIX);

	if (pci->bar[0].size < PAGE_SIZE ||
	    !IS_ALIGNED(pci->bar[0].base, PAGE_SIZE))
		return -EOPNOTSUPP;
	if (cap >= 0 &&
	    ((pci_dev_read(pci, cap + PCI_MSIX_TABLE, 4) & PCI_MSIX_BIR) == 0 ||
	     (pci_dev_read(pci, cap + PCI_MSIX_PBA, 4) & PCI_MSIX_BIR) == 0))
		return -EOPNOTSUPP;
	return 0;
}

int assign_device(struct assigned_dev *a, struct vm *vm, struct dma_engine *e,
		  gpa_t bar_gpa, unsigned flags)
{
	struct pci_dev *pci = e->pci;
	int err;

	memset(a, 0, sizeof(*a));
	a->vm = vm;
	a->eng = e;
	/* A unit that remaps interrupts only cannot confine the device. */
	a->unit = vtd_dma_unit_for_device(pci->seg, pci->bus, pci->devfn);
	if (!a->unit || pci->bar[0].io || !pci->bar[0].size)
		return -ENODEV;
	if ((err = assign_bar_ok(pci)))
		return err;
	a->bar_gpa = bar_gpa;
	a->bar_hpa = pci->bar[0].base;
	a->bar_size = ALIGN_UP(pci->bar[0].size, PAGE_SIZE);
	if ((err = assign_interrupts(a)))
		return err;
	err = assign_domain(a, flags);
	if (!err && (err = assign_attach(a)))
		vtd_domain_destroy(&a->dom);
	if (err) {
		assign_interrupts_back(a);
		return err;
	}
	a->live = true;
	return 0;
}

static void first_error(int *ret, int err)
{
	if (!*ret && err < 0)
		*ret = err;
}

int assign_detach(struct assigned_dev *a)
{
	int ret = 0;

	if (!a->live)
		return 0;
	a->live = false;
	first_error(&ret, dma_quiesce(a->eng));
	first_error(&ret, assign_unplug(a));
	first_error(&ret, vm_detach_domain(a->vm, &a->dom));
	first_error(&ret, gmem_unmap_mmio(&a->vm->mem, a->bar_gpa));
	assign_nested_changed(a->vm);
	vtd_domain_destroy(&a->dom);
	first_error(&ret, assign_interrupts_back(a));
	return ret;
}

int assign_upgrade(struct assigned_dev *a)
{
	int n;

	if (!a->live)
		return -ENOENT;
	n = vtd_domain_enforce_coherency(&a->dom);
	if (n < 0)
		return n;
	int err = vm_domain_upgraded(a->vm, &a->dom);
	return err ? err : n;
}
