/* Page-table formats, lifetime, lookup, visiting and the invalidation
 * gather. Map and unmap live in pgtable_map.c. */
#include "mm/pgtable_priv.h"
#include "lib/errno.h"

/* VT-d spec 9.8: second-level entries, every level (non-leaf and leaf).
 * Non-leaf entries carry R|W and the next table; SNP is defined in leaves
 * only (a set SNP in a non-leaf entry, or in any entry when ECAP.SC=0, is a
 * reserved-bit fault, reason 0xC). Execute (bit 2) needs ECAP.SLEE in
 * scalable mode and is not used: PT_EXEC is refused. */
const struct pt_format pt_fmt_vtd_sl = {
	.name = "vtd-sl",
	.present = BIT_ULL(0) | BIT_ULL(1),
	.read = BIT_ULL(0),
	.write = BIT_ULL(1),
	.table = BIT_ULL(0) | BIT_ULL(1),
	.leaf_size = BIT_ULL(7),
	.snoop = BIT_ULL(11),
	.addr = GENMASK_ULL(51, 12),
	.min_levels = 3,
	.max_levels = 5,
};

/* Intel SDM 29.3.2: EPT entries. Non-leaf entries carry RWX (bits 7:3 are
 * reserved there); leaves carry the memory type and IPAT. */
const struct pt_format pt_fmt_ept = {
	.name = "ept",
	.present = GENMASK_ULL(2, 0),
	.read = BIT_ULL(0),
	.write = BIT_ULL(1),
	.exec = BIT_ULL(2),
	.table = GENMASK_ULL(2, 0),
	.leaf_size = BIT_ULL(7),
	.memtype = GENMASK_ULL(5, 3),
	.ipat = BIT_ULL(6),
	.addr = GENMASK_ULL(51, 12),
	.min_levels = 4,
	.max_levels = 5,
	.write_needs_read = true,
};

/* AMD APM vol. 2, 15.25 "Nested Paging": nested tables use the host's
 * long-mode format (5.3.3, 4-level paging entries): P bit 0, RW bit 1, US
 * bit 2, PS bit 7, NX bit 63, address 51:12. Every nested access counts as
 * a user access (15.25.5), so US is set at every level and non-leaf entries
 * carry P|RW|US. A readable leaf is P|US. NX is the inverse of a permission
 * and the walker only sets bits it is asked for, so this format leaves NX
 * clear (every mapping executable) and refuses PT_EXEC as unexpressible.
 * PWT, PCD and PAT stay 0: host PAT entry 0 (WB) combines with the guest's
 * own PAT (15.25.8). In a 2M leaf bit 12 is PAT, kept clear by alignment. */
/* The x86 long-mode entry shape both NPT and the VT-d first stage use:
 * P|RW|US in tables, P|US readable leaves, PS at bit 7, address 51:12. */
#define PT_FMT_IA32E(fmt_name, levels_max)                            \
	{                                                             \
		.name = fmt_name, .present = BIT_ULL(0),              \
		.read = BIT_ULL(0) | BIT_ULL(2), .write = BIT_ULL(1), \
		.table = GENMASK_ULL(2, 0), .leaf_size = BIT_ULL(7),  \
		.addr = GENMASK_ULL(51, 12), .min_levels = 4,         \
		.max_levels = levels_max, .write_needs_read = true,   \
	}

const struct pt_format pt_fmt_npt = PT_FMT_IA32E("npt", 4);

/* VT-d spec 9.7 (rev 3.x; rev 4.x "first-stage paging entries"): the
 * IA-32e 4- and 5-level format, walked by the unit for PGTT=1 in a
 * scalable-mode PASID entry. Every DMA request without PASID is a user
 * access (as Linux sets DMA_FL_PTE_US), so US is set at every level and
 * non-leaf entries carry P|RW|US. There is no snoop bit in the entries:
 * PGSNP in the PASID entry forces snooping for the whole PASID. XD (bit
 * 63) is the inverse of a permission and needs PASID-entry NXE; the walker
 * leaves it clear and refuses PT_EXEC, as for NPT. */
const struct pt_format pt_fmt_vtd_fl = PT_FMT_IA32E("vtd-fl", 5);

u64 pt_vtd_page_sizes(unsigned sllps)
{
	u64 sizes = PAGE_SIZE;

	if (sllps & BIT(0))
		sizes |= SZ_2M;
	/* 1G without 2M is refused by pt_init: report neither superpage. */
	if ((sllps & BIT(1)) && (sllps & BIT(0)))
		sizes |= SZ_1G;
	return sizes;
}

