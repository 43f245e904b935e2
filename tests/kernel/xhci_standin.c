/* Suite xhci_standin: the xHCI driver's error paths, against a stand-in
 * controller (a register file in RAM behind struct xhci_io) that can be
 * told to never leave reset, never clear CNR, never halt, halt with HSE
 * when a command is rung, or never complete a command; whose firmware
 * (a USB Legacy Support capability) lets go, never answers, or never
 * lets go; which takes an MSI inside a reset; and which can play PCI
 * ids the driver has quirks for. Each must end in a clear failure that
 * names the register and its state, with no DMA left running, and the
 * next command must work again. */
#include "arch/x86/mm.h"
#include "arch/x86/pci.h"
#include "arch/x86/tsc.h"
#include "drivers/xhci.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "lib/test.h"

enum si_mode {
	SI_OK,
	SI_STUCK_RESET,
	SI_CNR_STUCK,
	SI_HSE,
	SI_SILENT,
	SI_NO_HALT,    /* RS = 0 never sets HCH: still running */
	SI_SLOW_RESET, /* CNR stays 1 for SI_SLOW_US after HCRST */
};

#define SI_SLOW_US 1500000

/* The firmware behind the legacy support capability (xHCI 7.1) */
enum si_fw { SI_FW_NONE, SI_FW_RELEASES, SI_FW_SILENT, SI_FW_STUCK };

/* Register blocks where Bochs' xHCI has them; the xECP list is one
 * legacy support capability. */
#define SI_OP	0x20
#define SI_XCAP 0x100
#define SI_RT	0x600
#define SI_DB	0x800
#define SI_REGS 0x1000
#define SI_LOG	8

struct standin {
	u32 r[SI_REGS / 4];
	enum si_mode mode;
	enum si_fw fw;
	unsigned resets, doorbells, enq;
	bool irq_at_hcrst, in_hcrst; /* an MSI lands right after HCRST */
	unsigned touched_in_reset;   /* IMAN, USBSTS accesses then */
	u32 log[SI_LOG];	     /* offsets written, in order */
	unsigned nlog;
	u64 ready_at; /* SI_SLOW_RESET: CNR clears at this TSC time (us) */
};

static struct standin si;
static struct xhci_io si_io;

static u32 *reg(u32 off)
{
	return &si.r[off / 4];
}

static void si_touch(u32 off)
{
	if (si.in_hcrst &&
	    (off == SI_OP + XHCI_USBSTS || off == SI_RT + XHCI_IR0 + XHCI_IMAN))
		si.touched_in_reset++;
}

static u32 si_rd(struct xhci *x, u32 off)
{
	si_touch(off);
	if (off == SI_OP + XHCI_USBSTS && tsc_read_us() < si.ready_at)
		return *reg(off) | XHCI_STS_CNR;
	return off < SI_REGS ? *reg(off) : ~0U;
}

static u64 reg64(u32 off)
{
	return (u64)*reg(off + 4) << 32 | *reg(off);
}

/* Run the command at CRCR (a Get Port Bandwidth writes a reserved 0 and
 * one byte per port) and post its Command Completion Event into the
 * event ring segment the ERST names (the stand-in's memory is
 * identity). */
static void si_complete(void)
{
	u64 erst_pa = reg64(SI_RT + XHCI_IR0 + XHCI_ERSTBA);
	struct xhci_erst_entry *erst = phys_to_virt(erst_pa);
	struct xhci_trb *ring = phys_to_virt(erst->base);
	u64 cmd = reg64(SI_OP + XHCI_CRCR) & XHCI_CRCR_PTR;
	struct xhci_trb *t = phys_to_virt(cmd);

	if (xhci_trb_type(t) == XHCI_TRB_GET_PORT_BW) {
		u8 *ctx = phys_to_virt(xhci_trb_param(t));
		unsigned ports = FIELD_GET(XHCI_HCS1_PORTS,
					   *reg(XHCI_HCSPARAMS1));
		ctx[0] = 0;
		for (unsigned i = 1; i <= ports; i++)
			ctx[i] = (u8)(100 - i);
	}

	ring[si.enq++] = xhci_trb_make(
	    cmd, (u32)FIELD_PREP(XHCI_TRB_CC, XHCI_CC_SUCCESS),
	    (u32)FIELD_PREP(XHCI_TRB_TYPE, XHCI_TRB_CMD_COMPLETION) |
		XHCI_TRB_C);
}

