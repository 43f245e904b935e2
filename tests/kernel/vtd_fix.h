/* Fixture of the VT-d suites: an edu device in a fresh domain behind its
 * remapping unit, translation on, and guarded memory for DMA targets. */
#ifndef TESTS_KERNEL_VTD_FIX_H
#define TESTS_KERNEL_VTD_FIX_H

#include "iommu/vtd/domain.h"
#include "tests/kernel/edu.h"

/* A DMA target: one page between two guard pages, all three filled with
 * canary bytes that no DMA of a passing test may change. */
struct guarded {
	u8 *base; /* 3 pages */
	u8 *page; /* the middle one */
};
#define CANARY 0xc5

struct vtd_fix {
	struct vtd_unit *unit;
	struct edu edu;
	struct vtd_domain dom;
	struct guarded src, dst;
	u64 irqs_before;
};

/* Set up or skip the test (no edu, no unit). @qi picks the invalidation
 * interface the test runs with. */
void fix_setup(struct vtd_fix *f, unsigned edu_index, bool qi);
void fix_teardown(struct vtd_fix *f);
void guarded_init(struct guarded *g);
void guarded_free(struct guarded *g);
/* Expect every canary around and in @g untouched except [off, off+len). */
bool guarded_intact(const struct guarded *g, u32 off, u32 len);
/* Expect exactly one fault with this reason, source and page address. */
bool expect_one_fault(struct vtd_fix *f, unsigned reason, iova_t addr);
bool expect_no_fault(struct vtd_fix *f);
/* Stage @len bytes of @pattern into the device buffer through a read-only
 * mapping of f->src at @iova. */
int fix_stage(struct vtd_fix *f, iova_t iova, u8 pattern, u32 len);
/* The same for another device @e in domain @d, through f->src. */
int fix_stage_on(struct vtd_fix *f, struct edu *e, struct vtd_domain *d,
		 iova_t iova, u8 pattern, u32 len);

struct vtd_unit *vtd_unit_for_device(u16 seg, u8 bus, u8 devfn);
unsigned vtd_nr_units(void);
/* The parsed DMAR, or NULL with *err set (no table, or malformed). */
const struct dmar_info *vtd_dmar(int *err);
struct vtd_unit *vtd_unit(unsigned i);

#endif
