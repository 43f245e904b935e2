/* Suite vtd: conformance of a remapping unit, proven with real DMA from
 * edu. Every case checks what the unit recorded (reason, source, address)
 * and the bytes in memory, including the canaries around every target. */
#include "arch/x86/cpu.h"
#include "iommu/vtd/caps.h"
#include "iommu/vtd/context.h"
#include "iommu/vtd/inval.h"
#include "iommu/vtd/fault.h"
#include "iommu/vtd/report.h"
#include "arch/x86/platform.h"
#include "arch/x86/mm.h"
#include "arch/x86/trap.h"
#include "arch/x86/tsc.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "lib/test.h"
#include "kernel/kstate.h"
#include "tests/kernel/vtd_fix_dma.h"

#define IOVA_STAGE 0x100000ULL
#define IOVA_T	   0x200000ULL
#define OFF	   0x100 /* DMA lands mid-page: canaries on both sides */
#define LEN	   64

/* No DMAR table: no VT-d (or off in firmware), a skip. A DMAR that does
 * not parse, or a DRHD whose unit fails bring-up, is a firmware or
 * hardware defect the lab must see: a failure. */
TEST(vtd, units_found_and_brought_up)
{
	int err;
	const struct dmar_info *dmar = vtd_dmar(&err);

	if (err == -ENODEV)
		test_skip("no DMAR table: no VT-d, or VT-d off in firmware");
	if (!dmar)
		test_fail("DMAR table rejected: %s", dmar_strerror(err));
	else if (vtd_nr_units() != dmar->nr_units)
		test_fail("%u of the DMAR's %u units brought up (this kernel "
			  "holds %u; the console says why)",
			  vtd_nr_units(), dmar->nr_units, VTD_MAX_UNITS);
	for (unsigned i = 0; i < vtd_nr_units(); i++) {
		struct vtd_unit *u = vtd_unit(i); /* reported at boot */
		EXPECT_NE(u->cap, 0);
		EXPECT_GE(vtd_mgaw(u), 39);
		EXPECT_TRUE(vtd_read32(u, VTD_REG_GSTS) & VTD_GCMD_SRTP);
		EXPECT_EQ(vtd_read64(u, VTD_REG_RTADDR), virt_to_phys(u->root));
	}
}

/* Firmware defects the parser finds only against the platform: scopes in
 * conflict, a HAW the CPU or the RAM contradicts, a register set in RAM,
 * an RMRR over the kernel or usable RAM. An absent device behind a scope
 * (hot-plug) is only reported. */
TEST(vtd, dmar_consistent_with_platform)
{
	int err, bad = 0;
	const struct dmar_info *dmar = vtd_dmar(&err);

	if (!dmar)
		test_skip("no parsed DMAR");
	for (u32 i = 0; i < dmar->nr_scopes; i++) {
		int st = dmar->scopes[i].status;
		if (st && st != -DMAR_E_RES_NO_DEVICE) {
			test_diag("scope at offset %u: %s",
				  dmar->scopes[i].offset, dmar_strerror(st));
			bad++;
		}
	}
	for (u32 i = 0; i < dmar->nr_units; i++)
		bad += !!dmar->units[i].status;
	for (u32 i = 0; i < dmar->nr_rmrrs; i++)
		bad += !!dmar->rmrrs[i].status;
	/* QEMU writes its aw-bits (the IOVA width) as the HAW: with
	 * aw-bits=48 that is wider than its CPU's physical addresses. */
	bool qemu_haw = dmar->haw_status == -DMAR_E_HAW_CPU &&
			platform_kind() == PLATFORM_QEMU && vtd_nr_units() &&
			dmar->haw == vtd_mgaw(vtd_unit(0));
	bad += dmar->haw_status && !qemu_haw;
	if (!bad && qemu_haw)
		test_todo(
		    "QEMU 7.2 and 10.0: the DMAR host address width is aw-bits "
		    "(%u), wider than the CPU's physical addresses",
		    dmar->haw);
	if (bad || qemu_haw)
		test_fail("%d firmware defect(s) in the DMAR (see the console)",
			  bad + qemu_haw);
}