static void si_usbcmd(u32 v)
{
	u32 *sts = reg(SI_OP + XHCI_USBSTS);

	if (v & XHCI_CMD_HCRST) {
		si.resets++;
		if (si.mode == SI_STUCK_RESET) {
			*reg(SI_OP + XHCI_USBCMD) = v;
			return;
		}
		*reg(SI_OP + XHCI_USBCMD) = 0;
		if (si.mode == SI_SLOW_RESET)
			si.ready_at = tsc_read_us() + SI_SLOW_US;
		*sts = XHCI_STS_HCH |
		       (si.mode == SI_CNR_STUCK ? XHCI_STS_CNR : 0);
		return;
	}
	*reg(SI_OP + XHCI_USBCMD) = v;
	if (v & XHCI_CMD_RS)
		*sts &= ~XHCI_STS_HCH;
	else if (si.mode != SI_NO_HALT)
		*sts |= XHCI_STS_HCH;
}

/* 7.1.1: HC OS Owned asked for; the firmware answers as told. 7.1.2: SMI
 * enables are RW, SMI events RW1C. */
static void si_legacy(u32 off, u32 v)
{
	u32 *r = reg(off);

	if (off == SI_XCAP + XHCI_USBLEGCTLSTS) {
		*r = (v & XHCI_LEG_SMI_ENABLES) |
		     (*r & ~(v & XHCI_LEG_SMI_EVENTS) & XHCI_LEG_SMI_EVENTS);
		return;
	}
	u32 bios = *r & XHCI_LEG_BIOS_OWNED;
	*r = v;
	if (si.fw == SI_FW_STUCK ||
	    (si.fw == SI_FW_RELEASES && !(v & XHCI_LEG_OS_OWNED)))
		*r = (*r & ~XHCI_LEG_BIOS_OWNED) | bios;
	else if (si.fw == SI_FW_RELEASES)
		*r &= ~XHCI_LEG_BIOS_OWNED;
}

static void si_wr(struct xhci *x, u32 off, u32 v)
{
	si_touch(off);
	if (off >= SI_REGS)
		return;
	if (si.nlog < SI_LOG)
		si.log[si.nlog++] = off;
	if (off == SI_OP + XHCI_USBCMD) {
		si_usbcmd(v);
		if ((v & XHCI_CMD_HCRST) && si.irq_at_hcrst) {
			si.in_hcrst = true;
			xhci_irq_one(x);
			si.in_hcrst = false;
		}
	} else if (off == SI_XCAP + XHCI_USBLEGSUP ||
		   off == SI_XCAP + XHCI_USBLEGCTLSTS) {
		si_legacy(off, v);
	} else if (off == SI_OP + XHCI_USBSTS) {
		*reg(off) &= ~(v & XHCI_STS_RW1C);
	} else if (off == SI_DB) {
		si.doorbells++;
		if (si.mode == SI_HSE) {
			*reg(SI_OP + XHCI_USBSTS) |= XHCI_STS_HSE |
						     XHCI_STS_HCH;
			*reg(SI_OP + XHCI_USBCMD) &= ~XHCI_CMD_RS;
		} else if (si.mode == SI_OK || si.mode == SI_NO_HALT) {
			si_complete();
		}
	} else {
		*reg(off) = v;
		if (off == SI_RT + XHCI_IR0 + XHCI_ERSTBA + 4)
			si.enq = 0; /* ERSTBA written: ring restarts */
	}
}

