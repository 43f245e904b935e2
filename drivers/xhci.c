/* xHCI as a DMA engine: bring-up, firmware handoff, one command at a time.
 * Semantics of read and write: drivers/xhci.h. Spec: xHCI rev 1.2.
 *
 * The controller's memory, one contiguous allocation of 4 KiB pages:
 *
 *   page 0      DCBAA (2 entries: [0] = scratchpad array) | ERST at 0x800
 *   page 1      command ring (2 TRBs used; rewritten for every command)
 *   2 .. 2+A    scratchpad buffer array (A = 0 when none is asked for)
 *   ---- the controller writes what follows, it only reads the above ----
 *   2+A         event ring segment (XHCI_EVENTS TRBs)
 *   3+A         buffer for the Get Port Bandwidth probe
 *   4+A ...     scratchpad buffers, one page each
 *
 * A page never crosses a 64 KiB boundary, so every ring segment obeys
 * table 6-1 (alignment 64 bytes, no 64 KiB crossing). */
#include "drivers/xhci.h"
#include "arch/x86/mm.h"
#include "arch/x86/pci.h"
#include "arch/x86/trap.h"
#include "arch/x86/tsc.h"
#include "lib/printf.h"
#include "lib/string.h"

/* HCRST and CNR: as Linux's XHCI_RESET_LONG_USEC, which a Renesas
 * uPD720201 needed (more than 250 ms). Waits halt the CPU. */
#define XHCI_RESET_US	10000000
#define XHCI_HALT_US	100000 /* spec 5.4.1: HCH within 16 ms of RS=0 */
#define XHCI_CMD_US	500000 /* a command's completion event */
#define XHCI_HANDOFF_MS 1000   /* firmware releasing the controller */
#define XHCI_HANDOFF_US (XHCI_HANDOFF_MS * 1000)
#define XHCI_MAX	4
#define XHCI_ERST_OFF	0x800
#define XHCI_XCAP_WALK	64   /* extended capabilities visited at most */
#define XHCI_SP_MAX	1023 /* 10-bit field (5.3.4) */
#define XHCI_IDX_CMD	1
#define XHCI_IDX_SP_ARR 2
/* Table 6-1: a ring segment may not cross a 64 KiB boundary, a Port
 * Bandwidth Context a PAGESIZE one (4 KiB, the only size used here). */
#define XHCI_SEG_BOUND 0x10000
#define XHCI_PBC_BOUND PAGE_SIZE

static struct xhci *opened[XHCI_MAX];

/* ---- register access ---- */

static u32 rd(struct xhci *x, u32 off)
{
	return x->io ? x->io->rd(x, off) : *(volatile u32 *)(x->bar + off);
}

static void wr(struct xhci *x, u32 off, u32 v)
{
	if (x->io)
		x->io->wr(x, off, v);
	else
		*(volatile u32 *)(x->bar + off) = v;
}

/* 64-bit registers as two dword writes, low first (5.1): required when
 * AC64 = 0, and the ERSTBA write that takes effect is the high one. */
static void wr64(struct xhci *x, u32 off, u64 v)
{
	wr(x, off, (u32)v);
	wr(x, off + 4, (u32)(v >> 32));
}

u32 xhci_bar_read(struct xhci *x, u32 off)
{
	return rd(x, off);
}

u32 xhci_op_read(struct xhci *x, u32 reg)
{
	return rd(x, x->op + reg);
}

static void op_wr(struct xhci *x, u32 reg, u32 v)
{
	wr(x, x->op + reg, v);
}

u32 xhci_ir0_read(struct xhci *x, u32 reg)
{
	return rd(x, x->rt + XHCI_IR0 + reg);
}

static void ir_wr(struct xhci *x, u32 reg, u32 v)
{
	wr(x, x->rt + XHCI_IR0 + reg, v);
}

__attribute__((format(printf, 2, 3))) static void say(struct xhci *x,
						      const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	kvsnprintf(x->eng.status, sizeof(x->eng.status), fmt, ap);
	va_end(ap);
}

/* ---- memory layout ---- */

static unsigned sp_array_pages(const struct xhci *x)
{
	return (unsigned)ALIGN_UP((u64)x->nr_sp * 8, PAGE_SIZE) / PAGE_SIZE;
}

static void *page_of(struct xhci *x, unsigned idx)
{
	return x->mem + (u64)idx * PAGE_SIZE;
}

static unsigned idx_events(const struct xhci *x)
{
	return XHCI_IDX_SP_ARR + sp_array_pages(x);
}

static iova_t iova_of(const struct xhci *x, const volatile void *p)
{
	return x->iova + (u64)((const volatile u8 *)p - x->mem);
}

static volatile struct xhci_trb *cmd_ring(struct xhci *x)
{
	return page_of(x, XHCI_IDX_CMD);
}

static volatile struct xhci_trb *event_ring(struct xhci *x)
{
	return page_of(x, idx_events(x));
}

static struct xhci_erst_entry *erst(struct xhci *x)
{
	return (struct xhci_erst_entry *)(x->mem + XHCI_ERST_OFF);
}

static u8 *probe_buf(struct xhci *x)
{
	return page_of(x, idx_events(x) + 1);
}

/* ---- waits, reset, halt ---- */

