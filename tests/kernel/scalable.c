/* Suite scalable: scalable-mode translation (RTADDR.TTM=01) proven with
 * DMA, over each engine the VT-d suites run over in turn (edu0, xhci0:
 * vtd_fix.h). The unit is switched to a scalable-mode root table for each
 * test and back to its legacy one when the test ends, however it ends:
 * the other suites run in legacy mode. The engine's context entry carries
 * a PASID directory; its requests (without PASID) use RID_PASID's entry,
 * whose PGTT picks second-stage tables (a vtd_domain's), pass-through or
 * first-stage tables built by the walker in the first-stage format.
 *
 * An xHCI moves only its own bytes (vtd_fix_dma.h) and reaches its own
 * rings and contexts, which sit at their physical addresses here, mapped
 * 1:1 in whatever tables the entry names, so that pass-through and a
 * switch to it find them too. Where the whole entry blocks (not present,
 * reserved), its first access is to those structures: the fault is
 * checked for its reason and source id, the first of them. */
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

TEST(scalable, second_stage_dma_lands_with_canaries_intact)
{
	struct sm_fix *f = sm_setup();
	struct vtd_pasid_cfg c = sm_sl_cfg(f);

	sm_lands(f, &c, 0x5a);
}

TEST(scalable, pass_through_reaches_physical_address)
{
	struct sm_fix *f = sm_setup();
	struct vtd_pasid_cfg c = { .pgtt = VTD_PGTT_PT, .sl_levels = 3 };

	if (!(f->unit->ecap & VTD_ECAP_PT))
		test_skip("unit has no pass-through (ECAP.PT=0)");
	c.did = (u16)vtd_did_alloc();
	ASSERT_OK(sm_attach(f, &c));
	sm_round_trip(f, virt_to_phys(f->src.page), virt_to_phys(f->dst.page),
		      0x3c);
	vtd_did_free(c.did);
}

/* 9.6: a PASID entry with P=0 blocks the request: SPT.2, reason 0x59. */
TEST(scalable, pasid_entry_not_present_faults_0x59)
{
	struct sm_fix *f = sm_setup();
	struct vtd_pasid_cfg c = sm_any_cfg(f);
	struct vtd_pasid_entry pe = vtd_pasid_entry_make(&c);

	pe.w[0] &= ~VTD_PE_W0_P;
	ASSERT_OK(sm_attach_raw(f, &c, RID_PASID, &pe));
	sm_blocked_write(f, IOVA);
	guarded_intact(&f->dst, 0, 0);
	expect_sm_fault(f, VTD_FR_SM_PE_NOT_PRESENT, true);
}

/* 9.5: the directory entry covering RID_PASID not present: SPD.2, 0x51. */
TEST(scalable, pasid_directory_entry_not_present_faults_0x51)
{
	struct sm_fix *f = sm_setup();
	struct vtd_pasid_cfg c = sm_any_cfg(f);

	ASSERT_OK(sm_attach(f, &c));
	struct vtd_sm_ctx *ce = vtd_sm_ctx_entry(&f->sm, f->dev->pci->bus,
						 f->dev->pci->devfn);
	u64 *dir = phys_to_virt(ce->w[0] & VTD_SMCTX_W0_PASIDDIRPTR);
	dir[RID_PASID >> VTD_PASID_DIR_SHIFT] &= ~VTD_PDE_P;
	vtd_flush_struct(f->unit, dir, sizeof(u64));
	ASSERT_OK(vtd_inv_pasid_cache(f->unit, VTD_QI_PC_G_GLOBAL, 0, 0));
	ASSERT_OK(vtd_inv_iotlb(f->unit, VTD_GRAN_GLOBAL, 0, 0, 0));
	sm_blocked_write(f, IOVA);
	guarded_intact(&f->dst, 0, 0);
	expect_sm_fault(f, VTD_FR_SM_PDIR_NOT_PRESENT, true);
}

