/* Host benchmark of the page-table builder: map and unmap 1 GiB and 16 GiB
 * of IOVA with 4K, 2M and 1G leaves, in one call ("bulk", also with CLFLUSH
 * for a non-coherent walker: "bulk_clflush") and one call per leaf
 * ("percall"). Each line: bench: name=... value=... unit=... [target=...]
 *
 * Timing. Every case runs once untimed, then an odd number of repetitions
 * (at least 5, 3 per call, more while under 0.2 s) of a map pass and an
 * unmap pass. Values are medians, *_min the best. Each quantity is timed
 * in its own steady state, back to back after an untimed run, so that its
 * memory is as warm as its own repetition leaves it: the pool's pages for
 * the passes (the pool is LIFO, so every repetition reuses the same
 * pages), one buffer for the floors. (A cold "fresh buffer" floor would be
 * slower than the warm pages map gets, and so flatter the builder.) The
 * floors run in two blocks, before and after the passes, so that drift in
 * the machine's load evens out. Times come from the TSC, calibrated
 * against CLOCK_MONOTONIC, less the cost of reading it. The caller issues
 * one invalidation per non-empty gather, as the domain code does, and
 * pt_gather_release() frees the unlinked tables inside the timed pass.
 * Tables come from a pre-faulted pool and are zeroed on allocation, as
 * the kernel's page_alloc() does.
 *
 * Floors:
 *  - memset_floor: memset of the PTE bytes, 8 per leaf, the floor.
 *    *_vs_memset divides by it; unmap is held to it (target=2): it has to
 *    read every leaf to refuse a hole, and at most clears as many bytes.
 *  - map_floor: one 4 KiB memset per table the map allocates (the
 *    allocator's zeroing: pt_ops.alloc_page returns a zeroed page), then
 *    the memset of the PTE bytes, into the same buffer. Any map pays that
 *    zeroing before it writes a leaf; with 4K leaves it doubles the bytes
 *    written. map_vs_floor divides by it (target=2); map_vs_memset is kept
 *    for the figure.
 * With 1G leaves the PTE bytes are 8 or 128, a few ns of memset against a
 * call's fixed cost (argument checks, a table allocated per map, a scan of
 * the table unmap empties), so no target applies.
 *
 * Instruction counts, stable where times are not:
 *   valgrind --tool=callgrind --callgrind-out-file=/tmp/cg \
 *	build/bench/bench_pgtable --callgrind=/tmp/cg [filter]
 * runs each selected case once; every pass is counted on its own (dumped
 * to /tmp/cg.1, .2, ...) and printed as *.map_instr and *.unmap_instr.
 * The filter keeps the cases whose name contains it: "16g.2m.bulk" also
 * selects "16g.2m.bulk_clflush". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <x86intrin.h>

#include "mm/pgtable.h"

#if __has_include(<valgrind/callgrind.h>)
#include <valgrind/callgrind.h>
#else
#define CALLGRIND_ZERO_STATS
#define CALLGRIND_DUMP_STATS_AT(s) ((void)(s))
#endif

#define POOL_PAGES 8400 /* 16G of 4K leaves: 8192 + 16 + 2 tables */
#define POOL_BASE  0x100000000000ULL
#define MAMV	   18 /* QEMU's CAP.MAMV */
#define MAX_REPS   101

static u8 *pool;
static u32 pool_free[POOL_PAGES], pool_top;
static u64 flush_calls;
static double ns_per_tick, tick_cost; /* TSC calibration */
static const char *cg_prefix;	      /* --callgrind=PREFIX */
static unsigned cg_dumps;
static bool cg_mode;

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

static u64 ticks(void)
{
	_mm_lfence();
	return __rdtsc();
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Timed repetitions of one quantity. */
struct series {
	double v[MAX_REPS + 1];
	int n;
};

static double median(struct series *s)
{
	qsort(s->v, s->n, sizeof(s->v[0]), cmp_double);
	return s->v[s->n / 2];
}

static void calibrate(void)
{
	struct series s = { .n = 21 };
	double t = now_ns();
	u64 c = ticks();

	while (now_ns() - t < 5e7)
		;
	ns_per_tick = (now_ns() - t) / (double)(ticks() - c);
	for (int i = 0; i < s.n; i++) {
		c = ticks();
		s.v[i] = (double)(ticks() - c);
	}
	tick_cost = median(&s);
}

static double elapsed_ns(u64 start)
{
	double t = ((double)(ticks() - start) - tick_cost) * ns_per_tick;

	return t > 0 ? t : 0;
}

/* Repetitions after the untimed first run: enough for 0.2 s, odd. */
static int reps_for(double once_ns, int min)
{
	double n = 2e8 / (once_ns > 1 ? once_ns : 1);
	int reps = n > MAX_REPS ? MAX_REPS : n < min ? min : (int)n;

	return cg_mode ? 1 : reps | 1;
}

static void out(const char *name, const char *what, double v, const char *u,
		const char *target)
{
	printf("bench: name=pgtable.%s.%s value=%.3f unit=%s%s%s\n", name, what,
	       v, u, target ? " target=" : "", target ? target : "");
}

/* Under callgrind: the instructions since the last CALLGRIND_ZERO_STATS,
 * read back from the dump just written; -1 when not known. */
static double cg_dump(const char *name, const char *what)
{
	char id[96], path[512], line[256];
	double ir = -1;
	FILE *f;

	snprintf(id, sizeof(id), "pgtable.%s.%s", name, what);
	CALLGRIND_DUMP_STATS_AT(id);
	snprintf(path, sizeof(path), "%s.%u", cg_prefix ? cg_prefix : "",
		 ++cg_dumps);
	f = cg_prefix ? fopen(path, "r") : NULL;
	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, "summary: ", 9))
			ir = strtod(line + 9, NULL);
	if (f)
		fclose(f);
	return ir;
}

