/* Fixture of the VT-d suites: a DMA engine in a fresh domain behind its
 * remapping unit, translation on, and guarded memory for DMA targets. The
 * fixture is static and torn down by the harness when the test ends,
 * however it ends (test_defer): no domain id, table, guard page or
 * context entry outlives a failed ASSERT or an exception. */
#ifndef TESTS_KERNEL_VTD_FIX_H
#define TESTS_KERNEL_VTD_FIX_H

#include "iommu/vtd/domain.h"
#include "iommu/vtd/vtd.h"
#include "drivers/dma.h"
#include "arch/x86/pci.h"

/* A DMA target: one page between two guard pages, all three filled with
 * canary bytes that no DMA of a passing test may change. */
struct guarded {
	u8 *base; /* 3 pages */
	u8 *page; /* the middle one */
};
#define CANARY 0xc5

struct vtd_fix {
	struct vtd_unit *unit;
	struct dma_engine *dev;
	u16 sid; /* the requester id the unit sees: dev's last DMA alias */
	u8 bus, devfn; /* of sid: the context entry the unit reads for dev */
	struct vtd_domain dom;
	struct guarded src, dst;
	u64 irqs_before, pfo_before;
	struct vtd_domain extra[2]; /* fix_domain(), destroyed at teardown */
	unsigned nr_extra;
};

/* The invalidation interface a test runs with: the driver's choice
 * (queued whenever the unit has it), or one the test is about. */
enum fix_inval {
	FIX_INV_PREFERRED = 0,
	FIX_INV_QUEUED = 1,
	FIX_INV_REGISTER = 2,
};

/* Set up the fixture over the @edu_index'th edu device, or skip the test
 * (no such device, no unit serves it, the unit lacks the invalidation
 * interface asked for). Torn down when the test ends. */
struct vtd_fix *fix_setup(unsigned edu_index, enum fix_inval inv);
/* Another empty domain on the fixture's unit, with the fixture's address
 * width, destroyed (devices detached first) when the test ends. */
struct vtd_domain *fix_domain(struct vtd_fix *f);
/* Allocate @g, filled with canaries; freed when the test ends. @g must
 * not live on the test's stack (static, or inside the fixture). */
void guarded_init(struct guarded *g);
/* Expect every canary around and in @g untouched except [off, off+len). */
bool guarded_intact(const struct guarded *g, u32 off, u32 len);
/* Expect exactly one fault recorded since the last check, with this
 * reason, the device's source id, the page address and the access type
 * (enum vtd_access), and no overflow (PFO) since the fixture was set up. */
bool expect_one_fault(struct vtd_fix *f, unsigned reason, iova_t addr,
		      unsigned access);
bool expect_no_fault(struct vtd_fix *f);
/* Stage @len bytes of @pattern into the device buffer through a read-only
 * mapping of f->src at @iova. */
int fix_stage(struct vtd_fix *f, iova_t iova, u8 pattern, u32 len);
/* A page-aligned physical address below the DMAR's host address width
 * that neither the memory map nor any PCI BAR covers: nothing decodes
 * there. Skips off QEMU (on a real board such an access may end in a
 * machine check rather than a fault record). */
hpa_t fix_unbacked_pa(void);
/* Read @len bytes of the device memory back into @out through a
 * read/write mapping of f->src at @iova. */
int fix_fetch(struct vtd_fix *f, iova_t iova, u8 *out, u32 len);
/* The same as fix_stage for another device @e in domain @d, through f->src. */
int fix_stage_on(struct vtd_fix *f, struct dma_engine *e, struct vtd_domain *d,
		 iova_t iova, u8 pattern, u32 len);

#endif
