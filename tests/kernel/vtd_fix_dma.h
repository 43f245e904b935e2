/* Engine-neutral DMA for the VT-d suites, over the fixture's engine (or
 * another one attached with fix_attach_engine). */
#ifndef TESTS_KERNEL_VTD_FIX_DMA_H
#define TESTS_KERNEL_VTD_FIX_DMA_H

#include "tests/kernel/vtd_fix.h"

/* Engine-neutral DMA. A write moves fix_wlen() bytes of device memory to
 * an IOVA (edu: a staged pattern; xHCI: the Port Bandwidth Context); a
 * read fetches fix_rlen() bytes from an IOVA (edu: into its buffer;
 * xHCI: a No-Op TRB and a stop TRB, proven by the completion naming the
 * IOVA). fix_align() is the alignment each needs. */
#define FIX_LEN	      64  /* what edu moves per access */
#define FIX_WRITE_MAX 256 /* xHCI: 1 + 255 ports */
bool fix_free_form(const struct vtd_fix *f);
u32 fix_wlen(const struct vtd_fix *f);
u32 fix_rlen(const struct vtd_fix *f);
u32 fix_align(const struct vtd_fix *f, bool write);
/* The last offset in a leaf of @size where the engine's access can start
 * (@write or read): the last bytes of the leaf, or the last aligned slot
 * before them (reported). */
u64 fix_last(const struct vtd_fix *f, u64 size, bool write);
/* The bytes the next write will leave (FIX_WRITE_MAX at most): a fresh
 * pattern staged (edu) or the controller's own (xHCI). Returns how many. */
u32 fix_prepare_write(struct vtd_fix *f, u8 *want);
/* The same for engine @e in domain @d (fix_attach_engine). */
u32 fix_prepare_write_on(struct vtd_fix *f, struct dma_engine *e,
			 struct vtd_domain *d, u8 *want);
/* The write, of whatever device memory holds (edu: the last stage). */
int fix_write(struct vtd_fix *f, iova_t iova);
/* The same by another engine @e (fix_other_engine). */
int fix_write_by(struct dma_engine *e, iova_t iova);
/* fix_write_by() without waiting (dma_write_start): -EOPNOTSUPP when @e
 * cannot; dma_quiesce() waits. */
int fix_write_start_by(struct dma_engine *e, iova_t iova);
/* The read, of whatever the IOVA holds. */
int fix_read(struct vtd_fix *f, iova_t iova);
/* The result of a DMA the unit blocked: edu completes it (0); xHCI's
 * faulted read never completes (no event names the IOVA), its faulted
 * write completes or not as the controller decides (printed). */
bool expect_blocked(struct vtd_fix *f, int err, bool write);
/* A write through @iova lands exactly at @va (a fresh pattern on edu, the
 * controller's bytes on xHCI), and the bytes at @va are put back. */
bool fix_write_lands(struct vtd_fix *f, iova_t iova, u8 *va);
/* The same by engine @e, attached to domain @d (fix_attach_engine). */
bool fix_write_lands_on(struct vtd_fix *f, struct dma_engine *e,
			struct vtd_domain *d, iova_t iova, u8 *va);
/* A read through @iova fetches what the test put at @va (edu: written
 * back through the stage mapping and compared; xHCI: the completion names
 * the IOVA, nothing written), and the bytes at @va are put back. */
bool fix_read_fetches(struct vtd_fix *f, iova_t iova, u8 *va);
/* The engine's own structures (dma_regions) hold @addr. */
bool fix_engine_holds(struct dma_engine *e, iova_t addr);
/* A fault of the device as a whole (root or context entry): the unit
 * blocks the first access of the engine: the test's @iova for an engine
 * that goes there directly (edu), else one of its own structures. */
bool expect_device_fault(struct vtd_fix *f, unsigned reason, iova_t iova,
			 unsigned access);

#endif
