/* Suite isolation: two edu devices in two domains. Each reaches only its
 * own memory; the kernel's memory is reachable by neither; a device with
 * no domain is blocked. */
#include "arch/x86/mm.h"
#include "iommu/vtd/fault.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "lib/test.h"
#include "tests/kernel/vtd_fix.h"

#define IOVA 0x300000ULL
#define LEN  64

extern char __image_start[];

/* The second device: static, as teardown runs after the test's frame is
 * gone; its domain and memory are the fixture's to free. */
static struct second {
	struct dma_engine *dev;
	struct vtd_domain *dom;
	struct guarded mem;
} second;

/* Device 1 in its own domain on the fixture's unit, translation already
 * on through the fixture for device 0. */
static struct second *second_setup(struct vtd_fix *f)
{
	struct second *s = &second;

	s->dev = dma_find("edu", 1);
	if (!s->dev)
		test_skip("the lane has one edu device; isolation needs two");
	if (vtd_unit_for_device(s->dev->pci->seg, s->dev->pci->bus,
				s->dev->pci->devfn) != f->unit)
		test_skip("the two edu devices sit behind different units");
	guarded_init(&s->mem);
	s->dom = fix_domain(f);
	ASSERT_OK(vtd_domain_attach(s->dom, f->unit, s->dev->pci->bus,
				    s->dev->pci->devfn));
	return s;
}

/* The same IOVA in both domains leads each device to its own page. */
TEST(isolation, same_iova_reaches_own_memory)
{
	struct vtd_fix *f;
	struct second *s;

	f = fix_setup(0, FIX_INV_PREFERRED);
	s = second_setup(f);
	ASSERT_OK(vtd_domain_map(&f->dom, IOVA, virt_to_phys(f->dst.page),
				 PAGE_SIZE, PT_READ | PT_WRITE));
	ASSERT_OK(vtd_domain_map(s->dom, IOVA, virt_to_phys(s->mem.page),
				 PAGE_SIZE, PT_READ | PT_WRITE));
	ASSERT_OK(fix_stage(f, 0x100000, 0x1a, LEN));
	ASSERT_OK(fix_stage_on(f, s->dev, s->dom, 0x100000, 0x2b, LEN));
	ASSERT_OK(dma_write(f->dev, 0, IOVA, LEN));
	ASSERT_OK(dma_write(s->dev, 0, IOVA, LEN));
	EXPECT_BYTES(f->dst.page, 0x1a, LEN);
	EXPECT_BYTES(s->mem.page, 0x2b, LEN);
	guarded_intact(&f->dst, 0, LEN);
	guarded_intact(&s->mem, 0, LEN);
	expect_no_fault(f);
}

/* An IOVA only the other domain maps faults, with this device's id. */
TEST(isolation, other_domains_iova_faults)
{
	struct vtd_fix *f;
	struct second *s;

	f = fix_setup(0, FIX_INV_PREFERRED);
	s = second_setup(f);
	ASSERT_OK(vtd_domain_map(s->dom, IOVA, virt_to_phys(s->mem.page),
				 PAGE_SIZE, PT_READ | PT_WRITE));
	ASSERT_OK(dma_write(f->dev, 0, IOVA, LEN));
	expect_one_fault(f, VTD_FR_WRITE, IOVA, VTD_ACC_WRITE);
	guarded_intact(&s->mem, 0, 0);
}

/* The kernel image is mapped in no domain: a device aiming at its
 * physical address (as if it were identity-mapped) faults, kernel bytes
 * intact. */
TEST(isolation, kernel_memory_unreachable)
{
	struct vtd_fix *f;
	static u8 copy[4 * LEN]; /* the target and what follows it */
	iova_t k = virt_to_phys(__image_start);

	f = fix_setup(0, FIX_INV_PREFERRED);
	memcpy(copy, __image_start, sizeof(copy));
	ASSERT_OK(fix_stage(f, 0x100000, 0xee, LEN));
	ASSERT_OK(dma_write(f->dev, 0, k, LEN));
	expect_one_fault(f, VTD_FR_WRITE, k, VTD_ACC_WRITE);
	EXPECT_MEMEQ(__image_start, copy, sizeof(copy));
}

/* A device whose context entry is not present is blocked outright. */
TEST(isolation, device_without_domain_blocked)
{
	struct vtd_fix *f;
	struct dma_engine *e;

	f = fix_setup(0, FIX_INV_PREFERRED);
	e = dma_find("edu", 1);
	if (!e)
		test_skip("the lane has one edu device");
	if (vtd_unit_for_device(e->pci->seg, e->pci->bus, e->pci->devfn) !=
	    f->unit)
		test_skip("the two edu devices sit behind different units");
	ASSERT_OK(dma_write(e, 0, virt_to_phys(f->dst.page), LEN));
	struct vtd_fault flt;
	vtd_fault_drain(f->unit);
	ASSERT_EQ(vtd_fault_take(f->unit, &flt, 1), 1);
	EXPECT_EQ(flt.reason, VTD_FR_CTX_NOT_PRESENT);
	EXPECT_EQ(flt.sid, e->sid);
	guarded_intact(&f->dst, 0, 0);
}
