/* Suite harness: the test harness's own promises. A fixture's teardown
 * runs however a test ends (a failed ASSERT, an exception), so the next
 * test starts clean: no page, domain id, context entry or translation
 * left behind. Each case runs a failing test nested in a passing one
 * (test_run_nested), whose failures are its own. */
#include "arch/x86/mm.h"
#include "iommu/vtd/context.h"
#include "iommu/vtd/fault.h"
#include "lib/string.h"
#include "lib/test.h"
#include "tests/kernel/vtd_fix_dma.h"

static struct guarded g;
static bool inner_got_past_assert;
static struct vtd_fix *inner_fix;
static u64 free_after_vtd_case; /* for the test that follows that case */

static u64 free_pages(void)
{
	return mm_pmm()->free_pages;
}

static void guarded_then_failed_assert(void)
{
	guarded_init(&g);
	ASSERT_EQ(1, 2); /* fails on purpose */
	inner_got_past_assert = true;
}

static void guarded_then_exception(void)
{
	guarded_init(&g);
	asm volatile("ud2");
	inner_got_past_assert = true;
}

static void expect_abandoned_and_freed(void (*fn)(void))
{
	u64 before = free_pages();

	inner_got_past_assert = false;
	test_diag("a nested test fails on purpose; its failure is not ours");
	struct test_outcome o = test_run_nested(fn);
	EXPECT_FALSE(o.returned);
	EXPECT_FALSE(inner_got_past_assert);
	EXPECT_EQ(o.failures, 1);
	EXPECT_TRUE(g.base == NULL); /* guarded_free ran */
	EXPECT_EQ(free_pages(), before);
}

TEST(harness, failed_assert_runs_teardown)
{
	expect_abandoned_and_freed(guarded_then_failed_assert);
}

TEST(harness, exception_runs_teardown)
{
	expect_abandoned_and_freed(guarded_then_exception);
}

static void fixture_mapped_then_failed_assert(void)
{
	struct vtd_fix *f = fix_setup(0, false);

	inner_fix = f;
	ASSERT_OK(vtd_domain_map(&f->dom, 0x100000, virt_to_phys(f->dst.page),
				 PAGE_SIZE, PT_READ | PT_WRITE));
	ASSERT_OK(vtd_domain_attach(fix_domain(f), f->unit, 0xff, 0xff));
	ASSERT_EQ(1, 2); /* fails on purpose */
	inner_got_past_assert = true;
}

static void fixture_passes(void)
{
	inner_fix = fix_setup(0, false);
}

static bool ctx_present(struct vtd_unit *u, u8 bus, u8 devfn)
{
	struct vtd_entry128 *e = vtd_ctx_entry(u, bus, devfn);

	return e && (e->lo & VTD_CTX_LO_P);
}

/* The VT-d fixture abandoned by an ASSERT: its domain is destroyed (the
 * context entries of both its domains cleared), its pages and tables
 * freed, its domain id reusable, translation still on. */
TEST(harness, vtd_fixture_torn_down_after_failed_assert)
{
	/* A passing run first: the context table of the device's bus is the
	 * unit's, allocated once and kept; it must not count as a leak. */
	struct test_outcome warm = test_run_nested(fixture_passes);
	if (warm.skipped)
		test_skip("no edu device behind a VT-d unit for the fixture");
	ASSERT_EQ(warm.failures, 0);
	test_diag("nested tests fail on purpose; their failures are not ours");
	test_run_nested(fixture_mapped_then_failed_assert); /* warm bus 0xff */
	u64 before = free_pages();
	inner_got_past_assert = false;
	struct test_outcome o = test_run_nested(
	    fixture_mapped_then_failed_assert);
	struct vtd_fix *f = inner_fix;
	EXPECT_FALSE(o.returned);
	EXPECT_FALSE(inner_got_past_assert);
	EXPECT_EQ(o.failures, 1);
	EXPECT_FALSE(
	    ctx_present(f->unit, f->dev->pci->bus, f->dev->pci->devfn));
	EXPECT_FALSE(ctx_present(f->unit, 0xff, 0xff));
	EXPECT_EQ(free_pages(), before);
	EXPECT_TRUE(vtd_read32(f->unit, VTD_REG_GSTS) & VTD_GCMD_TE);
	int did = vtd_did_alloc();
	EXPECT_EQ(did, f->dom.did); /* the lowest id is free again */
	if (did > 0)
		vtd_did_free((u16)did);
	free_after_vtd_case = free_pages();
}

/* Runs right after the case above: it starts clean, and a fixture set up
 * now behaves (DMA lands, no fault pending from before). */
TEST(harness, next_test_starts_clean)
{
	if (!free_after_vtd_case)
		test_skip("the VT-d fixture case did not run");
	EXPECT_EQ(free_pages(), free_after_vtd_case);
	struct vtd_fix *f = fix_setup(0, false);
	expect_no_fault(f);
	ASSERT_OK(vtd_domain_map(&f->dom, 0x300000, virt_to_phys(f->dst.page),
				 PAGE_SIZE, PT_READ | PT_WRITE));
	fix_write_lands(f, 0x300000, f->dst.page);
	guarded_intact(&f->dst, 0, 0);
	expect_no_fault(f);
}

/* Rounds (test_repeat): the test below asks for a second run, whose
 * teardown runs before it starts; its second run skips, which must not
 * skip the test, as it ran once. The next test checks what happened. */
static unsigned rounds_run, rounds_torn_down;

static void count_teardown(void *arg)
{
	rounds_torn_down++;
}

TEST(harness, a_round_that_skips_does_not_skip_the_test)
{
	if (test_round() == 0) {
		rounds_run = rounds_torn_down = 0;
		test_repeat();
	}
	test_label(test_round() ? "second" : "first");
	EXPECT_EQ(rounds_torn_down, test_round());
	rounds_run++;
	test_defer(count_teardown, NULL);
	if (test_round() == 1)
		test_skip("the second round skips on purpose");
}

TEST(harness, each_round_ran_and_was_torn_down)
{
	if (!rounds_run)
		test_skip("the rounds case did not run");
	EXPECT_EQ(rounds_run, 2);
	EXPECT_EQ(rounds_torn_down, 2);
}

/* Orderings compare numbers, not 64-bit patterns: an errno is below 0
 * and below any unsigned value; equality is C's (-1 == ~0ULL). */
static int an_errno = -5;
static unsigned wrong_orderings;

static void orderings_that_must_fail(void)
{
	wrong_orderings = 0;
	wrong_orderings += EXPECT_GT(an_errno, 0);
	wrong_orderings += EXPECT_GE(an_errno, 0u);
	wrong_orderings += EXPECT_GT(an_errno, (u64)1);
	wrong_orderings += EXPECT_LT((u64)1, an_errno);
}

TEST(harness, orderings_read_negative_numbers_as_negative)
{
	int minus_one = -1;

	EXPECT_LT(an_errno, 0);
	EXPECT_LT(an_errno, (u64)0);
	EXPECT_GT((u64)1 << 63, an_errno);
	EXPECT_LT(an_errno, minus_one);
	EXPECT_EQ(minus_one, ~0ULL);
	test_diag("a nested test fails on purpose; its failures are not ours");
	struct test_outcome o = test_run_nested(orderings_that_must_fail);
	EXPECT_TRUE(o.returned);
	EXPECT_EQ(o.failures, 4);
	EXPECT_EQ(wrong_orderings, 0);
}
