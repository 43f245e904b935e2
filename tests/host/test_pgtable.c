/* Host tests of the page-table builder over simulated physical memory.
 *
 * The simulation keeps two copies of every page: mem, what the CPU sees
 * (its cache), and dev, what a walker that does not snoop (ECAP.C=0) reads
 * from memory. Only the flush callback copies mem to dev, so a missing
 * flush shows up as mem != dev in a reachable table; new pages start with
 * garbage in dev, so a new table linked before being flushed shows too. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "mm/pgtable.h"
#include "lib/errno.h"

#define SIM_PAGES 1100
#define SIM_BASE  0xabc00000000ULL /* hpa of page 0: above every mapped pa */
#define DATA_PA	  0x40000000ULL	   /* 1G aligned target of the mappings */
#define VTD_R	  BIT_ULL(0)
#define VTD_W	  BIT_ULL(1)
#define VTD_PS	  BIT_ULL(7)
#define VTD_SNP	  BIT_ULL(11)
#define ADDR	  GENMASK_ULL(51, 12)

struct sim {
	u8 mem[SIM_PAGES][PAGE_SIZE];
	u8 dev[SIM_PAGES][PAGE_SIZE];
	bool used[SIM_PAGES];
	unsigned live, allocs, frees, flushes, order_errors;
	int fail_after; /* allocations left before failing; -1: never */
	bool forbid_flush;
};

struct fx {
	struct sim sim;
	struct pt pt;
	struct pt_gather g;
};

static unsigned sim_pfn(struct sim *s, hpa_t pa)
{
	assert_true(pa >= SIM_BASE && pa < SIM_BASE + SIM_PAGES * PAGE_SIZE);
	return (unsigned)((pa - SIM_BASE) / PAGE_SIZE);
}

static void *sim_alloc(void *ctx, hpa_t *pa)
{
	struct sim *s = ctx;

	if (s->fail_after == 0)
		return NULL;
	if (s->fail_after > 0)
		s->fail_after--;
	for (unsigned i = 0; i < SIM_PAGES; i++) {
		if (s->used[i])
			continue;
		s->used[i] = true;
		memset(s->mem[i], 0, PAGE_SIZE);
		memset(s->dev[i], 0xAA, PAGE_SIZE);
		s->live++, s->allocs++;
		*pa = SIM_BASE + i * PAGE_SIZE;
		return s->mem[i];
	}
	return NULL;
}

static void sim_free(void *ctx, void *va, hpa_t pa)
{
	struct sim *s = ctx;
	unsigned i = sim_pfn(s, pa);

	assert_ptr_equal(va, s->mem[i]);
	assert_true(s->used[i]);
	s->used[i] = false;
	memset(s->mem[i], 0x5A, PAGE_SIZE);
	s->live--, s->frees++;
}

static void *sim_p2v(void *ctx, hpa_t pa)
{
	struct sim *s = ctx;
	unsigned i = sim_pfn(s, pa);

	assert_true(s->used[i]);
	return s->mem[i];
}

/* Copies to dev; a flushed entry linking a table whose dev copy differs
 * from mem means the link went out before the table was complete. Data
 * pages lie below SIM_BASE, so an in-range address is a table link. */
static void sim_flush(void *ctx, const void *va, size_t len)
{
	struct sim *s = ctx;
	size_t off = (size_t)((const u8 *)va - &s->mem[0][0]);

	assert_false(s->forbid_flush);
	assert_true(off + len <= sizeof(s->mem) && len && !(len % 8));
	memcpy(&s->dev[0][0] + off, va, len);
	s->flushes++;
	for (size_t i = 0; i < len; i += 8) {
		u64 e = *(const u64 *)((const u8 *)va + i);
		hpa_t pa = e & ADDR;

		if (!(e & 7) || (e & VTD_PS) || pa < SIM_BASE ||
		    pa >= SIM_BASE + SIM_PAGES * PAGE_SIZE)
			continue;
		if (memcmp(s->mem[sim_pfn(s, pa)], s->dev[sim_pfn(s, pa)],
			   PAGE_SIZE))
			s->order_errors++;
	}
}

static const struct pt_ops sim_ops = {
	.alloc_page = sim_alloc,
	.free_page = sim_free,
	.phys_to_virt = sim_p2v,
	.flush = sim_flush,
};

static struct pt_config vtd_cfg(unsigned levels)
{
	return (struct pt_config){ .levels = levels,
				   .aw = 12 + 9 * levels,
				   .page_sizes = PAGE_SIZE | SZ_2M | SZ_1G };
}

static void fx_init(struct fx *f, const struct pt_format *fmt,
		    struct pt_config cfg)
{
	pt_gather_release(&f->pt, &f->g);
	pt_destroy(&f->pt);
	assert_int_equal(f->sim.live, 0);
	f->sim.fail_after = -1;
	assert_int_equal(pt_init(&f->pt, fmt, &cfg, &sim_ops, &f->sim), 0);
	pt_gather_init(&f->g);
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	fx_init(f, &pt_fmt_vtd_sl, vtd_cfg(3));
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	pt_gather_release(&f->pt, &f->g);
	pt_destroy(&f->pt);
	assert_int_equal(f->sim.live, 0); /* every table came back */
	free(f);
	return 0;
}

static void map_ok(struct fx *f, iova_t iova, hpa_t pa, u64 size, unsigned prot)
{
	assert_int_equal(pt_map(&f->pt, iova, pa, size, prot, &f->g), 0);
}

static void unmap_ok(struct fx *f, iova_t iova, u64 size)
{
	assert_int_equal(pt_unmap(&f->pt, iova, size, &f->g), 0);
}

/* Leaves in IOVA order. */
struct leaves {
	unsigned n;
	struct pt_walk w[600];
};

static int collect(void *arg, const struct pt_walk *w)
{
	struct leaves *l = arg;

	if (l->n < ARRAY_SIZE(l->w))
		l->w[l->n] = *w;
	l->n++;
	return 0;
}

static struct leaves *leaves_of(struct fx *f)
{
	static struct leaves l;

	l.n = 0;
	assert_int_equal(pt_for_each_leaf(&f->pt, collect, &l), 0);
	return &l;
}

/* Every table reachable from the root reads the same in memory as in the
 * CPU's view: all changes were flushed. Checks non-leaf entries too. */