static int wait_op(struct xhci *x, u32 reg, u32 bit, bool want, u64 us,
		   const char *name)
{
	if (!WAIT_FOR(!!(xhci_op_read(x, reg) & bit) == want, us))
		return 0;
	say(x, "%s still %u after %lu ms (USBCMD 0x%x USBSTS 0x%x)", name,
	    !want, us / 1000, xhci_op_read(x, XHCI_USBCMD),
	    xhci_op_read(x, XHCI_USBSTS));
	return -ETIMEDOUT;
}

static int halt(struct xhci *x)
{
	if (xhci_op_read(x, XHCI_USBSTS) & XHCI_STS_HCH)
		return 0;
	op_wr(x, XHCI_USBCMD, xhci_op_read(x, XHCI_USBCMD) & ~XHCI_CMD_RS);
	return wait_op(x, XHCI_USBSTS, XHCI_STS_HCH, true, XHCI_HALT_US,
		       "USBSTS.HCH");
}

/* 4.2: wait for CNR, halt, HCRST; HCRST and CNR clear when it is done.
 * Intel controllers may hang on a register access within 1 ms of HCRST
 * (Linux XHCI_INTEL_HOST quirk): wait that long everywhere. */
static int reset_steps(struct xhci *x)
{
	int err;

	if (xhci_op_read(x, XHCI_USBSTS) == ~0U) {
		say(x, "USBSTS reads all ones: controller gone");
		return -ENODEV;
	}
	if ((err = wait_op(x, XHCI_USBSTS, XHCI_STS_CNR, false, x->reset_us,
			   "USBSTS.CNR")) ||
	    (err = halt(x)))
		return err;
	op_wr(x, XHCI_USBCMD, XHCI_CMD_HCRST);
	udelay(1000);
	if ((err = wait_op(x, XHCI_USBCMD, XHCI_CMD_HCRST, false, x->reset_us,
			   "USBCMD.HCRST")) ||
	    (err = wait_op(x, XHCI_USBSTS, XHCI_STS_CNR, false, x->reset_us,
			   "USBSTS.CNR after HCRST")))
		return err;
	/* Bochs clears HC OS Owned on HCRST: claim it again, so that the
	 * semaphore keeps saying who drives the controller. */
	u32 leg = x->legsup ? rd(x, x->legsup + XHCI_USBLEGSUP) : 0;
	if (x->legsup && !(leg & XHCI_LEG_OS_OWNED)) {
		wr(x, x->legsup + XHCI_USBLEGSUP, leg | XHCI_LEG_OS_OWNED);
		x->os_owned_lost++;
	}
	return 0;
}

/* The waits above halt with interrupts on: an MSI landing there must
 * not make the handler touch IMAN or USBSTS (x->resetting). */
static int reset_hw(struct xhci *x)
{
	x->resetting = true;
	int err = reset_steps(x);
	x->resetting = false;
	return err;
}

/* A controller that did not halt or reset may still be running and
 * DMAing: clear PCI Bus Master (PCI 3.0 6.2.2) so none of its DMA
 * outlives the caller's mappings. Only a later good reset sets it. */
static void dma_stop(struct xhci *x)
{
	x->stale = true;
	x->dma_off = true;
	if (x->pci)
		pci_set_master(x->pci, false);
}

/* ---- programming (4.2) ---- */

static void program_scratchpad(struct xhci *x)
{
	u64 *dcbaa = page_of(x, 0);
	u64 *arr = page_of(x, XHCI_IDX_SP_ARR);
	unsigned first = idx_events(x) + 2;

	dcbaa[0] = x->nr_sp ? iova_of(x, arr) : 0;
	for (unsigned i = 0; i < x->nr_sp; i++)
		arr[i] = iova_of(x, page_of(x, first + i));
}

static void program_event_ring(struct xhci *x, iova_t seg, u32 trbs)
{
	erst(x)->base = seg;
	erst(x)->size = trbs;
	erst(x)->rsvd = 0;
	barrier();
	/* 4.9.4: ERSTSZ, ERDP, then ERSTBA, which (re)starts the ring at
	 * segment 0 with producer cycle state 1. */
	ir_wr(x, XHCI_ERSTSZ, 1);
	wr64(x, x->rt + XHCI_IR0 + XHCI_ERDP, seg);
	wr64(x, x->rt + XHCI_IR0 + XHCI_ERSTBA, iova_of(x, erst(x)));
	x->ev_deq = 0;
	x->ev_cycle = true;
}