/* vtd_caps=sc:1,cm:0,pt:1,ir:1,mgaw:39 from the lane: each named field
 * must read as given. */
static u64 cap_field(const struct vtd_unit *u, const char *name)
{
	if (!strcmp(name, "sc"))
		return !!(u->ecap & VTD_ECAP_SC);
	if (!strcmp(name, "cm"))
		return !!(u->cap & VTD_CAP_CM);
	if (!strcmp(name, "pt"))
		return !!(u->ecap & VTD_ECAP_PT);
	if (!strcmp(name, "ir"))
		return !!(u->ecap & VTD_ECAP_IR);
	if (!strcmp(name, "qi"))
		return !!(u->ecap & VTD_ECAP_QI);
	if (!strcmp(name, "c"))
		return !!(u->ecap & VTD_ECAP_C);
	if (!strcmp(name, "mgaw"))
		return vtd_mgaw(u);
	if (!strcmp(name, "sagaw"))
		return FIELD_GET(VTD_CAP_SAGAW, u->cap);
	return ~0ULL;
}

TEST(vtd, capabilities_match_lane)
{
	const char *s = kstate.opts.vtd_caps;

	if (!vtd_nr_units())
		test_skip("no VT-d unit");
	if (!s[0])
		test_skip("no vtd_caps= given by the lane");
	while (*s) {
		char name[16];
		unsigned n = 0;
		u64 v = 0;
		while (*s && *s != ':' && n + 1 < sizeof(name))
			name[n++] = *s++;
		name[n] = 0;
		if (*s++ != ':')
			test_fail("vtd_caps: malformed at '%s'", name);
		for (; *s >= '0' && *s <= '9'; s++)
			v = v * 10 + (u64)(*s - '0');
		if (*s == ',')
			s++;
		u64 got = cap_field(vtd_unit(0), name);
		if (got != v)
			test_fail("%s: lane expects %lu, unit reports %lu",
				  name, v, got);
	}
}

/* The fixture's domain walks the widest AGAW the unit has (SAGAW): four
 * levels under aw-bits=48; its context entry says so; IOVAs stop at
 * MGAW. */
TEST(vtd, domain_walks_widest_address_width)
{
	struct vtd_fix *f;

	f = fix_setup(0, FIX_INV_PREFERRED);
	unsigned aw = vtd_widest_aw(f->unit);
	EXPECT_EQ(f->dom.aw, aw);
	EXPECT_EQ(f->dom.pt.cfg.levels, (aw - 12) / 9);
	EXPECT_EQ(f->dom.pt.cfg.aw, MIN(aw, vtd_mgaw(f->unit)));
	EXPECT_EQ(FIELD_GET(VTD_CTX_HI_AW,
			    vtd_ctx_entry(f->unit, f->bus, f->devfn)->hi),
		  vtd_aw_field(aw));
}

/* Bytes written by the device land exactly where the IOVA points. */
TEST(vtd, translated_write_lands_exactly)
{
	struct vtd_fix *f;

	f = fix_setup(0, FIX_INV_PREFERRED);
	ASSERT_OK(vtd_domain_map(&f->dom, IOVA_T, virt_to_phys(f->dst.page),
				 PAGE_SIZE, PT_READ | PT_WRITE));
	fix_write_lands(f, IOVA_T + OFF, f->dst.page + OFF);
	guarded_intact(&f->dst, 0, 0);
	guarded_intact(&f->src, 0, 0);
	expect_no_fault(f);
}

#define STAGED 0x5e /* device memory before a faulted read */

/* Where a faulted write must not land: f->dst's page, which the tests map
 * the IOVA to, or whose physical address they use as the IOVA (where
 * pass-through or a walk that ignored the fault would go). */
static iova_t dst_pa(struct vtd_fix *f)
{
	return virt_to_phys(f->dst.page) + OFF;
}

/* After a blocked read the device memory must hold none of the bytes of
 * memory (@secret). What the device does with its buffer after a request
 * completed with an error is its own business: QEMU 7.2's edu stores
 * zeros there (the memory core hands it zeros and edu ignores the error),
 * reported, not failed. */