/* One run of a floor: the zeroing of tables pages one by one (the
 * allocator's work), then the PTE bytes; repeated up to 1 MiB for small
 * sizes so that reading the clock does not dominate. */
static double floor_once(u8 *buf, u64 tables, u64 pte_bytes)
{
	u64 bytes = pte_bytes + tables * PAGE_SIZE;
	u64 batch = bytes < (1 << 20) ? (1 << 20) / bytes : 1;
	u64 start = ticks();

	for (u64 k = 0; k < batch; k++) {
		for (u64 t = 0; t < tables; t++)
			memset(buf + t * PAGE_SIZE, 0, PAGE_SIZE);
		memset(buf, 0x5a, pte_bytes);
		__asm__ volatile("" : : "r"(buf) : "memory");
	}
	return elapsed_ns(start) / batch;
}

enum { T_UNMAP, T_MAP, T_PTE_FLOOR, T_MAP_FLOOR, T_NR };

struct run {
	struct series t[T_NR];		     /* medians of the repetitions */
	u64 calls[2], invals[2], flushes[2]; /* [T_UNMAP], [T_MAP] */
	double instr[2];		     /* callgrind mode */
	u64 tables;			     /* tables one map pass adds */
	int psi_am; /* of the last map's gather, -1: domain-selective */
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

/* Map or unmap [0, size) in calls of step bytes; returns the time. */
static double pass(struct pt *pt, u64 size, u64 step, bool map, struct run *r)
{
	struct pt_gather g;
	u64 start = ticks();

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
	return elapsed_ns(start);
}

static void timed_pass(struct pt *pt, u64 size, u64 step, bool map,
		       struct run *r, const char *name)
{
	u64 flushes = flush_calls, tables = pt->nr_tables;