/* 9.6: PGTT 0 and 5-7 are reserved: SPT.4, invalid entry, 0x5b. */
TEST(scalable, reserved_pgtt_faults_0x5b)
{
	struct sm_fix *f = sm_setup();
	struct vtd_pasid_cfg c = sm_any_cfg(f);
	struct vtd_pasid_entry pe = vtd_pasid_entry_make(&c);

	pe.w[0] = (pe.w[0] & ~VTD_PE_W0_PGTT) | FIELD_PREP(VTD_PE_W0_PGTT, 6);
	ASSERT_OK(sm_attach_raw(f, &c, RID_PASID, &pe));
	sm_blocked_write(f, IOVA);
	guarded_intact(&f->dst, 0, 0);
	expect_sm_fault(f, VTD_FR_SM_PE_INVALID, true);
}

/* 9.6: PGTT=2 names second-stage translation, which a unit without
 * ECAP.SLTS does not have: an invalid entry (SPT.4, 0x5b). */
TEST(scalable, second_stage_pgtt_without_slts_faults_0x5b)
{
	struct sm_fix *f = sm_setup();
	struct vtd_pasid_cfg c = { .pgtt = VTD_PGTT_SL, .sl_levels = 4 };
	struct vtd_pasid_entry pe;

	if (f->unit->ecap & VTD_ECAP_SLTS)
		test_skip("unit has second-stage translation (ECAP.SLTS=1)");
	int did = vtd_did_alloc();
	ASSERT(EXPECT_GT(did, 0));
	c.did = (u16)did;
	c.slptptr = virt_to_phys(f->src.page); /* never walked */
	pe = vtd_pasid_entry_make(&c);
	int err = sm_attach_raw(f, &c, RID_PASID, &pe);
	if (!err)
		sm_blocked_write(f, IOVA);
	vtd_did_free(c.did);
	ASSERT_OK(err);
	guarded_intact(&f->dst, 0, 0);
	guarded_intact(&f->src, 0, 0);
	expect_sm_fault(f, VTD_FR_SM_PE_INVALID, false);
}

/* 9.6: FPD in the PASID entry suppresses recording of the faults of
 * requests translated through it; without it the same fault is recorded. */
TEST(scalable, pasid_entry_fpd_suppresses_fault_recording)
{
	struct sm_fix *f = sm_setup();
	struct vtd_pasid_cfg c = sm_any_cfg(f);
	struct vtd_fault flt;

	ASSERT_OK(sm_attach(f, &c));
	sm_blocked_write(f, IOVA);
	if (sm_one_fault(f, &flt)) {
		EXPECT_EQ(flt.addr, IOVA);
		test_diag("unmapped write through a PGTT=%u PASID entry: "
			  "reason 0x%x",
			  c.pgtt, flt.reason);
	}
	c.fpd = true;
	ASSERT_OK(sm_attach(f, &c));
	sm_blocked_write(f, IOVA);
	udelay(2000);
	EXPECT_EQ(vtd_fault_take(f->unit, &flt, 1), 0);
	vtd_fault_drain(f->unit);
	EXPECT_EQ(vtd_fault_take(f->unit, &flt, 1), 0);
	guarded_intact(&f->dst, 0, 0);
}

/* 6.5.2.3: in scalable mode the IOTLB invalidation descriptor (by DID)
 * covers second-stage and pass-through entries; the PASID-based one
 * (6.5.2.4) covers first-stage and nested ones. */
static int sl_remap_dsi(struct sm_fix *f)
{
	int err = vtd_domain_unmap(&f->dom, IOVA, PAGE_SIZE);

	if (!err)
		err = vtd_domain_map(&f->dom, IOVA, virt_to_phys(f->dst.page),
				     PAGE_SIZE, PT_READ | PT_WRITE);
	return err ? err
		   : vtd_inv_iotlb(f->unit, VTD_GRAN_DOMAIN, f->dom.did, 0, 0);
}

TEST(scalable, second_stage_remap_visible_after_domain_iotlb_invalidation)
{
	struct sm_fix *f = sm_setup();
	struct vtd_pasid_cfg c = sm_sl_cfg(f);

	memset(f->src.page, 0x77, LEN);
	ASSERT_OK(vtd_domain_map(&f->dom, IOVA, virt_to_phys(f->src.page),
				 PAGE_SIZE, PT_READ | PT_WRITE));
	ASSERT_OK(sm_attach(f, &c));
	sm_remap_then_write(f, sl_remap_dsi);
}