static void device_got_nothing(struct vtd_fix *f, u8 secret)
{
	static u8 back[LEN];
	unsigned same = 0;

	if (!fix_free_form(f))
		return; /* proven by the read failing: expect_blocked() */
	ASSERT_OK(fix_fetch(f, IOVA_STAGE, back, LEN));
	for (unsigned i = 0; i < LEN; i++) {
		if (back[i] == secret)
			test_fail("device memory byte %u is 0x%x: the blocked "
				  "read delivered memory's bytes",
				  i, secret);
		same += back[i] == STAGED;
	}
	if (same != LEN)
		test_diag("device memory after the blocked read: %u of %u "
			  "bytes still staged, byte 0 now 0x%x",
			  same, LEN, back[0]);
}

/* Device memory before a faulted access, where it can be chosen (edu). */
static void stage(struct vtd_fix *f, u8 pat)
{
	if (fix_free_form(f))
		ASSERT_OK(fix_stage(f, IOVA_STAGE, pat, LEN));
}

/* A fault of the device's root or context entry: its first access is
 * blocked, wherever it goes (xHCI: its own rings). */
static void device_fault_case(struct vtd_fix *f, unsigned reason, iova_t iova)
{
	expect_blocked(f, fix_write(f, iova), true);
	expect_device_fault(f, reason, iova, VTD_ACC_WRITE);
	guarded_intact(&f->dst, 0, 0);
}

/* Fault cases: set up a broken translation, DMA, expect exactly one fault
 * with the reason. A faulted write moves no byte (f->dst's canaries hold);
 * a faulted read delivers none of memory's bytes to the device. */
static void fault_case(struct vtd_fix *f, unsigned reason, iova_t iova,
		       bool write)
{
	int err = write ? fix_write(f, iova) : fix_read(f, iova);

	expect_blocked(f, err, write);
	expect_one_fault(f, reason, iova, write ? VTD_ACC_WRITE : VTD_ACC_READ);
	guarded_intact(&f->dst, 0, 0);
	if (!write)
		device_got_nothing(f, CANARY);
}

/* fault_case for a read of f->dst's bytes at @iova, which hold a secret
 * the device must not get. */
static void fault_case_secret(struct vtd_fix *f, iova_t iova)
{
	expect_blocked(f, fix_read(f, iova), false);
	memset(f->dst.page + OFF, CANARY, LEN);
	expect_one_fault(f, VTD_FR_READ, iova, VTD_ACC_READ);
	guarded_intact(&f->dst, 0, 0);
	device_got_nothing(f, 0x77);
}

TEST(vtd, write_to_read_only_page_faults_5)
{
	struct vtd_fix *f;

	f = fix_setup(0, FIX_INV_PREFERRED);
	stage(f, 0x11);
	ASSERT_OK(vtd_domain_map(&f->dom, IOVA_T, virt_to_phys(f->dst.page),
				 PAGE_SIZE, PT_READ));
	fault_case(f, VTD_FR_WRITE, IOVA_T + OFF, true);
}

/* The page holds bytes the device must never see (0x77). */
TEST(vtd, read_of_write_only_page_faults_6)
{
	struct vtd_fix *f;

	f = fix_setup(0, FIX_INV_PREFERRED);
	stage(f, STAGED);
	memset(f->dst.page + OFF, 0x77, LEN);
	ASSERT_OK(vtd_domain_map(&f->dom, IOVA_T, virt_to_phys(f->dst.page),
				 PAGE_SIZE, PT_WRITE));
	fault_case_secret(f, IOVA_T + OFF);
}

/* The IOVA is f->dst's physical address, unmapped: no canary may reach
 * the device. */
TEST(vtd, unmapped_iova_read_faults_6)
{
	struct vtd_fix *f;

	f = fix_setup(0, FIX_INV_PREFERRED);
	stage(f, STAGED);
	fault_case(f, VTD_FR_READ, dst_pa(f), false);
}