static int program(struct xhci *x)
{
	if (!(xhci_op_read(x, XHCI_PAGESIZE) & XHCI_PAGESIZE_4K)) {
		say(x, "PAGESIZE 0x%x: no 4 KiB pages",
		    xhci_op_read(x, XHCI_PAGESIZE));
		return -EOPNOTSUPP;
	}
	u32 cfg = xhci_op_read(x, XHCI_CONFIG) & ~XHCI_CONFIG_SLOTS;
	op_wr(x, XHCI_CONFIG, cfg | 1); /* one slot: DCBAA has 2 entries */
	memset(x->mem, 0, (u64)(idx_events(x) + 2) * PAGE_SIZE);
	program_scratchpad(x);
	barrier();
	wr64(x, x->op + XHCI_DCBAAP, iova_of(x, page_of(x, 0)));
	program_event_ring(x, iova_of(x, event_ring(x)), XHCI_EVENTS);
	ir_wr(x, XHCI_IMOD, 0);
	ir_wr(x, XHCI_IMAN, XHCI_IMAN_IP | (x->msi ? XHCI_IMAN_IE : 0));
	op_wr(x, XHCI_USBSTS, XHCI_STS_RW1C);
	/* HSEE stays 0: a host system error must not become SERR (an NMI
	 * on many boards); USBSTS.HSE is read instead. */
	op_wr(x, XHCI_USBCMD, x->msi ? XHCI_CMD_INTE : 0);
	return 0;
}

int xhci_quiesce(struct xhci *x)
{
	int err = reset_hw(x);

	x->stale = true;
	if (err)
		dma_stop(x);
	return err;
}

int xhci_reset(struct xhci *x)
{
	int err = reset_hw(x);

	if (err) {
		dma_stop(x);
		return err;
	}
	if (x->dma_off && x->pci)
		pci_set_master(x->pci, true);
	x->dma_off = false;
	err = program(x);
	x->stale = err != 0;
	return err;
}

/* ---- events and commands ---- */

/* The next event the controller wrote to the engine's ring, if any. */
static bool next_event(struct xhci *x, struct xhci_trb *t)
{
	volatile struct xhci_trb *er = event_ring(x);
	u64 w1 = er[x->ev_deq].w[1];

	if (!!((w1 >> 32) & XHCI_TRB_C) != x->ev_cycle)
		return false;
	t->w[0] = er[x->ev_deq].w[0];
	t->w[1] = w1;
	if (++x->ev_deq == XHCI_EVENTS) {
		x->ev_deq = 0;
		x->ev_cycle = !x->ev_cycle;
	}
	wr64(x, x->rt + XHCI_IR0 + XHCI_ERDP,
	     iova_of(x, &er[x->ev_deq]) | XHCI_ERDP_EHB);
	return true;
}

static bool failed_hard(struct xhci *x)
{
	u32 sts = xhci_op_read(x, XHCI_USBSTS);

	if (!(sts & (XHCI_STS_HCE | XHCI_STS_HSE)))
		return false;
	say(x, "USBSTS 0x%x:%s%s, halted, no event", sts,
	    sts & XHCI_STS_HCE ? " HCE (host controller error)" : "",
	    sts & XHCI_STS_HSE ? " HSE (host system error)" : "");
	return true;
}

/* 1 when the Command Completion Event of the command at @cmd is in @ev,
 * 0 when the ring holds no more events, -EIO when the controller failed.
 * Other events (port status changes on a real machine) are counted. */
static int poll_completion(struct xhci *x, iova_t cmd, struct xhci_trb *ev)
{
	while (next_event(x, ev)) {
		if (xhci_trb_type(ev) == XHCI_TRB_CMD_COMPLETION &&
		    xhci_trb_param(ev) == cmd)
			return 1;
		x->other_events++;
	}
	return failed_hard(x) ? -EIO : 0;
}

/* Wait for the Command Completion Event of the command at @cmd. */
static int wait_completion(struct xhci *x, iova_t cmd, struct xhci_trb *ev)
{
	int got = 0;

	/* with its MSI, halted until the interrupt */
	if (!WAIT_FOR_IRQ((got = poll_completion(x, cmd, ev)) != 0, XHCI_CMD_US,
			  x->msi && !x->io))
		return got < 0 ? got : 0;
	say(x, "no Command Completion Event in %u ms (USBSTS 0x%x CRCR.CRR %u)",
	    XHCI_CMD_US / 1000, xhci_op_read(x, XHCI_USBSTS),
	    !!(xhci_op_read(x, XHCI_CRCR) & XHCI_CRCR_CRR));
	return -ETIMEDOUT;
}

static int run(struct xhci *x)
{
	op_wr(x, XHCI_USBSTS, XHCI_STS_RW1C);
	op_wr(x, XHCI_USBCMD, xhci_op_read(x, XHCI_USBCMD) | XHCI_CMD_RS);
	return wait_op(x, XHCI_USBSTS, XHCI_STS_HCH, false, XHCI_HALT_US,
		       "USBSTS.HCH");
}

/* Put @t first on a fresh command ring (a stop TRB after it), run the
 * controller, ring doorbell 0 and wait for the completion of the command
 * at @expect; halt again. */
static int command(struct xhci *x, struct xhci_trb t, iova_t expect,
		   struct xhci_trb *ev)
{
	volatile struct xhci_trb *cr = cmd_ring(x);
	int err;

