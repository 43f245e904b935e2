/* Physical page allocator over the boot memory map. Pure: the caller gives
 * the map, the ranges to keep out, and a way to reach a page's memory (the
 * free list is threaded through freed pages). */
#ifndef ARCH_X86_PMM_H
#define ARCH_X86_PMM_H

#include "boot/bootinfo.h"

#define PMM_MAX_RANGES 128

struct pmm {
	struct mem_range free[PMM_MAX_RANGES]; /* sorted by base */
	unsigned nr_free;
	hpa_t free_list; /* freed pages, linked through their first word */
	void *(*p2v)(void *ctx, hpa_t pa);
	void *ctx;
	u64 free_pages;
};

/* Usable pages are the type-1 ranges of @map, shrunk to whole pages, minus
 * every other range of @map (overlapping entries: the non-usable one wins)
 * and minus @keep_out. Returns 0 or -ENOSPC if the ranges do not fit. */
int pmm_init(struct pmm *p, const struct mem_range *map, unsigned nr_map,
	     const struct mem_range *keep_out, unsigned nr_keep,
	     void *(*p2v)(void *ctx, hpa_t pa), void *ctx);
/* One page, or 0 when memory is exhausted (page 0 is never handed out). */
hpa_t pmm_alloc(struct pmm *p);
/* @npages contiguous pages aligned to @align bytes (a power of two >= 4K),
 * or 0. Taken from the free ranges only (lowest first). */
hpa_t pmm_alloc_contig(struct pmm *p, u64 npages, u64 align);
/* One page back onto the free list: the next pmm_alloc() returns it. */
void pmm_free(struct pmm *p, hpa_t pa);
/* @npages contiguous pages back as a free range, merged with its
 * neighbours, so that the next contiguous allocation can reuse them; page
 * by page onto the free list when the range table is full. */
void pmm_free_range(struct pmm *p, hpa_t pa, u64 npages);
/* Is [pa, pa+len) entirely outside every page this allocator may give,
 * untouched ranges and freed pages alike? */
bool pmm_is_outside(const struct pmm *p, hpa_t pa, u64 len);

#endif