TEST(vtd, root_entry_not_present_faults_1)
{
	struct vtd_fix *f;

	f = fix_setup(0, FIX_INV_PREFERRED);
	u8 bus = f->bus;
	struct vtd_entry128 saved = f->unit->root[bus];
	vtd_root_write_raw(f->unit, bus, 0, 0);
	ASSERT_OK(vtd_inv_context(f->unit, VTD_GRAN_GLOBAL, 0, 0));
	device_fault_case(f, VTD_FR_ROOT_NOT_PRESENT, dst_pa(f));
	vtd_root_write_raw(f->unit, bus, saved.lo, saved.hi);
	EXPECT_OK(vtd_inv_context(f->unit, VTD_GRAN_GLOBAL, 0, 0));
}

/* Rewrite the engine's context entry raw, invalidate it, DMA, expect
 * @reason. */
static void ctx_fault_on(struct vtd_fix *f, u64 lo_set, u64 lo_clear,
			 u64 hi_set, u64 hi_clear, unsigned reason)
{
	struct vtd_entry128 *e = vtd_ctx_entry(f->unit, f->bus, f->devfn);
	ASSERT_OK(vtd_ctx_write_raw(f->unit, f->bus, f->devfn,
				    (e->lo | lo_set) & ~lo_clear,
				    (e->hi | hi_set) & ~hi_clear));
	ASSERT_OK(vtd_inv_context(f->unit, VTD_GRAN_GLOBAL, 0, 0));
	ASSERT_OK(vtd_inv_iotlb(f->unit, VTD_GRAN_GLOBAL, 0, 0, 0));
	device_fault_case(f, reason, dst_pa(f));
}

static void ctx_fault_case(u64 lo_set, u64 lo_clear, u64 hi_set, u64 hi_clear,
			   unsigned reason)
{
	ctx_fault_on(fix_setup(0, FIX_INV_PREFERRED), lo_set, lo_clear, hi_set,
		     hi_clear, reason);
}

TEST(vtd, context_entry_not_present_faults_2)
{
	ctx_fault_case(0, VTD_CTX_LO_P, 0, 0, VTD_FR_CTX_NOT_PRESENT);
}

/* An address width the unit does not support (SAGAW) is invalid
 * programming. AW=0 (30-bit, 2-level) is never supported by VT-d 3.x. */
TEST(vtd, unsupported_address_width_faults_3)
{
	ctx_fault_case(0, 0, 0, VTD_CTX_HI_AW, VTD_FR_CTX_INVALID);
}

TEST(vtd, reserved_context_bit_faults_0xb)
{
	ctx_fault_case(0, 0, BIT_ULL(63), 0, VTD_FR_CTX_RSVD);
}

/* A leaf with an address bit above the host address width set. */
TEST(vtd, reserved_leaf_bit_faults_0xc)
{
	struct vtd_fix *f;
	struct pt_walk w;

	f = fix_setup(0, FIX_INV_PREFERRED);
	ASSERT_OK(vtd_domain_map(&f->dom, IOVA_T, virt_to_phys(f->dst.page),
				 PAGE_SIZE, PT_READ | PT_WRITE));
	ASSERT_OK(pt_lookup(&f->dom.pt, IOVA_T, &w));
	*w.ptep |= BIT_ULL(51);
	vtd_flush_struct(f->unit, w.ptep, 8);
	ASSERT_OK(vtd_inv_iotlb(f->unit, VTD_GRAN_DOMAIN, f->dom.did, 0, 0));
	fault_case(f, VTD_FR_SL_RSVD, IOVA_T, true);
}

/* The reason of the oldest fault the unit has logged, not taken; 0 when
 * none is. */
static unsigned oldest_logged_reason(struct vtd_unit *u)
{
	vtd_fault_drain(u);
	return u->log_count ? u->log[u->log_head].reason : 0;
}

/* Translated addresses in 0xfee00000-0xfeefffff are interrupt requests,
 * never memory: remapping them for DMA is a fault (7.1.3, reason 0xe). The
 * reason set is the legacy one whenever the unit runs in legacy mode
 * (RTADDR.TTM=0), whatever else the unit supports. */
