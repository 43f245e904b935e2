/* The VT-d suites' fixture (the checks of bytes and fault records are in
 * vtd_expect.c). */
#include "tests/kernel/vtd_fix.h"
#include "iommu/vtd/alias.h"
#include "iommu/vtd/caps.h"
#include "iommu/vtd/inval.h"
#include "iommu/vtd/ir.h"
#include "iommu/vtd/fault.h"
#include "arch/x86/mm.h"
#include "arch/x86/trap.h"
#include "arch/x86/tsc.h"
#include "lib/errno.h"
#include "lib/printf.h"
#include "lib/string.h"
#include "lib/test.h"
#include "arch/x86/platform.h"
#include "arch/x86/cpu.h"
#include "kernel/kstate.h"

bool fix_engine_free_form(struct dma_engine *e)
{
	u8 b;

	return dma_image(e, false, &b, 1) == -EOPNOTSUPP;
}

static int set_qi(struct vtd_unit *u, bool qi)
{
	if (qi == u->qi)
		return 0;
	if (qi)
		return vtd_qi_enable(u);
	return vtd_qi_disable(u);
}

static bool want_qi(const struct vtd_unit *u, enum fix_inval inv)
{
	bool has_qi = u->ecap & VTD_ECAP_QI;

	if (inv == FIX_INV_QUEUED && !has_qi)
		test_skip("unit has no queued invalidation");
	if (inv == FIX_INV_REGISTER && !vtd_has_reg_inval(u))
		test_skip("unit version %u.%u has no register-based "
			  "invalidation (6.5.1)",
			  (unsigned)FIELD_GET(VTD_VER_MAJOR, u->ver),
			  (unsigned)FIELD_GET(VTD_VER_MINOR, u->ver));
	return inv == FIX_INV_REGISTER ? false : has_qi;
}

static struct vtd_fix fixture;

/* Registered after the guarded pages, so it runs before they are freed:
 * the context entry is cleared and invalidated before the memory it
 * mapped returns to the allocator. */
static void fix_teardown(void *arg)
{
	struct vtd_fix *f = arg;

	/* No DMA of an engine into a domain that is going away. */
	while (f->nr_attached) {
		struct dma_engine *e = f->attached[--f->nr_attached];
		dma_quiesce(e);
		dma_place(e, DMA_IOVA_IDENTITY);
	}
	while (f->nr_extra)
		vtd_domain_destroy(&f->extra[--f->nr_extra]);
	vtd_domain_destroy(&f->dom);
	vtd_fault_drain(f->unit);
	vtd_fault_clear_log(f->unit);
}

struct vtd_domain *fix_domain(struct vtd_fix *f)
{
	struct vtd_domain *d = &f->extra[f->nr_extra];

	ASSERT(EXPECT_LT(f->nr_extra, ARRAY_SIZE(f->extra)));
	ASSERT_OK(vtd_domain_init(d, f->unit, f->dom.aw));
	f->nr_extra++;
	return d;
}

/* The controller's own structures (xHCI): far from every test IOVA, below
 * 4 GiB for controllers without 64-bit addressing, and where the memory
 * map has nothing, since some tests use physical addresses of RAM as
 * IOVAs and expect them unmapped: the first such window of these. */
static const iova_t engine_windows[] = { 0xc0000000ULL, 0xd0000000ULL,
					 0xb0000000ULL, 0xa0000000ULL };
#define FIX_ENGINE_SPAN 0x10000000ULL

static bool map_overlaps(u64 base, u64 len)
{
	const struct boot_info *bi = &kstate.boot;

	for (unsigned i = 0; i < bi->nr_mmap; i++)
		if (bi->mmap[i].base < base + len &&
		    base < bi->mmap[i].base + bi->mmap[i].len)
			return true;
	return false;
}

