/* The VT-d suites' expectations: DMA targets between canary pages, and
 * the fault records a test expects or forbids. */
#include "tests/kernel/vtd_fix.h"
#include "iommu/vtd/fault.h"
#include "iommu/vtd/ir.h"
#include "arch/x86/mm.h"
#include "arch/x86/platform.h"
#include "lib/string.h"
#include "lib/test.h"

static void guarded_free(void *arg)
{
	struct guarded *g = arg;

	if (g->base)
		page_free_contig(g->base, 3);
	g->base = g->page = NULL;
}

void guarded_init(struct guarded *g)
{
	g->base = page_alloc_contig(3, PAGE_SIZE);
	if (!g->base)
		test_skip("out of memory for DMA targets");
	g->page = g->base + PAGE_SIZE;
	memset(g->base, CANARY, 3 * PAGE_SIZE);
	test_defer(guarded_free, g);
}

bool guarded_intact(const struct guarded *g, u32 off, u32 len)
{
	u32 end = PAGE_SIZE + off + len;

	return EXPECT_BYTES(g->base, CANARY, PAGE_SIZE + off) &&
	       EXPECT_BYTES(g->base + end, CANARY, 3 * PAGE_SIZE - end);
}

static unsigned take_faults(struct vtd_fix *f, struct vtd_fault *out,
			    unsigned max)
{
	vtd_fault_drain(f->unit);
	return vtd_fault_take(f->unit, out, max);
}

bool expect_one_fault(struct vtd_fix *f, unsigned reason, iova_t addr,
		      unsigned access)
{
	struct vtd_fault flt[4];
	u32 fsts = vtd_read32(f->unit, VTD_REG_FSTS);
	unsigned n = take_faults(f, flt, 4);
	bool ok = EXPECT_EQ(fsts & VTD_FSTS_PFO, 0) &&
		  EXPECT_EQ(f->unit->stats.pfo, f->pfo_before);

	if (!EXPECT_EQ(n, 1))
		return false;
	if (flt[0].reason != reason)
		test_fail("fault reason 0x%x (%s), expected 0x%x (%s)",
			  flt[0].reason, vtd_fault_reason_name(flt[0].reason),
			  reason, vtd_fault_reason_name(reason));
	if (flt[0].access != access)
		test_fail("faulted access recorded as %s, expected %s",
			  vtd_access_name(flt[0].access),
			  vtd_access_name(access));
	return ok && flt[0].reason == reason && flt[0].access == access &&
	       EXPECT_EQ(flt[0].sid, f->sid) &&
	       EXPECT_EQ(flt[0].addr, ALIGN_DOWN(addr, PAGE_SIZE));
}

bool expect_no_fault(struct vtd_fix *f)
{
	struct vtd_fault flt[4];
	unsigned n = take_faults(f, flt, 4);

	for (unsigned i = 0; i < n; i++)
		test_fail("unexpected fault 0x%x (%s) sid 0x%x addr 0x%lx",
			  flt[i].reason, vtd_fault_reason_name(flt[i].reason),
			  flt[i].sid, flt[i].addr);
	return n == 0;
}

bool take_first_fault(struct vtd_unit *u, unsigned reason,
		      struct vtd_fault *first)
{
	struct vtd_fault flt[4];

	vtd_fault_drain(u);
	unsigned n = vtd_fault_take(u, flt, ARRAY_SIZE(flt));
	if (!EXPECT_GE(n, 1))
		return false;
	if (n > 1)
		test_diag("%u faults; the first is checked", n);
	if (flt[0].reason != reason)
		test_fail("fault reason 0x%x (%s), expected 0x%x (%s)",
			  flt[0].reason, vtd_fault_reason_name(flt[0].reason),
			  reason, vtd_fault_reason_name(reason));
	*first = flt[0];
	return true;
}

void expect_ir_fault(struct vtd_unit *u, unsigned reason, u16 sid, int index)
{
	struct vtd_fault flt[4];

	vtd_fault_drain(u);
	unsigned n = vtd_fault_take(u, flt, 4);
	if (n == 0) {
		if (platform_kind() == PLATFORM_QEMU)
			test_todo("QEMU 7.2: interrupt-remapping faults are "
				  "not recorded (dropped, reported on stderr)");
		test_fail("no fault record; expected 0x%x (%s)", reason,
			  vtd_ir_fault_name(reason));
		return;
	}
	EXPECT_EQ(n, 1);
	if (flt[0].reason != reason)
		test_fail("fault reason 0x%x (%s), expected 0x%x (%s)",
			  flt[0].reason, vtd_ir_fault_name(flt[0].reason),
			  reason, vtd_ir_fault_name(reason));
	if (flt[0].sid == 0xffff && platform_kind() == PLATFORM_QEMU)
		test_todo("QEMU 10.0: an interrupt message a device writes by "
			  "DMA carries no source id (the record says 0xffff)");
	EXPECT_EQ(flt[0].sid, sid);
	if (index >= 0)
		EXPECT_EQ(FIELD_GET(VTD_FRCD_LO_IR_INDEX, flt[0].addr),
			  (unsigned)index);
}