	if (x->stale && (err = xhci_reset(x)))
		return err;
	cr[0].w[0] = t.w[0];
	cr[0].w[1] = t.w[1];
	cr[1].w[0] = cr[1].w[1] = 0;
	barrier();
	/* Halted, so CRR = 0 and the pointer may be written (5.4.5). */
	wr64(x, x->op + XHCI_CRCR, iova_of(x, cr) | XHCI_CRCR_RCS);
	if ((err = run(x))) {
		x->stale = true;
		return err;
	}
	wr(x, x->db, 0); /* doorbell 0, target 0: the command ring (5.6) */
	err = wait_completion(x, expect, ev);
	int herr = halt(x);
	if (herr)
		dma_stop(x); /* still running: it may fetch and DMA on */
	if (err || herr) {
		x->stale = true;
		return err ? err : herr;
	}
	u32 cc = (u32)FIELD_GET(XHCI_TRB_CC, xhci_trb_status(ev));
	say(x, "Command Completion Event, code %u%s", cc,
	    cc == XHCI_CC_SUCCESS   ? " (success)"
	    : cc == XHCI_CC_TRB_ERR ? " (TRB error)"
				    : "");
	return cc == XHCI_CC_SUCCESS ? 0 : -EIO;
}

static struct xhci_trb trb_cmd(enum xhci_trb_type type, u64 param, u32 ctl)
{
	return xhci_trb_make(
	    param, 0, ctl | (u32)FIELD_PREP(XHCI_TRB_TYPE, type) | XHCI_TRB_C);
}

int xhci_noop(struct xhci *x, struct xhci_trb *ev)
{
	return command(x, trb_cmd(XHCI_TRB_NOOP_CMD, 0, 0),
		       iova_of(x, cmd_ring(x)), ev);
}

struct xhci_trb xhci_noop_event(const struct xhci *x)
{
	return xhci_trb_make(
	    iova_of(x, page_of((struct xhci *)x, XHCI_IDX_CMD)),
	    (u32)FIELD_PREP(XHCI_TRB_CC, XHCI_CC_SUCCESS),
	    (u32)FIELD_PREP(XHCI_TRB_TYPE, XHCI_TRB_CMD_COMPLETION) |
		XHCI_TRB_C);
}

static int get_port_bw(struct xhci *x, iova_t ctx)
{
	struct xhci_trb ev;
	u32 speed = (u32)FIELD_PREP(XHCI_TRB_GPB_SPEED, XHCI_SPEED_HS);

	return command(x, trb_cmd(XHCI_TRB_GET_PORT_BW, ctx, speed),
		       iova_of(x, cmd_ring(x)), &ev);
}

/* Last byte @fill does not mark, +1 (0: none written). */
static u32 extent(const u8 *p, u8 fill)
{
	u32 n = PAGE_SIZE;

	while (n && p[n - 1] == fill)
		n--;
	return n;
}

/* Learn the Port Bandwidth Context: run the command twice into the probe
 * buffer, pre-filled 0x00 then 0xff. A byte the controller writes reads
 * the same both times; one that keeps the fill both times was skipped. */
static int probe_bw(struct xhci *x)
{
	u8 *buf = probe_buf(x), first[XHCI_BW_MAX];
	int err;

	if (x->bw_len)
		return 0;
	memset(buf, 0x00, PAGE_SIZE);
	if ((err = get_port_bw(x, iova_of(x, buf))))
		return err;
	u32 n = extent(buf, 0x00);
	memcpy(first, buf, MIN(n, XHCI_BW_MAX));
	memset(buf, 0xff, PAGE_SIZE);
	if ((err = get_port_bw(x, iova_of(x, buf))))
		return err;
	n = MAX(n, extent(buf, 0xff));
	if (!n || n > XHCI_BW_MAX) {
		say(x,
		    "Get Port Bandwidth wrote %u bytes (1 + %u ports "
		    "expected)",
		    n, x->ports);
		return -EIO;
	}
	for (u32 i = 0; i < n; i++) {
		if (first[i] != buf[i]) {
			say(x, "Port Bandwidth Context byte %u: 0x%x then 0x%x",
			    i, first[i], buf[i]);
			return -EIO;
		}
	}
	memcpy(x->bw, buf, n);
	x->bw_len = x->eng.mem_size = n;
	return 0;
}

/* ---- struct dma_ops ---- */

/* Table 6-1: aligned to @align, not across a multiple of @bound (0:
 * none), and reachable by a 32-bit controller. */
static bool iova_ok(struct xhci *x, iova_t iova, u32 len, u64 align, u64 bound)
{
	return IS_ALIGNED(iova, align) && iova + len > iova &&
	       (!bound || (iova & (bound - 1)) + len <= bound) &&
	       (x->ac64 || iova + len <= (1ULL << 32));
}

static int op_read(struct dma_engine *e, iova_t iova, u32 off, u32 len)
{
	struct xhci *x = e->priv;
	struct xhci_trb ev;

	if (off || len != XHCI_READ_LEN ||
	    !iova_ok(x, iova, len, 64, XHCI_SEG_BOUND))
		return -EINVAL;
	return command(x, trb_cmd(XHCI_TRB_LINK, iova, 0), iova, &ev);
}

static int op_write(struct dma_engine *e, u32 off, iova_t iova, u32 len)
{
	struct xhci *x = e->priv;
	int err = probe_bw(x);

	if (err)
		return err;
	if (off || len != x->bw_len ||
	    !iova_ok(x, iova, len, 16, XHCI_PBC_BOUND))
		return -EINVAL;
	return get_port_bw(x, iova);
}

static int op_recover(struct dma_engine *e)
{
	return xhci_reset(e->priv);
}

