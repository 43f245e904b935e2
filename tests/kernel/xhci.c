/* Suite xhci: the xHCI USB controller as a DMA engine, the one a real PC
 * has behind VT-d. Bring-up and handoff, a command round trip, reads and
 * writes of known bytes at chosen IOVAs with canaries around, translated
 * through a VT-d domain when a unit serves the controller (else plain
 * DMA, IOVA = physical address: Bochs), faults with the controller's own
 * source id and its own account of them, recovery after each. The error
 * paths of the driver run against a stand-in controller (fake registers)
 * that never leaves reset, never clears CNR, halts with HSE or never
 * completes a command. */
#include "arch/x86/apic.h"
#include "arch/x86/mm.h"
#include "arch/x86/pci.h"
#include "arch/x86/trap.h"
#include "arch/x86/tsc.h"
#include "drivers/xhci.h"
#include "iommu/vtd/caps.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "lib/test.h"
#include "kernel/kstate.h"
#include "tests/kernel/vtd_fix.h"
#include "iommu/vtd/fault.h"

/* The controller's own structures, far from the test IOVAs and below
 * 4 GiB for controllers without AC64. */
#define XHCI_TEST_BASE 0xc0000000ULL
#define IOVA_T	       0x200000ULL
#define OFF	       0x100 /* mid-page: canaries on both sides */

struct xfix {
	struct xhci *x;
	struct dma_engine *e;
	struct vtd_unit *unit; /* NULL: nothing translates its DMA */
	struct vtd_domain dom;
	bool dom_live;
	struct guarded t;
};

static struct xfix fix; /* static: torn down after the test's frame */

static unsigned prot_of(unsigned perm)
{
	return (perm & DMA_DEV_READ ? PT_READ : 0) |
	       (perm & DMA_DEV_WRITE ? PT_WRITE : 0);
}

/* Registered after the target pages, so it runs before they are freed:
 * the controller is reset (no DMA after HCRST) before its domain goes. */
static void xfix_teardown(void *arg)
{
	struct xfix *f = arg;

	xhci_quiesce(f->x);
	dma_place(f->e, DMA_IOVA_IDENTITY);
	if (f->dom_live)
		vtd_domain_destroy(&f->dom);
	f->dom_live = false;
	if (f->unit) {
		vtd_fault_drain(f->unit);
		vtd_fault_clear_log(f->unit);
	}
}

/* Domain with the engine's own regions mapped, the controller attached
 * and translation on. */
static void xfix_domain(struct xfix *f)
{
	struct dma_region r[4];
	int err;
	const struct dmar_info *dmar = vtd_dmar(&err);
	struct pci_dev *p = f->e->pci;

	ASSERT_OK(vtd_domain_init(&f->dom, f->unit, 0));
	f->dom_live = true;
	unsigned n = dma_regions(f->e, r, ARRAY_SIZE(r));
	ASSERT_TRUE(n <= ARRAY_SIZE(r));
	for (unsigned i = 0; i < n; i++)
		ASSERT_OK(vtd_domain_map(&f->dom, r[i].iova, r[i].pa, r[i].len,
					 prot_of(r[i].perm)));
	int rmrrs = vtd_domain_attach_device(&f->dom, f->unit, dmar, p->seg,
					     p->bus, p->devfn);
	ASSERT_OK(rmrrs < 0 ? rmrrs : 0);
	vtd_fault_drain(f->unit);
	vtd_fault_clear_log(f->unit);
	if (!(vtd_read32(f->unit, VTD_REG_GSTS) & VTD_GCMD_TE))
		ASSERT_OK(vtd_enable_translation(f->unit, true));
}

/* The engine xhci_probe() registered, or skip (none on this machine,
 * firmware keeps it) or fail (it did not come up: status says why). */
static struct dma_engine *xfix_engine(void)
{
	struct dma_engine *e = dma_find("xhci", 0);
	int err;
	struct xhci *x = xhci_probed(0, &err);

	if (e)
		return e;
	if (!x)
		test_skip("no xHCI on this machine");
	if (err == -EBUSY)
		test_skip("%s", x->eng.status);
	test_fail("xhci0 did not come up: %s", x->eng.status);
	test_abort();
}

/* @translated: skip unless a unit serves the controller; !translated:
 * skip unless none does. Either way the controller starts the test reset
 * and programmed, its structures where its DMA can reach them. */
static struct xfix *xfix_setup(int translated)
{
	struct xfix *f = &fix;

