/* Suite scalable: scalable-mode translation (RTADDR.TTM=01) proven with
 * edu DMA. The unit is switched to a scalable-mode root table for each
 * test and back to its legacy one when the test ends, however it ends:
 * the other suites run in legacy mode. edu0's context entry carries a
 * PASID directory; its requests (without PASID) use RID_PASID's entry,
 * whose PGTT picks second-stage tables (a vtd_domain's), pass-through or
 * first-stage tables built by the walker in the first-stage format. */
#include "iommu/vtd/pasid.h"
#include "iommu/vtd/caps.h"
#include "iommu/vtd/domain.h"
#include "iommu/vtd/fault.h"
#include "iommu/vtd/inval.h"
#include "arch/x86/mm.h"
#include "arch/x86/platform.h"
#include "arch/x86/tsc.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "lib/test.h"
#include "tests/kernel/vtd_fix.h"

#define IOVA	  0x200000ULL
#define LEN	  64
#define RID_PASID 0

struct sm_fix {
	struct vtd_unit *unit;
	struct dma_engine *dev;
	struct vtd_sm sm;
	struct vtd_domain dom;
	bool dom_live, fl_live;
	struct pt fl;
	struct guarded src, dst;
};

static struct sm_fix fixture;

static void sm_teardown(void *arg)
{
	struct sm_fix *f = arg;

	vtd_sm_disable(&f->sm);
	if (f->dom_live)
		vtd_domain_destroy(&f->dom);
	if (f->fl_live)
		pt_destroy(&f->fl);
	vtd_fault_drain(f->unit);
	vtd_fault_clear_log(f->unit);
}

static unsigned sl_levels(const struct vtd_unit *u)
{
	return vtd_sagaw_supports(u, 1) ? 3 : 4;
}

/* edu0 behind a unit in scalable mode, translation on, nothing attached. */
static struct sm_fix *sm_setup(void)
{
	struct sm_fix *f = &fixture;

	memset(f, 0, sizeof(*f));
	f->dev = dma_find("edu", 0);
	if (!f->dev)
		test_skip("no edu device 0 on this machine");
	f->unit = vtd_unit_for_device(f->dev->pci->seg, f->dev->pci->bus,
				      f->dev->pci->devfn);
	if (!f->unit)
		test_skip("no VT-d unit serves %s", f->dev->name);
	if (!(f->unit->ecap & VTD_ECAP_SMTS))
		test_skip("unit has no scalable mode (ECAP.SMTS=0)");
	guarded_init(&f->src);
	guarded_init(&f->dst);
	test_defer(sm_teardown, f);
	ASSERT_OK(vtd_sm_enable(&f->sm, f->unit));
	vtd_fault_drain(f->unit);
	vtd_fault_clear_log(f->unit);
	if (!(vtd_read32(f->unit, VTD_REG_GSTS) & VTD_GCMD_TE))
		ASSERT_OK(vtd_enable_translation(f->unit, true));
	return f;
}

static u16 sl_domain(struct sm_fix *f)
{
	if (!(f->unit->ecap & VTD_ECAP_SLTS))
		test_skip("unit has no second-stage translation (ECAP.SLTS=0)");
	ASSERT_OK(vtd_domain_init(&f->dom, f->unit,
				  sl_levels(f->unit) == 3 ? 39 : 48));
	f->dom_live = true;
	return f->dom.did;
}

static struct vtd_pasid_cfg sl_cfg(struct sm_fix *f)
{
	struct vtd_pasid_cfg c = {
		.pgtt = VTD_PGTT_SL,
		.did = sl_domain(f),
		.slptptr = f->dom.pt.root_pa,
		.sl_levels = sl_levels(f->unit),
		.pwsnp = f->unit->ecap & VTD_ECAP_SMPWC,
	};

	return c;
}

static struct vtd_pasid_cfg fl_cfg(struct sm_fix *f);
static void fl_map_pair(struct sm_fix *f);

/* An entry that translates on this unit, for tests of the PASID
 * structures themselves: second stage when the unit has it, else first
 * stage (QEMU 10.0 with x-flts=on has only that). */
