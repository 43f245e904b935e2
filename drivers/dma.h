/* A DMA engine: a PCI bus master whose memory accesses the kernel can aim
 * at an IO virtual address, so that the VT-d suites prove translation,
 * permissions and faults with real DMA. Every engine has some device-side
 * memory ("device memory": edu's 4 KiB buffer, the bytes an xHCI fetches
 * or stores), moved to or from an IOVA by one call. Each call waits for
 * the device with a deadline and returns 0, -ETIMEDOUT when the device
 * never answered, -EIO when it reported an error (a faulted access), or
 * -EINVAL when the request does not fit the engine.
 *
 * The caller owns the IOVA's mapping; the engine owns its device's BARs,
 * rings and interrupt. */
#ifndef DRIVERS_DMA_H
#define DRIVERS_DMA_H

#include "lib/errno.h"
#include "lib/types.h"

struct pci_dev;
struct dma_engine;

/* Memory the device itself reaches while it runs (xHCI: DCBAA, rings,
 * ERST, scratchpad), apart from the IOVAs a test aims it at. A caller
 * that translates the device's DMA maps each region at its IOVA for as
 * long as the engine is open. */
#define DMA_DEV_READ  BIT(0) /* the device reads it */
#define DMA_DEV_WRITE BIT(1) /* the device writes it */
struct dma_region {
	iova_t iova;
	hpa_t pa;
	u64 len;       /* a multiple of 4 KiB */
	unsigned perm; /* DMA_DEV_* */
};

struct dma_ops {
	/* IOVA -> device memory [off, off+len): the device reads RAM. */
	int (*read)(struct dma_engine *e, iova_t iova, u32 off, u32 len);
	/* Device memory [off, off+len) -> IOVA: the device writes RAM. */
	int (*write)(struct dma_engine *e, u32 off, iova_t iova, u32 len);
	/* Start what write() does and return without waiting for it: 0,
	 * -EBUSY while a transfer runs, -EINVAL as write(). quiesce() waits
	 * for it to end (its outcome is the IOMMU's to report). Lets one
	 * caller keep several engines busy at once. NULL when the engine
	 * cannot (an xHCI command waits for its event). */
	int (*write_start)(struct dma_engine *e, u32 off, iova_t iova, u32 len);
	/* Bring the device back to a usable state after an error (a halted
	 * xHCI after HCE); NULL when the device never needs it. */
	int (*recover)(struct dma_engine *e);
	/* The engine's own regions (above): fills at most @max, returns how
	 * many there are. NULL when the device needs none (edu). */
	unsigned (*regions)(struct dma_engine *e, struct dma_region *out,
			    unsigned max);
	/* For devices whose memory is not free-form (xHCI moves TRBs and
	 * contexts): the @len bytes a read must find at its IOVA (!write),
	 * or that a write leaves there (write). NULL: any bytes, and a write
	 * leaves what the last read brought in (edu). */
	int (*image)(struct dma_engine *e, bool write, u8 *buf, u32 len);
	/* Put the engine's own regions at IOVAs from @base upward, or at
	 * their physical addresses (DMA_IOVA_IDENTITY: no IOMMU, or
	 * pass-through); the device takes them up at the next call or
	 * recover, so map them first. NULL when there are none. */
	int (*place)(struct dma_engine *e, iova_t base);
	/* Make sure no DMA of the device is in flight or will start before
	 * the next call, whoever started it (a guest it is assigned to),
	 * before the mappings it uses go away: edu waits for its transfer to
	 * end, xHCI stops (HCRST). 0 or -ETIMEDOUT; NULL when every transfer
	 * ends before read/write return and none starts between calls. */
	int (*quiesce)(struct dma_engine *e);
	/* Have the device send its interrupt once, now, as its capability
	 * says (the interrupt-remapping tests aim the message): edu writes
	 * its raise register (no DMA); an xHCI completes a No-Op command,
	 * whose event raises interrupter 0 (DMA: its regions mapped). 0 once
	 * the device has signalled, whether or not the interrupt arrived;
	 * NULL when the engine cannot. */
	int (*raise_irq)(struct dma_engine *e);
	/* Acknowledge in the device what its interrupt handler would (edu's
	 * status, xHCI's USBSTS.EINT and IMAN.IP), for a handler on another
	 * vector than the driver's. */
	void (*irq_ack)(struct dma_engine *e);
};