void pt_flush(const struct pt *pt, const void *va, size_t len)
{
	if (!pt->cfg.coherent)
		pt->ops->flush(pt->ctx, va, len);
}

void pt_dirty_flush(const struct pt *pt, struct pt_dirty *d)
{
	if (d->lo)
		pt_flush(pt, d->lo, (size_t)(d->hi - d->lo + 1) * sizeof(u64));
	d->lo = d->hi = NULL;
}

static int pt_check_config(const struct pt_format *f,
			   const struct pt_config *cfg,
			   const struct pt_ops *ops)
{
	u64 sizes = cfg->page_sizes;

	if (!f || !ops || !ops->alloc_page || !ops->free_page ||
	    !ops->phys_to_virt || (!cfg->coherent && !ops->flush))
		return -EINVAL;
	if (cfg->levels < f->min_levels || cfg->levels > f->max_levels)
		return -EINVAL;
	if (cfg->aw <= PAGE_SHIFT || cfg->aw > pt_shift(cfg->levels + 1))
		return -EINVAL;
	if (!(sizes & PAGE_SIZE) || (sizes & ~(PAGE_SIZE | SZ_2M | SZ_1G)))
		return -EINVAL;
	if ((sizes & SZ_1G) && !(sizes & SZ_2M))
		return -EINVAL;
	if (cfg->snoop && !f->snoop)
		return -EINVAL;
	if (cfg->ipat && !f->ipat)
		return -EINVAL;
	if (cfg->memtype &&
	    (!f->memtype || cfg->memtype > FIELD_GET(f->memtype, f->memtype)))
		return -EINVAL;
	return 0;
}

int pt_init(struct pt *pt, const struct pt_format *f,
	    const struct pt_config *cfg, const struct pt_ops *ops, void *ctx)
{
	int ret = pt_check_config(f, cfg, ops);

	if (ret)
		return ret;
	pt->fmt = f;
	pt->cfg = *cfg;
	pt->ops = ops;
	pt->ctx = ctx;
	pt->root = ops->alloc_page(ctx, &pt->root_pa);
	if (!pt->root)
		return -ENOMEM;
	pt->nr_tables = 1;
	/* The allocator zeroed it in the CPU cache; the walker reads memory. */
	pt_flush(pt, pt->root, PAGE_SIZE);
	return 0;
}

/* The index of the first entry from @i on that points to a lower table
 * (present, not a leaf), or PT_ENTRIES: a table at level 1 has none.
 * Eight zero entries are passed over at once (a zero entry is not present
 * in any format), so that a sparse table costs a load and an OR an entry,
 * not a test of each. */
static unsigned next_child(const struct pt *pt, const u64 *table, unsigned i,
			   unsigned level)
{
	if (level <= 1)
		return PT_ENTRIES;
	for (; i < PT_ENTRIES; i++) {
		if (!(i & 7)) {
			u64 any = 0;

#pragma GCC unroll 8
			for (unsigned j = 0; j < 8; j++)
				any |= table[i + j];
			if (!any) {
				i += 7;
				continue;
			}
		}
		if (pte_present(pt, table[i]) && !pte_leaf(pt, table[i], level))
			break;
	}
	return i;
}

static void pt_free_tree(struct pt *pt, u64 *table, hpa_t pa, unsigned level)
{
	for (unsigned i = next_child(pt, table, 0, level); i < PT_ENTRIES;
	     i = next_child(pt, table, i + 1, level))
		pt_free_tree(pt, pte_table(pt, table[i]),
			     pte_addr(pt, table[i]), level - 1);
	pt->ops->free_page(pt->ctx, table, pa);
	pt->nr_tables--;
}

void pt_destroy(struct pt *pt)
{
	if (pt->root)
		pt_free_tree(pt, pt->root, pt->root_pa, pt->cfg.levels);
	pt->root = NULL;
}

static void pt_flush_tree(const struct pt *pt, u64 *table, unsigned level)
{
	for (unsigned i = next_child(pt, table, 0, level); i < PT_ENTRIES;
	     i = next_child(pt, table, i + 1, level))
		pt_flush_tree(pt, pte_table(pt, table[i]), level - 1);
	pt_flush(pt, table, PAGE_SIZE);
}

