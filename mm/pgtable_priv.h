/* Internals shared by pgtable.c, pgtable_map.c and pgtable_unmap.c: entry
 * accessors, runs of entries, flush batching, the page pool that makes
 * map/unmap all-or-nothing, and the deferred free list. Not part of the
 * contract: include pgtable.h. */
#ifndef MM_PGTABLE_PRIV_H
#define MM_PGTABLE_PRIV_H

#include "mm/pgtable.h"

/* Level 1 maps 4 KiB; each level up covers 9 more address bits. */
static inline unsigned pt_shift(unsigned level)
{
	return PAGE_SHIFT + PT_LEVEL_BITS * (level - 1);
}

static inline u64 pt_size(unsigned level)
{
	return 1ULL << pt_shift(level);
}

static inline unsigned pt_index(pt_addr_t addr, unsigned level)
{
	return (addr >> pt_shift(level)) & (PT_ENTRIES - 1);
}

/* Bytes from addr to the end of its entry at this level, or to end. */
static inline u64 pt_chunk(pt_addr_t addr, pt_addr_t end, unsigned level)
{
	pt_addr_t next = ALIGN_DOWN(addr, pt_size(level)) + pt_size(level);

	return MIN(next, end) - addr;
}

static inline bool pte_present(const struct pt *pt, u64 e)
{
	return e & pt->fmt->present;
}

static inline bool pte_leaf(const struct pt *pt, u64 e, unsigned level)
{
	return level == 1 || (e & pt->fmt->leaf_size);
}

static inline hpa_t pte_addr(const struct pt *pt, u64 e)
{
	return e & pt->fmt->addr;
}

static inline u64 *pte_table(const struct pt *pt, u64 e)
{
	return pt->ops->phys_to_virt(pt->ctx, pte_addr(pt, e));
}

static inline u64 pte_mk_table(const struct pt *pt, hpa_t pa)
{
	return pa | pt->fmt->table;
}

static inline u64 pte_mk_leaf(const struct pt *pt, hpa_t pa, u64 attrs,
			      unsigned level)
{
	return pa | attrs | (level > 1 ? pt->fmt->leaf_size : 0);
}

/* One 64-bit store: a concurrent walker sees the old or the new entry. */
static inline void pte_set(u64 *p, u64 v)
{
	WRITE_ONCE(*p, v);
}

/* n consecutive leaves from pte, each size further on. Two stores an
 * iteration keep the store unit busy even when the loop straddles a fetch
 * block, where a one-store loop runs at half speed on some cores. */
static inline void pt_fill(u64 *p, u64 n, u64 pte, u64 size)
{
	u64 i = 0;

	for (; i + 2 <= n; i += 2, pte += 2 * size) {
		pte_set(&p[i], pte);
		pte_set(&p[i + 1], pte + size);
	}
	if (i < n)
		pte_set(&p[i], pte);
}

/* Whole entries of this level from addr, which is aligned to them, up to
 * end (within the same table). */
static inline u64 pt_whole(pt_addr_t addr, pt_addr_t end, unsigned level)
{
	return (ALIGN_DOWN(end, pt_size(level)) - addr) >> pt_shift(level);
}

/* Bitwise OR and AND of the n entries at p: the bulk checks of map and
 * unmap read every entry of a run. Four accumulators keep four loads in
 * flight; one chain of dependent ORs runs at half the speed. */
static inline u64 pt_or_run(const u64 *p, u64 n)
{
	u64 a = 0, b = 0, c = 0, d = 0;

	for (; n % 4; n--)
		a |= p[n - 1];
	for (u64 i = 0; i < n; i += 4) {
		a |= p[i];
		b |= p[i + 1];
		c |= p[i + 2];
		d |= p[i + 3];
	}
	return a | b | c | d;
}

static inline u64 pt_and_run(const u64 *p, u64 n)
{
	u64 a = ~0ULL, b = ~0ULL, c = ~0ULL, d = ~0ULL;

	for (; n % 4; n--)
		a &= p[n - 1];
	for (u64 i = 0; i < n; i += 4) {
		a &= p[i];
		b &= p[i + 1];
		c &= p[i + 2];
		d &= p[i + 3];
	}
	return a & b & c & d;
}

/* Changed entries of one table, flushed as one range. Entries are written
 * in ascending order within a call, so a run is [lo, hi]. */
struct pt_dirty {
	u64 *lo, *hi;
};

static inline void pt_dirty_add(struct pt_dirty *d, u64 *p)
{
	if (!d->lo)
		d->lo = p;
	d->hi = p;
}

static inline void pt_dirty_add_run(struct pt_dirty *d, u64 *p, u64 n)
{
	pt_dirty_add(d, p);
	d->hi = p + n - 1;
}

void pt_flush(const struct pt *pt, const void *va, size_t len);
void pt_dirty_flush(const struct pt *pt, struct pt_dirty *d);

/* Pages allocated before a map or unmap writes anything, so -ENOMEM never
 * leaves a half-done change. Linked through words 0 (next) and 1 (pa). */
struct pt_pool {
	u64 *head;
	u64 nr;
};

int pt_pool_fill(struct pt *pt, struct pt_pool *pool, u64 nr);
u64 *pt_pool_take(struct pt *pt, struct pt_pool *pool, hpa_t *pa);
void pt_pool_drain(struct pt *pt, struct pt_pool *pool);

/* Queue an unlinked table on g, to be freed by pt_gather_release. */
void pt_gather_defer(struct pt *pt, struct pt_gather *g, u64 *table, hpa_t pa);
void pt_gather_add(struct pt_gather *g, pt_addr_t start, u64 size);

/* Common argument checks: 4 KiB aligned, non-empty, below 2^aw. */
int pt_check_range(const struct pt *pt, pt_addr_t addr, u64 size);

#endif
