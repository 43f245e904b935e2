/* Kernel page tables: 4-level, identity. SDM vol. 3A section 4.5.
 *
 *   63    52 51                 12 11  8 7  6 5 4   3   2  1 0
 *  | NX |   | physical address    |    |PS| |A|PCD|PWT|US|W|P|
 *
 * The PAT index is PAT:PCD:PWT (bit 7 of a PTE, bit 12 of a large page,
 * never set here). With MM_PAT, loaded at mm_init: WB is neither, WC is
 * PWT, UC is PCD|PWT (entry 3, UC in the power-on PAT too). */
#include "arch/x86/mm.h"
#include "arch/x86/cpu.h"
#include "boot/bootinfo.h"
#include "lib/errno.h"
#include "lib/string.h"

#define PTE_P	  BIT_ULL(0)
#define PTE_W	  BIT_ULL(1)
#define PTE_PWT	  BIT_ULL(3)
#define PTE_PCD	  BIT_ULL(4)
#define PTE_PS	  BIT_ULL(7)
#define PTE_ADDR  GENMASK_ULL(51, 12)
#define PTE_CACHE (PTE_PWT | PTE_PCD)

extern char __image_start[], __image_end[];

static struct pmm pmm;
static u64 *pml4;
static struct mem_range keep_out[24];
static unsigned nr_keep;

static void *identity(void *ctx, hpa_t pa)
{
	return (void *)(uintptr_t)pa;
}

struct pmm *mm_pmm(void)
{
	return &pmm;
}

unsigned mm_keep_out(const struct mem_range **out)
{
	*out = keep_out;
	return nr_keep;
}

void *page_alloc_contig(u64 npages, u64 align)
{
	return (void *)pmm_alloc_contig(&pmm, npages, align);
}

void *page_alloc(void)
{
	hpa_t pa = pmm_alloc(&pmm);

	if (!pa)
		return NULL;
	memset((void *)pa, 0, PAGE_SIZE);
	return (void *)pa;
}

void page_free(void *va)
{
	pmm_free(&pmm, (hpa_t)va);
}

void page_free_contig(void *va, u64 npages)
{
	pmm_free_range(&pmm, (hpa_t)va, npages);
}

static bool have_pat;

static bool cpu_has_pat(void)
{
	return cpuid(1, 0).edx & BIT(16);
}

/* The MTRRs (SDM vol. 3A 12.11) the boot CPU had from firmware, which
 * every AP gets too (mm_memtypes_load). */
static struct {
	u64 def, val[MM_MTRR_MSRS];
	unsigned n;
	bool saved;
} boot_mtrrs;

static bool cpu_has_mtrr(void)
{
	return cpuid(1, 0).edx & BIT(12);
}

unsigned mm_mtrr_msrs(u32 *msr, unsigned cap)
{
	static const u32 fixed[] = { MSR_MTRR_FIX64K_00000,
				     MSR_MTRR_FIX16K_80000,
				     MSR_MTRR_FIX16K_A0000 };
	u64 mtrrcap;
	unsigned n = 0;

	if (!cpu_has_mtrr())
		return 0;
	mtrrcap = rdmsr(MSR_MTRRCAP);
	/* Variable ranges: VCNT (bits 7:0) PHYSBASE/PHYSMASK pairs. */
	for (unsigned i = 0; i < 2 * (mtrrcap & 0xff) && n < cap; i++)
		msr[n++] = MSR_MTRR_PHYSBASE0 + i;
	if (!(mtrrcap & BIT(8))) /* FIX: fixed ranges supported */
		return n;
	for (unsigned i = 0; i < ARRAY_SIZE(fixed) && n < cap; i++)
		msr[n++] = fixed[i];
	for (unsigned i = 0; i < 8 && n < cap; i++)
		msr[n++] = MSR_MTRR_FIX4K_C0000 + i;
	return n;
}

