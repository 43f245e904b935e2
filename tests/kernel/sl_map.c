/* Suite sl_map: second-level mappings of every leaf size, proven with DMA
 * at the first and last bytes of each page and across page and superpage
 * boundaries. Guard memory around every target must stay untouched. */
#include "arch/x86/mm.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "lib/test.h"
#include "tests/kernel/vtd_fix_dma.h"

#define LEN	64
#define IOVA_4K 0x400000ULL
#define IOVA_2M 0x800000ULL
#define IOVA_1G 0x40000000ULL

/* A region of @size bytes (4K or 2M, aligned to its size) between two
 * guard pages. Every DMA of this suite lands within 4 KiB of either end,
 * so canaries fill an 8 KiB window at each end: the guard page and the
 * region's edge page. (Filling 2 MiB costs seconds under -icount.) */
struct region {
	u8 *base, *va;
	u64 size;
};
#define WIN (2 * PAGE_SIZE)

static u8 *win_lo(const struct region *r)
{
	return r->va - PAGE_SIZE;
}

static u8 *win_hi(const struct region *r)
{
	return r->va + r->size - PAGE_SIZE;
}

static void region_get(struct region *r, u64 size)
{
	r->size = size;
	r->base = page_alloc_contig(3 * size / PAGE_SIZE, size);
	if (!r->base)
		test_skip("no %lu KiB of contiguous memory", 3 * size >> 10);
	r->va = r->base + size;
	memset(win_lo(r), CANARY, WIN);
	memset(win_hi(r), CANARY, WIN);
}

static void region_put(struct region *r)
{
	page_free_contig(r->base, 3 * r->size / PAGE_SIZE);
}

/* Both windows hold canaries everywhere but [off, off+n) of the region. */
static bool window_intact(u8 *w, u8 *hole, u64 n)
{
	if (hole < w || hole >= w + WIN)
		return EXPECT_BYTES(w, CANARY, WIN);
	return EXPECT_BYTES(w, CANARY, (u64)(hole - w)) &&
	       EXPECT_BYTES(hole + n, CANARY, WIN - (u64)(hole - w) - n);
}

static bool region_intact(const struct region *r, u64 off, u64 n)
{
	return window_intact(win_lo(r), r->va + off, n) &&
	       window_intact(win_hi(r), r->va + off, n);
}

/* A write to @iova lands exactly at @va (fix_write_lands: a pattern, or
 * the engine's own bytes), with the software walk agreeing on the
 * physical address. */
static void write_lands(struct vtd_fix *f, iova_t iova, u8 *va)
{
	struct pt_walk w;

	fix_write_lands(f, iova, va);
	ASSERT_OK(pt_lookup(&f->dom.pt, iova, &w));
	EXPECT_EQ(w.pa, virt_to_phys(va));
}

static void leaf_case(u64 size, iova_t iova)
{
	struct vtd_fix *f;
	struct region r;
	struct pt_walk w;

	f = fix_setup(0, FIX_INV_PREFERRED);
	if (!(f->dom.pt.cfg.page_sizes & size))
		test_skip("unit has no %lu KiB leaves (CAP.SLLPS)", size >> 10);
	if (iova + size - 1 >= dma_iova_limit(f->dev))
		test_skip("%s emits %u-bit addresses: cannot reach 0x%lx",
			  f->dev->name, f->dev->addr_bits, iova + size - 1);
	region_get(&r, size);
	ASSERT_OK(vtd_domain_map(&f->dom, iova, virt_to_phys(r.va), size,
				 PT_READ | PT_WRITE));
	ASSERT_OK(pt_lookup(&f->dom.pt, iova, &w));
	EXPECT_EQ(w.size, size);
	u64 wl = fix_last(f, size, true), rl = fix_last(f, size, false);
	write_lands(f, iova, r.va);
	write_lands(f, iova + wl, r.va + wl);
	fix_read_fetches(f, iova, r.va);
	fix_read_fetches(f, iova + rl, r.va + rl);
	region_intact(&r, 0, 0);
	expect_no_fault(f);
	region_put(&r);
}

TEST(sl_map, leaf_4k_first_and_last_bytes)
{
	leaf_case(PAGE_SIZE, IOVA_4K);
}

TEST(sl_map, leaf_2m_first_and_last_bytes)
{
	leaf_case(SZ_2M, IOVA_2M);
}

/* The last page below the domain's address width (2^39 or 2^48): the
 * walk uses the top entry of every level. */
