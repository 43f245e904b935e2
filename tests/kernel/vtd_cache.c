/* Suite vtd_cache: caching and invalidation. Caching is real (QEMU's
 * IOTLB and context cache too): a changed entry is not seen until the
 * right invalidation, register-based or queued. */
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
static void iotlb_case(enum vtd_gran g, enum fix_inval qi)
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

TEST(vtd_cache, iotlb_page_invalidation_register)
{
	iotlb_case(VTD_GRAN_PAGE, FIX_INV_REGISTER);
}
TEST(vtd_cache, iotlb_domain_invalidation_register)
{
	iotlb_case(VTD_GRAN_DOMAIN, FIX_INV_REGISTER);
}
TEST(vtd_cache, iotlb_global_invalidation_register)
{
	iotlb_case(VTD_GRAN_GLOBAL, FIX_INV_REGISTER);
}
TEST(vtd_cache, iotlb_page_invalidation_queued)
{
	iotlb_case(VTD_GRAN_PAGE, FIX_INV_QUEUED);
}
TEST(vtd_cache, iotlb_domain_invalidation_queued)
{
	iotlb_case(VTD_GRAN_DOMAIN, FIX_INV_QUEUED);
}
TEST(vtd_cache, iotlb_global_invalidation_queued)
{
	iotlb_case(VTD_GRAN_GLOBAL, FIX_INV_QUEUED);
}

/* Repoint edu's context entry at a second domain mapping IOVA_T to page B.
 * With only the old domain's IOTLB invalidated, the cached context entry
 * still leads to A; after a context-cache invalidation of granularity @g
 * (and the IOTLB invalidation the spec asks for after it) the DMA lands
 * in B. */
static void context_case(enum vtd_gran g, enum fix_inval qi)
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

TEST(vtd_cache, context_device_invalidation_register)
{
	context_case(VTD_GRAN_DEVICE, FIX_INV_REGISTER);
}
TEST(vtd_cache, context_domain_invalidation_register)
{
	context_case(VTD_GRAN_DOMAIN, FIX_INV_REGISTER);
}
TEST(vtd_cache, context_global_invalidation_register)
{
	context_case(VTD_GRAN_GLOBAL, FIX_INV_REGISTER);
}
TEST(vtd_cache, context_device_invalidation_queued)
{
	context_case(VTD_GRAN_DEVICE, FIX_INV_QUEUED);
}
TEST(vtd_cache, context_domain_invalidation_queued)
{
	context_case(VTD_GRAN_DOMAIN, FIX_INV_QUEUED);
}
TEST(vtd_cache, context_global_invalidation_queued)
{
	context_case(VTD_GRAN_GLOBAL, FIX_INV_QUEUED);
}

/* A descriptor of an undefined type stops the queue with IQE (6.5.2.10);
 * it is reported, cleared, and the next invalidation works. */
TEST(vtd_cache, queue_error_reported_and_recovered)
{
	struct vtd_fix *f;
	struct vtd_entry128 bad = { .lo = 0xf, .hi = 0 };

	f = fix_setup(0, FIX_INV_QUEUED);
	EXPECT_EQ(vtd_qi_submit(f->unit, &bad, 1), -EIO);
	EXPECT_EQ(vtd_read32(f->unit, VTD_REG_FSTS) & VTD_FSTS_IQE, 0);
	EXPECT_OK(vtd_inv_iotlb(f->unit, VTD_GRAN_GLOBAL, 0, 0, 0));
	EXPECT_OK(vtd_inv_context(f->unit, VTD_GRAN_GLOBAL, 0, 0));
}

/* Registers that never answer must give -ETIMEDOUT, not a hang. QEMU
 * ignores register-based invalidation while queued invalidation is on
 * (its busy bit stays set), which makes such a register on demand. */
TEST(vtd_cache, hardware_wait_times_out_cleanly)
{
	struct vtd_fix *f;

	if (platform_kind() != PLATFORM_QEMU)
		test_skip("needs QEMU's behaviour to provoke a stuck register");
	f = fix_setup(0, FIX_INV_QUEUED);
	f->unit->qi = false; /* lie: use the register with QI on */
	u64 t0 = tsc_read_us();
	EXPECT_EQ(vtd_inv_context(f->unit, VTD_GRAN_GLOBAL, 0, 0), -ETIMEDOUT);
	test_diag("gave up after %lu us", tsc_read_us() - t0);
	EXPECT_GE(tsc_read_us() - t0, VTD_TIMEOUT_US);
	f->unit->qi = true;
	EXPECT_OK(vtd_inv_context(f->unit, VTD_GRAN_GLOBAL, 0, 0));
}