static struct vtd_pasid_cfg any_cfg(struct sm_fix *f)
{
	return (f->unit->ecap & VTD_ECAP_SLTS) ? sl_cfg(f) : fl_cfg(f);
}

static int attach(struct sm_fix *f, const struct vtd_pasid_cfg *c)
{
	struct vtd_pasid_entry pe = vtd_pasid_entry_make(c);

	return vtd_sm_attach(&f->sm, f->dev->pci->bus, f->dev->pci->devfn,
			     RID_PASID, &pe, false);
}

/* Device buffer <- @pattern through the read mapping at @src_iova, then
 * device buffer -> @dst_iova: both directions of DMA translated. */
static void round_trip(struct sm_fix *f, iova_t src_iova, iova_t dst_iova,
		       u8 pattern)
{
	memset(f->src.page, pattern, LEN);
	ASSERT_OK(dma_read(f->dev, src_iova, 0, LEN));
	ASSERT_OK(dma_write(f->dev, 0, dst_iova, LEN));
	EXPECT_BYTES(f->dst.page, pattern, LEN);
	guarded_intact(&f->dst, 0, LEN);
	memset(f->src.page, CANARY, LEN);
	guarded_intact(&f->src, 0, 0);
}

static bool one_fault(struct sm_fix *f, struct vtd_fault *out)
{
	vtd_fault_drain(f->unit);
	unsigned n = vtd_fault_take(f->unit, out, 1);
	vtd_fault_clear_log(f->unit);
	return EXPECT_EQ(n, 1) && EXPECT_EQ(out->sid, f->dev->sid);
}

static void expect_no_sm_fault(struct sm_fix *f)
{
	struct vtd_fault flt;

	vtd_fault_drain(f->unit);
	EXPECT_EQ(vtd_fault_take(f->unit, &flt, 1), 0);
}

/* src read-only at IOVA, dst writable at the next page. */
static void sl_map_pair(struct sm_fix *f)
{
	ASSERT_OK(vtd_domain_map(&f->dom, IOVA, virt_to_phys(f->src.page),
				 PAGE_SIZE, PT_READ));
	ASSERT_OK(vtd_domain_map(&f->dom, IOVA + PAGE_SIZE,
				 virt_to_phys(f->dst.page), PAGE_SIZE,
				 PT_READ | PT_WRITE));
}

static void expect_sm_fault(struct sm_fix *f, unsigned reason, bool todo72)
{
	struct vtd_fault flt;

	if (!one_fault(f, &flt))
		return;
	if (flt.reason == reason)
		return;
	if (todo72 && flt.reason == VTD_FR_SM_PTBL_ACCESS &&
	    platform_kind() == PLATFORM_QEMU)
		test_todo("QEMU 7.2: every PASID-structure fault is reason "
			  "0x58");
	test_fail("fault reason 0x%x (%s), expected 0x%x (%s)", flt.reason,
		  vtd_sm_fault_name(flt.reason), reason,
		  vtd_sm_fault_name(reason));
}

TEST(scalable, second_stage_dma_lands_with_canaries_intact)
{
	struct sm_fix *f = sm_setup();
	struct vtd_pasid_cfg c = sl_cfg(f);

	sl_map_pair(f);
	ASSERT_OK(attach(f, &c));
	round_trip(f, IOVA, IOVA + PAGE_SIZE, 0x5a);
	expect_no_sm_fault(f);
}

TEST(scalable, pass_through_reaches_physical_address)
{
	struct sm_fix *f = sm_setup();
	struct vtd_pasid_cfg c = { .pgtt = VTD_PGTT_PT, .sl_levels = 3 };

	if (!(f->unit->ecap & VTD_ECAP_PT))
		test_skip("unit has no pass-through (ECAP.PT=0)");
	c.did = (u16)vtd_did_alloc();
	ASSERT_OK(attach(f, &c));
	round_trip(f, virt_to_phys(f->src.page), virt_to_phys(f->dst.page),
		   0x3c);
	vtd_did_free(c.did);
}