static void si_init(enum si_mode mode)
{
	memset(&si, 0, sizeof(si));
	/* A stand-in that never leaves reset says so at once: 100 ms, not
	 * the 10 s a real controller gets (lanes without -icount, Bochs). */
	si_io = (struct xhci_io){ .rd = si_rd,
				  .wr = si_wr,
				  .reset_us = 100000 };
	si.mode = mode;
	*reg(XHCI_CAPLENGTH) = SI_OP | 0x0100U << 16;
	*reg(XHCI_HCSPARAMS1) = 8 | 1U << 8 | 2U << 24; /* slots intrs ports */
	*reg(XHCI_HCCPARAMS1) = XHCI_HCC1_AC64;
	*reg(XHCI_DBOFF) = SI_DB;
	*reg(XHCI_RTSOFF) = SI_RT;
	*reg(SI_OP + XHCI_PAGESIZE) = XHCI_PAGESIZE_4K;
	*reg(SI_OP + XHCI_USBSTS) = XHCI_STS_HCH |
				    (mode == SI_CNR_STUCK ? XHCI_STS_CNR : 0);
}

/* Firmware owns the controller (BIOS Owned) with its SMIs on and an
 * SMI event pending. */
static void si_firmware(enum si_fw fw)
{
	si.fw = fw;
	*reg(XHCI_HCCPARAMS1) |= FIELD_PREP(XHCI_HCC1_XECP, SI_XCAP / 4);
	*reg(SI_XCAP + XHCI_USBLEGSUP) = XHCI_XCAP_LEGACY | XHCI_LEG_BIOS_OWNED;
	*reg(SI_XCAP + XHCI_USBLEGCTLSTS) = XHCI_LEG_SMI_ENABLES | BIT(29);
}

static bool names(const char *text, const char *what)
{
	size_t n = strlen(what);

	for (const char *p = text; *p; p++)
		if (!strncmp(p, what, n))
			return true;
	test_fail("\"%s\" does not name %s", text, what);
	return false;
}

static bool says(const struct xhci *x, const char *what)
{
	return names(x->eng.status, what);
}

TEST(xhci_standin, noop_round_trip)
{
	struct xhci x;
	struct xhci_trb ev;

	si_init(SI_OK);
	ASSERT_OK(xhci_open_io(&x, &si_io, NULL, DMA_IOVA_IDENTITY));
	EXPECT_OK(xhci_noop(&x, &ev));
	struct xhci_trb want = xhci_noop_event(&x);
	EXPECT_MEMEQ(&ev, &want, sizeof(want));
	EXPECT_TRUE(*reg(SI_OP + XHCI_USBSTS) & XHCI_STS_HCH);
	xhci_close(&x);
}

TEST(xhci_standin, stuck_in_reset_fails_naming_hcrst)
{
	struct xhci x;

	si_init(SI_STUCK_RESET);
	EXPECT_EQ(xhci_open_io(&x, &si_io, NULL, DMA_IOVA_IDENTITY),
		  -ETIMEDOUT);
	says(&x, "USBCMD.HCRST still 1");
	test_diag("%s", x.eng.status);
	xhci_close(&x); /* tries the reset again; must not hang */
	EXPECT_GE(si.resets, 2);
}

TEST(xhci_standin, cnr_never_clears_fails_naming_cnr)
{
	struct xhci x;

	si_init(SI_CNR_STUCK);
	EXPECT_EQ(xhci_open_io(&x, &si_io, NULL, DMA_IOVA_IDENTITY),
		  -ETIMEDOUT);
	says(&x, "USBSTS.CNR still 1");
	test_diag("%s", x.eng.status);
	xhci_close(&x);
}

/* HSE on a command: -EIO naming HSE, and the next command resets the
 * controller first and works. */
TEST(xhci_standin, hse_fails_the_command_then_reset_recovers)
{
	struct xhci x;
	struct xhci_trb ev;

	si_init(SI_HSE);
	ASSERT_OK(xhci_open_io(&x, &si_io, NULL, DMA_IOVA_IDENTITY));
	EXPECT_EQ(xhci_noop(&x, &ev), -EIO);
	says(&x, "HSE (host system error)");
	test_diag("%s", x.eng.status);
	EXPECT_TRUE(x.stale);
	unsigned resets = si.resets;
	si.mode = SI_OK;
	EXPECT_OK(xhci_noop(&x, &ev));
	EXPECT_EQ(si.resets, resets + 1);
	EXPECT_FALSE(*reg(SI_OP + XHCI_USBSTS) & XHCI_STS_HSE);
	xhci_close(&x);
}