TEST(vtd, interrupt_range_output_faults_0xe)
{
	struct vtd_fix *f;

	f = fix_setup(0, FIX_INV_PREFERRED);
	ASSERT_OK(vtd_domain_map(&f->dom, IOVA_T, 0xfee00000ULL, PAGE_SIZE,
				 PT_READ | PT_WRITE));
	expect_blocked(f, fix_write(f, IOVA_T), true);
	/* QEMU 7.2 and 10.0 choose the reason by their x-scalable-mode
	 * property, not by the mode the unit runs in. */
	if (platform_kind() == PLATFORM_QEMU &&
	    (f->unit->ecap & VTD_ECAP_SMTS) &&
	    oldest_logged_reason(f->unit) == 0x87)
		test_todo("QEMU 7.2 and 10.0 with x-scalable-mode=on: "
			  "interrupt-range output faults 0x87 (a scalable-mode "
			  "reason), in legacy mode too");
	expect_one_fault(f, VTD_FR_INTR_RANGE, IOVA_T, VTD_ACC_WRITE);
	guarded_intact(&f->dst, 0, 0);
}

TEST(vtd, address_beyond_width_faults_4)
{
	struct vtd_fix *f;

	f = fix_setup(0, FIX_INV_PREFERRED);
	iova_t beyond = 1ULL << f->dom.pt.cfg.aw; /* MGAW or the AGAW */
	if (beyond >= dma_iova_limit(f->dev))
		test_skip("%s emits %u-bit addresses: cannot reach 0x%lx",
			  f->dev->name, f->dev->addr_bits, beyond);
	fault_case(f, VTD_FR_ADDR_BEYOND_AW, beyond, true);
}

/* Pass-through (TT=2, ECAP.PT): untranslated DMA reaches the physical
 * address itself. Without ECAP.PT the same entry is invalid programming
 * (reason 3). */
TEST(vtd, pass_through_reaches_physical_address)
{
	struct vtd_fix *f;

	f = fix_setup(0, FIX_INV_PREFERRED);
	if (!(f->unit->ecap & VTD_ECAP_PT))
		test_skip("unit has no pass-through (ECAP.PT=0)");
	static u8 want[FIX_WRITE_MAX];
	u32 len = fix_prepare_write(f, want); /* staged while translated */
	/* Asked for the narrowest width: 9.3 wants the widest in the entry. */
	struct vtd_ctx_cfg c = { f->dom.did, 39, VTD_TT_PASS_THROUGH, 0,
				 false };
	ASSERT_OK(vtd_ctx_set(f->unit, f->bus, f->devfn, &c));
	EXPECT_EQ(FIELD_GET(VTD_CTX_HI_AW,
			    vtd_ctx_entry(f->unit, f->bus, f->devfn)->hi),
		  vtd_aw_field(vtd_widest_aw(f->unit)));
	/* The engine's own structures at their physical addresses too. */
	ASSERT_OK(dma_place(f->dev, DMA_IOVA_IDENTITY));
	hpa_t pa = virt_to_phys(f->dst.page) + OFF;
	ASSERT_OK(fix_write(f, pa));
	EXPECT_MEMEQ(f->dst.page + OFF, want, len);
	guarded_intact(&f->dst, OFF, len);
	expect_no_fault(f);
}

TEST(vtd, pass_through_without_ecap_pt_faults_3)
{
	struct vtd_fix *f;

	f = fix_setup(0, FIX_INV_PREFERRED);
	if (f->unit->ecap & VTD_ECAP_PT)
		test_skip("unit has pass-through (ECAP.PT=1)");
	EXPECT_EQ(
	    vtd_ctx_set(f->unit, f->bus, f->devfn,
			&(struct vtd_ctx_cfg){ f->dom.did, f->dom.aw,
					       VTD_TT_PASS_THROUGH, 0, false }),
	    -EOPNOTSUPP);
	/* The same fixture: a second fix_setup would tear this one down twice. */
	ctx_fault_on(f, FIELD_PREP(VTD_CTX_LO_TT, VTD_TT_PASS_THROUGH), 0, 0, 0,
		     VTD_FR_CTX_INVALID);
}