/* 9.6: a PASID entry with P=0 blocks the request: SPT.2, reason 0x59. */
TEST(scalable, pasid_entry_not_present_faults_0x59)
{
	struct sm_fix *f = sm_setup();
	struct vtd_pasid_cfg c = any_cfg(f);
	struct vtd_pasid_entry pe = vtd_pasid_entry_make(&c);

	pe.w[0] &= ~VTD_PE_W0_P;
	ASSERT_OK(vtd_sm_attach(&f->sm, f->dev->pci->bus, f->dev->pci->devfn,
				RID_PASID, &pe, false));
	ASSERT_OK(dma_write(f->dev, 0, IOVA, LEN));
	guarded_intact(&f->dst, 0, 0);
	expect_sm_fault(f, VTD_FR_SM_PE_NOT_PRESENT, true);
}

/* 9.5: the directory entry covering RID_PASID not present: SPD.2, 0x51. */
TEST(scalable, pasid_directory_entry_not_present_faults_0x51)
{
	struct sm_fix *f = sm_setup();
	struct vtd_pasid_cfg c = any_cfg(f);

	ASSERT_OK(attach(f, &c));
	struct vtd_sm_ctx *ce = vtd_sm_ctx_entry(&f->sm, f->dev->pci->bus,
						 f->dev->pci->devfn);
	u64 *dir = phys_to_virt(ce->w[0] & VTD_SMCTX_W0_PASIDDIRPTR);
	dir[RID_PASID >> VTD_PASID_DIR_SHIFT] &= ~VTD_PDE_P;
	vtd_flush_struct(f->unit, dir, sizeof(u64));
	ASSERT_OK(vtd_inv_pasid_cache(f->unit, VTD_QI_PC_G_GLOBAL, 0, 0));
	ASSERT_OK(vtd_inv_iotlb(f->unit, VTD_GRAN_GLOBAL, 0, 0, 0));
	ASSERT_OK(dma_write(f->dev, 0, IOVA, LEN));
	guarded_intact(&f->dst, 0, 0);
	expect_sm_fault(f, VTD_FR_SM_PDIR_NOT_PRESENT, true);
}

/* 9.6: PGTT 0 and 5-7 are reserved: SPT.4, invalid entry, 0x5b. */
TEST(scalable, reserved_pgtt_faults_0x5b)
{
	struct sm_fix *f = sm_setup();
	struct vtd_pasid_cfg c = any_cfg(f);
	struct vtd_pasid_entry pe = vtd_pasid_entry_make(&c);

	pe.w[0] = (pe.w[0] & ~VTD_PE_W0_PGTT) | FIELD_PREP(VTD_PE_W0_PGTT, 6);
	ASSERT_OK(vtd_sm_attach(&f->sm, f->dev->pci->bus, f->dev->pci->devfn,
				RID_PASID, &pe, false));
	ASSERT_OK(dma_write(f->dev, 0, IOVA, LEN));
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
	int err = vtd_sm_attach(&f->sm, f->dev->pci->bus, f->dev->pci->devfn,
				RID_PASID, &pe, false);
	if (!err)
		err = dma_write(f->dev, 0, IOVA, LEN);
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
	struct vtd_pasid_cfg c = any_cfg(f);
	struct vtd_fault flt;

	ASSERT_OK(attach(f, &c));
	ASSERT_OK(dma_write(f->dev, 0, IOVA, LEN));
	if (one_fault(f, &flt)) {
		EXPECT_EQ(flt.addr, IOVA);
		test_diag("unmapped write through a PGTT=%u PASID entry: "
			  "reason 0x%x",
			  c.pgtt, flt.reason);
	}
	c.fpd = true;
	ASSERT_OK(attach(f, &c));
	ASSERT_OK(dma_write(f->dev, 0, IOVA, LEN));
	udelay(2000);
	EXPECT_EQ(vtd_fault_take(f->unit, &flt, 1), 0);
	vtd_fault_drain(f->unit);
	EXPECT_EQ(vtd_fault_take(f->unit, &flt, 1), 0);
	guarded_intact(&f->dst, 0, 0);
}

/* Move IOVA from src to dst after the device read through it (its
 * translation to src may be cached), run @flush, and expect the next
 * write through IOVA in dst. */