TEST(xhci_standin, lost_command_times_out_halted_then_recovers)
{
	struct xhci x;
	struct xhci_trb ev;

	si_init(SI_SILENT);
	ASSERT_OK(xhci_open_io(&x, &si_io, NULL, DMA_IOVA_IDENTITY));
	EXPECT_EQ(xhci_noop(&x, &ev), -ETIMEDOUT);
	says(&x, "no Command Completion Event");
	test_diag("%s", x.eng.status);
	EXPECT_FALSE(*reg(SI_OP + XHCI_USBCMD) & XHCI_CMD_RS);
	si.mode = SI_OK;
	EXPECT_OK(dma_recover(&x.eng));
	EXPECT_OK(xhci_noop(&x, &ev));
	xhci_close(&x);
}

/* A real controller's reset gets 10 s, as Linux's XHCI_RESET_LONG_USEC
 * (a Renesas uPD720201 needed more than 250 ms): one that takes 1.5 s
 * comes up. The stand-in asks for the driver's own deadline. */
TEST(xhci_standin, reset_taking_1500_ms_is_waited_for)
{
	struct xhci x;
	struct xhci_trb ev;

	si_init(SI_SLOW_RESET);
	si_io.reset_us = 0;
	u64 t0 = tsc_read_us();
	ASSERT_OK(xhci_open_io(&x, &si_io, NULL, DMA_IOVA_IDENTITY));
	EXPECT_GE(tsc_read_us() - t0, SI_SLOW_US);
	si.mode = SI_OK;
	EXPECT_OK(xhci_noop(&x, &ev));
	xhci_close(&x);
}

/* A controller that does not halt may still fetch and DMA: Bus Master
 * goes off with the failure and comes back only with a good reset. */
TEST(xhci_standin, failed_halt_turns_bus_master_off_until_a_reset)
{
	struct xhci x;
	struct xhci_trb ev;

	si_init(SI_NO_HALT);
	ASSERT_OK(xhci_open_io(&x, &si_io, NULL, DMA_IOVA_IDENTITY));
	EXPECT_FALSE(x.dma_off);
	EXPECT_EQ(xhci_noop(&x, &ev), -ETIMEDOUT);
	says(&x, "USBSTS.HCH still 0");
	test_diag("%s", x.eng.status);
	EXPECT_TRUE(x.dma_off);
	EXPECT_TRUE(x.stale);
	EXPECT_EQ(xhci_quiesce(&x), -ETIMEDOUT); /* HCRST needs HCH = 1 */
	EXPECT_TRUE(x.dma_off);
	si.mode = SI_OK;
	EXPECT_OK(xhci_noop(&x, &ev));
	EXPECT_FALSE(x.dma_off);
	xhci_close(&x);
}

TEST(xhci_standin, failed_quiesce_turns_bus_master_off)
{
	struct xhci x;
	struct xhci_trb ev;

	si_init(SI_OK);
	ASSERT_OK(xhci_open_io(&x, &si_io, NULL, DMA_IOVA_IDENTITY));
	si.mode = SI_STUCK_RESET;
	EXPECT_EQ(xhci_quiesce(&x), -ETIMEDOUT);
	says(&x, "USBCMD.HCRST still 1");
	EXPECT_TRUE(x.dma_off);
	si.mode = SI_OK;
	EXPECT_OK(xhci_noop(&x, &ev));
	EXPECT_FALSE(x.dma_off);
	xhci_close(&x);
}

static void expect_smis_off(void)
{
	u32 ctl = *reg(SI_XCAP + XHCI_USBLEGCTLSTS);

	EXPECT_EQ(ctl & (XHCI_LEG_SMI_ENABLES | XHCI_LEG_SMI_EVENTS), 0);
}

/* Opened behind firmware @fw: OS Owned, BIOS Owned clear, SMIs off, and
 * the handoff record says @how. */
