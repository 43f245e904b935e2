/* The page-table builder's allocator and cache maintenance in the kernel:
 * zeroed pages from the physical allocator, identity addresses, CLFLUSH
 * for walkers that do not snoop (VT-d ECAP.C=0). The CPU's own EPT/NPT
 * walks snoop, so their tables are configured coherent and never flushed
 * (SDM vol. 3C 29.3.6; APM vol. 2 15.25). */
#include "mm/pgtable.h"
#include "arch/x86/cpu.h"
#include "arch/x86/mm.h"

static void *kernel_alloc(void *ctx, hpa_t *pa)
{
	void *p = page_alloc();

	*pa = virt_to_phys(p);
	return p;
}

static void kernel_free(void *ctx, void *va, hpa_t pa)
{
	page_free(va);
}

static void *kernel_p2v(void *ctx, hpa_t pa)
{
	return phys_to_virt(pa);
}

static void kernel_flush(void *ctx, const void *va, size_t len)
{
	cache_flush_range(va, len);
}

const struct pt_ops pt_kernel_ops = { kernel_alloc, kernel_free, kernel_p2v,
				      kernel_flush };