static void remap_then_write(struct sm_fix *f, int (*flush)(struct sm_fix *))
{
	ASSERT_OK(dma_read(f->dev, IOVA, 0, LEN));
	memset(f->src.page, CANARY, LEN);
	ASSERT_OK(flush(f));
	ASSERT_OK(dma_write(f->dev, 0, IOVA, LEN));
	EXPECT_BYTES(f->dst.page, 0x77, LEN);
	guarded_intact(&f->dst, 0, LEN);
	guarded_intact(&f->src, 0, 0);
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
	struct vtd_pasid_cfg c = sl_cfg(f);

	memset(f->src.page, 0x77, LEN);
	ASSERT_OK(vtd_domain_map(&f->dom, IOVA, virt_to_phys(f->src.page),
				 PAGE_SIZE, PT_READ | PT_WRITE));
	ASSERT_OK(attach(f, &c));
	remap_then_write(f, sl_remap_dsi);
}

/* 6.5.2.2 (PASID cache): the PASID entry of RID_PASID changes from
 * second-stage translation to pass-through; after a PASID-selective
 * PASID-cache invalidation and the old domain's IOTLB invalidation, a
 * write to dst's physical address reaches it (through the stale entry it
 * would be an unmapped IOVA and fault). */
TEST(scalable, pasid_entry_change_visible_after_pasid_cache_invalidation)
{
	struct sm_fix *f = sm_setup();
	struct vtd_pasid_cfg c = sl_cfg(f);
	struct vtd_pasid_cfg pt = { .pgtt = VTD_PGTT_PT, .did = c.did };

	if (!(f->unit->ecap & VTD_ECAP_PT))
		test_skip("unit has no pass-through (ECAP.PT=0)");
	memset(f->src.page, 0x77, LEN);
	ASSERT_OK(vtd_domain_map(&f->dom, IOVA, virt_to_phys(f->src.page),
				 PAGE_SIZE, PT_READ));
	ASSERT_OK(attach(f, &c));
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
	ASSERT_OK(dma_write(f->dev, 0, virt_to_phys(f->dst.page), LEN));
	EXPECT_BYTES(f->dst.page, 0x77, LEN);
	guarded_intact(&f->dst, 0, LEN);
	expect_no_sm_fault(f);
}

/* Second-stage leaves with SNP (9.8) in scalable mode, where ECAP.SC
 * allows them: DMA through them works and records no fault. */
TEST(scalable, snp_second_stage_leaves_translate)
{
	struct sm_fix *f = sm_setup();
	struct vtd_pasid_cfg c = sl_cfg(f);
	struct pt_gather g;
	struct pt_walk w;

	if (!(f->unit->ecap & VTD_ECAP_SC))
		test_skip("unit has ECAP.SC=0: SNP is reserved");
	sl_map_pair(f);
	pt_gather_init(&g);
	EXPECT_EQ(pt_set_snoop_all(&f->dom.pt, &g), 2);
	pt_gather_release(&f->dom.pt, &g);
	ASSERT_OK(pt_lookup(&f->dom.pt, IOVA, &w));
	EXPECT_TRUE(w.pte & pt_fmt_vtd_sl.snoop);
	ASSERT_OK(attach(f, &c));
	round_trip(f, IOVA, IOVA + PAGE_SIZE, 0x2d);
	expect_no_sm_fault(f);
}

/* PGSNP (9.6) forces snooping for every access through the PASID entry
 * (Linux sets it for force_snooping first-stage domains). With ECAP.SC it
 * is accepted; without it the bit is reserved and the entry must fault
 * (0x5a). Snooping itself is invisible under an emulator. */
