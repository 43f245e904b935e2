/* xHCI USB host controller as a DMA engine (eXtensible Host Controller
 * Interface for USB, rev 1.2, May 2019; "spec" below).
 *
 * No USB device is driven: only the controller's own DMA, which every PC
 * has behind VT-d. What the engine moves (dma.h's "device memory"):
 *
 *  write (device -> IOVA): a Get Port Bandwidth command (6.4.3.8) whose
 *   context pointer is the IOVA. The controller writes the Port Bandwidth
 *   Context (6.2.6): a reserved byte, then one byte per root-hub port, the
 *   percentage of bandwidth free. Those bytes are the device memory: the
 *   engine learns them once by running the same command into its own
 *   buffer twice (pre-filled 0x00, then 0xff), which also measures how
 *   many bytes the controller really writes (mem_size; QEMU: 1 + 8 ports,
 *   9 bytes). dma_image(write) returns them. The IOVA must be 16-byte
 *   aligned, off 0 and len mem_size.
 *
 *  read (IOVA -> device): the command ring's first TRB is a Link TRB
 *   (6.4.4.1) to the IOVA, where the caller has put XHCI_READ_LEN bytes
 *   from dma_image(read): a No-Op command TRB (6.4.3.1, cycle 1) and a
 *   TRB with cycle 0 that stops the ring. The controller must fetch both
 *   and execute the No-Op: the read succeeds only when a Command
 *   Completion Event (6.4.2.2) names the IOVA as the command's address.
 *   The IOVA must be 64-byte aligned (command ring segment, table 6-1),
 *   off 0 and len XHCI_READ_LEN.
 *
 * Between calls the controller is halted (USBCMD.RS = 0): each call sets
 * the command ring afresh (CRCR, 5.4.5), runs the controller, rings
 * doorbell 0, waits for the event, halts it again. So a test may unmap
 * its targets between calls, and a broken call cannot leave a command
 * running. The controller's own structures live at IOVAs the caller
 * chooses (xhci_open(), dma_place()); dma_regions() lists them with the
 * access the controller needs, to be mapped for as long as it is used.
 *
 * Faulted access, as the controller sees it (eng.status says which):
 * a completion code other than Success (-EIO), no event before the
 * deadline (-ETIMEDOUT), USBSTS.HCE or HSE: halted, reset needed (-EIO).
 * After any of these the next call (or dma_recover) resets the
 * controller (HCRST) and programs it again. */
#ifndef DRIVERS_XHCI_H
#define DRIVERS_XHCI_H

#include "drivers/dma.h"

/* PCI class code of an xHCI (spec 5.2.1-5.2.3): serial bus, USB, 0x30. */
#define XHCI_PCI_CLASS 0x0c0330

/* Capability registers, from BAR0 (5.3) */
#define XHCI_CAPLENGTH	   0x00 /* u8; HCIVERSION u16 at 0x02 */
#define XHCI_HCIVERSION	   GENMASK(31, 16)
#define XHCI_HCSPARAMS1	   0x04 /* 5.3.3 */
#define XHCI_HCS1_SLOTS	   GENMASK(7, 0)
#define XHCI_HCS1_INTRS	   GENMASK(18, 8)
#define XHCI_HCS1_PORTS	   GENMASK(31, 24)
#define XHCI_HCSPARAMS2	   0x08 /* 5.3.4 */
#define XHCI_HCS2_ERST_MAX GENMASK(7, 4)
#define XHCI_HCS2_SPB_HI   GENMASK(25, 21)
#define XHCI_HCS2_SPR	   BIT(26)
#define XHCI_HCS2_SPB_LO   GENMASK(31, 27)
#define XHCI_HCCPARAMS1	   0x10 /* 5.3.6 */
#define XHCI_HCC1_AC64	   BIT(0)
#define XHCI_HCC1_CSZ	   BIT(2)
#define XHCI_HCC1_XECP	   GENMASK(31, 16) /* in dwords from BAR0 */
#define XHCI_DBOFF	   0x14		   /* 5.3.7 */
#define XHCI_DBOFF_MASK	   GENMASK(31, 2)
#define XHCI_RTSOFF	   0x18 /* 5.3.8 */
#define XHCI_RTSOFF_MASK   GENMASK(31, 5)

