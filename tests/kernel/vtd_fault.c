/* Suite vtd_fault: fault events and the fault log: one interrupt per
 * fault, overflow (PFO), fault processing disable (FPD). */
#include "iommu/vtd/caps.h"
#include "iommu/vtd/context.h"
#include "iommu/vtd/inval.h"
#include "iommu/vtd/fault.h"
#include "arch/x86/mm.h"
#include "arch/x86/trap.h"
#include "arch/x86/tsc.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "lib/test.h"
#include "arch/x86/platform.h"
#include "tests/kernel/vtd_fix_dma.h"

#define IOVA_T 0x200000ULL
#define LEN    64

/* A write the unit blocks; 0 once it was judged (expect_blocked). */
static int fault_dma(struct vtd_fix *f, iova_t iova)
{
	expect_blocked(f, fix_write(f, iova), true);
	return 0;
}

TEST(vtd_fault, fault_interrupt_once_per_fault)
{
	struct vtd_fix *f;

	f = fix_setup(0, FIX_INV_PREFERRED);
	for (unsigned i = 1; i <= 2; i++) {
		ASSERT_OK(fault_dma(f, IOVA_T + i * PAGE_SIZE));
		EXPECT_OK(WAIT_FOR(
		    trap_count(VEC_VTD_FAULT) == f->irqs_before + i, 100000));
		udelay(2000); /* no second interrupt for the same fault */
		EXPECT_EQ(trap_count(VEC_VTD_FAULT), f->irqs_before + i);
		expect_one_fault(f, VTD_FR_WRITE, IOVA_T + i * PAGE_SIZE,
				 VTD_ACC_WRITE);
	}
	guarded_intact(&f->dst, 0, 0);
	guarded_intact(&f->src, 0, 0);
}

/* With every fault record full, the next fault sets PFO and is lost
 * (7.1.3.1); once the records are cleared the unit records again. The
 * spec lets a unit collapse faults of a requester whose fault is still
 * pending (QEMU 7.2 does), so the overflowing fault must come from a
 * second requester: with one device this is a skip, not a divergence. */
TEST(vtd_fault, full_records_set_pfo_then_recover)
{
	struct vtd_fix *f;

	f = fix_setup(0, FIX_INV_PREFERRED);
	struct dma_engine *other = fix_other_engine(f);
	if (!other)
		test_skip("overflow needs faults from two requesters behind "
			  "one unit; this machine has one DMA engine there");
	test_diag("second requester: %s", other->name);
	fix_attach_engine(f, other, fix_domain(f));
	unsigned nfr = vtd_nr_fault_regs(f->unit);
	vtd_fault_mask(f->unit, true);
	for (unsigned i = 0; i < nfr; i++)
		ASSERT_OK(fault_dma(f, IOVA_T + i * PAGE_SIZE));
	int err = fix_write_by(other, IOVA_T); /* unmapped in its domain */
	test_diag("%s: %d, %s", other->name, err, other->status);
	EXPECT_TRUE(vtd_read32(f->unit, VTD_REG_FSTS) & VTD_FSTS_PFO);
	EXPECT_TRUE(vtd_read32(f->unit, VTD_REG_FSTS) & VTD_FSTS_PPF);
	EXPECT_EQ(vtd_fault_drain(f->unit), nfr);
	EXPECT_EQ(vtd_read32(f->unit, VTD_REG_FSTS) &
		      (VTD_FSTS_PFO | VTD_FSTS_PPF),
		  0);
	vtd_fault_clear_log(f->unit);
	vtd_fault_mask(f->unit, false);
	f->pfo_before = f->unit->stats.pfo;
	ASSERT_OK(fault_dma(f, IOVA_T + 0x40000));
	expect_one_fault(f, VTD_FR_WRITE, IOVA_T + 0x40000, VTD_ACC_WRITE);
	guarded_intact(&f->dst, 0, 0);
	guarded_intact(&f->src, 0, 0);
}

TEST(vtd_fault, fpd_suppresses_fault_recording)
{
	struct vtd_fix *f;

	f = fix_setup(0, FIX_INV_PREFERRED);
	struct vtd_entry128 *e = vtd_ctx_entry(f->unit, f->bus, f->devfn);
	ASSERT_OK(vtd_ctx_write_raw(f->unit, f->bus, f->devfn,
				    e->lo | VTD_CTX_LO_FPD, e->hi));
	ASSERT_OK(vtd_inv_context(f->unit, VTD_GRAN_GLOBAL, 0, 0));
	ASSERT_OK(fault_dma(f, IOVA_T));
	udelay(2000);
	EXPECT_EQ(trap_count(VEC_VTD_FAULT), f->irqs_before);
	expect_no_fault(f);
	guarded_intact(&f->dst, 0, 0);
}