static unsigned op_regions(struct dma_engine *e, struct dma_region *out,
			   unsigned max)
{
	struct xhci *x = e->priv;
	unsigned split = idx_events(x);
	struct dma_region r[2] = {
		{ x->iova, virt_to_phys(x->mem), (u64)split * PAGE_SIZE,
		  DMA_DEV_READ },
		{ x->iova + (u64)split * PAGE_SIZE,
		  virt_to_phys(page_of(x, split)),
		  (x->mem_pages - split) * PAGE_SIZE,
		  DMA_DEV_READ | DMA_DEV_WRITE },
	};

	for (unsigned i = 0; i < 2 && i < max; i++)
		out[i] = r[i];
	return 2;
}

static int op_image(struct dma_engine *e, bool write, u8 *buf, u32 len)
{
	struct xhci *x = e->priv;

	if (write) {
		int err = probe_bw(x);
		if (err)
			return err;
		if (len != x->bw_len)
			return -EINVAL;
		memcpy(buf, x->bw, len);
		return 0;
	}
	if (len != XHCI_READ_LEN)
		return -EINVAL;
	struct xhci_trb t[2] = { trb_cmd(XHCI_TRB_NOOP_CMD, 0, 0), { { 0 } } };
	memcpy(buf, t, sizeof(t));
	return 0;
}

static int op_place(struct dma_engine *e, iova_t base)
{
	struct xhci *x = e->priv;
	iova_t iova = base == DMA_IOVA_IDENTITY ? virt_to_phys(x->mem) : base;

	if (!iova_ok(x, iova, (u32)(x->mem_pages * PAGE_SIZE), PAGE_SIZE, 0))
		return -EINVAL;
	x->iova = iova;
	x->stale = true;
	return 0;
}

static int op_quiesce(struct dma_engine *e)
{
	return xhci_quiesce(e->priv);
}

/* The No-Op's Command Completion Event raises interrupter 0 (4.17). */
static int op_raise_irq(struct dma_engine *e)
{
	struct xhci_trb ev;

	return xhci_noop(e->priv, &ev);
}

static void op_irq_ack(struct dma_engine *e)
{
	xhci_irq_one(e->priv);
}

static const struct dma_ops xhci_dma_ops = {
	.read = op_read,
	.write = op_write,
	.recover = op_recover,
	.regions = op_regions,
	.image = op_image,
	.place = op_place,
	.quiesce = op_quiesce,
	.raise_irq = op_raise_irq,
	.irq_ack = op_irq_ack,
};

/* ---- event ring elsewhere ---- */

/* Wait for the first event of a ring at a foreign IOVA: seen by the CPU
 * at @cpu, or reported by IMAN.IP alone, or HCE/HSE. */
static int wait_foreign(struct xhci *x, const volatile struct xhci_trb *cpu,
			struct xhci_trb *ev, unsigned *at)
{
	struct wait w = wait_start(XHCI_CMD_US);

	*at = 0;
	do {
		/* Events before ours (port status changes on a real machine)
		 * are passed over; the segment holds 16 at most. */
		while (cpu && *at < XHCI_EVENTS_MIN &&
		       (xhci_trb_control((const struct xhci_trb *)&cpu[*at]) &
			XHCI_TRB_C)) {
			ev->w[0] = cpu[*at].w[0];
			ev->w[1] = cpu[*at].w[1];
			if (xhci_trb_type(ev) == XHCI_TRB_CMD_COMPLETION) {
				say(x, "event written at the IOVA, TRB %u",
				    *at);
				return 0;
			}
			++*at;
		}
		if (failed_hard(x))
			return -EIO;
		wait_pause(&w);
	} while (!wait_over(&w));
	if (xhci_ir0_read(x, XHCI_IMAN) & XHCI_IMAN_IP) {
		say(x,
		    "IMAN.IP 1 (controller says it wrote an event), none "
		    "seen at the IOVA; USBSTS 0x%x",
		    xhci_op_read(x, XHCI_USBSTS));
		return -EIO;
	}
	say(x, "no event in %u ms, IMAN.IP 0, USBSTS 0x%x", XHCI_CMD_US / 1000,
	    xhci_op_read(x, XHCI_USBSTS));
	return -ETIMEDOUT;
}

int xhci_event_ring_at(struct xhci *x, iova_t iova, const volatile void *cpu,
		       struct xhci_trb *ev, unsigned *at)
{
	volatile struct xhci_trb *cr = cmd_ring(x);
	int err;

	if (!iova_ok(x, iova, XHCI_EVENTS_MIN * 16, 64, XHCI_SEG_BOUND))
		return -EINVAL;
	if (x->stale && (err = xhci_reset(x)))
		return err;
	struct xhci_trb t = trb_cmd(XHCI_TRB_NOOP_CMD, 0, 0);
	cr[0].w[0] = t.w[0];
	cr[0].w[1] = t.w[1];
	cr[1].w[0] = cr[1].w[1] = 0;
	program_event_ring(x, iova, XHCI_EVENTS_MIN);
	ir_wr(x, XHCI_IMAN, XHCI_IMAN_IP); /* polled: no interrupt wanted */
	wr64(x, x->op + XHCI_CRCR, iova_of(x, cr) | XHCI_CRCR_RCS);
	err = run(x);
	if (!err) {
		wr(x, x->db, 0);
		err = wait_foreign(x, cpu, ev, at);
	}
	char why[DMA_STATUS_MAX];
	memcpy(why, x->eng.status, sizeof(why));
	int rerr = xhci_reset(x); /* back to the engine's own ring */
	memcpy(x->eng.status, why, sizeof(why));
	return err ? err : rerr;
}