	memset(f, 0, sizeof(*f));
	f->e = xfix_engine();
	f->x = f->e->priv;
	struct pci_dev *p = f->e->pci;
	/* A unit that remaps interrupts only leaves the DMA untranslated. */
	f->unit = vtd_dma_unit_for_device(p->seg, p->bus, p->devfn);
	if (translated == 1 && !f->unit)
		fix_skip_untranslated(p, "the xHCI");
	if (translated == 0 && f->unit)
		test_skip("a VT-d unit serves the xHCI: plain DMA is for "
			  "machines without one");
	guarded_init(&f->t);
	test_defer(xfix_teardown, f);
	ASSERT_OK(
	    dma_place(f->e, f->unit ? XHCI_TEST_BASE : DMA_IOVA_IDENTITY));
	if (f->unit)
		xfix_domain(f);
	if (!EXPECT_OK(dma_recover(f->e)))
		test_diag("reset: %s", f->e->status);
	return f;
}

/* The test IOVA of the target page: translated, or its address. */
static iova_t target(struct xfix *f, unsigned prot)
{
	if (!f->unit)
		return virt_to_phys(f->t.page);
	if (prot)
		ASSERT_OK(vtd_domain_map(
		    &f->dom, IOVA_T, virt_to_phys(f->t.page), PAGE_SIZE, prot));
	return IOVA_T;
}

static bool expect_fault(struct xfix *f, unsigned reason, iova_t addr)
{
	struct vtd_fault flt[1];

	test_diag("controller: %s", f->e->status);
	if (!take_first_fault(f->unit, reason, &flt[0]))
		return false;
	unsigned access = reason == VTD_FR_WRITE ? VTD_ACC_WRITE : VTD_ACC_READ;
	if (flt[0].access != access)
		test_fail("faulted access recorded as %s, expected %s",
			  vtd_access_name(flt[0].access),
			  vtd_access_name(access));
	return EXPECT_EQ(flt[0].sid, f->e->sid) &&
	       EXPECT_EQ(flt[0].addr, ALIGN_DOWN(addr, PAGE_SIZE));
}

static void xexpect_no_fault(struct xfix *f)
{
	struct vtd_fault flt[4];

	if (!f->unit)
		return;
	vtd_fault_drain(f->unit);
	unsigned n = vtd_fault_take(f->unit, flt, 4);
	for (unsigned i = 0; i < n; i++)
		test_fail("unexpected fault 0x%x (%s) sid 0x%x addr 0x%lx",
			  flt[i].reason, vtd_fault_reason_name(flt[i].reason),
			  flt[i].sid, flt[i].addr);
}

/* After a fault: the next command works, reset first if it must be. */
static void expect_usable(struct xfix *f)
{
	struct xhci_trb ev;

	if (f->x->stale)
		EXPECT_OK(dma_recover(f->e));
	if (!EXPECT_OK(xhci_noop(f->x, &ev)))
		test_diag("after recovery: %s", f->e->status);
	xexpect_no_fault(f);
}

TEST(xhci, found_as_lane_expects)
{
	unsigned n = xhci_count();

	if (kstate.opts.expect_xhci < 0)
		test_skip("no expect_xhci= on the command line; found %u", n);
	EXPECT_EQ(n, (unsigned)kstate.opts.expect_xhci);
}

/* Every xHCI (a lab board may have two: the chipset's and a CPU's, for
 * Thunderbolt) is taken over and registered, or reported as kept by its
 * firmware; none may be left half-owned by a failed bring-up. */
TEST(xhci, every_controller_taken_over_or_reported)
{
	unsigned registered = 0;
	int err;

	for (unsigned i = 0; xhci_probed(i, &err); i++) {
		struct xhci *x = xhci_probed(i, &err);
		const struct pci_dev *p = x->pci;
		test_diag("xhci%u %02x:%02x.%u: %d, %s", i, p->bus,
			  p->devfn >> 3, p->devfn & 7, err, x->eng.status);
		if (err && err != -EBUSY)
			test_fail("xhci%u did not come up: %s", i,
				  x->eng.status);
		registered += !err;
	}
	EXPECT_EQ(dma_count("xhci"), registered);
}

/* Handoff done (OS owns it), reset, programmed and halted, nothing in
 * error; the report line says what it is. */
