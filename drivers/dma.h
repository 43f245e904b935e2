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

#include "lib/types.h"

struct pci_dev;
struct dma_engine;

struct dma_ops {
	/* IOVA -> device memory [off, off+len): the device reads RAM. */
	int (*read)(struct dma_engine *e, iova_t iova, u32 off, u32 len);
	/* Device memory [off, off+len) -> IOVA: the device writes RAM. */
	int (*write)(struct dma_engine *e, u32 off, iova_t iova, u32 len);
	/* Bring the device back to a usable state after an error (a halted
	 * xHCI after HCE); NULL when the device never needs it. */
	int (*recover)(struct dma_engine *e);
	/* Wait until no DMA of the device is in flight, whoever started it
	 * (a guest it is assigned to): 0 or -ETIMEDOUT. NULL when every
	 * transfer ends before read/write return. */
	int (*quiesce)(struct dma_engine *e);
};

#define DMA_NAME_MAX 12

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
};

static inline int dma_read(struct dma_engine *e, iova_t iova, u32 off, u32 len)
{
	return e->ops->read(e, iova, off, len);
}

static inline int dma_write(struct dma_engine *e, u32 off, iova_t iova, u32 len)
{
	return e->ops->write(e, off, iova, len);
}

static inline int dma_recover(struct dma_engine *e)
{
	return e->ops->recover ? e->ops->recover(e) : 0;
}

static inline int dma_quiesce(struct dma_engine *e)
{
	return e->ops->quiesce ? e->ops->quiesce(e) : 0;
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
