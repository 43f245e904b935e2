/* Physical page allocator: bump allocation from sorted free ranges, a free
 * list of returned pages, and returned runs merged back into the ranges. */
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

/* End of [base, base+len) rounded out to pages; a length that wraps past
 * 2^64 (hostile firmware) reaches the top of the address space. */
static u64 range_end_up(u64 base, u64 len)
{
	u64 end = base + len;

	if (end < base || end > ~0ULL - PAGE_SIZE)
		return ALIGN_DOWN(~0ULL, PAGE_SIZE);
	return ALIGN_UP(end, PAGE_SIZE);
}

/* Remove [base, end) from every free range: the range keeps what is left
 * below, and only what is left above takes a new slot. */
static int subtract(struct pmm *p, u64 base, u64 end)
{
	unsigned n = p->nr_free;

	for (unsigned i = 0; i < n; i++) {
		struct mem_range *r = &p->free[i];
		u64 rb = r->base, re = r->base + r->len;
		if (end <= rb || base >= re)
			continue;
		r->len = base > rb ? base - rb : 0;
		if (end < re && add_free(p, end, re))
			return -ENOSPC;
	}
	return 0;
}

static void compact_and_sort(struct pmm *p);

/* Usable entries may overlap in real memory maps: merge them so that no
 * page is counted or handed out twice. Ranges that touch merge too (a run
 * given back next to its neighbours). */
static void merge_overlaps(struct pmm *p)
{
	unsigned n = 0;

	compact_and_sort(p);
	for (unsigned i = 0; i < p->nr_free; i++) {
		struct mem_range *last = n ? &p->free[n - 1] : NULL;
		struct mem_range *r = &p->free[i];
		if (last && r->base <= last->base + last->len) {
			u64 end = MAX(last->base + last->len, r->base + r->len);
			last->len = end - last->base;
		} else {
			p->free[n++] = *r;
		}
	}
	p->nr_free = n;
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
	for (unsigned i = 0; i < nr_map && !err; i++) {
		const struct mem_range *r = &map[i];
		u64 end = r->base + r->len < r->base ? ~0ULL : r->base + r->len;
		if (r->type == MEM_USABLE)
			err = add_free(p, ALIGN_UP(r->base, PAGE_SIZE),
				       ALIGN_DOWN(end, PAGE_SIZE));
	}
	if (!err)
		merge_overlaps(p);
	for (unsigned i = 0; i < nr_map && !err; i++)
		if (map[i].type != MEM_USABLE)
			err = subtract(p, ALIGN_DOWN(map[i].base, PAGE_SIZE),
				       range_end_up(map[i].base, map[i].len));
	for (unsigned i = 0; i < nr_keep && !err; i++)
		err = subtract(p, ALIGN_DOWN(keep_out[i].base, PAGE_SIZE),
			       range_end_up(keep_out[i].base, keep_out[i].len));
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

	if (!npages || npages > (~0ULL >> PAGE_SHIFT) || align < PAGE_SIZE ||
	    (align & (align - 1)))
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

/* A run given back is memory already touched: under an emulator, handing
 * out fresh memory instead costs the host a page fault and a zeroed page
 * per 4 KiB (a guest's RAM, a 6 MiB superpage region, again and again). */
void pmm_free_range(struct pmm *p, hpa_t pa, u64 npages)
{
	if (!pa || !npages)
		return;
	if (npages <= (~0ULL - pa) >> PAGE_SHIFT &&
	    !add_free(p, pa, pa + npages * PAGE_SIZE)) {
		p->free_pages += npages;
		merge_overlaps(p);
		return;
	}
	for (u64 i = 0; i < npages; i++)
		pmm_free(p, pa + i * PAGE_SIZE);
}

bool pmm_is_outside(const struct pmm *p, hpa_t pa, u64 len)
{
	u64 end = pa + len < pa ? ~0ULL : pa + len;

	for (unsigned i = 0; i < p->nr_free; i++) {
		const struct mem_range *r = &p->free[i];
		if (pa < r->base + r->len && end > r->base)
			return false;
	}
	for (hpa_t f = p->free_list; f; f = *(hpa_t *)p->p2v(p->ctx, f))
		if (f < end && f + PAGE_SIZE > pa)
			return false;
	return true;
}
