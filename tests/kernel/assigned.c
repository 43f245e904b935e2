/* Suite assigned: a real DMA engine assigned to a VM (kvmlike/assign.h),
 * driven by the guest itself through its BAR. The bytes the guest's DMA
 * moves arrive in its own RAM and nowhere else; the domain enforces
 * snooping exactly when the hardware can (ECAP.SC); a DMA the guest aims
 * outside its RAM faults with the device's source id and touches no host
 * byte; a second VM's device cannot reach the first VM; detach leaves no
 * mapping behind; strict refuses a non-coherent device after a coherent
 * run. The policy matrix is suite assigned_wbinvd, memory types
 * assigned_memtype.
 *
 * Needs an edu device behind a VT-d unit (the QEMU lanes); Bochs has no
 * IOMMU: every test skips there with "no VT-d unit". */
#include "arch/x86/mm.h"
#include "arch/x86/pci.h"
#include "iommu/vtd/caps.h"
#include "iommu/vtd/context.h"
#include "iommu/vtd/fault.h"
#include "lib/errno.h"
#include "lib/test.h"
#include "tests/kernel/assigned_fix.h"
#include "tests/kernel/vtd_fix.h"

TEST(assigned, dma_lands_in_guest_ram)
{
	const struct guest_step s[] = { ROUND_TRIP(0x3c, GUEST_DMA_DST_GPA) };
	struct assigned_fix *f = afix_begin(WBINVD_AUTO, 0);
	/* The coherency answer is the hardware's: enforced iff SC. */
	EXPECT_EQ(vtd_domain_enforces_snoop(&f->dev.dom),
		  !!(f->dev.unit->ecap & VTD_ECAP_SC));
	EXPECT_EQ(vm_has_noncoherent_dma(&f->kf.vm),
		  !(f->dev.unit->ecap & VTD_ECAP_SC));
	afix_fill_guards(&f->kf.vm);
	ASSERT(kvm_run_script(&f->kf, s, ARRAY_SIZE(s)));
	afix_reports_ok(f->kf.v, 2, 1);
	EXPECT_BYTES(afix_ram(&f->kf.vm, GUEST_DMA_SRC_GPA, AFIX_DMA_LEN), 0x3c,
		     AFIX_DMA_LEN);
	afix_guards_intact(&f->kf.vm, GUEST_DMA_DST_GPA, 0x3c, 0, 0);
	afix_expect_faults(f->dev.unit, 0, 0, 0, 0);
}

TEST(assigned, detach_leaves_no_mapping_behind)
{
	const struct guest_step touch[] = { STEP(GOP_TOUCH, GUEST_BAR_GPA, 0,
						 0) };
	struct pci_dev *pci;
	struct pt_walk w;
	enum vcpu_stop stop;

	struct assigned_fix *f = afix_begin(WBINVD_AUTO, 0);
	pci = f->dev.eng->pci;
	afix_expect_bar_uncached(&f->kf.vm, f->dev.bar_hpa);
	EXPECT_NE(vtd_ctx_entry(f->dev.unit, pci->bus, pci->devfn)->lo &
		      VTD_CTX_LO_P,
		  0);
	ASSERT_OK(assign_detach(&f->dev));
	EXPECT_EQ(pt_lookup(&f->kf.vm.mem.pt, GUEST_BAR_GPA, &w), -ENOENT);
	EXPECT_EQ(vtd_ctx_entry(f->dev.unit, pci->bus, pci->devfn)->lo &
		      VTD_CTX_LO_P,
		  0);
	EXPECT_EQ(f->kf.vm.mem.nr_mmio, 0);
	EXPECT_FALSE(vm_has_noncoherent_dma(&f->kf.vm));
	/* The guest's touch of the BAR is a nested page fault now... */
	ASSERT_OK(vm_load_script(&f->kf.vm, touch, ARRAY_SIZE(touch)));
	ASSERT_OK(kvm_run(&f->kf, &stop));
	EXPECT_EQ(stop, VCPU_STOP_NPF);
	EXPECT_EQ(f->kf.v->last_exit.gpa, GUEST_BAR_GPA);
	/* ...and the device's DMA to guest RAM finds no context entry. */
	EXPECT_EQ(dma_write(f->dev.eng, 0, GUEST_DMA_DST_GPA, 64), 0);
	afix_expect_faults(f->dev.unit, 1, 0x2, afix_sid(f->dev.eng),
			   GUEST_DMA_DST_GPA);
}