/* Point one structure the walk reads at an address where nothing decodes:
 * the unit cannot read it and reports the structure's access reason. */
static void unreadable_case(enum vtd_fault_reason reason)
{
	struct vtd_fix *f;

	hpa_t bad = fix_unbacked_pa();
	f = fix_setup(0, FIX_INV_PREFERRED);
	u8 bus = f->bus, devfn = f->devfn;
	struct vtd_entry128 root = f->unit->root[bus];
	struct vtd_entry128 ctx = *vtd_ctx_entry(f->unit, bus, devfn);
	if (reason == VTD_FR_ROOT_ACCESS) {
		vtd_write64(f->unit, VTD_REG_RTADDR, bad);
		ASSERT_OK(vtd_gcmd(f->unit, VTD_GCMD_SRTP, true));
	} else if (reason == VTD_FR_CTX_ACCESS) {
		vtd_root_write_raw(f->unit, bus, bad | VTD_ROOT_P, 0);
	}
	ASSERT_OK(vtd_inv_context(f->unit, VTD_GRAN_GLOBAL, 0, 0));
	ASSERT_OK(vtd_inv_iotlb(f->unit, VTD_GRAN_GLOBAL, 0, 0, 0));
	ASSERT_OK(fault_dma(f, IOVA_T));
	expect_device_fault(f, reason, IOVA_T, VTD_ACC_WRITE);
	guarded_intact(&f->dst, 0, 0);
	vtd_root_write_raw(f->unit, bus, root.lo, root.hi);
	ASSERT_OK(vtd_ctx_write_raw(f->unit, bus, devfn, ctx.lo, ctx.hi));
	ASSERT_OK(vtd_root_table_install(f->unit));
}

/* Repoint the entry of the top-level table that leads to IOVA_T (or
 * SLPTPTR itself when @top) at an address where nothing decodes, so that
 * the walk cannot read a second-level table; DMA; take the fault. */
static unsigned unreadable_table_dma(struct vtd_fix *f, bool top,
				     struct vtd_fault *flt)
{
	hpa_t bad = fix_unbacked_pa();
	u8 bus = f->bus, devfn = f->devfn;
	struct vtd_entry128 ctx = *vtd_ctx_entry(f->unit, bus, devfn);
	unsigned shift = 12 + 9 * (f->dom.pt.cfg.levels - 1);
	u64 *e = &f->dom.pt.root[(IOVA_T >> shift) & 511], saved;

	ASSERT_OK(vtd_domain_map(&f->dom, IOVA_T, virt_to_phys(f->dst.page),
				 PAGE_SIZE, PT_READ | PT_WRITE));
	saved = *e;
	if (top)
		ASSERT_OK(vtd_ctx_write_raw(
		    f->unit, bus, devfn, (ctx.lo & ~VTD_CTX_LO_SLPTPTR) | bad,
		    ctx.hi));
	else
		*(volatile u64 *)e = (saved & ~GENMASK_ULL(51, 12)) | bad;
	vtd_flush_struct(f->unit, e, sizeof(*e));
	ASSERT_OK(vtd_inv_context(f->unit, VTD_GRAN_GLOBAL, 0, 0));
	ASSERT_OK(vtd_inv_iotlb(f->unit, VTD_GRAN_GLOBAL, 0, 0, 0));
	ASSERT_OK(fault_dma(f, IOVA_T));
	vtd_fault_drain(f->unit);
	unsigned n = vtd_fault_take(f->unit, flt, 1);
	*(volatile u64 *)e = saved;
	vtd_flush_struct(f->unit, e, sizeof(*e));
	ASSERT_OK(vtd_ctx_write_raw(f->unit, bus, devfn, ctx.lo, ctx.hi));
	ASSERT_OK(vtd_root_table_install(f->unit));
	guarded_intact(&f->dst, 0, 0);
	return n;
}