static void check_tables(struct fx *f, const u64 *t, hpa_t pa, unsigned lvl)
{
	unsigned i = sim_pfn(&f->sim, pa);

	assert_memory_equal(f->sim.mem[i], f->sim.dev[i], PAGE_SIZE);
	for (unsigned k = 0; lvl > 1 && k < PT_ENTRIES; k++) {
		if (!(t[k] & (VTD_R | VTD_W)) || (t[k] & VTD_PS))
			continue;
		/* Non-leaf: R|W and the address, nothing else (9.8). */
		assert_int_equal(t[k] & ~ADDR, f->pt.fmt->table);
		check_tables(f, sim_p2v(&f->sim, t[k] & ADDR), t[k] & ADDR,
			     lvl - 1);
	}
}

static void check_visible(struct fx *f)
{
	check_tables(f, f->pt.root, f->pt.root_pa, f->pt.cfg.levels);
	assert_int_equal(f->sim.order_errors, 0);
}

static void expect_lookup(struct fx *f, iova_t iova, hpa_t pa, unsigned lvl,
			  unsigned prot)
{
	struct pt_walk w;

	assert_int_equal(pt_lookup(&f->pt, iova, &w), 0);
	assert_int_equal(w.pa, pa);
	assert_int_equal(w.level, lvl);
	assert_int_equal(w.prot, prot);
	assert_int_equal(w.size, 1ULL << (12 + 9 * (lvl - 1)));
	assert_int_equal(*w.ptep, w.pte);
}

static void map_4k_lookup_returns_pa_prot_and_level(void **state)
{
	struct fx *f = *state;

	map_ok(f, 0x5000, DATA_PA + 0x3000, PAGE_SIZE, PT_READ | PT_WRITE);
	expect_lookup(f, 0x5123, DATA_PA + 0x3123, 1, PT_READ | PT_WRITE);
	assert_int_equal(pt_lookup(&f->pt, 0x6000, &(struct pt_walk){ 0 }),
			 -ENOENT);
	assert_int_equal(f->pt.nr_tables, 3);
	check_visible(f);
}

static void map_uses_1g_leaf_when_alignment_allows(void **state)
{
	struct fx *f = *state;

	map_ok(f, SZ_1G, DATA_PA, SZ_1G, PT_READ);
	assert_int_equal(leaves_of(f)->n, 1);
	expect_lookup(f, SZ_1G + 0x12345678, DATA_PA + 0x12345678, 3, PT_READ);
	assert_int_equal(f->pt.nr_tables, 1);
}

static void map_uses_2m_leaves_when_1g_not_allowed(void **state)
{
	struct fx *f = *state;
	struct pt_config cfg = vtd_cfg(3);

	cfg.page_sizes = PAGE_SIZE | SZ_2M;
	fx_init(f, &pt_fmt_vtd_sl, cfg);
	map_ok(f, SZ_1G, DATA_PA, SZ_1G, PT_READ);
	assert_int_equal(leaves_of(f)->n, 512);
	expect_lookup(f, SZ_1G + SZ_2M * 7 + 5, DATA_PA + SZ_2M * 7 + 5, 2,
		      PT_READ);
}

static void map_unaligned_5m_mixes_4k_2m_4k(void **state)
{
	struct fx *f = *state;
	struct leaves *l;

	map_ok(f, 0x1ff000, DATA_PA + 0x1ff000, 5 * 0x100000, PT_READ);
	l = leaves_of(f);
	assert_int_equal(l->n, 1 + 2 + 255);
	assert_int_equal(l->w[0].addr, 0x1ff000);
	assert_int_equal(l->w[0].level, 1);
	assert_int_equal(l->w[1].addr, 0x200000);
	assert_int_equal(l->w[1].level, 2);
	assert_int_equal(l->w[2].addr, 0x400000);
	assert_int_equal(l->w[2].level, 2);
	assert_int_equal(l->w[3].addr, 0x600000);
	assert_int_equal(l->w[257].addr, 0x6fe000);
	assert_int_equal(l->w[257].level, 1);
	check_visible(f);
}

static void map_pa_misaligned_with_iova_uses_4k(void **state)
{
	struct fx *f = *state;

	map_ok(f, SZ_2M, DATA_PA + 0x1000, SZ_2M, PT_READ);
	assert_int_equal(leaves_of(f)->n, 512);
	expect_lookup(f, SZ_2M, DATA_PA + 0x1000, 1, PT_READ);
}

static void map_4k_only_config_never_uses_superpages(void **state)
{
	struct fx *f = *state;
	struct pt_config cfg = vtd_cfg(3);

	cfg.page_sizes = PAGE_SIZE;
	fx_init(f, &pt_fmt_vtd_sl, cfg);
	map_ok(f, SZ_2M, DATA_PA, SZ_2M, PT_READ);
	assert_int_equal(leaves_of(f)->n, 512);
}

static void superpage_leaves_carry_ps_and_4k_leaves_do_not(void **state)
{
	struct fx *f = *state;
	struct leaves *l;

	map_ok(f, 0, DATA_PA, SZ_1G + SZ_2M + PAGE_SIZE, PT_READ);
	l = leaves_of(f);
	assert_int_equal(l->n, 3);
	assert_true(l->w[0].pte & VTD_PS);
	assert_true(l->w[1].pte & VTD_PS);
	assert_false(l->w[2].pte & VTD_PS);
	assert_int_equal(l->w[0].pte, DATA_PA | VTD_PS | VTD_R);
}

static void snp_only_in_leaves_when_snoop(void **state)
{
	struct fx *f = *state;
	struct pt_config cfg = vtd_cfg(4);
	struct leaves *l;

	cfg.snoop = true;
	fx_init(f, &pt_fmt_vtd_sl, cfg);
	map_ok(f, 0x1ff000, DATA_PA + 0x1ff000, SZ_1G + SZ_2M, PT_WRITE);
	l = leaves_of(f);
	for (unsigned i = 0; i < l->n && i < ARRAY_SIZE(l->w); i++)
		assert_true(l->w[i].pte & VTD_SNP);
	check_visible(f); /* non-leaf entries are exactly R|W|address */
}

static void snp_never_set_without_snoop(void **state)
{
	struct fx *f = *state;
	struct leaves *l;

	map_ok(f, 0x1ff000, DATA_PA + 0x1ff000, SZ_1G + SZ_2M, PT_READ);
	l = leaves_of(f);
	for (unsigned i = 0; i < l->n && i < ARRAY_SIZE(l->w); i++)
		assert_false(l->w[i].pte & VTD_SNP);
	check_visible(f);
}

/* Everything a failed call might have touched: memory and the allocator. */
struct snap {
	struct sim sim;
	u64 nr_tables;
};

static struct snap *snap_take(struct fx *f)
{
	struct snap *s = malloc(sizeof(*s));

	assert_non_null(s);
	s->sim = f->sim;
	s->nr_tables = f->pt.nr_tables;
	return s;
}