TEST(assigned, dma_read_outside_guest_ram_faults_6)
{
	struct assigned_fix *f = afix_begin(WBINVD_AUTO, 0);
	gpa_t t = afix_host_page_target(f);
	const struct guest_step s[] = {
		STEP(GOP_EDU_DMA, 0, t, AFIX_DMA_LEN),
		STEP(GOP_EDU_DMA, 1, GUEST_DMA_DST_GPA, AFIX_DMA_LEN),
		STEP(GOP_CHECK, AFIX_SECRET, GUEST_DMA_DST_GPA, AFIX_DMA_LEN),
	};

	afix_fill_guards(&f->kf.vm);
	ASSERT(kvm_run_script(&f->kf, s, ARRAY_SIZE(s)));
	afix_expect_faults(f->dev.unit, 1, 0x6, afix_sid(f->dev.eng), t);
	/* No host byte reached the guest through the device's buffer. */
	const struct vcpu_report *r = vcpu_report_find(f->kf.v, GREP_CHECK);
	ASSERT(r != NULL);
	EXPECT_EQ(r->a, AFIX_DMA_LEN);
	EXPECT_BYTES(f->host_page, AFIX_SECRET, PAGE_SIZE);
}

TEST(assigned, dma_write_outside_guest_ram_faults_5)
{
	struct assigned_fix *f = afix_begin(WBINVD_AUTO, 0);
	gpa_t t = afix_host_page_target(f);
	const struct guest_step s[] = {
		STEP(GOP_FILL, 0x77, GUEST_DMA_SRC_GPA, AFIX_DMA_LEN),
		STEP(GOP_EDU_DMA, 0, GUEST_DMA_SRC_GPA, AFIX_DMA_LEN),
		STEP(GOP_EDU_DMA, 1, t, AFIX_DMA_LEN),
	};

	ASSERT(kvm_run_script(&f->kf, s, ARRAY_SIZE(s)));
	afix_reports_ok(f->kf.v, 2, 0);
	afix_expect_faults(f->dev.unit, 1, 0x5, afix_sid(f->dev.eng), t);
	EXPECT_BYTES(f->host_page, AFIX_SECRET, PAGE_SIZE);
}

/* A second VM with edu1 aims its DMA at the host address of the first
 * VM's destination page: its domain maps only its own RAM. */
TEST(assigned, second_vm_cannot_reach_first_vms_memory)
{
	struct dma_engine *e1 = afix_edu(1);

	struct assigned_fix *f = afix_begin(WBINVD_AUTO, 0);
	ASSERT_OK(vm_create(&f->vm2, WBINVD_AUTO));
	f->vm2_up = true;
	ASSERT_OK(vm_add_vcpu(&f->vm2, &f->v2));
	afix_assign(&f->dev2, &f->vm2, e1, 0);
	vtd_fault_drain(f->dev2.unit);
	vtd_fault_clear_log(f->dev2.unit);
	afix_fill_guards(&f->kf.vm);
	afix_fill_guards(&f->vm2);
	gpa_t victim = virt_to_phys(afix_ram(&f->kf.vm, GUEST_DMA_DST_GPA, 1));
	ASSERT(EXPECT_LT(victim, 1ULL << 32));
	const struct guest_step s[] = {
		ROUND_TRIP(0x99, GUEST_DMA_DST_GPA),
		STEP(GOP_EDU_DMA, 1, victim, AFIX_DMA_LEN),
	};
	enum vcpu_stop stop;

	ASSERT_OK(vm_load_script(&f->vm2, s, ARRAY_SIZE(s)));
	ASSERT_OK(vcpu_run(f->v2, &stop));
	EXPECT_EQ(stop, VCPU_STOP_HALT);
	EXPECT_TRUE(f->v2->done);
	afix_reports_ok(f->v2, 3, 1);
	/* Its own GPA 0x12000 got the bytes; the first VM's did not. */
	afix_guards_intact(&f->vm2, GUEST_DMA_DST_GPA, 0x99, 0, 0);
	afix_guards_intact(&f->kf.vm, 0, 0, 0, 0);
	afix_expect_faults(f->dev2.unit, 1, 0x5, afix_sid(e1), victim);
}