static void pgsnp(struct sm_fix *f, struct vtd_pasid_cfg *c)
{
	bool sc = f->unit->ecap & VTD_ECAP_SC;

	c->pgsnp = true;
	ASSERT_OK(attach(f, c));
	memset(f->src.page, 0x4b, LEN);
	ASSERT_OK(dma_read(f->dev, IOVA, 0, LEN));
	memset(f->src.page, CANARY, LEN);
	ASSERT_OK(dma_write(f->dev, 0, IOVA + PAGE_SIZE, LEN));
	if (sc) {
		EXPECT_BYTES(f->dst.page, 0x4b, LEN);
		guarded_intact(&f->dst, 0, LEN);
		return;
	}
	if (f->dst.page[0] == 0x4b && platform_kind() == PLATFORM_QEMU) {
		test_todo("QEMU 7.2 and 10.0: PGSNP is never read (accepted "
			  "with ECAP.SC=0)");
		test_fail("a PASID entry with PGSNP translated on a unit "
			  "without snoop control");
		return;
	}
	guarded_intact(&f->dst, 0, 0);
	expect_sm_fault(f, VTD_FR_SM_PE_RSVD, false);
}

TEST(scalable, pgsnp_second_stage_needs_snoop_control)
{
	struct sm_fix *f = sm_setup();
	struct vtd_pasid_cfg c = sl_cfg(f);

	sl_map_pair(f);
	pgsnp(f, &c);
}

/* First-stage tables (PGTT=1) built by the walker in the first-stage
 * format, 4 levels (FLPM=0). */
static u16 fl_did;

static void fl_did_free(void *arg)
{
	vtd_did_free(fl_did);
}

static struct vtd_pasid_cfg fl_cfg(struct sm_fix *f)
{
	struct pt_config cfg = {
		.levels = 4,
		.aw = 48,
		.page_sizes = PAGE_SIZE | SZ_2M,
		/* Scalable mode only: walks snoop with SMPWC and PWSNP (9.6). */
		.coherent = f->unit->ecap & VTD_ECAP_SMPWC,
	};
	struct vtd_pasid_cfg c = { .pgtt = VTD_PGTT_FL,
				   .fl_levels = 4,
				   .pwsnp = f->unit->ecap & VTD_ECAP_SMPWC };

	if (!(f->unit->ecap & VTD_ECAP_FLTS))
		test_skip("unit has no first-stage translation (ECAP.FLTS=0: "
			  "QEMU 7.2 has none, 10.0 with x-flts=on)");
	ASSERT_OK(pt_init(&f->fl, &pt_fmt_vtd_fl, &cfg, &pt_kernel_ops, NULL));
	f->fl_live = true;
	int did = vtd_did_alloc();
	ASSERT(EXPECT_GT(did, 0));
	fl_did = (u16)did;
	test_defer(fl_did_free, NULL);
	c.did = fl_did;
	c.flptptr = f->fl.root_pa;
	c.sl_levels = sl_levels(f->unit);
	return c;
}

static void fl_map(struct sm_fix *f, iova_t iova, void *page, unsigned prot)
{
	struct pt_gather g;

	pt_gather_init(&g);
	ASSERT_OK(
	    pt_map(&f->fl, iova, virt_to_phys(page), PAGE_SIZE, prot, &g));
	pt_gather_release(&f->fl, &g);
}

static void fl_map_pair(struct sm_fix *f)
{
	fl_map(f, IOVA, f->src.page, PT_READ);
	fl_map(f, IOVA + PAGE_SIZE, f->dst.page, PT_READ | PT_WRITE);
}

TEST(scalable, first_stage_dma_lands_with_canaries_intact)
{
	struct sm_fix *f = sm_setup();
	struct vtd_pasid_cfg c = fl_cfg(f);

	fl_map_pair(f);
	ASSERT_OK(attach(f, &c));
	round_trip(f, IOVA, IOVA + PAGE_SIZE, 0x69);
	expect_no_sm_fault(f);
}

/* A write through a read-only first-stage leaf is blocked and recorded
 * with its address. */