void pt_flush_all(const struct pt *pt)
{
	if (pt->root)
		pt_flush_tree(pt, pt->root, pt->cfg.levels);
}

int pt_check_range(const struct pt *pt, pt_addr_t addr, u64 size)
{
	u64 limit = 1ULL << pt->cfg.aw;

	if (!size || !IS_ALIGNED(addr | size, PAGE_SIZE))
		return -EINVAL;
	if (addr >= limit || size > limit - addr)
		return -ERANGE;
	return 0;
}

static unsigned pte_prot(const struct pt *pt, u64 e)
{
	const struct pt_format *f = pt->fmt;

	return ((e & f->read) ? PT_READ : 0) | ((e & f->write) ? PT_WRITE : 0) |
	       ((f->exec && (e & f->exec)) ? PT_EXEC : 0);
}

static void pt_fill_walk(const struct pt *pt, struct pt_walk *w, u64 *p,
			 unsigned level, pt_addr_t addr)
{
	w->addr = addr;
	w->pte = *p;
	w->ptep = p;
	w->level = level;
	w->size = pt_size(level);
	w->prot = pte_prot(pt, w->pte);
	w->pa = pte_addr(pt, w->pte) + (addr & (w->size - 1));
}

/*
 * The walk (VT-d spec 3.7, figure "second-level paging structures"): the
 * IOVA is cut into 9-bit indexes, one per level, above a page offset.
 *
 *   56     48 47     39 38     30 29     21 20     12 11        0
 *  +---------+---------+---------+---------+---------+-----------+
 *  | level 5 | level 4 | level 3 | level 2 | level 1 |  offset   |
 *  +---------+---------+---------+---------+---------+-----------+
 *                       1G leaf: ^ offset 29:0   2M leaf: offset 20:0
 *
 * VT-d second-level entry (spec 9.8):
 *   63  62  61:52  51:12     11   10:8  7   6    5:3  2  1  0
 *  +---+---+------+---------+----+-----+--+----+----+--+--+--+
 *  |ign| TM| ign  | address |SNP | ign |PS|IPAT|EMT | X| W| R|
 *  +---+---+------+---------+----+-----+--+----+----+--+--+--+
 *  present = R|W; PS=1 above level 1 is a leaf whose address keeps bits
 *  51:21 (2M) or 51:30 (1G). SNP, PS, TM, EMT, IPAT: leaves only.
 *
 * EPT entry (SDM 29.3.2): the same shape with R W X in bits 2:0, the
 * memory type in 5:3 and IPAT in 6 (leaves), PS in 7; present = R|W|X.
 */
int pt_lookup(const struct pt *pt, pt_addr_t addr, struct pt_walk *out)
{
	u64 *table = pt->root;

	if (addr >> pt->cfg.aw)
		return -ERANGE;
	for (unsigned level = pt->cfg.levels;; level--) {
		u64 *p = &table[pt_index(addr, level)];

		if (!pte_present(pt, *p))
			return -ENOENT;
		if (pte_leaf(pt, *p, level)) {
			pt_fill_walk(pt, out, p, level, addr);
			return 0;
		}
		table = pte_table(pt, *p);
	}
}

static int pt_visit(const struct pt *pt, u64 *table, unsigned level,
		    pt_addr_t base, pt_leaf_fn fn, void *arg)
{
	struct pt_walk w;
	int ret = 0;

	for (unsigned i = 0; i < PT_ENTRIES && !ret; i++) {
		pt_addr_t addr = base + (u64)i * pt_size(level);
		u64 *p = &table[i];

		if (!pte_present(pt, *p))
			continue;
		if (pte_leaf(pt, *p, level)) {
			pt_fill_walk(pt, &w, p, level, addr);
			ret = fn(arg, &w);
		} else {
			ret = pt_visit(pt, pte_table(pt, *p), level - 1, addr,
				       fn, arg);
		}
	}
	return ret;
}

int pt_for_each_leaf(const struct pt *pt, pt_leaf_fn fn, void *arg)
{
	return pt_visit(pt, pt->root, pt->cfg.levels, 0, fn, arg);
}

struct pt_snoop_state {
	struct pt *pt;
	struct pt_dirty d;
	u64 *table; /* the table d belongs to */
	pt_addr_t first, last;
	int changed;
};

/* Leaves arrive in address order, table by table: flush each table's run
 * when the walk moves on to another table. */