/* Give the unit back to the fixture's structures after a second bring-up
 * took it: its queue, root table and fault interrupt. */
static void give_back(struct vtd_unit *u, struct vtd_unit *again)
{
	page_free(again->root);
	if (again->iq) {
		page_free(again->iq);
		page_free((void *)again->iq_status);
	}
	if (u->qi)
		ASSERT_OK(vtd_qi_enable(u));
	ASSERT_OK(vtd_root_table_install(u));
	vtd_fault_irq_setup(u, VEC_VTD_FAULT);
}

/* Interrupt remapping on, as firmware may leave it: an empty table of two
 * entries (IRTA.S 0) installed by SIRTP, then IRE (11.4.4, 11.4.11). Only
 * where the unit has ECAP.IR; the table lives as long as the test. */
static bool ire_left_on(struct vtd_unit *u)
{
	static u8 irt[PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));

	if (!(u->ecap & VTD_ECAP_IR))
		return false;
	memset(irt, 0, sizeof(irt));
	vtd_flush_struct(u, irt, sizeof(irt));
	vtd_write64(u, VTD_REG_IRTA, virt_to_phys(irt));
	ASSERT_OK(vtd_gcmd(u, VTD_GCMD_SIRTP, true));
	ASSERT_OK(vtd_gcmd(u, VTD_GCMD_IRE, true));
	return true;
}

/* A queue stopped by an error nobody cleared, as a previous kernel may
 * leave it: a descriptor of an undefined type (6.5.2.10), FSTS.IQE left
 * set. Returns FSTS's queue error bits. */
static u32 queue_error_left(struct vtd_unit *u)
{
	struct vtd_entry128 bad = { .lo = 0xf, .hi = 0 };

	ASSERT_OK(vtd_qi_post(u, &bad));
	ASSERT_OK(WAIT_FOR(vtd_read32(u, VTD_REG_FSTS) & VTD_FSTS_IQE,
			   VTD_TIMEOUT_US));
	return vtd_read32(u, VTD_REG_FSTS) &
	       (VTD_FSTS_IQE | VTD_FSTS_ICE | VTD_FSTS_ITE);
}

/* Bring-up over a unit left running, as firmware or a previous kernel may
 * leave it: translation, interrupt remapping and queued invalidation on,
 * a fault pending. A second bring-up of the same unit must notice each,
 * turn translation, interrupt remapping and the (drained) queue off,
 * record and clear the fault; installing its root table then issues a
 * global context-cache and a global IOTLB invalidation (11.4.4) unless
 * ECAP.ESRTPS. */
TEST(vtd, bring_up_quiesces_translation_and_faults)
{
	static struct vtd_unit again;
	struct vtd_fix *f;

	f = fix_setup(0, FIX_INV_PREFERRED);
	bool qi_on = f->unit->qi, ir_on = ire_left_on(f->unit);
	vtd_fault_mask(f->unit, true);
	expect_blocked(f, fix_write(f, IOVA_T), true);
	ASSERT_TRUE(vtd_read32(f->unit, VTD_REG_FSTS) & VTD_FSTS_PPF);
	ASSERT_OK(vtd_unit_init(&again, 99, f->unit->reg_pa, f->unit->reg_size,
				f->unit->seg));
	EXPECT_TRUE(again.fw_te_on);
	EXPECT_EQ(again.fw_qi_on, qi_on);
	EXPECT_EQ(again.fw_ir_on, ir_on);
	EXPECT_EQ(again.fw_faults, 1);
	EXPECT_EQ(vtd_read32(f->unit, VTD_REG_GSTS) &
		      (VTD_GCMD_TE | VTD_GCMD_QIE | VTD_GCMD_IRE),
		  0);
	EXPECT_EQ(vtd_read32(f->unit, VTD_REG_FSTS) & VTD_FSTS_PPF, 0);
	if (again.ecap & VTD_ECAP_QI)
		EXPECT_OK(vtd_qi_enable(&again));
	u64 cc = again.stats.cc_inv, io = again.stats.iotlb_inv;
	EXPECT_OK(vtd_root_table_install(&again));
	EXPECT_EQ(vtd_read64(f->unit, VTD_REG_RTADDR),
		  virt_to_phys(again.root));
	bool esrtps = again.ecap & VTD_ECAP_ESRTPS;
	EXPECT_EQ(again.stats.cc_inv - cc, esrtps ? 0 : 1);
	EXPECT_EQ(again.stats.iotlb_inv - io, esrtps ? 0 : 1);
	EXPECT_EQ(again.cc_gran_done, esrtps ? 0 : VTD_GRAN_GLOBAL);
	vtd_unit_report(&again);
	guarded_intact(&f->dst, 0, 0);
	give_back(f->unit, &again);
}

