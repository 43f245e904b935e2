/* Suite isolation: two edu devices in two domains. Each reaches only its
 * own memory; the kernel's memory is reachable by neither; a device with
 * no domain is blocked. */
#include "arch/x86/mm.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "lib/test.h"
#include "tests/kernel/vtd_fix.h"

#define IOVA 0x300000ULL
#define LEN  64

extern char __image_start[];

struct second {
	struct edu edu;
	struct vtd_domain dom;
	struct guarded mem;
};

/* Device 1 in its own domain on the fixture's unit, translation already
 * on through the fixture for device 0. */
static void second_setup(struct vtd_fix *f, struct second *s)
{
	if (edu_open(&s->edu, 1))
		test_skip("the lane has one edu device; isolation needs two");
	if (vtd_unit_for_device(s->edu.pci->seg, s->edu.pci->bus,
				s->edu.pci->devfn) != f->unit)
		test_skip("the two edu devices sit behind different units");
	ASSERT_OK(vtd_domain_init(&s->dom, f->unit, f->dom.aw));
	ASSERT_OK(vtd_domain_attach(&s->dom, f->unit, s->edu.pci->bus,
				    s->edu.pci->devfn));
	guarded_init(&s->mem);
}

static void second_teardown(struct second *s)
{
	vtd_domain_destroy(&s->dom);
	guarded_free(&s->mem);
}

/* The same IOVA in both domains leads each device to its own page. */
TEST(isolation, same_iova_reaches_own_memory)
{
	struct vtd_fix f;
	struct second s;

	fix_setup(&f, 0, false);
	second_setup(&f, &s);
	ASSERT_OK(vtd_domain_map(&f.dom, IOVA, virt_to_phys(f.dst.page),
				 PAGE_SIZE, PT_READ | PT_WRITE));
	ASSERT_OK(vtd_domain_map(&s.dom, IOVA, virt_to_phys(s.mem.page),
				 PAGE_SIZE, PT_READ | PT_WRITE));
	ASSERT_OK(fix_stage(&f, 0x100000, 0x1a, LEN));
	ASSERT_OK(fix_stage_on(&f, &s.edu, &s.dom, 0x100000, 0x2b, LEN));
	ASSERT_OK(edu_dma_to_ram(&f.edu, 0, IOVA, LEN));
	ASSERT_OK(edu_dma_to_ram(&s.edu, 0, IOVA, LEN));
	EXPECT_BYTES(f.dst.page, 0x1a, LEN);
	EXPECT_BYTES(s.mem.page, 0x2b, LEN);
	guarded_intact(&f.dst, 0, LEN);
	guarded_intact(&s.mem, 0, LEN);
	expect_no_fault(&f);
	second_teardown(&s);
	fix_teardown(&f);
}

/* An IOVA only the other domain maps faults, with this device's id. */
TEST(isolation, other_domains_iova_faults)
{
	struct vtd_fix f;
	struct second s;

	fix_setup(&f, 0, false);
	second_setup(&f, &s);
	ASSERT_OK(vtd_domain_map(&s.dom, IOVA, virt_to_phys(s.mem.page),
				 PAGE_SIZE, PT_READ | PT_WRITE));
	ASSERT_OK(edu_dma_to_ram(&f.edu, 0, IOVA, LEN));
	expect_one_fault(&f, VTD_FR_WRITE, IOVA);
	guarded_intact(&s.mem, 0, 0);
	second_teardown(&s);
	fix_teardown(&f);
}

/* The kernel image is mapped in no domain: a device aiming at its
 * physical address (as if it were identity-mapped) faults, kernel bytes
 * intact. */
TEST(isolation, kernel_memory_unreachable)
{
	struct vtd_fix f;
	static u8 copy[4 * LEN]; /* the target and what follows it */
	iova_t k = virt_to_phys(__image_start);

	fix_setup(&f, 0, false);
	memcpy(copy, __image_start, sizeof(copy));
	ASSERT_OK(fix_stage(&f, 0x100000, 0xee, LEN));
	ASSERT_OK(edu_dma_to_ram(&f.edu, 0, k, LEN));
	expect_one_fault(&f, VTD_FR_WRITE, k);
	EXPECT_MEMEQ(__image_start, copy, sizeof(copy));
	fix_teardown(&f);
}

/* A device whose context entry is not present is blocked outright. */
TEST(isolation, device_without_domain_blocked)
{
	struct vtd_fix f;
	struct edu e;

	fix_setup(&f, 0, false);
	if (edu_open(&e, 1))
		test_skip("the lane has one edu device");
	if (vtd_unit_for_device(e.pci->seg, e.pci->bus, e.pci->devfn) != f.unit)
		test_skip("the two edu devices sit behind different units");
	ASSERT_OK(edu_dma_to_ram(&e, 0, virt_to_phys(f.dst.page), LEN));
	struct vtd_fault flt;
	vtd_fault_drain(f.unit);
	ASSERT_EQ(vtd_fault_take(f.unit, &flt, 1), 1);
	EXPECT_EQ(flt.reason, VTD_FR_CTX_NOT_PRESENT);
	EXPECT_EQ(flt.sid, e.sid);
	guarded_intact(&f.dst, 0, 0);
	fix_teardown(&f);
}