static iova_t engine_iova(void)
{
	for (unsigned i = 0; i < ARRAY_SIZE(engine_windows); i++)
		if (!map_overlaps(engine_windows[i], FIX_ENGINE_SPAN))
			return engine_windows[i];
	test_skip("every window for the engine's own structures holds RAM "
		  "or firmware memory");
}

/* The unit that translates the engine's DMA, or NULL. */
static struct vtd_unit *unit_of(const struct dma_engine *e)
{
	return vtd_dma_unit_for_device(e->pci->seg, e->pci->bus, e->pci->devfn);
}

/* @e's unit; with @dma, only one that translates its DMA. */
static struct vtd_unit *unit_for(const struct dma_engine *e, bool dma)
{
	return dma ? unit_of(e)
		   : vtd_unit_for_device(e->pci->seg, e->pci->bus,
					 e->pci->devfn);
}

static unsigned engines_by_unit(struct dma_engine **out, unsigned max, bool dma)
{
	unsigned n = 0;

	for (unsigned i = 0; i < dma_count(NULL) && n < max; i++) {
		struct dma_engine *e = dma_find(NULL, i);
		bool dup = false;
		if (!e->pci || !unit_for(e, dma))
			continue;
		for (unsigned j = 0; j < n; j++)
			dup |= !strcmp(out[j]->kind, e->kind) &&
			       unit_for(out[j], dma) == unit_for(e, dma);
		if (!dup)
			out[n++] = e;
	}
	return n;
}

unsigned fix_engines(struct dma_engine **out, unsigned max)
{
	return engines_by_unit(out, max, true);
}

unsigned fix_irq_engines(struct dma_engine **out, unsigned max)
{
	return engines_by_unit(out, max, false);
}

void fix_need_free_form(struct vtd_fix *f, const char *why)
{
	if (!fix_engine_free_form(f->dev))
		test_skip("%s moves only fixed bytes at fixed lengths: %s",
			  f->dev->kind, why);
}

unsigned fix_dma_prot(unsigned perm)
{
	return (perm & DMA_DEV_READ ? PT_READ : 0) |
	       (perm & DMA_DEV_WRITE ? PT_WRITE : 0);
}

unsigned fix_map_engine(struct vtd_fix *f, struct dma_engine *e,
			struct vtd_domain *d)
{
	struct dma_region r[4];
	unsigned n = dma_regions(e, r, ARRAY_SIZE(r));

	ASSERT_TRUE(n <= ARRAY_SIZE(r));
	for (unsigned i = 0; i < n; i++) {
		ASSERT_TRUE(r[i].iova >= engine_iova() &&
			    r[i].iova + r[i].len <=
				engine_iova() + FIX_ENGINE_SPAN);
		ASSERT_OK(vtd_domain_map(d, r[i].iova, r[i].pa, r[i].len,
					 fix_dma_prot(r[i].perm)));
	}
	return n;
}

void fix_attach_engine(struct vtd_fix *f, struct dma_engine *e,
		       struct vtd_domain *d)
{
	int err;
	const struct dmar_info *dmar = vtd_dmar(&err);

	ASSERT(EXPECT_LT(f->nr_attached, FIX_MAX_ENGINES));
	f->attached[f->nr_attached++] = e;
	ASSERT_OK(dma_place(e, engine_iova()));
	unsigned n = fix_map_engine(f, e, d);
	int rmrrs = vtd_domain_attach_pci(d, f->unit, dmar, e->pci);
	ASSERT_OK(rmrrs < 0 ? rmrrs : 0);
	if (!(vtd_read32(f->unit, VTD_REG_GSTS) & VTD_GCMD_TE))
		ASSERT_OK(vtd_enable_translation(f->unit, true));
	if (n && !EXPECT_OK(dma_recover(e)))
		test_diag("%s reset: %s", e->name, e->status);
}

struct dma_engine *fix_other_engine(struct vtd_fix *f)
{
	struct dma_engine *same = NULL;