/* Operational registers, from CAPLENGTH (5.4) */
#define XHCI_USBCMD    0x00 /* 5.4.1 */
#define XHCI_CMD_RS    BIT(0)
#define XHCI_CMD_HCRST BIT(1)
#define XHCI_CMD_INTE  BIT(2)
#define XHCI_CMD_HSEE  BIT(3)
#define XHCI_USBSTS    0x04 /* 5.4.2 */
#define XHCI_STS_HCH   BIT(0)
#define XHCI_STS_HSE   BIT(2)  /* RW1C */
#define XHCI_STS_EINT  BIT(3)  /* RW1C */
#define XHCI_STS_PCD   BIT(4)  /* RW1C */
#define XHCI_STS_SRE   BIT(10) /* RW1C */
#define XHCI_STS_CNR   BIT(11)
#define XHCI_STS_HCE   BIT(12)
#define XHCI_STS_RW1C \
	(XHCI_STS_HSE | XHCI_STS_EINT | XHCI_STS_PCD | XHCI_STS_SRE)
#define XHCI_PAGESIZE	  0x08 /* 5.4.3: bit n = 2^(n+12) bytes */
#define XHCI_PAGESIZE_4K  BIT(0)
#define XHCI_CRCR	  0x18 /* 5.4.5, 64 bits */
#define XHCI_CRCR_RCS	  BIT_ULL(0)
#define XHCI_CRCR_CS	  BIT_ULL(1)
#define XHCI_CRCR_CA	  BIT_ULL(2)
#define XHCI_CRCR_CRR	  BIT_ULL(3)
#define XHCI_CRCR_PTR	  GENMASK_ULL(63, 6)
#define XHCI_DCBAAP	  0x30 /* 5.4.6, 64 bits */
#define XHCI_DCBAAP_PTR	  GENMASK_ULL(63, 6)
#define XHCI_CONFIG	  0x38 /* 5.4.7 */
#define XHCI_CONFIG_SLOTS GENMASK(7, 0)

/* Runtime registers, from RTSOFF (5.5); interrupter n at 0x20 + 32 n */
#define XHCI_IR0      0x20
#define XHCI_IMAN     0x00   /* 5.5.2.1 */
#define XHCI_IMAN_IP  BIT(0) /* RW1C */
#define XHCI_IMAN_IE  BIT(1)
#define XHCI_IMOD     0x04	 /* 5.5.2.2: 250 ns units */
#define XHCI_ERSTSZ   0x08	 /* 5.5.2.3.1 */
#define XHCI_ERSTBA   0x10	 /* 5.5.2.3.2, 64 bits, 64-byte aligned */
#define XHCI_ERDP     0x18	 /* 5.5.2.3.3, 64 bits */
#define XHCI_ERDP_EHB BIT_ULL(3) /* RW1C */
#define XHCI_ERDP_PTR GENMASK_ULL(63, 4)

/* Doorbell registers, from DBOFF (5.6): 0 is the command ring's */
#define XHCI_DB_TARGET GENMASK(7, 0)

/* Extended capabilities (7), from HCCPARAMS1.xECP */
#define XHCI_XCAP_ID	 GENMASK(7, 0)
#define XHCI_XCAP_NEXT	 GENMASK(15, 8) /* dwords, 0: last */
#define XHCI_XCAP_LEGACY 1
/* USB Legacy Support Capability (7.1.1) */
#define XHCI_USBLEGSUP	    0x00
#define XHCI_LEG_BIOS_OWNED BIT(16)
#define XHCI_LEG_OS_OWNED   BIT(24)
#define XHCI_USBLEGCTLSTS   0x04 /* 7.1.2 */
/* SMI enables: USB (0), host system error (4), OS ownership (13), PCI
 * command (14), BAR (15); the rest of 15:0 and 28:16 is reserved or
 * read-only status. 31:29 are RW1C SMI events. */
#define XHCI_LEG_SMI_ENABLES (BIT(0) | BIT(4) | BIT(13) | BIT(14) | BIT(15))
#define XHCI_LEG_SMI_EVENTS  GENMASK(31, 29)

/* TRBs (6.4): 16 bytes, as two u64 words; little-endian, so word 1 holds
 * the status dword (low) and the control dword (high). */