static void snap_expect_same(struct fx *f, struct snap *s)
{
	assert_memory_equal(s->sim.used, f->sim.used, sizeof(f->sim.used));
	for (unsigned i = 0; i < SIM_PAGES; i++)
		if (f->sim.used[i])
			assert_memory_equal(s->sim.mem[i], f->sim.mem[i],
					    PAGE_SIZE);
	assert_int_equal(s->sim.live, f->sim.live);
	assert_int_equal(s->nr_tables, f->pt.nr_tables);
	free(s);
}

static void map_overlapping_returns_eexist_tables_unchanged(void **state)
{
	struct fx *f = *state;
	struct snap *s;

	map_ok(f, 0x10000, DATA_PA, 4 * PAGE_SIZE, PT_READ);
	pt_gather_init(&f->g);
	s = snap_take(f);
	/* Needs new tables for the part beyond 1G, then meets the mapping. */
	assert_int_equal(
	    pt_map(&f->pt, 0x13000, DATA_PA, SZ_1G, PT_READ, &f->g), -EEXIST);
	snap_expect_same(f, s);
	assert_false(f->g.valid);
}

static void map_inside_superpage_returns_eexist(void **state)
{
	struct fx *f = *state;
	struct snap *s;

	map_ok(f, SZ_2M, DATA_PA, SZ_2M, PT_READ);
	s = snap_take(f);
	assert_int_equal(
	    pt_map(&f->pt, SZ_2M + 0x5000, DATA_PA, PAGE_SIZE, PT_READ, &f->g),
	    -EEXIST);
	snap_expect_same(f, s);
}

static void unmap_with_unmapped_part_returns_enoent_unchanged(void **state)
{
	struct fx *f = *state;
	struct snap *s;

	map_ok(f, 0, DATA_PA, SZ_2M, PT_READ);
	map_ok(f, SZ_2M + PAGE_SIZE, DATA_PA, PAGE_SIZE, PT_READ);
	pt_gather_init(&f->g);
	s = snap_take(f);
	/* Would split the 2M leaf before reaching the hole at 2M. */
	assert_int_equal(pt_unmap(&f->pt, 0x1000, SZ_2M + PAGE_SIZE, &f->g),
			 -ENOENT);
	assert_int_equal(pt_unmap(&f->pt, SZ_1G, PAGE_SIZE, &f->g), -ENOENT);
	snap_expect_same(f, s);
	assert_false(f->g.valid);
}

static void misaligned_arguments_return_einval(void **state)
{
	struct fx *f = *state;
	struct pt_walk w;

	assert_int_equal(pt_map(&f->pt, 0x1001, DATA_PA, 0x1000, 1, &f->g),
			 -EINVAL);
	assert_int_equal(pt_map(&f->pt, 0x1000, DATA_PA + 8, 0x1000, 1, &f->g),
			 -EINVAL);
	assert_int_equal(pt_map(&f->pt, 0x1000, DATA_PA, 0x800, 1, &f->g),
			 -EINVAL);
	assert_int_equal(pt_map(&f->pt, 0x1000, DATA_PA, 0, 1, &f->g), -EINVAL);
	assert_int_equal(pt_unmap(&f->pt, 0x1800, 0x1000, &f->g), -EINVAL);
	assert_int_equal(pt_lookup(&f->pt, 0x1000, &w), -ENOENT);
	assert_int_equal(f->pt.nr_tables, 1);
}

static void beyond_address_width_returns_erange(void **state)
{
	struct fx *f = *state;
	u64 top = 1ULL << 39;
	struct pt_walk w;

	assert_int_equal(pt_map(&f->pt, top, DATA_PA, 0x1000, 1, &f->g),
			 -ERANGE);
	assert_int_equal(
	    pt_map(&f->pt, top - 0x1000, DATA_PA, 0x2000, 1, &f->g), -ERANGE);
	assert_int_equal(pt_map(&f->pt, 0, 1ULL << 52, 0x1000, 1, &f->g),
			 -ERANGE);
	assert_int_equal(pt_unmap(&f->pt, top, 0x1000, &f->g), -ERANGE);
	assert_int_equal(pt_lookup(&f->pt, top, &w), -ERANGE);
	map_ok(f, top - 0x1000, DATA_PA, 0x1000, PT_READ);
	expect_lookup(f, top - 1, DATA_PA + 0xfff, 1, PT_READ);
}

static void prot_checks_per_format(void **state)
{
	struct fx *f = *state;

	assert_int_equal(pt_map(&f->pt, 0, DATA_PA, 0x1000, 0, &f->g), -EINVAL);
	assert_int_equal(pt_map(&f->pt, 0, DATA_PA, 0x1000, 8, &f->g), -EINVAL);
	assert_int_equal(
	    pt_map(&f->pt, 0, DATA_PA, 0x1000, PT_READ | PT_EXEC, &f->g),
	    -EOPNOTSUPP);
	map_ok(f, 0, DATA_PA, 0x1000, PT_WRITE); /* write-only is legal */
	expect_lookup(f, 0, DATA_PA, 1, PT_WRITE);
}

static void partial_unmap_splits_2m_keeping_the_rest(void **state)
{
	struct fx *f = *state;
	struct pt_config cfg = vtd_cfg(3);
	struct pt_walk w;

	cfg.snoop = true;
	fx_init(f, &pt_fmt_vtd_sl, cfg);
	map_ok(f, SZ_2M, DATA_PA, SZ_2M, PT_READ);
	pt_gather_init(&f->g);
	unmap_ok(f, SZ_2M + 0x5000, 0x2000);
	assert_int_equal(pt_lookup(&f->pt, SZ_2M + 0x6000, &w), -ENOENT);
	assert_int_equal(leaves_of(f)->n, 510);
	expect_lookup(f, SZ_2M + 0x4000, DATA_PA + 0x4000, 1, PT_READ);
	expect_lookup(f, SZ_2M + 0x7000, DATA_PA + 0x7000, 1, PT_READ);
	assert_int_equal(pt_lookup(&f->pt, 2 * SZ_2M - 1, &w), 0);
	assert_int_equal(w.pte, (DATA_PA + SZ_2M - 0x1000) | VTD_R | VTD_SNP);
	assert_int_equal(f->g.start, SZ_2M + 0x5000);
	assert_int_equal(f->g.end, SZ_2M + 0x6fff);
	check_visible(f);
}