static void mtrr_save(void)
{
	u32 msr[MM_MTRR_MSRS];

	if (!cpu_has_mtrr())
		return;
	boot_mtrrs.n = mm_mtrr_msrs(msr, MM_MTRR_MSRS);
	for (unsigned i = 0; i < boot_mtrrs.n; i++)
		boot_mtrrs.val[i] = rdmsr(msr[i]);
	boot_mtrrs.def = rdmsr(MSR_MTRR_DEF_TYPE);
	boot_mtrrs.saved = true;
}

/* With the MTRRs disabled (E, bit 11 of the default type, clear), as
 * 12.11.8 step 8 asks, then the default type, E included, last. */
static void mtrr_load(void)
{
	u32 msr[MM_MTRR_MSRS];
	unsigned n = mm_mtrr_msrs(msr, MM_MTRR_MSRS);

	if (n != boot_mtrrs.n)
		return; /* not the boot CPU's kind: keep its own */
	wrmsr(MSR_MTRR_DEF_TYPE, rdmsr(MSR_MTRR_DEF_TYPE) & ~BIT_ULL(11));
	for (unsigned i = 0; i < n; i++)
		wrmsr(msr[i], boot_mtrrs.val[i]);
	wrmsr(MSR_MTRR_DEF_TYPE, boot_mtrrs.def);
}

/* SDM vol. 3A 12.11.8 (to which 12.12.4 sends a PAT change too): no-fill
 * cache mode (CR0.CD=1, NW=0), WBINVD, TLBs flushed, the writes, WBINVD
 * and TLBs again, caches back on. A CPU that cached lines under the old
 * types keeps no stale one. */
void mm_memtypes_load(bool ap)
{
	bool pat = cpu_has_pat(), mtrr = ap && boot_mtrrs.saved;
	u64 flags, cr0;

	if (!pat && !mtrr)
		return;
	flags = irq_save();
	cr0 = read_cr0();
	write_cr0((cr0 | X86_CR0_CD) & ~(u64)X86_CR0_NW);
	wbinvd();
	write_cr3(read_cr3());
	if (mtrr)
		mtrr_load();
	if (pat)
		wrmsr(MSR_IA32_PAT, MM_PAT);
	wbinvd();
	write_cr3(read_cr3());
	write_cr0(cr0);
	irq_restore(flags);
}

static u64 cache_bits(enum cache_type c)
{
	if (c == CACHE_WC && have_pat)
		return PTE_PWT;
	return c == CACHE_WB ? 0 : PTE_CACHE;
}

/* The type of PCD:PWT @bits under MM_PAT (PCD alone, UC-, counts as UC);
 * without the PAT, PWT alone would be WT, which this kernel never maps. */
static int cache_type_of(u64 bits)
{
	if (!(bits & PTE_CACHE))
		return CACHE_WB;
	return bits == PTE_PWT && have_pat ? CACHE_WC : CACHE_UC;
}

/* Replace the large page in *e (an entry of a level-@l table, l = 2 for
 * 1 GiB, 1 for 2 MiB) by a table of 512 entries mapping the same memory
 * with the same attributes. Bit 7 is PS above level 0 but PAT in a PTE. */
static int split(u64 *e, int l)
{
	u64 *sub = page_alloc();
	u64 step = 1ULL << (12 + 9 * (l - 1));
	u64 flags = *e & ~PTE_ADDR & ~PTE_PS;

	if (!sub)
		return -ENOMEM;
	for (int i = 0; i < 512; i++)
		sub[i] = ((*e & PTE_ADDR) + i * step) | flags |
			 (l > 1 ? PTE_PS : 0);
	*e = (u64)sub | PTE_P | PTE_W;
	return 0;
}

/* The entry for @va at @level (3 = PML4E ... 0 = PTE), creating tables on
 * the way and splitting large pages in the way. */
static u64 *walk(u64 va, int level)
{
	u64 *table = pml4;

	for (int l = 3; l > level; l--) {
		u64 *e = &table[(va >> (12 + 9 * l)) & 511];
		if ((*e & PTE_P) && (*e & PTE_PS)) {
			if (split(e, l))
				return NULL;
		} else if (!(*e & PTE_P)) {
			u64 *sub = page_alloc();
			if (!sub)
				return NULL;
			*e = (u64)sub | PTE_P | PTE_W;
		}
		table = (u64 *)(*e & PTE_ADDR);
	}
	return &table[(va >> (12 + 9 * level)) & 511];
}

