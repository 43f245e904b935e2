/* Host tests of the physical page allocator over simulated memory: a host
 * buffer stands for physical [0, SIM_SIZE), and p2v maps into it (the free
 * list is threaded through freed pages). Every test that drains the
 * allocator checks each page it gets against a page-by-page model of the
 * map: inside a usable range, outside every other range and keep-out range,
 * never page 0, never twice; and the count against the model's. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "arch/x86/pmm.h"
#include "lib/errno.h"

#define SIM_SIZE  (16ULL << 20)
#define SIM_PAGES (SIM_SIZE / PAGE_SIZE)

struct fx {
	struct pmm p;
	u8 *mem;
	bool taken[SIM_PAGES];
	const struct mem_range *map, *keep;
	struct mem_range one; /* the map of init_usable */
	unsigned nr_map, nr_keep;
};

static void *sim_p2v(void *ctx, hpa_t pa)
{
	struct fx *f = ctx;

	if (!pa || pa >= SIM_SIZE || !IS_ALIGNED(pa, PAGE_SIZE))
		fail_msg("p2v of %#llx, not a simulated page",
			 (unsigned long long)pa);
	return f->mem + pa;
}

static int fx_setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->mem = malloc(SIM_SIZE);
	assert_non_null(f->mem);
	*state = f;
	return 0;
}

static int fx_teardown(void **state)
{
	struct fx *f = *state;

	free(f->mem);
	free(f);
	return 0;
}

static int fx_init(struct fx *f, const struct mem_range *map, unsigned nr_map,
		   const struct mem_range *keep, unsigned nr_keep)
{
	f->map = map, f->nr_map = nr_map;
	f->keep = keep, f->nr_keep = nr_keep;
	return pmm_init(&f->p, map, nr_map, keep, nr_keep, sim_p2v, f);
}

/* A map of one usable range. */
static void init_usable(struct fx *f, u64 base, u64 len,
			const struct mem_range *keep, unsigned nr_keep)
{
	f->one = (struct mem_range){ base, len, MEM_USABLE };
	assert_int_equal(fx_init(f, &f->one, 1, keep, nr_keep), 0);
}

static bool overlaps(const struct mem_range *r, hpa_t pa, u64 len)
{
	return pa < r->base + r->len && r->base < pa + len;
}

/* May the allocator hand out the page at @pa? The model, one page at a
 * time, straight from the header's contract. */
static bool model_allows(const struct fx *f, hpa_t pa)
{
	bool usable = false;

	for (unsigned i = 0; i < f->nr_map; i++) {
		const struct mem_range *r = &f->map[i];
		if (r->type != MEM_USABLE && overlaps(r, pa, PAGE_SIZE))
			return false;
		if (r->type == MEM_USABLE && r->base <= pa &&
		    pa + PAGE_SIZE <= r->base + r->len)
			usable = true;
	}
	for (unsigned i = 0; i < f->nr_keep; i++)
		if (overlaps(&f->keep[i], pa, PAGE_SIZE))
			return false;
	return usable && pa != 0;
}

static u64 model_count(const struct fx *f)
{
	u64 n = 0;

	for (hpa_t pa = 0; pa < SIM_SIZE; pa += PAGE_SIZE)
		n += model_allows(f, pa);
	return n;
}

/* Check one page the allocator handed out and mark it taken. */
static void take(struct fx *f, hpa_t pa)
{
	if (!IS_ALIGNED(pa, PAGE_SIZE) || pa >= SIM_SIZE)
		fail_msg("page %#llx is unaligned or outside the map",
			 (unsigned long long)pa);
	if (!model_allows(f, pa))
		fail_msg("page %#llx is reserved, kept out, not usable or 0",
			 (unsigned long long)pa);
	if (f->taken[pa / PAGE_SIZE])
		fail_msg("page %#llx handed out twice", (unsigned long long)pa);
	f->taken[pa / PAGE_SIZE] = true;
}

/* Allocate until exhaustion; returns how many pages came out. */
static u64 drain(struct fx *f)
{
	u64 n = 0;
	hpa_t pa;

	while ((pa = pmm_alloc(&f->p))) {
		take(f, pa);
		n++;
	}
	assert_int_equal(f->p.free_pages, 0);
	return n;
}