static void unreadable_table_case(bool top, unsigned reason)
{
	struct vtd_fix *f;
	struct vtd_fault flt;

	f = fix_setup(0, FIX_INV_PREFERRED);
	ASSERT_EQ(unreadable_table_dma(f, top, &flt), 1);
	if (flt.reason != reason)
		test_fail("fault reason 0x%x (%s), expected 0x%x (%s)",
			  flt.reason, vtd_fault_reason_name(flt.reason), reason,
			  vtd_fault_reason_name(reason));
	EXPECT_EQ(flt.sid, f->sid);
	if (top && !fix_free_form(f)) /* its own rings are read first */
		test_diag("blocked %s at 0x%lx", vtd_access_name(flt.access),
			  flt.addr);
	else
		EXPECT_EQ(flt.access, VTD_ACC_WRITE);
}

TEST(vtd_fault, unreadable_second_level_table_faults_7)
{
	unreadable_table_case(false, VTD_FR_SL_ACCESS);
}

/* 7.1.3: an error reading the table SLPTPTR names is invalid context
 * programming (reason 3); reason 7 is for tables named by a preceding
 * second-level entry (the test above). */
TEST(vtd_fault, unreadable_table_at_slptptr_faults_3)
{
	unreadable_table_case(true, VTD_FR_CTX_INVALID);
}

TEST(vtd_fault, unreadable_root_table_faults_8)
{
	unreadable_case(VTD_FR_ROOT_ACCESS);
}

TEST(vtd_fault, unreadable_context_table_faults_9)
{
	unreadable_case(VTD_FR_CTX_ACCESS);
}

/* Root entry bits 11:1 are reserved (9.1). */
TEST(vtd_fault, reserved_root_bit_faults_0xa)
{
	struct vtd_fix *f;

	f = fix_setup(0, FIX_INV_PREFERRED);
	u8 bus = f->bus;
	struct vtd_entry128 saved = f->unit->root[bus];
	vtd_root_write_raw(f->unit, bus, saved.lo | BIT_ULL(1), saved.hi);
	ASSERT_OK(vtd_inv_context(f->unit, VTD_GRAN_GLOBAL, 0, 0));
	ASSERT_OK(fault_dma(f, IOVA_T));
	expect_device_fault(f, VTD_FR_ROOT_RSVD, IOVA_T, VTD_ACC_WRITE);
	vtd_root_write_raw(f->unit, bus, saved.lo, saved.hi);
	EXPECT_OK(vtd_inv_context(f->unit, VTD_GRAN_GLOBAL, 0, 0));
	guarded_intact(&f->dst, 0, 0);
}

/* Rewrite edu's context entry with @lo/@hi fields replaced, DMA, expect
 * invalid programming (reason 3). */
static void ctx_invalid_case(u64 lo_mask, u64 lo_val, u64 hi_mask, u64 hi_val)
{
	struct vtd_fix *f;

	f = fix_setup(0, FIX_INV_PREFERRED);
	u8 bus = f->bus, devfn = f->devfn;
	struct vtd_entry128 e = *vtd_ctx_entry(f->unit, bus, devfn);
	ASSERT_OK(vtd_ctx_write_raw(f->unit, bus, devfn,
				    (e.lo & ~lo_mask) | lo_val,
				    (e.hi & ~hi_mask) | hi_val));
	ASSERT_OK(vtd_inv_context(f->unit, VTD_GRAN_GLOBAL, 0, 0));
	ASSERT_OK(vtd_inv_iotlb(f->unit, VTD_GRAN_GLOBAL, 0, 0, 0));
	ASSERT_OK(fault_dma(f, IOVA_T));
	expect_device_fault(f, VTD_FR_CTX_INVALID, IOVA_T, VTD_ACC_WRITE);
	guarded_intact(&f->dst, 0, 0);
}

/* TT=11b is reserved in legacy mode (9.3). */
TEST(vtd_fault, reserved_translation_type_faults_3)
{
	ctx_invalid_case(VTD_CTX_LO_TT, FIELD_PREP(VTD_CTX_LO_TT, 3), 0, 0);
}

/* AW values 4-7 are reserved (9.3). */
TEST(vtd_fault, reserved_address_width_4_faults_3)
{
	ctx_invalid_case(0, 0, VTD_CTX_HI_AW, FIELD_PREP(VTD_CTX_HI_AW, 4));
}

TEST(vtd_fault, reserved_address_width_7_faults_3)
{
	ctx_invalid_case(0, 0, VTD_CTX_HI_AW, FIELD_PREP(VTD_CTX_HI_AW, 7));
}

/* A storm overruns the unit's fault recording registers (CAP.NFR + 1 of
 * them, at most 256: VT-d 11.4.2) many times over: STORM_PER_RECORD
 * faulting DMAs per register (4096 at most), never fewer than STORM_MIN (a
 * unit with one register still sees dozens of overflows: the engines
 * fault at once). */
