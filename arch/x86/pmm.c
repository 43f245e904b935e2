/* Physical page allocator: bump allocation from sorted free ranges, and a
 * free list of returned pages. */
#include "arch/x86/pmm.h"
#include "lib/errno.h"
#include "lib/string.h"

static int add_free(struct pmm *p, u64 base, u64 end)
{
	if (end <= base)
		return 0;
	if (p->nr_free == PMM_MAX_RANGES)
		return -ENOSPC;
	p->free[p->nr_free++] = (struct mem_range){ base, end - base, 0 };
	return 0;
}

/* Remove [base, end) from every free range, splitting where needed. */
static int subtract(struct pmm *p, u64 base, u64 end)
{
	unsigned n = p->nr_free;

	for (unsigned i = 0; i < n; i++) {
		struct mem_range *r = &p->free[i];
		u64 rb = r->base, re = r->base + r->len;
		if (end <= rb || base >= re)
			continue;
		r->len = 0; /* replaced by what is left either side */
		if (add_free(p, rb, base > rb ? base : rb) ||
		    add_free(p, end < re ? end : re, re))
			return -ENOSPC;
	}
	return 0;
}

static void compact_and_sort(struct pmm *p)
{
	unsigned n = 0;

	for (unsigned i = 0; i < p->nr_free; i++)
		if (p->free[i].len)
			p->free[n++] = p->free[i];
	p->nr_free = n;
	for (unsigned i = 1; i < n; i++) /* insertion sort: n is small */
		for (unsigned j = i; j && p->free[j - 1].base > p->free[j].base;
		     j--) {
			struct mem_range t = p->free[j];
			p->free[j] = p->free[j - 1];
			p->free[j - 1] = t;
		}
}

int pmm_init(struct pmm *p, const struct mem_range *map, unsigned nr_map,
	     const struct mem_range *keep_out, unsigned nr_keep,
	     void *(*p2v)(void *ctx, hpa_t pa), void *ctx)
{
	int err = 0;

	memset(p, 0, sizeof(*p));
	p->p2v = p2v;
	p->ctx = ctx;
	for (unsigned i = 0; i < nr_map && !err; i++)
		if (map[i].type == MEM_USABLE && map[i].len)
			err = add_free(
			    p, ALIGN_UP(map[i].base, PAGE_SIZE),
			    ALIGN_DOWN(map[i].base + map[i].len, PAGE_SIZE));
	for (unsigned i = 0; i < nr_map && !err; i++)
		if (map[i].type != MEM_USABLE)
			err = subtract(
			    p, ALIGN_DOWN(map[i].base, PAGE_SIZE),
			    ALIGN_UP(map[i].base + map[i].len, PAGE_SIZE));
	for (unsigned i = 0; i < nr_keep && !err; i++)
		err = subtract(
		    p, ALIGN_DOWN(keep_out[i].base, PAGE_SIZE),
		    ALIGN_UP(keep_out[i].base + keep_out[i].len, PAGE_SIZE));
	/* Page 0 stands for failure: never hand it out. */
	if (!err)
		err = subtract(p, 0, PAGE_SIZE);
	compact_and_sort(p);
	for (unsigned i = 0; i < p->nr_free; i++)
		p->free_pages += p->free[i].len / PAGE_SIZE;
	return err;
}

hpa_t pmm_alloc_contig(struct pmm *p, u64 npages, u64 align)
{
	u64 size = npages * PAGE_SIZE;

	if (!npages || align < PAGE_SIZE || (align & (align - 1)))
		return 0;
	for (unsigned i = 0; i < p->nr_free; i++) {
		struct mem_range *r = &p->free[i];
		u64 start = ALIGN_UP(r->base, align), end = r->base + r->len;
		if (start < r->base || start + size > end ||
		    start + size < start)
			continue;
		/* Keep the part skipped for alignment as its own range. */
		if (start > r->base && add_free(p, r->base, start))
			continue;
		r->len = end - (start + size);
		r->base = start + size;
		p->free_pages -= npages;
		compact_and_sort(p);
		return start;
	}
	return 0;
}

hpa_t pmm_alloc(struct pmm *p)
{
	hpa_t pa = p->free_list;

	if (!pa)
		return pmm_alloc_contig(p, 1, PAGE_SIZE);
	p->free_list = *(hpa_t *)p->p2v(p->ctx, pa);
	p->free_pages--;
	return pa;
}

void pmm_free(struct pmm *p, hpa_t pa)
{
	if (!pa)
		return;
	*(hpa_t *)p->p2v(p->ctx, pa) = p->free_list;
	p->free_list = pa;
	p->free_pages++;
}

bool pmm_is_outside(const struct pmm *p, hpa_t pa, u64 len)
{
	for (unsigned i = 0; i < p->nr_free; i++) {
		const struct mem_range *r = &p->free[i];
		if (pa < r->base + r->len && pa + len > r->base)
			return false;
	}
	return true;
}