TEST(xhci, handoff_and_reset_leave_it_halted)
{
	struct xfix *f = xfix_setup(-1);
	u32 sts = xhci_op_read(f->x, XHCI_USBSTS);
	EXPECT_TRUE(sts & XHCI_STS_HCH);
	EXPECT_FALSE(sts & (XHCI_STS_CNR | XHCI_STS_HCE | XHCI_STS_HSE));
	EXPECT_FALSE(xhci_op_read(f->x, XHCI_USBCMD) & XHCI_CMD_RS);
	if (f->x->legsup) {
		u32 leg = xhci_bar_read(f->x, f->x->legsup + XHCI_USBLEGSUP);
		EXPECT_TRUE(leg & XHCI_LEG_OS_OWNED);
		EXPECT_FALSE(leg & XHCI_LEG_BIOS_OWNED);
		if (f->x->os_owned_lost)
			test_diag("HCRST cleared HC OS Owned %u times (claimed "
				  "again)",
				  f->x->os_owned_lost);
	}
	test_diag("handoff: %s", f->x->handoff);
	if (f->x->quirk)
		test_diag("quirk: %s", f->x->quirk);
	if (f->x->woken_from)
		test_diag("found in D%u, put in D0%s", f->x->woken_from,
			  f->x->cfg_restored ? ", BARs and Command restored"
					     : "");
	test_diag("%s sid %02x:%02x.%u %s, %s", f->e->name, f->x->pci->bus,
		  f->x->pci->devfn >> 3, f->x->pci->devfn & 7,
		  f->unit ? "behind a VT-d unit" : "no unit translates its DMA",
		  f->e->status);
}

TEST(xhci, noop_command_completes)
{
	struct xhci_trb ev;

	struct xfix *f = xfix_setup(-1);
	u64 irqs = f->x->irqs;
	int err = xhci_noop(f->x, &ev);
	test_diag("controller: %s", f->e->status);
	ASSERT_OK(err);
	struct xhci_trb want = xhci_noop_event(f->x);
	EXPECT_EQ(xhci_trb_param(&ev), xhci_trb_param(&want));
	EXPECT_EQ(xhci_trb_status(&ev), xhci_trb_status(&want));
	EXPECT_EQ(xhci_trb_type(&ev), XHCI_TRB_CMD_COMPLETION);
	if (f->x->other_events)
		test_diag("%lu other events passed over (port status changes)",
			  f->x->other_events);
	if (f->x->msi) {
		/* Delivered once interrupts are open: halt until it is. */
		WAIT_FOR_IRQ(f->x->irqs != irqs, 100000, true);
		EXPECT_GT(f->x->irqs, irqs);
	} else
		test_diag("no MSI: completion polled");
	xexpect_no_fault(f);
}

/* Get Port Bandwidth writes the port bandwidth context at the IOVA: the
 * bytes the engine learned, exactly, and nothing around them. */
TEST(xhci, write_lands_exactly)
{
	u8 want[XHCI_BW_MAX];

	struct xfix *f = xfix_setup(-1);
	iova_t iova = target(f, PT_READ | PT_WRITE) + OFF;
	ASSERT_OK(dma_image(f->e, true, want, f->e->mem_size));
	test_diag("%s IOVA 0x%lx, %u bytes", f->unit ? "translated" : "plain",
		  iova, f->e->mem_size);
	ASSERT_OK(dma_write(f->e, 0, iova, f->e->mem_size));
	EXPECT_MEMEQ(f->t.page + OFF, want, f->e->mem_size);
	guarded_intact(&f->t, OFF, f->e->mem_size);
	xexpect_no_fault(f);
}

/* The controller fetches the No-Op at the IOVA through a Link TRB from
 * its ring: proven by the completion event naming the IOVA. A read-only
 * mapping is enough, and nothing is written there. */
TEST(xhci, read_fetches_the_trbs_at_the_iova)
{
	u8 img[XHCI_READ_LEN];

	struct xfix *f = xfix_setup(-1);
	iova_t iova = target(f, PT_READ) + OFF;
	ASSERT_OK(dma_image(f->e, false, img, sizeof(img)));
	memcpy(f->t.page + OFF, img, sizeof(img));
	EXPECT_OK(dma_read(f->e, iova, 0, sizeof(img)));
	EXPECT_MEMEQ(f->t.page + OFF, img, sizeof(img));
	guarded_intact(&f->t, OFF, sizeof(img));
	xexpect_no_fault(f);
}

/* The event ring segment at a test IOVA receives exactly the No-Op's
 * completion event; the rest of the segment stays as it was. */
