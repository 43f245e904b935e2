/* Suite isolation: two DMA engines in two domains (two edu devices, or an
 * edu and an xHCI: devices of different types). Each reaches only its own
 * memory; the kernel's memory is reachable by neither; a device with no
 * domain is blocked. Every test runs over each engine in turn, the other
 * one being the second device. */
#include "arch/x86/mm.h"
#include "iommu/vtd/alias.h"
#include "iommu/vtd/context.h"
#include "iommu/vtd/fault.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "lib/test.h"
#include "tests/kernel/vtd_fix_dma.h"

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

/* Another engine in its own domain on the fixture's unit (one of another
 * kind first), translation already on through the fixture. */
static struct second *second_setup(struct vtd_fix *f)
{
	struct second *s = &second;

	s->dev = fix_other_engine(f);
	if (!s->dev)
		test_skip(
		    "isolation needs a second DMA engine behind the unit");
	test_diag("second device: %s", s->dev->name);
	guarded_init(&s->mem);
	s->dom = fix_domain(f);
	fix_attach_engine(f, s->dev, s->dom);
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
	fix_write_lands(f, IOVA, f->dst.page);
	guarded_intact(&s->mem, 0, 0);
	fix_write_lands_on(f, s->dev, s->dom, IOVA, s->mem.page);
	guarded_intact(&f->dst, 0, 0);
	guarded_intact(&s->mem, 0, 0);
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
	expect_blocked(f, fix_write(f, IOVA), true);
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
	expect_blocked(f, fix_write(f, k), true);
	expect_one_fault(f, VTD_FR_WRITE, k, VTD_ACC_WRITE);
	EXPECT_MEMEQ(__image_start, copy, sizeof(copy));
}

/* A device whose context entry is not present is blocked outright. */
TEST(isolation, device_without_domain_blocked)
{
	struct vtd_fix *f;
	struct dma_engine *e;

	f = fix_setup(0, FIX_INV_PREFERRED);
	e = fix_other_engine(f);
	if (!e)
		test_skip("needs a second DMA engine behind the unit");
	test_diag("device without a domain: %s", e->name);
	int err = fix_write_by(e, virt_to_phys(f->dst.page));
	test_diag("%s's write: %d %s", e->name, err, e->status);
	dma_quiesce(e); /* an xHCI stopped with HCE: reset before reuse */
	struct vtd_fault flt;
	vtd_fault_drain(f->unit);
	ASSERT_TRUE(vtd_fault_take(f->unit, &flt, 1) >= 1);
	EXPECT_EQ(flt.reason, VTD_FR_CTX_NOT_PRESENT);
	EXPECT_EQ(flt.sid, vtd_dma_requester_id(e->pci));
	guarded_intact(&f->dst, 0, 0);
}

/* Is @e's DMA seen by the fixture's unit under another requester id (it
 * sits behind a PCIe-to-PCI or a PCI-to-PCI bridge)? */
static bool bridged(struct vtd_fix *f, struct dma_engine *e)
{
	u16 rid[VTD_MAX_ALIASES];

	return e != f->dev &&
	       vtd_dma_aliases(e->pci, rid, VTD_MAX_ALIASES) > 1 &&
	       vtd_unit_for_device(e->pci->seg, e->pci->bus, e->pci->devfn) ==
		   f->unit;
}

/* Attached with its own id alone, @e is blocked (no context entry for
 * the alias: reason 2, the alias as source); attached with every alias,
 * each has the domain's entry and its DMA is translated. */
static void bridged_case(struct vtd_fix *f, struct dma_engine *e)
{
	struct vtd_fault flt;
	u16 rid[VTD_MAX_ALIASES];
	unsigned n = vtd_dma_aliases(e->pci, rid, VTD_MAX_ALIASES);
	u16 seen = rid[n - 1];
	int err, rmrrs;

	test_diag("%s at %02x:%02x.%u: %u requester ids, seen as %02x:%02x.%u",
		  e->name, e->pci->bus, e->pci->devfn >> 3, e->pci->devfn & 7,
		  n, PCI_BDF_BUS(seen), PCI_BDF_DEVFN(seen) >> 3,
		  PCI_BDF_DEVFN(seen) & 7);
	struct vtd_domain *d = fix_domain(f);
	ASSERT_OK(vtd_domain_attach(d, f->unit, e->pci->bus, e->pci->devfn));
	ASSERT_OK(dma_write(e, 0, IOVA, LEN));
	vtd_fault_drain(f->unit);
	ASSERT_EQ(vtd_fault_take(f->unit, &flt, 1), 1);
	EXPECT_EQ(flt.reason, VTD_FR_CTX_NOT_PRESENT);
	EXPECT_EQ(flt.sid, seen);
	ASSERT_OK(vtd_domain_detach(d, f->unit, e->pci->bus, e->pci->devfn));
	rmrrs = vtd_domain_attach_pci(d, f->unit, vtd_dmar(&err), e->pci);
	ASSERT_OK(rmrrs < 0 ? rmrrs : 0);
	for (unsigned i = 0; i < n; i++) {
		struct vtd_entry128 *c = vtd_ctx_entry(
		    f->unit, PCI_BDF_BUS(rid[i]), PCI_BDF_DEVFN(rid[i]));
		EXPECT_TRUE(c->lo & VTD_CTX_LO_P);
		EXPECT_EQ(FIELD_GET(VTD_CTX_HI_DID, c->hi), d->did);
	}
	ASSERT_OK(vtd_domain_map(d, IOVA, virt_to_phys(f->dst.page), PAGE_SIZE,
				 PT_READ | PT_WRITE));
	ASSERT_OK(fix_stage_on(f, e, d, 0x100000, 0x4b, LEN));
	ASSERT_OK(dma_write(e, 0, IOVA, LEN));
	EXPECT_BYTES(f->dst.page, 0x4b, LEN);
	memset(f->dst.page, CANARY, LEN);
	guarded_intact(&f->dst, 0, 0);
	expect_no_fault(f);
}

/* A device behind a bridge to conventional PCI is seen by the unit with
 * the bridge's requester id (a PCIe-to-PCI bridge's secondary bus:00.0,
 * a PCI-to-PCI bridge's own id): a domain attach must program a context
 * entry for every alias. Each such edu device of the machine in turn. */
TEST(isolation, bridged_device_translated_through_its_alias)
{
	struct vtd_fix *f;
	unsigned done = 0;

	f = fix_setup(0, FIX_INV_PREFERRED);
	for (unsigned i = 0; i < dma_count("edu") && done < 2; i++) {
		struct dma_engine *e = dma_find("edu", i);
		if (bridged(f, e)) {
			bridged_case(f, e);
			done++;
		}
	}
	if (!done)
		test_skip("no edu behind a PCIe-to-PCI or PCI-to-PCI bridge");
}