static void partial_unmap_of_1g_splits_two_levels(void **state)
{
	struct fx *f = *state;
	struct leaves *l;

	map_ok(f, SZ_1G, DATA_PA, SZ_1G, PT_READ | PT_WRITE);
	unmap_ok(f, SZ_1G + 3 * SZ_2M + 0x3000, PAGE_SIZE);
	l = leaves_of(f);
	assert_int_equal(l->n, 511 + 511);
	assert_int_equal(f->pt.nr_tables, 3);
	expect_lookup(f, SZ_1G + 3 * SZ_2M + 0x4000,
		      DATA_PA + 3 * SZ_2M + 0x4000, 1, PT_READ | PT_WRITE);
	expect_lookup(f, SZ_1G + 4 * SZ_2M, DATA_PA + 4 * SZ_2M, 2,
		      PT_READ | PT_WRITE);
	check_visible(f);
}

static void unmap_frees_tables_that_become_empty(void **state)
{
	struct fx *f = *state;

	map_ok(f, 0x7000, DATA_PA, PAGE_SIZE, PT_READ);
	map_ok(f, 0x7f0000000, DATA_PA, 3 * PAGE_SIZE, PT_READ);
	assert_int_equal(f->pt.nr_tables, 5);
	unmap_ok(f, 0x7000, PAGE_SIZE);
	assert_int_equal(f->pt.nr_tables, 3);
	unmap_ok(f, 0x7f0001000, PAGE_SIZE);
	assert_int_equal(f->pt.nr_tables, 3);
	unmap_ok(f, 0x7f0000000, PAGE_SIZE);
	unmap_ok(f, 0x7f0002000, PAGE_SIZE);
	assert_int_equal(f->pt.nr_tables, 1);
	assert_true(f->g.freed_tables);
	pt_gather_release(&f->pt, &f->g);
	assert_int_equal(f->sim.live, 1);
	check_visible(f);
}

static void tables_emptied_after_split_are_freed(void **state)
{
	struct fx *f = *state;

	map_ok(f, SZ_1G, DATA_PA, SZ_1G, PT_READ);
	unmap_ok(f, SZ_1G + 0x1000, PAGE_SIZE);
	assert_int_equal(f->pt.nr_tables, 3);
	unmap_ok(f, SZ_1G, PAGE_SIZE);
	unmap_ok(f, SZ_1G + 0x2000, SZ_2M - 0x2000);
	assert_int_equal(f->pt.nr_tables, 2); /* the 2M split table is gone */
	unmap_ok(f, SZ_1G + SZ_2M, SZ_1G - SZ_2M);
	assert_int_equal(f->pt.nr_tables, 1);
	pt_gather_release(&f->pt, &f->g);
	assert_int_equal(f->sim.live, 1);
}

static void unlinked_tables_freed_only_on_gather_release(void **state)
{
	struct fx *f = *state;
	unsigned frees;

	map_ok(f, 0, DATA_PA, 16 * PAGE_SIZE, PT_READ);
	frees = f->sim.frees;
	unmap_ok(f, 0, 16 * PAGE_SIZE);
	assert_int_equal(f->sim.frees, frees);
	assert_int_equal(f->g.nr_freelist, 2);
	pt_gather_release(&f->pt, &f->g);
	assert_int_equal(f->sim.frees, frees + 2);
	assert_false(f->g.valid);
}

static void noncoherent_every_changed_entry_is_flushed(void **state)
{
	struct fx *f = *state;

	map_ok(f, 0x1ff000, DATA_PA + 0x1ff000, SZ_1G + 5 * SZ_2M, PT_READ);
	check_visible(f);
	unmap_ok(f, SZ_1G + 0x3000, SZ_2M);
	check_visible(f);
	unmap_ok(f, 0x1ff000, 0x3000);
	check_visible(f);
	assert_true(pt_set_snoop_all(&f->pt, &f->g) > 0);
	check_visible(f);
	map_ok(f, 0x1ff000, DATA_PA, PAGE_SIZE, PT_READ);
	check_visible(f);
	unmap_ok(f, 0x202000, SZ_1G - 0x202000);
	check_visible(f);
	assert_true(f->sim.flushes > 0);
}

static void noncoherent_new_table_flushed_before_link(void **state)
{
	struct fx *f = *state;
	struct pt_config cfg = vtd_cfg(5);

	fx_init(f, &pt_fmt_vtd_sl, cfg);
	map_ok(f, 0x123456789000, DATA_PA, 3 * SZ_2M, PT_READ);
	map_ok(f, SZ_2M, DATA_PA, SZ_2M, PT_READ);
	unmap_ok(f, SZ_2M + 0x1000, PAGE_SIZE); /* split: a new table */
	assert_int_equal(f->sim.order_errors, 0);
	check_visible(f);
}

static void coherent_walker_is_never_flushed(void **state)
{
	struct fx *f = *state;
	struct pt_config cfg = vtd_cfg(4);

	cfg.coherent = true;
	fx_init(f, &pt_fmt_vtd_sl, cfg);
	f->sim.forbid_flush = true;
	f->sim.flushes = 0;
	map_ok(f, 0x1ff000, DATA_PA + 0x1ff000, SZ_1G, PT_READ);
	unmap_ok(f, SZ_2M + 0x1000, PAGE_SIZE);
	assert_true(pt_set_snoop_all(&f->pt, &f->g) > 0);
	unmap_ok(f, SZ_2M + 0x2000, SZ_1G - SZ_2M - 0x2000);
	assert_int_equal(f->sim.flushes, 0);
}

static void map_gathers_one_range_nonpresent_to_present(void **state)
{
	struct fx *f = *state;

	map_ok(f, 0x3000, DATA_PA, 0x2000, PT_READ);
	assert_true(f->g.valid);
	assert_true(f->g.nonpresent_to_present);
	assert_false(f->g.freed_tables);
	assert_int_equal(f->g.start, 0x3000);
	assert_int_equal(f->g.end, 0x4fff);
}

static void unmap_gathers_one_range_and_freed_tables(void **state)
{
	struct fx *f = *state;

	map_ok(f, 0x3000, DATA_PA, 0x2000, PT_READ);
	pt_gather_release(&f->pt, &f->g);
	unmap_ok(f, 0x3000, 0x2000);
	assert_true(f->g.valid);
	assert_false(f->g.nonpresent_to_present);
	assert_true(f->g.freed_tables);
	assert_int_equal(f->g.start, 0x3000);
	assert_int_equal(f->g.end, 0x4fff);
}

static void gather_spans_successive_calls(void **state)
{
	struct fx *f = *state;

	map_ok(f, 0x9000, DATA_PA, 0x1000, PT_READ);
	map_ok(f, 0x2000, DATA_PA, 0x1000, PT_READ);
	assert_int_equal(f->g.start, 0x2000);
	assert_int_equal(f->g.end, 0x9fff);
}