#define STORM_PER_RECORD 16
#define STORM_MIN	 128

static unsigned storm_size(const struct vtd_unit *u)
{
	return MAX(vtd_nr_fault_regs(u) * STORM_PER_RECORD, STORM_MIN);
}

/* The fixture's engine and every edu device behind its unit. (An xHCI
 * without a domain stops at its first fault: not a storm.) */
static unsigned storm_engines(struct vtd_fix *f, struct dma_engine **out,
			      unsigned max)
{
	unsigned n = 0;

	out[n++] = f->dev;
	for (unsigned i = 0; i < dma_count("edu") && n < max; i++) {
		struct dma_engine *e = dma_find("edu", i);
		if (e != f->dev &&
		    vtd_unit_for_device(e->pci->seg, e->pci->bus,
					e->pci->devfn) == f->unit)
			out[n++] = e;
	}
	return n;
}

/* One faulting write on each engine at once; an engine that cannot start
 * one and go on runs its own to the end first (an xHCI reports its
 * faulted command as an error: expected). @errs counts the requests an
 * engine refused or never finished. */
static void storm_round(struct dma_engine **eng, unsigned n, unsigned total,
			unsigned *i, unsigned *errs)
{
	bool started[DMA_MAX_ENGINES] = { 0 };

	for (unsigned k = 0; k < n && *i < total; k++, ++*i) {
		iova_t iova = IOVA_T + (u64)(*i % 512) * PAGE_SIZE;
		int err = fix_write_start_by(eng[k], iova);

		if (err == -EOPNOTSUPP)
			fix_write_by(eng[k], iova);
		else if (err)
			++*errs;
		else
			started[k] = true;
	}
	for (unsigned k = 0; k < n; k++)
		if (started[k])
			*errs += dma_quiesce(eng[k]) != 0;
}

/* storm_size() faulting writes back to back, spread over every device and in
 * flight on all of them at once (the fixture's in its empty domain:
 * reason 5; the others without a context entry: reason 2). Each fault is
 * recorded or, if lost, PFO says so; the fault interrupt arrives;
 * afterwards the unit still translates. */
TEST(vtd_fault, storm_of_faults_all_accounted)
{
	static struct dma_engine *eng[DMA_MAX_ENGINES];
	struct vtd_fix *f;
	unsigned errs = 0;

	f = fix_setup(0, FIX_INV_PREFERRED);
	unsigned n = storm_engines(f, eng, ARRAY_SIZE(eng));
	const unsigned total = storm_size(f->unit);
	struct vtd_stats s0 = f->unit->stats;
	u64 irq0 = trap_count(VEC_VTD_FAULT), t0 = tsc_read_us();
	for (unsigned i = 0; i < total;)
		storm_round(eng, n, total, &i, &errs);
	vtd_fault_drain(f->unit);
	u64 us = tsc_read_us() - t0, irqs = trap_count(VEC_VTD_FAULT) - irq0;
	u64 got = f->unit->stats.faults - s0.faults;
	u64 pfo = f->unit->stats.pfo - s0.pfo;
	/* TSC time: virtual under QEMU -icount (an edu transfer takes 100
	 * ms of it) and under Bochs. */
	test_diag(
	    "fault storm: %u faulting DMAs (%u fault register(s)) from %u "
	    "device(s) at once in %lu us of TSC time: %lu recorded, %lu "
	    "overflow (PFO) events, %lu fault interrupts, %lu records "
	    "out of FRI order",
	    total, vtd_nr_fault_regs(f->unit), n, us, got, pfo, irqs,
	    f->unit->stats.out_of_order - s0.out_of_order);
	EXPECT_EQ(errs, 0); /* the engines took every request */
	EXPECT_GT(irqs, 0);
	EXPECT_LE(got, total);
	if (got < total && !pfo)
		test_fail("%lu faults lost without PFO", total - got);
	vtd_fault_clear_log(f->unit);
	f->pfo_before = f->unit->stats.pfo;
	ASSERT_OK(vtd_domain_map(&f->dom, IOVA_T, virt_to_phys(f->dst.page),
				 PAGE_SIZE, PT_READ | PT_WRITE));
	fix_write_lands(f, IOVA_T, f->dst.page);
	guarded_intact(&f->dst, 0, 0);
	expect_no_fault(f);
}
