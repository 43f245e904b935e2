/* Host benchmark of the page-table builder: map and unmap 1 GiB and 16 GiB
 * of IOVA with 4K, 2M and 1G leaves, in one call ("bulk") and one call per
 * leaf ("percall"), against the floor of a memset of the same number of
 * leaf bytes (8 per leaf). Each line: bench: name=... value=... unit=...
 *
 * Tables come from a pre-faulted pool, so page faults of the host do not
 * count; each allocation is zeroed, as the kernel's allocator does. The
 * caller below issues one invalidation per non-empty gather, as the domain
 * code does, and reports invalidations per call. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "iommu/vtd/pgtable.h"

#define POOL_PAGES 8400 /* 16G of 4K leaves: 8192 + 16 + 2 tables */
#define POOL_BASE  0x100000000000ULL
#define MAMV	   18 /* QEMU's CAP.MAMV */

static u8 *pool;
static u32 pool_free[POOL_PAGES], pool_top;
static u64 flush_calls;

static void *b_alloc(void *ctx, hpa_t *pa)
{
	u32 i;

	if (!pool_top)
		return NULL;
	i = pool_free[--pool_top];
	memset(pool + (u64)i * PAGE_SIZE, 0, PAGE_SIZE);
	*pa = POOL_BASE + (u64)i * PAGE_SIZE;
	return pool + (u64)i * PAGE_SIZE;
}

static void b_free(void *ctx, void *va, hpa_t pa)
{
	pool_free[pool_top++] = (u32)((pa - POOL_BASE) / PAGE_SIZE);
}

static void *b_p2v(void *ctx, hpa_t pa)
{
	return pool + (pa - POOL_BASE);
}

/* What the kernel does for ECAP.C=0: CLFLUSH every line of the range. */
static void b_flush(void *ctx, const void *va, size_t len)
{
	uintptr_t p = ALIGN_DOWN((uintptr_t)va, 64);

	for (; p < (uintptr_t)va + len; p += 64)
		__builtin_ia32_clflush((const void *)p);
	flush_calls++;
}

static const struct pt_ops b_ops = { b_alloc, b_free, b_p2v, b_flush };

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static void out(const char *name, const char *what, double v, const char *u)
{
	printf("bench: name=pgtable.%s.%s value=%.3f unit=%s\n", name, what, v,
	       u);
}

/* Best time of one memset of len bytes, repeated in batches for small
 * lengths so the clock's resolution does not dominate. */
static double memset_floor(u8 *buf, u64 len)
{
	u64 batch = len < (1 << 20) ? (1 << 20) / len : 1;
	double best = 1e30;

	for (int r = 0; r < 20; r++) {
		double t = now_ns();

		for (u64 k = 0; k < batch; k++) {
			memset(buf, 0x5a + r, len);
			__asm__ volatile("" : : "r"(buf) : "memory");
		}
		t = (now_ns() - t) / batch;
		best = t < best ? t : best;
	}
	return best;
}

struct run {
	double map_ns, unmap_ns;	     /* best over iterations */
	u64 calls[2], invals[2], flushes[2]; /* [0] unmap, [1] map */
	int psi_am; /* of the bulk map's gather, -1: domain-selective */
};

static void invalidate(struct pt *pt, struct pt_gather *g, struct run *r)
{
	iova_t addr;
	unsigned am;

	if (!g->valid)
		return;
	r->invals[g->nonpresent_to_present]++;
	r->psi_am = pt_gather_psi(g, MAMV, &addr, &am) ? (int)am : -1;
	pt_gather_release(pt, g);
}

static void pass(struct pt *pt, u64 size, u64 step, bool map, struct run *r)
{
	struct pt_gather g;
	u64 flushes = flush_calls;
	double t = now_ns();

	pt_gather_init(&g);
	for (u64 off = 0; off < size; off += step) {
		int ret = map ? pt_map(pt, off, SZ_1G + off, step,
				       PT_READ | PT_WRITE, &g)
			      : pt_unmap(pt, off, step, &g);

		if (ret) {
			fprintf(stderr, "bench: %s failed: %d\n",
				map ? "map" : "unmap", ret);
			exit(1);
		}
		r->calls[map]++;
		invalidate(pt, &g, r);
	}
	t = now_ns() - t;
	r->flushes[map] += flush_calls - flushes;
	if (map && t < r->map_ns)
		r->map_ns = t;
	if (!map && t < r->unmap_ns)
		r->unmap_ns = t;
}