static void psi(iova_t start, iova_t end, unsigned mamv, bool ok, iova_t addr,
		unsigned am)
{
	struct pt_gather g = { .start = start, .end = end, .valid = true };
	iova_t a = 0;
	unsigned m = 0;

	assert_int_equal(pt_gather_psi(&g, mamv, &a, &m), ok);
	if (ok) {
		assert_int_equal(a, addr);
		assert_int_equal(m, am);
	}
}

static void psi_picks_smallest_aligned_block(void **state)
{
	psi(0x3000, 0x4fff, 18, true, 0x0, 3); /* pages 3, 4: block 0-7 */
	psi(0x3000, 0x3fff, 18, true, 0x3000, 0);
	psi(0x2000, 0x3fff, 18, true, 0x2000, 1);
	psi(SZ_2M, 2 * SZ_2M - 1, 18, true, SZ_2M, 9);
	psi(SZ_1G - 0x1000, SZ_1G, 19, true, 0, 19); /* 0x3ffff ^ 0x40000 */
	psi(SZ_1G - 0x1000, SZ_1G, 18, false, 0, 0); /* past MAMV: DSI */
	assert_false(pt_gather_psi(&(struct pt_gather){ 0 }, 18, &(iova_t){ 0 },
				   &(unsigned){ 0 }));
}

