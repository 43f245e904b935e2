/* Suite scalable, continued: first-stage translation, RID_PASID, the
 * upper context table, and the way back to legacy mode (scalable_fix.h;
 * the suite's comment is in scalable.c). */
#include "iommu/vtd/caps.h"
#include "iommu/vtd/inval.h"
#include "arch/x86/mm.h"
#include "arch/x86/platform.h"
#include "arch/x86/tsc.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "lib/test.h"
#include "tests/kernel/scalable_fix.h"
#include "tests/kernel/vtd_fix_dma.h"

TEST(scalable, first_stage_dma_lands_with_canaries_intact)
{
	struct sm_fix *f = sm_setup();
	struct vtd_pasid_cfg c = sm_fl_cfg(f);

	sm_lands(f, &c, 0x69);
}

/* A write through a read-only first-stage leaf is blocked and recorded
 * with its address. */
TEST(scalable, first_stage_write_to_read_only_page_faults)
{
	struct sm_fix *f = sm_setup();
	struct vtd_pasid_cfg c = sm_fl_cfg(f);
	struct vtd_fault flt;

	sm_fl_map(f, IOVA, f->dst.page, PT_READ);
	ASSERT_OK(sm_attach(f, &c));
	sm_blocked_write(f, IOVA);
	guarded_intact(&f->dst, 0, 0);
	if (sm_one_fault(f, &flt)) {
		EXPECT_EQ(flt.addr, IOVA);
		test_diag("first-stage write to a read-only page: reason 0x%x "
			  "(%s)",
			  flt.reason, vtd_sm_fault_name(flt.reason));
	}
}

static int fl_remap_piotlb(struct sm_fix *f)
{
	struct pt_gather g;

	pt_gather_init(&g);
	int err = pt_unmap(&f->fl, IOVA, PAGE_SIZE, &g);
	if (!err)
		err = pt_map(&f->fl, IOVA, virt_to_phys(f->dst.page), PAGE_SIZE,
			     PT_READ | PT_WRITE, &g);
	if (!err)
		err = vtd_inv_piotlb(f->unit, VTD_QI_PIOTLB_G_PASID, f->fl_did,
				     RID_PASID, 0, 0);
	pt_gather_release(&f->fl, &g);
	return err;
}

TEST(scalable, first_stage_remap_visible_after_pasid_iotlb_invalidation)
{
	struct sm_fix *f = sm_setup();
	struct vtd_pasid_cfg c = sm_fl_cfg(f);

	memset(f->src.page, 0x77, LEN);
	sm_fl_map(f, IOVA, f->src.page, PT_READ | PT_WRITE);
	ASSERT_OK(sm_attach(f, &c));
	sm_remap_then_write(f, fl_remap_piotlb);
}

TEST(scalable, pgsnp_first_stage_needs_snoop_control)
{
	struct sm_fix *f = sm_setup();
	struct vtd_pasid_cfg c = sm_fl_cfg(f);

	sm_fl_map_pair(f);
	sm_pgsnp(f, &c);
}

/* RID_PASID (9.4) names the PASID entry that requests without PASID
 * use: here PASID 70, directory entry 1, table entry 6. Only where
 * ECAP.RPS says the unit honours the field. */
TEST(scalable, rid_pasid_selects_the_pasid_entry)
{
	struct sm_fix *f = sm_setup();

	if (!(f->unit->ecap & VTD_ECAP_RPS))
		test_skip("unit has no RID_PASID (ECAP.RPS=0)");
	struct vtd_pasid_cfg c = sm_any_cfg(f);
	struct vtd_pasid_entry pe = vtd_pasid_entry_make(&c);

	sm_map_pair(f, &c);
	ASSERT_OK(sm_attach_raw(f, &c, 70, &pe));
	EXPECT_EQ(FIELD_GET(VTD_SMCTX_W1_RID_PASID,
			    vtd_sm_ctx_entry(&f->sm, f->dev->pci->bus,
					     f->dev->pci->devfn)
				->w[1]),
		  70);
	sm_round_trip(f, IOVA, IOVA + PAGE_SIZE, 0x46);
	expect_no_sm_fault(f);
}

/* Without ECAP.RPS the context entry's RID_PASID is reserved (9.4):
 * requests without PASID use PASID 0, and a non-zero RID_PASID is
 * refused before anything is written. (QEMU 7.2 and 10.0 report RPS=0
 * and would honour it.) */
TEST(scalable, rid_pasid_refused_without_rps)
{
	struct sm_fix *f = sm_setup();

	if (f->unit->ecap & VTD_ECAP_RPS)
		test_skip("unit has RID_PASID (ECAP.RPS=1)");
	struct vtd_pasid_cfg c = sm_any_cfg(f);
	struct vtd_pasid_entry pe = vtd_pasid_entry_make(&c);

	EXPECT_EQ(vtd_sm_attach(&f->sm, f->dev->pci->bus, f->dev->pci->devfn,
				70, &pe, false),
		  -EOPNOTSUPP);
	EXPECT_EQ(vtd_sm_ctx_entry(&f->sm, f->dev->pci->bus, f->dev->pci->devfn)
			  ->w[0] &
		      VTD_SMCTX_W0_P,
		  0);
}

/* 9.2: devfn 128-255 find their context entries through the root
 * entry's upper context table (UCTP). Needs an edu at device 16 or above
 * (a lane adds one at addr=0x11). */
TEST(scalable, upper_context_table_serves_devfn_128_and_up)
{
	struct sm_fix *f = sm_setup();
	struct dma_engine *e = NULL;

	if (sm_own_bytes(f))
		test_skip("the edu round takes an edu at devfn 0x80 or above");
	for (unsigned i = 0; !e && dma_find("edu", i); i++)
		if (dma_find("edu", i)->pci->devfn >= VTD_SMCTX_PER_TABLE)
			e = dma_find("edu", i);
	if (!e)
		test_skip("no edu device at devfn 0x80 or above");
	f->dev = e;
	struct vtd_pasid_cfg c = sm_any_cfg(f);
	sm_map_pair(f, &c);
	ASSERT_OK(sm_attach(f, &c));
	EXPECT_TRUE(f->sm.root[e->pci->bus].hi & VTD_SM_ROOT_HI_UP);
	sm_round_trip(f, IOVA, IOVA + PAGE_SIZE, 0x81);
	expect_no_sm_fault(f);
}

/* The fixture's teardown returns the unit to its legacy root table and
 * 128-bit descriptors (the other suites run in legacy mode): afterwards a
 * legacy domain translates the engine's DMA again. */
TEST(scalable, legacy_mode_translates_after_disable)
{
	struct sm_fix *s = sm_setup();

	vtd_sm_disable(&s->sm);
	EXPECT_EQ(
	    FIELD_GET(VTD_RTADDR_TTM, vtd_read64(s->unit, VTD_REG_RTADDR)),
	    VTD_RTADDR_TTM_LEGACY);
	EXPECT_FALSE(s->unit->iq_dw);
	struct vtd_fix *f = fix_setup(0, FIX_INV_QUEUED);
	ASSERT_OK(vtd_domain_map(&f->dom, IOVA, virt_to_phys(f->dst.page),
				 PAGE_SIZE, PT_READ | PT_WRITE));
	fix_write_lands(f, IOVA, f->dst.page);
	guarded_intact(&f->dst, 0, 0);
	expect_no_fault(f);
}