	for (unsigned i = 0; i < dma_count(NULL); i++) {
		struct dma_engine *e = dma_find(NULL, i);
		if (e == f->dev || !e->pci || unit_of(e) != f->unit)
			continue;
		if (strcmp(e->kind, f->dev->kind))
			return e;
		if (!same)
			same = e;
	}
	return same;
}

/* How the skips name a unit that translates no DMA (vtd_translates_dma). */
#define IR_ONLY "remaps interrupts only (SAGAW names no width)"

void fix_skip_untranslated(const struct pci_dev *p, const char *what)
{
	const struct vtd_unit *u = vtd_unit_for_device(p->seg, p->bus,
						       p->devfn);

	if (u)
		test_skip("vtd%u serves %s but " IR_ONLY
			  ": nothing translates its DMA",
			  u->index, what);
	test_skip("no VT-d unit serves %s", what);
}

/* No engine has a unit that translates its DMA: skip, naming the engines
 * there are and, when a unit serves one but remaps interrupts only
 * (vtd_translates_dma), that unit. */
static __attribute__((noreturn)) void skip_without_engine(void)
{
	static char buf[64];
	const struct vtd_unit *ir_only = NULL;
	size_t len = 0;

	buf[0] = 0;
	for (unsigned i = 0; i < dma_count(NULL) && len + 1 < sizeof(buf);
	     i++) {
		struct dma_engine *e = dma_find(NULL, i);
		if (e->pci && !ir_only)
			ir_only = vtd_unit_for_device(e->pci->seg, e->pci->bus,
						      e->pci->devfn);
		ksnprintf(buf + len, sizeof(buf) - len, "%s%s", len ? ", " : "",
			  e->name);
		len = strlen(buf);
	}
	if (!len)
		test_skip("no DMA engine behind a VT-d unit on this machine "
			  "(no engine at all)");
	if (ir_only)
		test_skip("no DMA engine behind a VT-d unit that translates "
			  "DMA (%s: vtd%u " IR_ONLY ")",
			  buf, ir_only->index);
	if (len + 1 < sizeof(buf))
		ksnprintf(buf + len, sizeof(buf) - len, ": no unit serves it");
	test_skip("no DMA engine behind a VT-d unit on this machine (%s)", buf);
}

struct dma_engine *fix_round(struct dma_engine **eng, unsigned n)
{
	if (test_round() + 1 < n)
		test_repeat();
	test_label(eng[test_round()]->name);
	return eng[test_round()];
}

struct dma_engine *fix_round_engine(void)
{
	static struct dma_engine *eng[DMA_MAX_ENGINES];
	unsigned n = fix_engines(eng, ARRAY_SIZE(eng));

	if (!n)
		skip_without_engine();
	return fix_round(eng, n);
}

struct vtd_fix *fix_setup(unsigned need, enum fix_inval inv)
{
	return fix_setup_on(fix_round_engine(), need, inv);
}

struct vtd_fix *fix_setup_on(struct dma_engine *e, unsigned need,
			     enum fix_inval inv)
{
	struct vtd_fix *f = &fixture;

	memset(f, 0, sizeof(*f));
	f->dev = e;
	if (!unit_of(e))
		fix_skip_untranslated(e->pci, e->name);
	if (need & FIX_FREE_FORM)
		fix_need_free_form(f, "the test stages bytes of its own");
	f->sid = vtd_dma_requester_id(f->dev->pci);
	f->bus = PCI_BDF_BUS(f->sid);
	f->devfn = PCI_BDF_DEVFN(f->sid);
	f->unit = unit_of(f->dev);
	ASSERT_OK(set_qi(f->unit, want_qi(f->unit, inv)));
	guarded_init(&f->src);
	guarded_init(&f->dst);
	ASSERT_OK(vtd_domain_init(&f->dom, f->unit, 0));
	test_defer(fix_teardown, f);
	/* Translation stays on between tests, as a driver leaves it: each
	 * test brings its own context entry and clears it at the end, but a
	 * FIX_UNATTACHED one. (QEMU also rebuilds every device's address
	 * space on each TE change.) */
	if (!(need & FIX_UNATTACHED))
		fix_attach_engine(f, f->dev, &f->dom);
	vtd_fault_drain(f->unit);
	vtd_fault_clear_log(f->unit);
	f->irqs_before = trap_count(VEC_VTD_FAULT);
	f->pfo_before = f->unit->stats.pfo;
	return f;
}