static int map_range(hpa_t pa, u64 len, enum cache_type c)
{
	u64 end = ALIGN_UP(pa + len, PAGE_SIZE);

	for (pa = ALIGN_DOWN(pa, PAGE_SIZE); pa < end;) {
		bool big = IS_ALIGNED(pa, SZ_2M) && pa + SZ_2M <= end;
		u64 *e = walk(pa, big ? 1 : 0);
		/* Where a 2 MiB range already has a table, keep the table. */
		if (e && big && (*e & PTE_P) && !(*e & PTE_PS)) {
			big = false;
			e = walk(pa, 0);
		}
		if (!e)
			return -ENOMEM;
		*e = pa | PTE_P | PTE_W | cache_bits(c) | (big ? PTE_PS : 0);
		invlpg((void *)pa);
		pa += big ? SZ_2M : PAGE_SIZE;
	}
	return 0;
}

void *mm_map(hpa_t pa, u64 len, enum cache_type c)
{
	if (!len || pa + len < pa)
		return NULL;
	return map_range(pa, len, c) ? NULL : (void *)pa;
}

int mm_cache_type(hpa_t pa)
{
	u64 *table = pml4;

	for (int l = 3; l >= 0; l--) {
		u64 e = table[(pa >> (12 + 9 * l)) & 511];
		if (!(e & PTE_P))
			return -ENOENT;
		if (l == 0 || (e & PTE_PS))
			return cache_type_of(e & PTE_CACHE);
		table = (u64 *)(e & PTE_ADDR);
	}
	return -ENOENT;
}

static void keep(u64 base, u64 len)
{
	if (len && nr_keep < ARRAY_SIZE(keep_out))
		keep_out[nr_keep++] = (struct mem_range){ base, len, 0 };
}

int mm_init(const struct boot_info *bi, const struct mem_range *extra,
	    unsigned nr_extra)
{
	int err;

	keep(0, 0x100000); /* real-mode IVT, BDA, EBDA, VGA, BIOS */
	keep((u64)__image_start, (u64)(__image_end - __image_start));
	keep(bi->info_pa, bi->info_len);
	for (unsigned i = 0; i < bi->nr_modules; i++)
		keep(bi->modules[i].base, bi->modules[i].len);
	for (unsigned i = 0; i < nr_extra; i++)
		keep(extra[i].base, extra[i].len);
	err = pmm_init(&pmm, bi->mmap, bi->nr_mmap, keep_out, nr_keep, identity,
		       NULL);
	if (err)
		return err;
	pml4 = page_alloc();
	if (!pml4)
		return -ENOMEM;
	/* The PAT first: firmware may have left any layout, and the tables
	 * built next select entries by index. The MTRRs stay firmware's;
	 * they are kept for the APs. */
	mtrr_save();
	mm_memtypes_load(false);
	have_pat = cpu_has_pat();
	/* Low megabyte: RAM and ROM write-back, the VGA window uncached. */
	err = map_range(0, 0xa0000, CACHE_WB) ?:
	      map_range(0xa0000, 0x20000, CACHE_UC) ?:
	      map_range(0xc0000, 0x40000, CACHE_WB);
	for (unsigned i = 0; i < bi->nr_mmap && !err; i++) {
		const struct mem_range *r = &bi->mmap[i];
		if (r->type == MEM_USABLE || r->type == MEM_ACPI ||
		    r->type == MEM_NVS)
			err = map_range(r->base, r->len, CACHE_WB);
	}
	/* ACPI tables may sit in ranges the map calls reserved. */
	for (unsigned i = 0; i < nr_extra && !err; i++)
		err = map_range(extra[i].base, extra[i].len, CACHE_WB);
	/* The kernel image, whatever the map says about it. */
	if (!err)
		err = map_range((u64)__image_start,
				(u64)(__image_end - __image_start), CACHE_WB);
	if (!err)
		write_cr3((u64)pml4);
	return err;
}
