#ifndef TESTS_KERNEL_SCALABLE_FIX_H
#define TESTS_KERNEL_SCALABLE_FIX_H

#include "iommu/vtd/pasid.h"
#include "iommu/vtd/domain.h"
#include "iommu/vtd/fault.h"
#include "tests/kernel/vtd_fix.h"

#define IOVA	  0x200000ULL
#define LEN	  64
#define RID_PASID 0

struct sm_fix {
	struct vtd_unit *unit;
	struct dma_engine *dev;
	/* The engine-neutral accesses' view of @dev (sm_vf). */
	struct vtd_fix vf;
	bool placed; /* an xHCI's structures placed for this test */
	struct vtd_sm sm;
	struct vtd_domain dom;
	bool dom_live, fl_live;
	struct pt fl;
	struct guarded src, dst;
	u16 fl_did; /* the first-stage entry's domain id (sm_fl_cfg) */
};

/* This round's engine (edu0, xhci0: fix_engines) behind a unit in
 * scalable mode, translation on, nothing attached; torn down when the
 * test ends, however it ends. */
struct sm_fix *sm_setup(void);
/* @f's engine as the engine-neutral accesses take it (vtd_fix_dma.h),
 * filled from f->dev each call, so a test that changes f->dev has it. */
struct vtd_fix *sm_vf(struct sm_fix *f);
/* @f's engine moves only its own bytes (xHCI), not any (edu). */
bool sm_own_bytes(const struct sm_fix *f);
/* RID_PASID entries: second-stage tables of a fresh domain (f->dom), or
 * skip without ECAP.SLTS; first-stage tables built by the walker (f->fl),
 * or skip without ECAP.FLTS; whichever translates on this unit. */
struct vtd_pasid_cfg sm_sl_cfg(struct sm_fix *f);
struct vtd_pasid_cfg sm_fl_cfg(struct sm_fix *f);
struct vtd_pasid_cfg sm_any_cfg(struct sm_fix *f);
/* src read-only at IOVA, dst writable at the next page, in the second-
 * or first-stage tables; one page of the first stage. */
void sm_sl_map_pair(struct sm_fix *f);
void sm_fl_map_pair(struct sm_fix *f);
void sm_fl_map(struct sm_fix *f, iova_t iova, void *page, unsigned prot);
/* The pair in the tables @c names (second or first stage). */
void sm_map_pair(struct sm_fix *f, const struct vtd_pasid_cfg *c);
/* @pe (raw) or the entry @c makes, as @pasid's (RID_PASID's) entry of the
 * engine, its own structures placed for the translation @c describes. */
int sm_attach_raw(struct sm_fix *f, const struct vtd_pasid_cfg *c, u32 pasid,
		  const struct vtd_pasid_entry *pe);
int sm_attach(struct sm_fix *f, const struct vtd_pasid_cfg *c);
/* The engine's write to @iova, which the unit blocks (an xHCI reset
 * after it). */
void sm_blocked_write(struct sm_fix *f, iova_t iova);
/* A read through @src_iova and a write through @dst_iova both translated:
 * the bytes land in dst (@pattern on edu, the controller's own on an
 * xHCI), the canaries intact. */
void sm_round_trip(struct sm_fix *f, iova_t src_iova, iova_t dst_iova,
		   u8 pattern);
/* The pair mapped in @c's tables, @c attached, a round trip through it
 * (@pattern), and no fault. */
void sm_lands(struct sm_fix *f, const struct vtd_pasid_cfg *c, u8 pattern);
/* The access's fault in *@out (edu: the only one; xHCI: the first), from
 * the engine's requester id. */
bool sm_one_fault(struct sm_fix *f, struct vtd_fault *out);
void expect_no_sm_fault(struct sm_fix *f);
/* One fault with @reason (QEMU 7.2's 0x58 for every PASID-structure
 * fault a known divergence where @todo72). */
void expect_sm_fault(struct sm_fix *f, unsigned reason, bool todo72);
/* Read through IOVA (mapped to src), remap IOVA to dst with @flush, and
 * the next write through IOVA lands in dst. */
void sm_remap_then_write(struct sm_fix *f, int (*flush)(struct sm_fix *));
/* PGSNP in the entry @c: translated with ECAP.SC, a reserved-bit fault
 * (0x5a) without it. */
void sm_pgsnp(struct sm_fix *f, struct vtd_pasid_cfg *c);

#endif