TEST(assigned, strict_refuses_noncoherent_device_after_coherent_run)
{
	const struct guest_step s[] = { STEP(GOP_WBINVD, 1, 0, 0) };
	struct dma_engine *e = afix_edu(0);
	struct pci_dev *pci = e->pci;
	struct pt_walk w;

	struct assigned_fix *f = afix_vm(WBINVD_STRICT);
	vm_set_strict_refuse(&f->kf.vm, true); /* rather than flush */
	ASSERT(kvm_run_script(&f->kf, s, ARRAY_SIZE(s))); /* no domain */
	EXPECT_EQ(assign_device(&f->dev, &f->kf.vm, e, GUEST_BAR_GPA,
				ASSIGN_NONCOHERENT),
		  -EPERM);
	test_diag("%s", f->kf.vm.err);
	EXPECT_FALSE(f->dev.live);
	EXPECT_EQ(vtd_ctx_entry(afix_unit(e), pci->bus, pci->devfn)->lo &
		      VTD_CTX_LO_P,
		  0);
	EXPECT_EQ(pt_lookup(&f->kf.vm.mem.pt, GUEST_BAR_GPA, &w), -ENOENT);
	EXPECT_FALSE(vm_has_noncoherent_dma(&f->kf.vm));
}

/* BAR 0 under a page: the rest of its page holds other registers, which
 * the guest would reach through the nested mapping. Refused before any
 * domain or mapping exists (edu's 1 MiB BAR, as if it were 2 KiB). */
TEST(assigned, bar_smaller_than_a_page_refused)
{
	struct dma_engine *e = afix_edu(0);
	static struct pci_dev small;
	static struct dma_engine eng;
	struct pt_walk w;

	struct assigned_fix *f = afix_vm(WBINVD_AUTO);
	small = *e->pci;
	small.bar[0].size = PAGE_SIZE / 2;
	eng = *e;
	eng.pci = &small;
	EXPECT_EQ(assign_device(&f->dev, &f->kf.vm, &eng, GUEST_BAR_GPA, 0),
		  -EOPNOTSUPP);
	EXPECT_FALSE(f->dev.live);
	EXPECT_EQ(pt_lookup(&f->kf.vm.mem.pt, GUEST_BAR_GPA, &w), -ENOENT);
	EXPECT_FALSE(vm_has_noncoherent_dma(&f->kf.vm));
}

/* An MSI-X table in BAR 0 (qemu-xhci has one): the guest would write the
 * device's interrupt messages, which reach the host. Refused. */
TEST(assigned, msix_table_in_the_bar_refused)
{
	struct dma_engine *e = dma_find("xhci", 0);
	struct pt_walk w;

	if (!e || !e->pci)
		test_skip("no xHCI on this machine");
	int cap = pci_find_cap(e->pci, PCI_CAP_ID_MSIX);
	if (cap < 0 ||
	    (pci_dev_read(e->pci, cap + PCI_MSIX_TABLE, 4) & PCI_MSIX_BIR))
		test_skip("%s has no MSI-X table in BAR 0", e->name);
	if (!afix_unit(e))
		fix_skip_untranslated(e->pci, e->name);
	struct assigned_fix *f = afix_vm(WBINVD_AUTO);
	EXPECT_EQ(assign_device(&f->dev, &f->kf.vm, e, GUEST_BAR_GPA, 0),
		  -EOPNOTSUPP);
	EXPECT_FALSE(f->dev.live);
	EXPECT_EQ(pt_lookup(&f->kf.vm.mem.pt, GUEST_BAR_GPA, &w), -ENOENT);
}