struct xhci_trb {
	u64 w[2];
};
_Static_assert(sizeof(struct xhci_trb) == 16, "TRB is 16 bytes (6.4)");

#define XHCI_TRB_C	   BIT(0) /* cycle (control dword) */
#define XHCI_TRB_LINK_TC   BIT(1) /* Link TRB: toggle cycle (6.4.4.1) */
#define XHCI_TRB_TYPE	   GENMASK(15, 10)
#define XHCI_TRB_SLOT	   GENMASK(31, 24)
#define XHCI_TRB_GPB_SPEED GENMASK(19, 16) /* 6.4.3.8 */
#define XHCI_TRB_CC	   GENMASK(31, 24) /* status dword of events */

enum xhci_trb_type {
	XHCI_TRB_LINK = 6,
	XHCI_TRB_GET_PORT_BW = 21,
	XHCI_TRB_NOOP_CMD = 23,
	XHCI_TRB_CMD_COMPLETION = 33,
	XHCI_TRB_PORT_STATUS = 34,
	XHCI_TRB_HC_EVENT = 37,
};

/* Completion codes (6.4.5) */
#define XHCI_CC_SUCCESS 1
#define XHCI_CC_TRB_ERR 5

/* Default speed id of a high-speed device (7.2.2.1.1) */
#define XHCI_SPEED_HS 3

static inline u64 xhci_trb_param(const struct xhci_trb *t)
{
	return t->w[0];
}
static inline u32 xhci_trb_status(const struct xhci_trb *t)
{
	return (u32)t->w[1];
}
static inline u32 xhci_trb_control(const struct xhci_trb *t)
{
	return (u32)(t->w[1] >> 32);
}
static inline unsigned xhci_trb_type(const struct xhci_trb *t)
{
	return (unsigned)FIELD_GET(XHCI_TRB_TYPE, xhci_trb_control(t));
}
static inline struct xhci_trb xhci_trb_make(u64 param, u32 status, u32 control)
{
	struct xhci_trb t = { { param, (u64)control << 32 | status } };
	return t;
}

/* Event Ring Segment Table entry (6.5) */
struct xhci_erst_entry {
	u64 base; /* 64-byte aligned */
	u32 size; /* TRBs, 16..4096 */
	u32 rsvd;
};
_Static_assert(sizeof(struct xhci_erst_entry) == 16, "ERST entry (6.5)");

/* ---- The driver ---- */

#define XHCI_READ_LEN 32  /* No-Op command TRB + stop TRB */
#define XHCI_BW_MAX   256 /* 1 + MaxPorts (at most 255) */
#define XHCI_EVENTS   256 /* TRBs in the engine's event ring */

/* Register access: MMIO, or a stand-in controller for tests of the
 * driver's error paths. Offsets are from BAR0. A stand-in also says which
 * PCI ids it plays (for the quirks below) and whether it takes an MSI:
 * then it calls xhci_irq_one() itself, as if one had arrived. */
struct xhci;
struct xhci_io {
	u32 (*rd)(struct xhci *x, u32 off);
	void (*wr)(struct xhci *x, u32 off, u32 v);
	u16 vendor, device;
	bool msi;
	u32 reset_us; /* HCRST and CNR deadline; 0: the driver's 10 s */
};

