/* Unmap, in the three steps of pgtable_map.c: count (and refuse a hole),
 * fill the pool for the superpages to split, write. Tables the unmap
 * unlinks, dropped whole or emptied, go on the gather's free list: the
 * IOMMU may walk them until the caller's invalidation completes. */
#include "mm/pgtable_priv.h"
#include "lib/errno.h"

/* Tables needed to split a leaf at this level so that [addr, end), inside
 * it, is made of whole entries: one, plus the splits of the at most two
 * children its ends fall in. 4K entries never need one. */
static u64 pt_split_count(unsigned level, pt_addr_t addr, pt_addr_t end)
{
	u64 size = pt_size(level - 1);
	pt_addr_t lo = ALIGN_UP(addr, size), hi = ALIGN_DOWN(end, size);
	u64 n = 1;

	if (level - 1 == 1)
		return n;
	if (lo > hi)
		return n + pt_split_count(level - 1, addr, end);
	if (addr != lo)
		n += pt_split_count(level - 1, addr, lo);
	if (end != hi)
		n += pt_split_count(level - 1, hi, end);
	return n;
}

struct pt_unmap_state {
	struct pt *pt;
	struct pt_gather *g;
	struct pt_pool pool;
	/* Tables of each level below the entries the unmap clears whole, as
	 * the count pass found them: with none at level l, a table of level
	 * l + 1 dropped whole holds only leaves and is not read again. */
	u64 dropped[PT_MAX_LEVELS + 1];
};

static s64 pt_unmap_count(struct pt_unmap_state *s, const u64 *table,
			  unsigned level, pt_addr_t addr, pt_addr_t end);

/* The n whole entries at p, from addr: each must be present, and a table
 * mapped everywhere below. Whole entries split nothing: 0 or -ENOENT. */
static s64 pt_unmap_count_run(struct pt_unmap_state *s, const u64 *p, u64 n,
			      unsigned level, pt_addr_t addr)
{
	const struct pt *pt = s->pt;
	u64 all = pt_and_run(p, n), size = pt_size(level);

	/* A present bit (and above level 1, PS) common to every entry: all
	 * are present leaves. Mixed permissions take the loop below. */
	if ((all & pt->fmt->present) && pte_leaf(pt, all, level))
		return 0;
	for (u64 i = 0; i < n; i++, addr += size) {
		if (!pte_present(pt, p[i]))
			return -ENOENT;
		if (pte_leaf(pt, p[i], level))
			continue;
		s->dropped[level - 1]++;
		if (pt_unmap_count(s, pte_table(pt, p[i]), level - 1, addr,
				   addr + size) < 0)
			return -ENOENT;
	}
	return 0;
}

/* Tables the splits of an unmap of [addr, end) need, or -ENOENT when any
 * part is not mapped. */
static s64 pt_unmap_count(struct pt_unmap_state *s, const u64 *table,
			  unsigned level, pt_addr_t addr, pt_addr_t end)
{
	const struct pt *pt = s->pt;
	s64 need = 0, n;

	if (level == 1) /* one run of 4K leaves */
		return pt_unmap_count_run(s, &table[pt_index(addr, 1)],
					  (end - addr) >> PAGE_SHIFT, 1, addr);
	for (u64 chunk; addr < end; addr += chunk, need += n) {
		const u64 *p = &table[pt_index(addr, level)];

		chunk = pt_chunk(addr, end, level);
		if (chunk == pt_size(level)) {
			u64 k = pt_whole(addr, end, level);

			n = pt_unmap_count_run(s, p, k, level, addr);
			chunk = k * pt_size(level);
		} else if (!pte_present(pt, *p)) {
			return -ENOENT;
		} else if (pte_leaf(pt, *p, level)) {
			n = (s64)pt_split_count(level, addr, addr + chunk);
		} else {
			n = pt_unmap_count(s, pte_table(pt, *p), level - 1,
					   addr, addr + chunk);
		}
		if (n < 0)
			return n;
	}
	return need;
}

/* Replace the superpage leaf *p by a table of 512 next-level leaves with
 * the same attributes (permissions, SNP, memory type). */
static void pt_split(struct pt_unmap_state *s, u64 *p, unsigned level)
{
	struct pt *pt = s->pt;
	u64 attrs = *p & ~(pt->fmt->addr | pt->fmt->leaf_size);
	hpa_t base = pte_addr(pt, *p), pa;
	u64 *child = pt_pool_take(pt, &s->pool, &pa);

	pt_fill(child, PT_ENTRIES, pte_mk_leaf(pt, base, attrs, level - 1),
		pt_size(level - 1));
	pt_flush(pt, child, PAGE_SIZE);
	pte_set(p, pte_mk_table(pt, pa));
}

