/* Engine-neutral DMA for the VT-d suites: what edu and xHCI each do for
 * a write that must land, a read that must fetch, a DMA the unit blocks. */
#include "tests/kernel/vtd_fix_dma.h"
#include "iommu/vtd/fault.h"
#include "lib/string.h"
#include "lib/test.h"

#define FIX_READ_MAX   64	   /* longest fixed read (xHCI: two TRBs) */
#define FIX_IOVA_STAGE 0x100000ULL /* fix_write_lands, fix_read_fetches */

static u32 wlen_of(struct dma_engine *e)
{
	return fix_engine_free_form(e) ? FIX_LEN : e->mem_size;
}

u32 fix_wlen(const struct vtd_fix *f)
{
	return wlen_of(f->dev);
}

/* An engine with fixed reads accepts one length: the one its image is
 * given for (xHCI: XHCI_READ_LEN, two TRBs). */
u32 fix_rlen(const struct vtd_fix *f)
{
	u8 b[FIX_READ_MAX];

	if (fix_engine_free_form(f->dev))
		return FIX_LEN;
	for (u32 n = 16; n <= sizeof(b); n += 16)
		if (dma_image(f->dev, false, b, n) == 0)
			return n;
	return 0;
}

/* xHCI: 16 bytes for the bandwidth context it writes, 64 for the ring
 * segment it reads (its 6.4.3.8 and table 6-1). */
u32 fix_align(const struct vtd_fix *f, bool write)
{
	return fix_engine_free_form(f->dev) ? 1 : write ? 16 : 64;
}

u64 fix_last(const struct vtd_fix *f, u64 size, bool write)
{
	u32 len = write ? fix_wlen(f) : fix_rlen(f);
	u64 at = ALIGN_DOWN(size - len, fix_align(f, write));

	if (at + len != size)
		test_diag(
		    "last %s at leaf offset 0x%lx, %u bytes: the last %lu "
		    "bytes are out of its reach (%u-byte alignment)",
		    write ? "write" : "read", at, len, size - at - len,
		    fix_align(f, write));
	return at;
}

int fix_write_by(struct dma_engine *e, iova_t iova)
{
	return dma_write(e, 0, iova, wlen_of(e));
}

int fix_write_start_by(struct dma_engine *e, iova_t iova)
{
	return dma_write_start(e, 0, iova, wlen_of(e));
}

int fix_write(struct vtd_fix *f, iova_t iova)
{
	return fix_write_by(f->dev, iova);
}

int fix_read(struct vtd_fix *f, iova_t iova)
{
	return dma_read(f->dev, iova, 0, fix_rlen(f));
}

bool expect_blocked(struct vtd_fix *f, int err, bool write)
{
	/* edu completes; the IOMMU drops the access */
	if (fix_engine_free_form(f->dev))
		return EXPECT_OK(err);
	test_diag("%s: %d, controller: %s", write ? "write" : "read", err,
		  f->dev->status);
	return write || EXPECT_NE(err, 0);
}

/* A fresh pattern, never the canary nor zero. */
static u8 next_pat(struct vtd_fix *f)
{
	do
		f->pat += 0x3b;
	while (f->pat == CANARY || !f->pat);
	return f->pat;
}

bool fix_free_form(const struct vtd_fix *f)
{
	return fix_engine_free_form(f->dev);
}

u32 fix_prepare_write_on(struct vtd_fix *f, struct dma_engine *e,
			 struct vtd_domain *d, u8 *want)
{
	u32 len = wlen_of(e);

	ASSERT_TRUE(len <= FIX_WRITE_MAX);
	if (fix_engine_free_form(e)) {
		memset(want, next_pat(f), len);
		ASSERT_OK(fix_stage_on(f, e, d, FIX_IOVA_STAGE, want[0], len));
	} else
		ASSERT_OK(dma_image(e, true, want, len));
	return len;
}

u32 fix_prepare_write(struct vtd_fix *f, u8 *want)
{
	return fix_prepare_write_on(f, f->dev, &f->dom, want);
}

bool fix_write_lands_on(struct vtd_fix *f, struct dma_engine *e,
			struct vtd_domain *d, iova_t iova, u8 *va)
{
	static u8 want[FIX_WRITE_MAX], saved[FIX_WRITE_MAX];
	u32 len = fix_prepare_write_on(f, e, d, want);
	bool ok;

	memcpy(saved, va, len);
	int err = fix_write_by(e, iova);
	ok = EXPECT_OK(err) && EXPECT_MEMEQ(va, want, len);
	if (!ok)
		test_diag("%s's write of %u bytes at IOVA 0x%lx: %s", e->name,
			  len, iova, e->status);
	memcpy(va, saved, len);
	return ok;
}

bool fix_write_lands(struct vtd_fix *f, iova_t iova, u8 *va)
{
	return fix_write_lands_on(f, f->dev, &f->dom, iova, va);
}

bool fix_read_fetches(struct vtd_fix *f, iova_t iova, u8 *va)
{
	static u8 img[FIX_READ_MAX], saved[FIX_READ_MAX];
	static u8 back[FIX_LEN];
	u32 len = fix_rlen(f);
	bool ok;

	ASSERT_TRUE(len && len <= sizeof(img));
	if (fix_engine_free_form(f->dev))
		memset(img, next_pat(f), len);
	else
		ASSERT_OK(dma_image(f->dev, false, img, len));
	memcpy(saved, va, len);
	memcpy(va, img, len);
	int err = fix_read(f, iova);
	ok = EXPECT_OK(err) && EXPECT_MEMEQ(va, img, len);
	memcpy(va, saved, len);
	if (!ok)
		test_diag("read of %u bytes at IOVA 0x%lx: %s", len, iova,
			  f->dev->status);
	if (ok && fix_engine_free_form(f->dev)) {
		ASSERT_OK(fix_fetch(f, FIX_IOVA_STAGE, back, len));
		ok = EXPECT_MEMEQ(back, img, len);
	}
	return ok;
}

bool fix_engine_holds(struct dma_engine *e, iova_t addr)
{
	struct dma_region r[4];
	unsigned n = dma_regions(e, r, ARRAY_SIZE(r));

	for (unsigned i = 0; i < n && i < ARRAY_SIZE(r); i++)
		if (addr >= r[i].iova && addr - r[i].iova < r[i].len)
			return true;
	return false;
}

bool expect_device_fault(struct vtd_fix *f, unsigned reason, iova_t iova,
			 unsigned access)
{
	struct vtd_fault flt[1];

	if (fix_engine_free_form(f->dev))
		return expect_one_fault(f, reason, iova, access);
	if (!take_first_fault(f->unit, reason, &flt[0]))
		return false;
	if (!fix_engine_holds(f->dev, flt[0].addr))
		test_fail("fault address 0x%lx is none of %s's structures",
			  flt[0].addr, f->dev->name);
	else
		test_diag("blocked at 0x%lx, %s's own structures (%s)",
			  flt[0].addr, f->dev->name,
			  vtd_access_name(flt[0].access));
	return EXPECT_EQ(flt[0].sid, f->sid) && flt[0].reason == reason;
}