struct xhci {
	struct dma_engine eng;
	struct pci_dev *pci; /* NULL for a stand-in */
	volatile u8 *bar;
	const struct xhci_io *io; /* NULL: MMIO at bar */
	void *io_ctx;
	u32 op, rt, db; /* register blocks, from BAR0 */
	u32 reset_us;	/* HCRST and CNR deadline */
	u32 hcs1, hcs2, hcc1;
	unsigned ports, nr_sp;
	u16 vendor, device;
	bool owned;	   /* handed over by firmware */
	u8 woken_from;	   /* PCI power state found at open (3: D3hot); 0: D0 */
	bool cfg_restored; /* D3hot -> D0 reset it: BARs, Command put back */
	u32 legsup;	   /* USB Legacy Support capability, 0: none */
	unsigned os_owned_lost; /* HCRSTs that cleared HC OS Owned */
	char handoff[128];	/* what the handoff found and left */
	const char *quirk;	/* why a capability is not trusted, or NULL */
	bool ac64, msi;
	bool stale; /* not programmed, or failed: reset before use */
	/* A halt or reset failed, so the controller may still run: PCI Bus
	 * Master is off (no DMA) until a later reset succeeds. */
	bool dma_off;
	/* Inside reset_hw: no register but USBCMD, USBSTS may be touched
	 * (4.2, 5.4.1: not before CNR = 0, nor within 1 ms of HCRST), so
	 * the interrupt handler passes the controller over. */
	volatile bool resetting;
	/* The controller's memory, one contiguous allocation (layout in
	 * xhci.c), and the IOVA its first byte is at. */
	u8 *mem;
	u64 mem_pages;
	iova_t iova;
	unsigned ev_deq;
	bool ev_cycle;
	u8 bw[XHCI_BW_MAX];
	u32 bw_len;	  /* 0 until probed */
	u64 other_events; /* port status changes... skipped */
	u64 irqs;
};

/* At boot: open every xHCI (structures at DMA_IOVA_IDENTITY) and register
 * those taken over as DMA engines of kind "xhci". Returns how many. */
unsigned xhci_probe(void);
/* The @index'th controller xhci_probe() tried, and how its open ended
 * (*err; x->eng.status says why); NULL beyond those. */
struct xhci *xhci_probed(unsigned index, int *err);
/* Reset (HCRST: no DMA after it) and leave it to be programmed again at
 * the next call: before its domain goes away. When the halt or reset
 * fails, PCI Bus Master is cleared instead (x->dma_off) and the error
 * returned: no DMA either way. */
int xhci_quiesce(struct xhci *x);
unsigned xhci_count(void);
/* The @index'th xHCI by PCI class, or NULL (nothing touched). */
struct pci_dev *xhci_find(unsigned index);
/* Take the @index'th xHCI from firmware (PCI D0, USB legacy handoff),
 * reset it (halted) and allocate its structures at IOVAs from @iova_base
 * (or at their physical addresses: DMA_IOVA_IDENTITY; dma_place() moves
 * them later). They are programmed into it by the first call, which may
 * DMA: map dma_regions() before. Errors: -ENODEV (none), -EBUSY (firmware
 * keeps it), -ETIMEDOUT (reset), -ENOMEM, -EOPNOTSUPP; x->eng.status
 * names the register and its state. */
int xhci_open(struct xhci *x, unsigned index, iova_t iova_base);
/* The same bring-up on a stand-in controller (tests). */
int xhci_open_io(struct xhci *x, const struct xhci_io *io, void *ctx,
		 iova_t iova_base);
/* Reset the controller (no DMA after this) and free its memory. */
void xhci_close(struct xhci *x);
/* Reset and program again (after HCE, HSE, a lost command). */
int xhci_reset(struct xhci *x);

/* A No-Op command from the engine's own ring; *ev gets the event. */
int xhci_noop(struct xhci *x, struct xhci_trb *ev);
/* Run one No-Op with the event ring segment (XHCI_EVENTS_MIN TRBs) at
 * @iova instead of the engine's own; @cpu is where the CPU sees it. *ev
 * gets the Command Completion Event when one was seen, *at its index in
 * the segment (events before it, port status changes on a real machine,
 * are passed over). The controller is reset afterwards. */
#define XHCI_EVENTS_MIN 16 /* 6.5: a segment has at least 16 TRBs */
int xhci_event_ring_at(struct xhci *x, iova_t iova, const volatile void *cpu,
		       struct xhci_trb *ev, unsigned *at);
/* The event a No-Op from the engine's own ring produces. */
struct xhci_trb xhci_noop_event(const struct xhci *x);
/* Acknowledge @x's interrupt (USBSTS.EINT, then IMAN.IP) and count it;
 * nothing while it has no MSI or is being reset. The MSI handler calls
 * it for every controller opened. */
void xhci_irq_one(struct xhci *x);

/* Register reads, for diagnostics: from BAR0, operational, runtime. */
u32 xhci_bar_read(struct xhci *x, u32 off);
u32 xhci_op_read(struct xhci *x, u32 reg);
u32 xhci_ir0_read(struct xhci *x, u32 reg); /* interrupter 0 */

#endif