static void expect_taken(enum si_fw fw, const char *how)
{
	struct xhci x;

	si_init(SI_OK);
	si_firmware(fw);
	ASSERT_OK(xhci_open_io(&x, &si_io, NULL, DMA_IOVA_IDENTITY));
	u32 leg = *reg(SI_XCAP + XHCI_USBLEGSUP);
	EXPECT_EQ(leg & (XHCI_LEG_OS_OWNED | XHCI_LEG_BIOS_OWNED),
		  XHCI_LEG_OS_OWNED);
	expect_smis_off();
	names(x.handoff, how);
	EXPECT_EQ(x.legsup, SI_XCAP);
	test_diag("handoff: %s", x.handoff);
	xhci_close(&x);
}

TEST(xhci_standin, handoff_released_by_firmware_turns_smis_off)
{
	expect_taken(SI_FW_RELEASES, "released by firmware");
}

/* 4.22.1 sets firmware no deadline; after 1 s the driver takes the
 * controller (Linux: "Assume a buggy BIOS"), SMIs off. */
TEST(xhci_standin, handoff_silent_firmware_is_taken_over_after_1000_ms)
{
	expect_taken(SI_FW_SILENT,
		     "firmware did not release in 1000 ms: taken over");
}

/* BIOS Owned that even the forced write cannot clear: not driven, OS
 * Owned given back, and the SMIs off all the same. */
TEST(xhci_standin, handoff_stuck_firmware_keeps_it_with_smis_off)
{
	struct xhci x;

	si_init(SI_OK);
	si_firmware(SI_FW_STUCK);
	EXPECT_EQ(xhci_open_io(&x, &si_io, NULL, DMA_IOVA_IDENTITY), -EBUSY);
	says(&x, "HC BIOS Owned still 1");
	test_diag("%s", x.eng.status);
	u32 leg = *reg(SI_XCAP + XHCI_USBLEGSUP);
	EXPECT_EQ(leg & (XHCI_LEG_OS_OWNED | XHCI_LEG_BIOS_OWNED),
		  XHCI_LEG_BIOS_OWNED);
	expect_smis_off();
	EXPECT_FALSE(x.owned);
	EXPECT_EQ(si.resets, 0); /* nothing driven */
}

/* Renesas uPD720201 (and TI TUSB73x0): firmware never answers, so the
 * handoff is forced at once instead of after 1 s. */
TEST(xhci_standin, handoff_forced_at_once_for_renesas_upd720201)
{
	struct xhci x;

	si_init(SI_OK);
	si_firmware(SI_FW_SILENT);
	si_io.vendor = 0x1912;
	si_io.device = 0x0014;
	u64 t0 = tsc_read_us();
	ASSERT_OK(xhci_open_io(&x, &si_io, NULL, DMA_IOVA_IDENTITY));
	EXPECT_LT(tsc_read_us() - t0, 500000);
	names(x.handoff, "forced at once");
	EXPECT_FALSE(*reg(SI_XCAP + XHCI_USBLEGSUP) & XHCI_LEG_BIOS_OWNED);
	expect_smis_off();
	test_diag("%s; %s", x.quirk, x.handoff);
	xhci_close(&x);
}

/* ASMedia parts set AC64 but drive only 32 address bits (Linux
 * XHCI_NO_64BIT_SUPPORT): used as a 32-bit controller. */
TEST(xhci_standin, asmedia_2142_is_used_as_32_bit)
{
	struct xhci x;
	struct xhci_trb ev;
	unsigned at;

	si_init(SI_OK);
	si_io.vendor = 0x1b21;
	si_io.device = 0x2142;
	ASSERT_OK(xhci_open_io(&x, &si_io, NULL, DMA_IOVA_IDENTITY));
	EXPECT_FALSE(x.ac64);
	EXPECT_EQ(x.eng.addr_bits, 32);
	EXPECT_TRUE(x.quirk != NULL);
	test_diag("quirk: %s", x.quirk ? x.quirk : "none");
	EXPECT_EQ(xhci_event_ring_at(&x, 1ULL << 32, NULL, &ev, &at), -EINVAL);
	xhci_close(&x);
}

/* 4.2, 5.4.2: nothing but USBCMD and USBSTS.CNR is touched in reset; an
 * MSI landing within 1 ms of HCRST must not make the handler read IMAN
 * or write USBSTS. Outside a reset it does. */