static void usable_ranges_are_shrunk_to_whole_pages(void **state)
{
	static const struct mem_range map[] = {
		{ 0x1800, 0x3000, MEM_USABLE },	 /* pages 0x2000, 0x3000 */
		{ 0x10100, 0x800, MEM_USABLE },	 /* no whole page */
		{ 0x20000, 0x1fff, MEM_USABLE }, /* page 0x20000 */
	};
	struct fx *f = *state;

	assert_int_equal(fx_init(f, map, ARRAY_SIZE(map), NULL, 0), 0);
	assert_int_equal(f->p.free_pages, 3);
	assert_int_equal(drain(f), 3);
	assert_true(f->taken[0x2] && f->taken[0x3] && f->taken[0x20]);
}

static void page_zero_is_never_returned(void **state)
{
	struct fx *f = *state;

	init_usable(f, 0, 0x4000, NULL, 0);
	assert_int_equal(pmm_alloc_contig(&f->p, 1, PAGE_SIZE), 0x1000);
	assert_int_equal(drain(f), 2);
	assert_false(f->taken[0]);
}

static void overlapping_reserved_range_wins_over_usable(void **state)
{
	static const struct mem_range map[] = {
		/* Listed before the usable range it cuts: order is no matter. */
		{ 0x180800, 0x1000, MEM_RESERVED },
		{ 0x100000, 0x100000, MEM_USABLE },
		{ 0xff000, 0x2000, MEM_ACPI }, /* covers the first page */
		{ 0x1ffff0, 0x10, MEM_NVS },   /* the last page */
		{ 0x140000, 0x10000, MEM_BAD },
	};
	struct fx *f = *state;

	assert_int_equal(fx_init(f, map, ARRAY_SIZE(map), NULL, 0), 0);
	assert_int_equal(model_count(f), 256 - 2 - 1 - 1 - 16);
	assert_int_equal(f->p.free_pages, model_count(f));
	assert_int_equal(drain(f), model_count(f));
}

static void keep_out_ranges_are_never_returned(void **state)
{
	static const struct mem_range map[] = {
		{ 0, 0x9fc00, MEM_USABLE },
		{ 0x9fc00, 0x400, MEM_RESERVED },
		{ 0xf0000, 0x10000, MEM_RESERVED },
		{ 0x100000, 0xe00000, MEM_USABLE },
		{ 0xd00000, 0x8000, MEM_ACPI },
		{ 0xf00000, 0x100000, MEM_RESERVED },
	};
	static const struct mem_range keep[] = {
		{ 0, 0x100000, 0 },	   /* low megabyte */
		{ 0x100000, 0x2a3456, 0 }, /* kernel image */
		{ 0x400123, 0x10, 0 },	   /* boot information */
		{ 0x800000, 0x123000, 0 }, /* a module */
		{ 0xcff000, 0x2000, 0 },   /* straddles the ACPI range */
		{ 0xeff800, 0x1000, 0 },   /* the end of usable memory */
	};
	struct fx *f = *state;
	u64 want;

	assert_int_equal(
	    fx_init(f, map, ARRAY_SIZE(map), keep, ARRAY_SIZE(keep)), 0);
	want = model_count(f);
	assert_true(want > 1000);
	assert_int_equal(f->p.free_pages, want);
	assert_int_equal(drain(f), want);
}

static void exhaustion_returns_0(void **state)
{
	struct fx *f = *state;

	init_usable(f, 0x5000, 0x2000, NULL, 0);
	assert_int_equal(drain(f), 2);
	for (int i = 0; i < 3; i++)
		assert_int_equal(pmm_alloc(&f->p), 0);
	assert_int_equal(pmm_alloc_contig(&f->p, 1, PAGE_SIZE), 0);
	assert_int_equal(f->p.free_pages, 0);
}

static void free_then_alloc_reuses_last_freed_first(void **state)
{
	struct fx *f = *state;
	hpa_t a, b, c;

	init_usable(f, 0x100000, 0x10000, NULL, 0);
	a = pmm_alloc(&f->p);
	b = pmm_alloc(&f->p);
	c = pmm_alloc(&f->p);
	assert_true(a && b && c && a != b && b != c && a != c);
	pmm_free(&f->p, a);
	pmm_free(&f->p, b);
	pmm_free(&f->p, 0); /* ignored */
	assert_int_equal(f->p.free_pages, 16 - 3 + 2);
	assert_int_equal(pmm_alloc(&f->p), b);
	assert_int_equal(pmm_alloc(&f->p), a);
	assert_int_equal(f->p.free_pages, 16 - 3);
	assert_int_equal(drain(f), 16 - 3);
}