/* ---- interrupt ---- */

/* IP may already be clear (QEMU clears it when ERDP catches up with the
 * ring), so it is acknowledged, not required. 5.4.2: EINT is cleared
 * before any IP. */
void xhci_irq_one(struct xhci *x)
{
	if (!x->msi || x->resetting)
		return;
	op_wr(x, XHCI_USBSTS, XHCI_STS_EINT);
	u32 iman = xhci_ir0_read(x, XHCI_IMAN);
	if (iman & XHCI_IMAN_IP)
		ir_wr(x, XHCI_IMAN, iman); /* IP is RW1C */
	x->irqs++;
}

/* The vector is shared by every xHCI opened: each counts it. */
static void on_xhci_irq(struct trap_frame *f, void *ctx)
{
	for (unsigned i = 0; i < XHCI_MAX; i++)
		if (opened[i])
			xhci_irq_one(opened[i]);
}

/* ---- open and close ---- */

/* Offset of extended capability @id, or 0. The list comes from hardware:
 * every step must stay inside BAR0 and the walk is bounded. */
static u32 find_xcap(struct xhci *x, u64 bar_size, unsigned id)
{
	u32 off = (u32)FIELD_GET(XHCI_HCC1_XECP, x->hcc1) * 4;

	for (unsigned n = 0; off && n < XHCI_XCAP_WALK; n++) {
		if (off + 8 > bar_size)
			return 0;
		u32 v = rd(x, off);
		if (FIELD_GET(XHCI_XCAP_ID, v) == id)
			return off;
		u32 next = (u32)FIELD_GET(XHCI_XCAP_NEXT, v) * 4;
		if (!next)
			return 0;
		off += next;
	}
	return 0;
}

/* Controllers that need telling (Linux: pci-quirks.c for the handoff,
 * xhci-pci.c xhci_pci_quirks() for XHCI_NO_64BIT_SUPPORT). */
#define XHCI_Q_FORCE_HANDOFF BIT(0) /* firmware never answers: take it */
#define XHCI_Q_NO_AC64	     BIT(1) /* HCCPARAMS1.AC64 set, 32-bit DMA */

static const struct xhci_quirk {
	u16 vendor, device;
	unsigned flags;
	const char *why;
} xhci_quirks[] = {
	{ 0x104c, 0x8241, XHCI_Q_FORCE_HANDOFF,
	  "TI TUSB73x0: handoff forced (its firmware never answers)" },
	{ 0x1912, 0x0014, XHCI_Q_FORCE_HANDOFF,
	  "Renesas uPD720201: handoff forced (its firmware never answers)" },
	{ 0x1b21, 0x1142, XHCI_Q_NO_AC64,
	  "ASMedia ASM1042A: AC64 set but no 64-bit DMA, used as 32-bit" },
	{ 0x1b21, 0x1242, XHCI_Q_NO_AC64,
	  "ASMedia ASM1142: AC64 set but no 64-bit DMA, used as 32-bit" },
	{ 0x1b21, 0x2142, XHCI_Q_NO_AC64,
	  "ASMedia ASM2142/3142: AC64 set but no 64-bit DMA, used as 32-bit" },
	{ 0x1b21, 0x3242, XHCI_Q_NO_AC64,
	  "ASMedia ASM3242: AC64 set but no 64-bit DMA, used as 32-bit" },
};

static unsigned quirks_of(struct xhci *x)
{
	for (unsigned i = 0; i < ARRAY_SIZE(xhci_quirks); i++) {
		const struct xhci_quirk *q = &xhci_quirks[i];
		if (q->vendor == x->vendor && q->device == x->device) {
			x->quirk = q->why;
			return q->flags;
		}
	}
	return 0;
}

/* 7.1.2: disable the SMIs firmware left on and clear their events (RW1C),
 * whether or not firmware let go: none may fire into a driver's work. */
static u32 smis_off(struct xhci *x, u32 cap)
{
	u32 ctl = rd(x, cap + XHCI_USBLEGCTLSTS);

	wr(x, cap + XHCI_USBLEGCTLSTS,
	   (ctl & ~XHCI_LEG_SMI_ENABLES) | XHCI_LEG_SMI_EVENTS);
	return ctl;
}

/* 4.22.1: ask for the controller (HC OS Owned Semaphore) and wait for the
 * firmware to let go (HC BIOS Owned Semaphore clear). Firmware that does
 * not within 1 s is taken from (as Linux: "Assume a buggy BIOS"), and
 * the quirk table's controllers at once; only a BIOS Owned bit that
 * stays 1 after that write keeps the controller from the driver. */