/* xorshift64: a fixed seed keeps failures reproducible. */
static u64 rnd(u64 *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

#define WIN_PAGES 4096 /* 16 MiB window: eight 2M blocks */

static void check_against_reference(struct fx *f, const hpa_t *ref)
{
	struct pt_walk w;

	for (u64 i = 0; i < WIN_PAGES; i++) {
		int ret = pt_lookup(&f->pt, i * PAGE_SIZE, &w);

		assert_int_equal(ret, ref[i] ? 0 : -ENOENT);
		if (ref[i])
			assert_int_equal(w.pa, ref[i]);
	}
}

static void lookup_agrees_with_reference_over_random_maps(void **state)
{
	struct fx *f = *state;
	static hpa_t ref[WIN_PAGES];
	u64 seed = 0x9e3779b97f4a7c15ULL;

	memset(ref, 0, sizeof(ref));
	for (unsigned op = 0; op < 3000; op++) {
		u64 first = rnd(&seed) % WIN_PAGES, n = 1 + rnd(&seed) % 1024;
		hpa_t pa = DATA_PA + ((rnd(&seed) & 1) ? 0 : 0x5000);
		bool any = false, all = true;
		int ret;

		if (rnd(&seed) & 1) /* favour 2M-aligned starts */
			first &= ~511ULL;
		n = MIN(n, WIN_PAGES - first);
		for (u64 i = first; i < first + n; i++)
			any |= ref[i] != 0, all &= ref[i] != 0;
		if (rnd(&seed) % 3) {
			ret = pt_map(&f->pt, first * PAGE_SIZE, pa,
				     n * PAGE_SIZE, PT_READ, &f->g);
			assert_int_equal(ret, any ? -EEXIST : 0);
			for (u64 i = 0; !any && i < n; i++)
				ref[first + i] = pa + i * PAGE_SIZE;
		} else {
			ret = pt_unmap(&f->pt, first * PAGE_SIZE, n * PAGE_SIZE,
				       &f->g);
			assert_int_equal(ret, all ? 0 : -ENOENT);
			for (u64 i = 0; all && i < n; i++)
				ref[first + i] = 0;
		}
		pt_gather_release(&f->pt, &f->g);
		if (op % 100 == 0) {
			check_against_reference(f, ref);
			check_visible(f);
		}
	}
	check_against_reference(f, ref);
}

static void levels_3_4_5_map_lookup_and_bound(void **state)
{
	struct fx *f = *state;

	for (unsigned levels = 3; levels <= 5; levels++) {
		u64 top = 1ULL << (12 + 9 * levels);
		struct pt_walk w;

		fx_init(f, &pt_fmt_vtd_sl, vtd_cfg(levels));
		map_ok(f, top - SZ_2M, DATA_PA, SZ_2M, PT_READ);
		map_ok(f, 0, DATA_PA, PAGE_SIZE, PT_WRITE);
		expect_lookup(f, top - 1, DATA_PA + SZ_2M - 1, 2, PT_READ);
		expect_lookup(f, 0, DATA_PA, 1, PT_WRITE);
		assert_int_equal(f->pt.nr_tables, 1 + 2 * (levels - 2) + 1);
		assert_int_equal(pt_lookup(&f->pt, top, &w), -ERANGE);
		assert_int_equal(pt_map(&f->pt, top, DATA_PA, 0x1000, 1, &f->g),
				 -ERANGE);
		check_visible(f);
	}
}

static void address_width_below_levels_limits_iova(void **state)
{
	struct fx *f = *state;
	struct pt_config cfg = vtd_cfg(4);

	cfg.aw = 39;
	fx_init(f, &pt_fmt_vtd_sl, cfg);
	assert_int_equal(
	    pt_map(&f->pt, 1ULL << 39, DATA_PA, 0x1000, PT_READ, &f->g),
	    -ERANGE);
	map_ok(f, (1ULL << 39) - 0x1000, DATA_PA, 0x1000, PT_READ);
}

static void set_snoop_all_upgrades_every_leaf(void **state)
{
	struct fx *f = *state;
	struct leaves *l;
	unsigned n;

	map_ok(f, 0x1ff000, DATA_PA + 0x1ff000, 5 * 0x100000, PT_READ);
	map_ok(f, SZ_1G, DATA_PA, SZ_1G, PT_READ);
	n = leaves_of(f)->n;
	pt_gather_release(&f->pt, &f->g);
	assert_int_equal(pt_set_snoop_all(&f->pt, &f->g), n);
	l = leaves_of(f);
	for (unsigned i = 0; i < l->n; i++)
		assert_true(l->w[i].pte & VTD_SNP);
	assert_int_equal(f->g.start, 0x1ff000);
	assert_int_equal(f->g.end, 2 * SZ_1G - 1);
	assert_false(f->g.nonpresent_to_present);
	check_visible(f);
	map_ok(f, 0, DATA_PA, PAGE_SIZE, PT_READ); /* later maps carry SNP */
	assert_true(leaves_of(f)->w[0].pte & VTD_SNP);
	assert_int_equal(pt_set_snoop_all(&f->pt, &f->g), 0);
}

static struct pt_config ept_cfg(void)
{
	struct pt_config cfg = vtd_cfg(4);

	cfg.memtype = 6; /* WB */
	cfg.ipat = true;
	return cfg;
}

static void ept_leaf_memtype_ipat_and_nonleaf_rwx(void **state)
{
	struct fx *f = *state;
	struct pt_walk w;

	fx_init(f, &pt_fmt_ept, ept_cfg());
	map_ok(f, 0x5000, DATA_PA, PAGE_SIZE, PT_READ | PT_EXEC);
	map_ok(f, SZ_1G, DATA_PA, SZ_1G, PT_READ | PT_WRITE | PT_EXEC);
	assert_int_equal(pt_lookup(&f->pt, 0x5000, &w), 0);
	assert_int_equal(w.pte, DATA_PA | 6 << 3 | BIT(6) | 0x5);
	assert_int_equal(w.prot, PT_READ | PT_EXEC);
	assert_int_equal(pt_lookup(&f->pt, SZ_1G, &w), 0);
	assert_int_equal(w.pte, DATA_PA | 6 << 3 | BIT(6) | BIT(7) | 0x7);
	check_visible(f); /* non-leaf entries: RWX and the address only */
	assert_int_equal(pt_set_snoop_all(&f->pt, &f->g), -EOPNOTSUPP);
}

static void ept_split_keeps_memtype(void **state)
{
	struct fx *f = *state;
	struct pt_walk w;

	fx_init(f, &pt_fmt_ept, ept_cfg());
	map_ok(f, SZ_2M, DATA_PA, SZ_2M, PT_READ | PT_WRITE);
	unmap_ok(f, SZ_2M, PAGE_SIZE);
	assert_int_equal(pt_lookup(&f->pt, SZ_2M + 0x1000, &w), 0);
	assert_int_equal(w.pte, (DATA_PA + 0x1000) | 6 << 3 | BIT(6) | 0x3);
	assert_int_equal(pt_lookup(&f->pt, SZ_2M, &w), -ENOENT);
	assert_int_equal(leaves_of(f)->n, 511);
}

static void ept_write_or_exec_without_read_is_einval(void **state)
{
	struct fx *f = *state;

	fx_init(f, &pt_fmt_ept, ept_cfg());
	assert_int_equal(pt_map(&f->pt, 0, DATA_PA, 0x1000, PT_WRITE, &f->g),
			 -EINVAL);
	assert_int_equal(pt_map(&f->pt, 0, DATA_PA, 0x1000, PT_EXEC, &f->g),
			 -EINVAL);
}

static struct pt_config npt_cfg(void)
{
	return vtd_cfg(4);
}

static void npt_leaf_is_p_us_rw_and_nonleaf_p_rw_us(void **state)
{
	struct fx *f = *state;
	struct pt_walk w;

	fx_init(f, &pt_fmt_npt, npt_cfg());
	map_ok(f, 0x5000, DATA_PA, PAGE_SIZE, PT_READ | PT_WRITE);
	map_ok(f, 0x6000, DATA_PA + 0x1000, PAGE_SIZE, PT_READ);
	map_ok(f, SZ_2M, DATA_PA, SZ_2M, PT_READ | PT_WRITE);
	assert_int_equal(pt_lookup(&f->pt, 0x5000, &w), 0);
	assert_int_equal(w.pte, DATA_PA | 0x7); /* P|RW|US, NX clear */
	assert_int_equal(w.prot, PT_READ | PT_WRITE);
	assert_int_equal(pt_lookup(&f->pt, 0x6000, &w), 0);
	assert_int_equal(w.pte, (DATA_PA + 0x1000) | 0x5); /* P|US */
	assert_int_equal(w.prot, PT_READ);
	assert_int_equal(pt_lookup(&f->pt, SZ_2M + 0x1234, &w), 0);
	assert_int_equal(w.pte, DATA_PA | BIT(7) | 0x7);
	assert_int_equal(w.level, 2);
	check_visible(f); /* non-leaf entries: P|RW|US and the address only */
}

static void npt_exec_unexpressible_and_write_needs_read(void **state)
{
	struct fx *f = *state;

	fx_init(f, &pt_fmt_npt, npt_cfg());
	assert_int_equal(
	    pt_map(&f->pt, 0, DATA_PA, 0x1000, PT_READ | PT_EXEC, &f->g),
	    -EOPNOTSUPP);
	assert_int_equal(pt_map(&f->pt, 0, DATA_PA, 0x1000, PT_WRITE, &f->g),
			 -EINVAL);
	assert_int_equal(pt_set_snoop_all(&f->pt, &f->g), -EOPNOTSUPP);
	assert_int_equal(f->pt.nr_tables, 1);
}

static void npt_unmap_splits_2m_and_never_sets_nx(void **state)
{
	struct fx *f = *state;
	struct leaves *l;

	fx_init(f, &pt_fmt_npt, npt_cfg());
	map_ok(f, SZ_1G, DATA_PA, SZ_1G, PT_READ | PT_WRITE);
	unmap_ok(f, SZ_1G + SZ_2M, PAGE_SIZE);
	l = leaves_of(f);
	assert_int_equal(l->n, 511 + 511);
	for (unsigned i = 0; i < l->n && i < ARRAY_SIZE(l->w); i++) {
		assert_false(l->w[i].pte & BIT_ULL(63));
		assert_int_equal(l->w[i].pte & 0x7, 0x7);
	}
	check_visible(f);
}

/* VT-d first stage (9.7): the IA-32e layout, user at every level, 4 or 5
 * levels (FLPM), no snoop bit in the entries (PGSNP is the PASID
 * entry's), no execute without NXE. */
static void vtd_fl_entries_are_ia32e_user_in_4_or_5_levels(void **state)
{
	struct fx *f = *state;
	struct pt_walk w;

	fx_init(f, &pt_fmt_vtd_fl, vtd_cfg(5));
	map_ok(f, 0x5000, DATA_PA, PAGE_SIZE, PT_READ | PT_WRITE);
	map_ok(f, 0x6000, DATA_PA + 0x1000, PAGE_SIZE, PT_READ);
	assert_int_equal(pt_lookup(&f->pt, 0x5000, &w), 0);
	assert_int_equal(w.pte, DATA_PA | 0x7);
	assert_int_equal(pt_lookup(&f->pt, 0x6000, &w), 0);
	assert_int_equal(w.pte, (DATA_PA + 0x1000) | 0x5);
	assert_int_equal(f->pt.nr_tables, 5);
	assert_int_equal(
	    pt_map(&f->pt, 0, DATA_PA, 0x1000, PT_READ | PT_EXEC, &f->g),
	    -EOPNOTSUPP);
	assert_int_equal(pt_set_snoop_all(&f->pt, &f->g), -EOPNOTSUPP);
	check_visible(f);
}

static void enomem_during_map_leaves_tables_unchanged(void **state)
{
	struct fx *f = *state;
	struct snap *s;

	map_ok(f, 0, DATA_PA, PAGE_SIZE, PT_READ);
	pt_gather_init(&f->g);
	s = snap_take(f);
	f->sim.fail_after = 1; /* needs a level-2 and a level-1 table */
	assert_int_equal(
	    pt_map(&f->pt, SZ_1G + 0x1000, DATA_PA, 0x1000, PT_READ, &f->g),
	    -ENOMEM);
	snap_expect_same(f, s);
	assert_false(f->g.valid);
}

static void enomem_during_split_leaves_tables_unchanged(void **state)
{
	struct fx *f = *state;
	struct snap *s;

	map_ok(f, SZ_1G, DATA_PA, SZ_1G, PT_READ);
	s = snap_take(f);
	f->sim.fail_after = 2; /* 1G and 2M splits at both ends: needs 3 */
	assert_int_equal(pt_unmap(&f->pt, SZ_1G + 0x1000, SZ_2M, &f->g),
			 -ENOMEM);
	snap_expect_same(f, s);
	f->sim.fail_after = -1;
	unmap_ok(f, SZ_1G + 0x1000, SZ_2M);
	assert_int_equal(f->pt.nr_tables, 1 + 3);
}

/* The count pass is exact: every page map allocates ends up linked. */
static void map_ok_exact(struct fx *f, iova_t iova, hpa_t pa, u64 size)
{
	unsigned allocs = f->sim.allocs, frees = f->sim.frees;
	u64 tables = f->pt.nr_tables;

	map_ok(f, iova, pa, size, PT_READ);
	assert_int_equal(f->sim.allocs - allocs, f->pt.nr_tables - tables);
	assert_int_equal(f->sim.frees, frees);
	check_visible(f);
}

static void map_allocates_exactly_the_tables_it_links(void **state)
{
	struct fx *f = *state;
	struct pt_config cfg = vtd_cfg(5);

	fx_init(f, &pt_fmt_vtd_sl, vtd_cfg(4));
	map_ok_exact(f, 0x1ff000, DATA_PA + 0x1ff000, 2 * SZ_1G + 5 * SZ_1M);
	map_ok_exact(f, 3 * SZ_1G + 0x3000, DATA_PA + 0x1000, SZ_1G + 0x2000);
	map_ok_exact(f, 5 * SZ_1G, DATA_PA + SZ_2M, SZ_1G + 3 * SZ_2M);
	map_ok_exact(f, 0x1000, DATA_PA, 0x4000);
	map_ok_exact(f, 0x5000, DATA_PA, 0x1ff000 - 0x5000); /* fills in */
	cfg.page_sizes = PAGE_SIZE | SZ_2M;
	fx_init(f, &pt_fmt_vtd_sl, cfg);
	map_ok_exact(f, 0x123456789000, DATA_PA + 0x1000, 3 * SZ_2M);
	map_ok_exact(f, (1ULL << 56) - SZ_1G - 0x1000, DATA_PA, SZ_1G);
}

/* Leaves of one run need not share permissions (VT-d allows W without
 * R): a quick check over the run must not take that for a hole. */
static void unmap_run_of_mixed_permissions(void **state)
{
	struct fx *f = *state;
	struct snap *s;

	map_ok(f, 0, DATA_PA, PAGE_SIZE, PT_READ);
	map_ok(f, 0x1000, DATA_PA, PAGE_SIZE, PT_WRITE);
	map_ok(f, 0x2000, DATA_PA, 2 * PAGE_SIZE, PT_READ | PT_WRITE);
	map_ok(f, SZ_1G, DATA_PA, SZ_2M, PT_WRITE);
	map_ok(f, SZ_1G + SZ_2M, DATA_PA, SZ_2M, PT_READ);
	map_ok(f, SZ_1G + 3 * SZ_2M, DATA_PA, SZ_2M, PT_READ);
	s = snap_take(f);
	assert_int_equal(pt_unmap(&f->pt, 0, 5 * PAGE_SIZE, &f->g), -ENOENT);
	assert_int_equal(pt_unmap(&f->pt, SZ_1G, 4 * SZ_2M, &f->g), -ENOENT);
	snap_expect_same(f, s);
	unmap_ok(f, 0, 4 * PAGE_SIZE);
	unmap_ok(f, SZ_1G, 2 * SZ_2M);
	assert_int_equal(leaves_of(f)->n, 1);
	check_visible(f);
}

/* A table dropped whole takes every table below it, whether its entries
 * are all leaves, all tables or both, in any order within one call. */
static void unmap_whole_tables_frees_every_subtree(void **state)
{
	struct fx *f = *state;

	fx_init(f, &pt_fmt_vtd_sl, vtd_cfg(4));
	map_ok(f, 0, DATA_PA, SZ_2M, PT_READ);		    /* 2M leaf */
	map_ok(f, SZ_2M, DATA_PA + 0x1000, SZ_2M, PT_READ); /* 4K table */
	map_ok(f, 2 * SZ_2M, DATA_PA, SZ_1G - 2 * SZ_2M, PT_READ);
	map_ok(f, SZ_1G, DATA_PA, SZ_1G, PT_READ); /* 1G leaf */
	map_ok(f, 2 * SZ_1G, DATA_PA, SZ_1G, PT_WRITE);
	unmap_ok(f, 2 * SZ_1G + SZ_2M, PAGE_SIZE); /* split the 1G leaf */
	map_ok(f, 2 * SZ_1G + SZ_2M, DATA_PA, PAGE_SIZE, PT_WRITE);
	map_ok(f, 3 * SZ_1G, DATA_PA, 509 * SZ_1G, PT_READ);
	assert_int_equal(f->pt.nr_tables, 1 + 1 + 2 + 2);
	unmap_ok(f, 0, 512 * SZ_1G); /* the level-3 table, whole */
	assert_int_equal(f->pt.nr_tables, 1);
	assert_int_equal(f->g.nr_freelist, 5);
	pt_gather_release(&f->pt, &f->g);
	assert_int_equal(f->sim.live, 1);
	map_ok(f, 0, DATA_PA, 2 * SZ_1G, PT_READ); /* leaves only */
	map_ok(f, 2 * SZ_1G, DATA_PA + 0x1000, SZ_2M, PT_READ);
	map_ok(f, 2 * SZ_1G + SZ_2M, DATA_PA, SZ_1G - SZ_2M, PT_READ);
	unmap_ok(f, 0, 3 * SZ_1G);
	pt_gather_release(&f->pt, &f->g);
	assert_int_equal(f->sim.live, 1);
	check_visible(f);
}

/* Where a leaf would go, a table holding other mappings is a conflict. */
static void map_over_a_table_returns_eexist(void **state)
{
	struct fx *f = *state;
	struct snap *s;

	map_ok(f, 3 * SZ_2M + 0x5000, DATA_PA, PAGE_SIZE, PT_READ);
	s = snap_take(f);
	assert_int_equal(pt_map(&f->pt, 0, DATA_PA, 8 * SZ_2M, PT_READ, &f->g),
			 -EEXIST);
	assert_int_equal(pt_map(&f->pt, 0, DATA_PA, SZ_1G, PT_READ, &f->g),
			 -EEXIST);
	snap_expect_same(f, s);
}

static void init_rejects_invalid_configs(void **state)
{
	struct fx *f = *state;
	struct pt_ops no_flush = sim_ops;
	struct pt_config c;
	struct pt pt;

#define REJECT(fmt, field, value, ops) \
	c = vtd_cfg(4);                \
	c.field = value;               \
	assert_int_equal(pt_init(&pt, fmt, &c, ops, &f->sim), -EINVAL)
	no_flush.flush = NULL;
	REJECT(&pt_fmt_vtd_sl, levels, 2, &sim_ops);
	REJECT(&pt_fmt_vtd_sl, levels, 6, &sim_ops);
	REJECT(&pt_fmt_ept, levels, 3, &sim_ops);
	REJECT(&pt_fmt_vtd_sl, aw, 49, &sim_ops);
	REJECT(&pt_fmt_vtd_sl, aw, 12, &sim_ops);
	REJECT(&pt_fmt_vtd_sl, page_sizes, SZ_2M, &sim_ops);
	REJECT(&pt_fmt_vtd_sl, page_sizes, PAGE_SIZE | SZ_1G, &sim_ops);
	REJECT(&pt_fmt_vtd_sl, page_sizes, PAGE_SIZE | 0x8000, &sim_ops);
	REJECT(&pt_fmt_ept, snoop, true, &sim_ops);
	REJECT(&pt_fmt_vtd_sl, memtype, 6, &sim_ops);
	REJECT(&pt_fmt_ept, memtype, 8, &sim_ops);
	REJECT(&pt_fmt_npt, levels, 5, &sim_ops);
	REJECT(&pt_fmt_npt, memtype, 6, &sim_ops);
	REJECT(&pt_fmt_npt, ipat, true, &sim_ops);
	REJECT(&pt_fmt_vtd_sl, coherent, false, &no_flush);
#undef REJECT
	f->sim.fail_after = 0;
	c = vtd_cfg(3);
	assert_int_equal(pt_init(&pt, &pt_fmt_vtd_sl, &c, &sim_ops, &f->sim),
			 -ENOMEM);
	f->sim.fail_after = -1;
	assert_int_equal(f->sim.live, 1);
}

static void destroy_frees_every_table(void **state)
{
	struct fx *f = *state;

	map_ok(f, 0x1ff000, DATA_PA + 0x1ff000, 3 * SZ_1G, PT_READ);
	map_ok(f, 0x7f0000000, DATA_PA, 64 * PAGE_SIZE, PT_READ);
	pt_destroy(&f->pt);
	assert_int_equal(f->pt.nr_tables, 0);
	assert_int_equal(f->sim.live, 0);
	fx_init(f, &pt_fmt_vtd_sl, vtd_cfg(3));
}

static void vtd_page_sizes_from_sllps(void **state)
{
	assert_int_equal(pt_vtd_page_sizes(0), PAGE_SIZE);
	assert_int_equal(pt_vtd_page_sizes(1), PAGE_SIZE | SZ_2M);
	assert_int_equal(pt_vtd_page_sizes(3), PAGE_SIZE | SZ_2M | SZ_1G);
	assert_int_equal(pt_vtd_page_sizes(2), PAGE_SIZE);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(map_4k_lookup_returns_pa_prot_and_level),
		T(map_uses_1g_leaf_when_alignment_allows),
		T(map_uses_2m_leaves_when_1g_not_allowed),
		T(map_unaligned_5m_mixes_4k_2m_4k),
		T(map_pa_misaligned_with_iova_uses_4k),
		T(map_4k_only_config_never_uses_superpages),
		T(superpage_leaves_carry_ps_and_4k_leaves_do_not),
		T(snp_only_in_leaves_when_snoop),
		T(snp_never_set_without_snoop),
		T(map_overlapping_returns_eexist_tables_unchanged),
		T(map_inside_superpage_returns_eexist),
		T(unmap_with_unmapped_part_returns_enoent_unchanged),
		T(misaligned_arguments_return_einval),
		T(beyond_address_width_returns_erange),
		T(prot_checks_per_format),
		T(partial_unmap_splits_2m_keeping_the_rest),
		T(partial_unmap_of_1g_splits_two_levels),
		T(unmap_frees_tables_that_become_empty),
		T(tables_emptied_after_split_are_freed),
		T(unlinked_tables_freed_only_on_gather_release),
		T(noncoherent_every_changed_entry_is_flushed),
		T(noncoherent_new_table_flushed_before_link),
		T(coherent_walker_is_never_flushed),
		T(map_gathers_one_range_nonpresent_to_present),
		T(unmap_gathers_one_range_and_freed_tables),
		T(gather_spans_successive_calls),
		T(psi_picks_smallest_aligned_block),
		T(lookup_agrees_with_reference_over_random_maps),
		T(levels_3_4_5_map_lookup_and_bound),
		T(address_width_below_levels_limits_iova),
		T(set_snoop_all_upgrades_every_leaf),
		T(ept_leaf_memtype_ipat_and_nonleaf_rwx),
		T(ept_split_keeps_memtype),
		T(ept_write_or_exec_without_read_is_einval),
		T(npt_leaf_is_p_us_rw_and_nonleaf_p_rw_us),
		T(npt_exec_unexpressible_and_write_needs_read),
		T(npt_unmap_splits_2m_and_never_sets_nx),
		T(vtd_fl_entries_are_ia32e_user_in_4_or_5_levels),
		T(enomem_during_map_leaves_tables_unchanged),
		T(enomem_during_split_leaves_tables_unchanged),
		T(map_allocates_exactly_the_tables_it_links),
		T(unmap_run_of_mixed_permissions),
		T(unmap_whole_tables_frees_every_subtree),
		T(map_over_a_table_returns_eexist),
		T(init_rejects_invalid_configs),
		T(destroy_frees_every_table),
		T(vtd_page_sizes_from_sllps),
	};

	return cmocka_run_group_tests_name("pgtable", tests, NULL, NULL);
}