static struct run measure(u64 size, u64 sizes, u64 step, bool coherent)
{
	struct pt_config cfg = { .levels = 4,
				 .aw = 48,
				 .page_sizes = sizes,
				 .coherent = coherent,
				 .snoop = true };
	struct run r = { .map_ns = 1e30, .unmap_ns = 1e30 };
	double start = now_ns();
	struct pt pt;

	if (pt_init(&pt, &pt_fmt_vtd_sl, &cfg, &b_ops, NULL))
		exit(1);
	for (int it = 0; it < 3 || now_ns() - start < 2e8; it++) {
		pass(&pt, size, step, true, &r);
		pass(&pt, size, step, false, &r);
		if (it >= 1000)
			break;
	}
	pt_destroy(&pt);
	return r;
}

static void report(const char *name, struct run *r, double floor)
{
	out(name, "map", r->map_ns, "ns");
	out(name, "unmap", r->unmap_ns, "ns");
	out(name, "map_vs_memset", r->map_ns / floor, "ratio");
	out(name, "unmap_vs_memset", r->unmap_ns / floor, "ratio");
	out(name, "inval_per_map", (double)r->invals[1] / r->calls[1],
	    "inval/call");
	out(name, "inval_per_unmap", (double)r->invals[0] / r->calls[0],
	    "inval/call");
	if (r->flushes[0] + r->flushes[1]) {
		out(name, "flushes_per_map",
		    (double)r->flushes[1] / r->calls[1], "flush/call");
		out(name, "flushes_per_unmap",
		    (double)r->flushes[0] / r->calls[0], "flush/call");
	}
}

int main(void)
{
	static const struct {
		const char *name;
		u64 leaf, sizes;
	} kinds[] = { { "4k", PAGE_SIZE, PAGE_SIZE },
		      { "2m", SZ_2M, PAGE_SIZE | SZ_2M },
		      { "1g", SZ_1G, PAGE_SIZE | SZ_2M | SZ_1G } };
	u8 *floor_buf = malloc(32 << 20);
	char name[64];

	pool = mmap(NULL, (u64)POOL_PAGES * PAGE_SIZE, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (pool == MAP_FAILED || !floor_buf)
		return 1;
	memset(pool, 0, (u64)POOL_PAGES * PAGE_SIZE);
	memset(floor_buf, 0, 32 << 20);
	for (u32 i = 0; i < POOL_PAGES; i++)
		pool_free[pool_top++] = POOL_PAGES - 1 - i;

	for (u64 gib = 1; gib <= 16; gib *= 16) {
		for (unsigned k = 0; k < ARRAY_SIZE(kinds); k++) {
			u64 size = gib * SZ_1G, leaves = size / kinds[k].leaf;
			double floor = memset_floor(floor_buf, leaves * 8);
			struct run r;

			snprintf(name, sizeof(name), "%llug.%s",
				 (unsigned long long)gib, kinds[k].name);
			out(name, "memset_floor", floor, "ns");
			r = measure(size, kinds[k].sizes, size, true);
			out(name, "bulk.psi_am", r.psi_am, "am(-1=dsi)");
			snprintf(name, sizeof(name), "%llug.%s.bulk",
				 (unsigned long long)gib, kinds[k].name);
			report(name, &r, floor);
			r = measure(size, kinds[k].sizes, kinds[k].leaf, true);
			snprintf(name, sizeof(name), "%llug.%s.percall",
				 (unsigned long long)gib, kinds[k].name);
			report(name, &r, floor);
			r = measure(size, kinds[k].sizes, size, false);
			snprintf(name, sizeof(name), "%llug.%s.bulk_clflush",
				 (unsigned long long)gib, kinds[k].name);
			report(name, &r, floor);
		}
	}
	return 0;
}