static int handoff(struct xhci *x, u64 bar_size, bool force)
{
	u32 cap = find_xcap(x, bar_size, XHCI_XCAP_LEGACY);
	const char *how = "released by firmware";

	if (!cap) {
		ksnprintf(x->handoff, sizeof(x->handoff), "no legacy support");
		return 0;
	}
	u32 before = rd(x, cap + XHCI_USBLEGSUP);
	u32 leg = before | XHCI_LEG_OS_OWNED;
	if (force) {
		leg &= ~XHCI_LEG_BIOS_OWNED;
		how = "forced at once (quirk)";
	}
	wr(x, cap + XHCI_USBLEGSUP, leg);
	if (WAIT_FOR(!(rd(x, cap + XHCI_USBLEGSUP) & XHCI_LEG_BIOS_OWNED),
		     XHCI_HANDOFF_US)) {
		wr(x, cap + XHCI_USBLEGSUP,
		   (rd(x, cap + XHCI_USBLEGSUP) | XHCI_LEG_OS_OWNED) &
		       ~XHCI_LEG_BIOS_OWNED);
		how = "firmware did not release in " STRINGIFY(
		    XHCI_HANDOFF_MS) " ms: taken over";
	}
	u32 ctl = smis_off(x, cap);
	u32 after = rd(x, cap + XHCI_USBLEGSUP);
	if (after & XHCI_LEG_BIOS_OWNED) {
		wr(x, cap + XHCI_USBLEGSUP, after & ~XHCI_LEG_OS_OWNED);
		how = "firmware keeps it (BIOS Owned still 1 after the forced "
		      "write)";
		say(x,
		    "USBLEGSUP 0x%x: HC BIOS Owned still 1 after %u ms and a "
		    "forced write",
		    after, XHCI_HANDOFF_MS);
	}
	ksnprintf(x->handoff, sizeof(x->handoff),
		  "%s; USBLEGSUP 0x%x -> 0x%x, USBLEGCTLSTS 0x%x -> 0x%x", how,
		  before, rd(x, cap + XHCI_USBLEGSUP), ctl,
		  rd(x, cap + XHCI_USBLEGCTLSTS));
	if (after & XHCI_LEG_BIOS_OWNED)
		return -EBUSY;
	x->legsup = cap;
	return 0;
}

static int read_caps(struct xhci *x, u64 bar_size)
{
	u32 cap0 = rd(x, XHCI_CAPLENGTH);

	x->op = cap0 & 0xff;
	x->hcs1 = rd(x, XHCI_HCSPARAMS1);
	x->hcs2 = rd(x, XHCI_HCSPARAMS2);
	x->hcc1 = rd(x, XHCI_HCCPARAMS1);
	x->db = rd(x, XHCI_DBOFF) & XHCI_DBOFF_MASK;
	x->rt = rd(x, XHCI_RTSOFF) & XHCI_RTSOFF_MASK;
	x->ports = (unsigned)FIELD_GET(XHCI_HCS1_PORTS, x->hcs1);
	x->nr_sp = (unsigned)(FIELD_GET(XHCI_HCS2_SPB_HI, x->hcs2) << 5 |
			      FIELD_GET(XHCI_HCS2_SPB_LO, x->hcs2));
	x->ac64 = x->hcc1 & XHCI_HCC1_AC64;
	if (cap0 == ~0U || x->op < 0x20 || x->op + 0x40 > bar_size ||
	    x->rt + 0x40 > bar_size || x->db + 4 > bar_size ||
	    !FIELD_GET(XHCI_HCS1_INTRS, x->hcs1)) {
		say(x,
		    "capability registers make no sense: CAPLENGTH 0x%x "
		    "RTSOFF 0x%x DBOFF 0x%x HCSPARAMS1 0x%x, BAR 0x%lx",
		    cap0, x->rt, x->db, x->hcs1, bar_size);
		return -ENODEV;
	}
	return 0;
}

static int alloc_mem(struct xhci *x, iova_t base)
{
	x->mem_pages = idx_events(x) + 2 + x->nr_sp;
	x->mem = page_alloc_contig(x->mem_pages, PAGE_SIZE);
	if (!x->mem) {
		say(x, "no memory for %lu pages (%u scratchpads)", x->mem_pages,
		    x->nr_sp);
		return -ENOMEM;
	}
	memset(x->mem, 0, x->mem_pages * PAGE_SIZE);
	x->iova = base == DMA_IOVA_IDENTITY ? virt_to_phys(x->mem) : base;
	if (!iova_ok(x, x->iova, (u32)(x->mem_pages * PAGE_SIZE), PAGE_SIZE,
		     0)) {
		say(x, "structures at IOVA 0x%lx, beyond a 32-bit controller",
		    x->iova);
		return -EOPNOTSUPP;
	}
	return 0;
}

