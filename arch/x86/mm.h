/* Kernel memory: the physical allocator instance, the kernel's own page
 * tables (identity: virtual == physical), and MMIO mapping. */
#ifndef ARCH_X86_MM_H
#define ARCH_X86_MM_H

#include "arch/x86/pmm.h"

/* WC (write-combining: stores buffered and merged, never read into the
 * cache) is for a framebuffer; it needs the PAT, else it is UC. */
enum cache_type { CACHE_WB, CACHE_UC, CACHE_WC };

/* The kernel's PAT (SDM vol. 3A 12.12.2, encodings table 12-10): the
 * power-on layout (WB, WT, UC-, UC, twice) with WT replaced by WC, so PWT
 * alone selects WC and PCD|PWT still UC. */
#define MM_PAT 0x0007010600070106ULL

/* This CPU's memory types, by the SDM's sequence (caches off and flushed
 * around the writes): MM_PAT (not on a CPU without the PAT,
 * CPUID.1:EDX[16]; then CACHE_WC maps UC), and on an AP (@ap) the MTRRs
 * the boot CPU had from firmware. mm_init loads the boot CPU's; each AP
 * loads its own as it starts.
 * The SDM (12.11.8) wants every CPU's MTRRs alike. Firmware sets them on
 * each, and INIT leaves them unchanged (the SDM's table of processor state
 * after power-up, reset or INIT), but an emulator may not keep them
 * (measured: under QEMU 7.2 and 10.0 an AP the kernel starts has every
 * MTRR 0, IA32_MTRR_DEF_TYPE included, so all its memory is UC); so, as
 * Linux's mtrr_ap_init, every AP takes the boot CPU's. */
void mm_memtypes_load(bool ap);

/* The MTRR MSRs this CPU has, besides IA32_MTRR_DEF_TYPE: its variable
 * ranges' base and mask, then the fixed ranges; at most @cap of them into
 * @msr, how many returned (0 without MTRRs, CPUID.1:EDX[12]). */
#define MM_MTRR_MSRS 80 /* 32 variable pairs and 11 fixed, with room */
unsigned mm_mtrr_msrs(u32 *msr, unsigned cap);

struct boot_info;

/* Set up the allocator, keeping out the kernel image, the loader's data,
 * modules and @extra (ACPI tables...), then switch to our page tables:
 * RAM and @extra write-back, the rest unmapped until mm_map() asks. */
int mm_init(const struct boot_info *bi, const struct mem_range *extra,
	    unsigned nr_extra);
/* Identity-map [pa, pa+len) with the cache type (MMIO: CACHE_UC), splitting
 * large pages where needed. Returns the virtual address (== pa) or NULL. */
void *mm_map(hpa_t pa, u64 len, enum cache_type c);
/* Cache type a page is mapped with, or -ENOENT when it is not mapped. */
int mm_cache_type(hpa_t pa);

/* A zeroed page from the allocator; NULL when memory is exhausted. */
void *page_alloc(void);
/* @npages contiguous pages aligned to @align, NOT zeroed (DMA targets are
 * filled by their users; zeroing megabytes costs seconds under -icount). */
void *page_alloc_contig(u64 npages, u64 align);
void page_free(void *va);
/* Give back @npages from page_alloc_contig() at once: a later contiguous
 * allocation reuses them. */
void page_free_contig(void *va, u64 npages);
static inline hpa_t virt_to_phys(const void *va)
{
	return (hpa_t)(uintptr_t)va;
}
static inline void *phys_to_virt(hpa_t pa)
{
	return (void *)(uintptr_t)pa;
}

struct pmm *mm_pmm(void);
/* The ranges kept out of the allocator, for the boot suite. */
unsigned mm_keep_out(const struct mem_range **out);

#endif
