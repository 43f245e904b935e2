/* Map; unmap is in pgtable_unmap.c. Both run in three steps so that an
 * error leaves the tables exactly as they were: a read-only pass checks the
 * range and counts the tables the change needs, the pool allocates them,
 * then the write pass cannot fail.
 *
 * Both passes walk the tree once, not once per leaf: within a table, the
 * whole entries of the range form one run, written or checked in a tight
 * loop (a fresh 4K table is one run of 512 leaves), and only the partial
 * entries at its two ends recurse on their own.
 *
 * Ordering for a walker that does not snoop CPU caches (ECAP.C=0, "Page-walk
 * Coherency", spec 10.4.3): a new table is filled and flushed whole before
 * the entry pointing at it is written, so the walker never reads a partial
 * table, and every changed entry is flushed before the call returns, one
 * flush per table. */
#include "mm/pgtable_priv.h"
#include "lib/errno.h"

struct pt_map_state {
	struct pt *pt;
	u64 delta; /* pa - addr, modulo 2^64 */
	u64 attrs; /* leaf bits besides the address and PS */
	struct pt_pool pool;
};

/* A leaf at this level maps [addr, addr+chunk) when the size is allowed,
 * the chunk is the whole entry (so addr is aligned) and so is pa. Then
 * every whole entry after it can be a leaf too. */
static bool pt_can_leaf(const struct pt *pt, unsigned level, hpa_t pa,
			u64 chunk)
{
	u64 size = pt_size(level);

	return (pt->cfg.page_sizes & size) && chunk == size &&
	       IS_ALIGNED(pa, size);
}

/* Tables below one whole entry at this level of a range not mapped yet:
 * none for a leaf, else a table whose 512 entries each need the same. */
static u64 pt_whole_count(const struct pt *pt, unsigned level, u64 delta)
{
	if (level == 1 || pt_can_leaf(pt, level, delta, pt_size(level)))
		return 0;
	return 1 + PT_ENTRIES * pt_whole_count(pt, level - 1, delta);
}

/* Tables a map of [addr, end) needs below a table at this level that does
 * not exist yet: the run of whole entries at once, plus the partial
 * entries at its ends. */
static u64 pt_fresh_count(const struct pt *pt, unsigned level, pt_addr_t addr,
			  pt_addr_t end, u64 delta)
{
	u64 need = 0;

	for (u64 chunk; level > 1 && addr < end; addr += chunk) {
		chunk = pt_chunk(addr, end, level);
		if (chunk == pt_size(level)) {
			u64 n = pt_whole(addr, end, level);

			need += n * pt_whole_count(pt, level, delta);
			chunk = n * pt_size(level);
		} else {
			need += 1 + pt_fresh_count(pt, level - 1, addr,
						   addr + chunk, delta);
		}
	}
	return need;
}

static bool pt_any_present(const struct pt *pt, const u64 *p, u64 n)
{
	return pt_or_run(p, n) & pt->fmt->present;
}

/* Tables a map of [addr, end) needs below table, or -EEXIST when any part
 * is mapped. */
static s64 pt_map_count(const struct pt *pt, const u64 *table, unsigned level,
			pt_addr_t addr, pt_addr_t end, u64 delta)
{
	s64 need = 0;

	if (level == 1) /* one run of 4K leaves */
		return pt_any_present(pt, &table[pt_index(addr, 1)],
				      (end - addr) >> PAGE_SHIFT)
			   ? -EEXIST
			   : 0;
	for (u64 chunk; addr < end; addr += chunk) {
		const u64 *p = &table[pt_index(addr, level)];
		s64 n = 0;

		chunk = pt_chunk(addr, end, level);
		if (pte_present(pt, *p) && pte_leaf(pt, *p, level)) {
			return -EEXIST;
		} else if (pte_present(pt, *p)) {
			n = pt_map_count(pt, pte_table(pt, *p), level - 1, addr,
					 addr + chunk, delta);
			if (n < 0)
				return n;
		} else if (pt_can_leaf(pt, level, addr + delta, chunk)) {
			u64 k = pt_whole(addr, end, level);

			if (pt_any_present(pt, p, k))
				return -EEXIST;
			chunk = k * pt_size(level);
		} else {
			n = 1 + (s64)pt_fresh_count(pt, level - 1, addr,
						    addr + chunk, delta);
		}
		need += n;
	}
	return need;
}