TEST(xhci_standin, irq_inside_a_reset_touches_nothing)
{
	struct xhci x;

	si_init(SI_OK);
	si_io.msi = true;
	si.irq_at_hcrst = true;
	ASSERT_OK(xhci_open_io(&x, &si_io, NULL, DMA_IOVA_IDENTITY));
	EXPECT_OK(xhci_quiesce(&x));
	EXPECT_GE(si.resets, 2);
	EXPECT_EQ(si.touched_in_reset, 0);
	EXPECT_EQ(x.irqs, 0);
	xhci_irq_one(&x);
	EXPECT_EQ(x.irqs, 1);
	xhci_close(&x);
}

TEST(xhci_standin, irq_clears_eint_before_ip)
{
	struct xhci x;

	si_init(SI_OK);
	si_io.msi = true;
	ASSERT_OK(xhci_open_io(&x, &si_io, NULL, DMA_IOVA_IDENTITY));
	*reg(SI_OP + XHCI_USBSTS) |= XHCI_STS_EINT;
	*reg(SI_RT + XHCI_IR0 + XHCI_IMAN) |= XHCI_IMAN_IP;
	si.nlog = 0;
	xhci_irq_one(&x);
	ASSERT_EQ(si.nlog, 2);
	EXPECT_EQ(si.log[0], SI_OP + XHCI_USBSTS);
	EXPECT_EQ(si.log[1], SI_RT + XHCI_IR0 + XHCI_IMAN);
	xhci_close(&x);
}

/* Table 6-1: an event ring segment may not cross 64 KiB; one that ends
 * on the boundary is fine. */
TEST(xhci_standin, event_ring_across_64k_refused)
{
	struct xhci x;
	struct xhci_trb ev;
	unsigned at, seg = XHCI_EVENTS_MIN * 16, pages = 0x10000 / PAGE_SIZE;

	u8 *buf = page_alloc_contig(pages + 1, 0x10000);
	ASSERT_TRUE(buf != NULL);
	u8 *end = buf + 0x10000;
	memset(end - seg, 0, 2 * seg);
	si_init(SI_OK);
	if (EXPECT_OK(xhci_open_io(&x, &si_io, NULL, DMA_IOVA_IDENTITY))) {
		EXPECT_EQ(xhci_event_ring_at(&x, virt_to_phys(end - 64),
					     end - 64, &ev, &at),
			  -EINVAL);
		EXPECT_BYTES(end - seg, 0, 2 * seg);
		EXPECT_OK(xhci_event_ring_at(&x, virt_to_phys(end - seg),
					     end - seg, &ev, &at));
		xhci_close(&x);
	}
	page_free_contig(buf, pages + 1);
}

/* Table 6-1: a Port Bandwidth Context (here 1 + 40 ports) may not cross
 * a page. */
TEST(xhci_standin, port_bandwidth_context_across_a_page_refused)
{
	struct xhci x;

	u8 *buf = page_alloc_contig(2, PAGE_SIZE);
	ASSERT_TRUE(buf != NULL);
	memset(buf, 0xee, 2 * PAGE_SIZE);
	si_init(SI_OK);
	*reg(XHCI_HCSPARAMS1) = 8 | 1U << 8 | 40U << 24;
	if (EXPECT_OK(xhci_open_io(&x, &si_io, NULL, DMA_IOVA_IDENTITY))) {
		u8 img[XHCI_BW_MAX];
		EXPECT_OK(dma_image(&x.eng, true, img, 41));
		EXPECT_EQ(x.eng.mem_size, 41);
		iova_t iova = virt_to_phys(buf) + PAGE_SIZE;
		EXPECT_EQ(dma_write(&x.eng, 0, iova - 16, 41), -EINVAL);
		EXPECT_BYTES(buf + PAGE_SIZE - 16, 0xee, 41);
		EXPECT_OK(dma_write(&x.eng, 0, iova - 48, 41));
		EXPECT_MEMEQ(buf + PAGE_SIZE - 48, img, 41);
		xhci_close(&x);
	}
	page_free_contig(buf, 2);
}