/* Teardown after a queue error the bring-up could not clear: the queue is
 * made consistent again (vtd_qi_clear_error: IQT = IQH, the error
 * cleared), an invalidation through it ends with a wait descriptor, and the
 * unit is given back its queue, root table and fault interrupt (what the
 * half-done bring-up turned off or masked). */
static void queue_restart(void *arg)
{
	struct vtd_unit *u = arg;

	if (vtd_qi_clear_error(u) == 0)
		return;
	EXPECT_OK(vtd_inv_iotlb(u, VTD_GRAN_GLOBAL, 0, 0, 0));
	EXPECT_OK(vtd_qi_enable(u));
	EXPECT_OK(vtd_root_table_install(u));
	vtd_fault_irq_setup(u, VEC_VTD_FAULT);
}

/* A queue left stopped by an error (FSTS.IQE, RW1C, survives QIE off and
 * on: 11.4.9.1): bring-up empties it (IQT = IQH), turns it off, records
 * and clears the error, and its own queue then works; kept, the error
 * would stop the new queue before its first descriptor (6.5.2.10). What
 * is left running is the queue alone (FIX_UNATTACHED): translation left
 * on is bring_up_quiesces_translation_and_faults's. */
TEST(vtd, bring_up_clears_a_queue_stopped_by_an_error)
{
	static struct vtd_unit again;
	struct vtd_fix *f = fix_setup(FIX_UNATTACHED, FIX_INV_QUEUED);

	if (!f->unit->qi)
		test_skip("unit has no queued invalidation (ECAP.QI=0)");
	test_defer(queue_restart, f->unit);
	u32 err = queue_error_left(f->unit);
	EXPECT_TRUE(err & VTD_FSTS_IQE);
	int r = vtd_unit_init(&again, 99, f->unit->reg_pa, f->unit->reg_size,
			      f->unit->seg);
	if (r == -ETIMEDOUT && platform_kind() == PLATFORM_QEMU)
		/* QEMU's vtd_queued_inv_disable_check wants IQT 0 or a
		 * wait descriptor as the last one fetched. */
		test_todo("QEMU 7.2 and 10.0: QIE stays on after a queue "
			  "error with IQH == IQT until a wait descriptor runs");
	ASSERT_OK(r);
	EXPECT_EQ(again.fw_qi_errors, err);
	EXPECT_EQ(vtd_read32(f->unit, VTD_REG_FSTS) &
		      (VTD_FSTS_IQE | VTD_FSTS_ICE | VTD_FSTS_ITE),
		  0);
	EXPECT_OK(vtd_qi_enable(&again));
	EXPECT_OK(vtd_root_table_install(&again));
	vtd_unit_report(&again);
	give_back(f->unit, &again);
}

/* A DRHD pointing where nothing decodes reads all ones (or zeros): the
 * unit is refused with -ENODEV and nothing else is touched. The address
 * is one neither the memory map nor a BAR claims (fix_unbacked_pa). */
TEST(vtd, unit_where_nothing_decodes_refused)
{
	static struct vtd_unit u;
	hpa_t pa = fix_unbacked_pa();

	EXPECT_EQ(vtd_unit_init(&u, 99, pa, PAGE_SIZE, 0), -ENODEV);
}