static void freed_pages_come_back_after_exhaustion(void **state)
{
	struct fx *f = *state;

	init_usable(f, 0x200000, 0x4000, NULL, 0);
	assert_int_equal(drain(f), 4);
	pmm_free(&f->p, 0x201000);
	pmm_free(&f->p, 0x203000);
	assert_int_equal(pmm_alloc(&f->p), 0x203000);
	assert_int_equal(pmm_alloc(&f->p), 0x201000);
	assert_int_equal(pmm_alloc(&f->p), 0);
}

/* A run given back returns to the ranges, merged with its neighbours: the
 * next contiguous allocation is served from it, not from fresh memory. */
static void freed_range_is_reused_by_the_next_contig(void **state)
{
	struct fx *f = *state;
	hpa_t a, b;

	init_usable(f, 0x100000, 0x20000, NULL, 0);
	a = pmm_alloc_contig(&f->p, 8, PAGE_SIZE);
	b = pmm_alloc_contig(&f->p, 8, PAGE_SIZE);
	assert_int_equal(a, 0x100000);
	assert_int_equal(b, 0x108000);
	assert_int_equal(f->p.free_pages, 32 - 16);
	pmm_free_range(&f->p, a, 8);
	assert_int_equal(f->p.free_pages, 32 - 8);
	assert_int_equal(f->p.nr_free, 2);
	assert_int_equal(pmm_alloc_contig(&f->p, 8, PAGE_SIZE), a);
	pmm_free_range(&f->p, a, 8);
	pmm_free_range(&f->p, b, 8); /* bridges a and the rest: one range */
	assert_int_equal(f->p.nr_free, 1);
	assert_int_equal(f->p.free_pages, 32);
	assert_int_equal(pmm_alloc_contig(&f->p, 32, PAGE_SIZE), 0x100000);
	pmm_free_range(&f->p, 0, 4); /* ignored */
	assert_int_equal(f->p.free_pages, 0);
}

/* With the range table full, a run goes onto the free list page by page. */
static void freed_range_falls_back_to_the_free_list(void **state)
{
	struct fx *f = *state;

	init_usable(f, 0x100000, 0x10000, NULL, 0);
	hpa_t a = pmm_alloc_contig(&f->p, 2, PAGE_SIZE);
	while (f->p.nr_free < PMM_MAX_RANGES)
		f->p.free[f->p.nr_free++] = (struct mem_range){
			0x10000000 + f->p.nr_free * 0x2000, 0, 0
		};
	pmm_free_range(&f->p, a, 2);
	assert_int_equal(pmm_alloc(&f->p), a + PAGE_SIZE);
	assert_int_equal(pmm_alloc(&f->p), a);
}

static void contig_2m_aligned_lands_inside_one_usable_range(void **state)
{
	/* The first range holds a 2M-aligned address but not 2M after it. */
	static const struct mem_range map[] = {
		{ 0x101000, 0x27f000, MEM_USABLE }, /* to 0x380000 */
		{ 0x500000, 0x500000, MEM_USABLE }, /* to 0xa00000 */
	};
	struct fx *f = *state;
	u64 total;
	hpa_t pa;

	assert_int_equal(fx_init(f, map, ARRAY_SIZE(map), NULL, 0), 0);
	total = model_count(f);
	pa = pmm_alloc_contig(&f->p, SZ_2M / PAGE_SIZE, SZ_2M);
	assert_int_equal(pa, 0x600000);
	for (u64 off = 0; off < SZ_2M; off += PAGE_SIZE)
		take(f, pa + off);
	assert_int_equal(f->p.free_pages, total - 512);
	/* The 1M skipped for alignment, [0x500000, 0x600000), is not lost. */
	assert_int_equal(drain(f), total - 512);
	for (hpa_t p = 0x500000; p < 0x600000; p += PAGE_SIZE)
		assert_true(f->taken[p / PAGE_SIZE]);
}

