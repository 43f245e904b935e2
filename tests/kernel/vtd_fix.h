/* Fixture of the VT-d suites: a DMA engine in a fresh domain behind its
 * remapping unit, translation on, and guarded memory for DMA targets. A
 * test runs once per engine (edu, xHCI: harness rounds), each round's
 * diagnostics named after the engine, through engine-neutral accesses
 * (vtd_fix_dma.h: fix_write_lands, fix_read_fetches, expect_blocked): edu moves any bytes
 * anywhere, an xHCI only its own bytes at aligned IOVAs, and reaches its
 * own rings and contexts at an IOVA below 4 GiB where the memory map has
 * nothing, mapped in its domain. The fixture is static and torn down by
 * the harness when the round ends, however it ends (test_defer): no
 * domain id, table, guard page, context entry or running engine outlives
 * a failed ASSERT or an exception. */
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

/* Engines attached through the fixture, quiesced before their domains go */
#define FIX_MAX_ENGINES 2

struct vtd_fix {
	struct vtd_unit *unit;
	struct dma_engine *dev; /* this round's engine (fix_setup) */
	u16 sid; /* the requester id the unit sees: dev's last DMA alias */
	u8 bus, devfn; /* of sid: the context entry the unit reads for dev */
	struct vtd_domain dom;
	struct guarded src, dst;
	u64 irqs_before, pfo_before;
	struct vtd_domain extra[2]; /* fix_domain(), destroyed at teardown */
	unsigned nr_extra;
	struct dma_engine *attached[FIX_MAX_ENGINES]; /* fix_attach_engine */
	unsigned nr_attached;
	u8 pat; /* the last pattern an edu-like engine staged */
};

/* The invalidation interface a test runs with: the driver's choice
 * (queued whenever the unit has it), or one the test is about. */
enum fix_inval {
	FIX_INV_PREFERRED = 0,
	FIX_INV_QUEUED = 1,
	FIX_INV_REGISTER = 2,
};

/* What a test needs of its engine (fix_setup's first argument). */
enum fix_need {
	FIX_ANY_ENGINE = 0,
	/* Device memory of any bytes, moved at any length and alignment
	 * (edu); not an engine with fixed bytes and access (xHCI). */
	FIX_FREE_FORM = 1,
	/* The unit and its invalidation interface only: the engine is not
	 * attached, so translation stays as the previous test left it (a
	 * test of the invalidation queue that does not need it turned on:
	 * QEMU rebuilds every device's address space on each TE change). */
	FIX_UNATTACHED = 2,
};

/* The engines a unit translates for that the VT-d suites run over: the
 * first of each kind behind each unit (edu0, xhci0), in probe order. */
unsigned fix_engines(struct dma_engine **out, unsigned max);
/* The same over every unit, one that remaps interrupts only too: the
 * engines whose interrupts a unit may remap (the caller checks ECAP.IR). */
unsigned fix_irq_engines(struct dma_engine **out, unsigned max);
/* The engine of this harness round among @eng[0..@n) (n > 0): the test
 * repeats (test_repeat) while engines are left, each round's diagnostics
 * labelled with its engine's name. */
struct dma_engine *fix_round(struct dma_engine **eng, unsigned n);
/* fix_round over fix_engines, or skip naming the engines there are and
 * why none is translated. */
struct dma_engine *fix_round_engine(void);
/* The page-table permissions of a dma_region's DMA_DEV_* access. */
unsigned fix_dma_prot(unsigned perm);
/* Skip: no unit translates the DMA of @p (named @what in the reason):
 * "no VT-d unit serves @what", or the unit that serves it remaps
 * interrupts only (vtd_translates_dma). */
__attribute__((noreturn)) void fix_skip_untranslated(const struct pci_dev *p,
						     const char *what);

/* Set up the fixture over one engine, or skip the test (no engine behind
 * a unit, the unit lacks the invalidation interface asked for, the engine
 * lacks what @need says). The test runs once per engine of fix_engines()
 * (test_repeat), this call picking the engine of the round and labelling
 * the round's diagnostics with its name. Torn down when the test ends. */
struct vtd_fix *fix_setup(unsigned need, enum fix_inval inv);
/* The same over @e, in no round of its own (a suite that picks its
 * engines itself); skips when no unit translates @e's DMA. */
struct vtd_fix *fix_setup_on(struct dma_engine *e, unsigned need,
			     enum fix_inval inv);
/* @e's device memory holds any bytes, moved at any length (edu), or
 * only its own at fixed lengths (xHCI: dma_image). */
bool fix_engine_free_form(struct dma_engine *e);
/* Skip this round (this engine) unless the engine's device memory is free
 * form: @why says what the test does with it. */
void fix_need_free_form(struct vtd_fix *f, const char *why);
/* Put @e's own structures (dma_regions) in domain @d at the fixture's
 * engine IOVA, attach @e to @d, and have @e take them up; @e is quiesced
 * at teardown before any domain goes. */
void fix_attach_engine(struct vtd_fix *f, struct dma_engine *e,
		       struct vtd_domain *d);
/* Map @e's own structures, placed by fix_attach_engine, in another
 * domain @d too (before @e is switched to it); returns how many regions. */
unsigned fix_map_engine(struct vtd_fix *f, struct dma_engine *e,
			struct vtd_domain *d);
/* Another engine behind the fixture's unit, one of another kind first
 * (edu and xHCI), or NULL. */
struct dma_engine *fix_other_engine(struct vtd_fix *f);

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
/* Drain @u and expect at least one fault, the first with @reason (a
 * device whose faulting access is not the test's own may raise more);
 * *first gets it. False when none was recorded. */
bool take_first_fault(struct vtd_unit *u, unsigned reason,
		      struct vtd_fault *first);
/* The one fault record of a blocked interrupt (7.1.3): @reason, the
 * requester @sid and, unless @index is negative, the entry index in FI
 * 63:48. The caller has checked that the interrupt did not arrive (a
 * failure on every unit, with or without a record). QEMU 7.2 records no
 * interrupt-remapping fault, QEMU 10.0 no source id for a message written
 * by DMA (hw/i386/intel_iommu.c vtd_mem_ir_write takes the requester id
 * from the access's attributes, which pci_dma_write leaves unspecified):
 * known divergences there. */
void expect_ir_fault(struct vtd_unit *u, unsigned reason, u16 sid, int index);
/* Stage @len bytes of @pattern into the device buffer through a read-only
 * mapping of f->src at @iova; skips the round on an engine that is not
 * free form. */
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