TEST(scalable, first_stage_write_to_read_only_page_faults)
{
	struct sm_fix *f = sm_setup();
	struct vtd_pasid_cfg c = fl_cfg(f);
	struct vtd_fault flt;

	fl_map(f, IOVA, f->dst.page, PT_READ);
	ASSERT_OK(attach(f, &c));
	ASSERT_OK(dma_write(f->dev, 0, IOVA, LEN));
	guarded_intact(&f->dst, 0, 0);
	if (one_fault(f, &flt)) {
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
		err = vtd_inv_piotlb(f->unit, VTD_QI_PIOTLB_G_PASID, fl_did,
				     RID_PASID, 0, 0);
	pt_gather_release(&f->fl, &g);
	return err;
}

TEST(scalable, first_stage_remap_visible_after_pasid_iotlb_invalidation)
{
	struct sm_fix *f = sm_setup();
	struct vtd_pasid_cfg c = fl_cfg(f);

	memset(f->src.page, 0x77, LEN);
	fl_map(f, IOVA, f->src.page, PT_READ | PT_WRITE);
	ASSERT_OK(attach(f, &c));
	remap_then_write(f, fl_remap_piotlb);
}

TEST(scalable, pgsnp_first_stage_needs_snoop_control)
{
	struct sm_fix *f = sm_setup();
	struct vtd_pasid_cfg c = fl_cfg(f);

	fl_map_pair(f);
	pgsnp(f, &c);
}

/* RID_PASID (9.4) names the PASID entry that requests without PASID
 * use: here PASID 70, directory entry 1, table entry 6. Only where
 * ECAP.RPS says the unit honours the field. */
TEST(scalable, rid_pasid_selects_the_pasid_entry)
{
	struct sm_fix *f = sm_setup();

	if (!(f->unit->ecap & VTD_ECAP_RPS))
		test_skip("unit has no RID_PASID (ECAP.RPS=0)");
	struct vtd_pasid_cfg c = any_cfg(f);
	struct vtd_pasid_entry pe = vtd_pasid_entry_make(&c);

	if (c.pgtt == VTD_PGTT_SL)
		sl_map_pair(f);
	else
		fl_map_pair(f);
	ASSERT_OK(vtd_sm_attach(&f->sm, f->dev->pci->bus, f->dev->pci->devfn,
				70, &pe, false));
	EXPECT_EQ(FIELD_GET(VTD_SMCTX_W1_RID_PASID,
			    vtd_sm_ctx_entry(&f->sm, f->dev->pci->bus,
					     f->dev->pci->devfn)
				->w[1]),
		  70);
	round_trip(f, IOVA, IOVA + PAGE_SIZE, 0x46);
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
	struct vtd_pasid_cfg c = any_cfg(f);
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

	for (unsigned i = 0; !e && dma_find("edu", i); i++)
		if (dma_find("edu", i)->pci->devfn >= VTD_SMCTX_PER_TABLE)
			e = dma_find("edu", i);
	if (!e)
		test_skip("no edu device at devfn 0x80 or above");
	f->dev = e;
	struct vtd_pasid_cfg c = any_cfg(f);
	if (c.pgtt == VTD_PGTT_SL)
		sl_map_pair(f);
	else
		fl_map_pair(f);
	ASSERT_OK(attach(f, &c));
	EXPECT_TRUE(f->sm.root[e->pci->bus].hi & VTD_SM_ROOT_HI_UP);
	round_trip(f, IOVA, IOVA + PAGE_SIZE, 0x81);
	expect_no_sm_fault(f);
}

/* The fixture's teardown returns the unit to its legacy root table and
 * 128-bit descriptors (the other suites run in legacy mode): afterwards a
 * legacy domain translates edu DMA again. */
TEST(scalable, legacy_mode_translates_after_disable)
{
	struct sm_fix *s = sm_setup();

	vtd_sm_disable(&s->sm);
	EXPECT_EQ(
	    FIELD_GET(VTD_RTADDR_TTM, vtd_read64(s->unit, VTD_REG_RTADDR)),
	    VTD_RTADDR_TTM_LEGACY);
	EXPECT_FALSE(s->unit->iq_dw);
	struct vtd_fix *f = fix_setup(0, true);
	ASSERT_OK(vtd_domain_map(&f->dom, IOVA, virt_to_phys(f->dst.page),
				 PAGE_SIZE, PT_READ | PT_WRITE));
	ASSERT_OK(fix_stage(f, IOVA + PAGE_SIZE, 0x33, LEN));
	ASSERT_OK(dma_write(f->dev, 0, IOVA, LEN));
	EXPECT_BYTES(f->dst.page, 0x33, LEN);
	guarded_intact(&f->dst, 0, LEN);
	expect_no_fault(f);
}