/* Queue a table and every table below it. Leaves are left as they are:
 * the subtree is unreachable once its parent entry is cleared. */
static void pt_defer_tree(struct pt_unmap_state *s, u64 e, unsigned level)
{
	struct pt *pt = s->pt;
	u64 *table = pte_table(pt, e);

	if (level > 1 && s->dropped[level - 1])
		for (unsigned i = 0; i < PT_ENTRIES; i++)
			if (pte_present(pt, table[i]) &&
			    !pte_leaf(pt, table[i], level))
				pt_defer_tree(s, table[i], level - 1);
	pt_gather_defer(pt, s->g, table, pte_addr(pt, e));
}

/* Clear n whole entries, queueing the tables below them. */
static void pt_clear_run(struct pt_unmap_state *s, u64 *p, u64 n,
			 unsigned level)
{
	for (u64 *end = p + n; p < end; p++) {
		if (!pte_leaf(s->pt, *p, level))
			pt_defer_tree(s, *p, level - 1);
		pte_set(p, 0);
	}
}

/* [lo, hi) was just cleared: its neighbours answer quickly when unmaps come
 * in address order; otherwise scan, a cache line at a time. */
static bool pt_table_empty(const struct pt *pt, const u64 *table, unsigned lo,
			   unsigned hi)
{
	if ((lo > 0 && pte_present(pt, table[lo - 1])) ||
	    (hi < PT_ENTRIES && pte_present(pt, table[hi])))
		return false;
	for (unsigned i = 0; i < PT_ENTRIES; i += 8)
		if (pt_or_run(&table[i], 8) & pt->fmt->present)
			return false;
	return true;
}

static void pt_unmap_level(struct pt_unmap_state *s, u64 *table, unsigned level,
			   pt_addr_t addr, pt_addr_t end);

/* Unmap the part [addr, end) of the entry *p, splitting it if it is a
 * leaf; queue its table if that leaves it empty. */
static void pt_unmap_part(struct pt_unmap_state *s, u64 *p, unsigned level,
			  pt_addr_t addr, pt_addr_t end, struct pt_dirty *d)
{
	struct pt *pt = s->pt;
	u64 *child;

	if (pte_leaf(pt, *p, level)) {
		pt_split(s, p, level);
		pt_dirty_add(d, p);
	}
	child = pte_table(pt, *p);
	pt_unmap_level(s, child, level - 1, addr, end);
	if (pt_table_empty(pt, child, pt_index(addr, level - 1),
			   pt_index(end - 1, level - 1) + 1)) {
		pt_gather_defer(pt, s->g, child, pte_addr(pt, *p));
		pte_set(p, 0);
		pt_dirty_add(d, p);
	}
}

static void pt_unmap_level(struct pt_unmap_state *s, u64 *table, unsigned level,
			   pt_addr_t addr, pt_addr_t end)
{
	struct pt_dirty d = { 0 };

	if (level == 1) { /* one run of 4K leaves */
		u64 *p = &table[pt_index(addr, 1)],
		    n = (end - addr) >> PAGE_SHIFT;

		pt_fill(p, n, 0, 0); /* n zero entries */
		pt_flush(s->pt, p, n * sizeof(u64));
		return;
	}
	for (u64 chunk; addr < end; addr += chunk) {
		u64 *p = &table[pt_index(addr, level)];

		chunk = pt_chunk(addr, end, level);
		if (chunk == pt_size(level)) {
			u64 n = pt_whole(addr, end, level);

			pt_clear_run(s, p, n, level);
			pt_dirty_add_run(&d, p, n);
			chunk = n * pt_size(level);
		} else {
			pt_unmap_part(s, p, level, addr, addr + chunk, &d);
		}
	}
	pt_dirty_flush(s->pt, &d);
}

int pt_unmap(struct pt *pt, pt_addr_t addr, u64 size, struct pt_gather *g)
{
	struct pt_unmap_state s = { .pt = pt, .g = g };
	int ret = pt_check_range(pt, addr, size);
	s64 need;

	if (ret)
		return ret;
	need = pt_unmap_count(&s, pt->root, pt->cfg.levels, addr, addr + size);
	if (need < 0)
		return (int)need;
	ret = pt_pool_fill(pt, &s.pool, (u64)need);
	if (ret)
		return ret;
	pt_unmap_level(&s, pt->root, pt->cfg.levels, addr, addr + size);
	pt_pool_drain(pt, &s.pool);
	pt_gather_add(g, addr, size);
	return 0;
}