static int pt_snoop_leaf(void *arg, const struct pt_walk *w)
{
	struct pt_snoop_state *s = arg;
	u64 *table = (u64 *)ALIGN_DOWN((uintptr_t)w->ptep, PAGE_SIZE);

	if (w->pte & s->pt->fmt->snoop)
		return 0;
	if (table != s->table)
		pt_dirty_flush(s->pt, &s->d);
	s->table = table;
	pte_set(w->ptep, w->pte | s->pt->fmt->snoop);
	pt_dirty_add(&s->d, w->ptep);
	if (!s->changed++)
		s->first = w->addr;
	s->last = w->addr + w->size - 1;
	return 0;
}

int pt_set_snoop_all(struct pt *pt, struct pt_gather *g)
{
	struct pt_snoop_state s = { .pt = pt };

	if (!pt->fmt->snoop)
		return -EOPNOTSUPP;
	pt_for_each_leaf(pt, pt_snoop_leaf, &s);
	pt_dirty_flush(pt, &s.d);
	if (s.changed)
		pt_gather_add(g, s.first, s.last - s.first + 1);
	pt->cfg.snoop = true;
	return s.changed;
}

void pt_gather_init(struct pt_gather *g)
{
	g->start = g->end = 0;
	g->valid = g->nonpresent_to_present = g->freed_tables = false;
	g->freelist = NULL;
	g->nr_freelist = 0;
}

void pt_gather_add(struct pt_gather *g, pt_addr_t start, u64 size)
{
	pt_addr_t last = start + size - 1;

	if (!g->valid || start < g->start)
		g->start = start;
	if (!g->valid || last > g->end)
		g->end = last;
	g->valid = true;
}

/* Word 0 links the list, word 1 keeps the page's address: both look like
 * non-present entries (R, W, X clear) to a walker still holding a stale
 * pointer to the table until the caller's invalidation completes. */
void pt_gather_defer(struct pt *pt, struct pt_gather *g, u64 *table, hpa_t pa)
{
	table[0] = (u64)(uintptr_t)g->freelist;
	table[1] = pa;
	g->freelist = table;
	g->nr_freelist++;
	g->freed_tables = true;
	pt->nr_tables--;
}

void pt_gather_release(struct pt *pt, struct pt_gather *g)
{
	while (g->freelist) {
		u64 *table = g->freelist;

		g->freelist = (void *)(uintptr_t)table[0];
		pt->ops->free_page(pt->ctx, table, table[1]);
	}
	pt_gather_init(g);
}

/* Spec 6.5.2.3: a page-selective IOTLB invalidation covers 2^AM pages at
 * an address aligned to that size. The smallest such block holding both
 * ends of the span is set by the highest page-number bit where they
 * differ. */
bool pt_gather_psi(const struct pt_gather *g, unsigned mamv, pt_addr_t *addr,
		   unsigned *am)
{
	u64 first = g->start >> PAGE_SHIFT, last = g->end >> PAGE_SHIFT;
	unsigned mask = 0;

	if (!g->valid)
		return false;
	for (u64 diff = first ^ last; diff; diff >>= 1)
		mask++;
	if (mask > mamv)
		return false;
	*addr = (first >> mask) << mask << PAGE_SHIFT;
	*am = mask;
	return true;
}

int pt_pool_fill(struct pt *pt, struct pt_pool *pool, u64 nr)
{
	while (pool->nr < nr) {
		hpa_t pa;
		u64 *page = pt->ops->alloc_page(pt->ctx, &pa);

		if (!page) {
			pt_pool_drain(pt, pool);
			return -ENOMEM;
		}
		page[0] = (u64)(uintptr_t)pool->head;
		page[1] = pa;
		pool->head = page;
		pool->nr++;
	}
	return 0;
}

u64 *pt_pool_take(struct pt *pt, struct pt_pool *pool, hpa_t *pa)
{
	u64 *page = pool->head;

	pool->head = (u64 *)(uintptr_t)page[0];
	pool->nr--;
	*pa = page[1];
	page[0] = page[1] = 0;
	pt->nr_tables++;
	return page;
}

void pt_pool_drain(struct pt *pt, struct pt_pool *pool)
{
	while (pool->head) {
		hpa_t pa;
		u64 *page = pt_pool_take(pt, pool, &pa);

		pt->nr_tables--;
		pt->ops->free_page(pt->ctx, page, pa);
	}
}
