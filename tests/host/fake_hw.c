/* Host stand-ins for what the domain and context code calls on the
 * hardware side: invalidations and cache maintenance are recorded, pages
 * come from the C library (host pointers serve as physical addresses). */
#include <stdlib.h>
#include <string.h>

#include "arch/x86/cpu.h"
#include "arch/x86/mm.h"
#include "iommu/vtd/unit.h"
#include "iommu/vtd/inval.h"
#include "tests/host/fake_hw.h"

struct fake_hw fake_hw;

void *page_alloc(void)
{
	void *p = aligned_alloc(PAGE_SIZE, PAGE_SIZE);

	if (p)
		memset(p, 0, PAGE_SIZE);
	fake_hw.pages += !!p;
	return p;
}

void page_free(void *va)
{
	fake_hw.pages -= !!va;
	free(va);
}

void cache_flush_range(const void *p, size_t len)
{
	fake_hw.flushes++;
}

void cache_wbinvd(void)
{
	fake_hw.wbinvd++;
}

int vtd_flush_write_buffer(struct vtd_unit *u)
{
	return 0;
}

int vtd_inv_context(struct vtd_unit *u, enum vtd_gran g, u16 did, u16 sid)
{
	u->stats.cc_inv++;
	return 0;
}

int vtd_inv_iotlb(struct vtd_unit *u, enum vtd_gran g, u16 did, iova_t addr,
		  unsigned am)
{
	u->stats.iotlb_inv++;
	fake_hw.last_iotlb_gran = g;
	return 0;
}
