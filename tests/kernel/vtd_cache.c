/* Suite vtd, continued: fault events, overflow, FPD, and caching. Caching
 * is real (QEMU's IOTLB and context cache too): a changed entry is not
 * seen until the right invalidation, register-based or queued. */
#include "arch/x86/cpu.h"
#include "iommu/vtd/caps.h"
#include "iommu/vtd/context.h"
#include "iommu/vtd/inval.h"
#include "iommu/vtd/fault.h"
#include "iommu/vtd/report.h"
#include "arch/x86/mm.h"
#include "arch/x86/trap.h"
#include "arch/x86/tsc.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "lib/test.h"
#include "arch/x86/platform.h"
#include "tests/kernel/vtd_fix.h"

#define IOVA_T 0x200000ULL
#define LEN    64

static int fault_dma(struct vtd_fix *f, iova_t iova)
{
	return dma_write(f->dev, 0, iova, LEN);
}

TEST(vtd, fault_interrupt_once_per_fault)
{
	struct vtd_fix *f;

	f = fix_setup(0, false);
	for (unsigned i = 1; i <= 2; i++) {
		ASSERT_OK(fault_dma(f, IOVA_T + i * PAGE_SIZE));
		EXPECT_OK(WAIT_FOR(
		    trap_count(VEC_VTD_FAULT) == f->irqs_before + i, 100000));
		udelay(2000); /* no second interrupt for the same fault */
		EXPECT_EQ(trap_count(VEC_VTD_FAULT), f->irqs_before + i);
		expect_one_fault(f, VTD_FR_WRITE, IOVA_T + i * PAGE_SIZE);
	}
	guarded_intact(&f->dst, 0, 0);
	guarded_intact(&f->src, 0, 0);
}

/* With every fault record full, the next fault sets PFO and is lost
 * (7.1.3.1); once the records are cleared the unit records again. The
 * overflowing fault comes from a second edu device when there is one. */
TEST(vtd, full_records_set_pfo_then_recover)
{
	struct vtd_fix *f;
	struct dma_engine *other = dma_find("edu", 1);
	bool two = other &&
		   vtd_unit_for_device(other->pci->seg, other->pci->bus,
				       other->pci->devfn) != NULL;

	f = fix_setup(0, false);
	if (two) {
		ASSERT_OK(vtd_domain_attach(fix_domain(f), f->unit,
					    other->pci->bus,
					    other->pci->devfn));
	} else if (platform_kind() == PLATFORM_QEMU) {
		test_todo("QEMU 7.2 drops a fault from a source whose record "
			  "is pending without setting PFO; needs two devices");
	}
	unsigned nfr = vtd_nr_fault_regs(f->unit);
	vtd_fault_mask(f->unit, true);
	for (unsigned i = 0; i < nfr; i++)
		ASSERT_OK(fault_dma(f, IOVA_T + i * PAGE_SIZE));
	ASSERT_OK(dma_write(two ? other : f->dev, 0, IOVA_T, LEN));
	EXPECT_TRUE(vtd_read32(f->unit, VTD_REG_FSTS) & VTD_FSTS_PFO);
	EXPECT_TRUE(vtd_read32(f->unit, VTD_REG_FSTS) & VTD_FSTS_PPF);
	EXPECT_EQ(vtd_fault_drain(f->unit), nfr);
	EXPECT_EQ(vtd_read32(f->unit, VTD_REG_FSTS) &
		      (VTD_FSTS_PFO | VTD_FSTS_PPF),
		  0);
	vtd_fault_clear_log(f->unit);
	vtd_fault_mask(f->unit, false);
	ASSERT_OK(fault_dma(f, IOVA_T + 0x40000));
	expect_one_fault(f, VTD_FR_WRITE, IOVA_T + 0x40000);
	guarded_intact(&f->dst, 0, 0);
	guarded_intact(&f->src, 0, 0);
}

TEST(vtd, fpd_suppresses_fault_recording)
{
	struct vtd_fix *f;

	f = fix_setup(0, false);
	struct vtd_entry128 *e = vtd_ctx_entry(f->unit, f->dev->pci->bus,
					       f->dev->pci->devfn);
	ASSERT_OK(vtd_ctx_write_raw(f->unit, f->dev->pci->bus,
				    f->dev->pci->devfn, e->lo | VTD_CTX_LO_FPD,
				    e->hi));
	ASSERT_OK(vtd_inv_context(f->unit, VTD_GRAN_GLOBAL, 0, 0));
	ASSERT_OK(fault_dma(f, IOVA_T));
	udelay(2000);
	EXPECT_EQ(trap_count(VEC_VTD_FAULT), f->irqs_before);
	expect_no_fault(f);
	guarded_intact(&f->dst, 0, 0);
}

/* Map IOVA_T to f->src's page (A), stage @pat in the device and write it
 * there once: the unit now caches the context entry and the translation. */
