/* Host stand-ins for what the domain and context code calls on the
 * hardware side: invalidations and cache maintenance are recorded, pages
 * come from the C library (host pointers serve as physical addresses). */
#include <stdlib.h>
#include <string.h>

#include "arch/x86/cpu.h"
#include "arch/x86/mm.h"
#include "arch/x86/smp.h"
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

/* Two CPUs online; a flush of a mask counts once and records the mask. */
cpumask_t smp_online_mask(void)
{
	return cpumask_first_n(2);
}

int wbinvd_on_cpus(cpumask_t mask)
{
	fake_hw.wbinvd++;
	fake_hw.wbinvd_mask = mask;
	return 0;
}

static void record(enum fake_op op, const struct vtd_unit *u, unsigned g,
		   u16 did, u16 sid, u64 addr, unsigned am)
{
	if (fake_hw.nr_ops < FAKE_MAX_OPS)
		fake_hw.ops[fake_hw.nr_ops] = (struct fake_inv){ op,  u,   g,
								 did, sid, addr,
								 am };
	fake_hw.nr_ops++;
}

struct fake_inv fake_op(unsigned i)
{
	if (i < fake_hw.nr_ops && i < FAKE_MAX_OPS)
		return fake_hw.ops[i];
	return (struct fake_inv){ 0 };
}

unsigned fake_count(enum fake_op op, const struct vtd_unit *u)
{
	unsigned n = 0;

	for (unsigned i = 0; i < fake_hw.nr_ops && i < FAKE_MAX_OPS; i++)
		n += fake_hw.ops[i].op == op &&
		     (!u || fake_hw.ops[i].unit == u);
	return n;
}

/* Recorded whether or not CAP.RWBF asks for it: the tests see that the
 * driver flushes at the points the spec names. */
int vtd_flush_write_buffer(struct vtd_unit *u)
{
	record(FAKE_WBF, u, 0, 0, 0, 0, 0);
	return 0;
}

int vtd_set_root_table(struct vtd_unit *u)
{
	record(FAKE_SRTP, u, 0, 0, 0, 0, 0);
	return 0;
}

int vtd_inv_context(struct vtd_unit *u, enum vtd_gran g, u16 did, u16 sid)
{
	u->stats.cc_inv++;
	record(FAKE_CC, u, g, did, sid, 0, 0);
	return 0;
}

int vtd_inv_iotlb(struct vtd_unit *u, enum vtd_gran g, u16 did, iova_t addr,
		  unsigned am)
{
	u->stats.iotlb_inv++;
	fake_hw.last_iotlb_gran = g;
	record(FAKE_IOTLB, u, g, did, 0, addr, am);
	return 0;
}