static void alignment_gap_is_kept_as_a_free_range(void **state)
{
	struct fx *f = *state;

	init_usable(f, 0x101000, 0x3ff000, NULL, 0);
	assert_int_equal(pmm_alloc_contig(&f->p, 1, SZ_2M), 0x200000);
	/* The gap is exactly 255 pages and comes back as one piece. */
	assert_int_equal(pmm_alloc_contig(&f->p, 255, PAGE_SIZE), 0x101000);
	assert_int_equal(pmm_alloc_contig(&f->p, 1, PAGE_SIZE), 0x201000);
	assert_int_equal(f->p.free_pages, 0x3ff - 257);
}

static void contig_rejects_bad_arguments(void **state)
{
	struct fx *f = *state;

	init_usable(f, 0x100000, 0x800000, NULL, 0);
	assert_int_equal(pmm_alloc_contig(&f->p, 0, PAGE_SIZE), 0);
	assert_int_equal(pmm_alloc_contig(&f->p, 1, 0), 0);
	assert_int_equal(pmm_alloc_contig(&f->p, 1, 2048), 0);
	assert_int_equal(pmm_alloc_contig(&f->p, 1, 0x3000), 0);
	assert_int_equal(pmm_alloc_contig(&f->p, 0x801, PAGE_SIZE), 0);
	assert_int_equal(f->p.free_pages, 0x800);
}

/* Bug: npages * PAGE_SIZE wraps in pmm_alloc_contig, so a request for
 * 2^52 + 1 pages is served with one page and free_pages goes wrong. */
static void contig_with_overflowing_size_returns_0(void **state)
{
	struct fx *f = *state;

	init_usable(f, 0x100000, 0x10000, NULL, 0);
	assert_int_equal(pmm_alloc_contig(&f->p, (1ULL << 52) + 1, PAGE_SIZE),
			 0);
	assert_int_equal(pmm_alloc_contig(&f->p, 1ULL << 52, PAGE_SIZE), 0);
	assert_int_equal(f->p.free_pages, 16);
}

static void more_ranges_than_max_is_enospc(void **state)
{
	static struct mem_range map[PMM_MAX_RANGES + 1], keep[PMM_MAX_RANGES];
	struct fx *f = *state;

	/* One-page usable ranges with a page between them. */
	for (unsigned i = 0; i < ARRAY_SIZE(map); i++)
		map[i] = (struct mem_range){ 0x1000 + i * 0x2000ULL, PAGE_SIZE,
					     MEM_USABLE };
	assert_int_equal(fx_init(f, map, PMM_MAX_RANGES, NULL, 0), 0);
	assert_int_equal(f->p.free_pages, PMM_MAX_RANGES);
	assert_int_equal(fx_init(f, map, PMM_MAX_RANGES + 1, NULL, 0), -ENOSPC);
	/* One range cut into PMM_MAX_RANGES + 1 pieces by keep-outs. */
	for (unsigned i = 0; i < ARRAY_SIZE(keep); i++)
		keep[i] = (struct mem_range){ 0x2000 + i * 0x2000ULL, PAGE_SIZE,
					      0 };
	f->one = (struct mem_range){ 0x1000, 0x200000, MEM_USABLE };
	assert_int_equal(fx_init(f, &f->one, 1, keep, ARRAY_SIZE(keep)),
			 -ENOSPC);
}

/* Bug: subtract() spends a new slot on both pieces of every split range
 * and leaves the old slot dead until compaction, so 64 holes in one range
 * (65 ranges) need 129 slots and pmm_init fails with -ENOSPC. */
static void holes_leaving_fewer_than_max_ranges_fit(void **state)
{
	static struct mem_range keep[PMM_MAX_RANGES / 2];
	struct fx *f = *state;

	for (unsigned i = 0; i < ARRAY_SIZE(keep); i++)
		keep[i] = (struct mem_range){ 0x3000 + i * 0x2000ULL, PAGE_SIZE,
					      0 };
	init_usable(f, 0x1000, 200 * PAGE_SIZE, keep, ARRAY_SIZE(keep));
	assert_int_equal(drain(f), 200 - ARRAY_SIZE(keep));
}

/* Bug: firmware maps may repeat or overlap usable entries; pmm_init adds
 * each one, so the pages they share are handed out twice. */