static void pt_map_level(struct pt_map_state *s, u64 *table, unsigned level,
			 pt_addr_t addr, pt_addr_t end, bool fresh);

/* Link a new table at *p for [addr, end), filled and flushed first. */
static void pt_map_child(struct pt_map_state *s, u64 *p, unsigned level,
			 pt_addr_t addr, pt_addr_t end)
{
	hpa_t pa;
	u64 *child = pt_pool_take(s->pt, &s->pool, &pa);

	pt_map_level(s, child, level - 1, addr, end, true);
	pt_flush(s->pt, child, PAGE_SIZE);
	pte_set(p, pte_mk_table(s->pt, pa));
}

/* Write leaves for [addr, end) below table. A fresh table is flushed whole
 * by the caller, which then links it. */
static void pt_map_level(struct pt_map_state *s, u64 *table, unsigned level,
			 pt_addr_t addr, pt_addr_t end, bool fresh)
{
	struct pt *pt = s->pt;
	struct pt_dirty d = { 0 };

	if (level == 1) { /* one run of 4K leaves */
		u64 *p = &table[pt_index(addr, 1)],
		    n = (end - addr) >> PAGE_SHIFT;

		pt_fill(p, n, pte_mk_leaf(pt, addr + s->delta, s->attrs, 1),
			PAGE_SIZE);
		if (!fresh)
			pt_flush(pt, p, n * sizeof(u64));
		return;
	}
	for (u64 chunk; addr < end; addr += chunk) {
		u64 *p = &table[pt_index(addr, level)];
		hpa_t pa = addr + s->delta;

		chunk = pt_chunk(addr, end, level);
		if (pte_present(pt, *p)) { /* a table: the count saw to it */
			pt_map_level(s, pte_table(pt, *p), level - 1, addr,
				     addr + chunk, false);
		} else if (pt_can_leaf(pt, level, pa, chunk)) {
			u64 n = pt_whole(addr, end, level);

			pt_fill(p, n, pte_mk_leaf(pt, pa, s->attrs, level),
				pt_size(level));
			pt_dirty_add_run(&d, p, n);
			chunk = n * pt_size(level);
		} else {
			pt_map_child(s, p, level, addr, addr + chunk);
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

int pt_map(struct pt *pt, pt_addr_t addr, hpa_t pa, u64 size, unsigned prot,
	   struct pt_gather *g)
{
	struct pt_map_state s = { .pt = pt, .delta = pa - addr };
	pt_addr_t end = addr + size;
	s64 need;
	int ret;

	ret = pt_leaf_attrs(pt, prot, &s.attrs);
	if (!ret)
		ret = pt_check_range(pt, addr, size);
	if (!ret && !IS_ALIGNED(pa, PAGE_SIZE))
		ret = -EINVAL;
	if (!ret && (pa + size - 1 < pa ||
		     ((pa + size - 1) & ~(pt->fmt->addr | (PAGE_SIZE - 1)))))
		ret = -ERANGE;
	if (ret)
		return ret;
	need = pt_map_count(pt, pt->root, pt->cfg.levels, addr, end, s.delta);
	if (need < 0)
		return (int)need;
	ret = pt_pool_fill(pt, &s.pool, (u64)need);
	if (ret)
		return ret;
	pt_map_level(&s, pt->root, pt->cfg.levels, addr, end, false);
	pt_pool_drain(pt, &s.pool); /* empty: the count is exact */
	pt_gather_add(g, addr, size);
	g->nonpresent_to_present = true;
	return 0;
}