static void prime(struct vtd_fix *f, u8 pat)
{
	ASSERT_OK(fix_stage(f, 0x100000, pat, LEN));
	ASSERT_OK(vtd_domain_map(&f->dom, IOVA_T, virt_to_phys(f->src.page),
				 PAGE_SIZE, PT_READ | PT_WRITE));
	ASSERT_OK(dma_write(f->dev, 0, IOVA_T, LEN));
	EXPECT_BYTES(f->src.page, pat, LEN);
}

/* Map IOVA_T to page A, DMA (the IOTLB now holds it), repoint the leaf to
 * page B without invalidating: the DMA still lands in A. After the
 * invalidation of granularity @g it lands in B. */
static void iotlb_case(enum vtd_gran g, bool qi)
{
	struct vtd_fix *f;
	struct pt_walk w;

	f = fix_setup(0, qi);
	prime(f, 0xa1);
	ASSERT_OK(pt_lookup(&f->dom.pt, IOVA_T, &w));
	*w.ptep = (*w.ptep & ~GENMASK_ULL(51, 12)) | virt_to_phys(f->dst.page);
	vtd_flush_struct(f->unit, w.ptep, 8);
	memset(f->src.page, CANARY, LEN);
	ASSERT_OK(dma_write(f->dev, 0, IOVA_T, LEN));
	EXPECT_BYTES(f->src.page, 0xa1, LEN); /* stale translation used */
	guarded_intact(&f->dst, 0, 0);
	memset(f->src.page, CANARY, LEN);
	ASSERT_OK(vtd_inv_iotlb(f->unit, g, f->dom.did, IOVA_T, 0));
	ASSERT_OK(dma_write(f->dev, 0, IOVA_T, LEN));
	EXPECT_BYTES(f->dst.page, 0xa1, LEN);
	guarded_intact(&f->dst, 0, LEN);
	guarded_intact(&f->src, 0, 0);
	expect_no_fault(f);
}

TEST(vtd, iotlb_page_invalidation_register)
{
	iotlb_case(VTD_GRAN_PAGE, false);
}
TEST(vtd, iotlb_domain_invalidation_register)
{
	iotlb_case(VTD_GRAN_DOMAIN, false);
}
TEST(vtd, iotlb_global_invalidation_register)
{
	iotlb_case(VTD_GRAN_GLOBAL, false);
}
TEST(vtd, iotlb_page_invalidation_queued)
{
	iotlb_case(VTD_GRAN_PAGE, true);
}
TEST(vtd, iotlb_domain_invalidation_queued)
{
	iotlb_case(VTD_GRAN_DOMAIN, true);
}
TEST(vtd, iotlb_global_invalidation_queued)
{
	iotlb_case(VTD_GRAN_GLOBAL, true);
}

/* Repoint edu's context entry at a second domain mapping IOVA_T to page B.
 * With only the old domain's IOTLB invalidated, the cached context entry
 * still leads to A; after a context-cache invalidation of granularity @g
 * (and the IOTLB invalidation the spec asks for after it) the DMA lands
 * in B. */
static void context_case(enum vtd_gran g, bool qi)
{
	struct vtd_fix *f;
	struct vtd_domain d2;

	f = fix_setup(0, qi);
	prime(f, 0xb2);
	ASSERT_OK(vtd_domain_init(&d2, f->unit, f->dom.aw));
	ASSERT_OK(vtd_domain_map(&d2, IOVA_T, virt_to_phys(f->dst.page),
				 PAGE_SIZE, PT_READ | PT_WRITE));
	vtd_flush_struct(f->unit, d2.pt.root, PAGE_SIZE);
	u8 bus = f->dev->pci->bus, devfn = f->dev->pci->devfn;
	u64 hi = (vtd_ctx_entry(f->unit, bus, devfn)->hi & ~VTD_CTX_HI_DID) |
		 FIELD_PREP(VTD_CTX_HI_DID, d2.did);
	u64 lo = VTD_CTX_LO_P | d2.pt.root_pa;
	ASSERT_OK(vtd_ctx_write_raw(f->unit, bus, devfn, lo, hi));
	ASSERT_OK(vtd_inv_iotlb(f->unit, VTD_GRAN_DOMAIN, f->dom.did, 0, 0));
	memset(f->src.page, CANARY, LEN);
	ASSERT_OK(dma_write(f->dev, 0, IOVA_T, LEN));
	EXPECT_BYTES(f->src.page, 0xb2, LEN); /* cached context entry */
	memset(f->src.page, CANARY, LEN);
	u16 did = g == VTD_GRAN_DOMAIN ? f->dom.did : 0;
	ASSERT_OK(vtd_inv_context(f->unit, g, did, PCI_BDF(bus, devfn)));
	/* 6.5.3.3: then the old domain's IOTLB, which the DMA above refilled
	 * through the cached entry (QEMU keys its IOTLB by source id). */
	ASSERT_OK(vtd_inv_iotlb(f->unit, VTD_GRAN_DOMAIN, f->dom.did, 0, 0));
	ASSERT_OK(dma_write(f->dev, 0, IOVA_T, LEN));
	EXPECT_BYTES(f->dst.page, 0xb2, LEN);
	guarded_intact(&f->dst, 0, LEN);
	guarded_intact(&f->src, 0, 0);
	expect_no_fault(f);
	/* Put the fixture's entry back before it is torn down. */
	ASSERT_OK(
	    vtd_ctx_set(f->unit, bus, devfn,
			&(struct vtd_ctx_cfg){ f->dom.did, f->dom.aw, 0,
					       f->dom.pt.root_pa, false }));
	pt_destroy(&d2.pt);
	vtd_did_free(d2.did);
}