static void overlapping_usable_entries_never_give_a_page_twice(void **state)
{
	static const struct mem_range map[] = {
		{ 0x100000, 0x10000, MEM_USABLE },
		{ 0x108000, 0x10000, MEM_USABLE },
		{ 0x100000, 0x10000, MEM_USABLE },
	};
	struct fx *f = *state;

	assert_int_equal(fx_init(f, map, ARRAY_SIZE(map), NULL, 0), 0);
	assert_int_equal(f->p.free_pages, 24);
	assert_int_equal(drain(f), 24);
}

/* Bug: a reserved entry whose base + len wraps past 2^64 is dropped by
 * subtract() (end <= base), so the usable pages it covers are handed out.
 * Either refusing the map or clamping the range to the top is correct. */
static void reserved_range_with_wrapping_length_is_not_ignored(void **state)
{
	static const struct mem_range map[] = {
		{ 0x100000, 0x100000, MEM_USABLE },
		{ 0x180000, UINT64_MAX - 0x1000, MEM_RESERVED },
	};
	struct fx *f = *state;
	hpa_t pa;

	if (fx_init(f, map, ARRAY_SIZE(map), NULL, 0) < 0)
		return;
	while ((pa = pmm_alloc(&f->p)))
		if (pa >= 0x180000)
			fail_msg("page %#llx is inside the reserved range",
				 (unsigned long long)pa);
}

static void is_outside_tells_free_memory_from_the_rest(void **state)
{
	static const struct mem_range map[] = {
		{ 0x100000, 0x100000, MEM_USABLE },
		{ 0x180000, 0x1000, MEM_RESERVED },
	};
	struct fx *f = *state;
	const struct pmm *p = &f->p;

	assert_int_equal(fx_init(f, map, ARRAY_SIZE(map), NULL, 0), 0);
	assert_true(pmm_is_outside(p, 0x80000, 0x1000));
	assert_true(pmm_is_outside(p, 0xff000, 0x1000));
	assert_false(pmm_is_outside(p, 0xff000, 0x2000));
	assert_true(pmm_is_outside(p, 0x180000, 0x1000));
	assert_false(pmm_is_outside(p, 0x180000, 0x2000));
	assert_false(pmm_is_outside(p, 0x1ff000, 0x1000));
	assert_true(pmm_is_outside(p, 0x200000, 0x1000));
	/* A page handed out can no longer be given. */
	assert_int_equal(pmm_alloc(&f->p), 0x100000);
	assert_true(pmm_is_outside(p, 0x100000, 0x1000));
}

/* Bug: pmm_is_outside looks only at the untouched ranges, not at the free
 * list, so it calls a freed page "outside" although the next pmm_alloc
 * returns it. */
static void freed_page_is_not_outside(void **state)
{
	struct fx *f = *state;
	hpa_t pa;

	init_usable(f, 0x100000, 0x10000, NULL, 0);
	pa = pmm_alloc(&f->p);
	pmm_free(&f->p, pa);
	assert_false(pmm_is_outside(&f->p, pa, PAGE_SIZE));
}

int main(void)
{
#define T(t) cmocka_unit_test_setup_teardown(t, fx_setup, fx_teardown)
	const struct CMUnitTest tests[] = {
		T(usable_ranges_are_shrunk_to_whole_pages),
		T(page_zero_is_never_returned),
		T(overlapping_reserved_range_wins_over_usable),
		T(keep_out_ranges_are_never_returned),
		T(exhaustion_returns_0),
		T(free_then_alloc_reuses_last_freed_first),
		T(freed_pages_come_back_after_exhaustion),
		T(freed_range_is_reused_by_the_next_contig),
		T(freed_range_falls_back_to_the_free_list),
		T(contig_2m_aligned_lands_inside_one_usable_range),
		T(alignment_gap_is_kept_as_a_free_range),
		T(contig_rejects_bad_arguments),
		T(contig_with_overflowing_size_returns_0),
		T(more_ranges_than_max_is_enospc),
		T(holes_leaving_fewer_than_max_ranges_fit),
		T(overlapping_usable_entries_never_give_a_page_twice),
		T(reserved_range_with_wrapping_length_is_not_ignored),
		T(is_outside_tells_free_memory_from_the_rest),
		T(freed_page_is_not_outside),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