static int open_common(struct xhci *x, u64 bar_size, iova_t base)
{
	int err;

	x->eng.kind = "xhci";
	x->eng.ops = &xhci_dma_ops;
	x->eng.priv = x;
	x->eng.addr_bits = 64;
	x->reset_us = x->io && x->io->reset_us ? x->io->reset_us
					       : XHCI_RESET_US;
	if ((err = read_caps(x, bar_size)))
		return err;
	unsigned quirks = quirks_of(x);
	if (quirks & XHCI_Q_NO_AC64)
		x->ac64 = false;
	x->eng.addr_bits = x->ac64 ? 64 : 32;
	x->eng.mem_size = 1 + x->ports;
	if (x->nr_sp > XHCI_SP_MAX)
		return -EINVAL;
	if ((err = handoff(x, bar_size, quirks & XHCI_Q_FORCE_HANDOFF)))
		return err;
	x->owned = true;
	x->msi = x->io && x->io->msi; /* a stand-in calls xhci_irq_one() */
	if (x->pci) {
		trap_set_handler(VEC_XHCI, on_xhci_irq, NULL);
		/* MSI-X only where MSI is absent: an APIC id that MSI
		 * cannot name, MSI-X cannot either. */
		err = pci_msi_enable(x->pci, VEC_XHCI);
		if (err == -ENODEV)
			err = pci_msix_enable(x->pci, VEC_XHCI);
		x->msi = err == 0;
		x->eng.vector = x->msi ? VEC_XHCI : 0;
	}
	if ((err = reset_hw(x)))
		return err;
	/* Not programmed yet: the controller reads the ERST as soon as
	 * ERSTBA is written, so the caller maps dma_regions() first and
	 * the first command programs it. */
	if ((err = alloc_mem(x, base)))
		return err;
	x->stale = true;
	if (x->pci)
		pci_set_master(x->pci, true);
	for (unsigned i = 0; i < XHCI_MAX; i++) {
		if (!opened[i]) {
			opened[i] = x;
			break;
		}
	}
	say(x, "ready: %u ports, %u scratchpads, AC64 %u%s, %s", x->ports,
	    x->nr_sp, x->ac64, x->quirk ? " (quirk)" : "",
	    x->msi ? "MSI" : "polled");
	return 0;
}

struct pci_dev *xhci_find(unsigned index)
{
	struct pci_dev *devs;
	unsigned n = pci_devices(&devs);

	for (unsigned i = 0; i < n; i++)
		if (devs[i].class_rev >> 8 == XHCI_PCI_CLASS && !index--)
			return &devs[i];
	return NULL;
}

unsigned xhci_count(void)
{
	unsigned n = 0;

	while (xhci_find(n))
		n++;
	return n;
}

int xhci_open(struct xhci *x, unsigned index, iova_t iova_base)
{
	memset(x, 0, sizeof(*x));
	ksnprintf(x->eng.name, sizeof(x->eng.name), "xhci%u", index);
	x->pci = xhci_find(index);
	if (!x->pci) {
		say(x, "no xHCI %u", index);
		return -ENODEV;
	}
	x->eng.pci = x->pci;
	x->vendor = x->pci->vendor;
	x->device = x->pci->device;
	/* Firmware may leave a controller it does not use in D3hot, where
	 * its registers read as ones. */
	x->woken_from = (u8)pci_power_up(x->pci, &x->cfg_restored);
	x->eng.sid = PCI_BDF(x->pci->bus, x->pci->devfn);
	x->bar = pci_map_bar(x->pci, 0);
	if (!x->bar) {
		struct pci_bar *b = &x->pci->bar[0];
		say(x, "BAR0 0x%lx size 0x%lx io %u: absent or unmappable",
		    b->base, b->size, b->io);
		return -ENOMEM;
	}
	int err = open_common(x, x->pci->bar[0].size, iova_base);
	if (err)
		xhci_close(x);
	return err;
}

int xhci_open_io(struct xhci *x, const struct xhci_io *io, void *ctx,
		 iova_t iova_base)
{
	memset(x, 0, sizeof(*x));
	ksnprintf(x->eng.name, sizeof(x->eng.name), "xhci-io");
	x->io = io;
	x->io_ctx = ctx;
	x->vendor = io->vendor;
	x->device = io->device;
	return open_common(x, 0x10000, iova_base);
}

/* Only a controller taken from firmware is touched. Reset first: one
 * that does not reset may still DMA into its memory, which is then
 * leaked on purpose rather than reused. */
void xhci_close(struct xhci *x)
{
	char why[DMA_STATUS_MAX];

	memcpy(why, x->eng.status, sizeof(why));
	if (x->owned && reset_hw(x) == 0 && x->mem)
		page_free_contig(x->mem, x->mem_pages);
	if (x->pci && x->owned)
		pci_set_master(x->pci, false);
	x->owned = false;
	for (unsigned i = 0; i < XHCI_MAX; i++)
		if (opened[i] == x)
			opened[i] = NULL;
	x->mem = NULL;
	memcpy(x->eng.status, why, sizeof(why));
}

static struct xhci probed[XHCI_MAX];
static int probe_err[XHCI_MAX];
static unsigned nr_probed;

unsigned xhci_probe(void)
{
	unsigned n = 0;

	for (nr_probed = 0; nr_probed < XHCI_MAX && xhci_find(nr_probed);
	     nr_probed++) {
		struct xhci *x = &probed[nr_probed];
		int err = xhci_open(x, nr_probed, DMA_IOVA_IDENTITY);
		if (!err && dma_register(&x->eng)) {
			xhci_close(x);
			err = -ENOSPC;
		}
		probe_err[nr_probed] = err;
		n += !err;
	}
	return n;
}

struct xhci *xhci_probed(unsigned index, int *err)
{
	if (index >= nr_probed)
		return NULL;
	*err = probe_err[index];
	return &probed[index];
}
