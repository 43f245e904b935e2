/* Map and unmap. Each runs in three steps so that an error leaves the
 * tables exactly as they were: a read-only pass checks the range and counts
 * the tables the change needs, the pool allocates them, then the write pass
 * cannot fail.
 *
 * Ordering for a walker that does not snoop CPU caches (ECAP.C=0, "Page-walk
 * Coherency", spec 10.4.3): a new table is filled and flushed whole before
 * the entry pointing at it is written, so the walker never reads a partial
 * table, and every changed entry is flushed before the call returns. */
#include "iommu/vtd/pgtable_priv.h"
#include "lib/errno.h"

struct pt_map_state {
	struct pt *pt;
	u64 delta; /* pa - iova, modulo 2^64 */
	u64 attrs; /* leaf bits besides the address and PS */
	struct pt_pool pool;
};

/* A leaf at this level maps [iova, iova+chunk) when the size is allowed,
 * the chunk is the whole entry (so iova is aligned) and so is pa. */
static bool pt_can_leaf(const struct pt *pt, unsigned level, hpa_t pa,
			u64 chunk)
{
	u64 size = pt_size(level);

	return (pt->cfg.page_sizes & size) && chunk == size &&
	       IS_ALIGNED(pa, size);
}

/* Tables a map of [iova, end) needs below table (NULL: not yet there), or
 * -EEXIST when any part is mapped. */
static s64 pt_map_count(const struct pt *pt, const u64 *table, unsigned level,
			iova_t iova, iova_t end, u64 delta)
{
	s64 need = 0, n;

	if (level == 1) {
		for (; table && iova < end; iova += PAGE_SIZE)
			if (pte_present(pt, table[pt_index(iova, 1)]))
				return -EEXIST;
		return 0;
	}
	for (u64 chunk; iova < end; iova += chunk, need += n) {
		u64 e = table ? table[pt_index(iova, level)] : 0;

		chunk = pt_chunk(iova, end, level);
		if (pte_present(pt, e) && pte_leaf(pt, e, level))
			return -EEXIST;
		if (pte_present(pt, e))
			n = pt_map_count(pt, pte_table(pt, e), level - 1, iova,
					 iova + chunk, delta);
		else if (pt_can_leaf(pt, level, iova + delta, chunk))
			n = 0;
		else
			n = 1 + pt_map_count(pt, NULL, level - 1, iova,
					     iova + chunk, delta);
		if (n < 0)
			return n;
	}
	return need;
}

/* Level 1, the bulk of a 4K mapping: a run of consecutive leaves. */
static void pt_map_4k(struct pt_map_state *s, u64 *table, iova_t iova,
		      iova_t end, bool fresh)
{
	u64 *first = &table[pt_index(iova, 1)], *p = first;

	for (; iova < end; iova += PAGE_SIZE)
		pte_set(p++, pte_mk_leaf(s->pt, iova + s->delta, s->attrs, 1));
	if (!fresh)
		pt_flush(s->pt, first, (size_t)(p - first) * sizeof(u64));
}

/* Write leaves for [iova, end) below table. A fresh table is flushed whole
 * by the caller, which then links it. */
static void pt_map_level(struct pt_map_state *s, u64 *table, unsigned level,
			 iova_t iova, iova_t end, bool fresh)
{
	struct pt *pt = s->pt;
	struct pt_dirty d = { 0 };

	if (level == 1) {
		pt_map_4k(s, table, iova, end, fresh);
		return;
	}
	for (u64 chunk; iova < end; iova += chunk) {
		u64 *p = &table[pt_index(iova, level)];
		hpa_t pa = iova + s->delta;

		chunk = pt_chunk(iova, end, level);
		if (pt_can_leaf(pt, level, pa, chunk)) {
			pte_set(p, pte_mk_leaf(pt, pa, s->attrs, level));
			pt_dirty_add(&d, p);
		} else if (pte_present(pt, *p)) {
			pt_map_level(s, pte_table(pt, *p), level - 1, iova,
				     iova + chunk, false);
		} else {
			u64 *child = pt_pool_take(pt, &s->pool, &pa);

			pt_map_level(s, child, level - 1, iova, iova + chunk,
				     true);
			pt_flush(pt, child, PAGE_SIZE);
			pte_set(p, pte_mk_table(pt, pa));
			pt_dirty_add(&d, p);
		}
	}
	if (!fresh)
		pt_dirty_flush(pt, &d);
}