/* 6.5.2.2 (PASID cache): the PASID entry of RID_PASID changes from
 * second-stage translation to pass-through; after a PASID-selective
 * PASID-cache invalidation and the old domain's IOTLB invalidation, a
 * write to dst's physical address reaches it (through the stale entry it
 * would be an unmapped IOVA and fault). */
TEST(scalable, pasid_entry_change_visible_after_pasid_cache_invalidation)
{
	struct sm_fix *f = sm_setup();
	struct vtd_pasid_cfg c = sm_sl_cfg(f);
	struct vtd_pasid_cfg pt = { .pgtt = VTD_PGTT_PT, .did = c.did };

	if (!(f->unit->ecap & VTD_ECAP_PT))
		test_skip("unit has no pass-through (ECAP.PT=0)");
	memset(f->src.page, 0x77, LEN);
	ASSERT_OK(vtd_domain_map(&f->dom, IOVA, virt_to_phys(f->src.page),
				 PAGE_SIZE, PT_READ));
	ASSERT_OK(sm_attach(f, &c));
	if (sm_own_bytes(f))
		fix_read_fetches(sm_vf(f), IOVA, f->src.page);
	else
		ASSERT_OK(dma_read(f->dev, IOVA, 0, LEN));
	pt.sl_levels = c.sl_levels;
	struct vtd_pasid_entry pe = vtd_pasid_entry_make(&pt);
	vtd_pasid_entry_store(&f->sm,
			      vtd_sm_pasid_entry(&f->sm, f->dev->pci->bus,
						 f->dev->pci->devfn, RID_PASID),
			      &pe);
	ASSERT_OK(
	    vtd_inv_pasid_cache(f->unit, VTD_QI_PC_G_PASID, c.did, RID_PASID));
	ASSERT_OK(vtd_inv_iotlb(f->unit, VTD_GRAN_DOMAIN, c.did, 0, 0));
	if (sm_own_bytes(f)) {
		fix_write_lands(sm_vf(f), virt_to_phys(f->dst.page),
				f->dst.page);
		guarded_intact(&f->dst, 0, 0);
	} else {
		ASSERT_OK(dma_write(f->dev, 0, virt_to_phys(f->dst.page), LEN));
		EXPECT_BYTES(f->dst.page, 0x77, LEN);
		guarded_intact(&f->dst, 0, LEN);
	}
	expect_no_sm_fault(f);
}

/* Second-stage leaves with SNP (9.8) in scalable mode, where ECAP.SC
 * allows them: DMA through them works and records no fault. */
TEST(scalable, snp_second_stage_leaves_translate)
{
	struct sm_fix *f = sm_setup();
	struct vtd_pasid_cfg c = sm_sl_cfg(f);
	struct pt_gather g;
	struct pt_walk w;

	if (!(f->unit->ecap & VTD_ECAP_SC))
		test_skip("unit has ECAP.SC=0: SNP is reserved");
	sm_sl_map_pair(f);
	pt_gather_init(&g);
	EXPECT_EQ(pt_set_snoop_all(&f->dom.pt, &g), 2);
	pt_gather_release(&f->dom.pt, &g);
	ASSERT_OK(pt_lookup(&f->dom.pt, IOVA, &w));
	EXPECT_TRUE(w.pte & pt_fmt_vtd_sl.snoop);
	ASSERT_OK(sm_attach(f, &c));
	sm_round_trip(f, IOVA, IOVA + PAGE_SIZE, 0x2d);
	expect_no_sm_fault(f);
}

TEST(scalable, pgsnp_second_stage_needs_snoop_control)
{
	struct sm_fix *f = sm_setup();
	struct vtd_pasid_cfg c = sm_sl_cfg(f);

	sm_sl_map_pair(f);
	sm_pgsnp(f, &c);
}