TEST(sl_map, last_page_below_address_width)
{
	struct vtd_fix *f;

	f = fix_setup(0, FIX_INV_PREFERRED);
	iova_t top = (1ULL << f->dom.pt.cfg.aw) - PAGE_SIZE;
	if (top + PAGE_SIZE - 1 >= dma_iova_limit(f->dev))
		test_skip("%s emits %u-bit addresses: cannot reach 0x%lx",
			  f->dev->name, f->dev->addr_bits, top);
	ASSERT_OK(vtd_domain_map(&f->dom, top, virt_to_phys(f->dst.page),
				 PAGE_SIZE, PT_READ | PT_WRITE));
	u64 last = fix_last(f, PAGE_SIZE, true);
	write_lands(f, top + last, f->dst.page + last);
	fix_read_fetches(f, top, f->dst.page);
	guarded_intact(&f->dst, 0, 0);
	expect_no_fault(f);
}

/* A 1 GiB leaf over the gigabyte that holds the fixture's two guarded
 * pages: DMA at their offsets within it lands in them, at the first bytes
 * of one and the last bytes of the other. No other byte of the gigabyte
 * is touched, so nothing is assumed about what else lives there. */
TEST(sl_map, leaf_1g_maps_a_whole_gigabyte)
{
	struct vtd_fix *f;
	struct pt_walk w;

	f = fix_setup(0, FIX_INV_PREFERRED);
	if (!(f->dom.pt.cfg.page_sizes & SZ_1G))
		test_skip("unit has no 1 GiB leaves (CAP.SLLPS)");
	if (IOVA_1G + SZ_1G - 1 >= dma_iova_limit(f->dev))
		test_skip("%s emits %u-bit addresses: cannot reach 0x%llx",
			  f->dev->name, f->dev->addr_bits, IOVA_1G + SZ_1G - 1);
	hpa_t gb = ALIGN_DOWN(virt_to_phys(f->dst.page), SZ_1G);
	hpa_t src = virt_to_phys(f->src.page);
	if (ALIGN_DOWN(src, SZ_1G) != gb)
		test_skip("the guarded pages lie in two gigabytes");
	ASSERT_OK(
	    vtd_domain_map(&f->dom, IOVA_1G, gb, SZ_1G, PT_READ | PT_WRITE));
	ASSERT_OK(pt_lookup(&f->dom.pt, IOVA_1G + 0x1234, &w));
	EXPECT_EQ(w.size, SZ_1G);
	EXPECT_EQ(w.pa, gb + 0x1234);
	iova_t d = IOVA_1G + (virt_to_phys(f->dst.page) - gb);
	u64 last = fix_last(f, PAGE_SIZE, true);
	iova_t e = IOVA_1G + (src - gb) + last;
	write_lands(f, d, f->dst.page);
	guarded_intact(&f->dst, 0, 0);
	fix_write_lands(f, e, f->src.page + last);
	guarded_intact(&f->src, 0, 0);
	expect_no_fault(f);
}

/* Two adjacent IOVA pages (or superpages) backed by distant physical
 * regions: a DMA across the boundary is split between them. */
static void boundary_case(u64 size, iova_t iova)
{
	struct vtd_fix *f;
	struct region a, b;

	f = fix_setup(0, FIX_INV_PREFERRED);
	fix_need_free_form(f, "an access that straddles a boundary is "
			      "unaligned");
	if (!(f->dom.pt.cfg.page_sizes & size))
		test_skip("unit has no %lu KiB leaves", size >> 10);
	region_get(&a, size);
	region_get(&b, size);
	ASSERT_OK(vtd_domain_map(&f->dom, iova, virt_to_phys(a.va), size,
				 PT_READ | PT_WRITE));
	ASSERT_OK(vtd_domain_map(&f->dom, iova + size, virt_to_phys(b.va), size,
				 PT_READ | PT_WRITE));
	ASSERT_OK(fix_stage(f, 0x100000, 0x3d, LEN));
	ASSERT_OK(dma_write(f->dev, 0, iova + size - LEN / 2, LEN));
	EXPECT_BYTES(a.va + size - LEN / 2, 0x3d, LEN / 2);
	EXPECT_BYTES(b.va, 0x3d, LEN / 2);
	region_intact(&a, size - LEN / 2, LEN / 2);
	region_intact(&b, 0, LEN / 2);
	expect_no_fault(f);
	region_put(&a);
	region_put(&b);
}