static int pt_leaf_attrs(const struct pt *pt, unsigned prot, u64 *attrs)
{
	const struct pt_format *f = pt->fmt;

	if (!prot || (prot & ~(PT_READ | PT_WRITE | PT_EXEC)))
		return -EINVAL;
	if ((prot & PT_EXEC) && !f->exec)
		return -EOPNOTSUPP;
	if (f->write_needs_read && !(prot & PT_READ))
		return -EINVAL;
	*attrs = ((prot & PT_READ) ? f->read : 0) |
		 ((prot & PT_WRITE) ? f->write : 0) |
		 ((prot & PT_EXEC) ? f->exec : 0) |
		 (pt->cfg.snoop ? f->snoop : 0) |
		 FIELD_PREP(f->memtype, pt->cfg.memtype) |
		 (pt->cfg.ipat ? f->ipat : 0);
	return 0;
}

int pt_map(struct pt *pt, iova_t iova, hpa_t pa, u64 size, unsigned prot,
	   struct pt_gather *g)
{
	struct pt_map_state s = { .pt = pt, .delta = pa - iova };
	iova_t end = iova + size;
	s64 need;
	int ret;

	ret = pt_leaf_attrs(pt, prot, &s.attrs);
	if (!ret)
		ret = pt_check_range(pt, iova, size);
	if (!ret && !IS_ALIGNED(pa, PAGE_SIZE))
		ret = -EINVAL;
	if (!ret && (pa + size - 1 < pa ||
		     ((pa + size - 1) & ~(pt->fmt->addr | (PAGE_SIZE - 1)))))
		ret = -ERANGE;
	if (ret)
		return ret;
	need = pt_map_count(pt, pt->root, pt->cfg.levels, iova, end, s.delta);
	if (need < 0)
		return (int)need;
	ret = pt_pool_fill(pt, &s.pool, (u64)need);
	if (ret)
		return ret;
	pt_map_level(&s, pt->root, pt->cfg.levels, iova, end, false);
	pt_pool_drain(pt, &s.pool); /* empty: the count is exact */
	pt_gather_add(g, iova, size);
	g->nonpresent_to_present = true;
	return 0;
}

/* Tables needed to split a leaf at this level so that [iova, end), inside
 * it, is made of whole entries: one, plus the splits of the at most two
 * children its ends fall in. 4K entries never need one. */
static u64 pt_split_count(unsigned level, iova_t iova, iova_t end)
{
	u64 size = pt_size(level - 1);
	iova_t lo = ALIGN_UP(iova, size), hi = ALIGN_DOWN(end, size);
	u64 n = 1;

	if (level - 1 == 1)
		return n;
	if (lo > hi)
		return n + pt_split_count(level - 1, iova, end);
	if (iova != lo)
		n += pt_split_count(level - 1, iova, lo);
	if (end != hi)
		n += pt_split_count(level - 1, hi, end);
	return n;
}

/* Tables the splits of an unmap of [iova, end) need, or -ENOENT when any
 * part is not mapped. */
static s64 pt_unmap_count(const struct pt *pt, const u64 *table, unsigned level,
			  iova_t iova, iova_t end)
{
	s64 need = 0, n;

	for (; level == 1 && iova < end; iova += PAGE_SIZE)
		if (!pte_present(pt, table[pt_index(iova, 1)]))
			return -ENOENT;
	for (u64 chunk; iova < end; iova += chunk, need += n) {
		u64 e = table[pt_index(iova, level)];

		chunk = pt_chunk(iova, end, level);
		n = 0;
		if (!pte_present(pt, e))
			return -ENOENT;
		if (!pte_leaf(pt, e, level))
			n = pt_unmap_count(pt, pte_table(pt, e), level - 1,
					   iova, iova + chunk);
		else if (chunk != pt_size(level))
			n = (s64)pt_split_count(level, iova, iova + chunk);
		if (n < 0)
			return n;
	}
	return need;
}

struct pt_unmap_state {
	struct pt *pt;
	struct pt_gather *g;
	struct pt_pool pool;
};

