/* Suite snoop: snoop control (ECAP.SC, SNP bit 11 of second-level leaves).
 * A domain enforces coherency only when every unit behind it has SC; then
 * every leaf carries SNP and no non-leaf entry does. Without SC a set SNP
 * is a reserved-bit fault (reason 0xc) and enforcement is refused. */
#include "arch/x86/mm.h"
#include "arch/x86/platform.h"
#include "arch/x86/smp.h"
#include "iommu/vtd/caps.h"
#include "iommu/vtd/inval.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "lib/test.h"
#include "tests/kernel/vtd_fix_dma.h"

#define VTD_SL_SNP BIT_ULL(11)
#define VTD_SL_PS  BIT_ULL(7)
#define IOVA	   0x400000ULL
#define LEN	   64

struct snp_count {
	unsigned leaves, leaves_snp, tables_snp;
};

/* Walk the table at @level (cfg.levels is the root) in software. */
static void count_snp(const struct pt *pt, const u64 *t, unsigned level,
		      struct snp_count *c)
{
	for (unsigned i = 0; i < PT_ENTRIES; i++) {
		u64 e = t[i];
		if (!(e & pt->fmt->present))
			continue;
		if (level == 1 || (e & VTD_SL_PS)) {
			c->leaves++;
			c->leaves_snp += !!(e & VTD_SL_SNP);
			continue;
		}
		c->tables_snp += !!(e & VTD_SL_SNP);
		count_snp(pt, phys_to_virt(e & pt->fmt->addr), level - 1, c);
	}
}

static struct snp_count walk(const struct vtd_domain *d)
{
	struct snp_count c = { 0 };

	count_snp(&d->pt, d->pt.root, d->pt.cfg.levels, &c);
	return c;
}

/* 2 MiB + 8 KiB: one superpage leaf and two 4 KiB leaves. */
static void map_mixed(struct vtd_fix *f, u8 **big)
{
	*big = page_alloc_contig(SZ_2M / PAGE_SIZE, SZ_2M);
	if (!*big)
		test_skip("no 2 MiB of contiguous memory");
	ASSERT_OK(vtd_domain_map(&f->dom, SZ_2M, virt_to_phys(*big), SZ_2M,
				 PT_READ | PT_WRITE));
	ASSERT_OK(vtd_domain_map(&f->dom, IOVA + SZ_2M,
				 virt_to_phys(f->dst.page), PAGE_SIZE,
				 PT_READ | PT_WRITE));
	ASSERT_OK(vtd_domain_map(&f->dom, IOVA + SZ_2M + PAGE_SIZE,
				 virt_to_phys(f->dst.base), PAGE_SIZE,
				 PT_READ | PT_WRITE));
}

static void unmap_mixed(struct vtd_fix *f, u8 *big)
{
	EXPECT_OK(vtd_domain_unmap(&f->dom, SZ_2M, SZ_2M));
	page_free_contig(big, SZ_2M / PAGE_SIZE);
}

static void dma_lands(struct vtd_fix *f)
{
	fix_write_lands(f, IOVA + SZ_2M, f->dst.page);
	expect_no_fault(f);
}

/* Leaves of the domain before map_mixed: the engine's own structures
 * (xHCI), none for edu. */
static unsigned engine_leaves(struct vtd_fix *f)
{
	return walk(&f->dom).leaves;
}

static void need_sc(struct vtd_fix *f, bool sc)
{
	if (!!(f->unit->ecap & VTD_ECAP_SC) != sc)
		test_skip("unit has ECAP.SC=%d; this case needs SC=%d", !sc,
			  sc);
}

TEST(snoop, enforcing_domain_sets_snp_on_every_leaf)
{
	struct vtd_fix *f;
	u8 *big;

	f = fix_setup(0, FIX_INV_PREFERRED);
	need_sc(f, true);
	unsigned own = engine_leaves(f);
	EXPECT_EQ(vtd_domain_enforce_coherency(&f->dom), own); /* no test's */
	EXPECT_TRUE(vtd_domain_enforces_snoop(&f->dom));
	map_mixed(f, &big);
	struct snp_count c = walk(&f->dom);
	EXPECT_EQ(c.leaves, own + 3);
	EXPECT_EQ(c.leaves_snp, c.leaves);
	EXPECT_EQ(c.tables_snp, 0);
	dma_lands(f);
	guarded_intact(&f->dst, 0, 0);
	unmap_mixed(f, big);
}

TEST(snoop, non_enforcing_domain_sets_no_snp)
{
	struct vtd_fix *f;
	u8 *big;

	f = fix_setup(0, FIX_INV_PREFERRED);
	unsigned own = engine_leaves(f);
	map_mixed(f, &big);
	struct snp_count c = walk(&f->dom);
	EXPECT_FALSE(vtd_domain_enforces_snoop(&f->dom));
	EXPECT_EQ(c.leaves, own + 3);
	EXPECT_EQ(c.leaves_snp + c.tables_snp, 0);
	dma_lands(f);
	guarded_intact(&f->dst, 0, 0);
	unmap_mixed(f, big);
}