#define DMA_IOVA_IDENTITY (~0ULL)

#define DMA_NAME_MAX   12
#define DMA_STATUS_MAX 80

struct dma_engine {
	char name[DMA_NAME_MAX]; /* "edu0", "xhci0": used in diagnostics */
	const char *kind;	 /* "edu", "xhci" */
	struct pci_dev *pci;
	u16 sid;	    /* requester id: bus << 8 | devfn */
	u8 vector;	    /* completion interrupt; 0 when it polls */
	u32 mem_size;	    /* bytes of device memory usable */
	unsigned addr_bits; /* widest IOVA the device can emit */
	const struct dma_ops *ops;
	void *priv;
	/* The device's own account of the last call, for the report next to
	 * the IOMMU's fault record: "event cc 1", "no event, USBSTS.HCE". */
	char status[DMA_STATUS_MAX];
};

static inline int dma_read(struct dma_engine *e, iova_t iova, u32 off, u32 len)
{
	return e->ops->read(e, iova, off, len);
}

static inline int dma_write(struct dma_engine *e, u32 off, iova_t iova, u32 len)
{
	return e->ops->write(e, off, iova, len);
}

/* -EOPNOTSUPP when the engine cannot start a write and go on. */
static inline int dma_write_start(struct dma_engine *e, u32 off, iova_t iova,
				  u32 len)
{
	return e->ops->write_start ? e->ops->write_start(e, off, iova, len)
				   : -EOPNOTSUPP;
}

static inline int dma_recover(struct dma_engine *e)
{
	return e->ops->recover ? e->ops->recover(e) : 0;
}

static inline unsigned dma_regions(struct dma_engine *e, struct dma_region *out,
				   unsigned max)
{
	return e->ops->regions ? e->ops->regions(e, out, max) : 0;
}

static inline int dma_place(struct dma_engine *e, iova_t base)
{
	return e->ops->place ? e->ops->place(e, base) : 0;
}

static inline int dma_quiesce(struct dma_engine *e)
{
	return e->ops->quiesce ? e->ops->quiesce(e) : 0;
}

/* -EOPNOTSUPP when the engine cannot raise its interrupt at will. */
static inline int dma_raise_irq(struct dma_engine *e)
{
	return e->ops->raise_irq ? e->ops->raise_irq(e) : -EOPNOTSUPP;
}

static inline void dma_irq_ack(struct dma_engine *e)
{
	if (e->ops->irq_ack)
		e->ops->irq_ack(e);
}

/* -EOPNOTSUPP when any bytes will do. */
static inline int dma_image(struct dma_engine *e, bool write, u8 *buf, u32 len)
{
	return e->ops->image ? e->ops->image(e, write, buf, len) : -EOPNOTSUPP;
}

/* IOVA limit of the engine: 1 << addr_bits, saturated at 2^64 - 1 so
 * that callers never shift by 64. */
static inline u64 dma_iova_limit(const struct dma_engine *e)
{
	return e->addr_bits >= 64 ? ~0ULL : (1ULL << e->addr_bits);
}

#define DMA_MAX_ENGINES 8

/* Add an engine to the registry (drivers, at probe); -1 when full. */
int dma_register(struct dma_engine *e);
/* Engines of @kind ("edu", "xhci"), or of any kind when NULL. */
unsigned dma_count(const char *kind);
/* The @index'th engine of @kind (any kind when NULL) in probe order. */
struct dma_engine *dma_find(const char *kind, unsigned index);

#endif