/* Replace the superpage leaf *p by a table of 512 next-level leaves with
 * the same attributes (permissions, SNP, memory type). */
static void pt_split(struct pt_unmap_state *s, u64 *p, unsigned level)
{
	struct pt *pt = s->pt;
	u64 attrs = *p & ~(pt->fmt->addr | pt->fmt->leaf_size);
	hpa_t base = pte_addr(pt, *p), pa;
	u64 *child = pt_pool_take(pt, &s->pool, &pa);
	u64 size = pt_size(level - 1);

	for (unsigned i = 0; i < PT_ENTRIES; i++)
		child[i] = pte_mk_leaf(pt, base + i * size, attrs, level - 1);
	pt_flush(pt, child, PAGE_SIZE);
	pte_set(p, pte_mk_table(pt, pa));
}

/* Queue a table and every table below it. Leaves are left as they are:
 * the subtree is unreachable once its parent entry is cleared. */
static void pt_defer_tree(struct pt_unmap_state *s, u64 e, unsigned level)
{
	struct pt *pt = s->pt;
	u64 *table = pte_table(pt, e);

	for (unsigned i = 0; level > 1 && i < PT_ENTRIES; i++)
		if (pte_present(pt, table[i]) && !pte_leaf(pt, table[i], level))
			pt_defer_tree(s, table[i], level - 1);
	pt_gather_defer(pt, s->g, table, pte_addr(pt, e));
}

/* [lo, hi) was just cleared: its neighbours answer quickly when unmaps come
 * in address order; otherwise scan. */
static bool pt_table_empty(const struct pt *pt, const u64 *table, unsigned lo,
			   unsigned hi)
{
	if ((lo > 0 && pte_present(pt, table[lo - 1])) ||
	    (hi < PT_ENTRIES && pte_present(pt, table[hi])))
		return false;
	for (unsigned i = 0; i < PT_ENTRIES; i++)
		if (pte_present(pt, table[i]))
			return false;
	return true;
}

static void pt_unmap_level(struct pt_unmap_state *s, u64 *table, unsigned level,
			   iova_t iova, iova_t end)
{
	struct pt *pt = s->pt;
	struct pt_dirty d = { 0 };

	for (; level == 1 && iova < end; iova += PAGE_SIZE) {
		pte_set(&table[pt_index(iova, 1)], 0);
		pt_dirty_add(&d, &table[pt_index(iova, 1)]);
	}
	for (u64 chunk; iova < end; iova += chunk) {
		u64 *p = &table[pt_index(iova, level)];

		chunk = pt_chunk(iova, end, level);
		if (chunk == pt_size(level)) {
			if (!pte_leaf(pt, *p, level))
				pt_defer_tree(s, *p, level - 1);
			pte_set(p, 0);
			pt_dirty_add(&d, p);
			continue;
		}
		if (pte_leaf(pt, *p, level)) {
			pt_split(s, p, level);
			pt_dirty_add(&d, p);
		}
		pt_unmap_level(s, pte_table(pt, *p), level - 1, iova,
			       iova + chunk);
		if (pt_table_empty(pt, pte_table(pt, *p),
				   pt_index(iova, level - 1),
				   pt_index(iova + chunk - 1, level - 1) + 1)) {
			pt_defer_tree(s, *p, level - 1);
			pte_set(p, 0);
			pt_dirty_add(&d, p);
		}
	}
	pt_dirty_flush(pt, &d);
}

int pt_unmap(struct pt *pt, iova_t iova, u64 size, struct pt_gather *g)
{
	struct pt_unmap_state s = { .pt = pt, .g = g };
	int ret = pt_check_range(pt, iova, size);
	s64 need;

	if (ret)
		return ret;
	need = pt_unmap_count(pt, pt->root, pt->cfg.levels, iova, iova + size);
	if (need < 0)
		return (int)need;
	ret = pt_pool_fill(pt, &s.pool, (u64)need);
	if (ret)
		return ret;
	pt_unmap_level(&s, pt->root, pt->cfg.levels, iova, iova + size);
	pt_pool_drain(pt, &s.pool);
	pt_gather_add(g, iova, size);
	return 0;
}