/* Linux refuses to enforce on a domain with mappings; we upgrade in place:
 * SNP on every existing leaf, IOTLB invalidated, and DMA keeps working. */
TEST(snoop, upgrade_in_place_sets_every_leaf)
{
	struct vtd_fix *f;
	u8 *big;

	f = fix_setup(0, FIX_INV_PREFERRED);
	need_sc(f, true);
	unsigned own = engine_leaves(f);
	map_mixed(f, &big);
	dma_lands(f);
	u64 inv = f->unit->stats.iotlb_inv;
	u64 wb[MAX_CPUS];
	cpumask_t online = smp_online_mask();
	unsigned cpu;
	for_each_cpu(cpu, online) wb[cpu] = smp_counter(cpu, PCPU_WBINVD);
	EXPECT_EQ(vtd_domain_enforce_coherency(&f->dom), own + 3);
	EXPECT_EQ(f->unit->stats.iotlb_inv, inv + 1);
	/* The caches are written back on every online CPU, each on itself. */
	for_each_cpu(cpu, online)
	    EXPECT_EQ(smp_counter(cpu, PCPU_WBINVD), wb[cpu] + 1);
	test_diag("WBINVD on %u CPUs after the upgrade",
		  cpumask_weight(online));
	struct snp_count c = walk(&f->dom);
	EXPECT_EQ(c.leaves_snp, own + 3);
	EXPECT_EQ(c.tables_snp, 0);
	dma_lands(f);
	EXPECT_EQ(vtd_domain_enforce_coherency(&f->dom), 0); /* one-way, idle */
	guarded_intact(&f->dst, 0, 0);
	unmap_mixed(f, big);
}

TEST(snoop, enforcement_refused_without_sc)
{
	struct vtd_fix *f;
	u8 *big;

	f = fix_setup(0, FIX_INV_PREFERRED);
	need_sc(f, false);
	map_mixed(f, &big);
	EXPECT_EQ(vtd_domain_enforce_coherency(&f->dom), -EOPNOTSUPP);
	EXPECT_FALSE(vtd_domain_enforces_snoop(&f->dom));
	EXPECT_EQ(walk(&f->dom).leaves_snp, 0);
	unmap_mixed(f, big);
}

/* Enforcement is one-way: a device behind a unit without SC may not join
 * an enforcing domain (Linux paging_domain_compatible). */
TEST(snoop, attach_without_sc_to_enforcing_domain_refused)
{
	struct vtd_fix *f;
	struct vtd_domain *d;

	f = fix_setup(0, FIX_INV_PREFERRED);
	need_sc(f, false);
	d = fix_domain(f);
	EXPECT_EQ(vtd_domain_enforce_coherency(d), 0); /* no units yet */
	EXPECT_EQ(vtd_domain_attach(d, f->unit, f->bus, f->devfn), -EOPNOTSUPP);
	EXPECT_EQ(d->nr_devs, 0);
}

/* Force SNP into a leaf (or a non-leaf entry) behind the driver's back:
 * the DMA faults with reason 0xc and moves no byte. */
static void forced_snp(bool leaf)
{
	struct vtd_fix *f;
	struct pt_walk w;

	f = fix_setup(0, FIX_INV_PREFERRED);
	if (leaf)
		need_sc(f, false);
	ASSERT_OK(vtd_domain_map(&f->dom, IOVA, virt_to_phys(f->dst.page),
				 PAGE_SIZE, PT_READ | PT_WRITE));
	ASSERT_OK(pt_lookup(&f->dom.pt, IOVA, &w));
	u64 *e = leaf ? w.ptep : &f->dom.pt.root[0];
	*e |= VTD_SL_SNP;
	vtd_flush_struct(f->unit, e, 8);
	ASSERT_OK(vtd_inv_iotlb(f->unit, VTD_GRAN_DOMAIN, f->dom.did, 0, 0));
	int err = fix_write(f, IOVA);
	/* QEMU 7.2 and 10.0 clear SNP from their reserved-bit masks when
	 * x-scalable-mode (or snoop-control) is on, whatever ECAP.SC says
	 * and whatever mode the unit runs in. */
	if (leaf && !err && platform_kind() == PLATFORM_QEMU &&
	    (f->unit->ecap & VTD_ECAP_SMTS))
		test_todo("QEMU 7.2 and 10.0 with x-scalable-mode=on: SNP in "
			  "a leaf is accepted without ECAP.SC, in legacy mode "
			  "too (no fault 0xc)");
	expect_blocked(f, err, true);
	expect_one_fault(f, VTD_FR_SL_RSVD, IOVA, VTD_ACC_WRITE);
	guarded_intact(&f->dst, 0, 0);
	*e &= ~VTD_SL_SNP;
}

TEST(snoop, forced_snp_leaf_without_sc_faults_0xc)
{
	forced_snp(true);
}

/* In non-leaf entries SNP is never valid, SC or not (the design's rule;
 * QEMU 7.2 checks it as a reserved bit at every non-leaf level). */
TEST(snoop, snp_in_non_leaf_entry_faults_0xc)
{
	forced_snp(false);
}
