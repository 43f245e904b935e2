/* Fixture of suite scalable (scalable_fix.h). */
#include "tests/kernel/scalable_fix.h"
#include "iommu/vtd/alias.h"
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
#include "tests/kernel/vtd_fix_dma.h"

static struct sm_fix fixture;

static void sm_teardown(void *arg)
{
	struct sm_fix *f = arg;

	if (f->placed) {
		dma_quiesce(f->dev);
		dma_place(f->dev, DMA_IOVA_IDENTITY);
	}
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

/* This round's engine behind a unit in scalable mode, translation on,
 * nothing attached. */
struct sm_fix *sm_setup(void)
{
	struct sm_fix *f = &fixture;

	memset(f, 0, sizeof(*f));
	f->dev = fix_round_engine();
	f->unit = vtd_dma_unit_for_device(f->dev->pci->seg, f->dev->pci->bus,
					  f->dev->pci->devfn);
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

struct vtd_fix *sm_vf(struct sm_fix *f)
{
	f->vf.dev = f->dev;
	f->vf.unit = f->unit;
	f->vf.sid = vtd_dma_requester_id(f->dev->pci);
	return &f->vf;
}

bool sm_own_bytes(const struct sm_fix *f)
{
	return !fix_engine_free_form(f->dev);
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

struct vtd_pasid_cfg sm_sl_cfg(struct sm_fix *f)
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

/* An entry that translates on this unit, for tests of the PASID
 * structures themselves: second stage when the unit has it, else first
 * stage (QEMU 10.0 with x-flts=on has only that). */
struct vtd_pasid_cfg sm_any_cfg(struct sm_fix *f)
{
	return (f->unit->ecap & VTD_ECAP_SLTS) ? sm_sl_cfg(f) : sm_fl_cfg(f);
}

/* An xHCI's own structures at their physical addresses, mapped 1:1 in the
 * tables @c names (none for pass-through, where they are reached as
 * they are); the controller takes them up at its reset (sm_attach_raw). */
static void place_engine(struct sm_fix *f, const struct vtd_pasid_cfg *c)
{
	struct dma_region r[4];
	struct pt_gather g;
	unsigned n;

	if (!sm_own_bytes(f) || f->placed)
		return;
	ASSERT_OK(dma_place(f->dev, DMA_IOVA_IDENTITY));
	f->placed = true;
	n = dma_regions(f->dev, r, ARRAY_SIZE(r));
	ASSERT_TRUE(n <= ARRAY_SIZE(r));
	for (unsigned i = 0; i < n; i++) {
		unsigned prot = fix_dma_prot(r[i].perm);
		if (c->pgtt == VTD_PGTT_SL && f->dom_live)
			ASSERT_OK(vtd_domain_map(&f->dom, r[i].pa, r[i].pa,
						 r[i].len, prot));
		if (c->pgtt != VTD_PGTT_FL || !f->fl_live)
			continue;
		pt_gather_init(&g);
		ASSERT_OK(pt_map(&f->fl, r[i].pa, r[i].pa, r[i].len, prot, &g));
		pt_gather_release(&f->fl, &g);
	}
}

/* @pe as RID_PASID's entry of the engine, its structures placed for the
 * translation @c describes. */
int sm_attach_raw(struct sm_fix *f, const struct vtd_pasid_cfg *c, u32 pasid,
		  const struct vtd_pasid_entry *pe)
{
	bool fresh = sm_own_bytes(f) && !f->placed;
	int err;

	place_engine(f, c);
	err = vtd_sm_attach(&f->sm, f->dev->pci->bus, f->dev->pci->devfn, pasid,
			    pe, false);
	/* Reset once the entry is there: a running controller writes its
	 * event ring at once (a port status change). */
	if (!err && fresh)
		dma_recover(f->dev);
	return err;
}

int sm_attach(struct sm_fix *f, const struct vtd_pasid_cfg *c)
{
	struct vtd_pasid_entry pe = vtd_pasid_entry_make(c);

	return sm_attach_raw(f, c, RID_PASID, &pe);
}

/* The engine's write to @iova, which the unit blocks: edu completes it,
 * an xHCI completes it or not as the controller decides (said), and is
 * reset for the next access. */
void sm_blocked_write(struct sm_fix *f, iova_t iova)
{
	int err = fix_write(sm_vf(f), iova);

	if (!sm_own_bytes(f)) {
		ASSERT_OK(err);
		return;
	}
	test_diag("blocked write: %d, controller: %s", err, f->dev->status);
	dma_recover(f->dev);
}

/* Device buffer <- @pattern through the read mapping at @src_iova, then
 * device buffer -> @dst_iova: both directions of DMA translated. */
void sm_round_trip(struct sm_fix *f, iova_t src_iova, iova_t dst_iova,
		   u8 pattern)
{
	if (sm_own_bytes(f)) { /* its TRBs fetched, its own bytes written */
		fix_read_fetches(sm_vf(f), src_iova, f->src.page);
		fix_write_lands(sm_vf(f), dst_iova, f->dst.page);
		guarded_intact(&f->dst, 0, 0);
		guarded_intact(&f->src, 0, 0);
		return;
	}
	memset(f->src.page, pattern, LEN);
	ASSERT_OK(dma_read(f->dev, src_iova, 0, LEN));
	ASSERT_OK(dma_write(f->dev, 0, dst_iova, LEN));
	EXPECT_BYTES(f->dst.page, pattern, LEN);
	guarded_intact(&f->dst, 0, LEN);
	memset(f->src.page, CANARY, LEN);
	guarded_intact(&f->src, 0, 0);
}

/* The access's fault: exactly one for edu; for an xHCI the first, which
 * its controller may follow with more of its own. */
bool sm_one_fault(struct sm_fix *f, struct vtd_fault *out)
{
	struct vtd_fault flt[4];

	vtd_fault_drain(f->unit);
	unsigned n = vtd_fault_take(f->unit, flt, ARRAY_SIZE(flt));
	vtd_fault_clear_log(f->unit);
	if (!EXPECT_GE(n, 1) || (!sm_own_bytes(f) && !EXPECT_EQ(n, 1)))
		return false;
	if (n > 1)
		test_diag("%u faults; the first is checked", n);
	*out = flt[0];
	return EXPECT_EQ(out->sid, vtd_dma_requester_id(f->dev->pci));
}

void expect_no_sm_fault(struct sm_fix *f)
{
	struct vtd_fault flt;

	vtd_fault_drain(f->unit);
	EXPECT_EQ(vtd_fault_take(f->unit, &flt, 1), 0);
}

/* src read-only at IOVA, dst writable at the next page. */
void sm_sl_map_pair(struct sm_fix *f)
{
	ASSERT_OK(vtd_domain_map(&f->dom, IOVA, virt_to_phys(f->src.page),
				 PAGE_SIZE, PT_READ));
	ASSERT_OK(vtd_domain_map(&f->dom, IOVA + PAGE_SIZE,
				 virt_to_phys(f->dst.page), PAGE_SIZE,
				 PT_READ | PT_WRITE));
}

void expect_sm_fault(struct sm_fix *f, unsigned reason, bool todo72)
{
	struct vtd_fault flt;

	if (!sm_one_fault(f, &flt))
		return;
	/* The whole entry blocks: an xHCI's first access is to its own
	 * structures, not the test's IOVA. */
	if (sm_own_bytes(f) && !fix_engine_holds(f->dev, flt.addr))
		test_fail("fault address 0x%lx is none of %s's structures",
			  flt.addr, f->dev->name);
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

/* Move IOVA from src to dst after the device read through it (its
 * translation to src may be cached), run @flush, and expect the next
 * write through IOVA in dst. */
void sm_remap_then_write(struct sm_fix *f, int (*flush)(struct sm_fix *))
{
	if (sm_own_bytes(f)) {
		fix_read_fetches(sm_vf(f), IOVA, f->src.page);
		memset(f->src.page, CANARY, LEN);
		ASSERT_OK(flush(f));
		fix_write_lands(sm_vf(f), IOVA, f->dst.page);
		guarded_intact(&f->dst, 0, 0);
		guarded_intact(&f->src, 0, 0);
		return;
	}
	ASSERT_OK(dma_read(f->dev, IOVA, 0, LEN));
	memset(f->src.page, CANARY, LEN);
	ASSERT_OK(flush(f));
	ASSERT_OK(dma_write(f->dev, 0, IOVA, LEN));
	EXPECT_BYTES(f->dst.page, 0x77, LEN);
	guarded_intact(&f->dst, 0, LEN);
	guarded_intact(&f->src, 0, 0);
}

/* PGSNP (9.6) forces snooping for every access through the PASID entry
 * (Linux sets it for force_snooping first-stage domains). With ECAP.SC it
 * is accepted; without it the bit is reserved and the entry must fault
 * (0x5a). Snooping itself is invisible under an emulator. */
void sm_pgsnp(struct sm_fix *f, struct vtd_pasid_cfg *c)
{
	bool sc = f->unit->ecap & VTD_ECAP_SC;

	c->pgsnp = true;
	ASSERT_OK(sm_attach(f, c));
	if (sc) {
		sm_round_trip(f, IOVA, IOVA + PAGE_SIZE, 0x4b);
		return;
	}
	if (sm_own_bytes(f))
		sm_blocked_write(f, IOVA + PAGE_SIZE);
	else {
		memset(f->src.page, 0x4b, LEN);
		ASSERT_OK(dma_read(f->dev, IOVA, 0, LEN));
		memset(f->src.page, CANARY, LEN);
		ASSERT_OK(dma_write(f->dev, 0, IOVA + PAGE_SIZE, LEN));
	}
	/* Translated: the first byte the write leaves is no canary. */
	if (f->dst.page[0] != CANARY && platform_kind() == PLATFORM_QEMU) {
		test_todo("QEMU 7.2 and 10.0: PGSNP is never read (accepted "
			  "with ECAP.SC=0)");
		test_fail("a PASID entry with PGSNP translated on a unit "
			  "without snoop control");
		return;
	}
	guarded_intact(&f->dst, 0, 0);
	expect_sm_fault(f, VTD_FR_SM_PE_RSVD, false);
}

/* First-stage tables (PGTT=1) built by the walker in the first-stage
 * format, 4 levels (FLPM=0). */
static void fl_did_free(void *arg)
{
	struct sm_fix *f = arg;

	vtd_did_free(f->fl_did);
}

struct vtd_pasid_cfg sm_fl_cfg(struct sm_fix *f)
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
	f->fl_did = (u16)did;
	test_defer(fl_did_free, f);
	c.did = f->fl_did;
	c.flptptr = f->fl.root_pa;
	c.sl_levels = sl_levels(f->unit);
	return c;
}

void sm_fl_map(struct sm_fix *f, iova_t iova, void *page, unsigned prot)
{
	struct pt_gather g;

	pt_gather_init(&g);
	ASSERT_OK(
	    pt_map(&f->fl, iova, virt_to_phys(page), PAGE_SIZE, prot, &g));
	pt_gather_release(&f->fl, &g);
}

void sm_fl_map_pair(struct sm_fix *f)
{
	sm_fl_map(f, IOVA, f->src.page, PT_READ);
	sm_fl_map(f, IOVA + PAGE_SIZE, f->dst.page, PT_READ | PT_WRITE);
}

void sm_map_pair(struct sm_fix *f, const struct vtd_pasid_cfg *c)
{
	if (c->pgtt == VTD_PGTT_SL)
		sm_sl_map_pair(f);
	else
		sm_fl_map_pair(f);
}

void sm_lands(struct sm_fix *f, const struct vtd_pasid_cfg *c, u8 pattern)
{
	sm_map_pair(f, c);
	ASSERT_OK(sm_attach(f, c));
	sm_round_trip(f, IOVA, IOVA + PAGE_SIZE, pattern);
	expect_no_sm_fault(f);
}
