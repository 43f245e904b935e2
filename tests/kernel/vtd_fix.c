/* The VT-d suites' fixture. */
#include "tests/kernel/vtd_fix.h"
#include "arch/x86/mm.h"
#include "arch/x86/trap.h"
#include "arch/x86/tsc.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "lib/test.h"

void guarded_init(struct guarded *g)
{
	g->base = page_alloc_contig(3, PAGE_SIZE);
	if (!g->base)
		test_skip("out of memory for DMA targets");
	g->page = g->base + PAGE_SIZE;
	memset(g->base, CANARY, 3 * PAGE_SIZE);
}

void guarded_free(struct guarded *g)
{
	for (unsigned i = 0; g->base && i < 3; i++)
		page_free(g->base + i * PAGE_SIZE);
	g->base = g->page = NULL;
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

bool expect_one_fault(struct vtd_fix *f, unsigned reason, iova_t addr)
{
	struct vtd_fault flt[4];
	unsigned n = take_faults(f, flt, 4);

	if (!EXPECT_EQ(n, 1))
		return false;
	if (flt[0].reason != reason)
		test_fail("fault reason 0x%x (%s), expected 0x%x (%s)",
			  flt[0].reason, vtd_fault_reason_name(flt[0].reason),
			  reason, vtd_fault_reason_name(reason));
	return flt[0].reason == reason && EXPECT_EQ(flt[0].sid, f->edu.sid) &&
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

static int set_qi(struct vtd_unit *u, bool qi)
{
	if (qi == u->qi)
		return 0;
	if (qi)
		return vtd_qi_enable(u);
	/* The queue is idle between tests, so QIE may be cleared (6.5.2). */
	int err = vtd_gcmd(u, VTD_GCMD_QIE, false);
	if (!err)
		u->qi = false;
	return err;
}

static unsigned pick_aw(const struct vtd_unit *u)
{
	return vtd_sagaw_supports(u, 1)	  ? 39
	       : vtd_sagaw_supports(u, 2) ? 48
					  : 57;
}

void fix_setup(struct vtd_fix *f, unsigned edu_index, bool qi)
{
	memset(f, 0, sizeof(*f));
	if (edu_open(&f->edu, edu_index))
		test_skip("no edu device %u on this machine", edu_index);
	f->unit = vtd_unit_for_device(f->edu.pci->seg, f->edu.pci->bus,
				      f->edu.pci->devfn);
	if (!f->unit)
		test_skip("no VT-d unit serves the edu device");
	if (qi && !(f->unit->ecap & VTD_ECAP_QI))
		test_skip("unit has no queued invalidation");
	ASSERT_OK(set_qi(f->unit, qi));
	ASSERT_OK(vtd_domain_init(&f->dom, f->unit, pick_aw(f->unit)));
	int err;
	const struct dmar_info *dmar = vtd_dmar(&err);
	int rmrrs = vtd_domain_attach_device(&f->dom, f->unit, dmar,
					     f->edu.pci->seg, f->edu.pci->bus,
					     f->edu.pci->devfn);
	ASSERT_OK(rmrrs < 0 ? rmrrs : 0);
	guarded_init(&f->src);
	guarded_init(&f->dst);
	vtd_fault_drain(f->unit);
	vtd_fault_clear_log(f->unit);
	f->irqs_before = trap_count(VEC_VTD_FAULT);
	/* Translation stays on between tests, as a driver leaves it: each
	 * test brings its own context entry and clears it at the end. (QEMU
	 * also rebuilds every device's address space on each TE change.) */
	if (!(vtd_read32(f->unit, VTD_REG_GSTS) & VTD_GCMD_TE))
		ASSERT_OK(vtd_enable_translation(f->unit, true));
}

void fix_teardown(struct vtd_fix *f)
{
	vtd_domain_destroy(&f->dom);
	guarded_free(&f->src);
	guarded_free(&f->dst);
	vtd_fault_drain(f->unit);
	vtd_fault_clear_log(f->unit);
}

int fix_stage_on(struct vtd_fix *f, struct edu *e, struct vtd_domain *d,
		 iova_t iova, u8 pattern, u32 len)
{
	memset(f->src.page, pattern, len);
	int err = vtd_domain_map(d, iova, virt_to_phys(f->src.page), PAGE_SIZE,
				 PT_READ);
	if (!err)
		err = edu_dma_from_ram(e, iova, 0, len);
	int uerr = vtd_domain_unmap(d, iova, PAGE_SIZE);
	memset(f->src.page, CANARY, len);
	return err ? err : uerr;
}

int fix_stage(struct vtd_fix *f, iova_t iova, u8 pattern, u32 len)
{
	return fix_stage_on(f, &f->edu, &f->dom, iova, pattern, len);
}