TEST(xhci, event_ring_at_iova_gets_the_event)
{
	struct xhci_trb ev;
	u32 seg = XHCI_EVENTS_MIN * 16;

	struct xfix *f = xfix_setup(-1);
	iova_t iova = target(f, PT_READ | PT_WRITE) + OFF;
	memset(f->t.page + OFF, 0, seg); /* cycle 0: no event yet */
	unsigned at;
	ASSERT_OK(xhci_event_ring_at(f->x, iova, f->t.page + OFF, &ev, &at));
	if (at)
		test_diag("%u other events (port status changes) first", at);
	struct xhci_trb want = xhci_noop_event(f->x);
	u32 end = (at + 1) * 16;
	EXPECT_MEMEQ(f->t.page + OFF + at * 16, &want, sizeof(want));
	EXPECT_BYTES(f->t.page + OFF + end, 0, seg - end);
	memset(f->t.page + OFF, CANARY, seg);
	guarded_intact(&f->t, 0, 0);
	xexpect_no_fault(f);
	expect_usable(f);
}

/* A faulting access: one fault with the controller's source id, the
 * controller's own account of it printed, nothing written around the
 * target, and the controller usable again afterwards. */
static void fault_case(unsigned prot, bool write, unsigned reason)
{
	u8 img[XHCI_BW_MAX];

	struct xfix *f = xfix_setup(1);
	iova_t iova = target(f, prot) + OFF;
	ASSERT_OK(dma_image(f->e, write, img,
			    write ? f->e->mem_size : XHCI_READ_LEN));
	if (!write)
		memcpy(f->t.page + OFF, img, XHCI_READ_LEN);
	int err = write ? dma_write(f->e, 0, iova, f->e->mem_size)
			: dma_read(f->e, iova, 0, XHCI_READ_LEN);
	test_diag("%s: %d", write ? "dma_write" : "dma_read", err);
	if (!write) /* the No-Op was never fetched: no event names it */
		EXPECT_NE(err, 0);
	expect_fault(f, reason, iova);
	if (!write)
		memset(f->t.page + OFF, CANARY, XHCI_READ_LEN);
	guarded_intact(&f->t, 0, 0);
	expect_usable(f);
}

/* Get Port Bandwidth's context on a read-only page. */
TEST(xhci, write_to_read_only_page_faults_5)
{
	fault_case(PT_READ, true, VTD_FR_WRITE);
}

/* A Link TRB to an unmapped IOVA: the command ring fetch faults. */
TEST(xhci, read_of_unmapped_iova_faults_6)
{
	fault_case(0, false, VTD_FR_READ);
}

TEST(xhci, read_of_write_only_page_faults_6)
{
	fault_case(PT_WRITE, false, VTD_FR_READ);
}

/* The event ring on a read-only page: the event write faults (QEMU: the
 * controller then stops with HCE). */
TEST(xhci, event_ring_on_read_only_page_faults_5)
{
	struct xhci_trb ev;

	struct xfix *f = xfix_setup(1);
	iova_t iova = target(f, PT_READ) + OFF;
	u32 seg = XHCI_EVENTS_MIN * 16;
	memset(f->t.page + OFF, 0, seg); /* cycle 0: no event yet */
	unsigned at;
	int err = xhci_event_ring_at(f->x, iova, f->t.page + OFF, &ev, &at);
	test_diag("xhci_event_ring_at: %d", err);
	EXPECT_NE(err, 0);
	expect_fault(f, VTD_FR_WRITE, iova);
	EXPECT_BYTES(f->t.page + OFF, 0, seg);
	memset(f->t.page + OFF, CANARY, seg);
	guarded_intact(&f->t, 0, 0);
	expect_usable(f);
}

/* Requests the engine cannot carry out are refused before any DMA.
 * Translated, an event ring segment across 64 KiB (table 6-1) is tried
 * too: were it not refused, the unmapped IOVA would only fault. */
TEST(xhci, misfit_requests_refused)
{
	struct xhci_trb ev;
	unsigned at;

	struct xfix *f = xfix_setup(-1);
	iova_t iova = target(f, PT_READ | PT_WRITE);
	if (f->unit)
		EXPECT_EQ(xhci_event_ring_at(f->x, IOVA_T + 0x10000 - 64, NULL,
					     &ev, &at),
			  -EINVAL);
	EXPECT_EQ(dma_read(f->e, iova + 16, 0, XHCI_READ_LEN), -EINVAL);
	EXPECT_EQ(dma_read(f->e, iova, 0, 16), -EINVAL);
	EXPECT_EQ(dma_read(f->e, iova, 4, XHCI_READ_LEN), -EINVAL);
	EXPECT_OK(dma_write(f->e, 0, iova, f->e->mem_size));
	EXPECT_EQ(dma_write(f->e, 0, iova + 8, f->e->mem_size), -EINVAL);
	EXPECT_EQ(dma_write(f->e, 0, iova, f->e->mem_size + 1), -EINVAL);
	guarded_intact(&f->t, 0, f->e->mem_size);
	xexpect_no_fault(f);
}