int fix_stage_on(struct vtd_fix *f, struct dma_engine *e, struct vtd_domain *d,
		 iova_t iova, u8 pattern, u32 len)
{
	if (!fix_engine_free_form(e))
		test_skip("%s moves only fixed bytes at fixed lengths: the "
			  "test stages bytes of its own",
			  e->kind);
	memset(f->src.page, pattern, len);
	int err = vtd_domain_map(d, iova, virt_to_phys(f->src.page), PAGE_SIZE,
				 PT_READ);
	if (!err)
		err = dma_read(e, iova, 0, len);
	int uerr = vtd_domain_unmap(d, iova, PAGE_SIZE);
	memset(f->src.page, CANARY, len);
	return err ? err : uerr;
}

static bool in_memory_map(hpa_t pa)
{
	const struct boot_info *bi = &kstate.boot;

	for (unsigned i = 0; i < bi->nr_mmap; i++)
		if (pa >= bi->mmap[i].base &&
		    pa - bi->mmap[i].base < bi->mmap[i].len)
			return true;
	return false;
}

static bool in_a_bar(hpa_t pa)
{
	struct pci_dev *devs;
	unsigned n = pci_devices(&devs);

	for (unsigned i = 0; i < n; i++)
		for (unsigned b = 0; b < 6; b++) {
			const struct pci_bar *r = &devs[i].bar[b];
			if (!r->io && r->size && pa >= r->base &&
			    pa - r->base < r->size)
				return true;
		}
	return false;
}

hpa_t fix_unbacked_pa(void)
{
	int err;
	const struct dmar_info *dmar = vtd_dmar(&err);

	if (platform_kind() != PLATFORM_QEMU)
		test_skip("an access where nothing decodes may machine-check "
			  "a real board; run on QEMU");
	/* From half the narrower of the HAW and the CPU's physical width
	 * down, 1 GiB at a time: above RAM, below what CPU and units
	 * decode. */
	if (!dmar)
		test_skip("no parsed DMAR: no VT-d here");
	unsigned bits = dmar->haw;
	if (cpuid(0x80000000, 0).eax >= 0x80000008)
		bits = MIN(bits, cpuid(0x80000008, 0).eax & 0xff);
	for (unsigned k = 0; bits > 33 && k < 64; k++) {
		hpa_t pa = (1ULL << (bits - 1)) - ((u64)k << 30) - PAGE_SIZE;
		if (pa >= (1ULL << 32) && !in_memory_map(pa) && !in_a_bar(pa))
			return pa;
	}
	test_skip("found no address where nothing decodes");
	return 0;
}

int fix_fetch(struct vtd_fix *f, iova_t iova, u8 *out, u32 len)
{
	int err = vtd_domain_map(&f->dom, iova, virt_to_phys(f->src.page),
				 PAGE_SIZE, PT_READ | PT_WRITE);
	if (!err)
		err = dma_write(f->dev, 0, iova, len);
	memcpy(out, f->src.page, len);
	int uerr = vtd_domain_unmap(&f->dom, iova, PAGE_SIZE);
	memset(f->src.page, CANARY, len);
	return err ? err : uerr;
}

int fix_stage(struct vtd_fix *f, iova_t iova, u8 pattern, u32 len)
{
	return fix_stage_on(f, f->dev, &f->dom, iova, pattern, len);
}