TEST(sl_map, dma_across_4k_boundary_splits)
{
	boundary_case(PAGE_SIZE, IOVA_4K);
}

TEST(sl_map, dma_across_2m_boundary_splits)
{
	boundary_case(SZ_2M, IOVA_2M);
}

/* Unmap, DMA: the write faults (reason 5: no write permission, the entry
 * being not present) and moves nothing; map again, DMA lands. */
TEST(sl_map, unmap_faults_and_remap_works)
{
	struct vtd_fix *f;

	f = fix_setup(0, FIX_INV_PREFERRED);
	ASSERT_OK(vtd_domain_map(&f->dom, IOVA_4K, virt_to_phys(f->dst.page),
				 PAGE_SIZE, PT_READ | PT_WRITE));
	write_lands(f, IOVA_4K, f->dst.page);
	ASSERT_OK(vtd_domain_unmap(&f->dom, IOVA_4K, PAGE_SIZE));
	expect_blocked(f, fix_write(f, IOVA_4K), true);
	expect_one_fault(f, VTD_FR_WRITE, IOVA_4K, VTD_ACC_WRITE);
	guarded_intact(&f->dst, 0, 0);
	ASSERT_OK(vtd_domain_map(&f->dom, IOVA_4K, virt_to_phys(f->dst.page),
				 PAGE_SIZE, PT_READ | PT_WRITE));
	write_lands(f, IOVA_4K, f->dst.page);
	guarded_intact(&f->dst, 0, 0);
	expect_no_fault(f);
}

/* Unmapping 4 KiB inside a 2 MiB leaf splits it: the rest still maps. */
TEST(sl_map, partial_unmap_splits_superpage)
{
	struct vtd_fix *f;
	struct region r;
	struct pt_walk w;

	f = fix_setup(0, FIX_INV_PREFERRED);
	if (!(f->dom.pt.cfg.page_sizes & SZ_2M))
		test_skip("unit has no 2 MiB leaves");
	region_get(&r, SZ_2M);
	ASSERT_OK(vtd_domain_map(&f->dom, IOVA_2M, virt_to_phys(r.va), SZ_2M,
				 PT_READ | PT_WRITE));
	ASSERT_OK(vtd_domain_unmap(&f->dom, IOVA_2M + SZ_1M, PAGE_SIZE));
	ASSERT_OK(pt_lookup(&f->dom.pt, IOVA_2M, &w));
	EXPECT_EQ(w.size, PAGE_SIZE);
	EXPECT_EQ(pt_lookup(&f->dom.pt, IOVA_2M + SZ_1M, &w), -ENOENT);
	write_lands(f, IOVA_2M + SZ_1M + PAGE_SIZE, r.va + SZ_1M + PAGE_SIZE);
	expect_blocked(f, fix_write(f, IOVA_2M + SZ_1M), true);
	expect_one_fault(f, VTD_FR_WRITE, IOVA_2M + SZ_1M, VTD_ACC_WRITE);
	region_intact(&r, 0, 0);
	region_put(&r);
}

/* One unmap call issues exactly one IOTLB invalidation; a map issues one
 * only under caching mode (not-present to present needs none otherwise,
 * VT-d 6.1), however many leaves the call writes. */
TEST(sl_map, one_invalidation_per_call)
{
	struct vtd_fix *f;
	struct region r;

	f = fix_setup(0, FIX_INV_PREFERRED);
	region_get(&r, SZ_2M);
	bool cm = f->unit->cap & VTD_CAP_CM;
	u64 i0 = f->unit->stats.iotlb_inv;
	ASSERT_OK(vtd_domain_map(&f->dom, IOVA_2M + PAGE_SIZE,
				 virt_to_phys(r.va) + PAGE_SIZE,
				 SZ_2M - 2 * PAGE_SIZE, PT_READ | PT_WRITE));
	u64 i1 = f->unit->stats.iotlb_inv;
	ASSERT_OK(vtd_domain_unmap(&f->dom, IOVA_2M + PAGE_SIZE,
				   SZ_2M - 2 * PAGE_SIZE));
	u64 i2 = f->unit->stats.iotlb_inv;
	test_diag("%u leaves: %lu invalidation(s) for the map (CM %d), %lu "
		  "for the unmap",
		  510, i1 - i0, cm, i2 - i1);
	EXPECT_EQ(i1 - i0, cm ? 1 : 0);
	EXPECT_EQ(i2 - i1, 1);
	region_put(&r);
}
