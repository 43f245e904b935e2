/* Suite xhci_standin: the xHCI driver's error paths, against a stand-in
 * controller (a register file in RAM behind struct xhci_io) that can be
 * told to never leave reset, never clear CNR, halt with HSE when a
 * command is rung, or never complete a command. Each must end in a clear
 * failure that names the register and its state, with the controller
 * reset afterwards, and the next command must work again. */
#include "arch/x86/mm.h"
#include "drivers/xhci.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "lib/test.h"

enum si_mode { SI_OK, SI_STUCK_RESET, SI_CNR_STUCK, SI_HSE, SI_SILENT };

/* Register blocks where Bochs' xHCI has them. */
#define SI_OP	0x20
#define SI_RT	0x600
#define SI_DB	0x800
#define SI_REGS 0x1000

struct standin {
	u32 r[SI_REGS / 4];
	enum si_mode mode;
	unsigned resets, doorbells, enq;
};

static struct standin si;

static u32 *reg(u32 off)
{
	return &si.r[off / 4];
}

static u32 si_rd(struct xhci *x, u32 off)
{
	return off < SI_REGS ? *reg(off) : ~0U;
}

static u64 reg64(u32 off)
{
	return (u64)*reg(off + 4) << 32 | *reg(off);
}

/* A Command Completion Event for the command at CRCR, into the event
 * ring segment the ERST names (the stand-in's memory is identity). */
static void si_complete(void)
{
	u64 erst_pa = reg64(SI_RT + XHCI_IR0 + XHCI_ERSTBA);
	struct xhci_erst_entry *erst = phys_to_virt(erst_pa);
	struct xhci_trb *ring = phys_to_virt(erst->base);
	u64 cmd = reg64(SI_OP + XHCI_CRCR) & XHCI_CRCR_PTR;

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
		*sts = XHCI_STS_HCH |
		       (si.mode == SI_CNR_STUCK ? XHCI_STS_CNR : 0);
		return;
	}
	*reg(SI_OP + XHCI_USBCMD) = v;
	if (v & XHCI_CMD_RS)
		*sts &= ~XHCI_STS_HCH;
	else
		*sts |= XHCI_STS_HCH;
}

static void si_wr(struct xhci *x, u32 off, u32 v)
{
	if (off >= SI_REGS)
		return;
	if (off == SI_OP + XHCI_USBCMD) {
		si_usbcmd(v);
	} else if (off == SI_OP + XHCI_USBSTS) {
		*reg(off) &= ~(v & XHCI_STS_RW1C);
	} else if (off == SI_DB) {
		si.doorbells++;
		if (si.mode == SI_HSE) {
			*reg(SI_OP + XHCI_USBSTS) |= XHCI_STS_HSE |
						     XHCI_STS_HCH;
			*reg(SI_OP + XHCI_USBCMD) &= ~XHCI_CMD_RS;
		} else if (si.mode == SI_OK) {
			si_complete();
		}
	} else {
		*reg(off) = v;
		if (off == SI_RT + XHCI_IR0 + XHCI_ERSTBA + 4)
			si.enq = 0; /* ERSTBA written: ring restarts */
	}
}

static const struct xhci_io si_io = { si_rd, si_wr };

static void si_init(enum si_mode mode)
{
	memset(&si, 0, sizeof(si));
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

static bool says(const struct xhci *x, const char *what)
{
	size_t n = strlen(what);

	for (const char *p = x->eng.status; *p; p++)
		if (!strncmp(p, what, n))
			return true;
	test_fail("status \"%s\" does not name %s", x->eng.status, what);
	return false;
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