	if (cg_mode)
		CALLGRIND_ZERO_STATS;
	r->t[map].v[r->t[map].n++] = pass(pt, size, step, map, r);
	if (cg_mode)
		r->instr[map] = cg_dump(name, map ? "map" : "unmap");
	r->flushes[map] += flush_calls - flushes;
	if (map)
		r->tables = pt->nr_tables - tables;
}

static void add(struct series *s, double v)
{
	s->v[s->n++] = v;
}

/* A block of runs of both floors, each warmed by one untimed run. */
static void floor_block(struct run *r, u8 *buf, u64 pte_bytes, int n)
{
	floor_once(buf, 0, pte_bytes);
	for (int i = 0; i < n; i++)
		add(&r->t[T_PTE_FLOOR], floor_once(buf, 0, pte_bytes));
	floor_once(buf, r->tables, pte_bytes);
	for (int i = 0; i < n; i++)
		add(&r->t[T_MAP_FLOOR], floor_once(buf, r->tables, pte_bytes));
}

/* The untimed first run, the repetitions of a map pass and an unmap pass,
 * and the floors in two blocks, before and after. */
static struct run measure(const char *name, u64 size, u64 leaf, u64 step,
			  const struct pt_config *cfg, u8 *floor_buf)
{
	u64 pte_bytes = size / leaf * 8;
	struct run r = { 0 };
	struct pt pt;
	int reps = 1;

	if (pt_init(&pt, &pt_fmt_vtd_sl, cfg, &b_ops, NULL))
		exit(1);
	if (!cg_mode) {
		double t = pass(&pt, size, step, true, &r);

		r.tables = pt.nr_tables - 1;
		t += pass(&pt, size, step, false, &r);
		r = (struct run){ .tables = r.tables };
		reps = reps_for(t, step == size ? 5 : 3);
		floor_block(&r, floor_buf, pte_bytes, (reps + 1) / 2);
	}
	for (int i = 0; i < reps; i++) {
		timed_pass(&pt, size, step, true, &r, name);
		timed_pass(&pt, size, step, false, &r, name);
	}
	if (!cg_mode)
		floor_block(&r, floor_buf, pte_bytes, (reps + 1) / 2);
	pt_destroy(&pt);
	return r;
}

static void report_times(const char *name, struct run *r, const char *target)
{
	double map = median(&r->t[T_MAP]), unmap = median(&r->t[T_UNMAP]);
	double pte_floor = median(&r->t[T_PTE_FLOOR]);
	double map_floor = median(&r->t[T_MAP_FLOOR]);

	out(name, "memset_floor", pte_floor, "ns", NULL);
	out(name, "map_floor", map_floor, "ns", NULL);
	out(name, "map", map, "ns", NULL);
	out(name, "unmap", unmap, "ns", NULL);
	out(name, "map_min", r->t[T_MAP].v[0], "ns", NULL);
	out(name, "unmap_min", r->t[T_UNMAP].v[0], "ns", NULL);
	out(name, "map_vs_floor", map / map_floor, "ratio", target);
	out(name, "map_vs_memset", map / pte_floor, "ratio", NULL);
	out(name, "unmap_vs_memset", unmap / pte_floor, "ratio", target);
}

static void report(const char *name, struct run *r, const char *target)
{
	if (!cg_mode)
		report_times(name, r, target);
	out(name, "tables_per_map", (double)r->tables, "tables", NULL);
	out(name, "inval_per_map", (double)r->invals[1] / r->calls[1],
	    "inval/call", target ? "1" : NULL);
	out(name, "inval_per_unmap", (double)r->invals[0] / r->calls[0],
	    "inval/call", target ? "1" : NULL);
	if (r->flushes[0] + r->flushes[1]) {
		out(name, "flushes_per_map",
		    (double)r->flushes[1] / r->calls[1], "flush/call", NULL);
		out(name, "flushes_per_unmap",
		    (double)r->flushes[0] / r->calls[0], "flush/call", NULL);
	}
	if (cg_mode) {
		out(name, "map_instr", r->instr[1], "instr", NULL);
		out(name, "unmap_instr", r->instr[0], "instr", NULL);
	}
}

static const struct kind {
	const char *name;
	u64 leaf, sizes;
} kinds[] = { { "4k", PAGE_SIZE, PAGE_SIZE },
	      { "2m", SZ_2M, PAGE_SIZE | SZ_2M },
	      { "1g", SZ_1G, PAGE_SIZE | SZ_2M | SZ_1G } };

static const struct mode {
	const char *name;
	bool percall, coherent, target;
} modes[] = { { "bulk", false, true, true },
	      { "percall", true, true, false },
	      { "bulk_clflush", false, false, false } };

/* One size and leaf kind in every selected mode. */
static void bench_kind(u64 gib, const struct kind *k, const char *filter,
		       u8 *floor_buf)
{
	u64 size = gib * SZ_1G;
	char name[64];

	for (unsigned m = 0; m < ARRAY_SIZE(modes); m++) {
		const struct mode *md = &modes[m];
		struct pt_config cfg = { .levels = 4,
					 .aw = 48,
					 .page_sizes = k->sizes,
					 .coherent = md->coherent,
					 .snoop = true };
		struct run r;

		snprintf(name, sizeof(name), "%llug.%s.%s",
			 (unsigned long long)gib, k->name, md->name);
		if (filter && !strstr(name, filter))
			continue;
		r = measure(name, size, k->leaf, md->percall ? k->leaf : size,
			    &cfg, floor_buf);
		if (!md->percall)
			out(name, "psi_am", r.psi_am, "am(-1=dsi)", NULL);
		report(name, &r, md->target && k->leaf != SZ_1G ? "2" : NULL);
	}
}

int main(int argc, char **argv)
{
	const char *filter = NULL;
	u8 *floor_buf;

	for (int i = 1; i < argc; i++) {
		if (!strncmp(argv[i], "--callgrind", 11)) {
			cg_mode = true;
			cg_prefix = argv[i][11] == '=' ? argv[i] + 12 : NULL;
		} else {
			filter = argv[i];
		}
	}
	pool = mmap(NULL, (u64)POOL_PAGES * PAGE_SIZE, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	floor_buf = mmap(NULL, (u64)POOL_PAGES * PAGE_SIZE,
			 PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (pool == MAP_FAILED || floor_buf == MAP_FAILED)
		return 1;
	memset(pool, 0, (u64)POOL_PAGES * PAGE_SIZE);
	memset(floor_buf, 0, (u64)POOL_PAGES * PAGE_SIZE);
	for (u32 i = 0; i < POOL_PAGES; i++)
		pool_free[pool_top++] = POOL_PAGES - 1 - i;
	calibrate();
	for (u64 gib = 1; gib <= 16; gib *= 16)
		for (unsigned k = 0; k < ARRAY_SIZE(kinds); k++)
			bench_kind(gib, &kinds[k], filter, floor_buf);
	return 0;
}