TEST(vtd, context_device_invalidation_register)
{
	context_case(VTD_GRAN_DEVICE, false);
}
TEST(vtd, context_domain_invalidation_register)
{
	context_case(VTD_GRAN_DOMAIN, false);
}
TEST(vtd, context_global_invalidation_register)
{
	context_case(VTD_GRAN_GLOBAL, false);
}
TEST(vtd, context_device_invalidation_queued)
{
	context_case(VTD_GRAN_DEVICE, true);
}
TEST(vtd, context_domain_invalidation_queued)
{
	context_case(VTD_GRAN_DOMAIN, true);
}
TEST(vtd, context_global_invalidation_queued)
{
	context_case(VTD_GRAN_GLOBAL, true);
}

/* A descriptor of an undefined type stops the queue with IQE (6.5.2.10);
 * it is reported, cleared, and the next invalidation works. */
TEST(vtd, queue_error_reported_and_recovered)
{
	struct vtd_fix *f;
	struct vtd_entry128 bad = { .lo = 0xf, .hi = 0 };

	f = fix_setup(0, true);
	EXPECT_EQ(vtd_qi_submit(f->unit, &bad, 1), -EIO);
	EXPECT_EQ(vtd_read32(f->unit, VTD_REG_FSTS) & VTD_FSTS_IQE, 0);
	EXPECT_OK(vtd_inv_iotlb(f->unit, VTD_GRAN_GLOBAL, 0, 0, 0));
	EXPECT_OK(vtd_inv_context(f->unit, VTD_GRAN_GLOBAL, 0, 0));
}

/* Bring-up over a unit left running, as firmware or a previous kernel may
 * leave it: translation on and a fault pending. A second bring-up of the
 * same unit must notice both, turn translation off, record and clear the
 * fault, and install its own root table. */
TEST(vtd, bring_up_quiesces_translation_and_faults)
{
	static struct vtd_unit again;
	struct vtd_fix *f;

	f = fix_setup(0, false);
	vtd_fault_mask(f->unit, true);
	ASSERT_OK(fault_dma(f, IOVA_T));
	ASSERT_TRUE(vtd_read32(f->unit, VTD_REG_FSTS) & VTD_FSTS_PPF);
	ASSERT_OK(vtd_unit_init(&again, 99, f->unit->reg_pa, f->unit->reg_size,
				f->unit->seg));
	EXPECT_TRUE(again.fw_te_on);
	EXPECT_EQ(again.fw_faults, 1);
	EXPECT_EQ(vtd_read32(f->unit, VTD_REG_GSTS) & VTD_GCMD_TE, 0);
	EXPECT_EQ(vtd_read32(f->unit, VTD_REG_FSTS) & VTD_FSTS_PPF, 0);
	EXPECT_EQ(vtd_read64(f->unit, VTD_REG_RTADDR),
		  virt_to_phys(again.root));
	vtd_unit_report(&again);
	guarded_intact(&f->dst, 0, 0);
	/* Give the unit back to the fixture's structures. */
	page_free(again.root);
	ASSERT_OK(vtd_set_root_table(f->unit));
	vtd_fault_irq_setup(f->unit, VEC_VTD_FAULT);
}

/* Registers that never answer must give -ETIMEDOUT, not a hang. QEMU
 * ignores register-based invalidation while queued invalidation is on
 * (its busy bit stays set), which makes such a register on demand. */
TEST(vtd, hardware_wait_times_out_cleanly)
{
	struct vtd_fix *f;

	if (platform_kind() != PLATFORM_QEMU)
		test_skip("needs QEMU's behaviour to provoke a stuck register");
	f = fix_setup(0, true);
	f->unit->qi = false; /* lie: use the register with QI on */
	u64 t0 = tsc_read_us();
	EXPECT_EQ(vtd_inv_context(f->unit, VTD_GRAN_GLOBAL, 0, 0), -ETIMEDOUT);
	test_diag("gave up after %lu us", tsc_read_us() - t0);
	EXPECT_GE(tsc_read_us() - t0, VTD_TIMEOUT_US);
	f->unit->qi = true;
	EXPECT_OK(vtd_inv_context(f->unit, VTD_GRAN_GLOBAL, 0, 0));
}

/* A DRHD pointing where nothing decodes reads all ones (or zeros): the
 * unit is refused with -ENODEV and nothing else is touched. */
TEST(vtd, unit_where_nothing_decodes_refused)
{
	static struct vtd_unit u;

	if (platform_kind() != PLATFORM_QEMU)
		test_skip("an unused MMIO address is known only on QEMU q35");
	EXPECT_EQ(vtd_unit_init(&u, 99, 0xfeb00000ULL, PAGE_SIZE, 0), -ENODEV);
}
