/* Suite boot: what the loader gave us, the allocator, ACPI, traps. */
#include "arch/x86/acpi.h"
#include "arch/x86/apic.h"
#include "arch/x86/cpu.h"
#include "arch/x86/ioapic.h"
#include "arch/x86/mm.h"
#include "arch/x86/smp.h"
#include "arch/x86/trap.h"
#include "arch/x86/tsc.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "lib/test.h"
#include "kernel/kstate.h"

TEST(boot, loader_information_parsed)
{
	const struct boot_info *bi = &kstate.boot;

	EXPECT_TRUE(bi->version == 1 || bi->version == 2);
	if (bi->error)
		test_fail("boot information: %s", bi->error);
	EXPECT_GT(bi->nr_mmap, 0);
}

TEST(boot, command_line_valid)
{
	const struct options *o = &kstate.opts;

	for (unsigned i = 0; i < MIN(o->nr_errors, CMDLINE_MAX_ERRORS); i++)
		test_fail("%s", o->errors[i]);
	EXPECT_EQ(o->nr_errors, 0);
	EXPECT_OK(kstate.console_err);
}

TEST(boot, memory_map_sane)
{
	const struct boot_info *bi = &kstate.boot;
	u64 usable = 0;

	for (unsigned i = 0; i < bi->nr_mmap; i++) {
		const struct mem_range *r = &bi->mmap[i];
		EXPECT_NE(r->len, 0);
		EXPECT_GE(r->base + r->len, r->base); /* no wrap-around */
		if (r->type == MEM_USABLE && r->base >= 0x100000)
			usable += r->len;
	}
	test_diag("%u ranges, %lu MiB usable above 1 MiB", bi->nr_mmap,
		  usable >> 20);
	EXPECT_GE(usable, 16ULL << 20);
}

static bool overlaps(hpa_t pa, u64 len, const struct mem_range *r)
{
	return pa < r->base + r->len && pa + len > r->base;
}

/* A page is good when it lies inside a usable range, outside every
 * non-usable range and outside everything the kernel keeps out. */
static bool page_is_good(hpa_t pa, u64 len)
{
	const struct boot_info *bi = &kstate.boot;
	const struct mem_range *keep;
	unsigned nk = mm_keep_out(&keep);
	bool in_usable = false;

	for (unsigned i = 0; i < bi->nr_mmap; i++) {
		const struct mem_range *r = &bi->mmap[i];
		if (r->type != MEM_USABLE && overlaps(pa, len, r))
			return false;
		if (r->type == MEM_USABLE && pa >= r->base &&
		    pa + len <= r->base + r->len)
			in_usable = true;
	}
	for (unsigned i = 0; i < nk; i++)
		if (overlaps(pa, len, &keep[i]))
			return false;
	return in_usable;
}

TEST(boot, allocator_never_returns_reserved)
{
	static void *pages[512];
	unsigned n;

	ASSERT_OK(kstate.mm_err);
	for (n = 0; n < ARRAY_SIZE(pages); n++) {
		pages[n] = page_alloc();
		if (!pages[n])
			break;
		if (!page_is_good(virt_to_phys(pages[n]), PAGE_SIZE))
			test_fail("page 0x%lx is reserved or not RAM",
				  virt_to_phys(pages[n]));
		EXPECT_EQ(mm_cache_type(virt_to_phys(pages[n])), CACHE_WB);
	}
	EXPECT_EQ(n, ARRAY_SIZE(pages));
	void *big = page_alloc_contig(512, SZ_2M);
	ASSERT_TRUE(big != NULL);
	EXPECT_TRUE(IS_ALIGNED(virt_to_phys(big), SZ_2M));
	EXPECT_TRUE(page_is_good(virt_to_phys(big), SZ_2M));
	page_free_contig(big, 512);
	while (n)
		page_free(pages[--n]);
}

TEST(boot, freed_pages_come_back)
{
	struct pmm *p = mm_pmm();
	u64 before = p->free_pages;
	void *a = page_alloc();

	ASSERT_TRUE(a != NULL);
	EXPECT_EQ(p->free_pages, before - 1);
	page_free(a);
	EXPECT_EQ(p->free_pages, before);
	EXPECT_EQ(page_alloc(), a); /* last freed, first reused */
	page_free(a);
}

TEST(boot, acpi_tables_found)
{
	ASSERT_OK(kstate.acpi_err);
	EXPECT_NE(acpi_rsdp_pa(), 0);
	EXPECT_TRUE(acpi_find("FACP") != NULL);
	EXPECT_TRUE(acpi_find("APIC") != NULL);
}

TEST(boot, acpi_checksums_valid)
{
	const struct acpi_table *t;
	unsigned n = acpi_tables(&t);

	ASSERT_OK(kstate.acpi_err);
	for (unsigned i = 0; i < n; i++) {
		if (test_verbose())
			test_diag("%s at 0x%lx, %u bytes", t[i].sig, t[i].pa,
				  t[i].len);
		if (!t[i].checksum_ok)
			test_fail("%s at 0x%lx: bad checksum or length %u",
				  t[i].sig, t[i].pa, t[i].len);
	}
	EXPECT_GT(n, 2);
}

TEST(boot, tsc_calibrated)
{
	EXPECT_OK(kstate.tsc_err);
	test_diag("TSC %lu kHz, reference: %s", tsc_khz(), tsc_source());
	EXPECT_GE(tsc_khz(), 1000);
	u64 t0 = tsc_read_us();
	udelay(1000);
	EXPECT_GE(tsc_read_us() - t0, 1000);
}

/* Every reference the machine has gives the TSC frequency the kernel
 * uses, within 2%: a CPUID leaf 15H that states a wrong crystal (24 MHz
 * for 25 is 4% off), or a PIT, HPET or PM timer that runs off, would
 * stretch or shrink every timeout. The margin is for an SMI that delays
 * the read ending a 10 ms measurement. A missing reference (a clock-gated
 * 8254, no HPET table, a hardware-reduced platform) is said, not
 * failed. */
TEST(boot, tsc_references_agree)
{
	unsigned n = 0;

	/* a failed calibration is tsc_calibrated's failure: no reference
	 * answered, so none is compared here */
	for (unsigned i = 0; i < TSC_NR_REFS; i++) {
		const struct tsc_ref *r = &tsc_refs[i];
		u64 k = 0, ref = tsc_khz();
		int err = r->khz(&k);
		if (err) {
			test_diag("%s: %s", r->name,
				  err == -ENODEV      ? "not there"
				  : err == -ETIMEDOUT ? "never answered"
						      : strerror_k(err));
			continue;
		}
		n++;
		u64 off = k > ref ? k - ref : ref - k;
		test_diag("%s: %lu kHz (%s%lu.%02lu%% from the kernel's)",
			  r->name, k, k >= ref ? "+" : "-", off * 100 / ref,
			  off * 10000 / ref % 100);
		if (off * 50 > ref)
			test_fail("%s gives %lu kHz, the kernel uses %lu kHz "
				  "(reference: %s)",
				  r->name, k, ref, tsc_source());
	}
	if (n < 2)
		test_skip("%s reference for the TSC: nothing to compare",
			  n ? "1" : "no");
}

/* Device registers are mapped uncached: the local APIC's page (in x2APIC
 * mode it has none: its registers are MSRs) and the I/O APIC's. */
TEST(boot, mmio_mapped_uncached)
{
	struct ioapic io;

	ASSERT_OK(kstate.apic_err);
	if (!apic_x2apic())
		EXPECT_EQ(mm_cache_type(rdmsr(MSR_IA32_APIC_BASE) &
					GENMASK_ULL(51, 12)),
			  CACHE_UC);
	if (ioapic_find(&io) == 0)
		EXPECT_EQ(mm_cache_type(io.pa), CACHE_UC);
	else if (apic_x2apic())
		test_skip("x2APIC mode and no I/O APIC: no APIC page mapped");
}

/* Every pin of the first I/O APIC is masked after boot (ioapic_mask_all:
 * the kernel routes nothing through it). Pin 0, which the masked 8259's
 * output feeds (or nothing), unmasked with an edge entry, is found and
 * masked again. */
TEST(boot, ioapic_pins_masked)
{
	struct ioapic io;
	unsigned unmasked;

	if (ioapic_find(&io))
		test_skip("no I/O APIC in the MADT");
	EXPECT_GE(kstate.ioapics, 1);
	for (unsigned pin = 0; pin < io.nr_pins; pin++)
		if (!(ioapic_rte_read(&io, pin) & IOAPIC_RTE_MASK))
			test_fail("I/O APIC %u pin %u is unmasked: RTE 0x%lx",
				  io.id, pin, ioapic_rte_read(&io, pin));
	if (kstate.ioapic_unmasked)
		test_diag("%u pin(s) were unmasked before the kernel started",
			  kstate.ioapic_unmasked);
	ioapic_rte_write(&io, 0, VEC_TEST);
	ASSERT_EQ(ioapic_rte_read(&io, 0) & IOAPIC_RTE_MASK, 0);
	EXPECT_EQ(ioapic_mask_all(&unmasked), kstate.ioapics);
	EXPECT_EQ(unmasked, 1);
	EXPECT_NE(ioapic_rte_read(&io, 0) & IOAPIC_RTE_MASK, 0);
}

/* MSRs @msr[0..@n) of every online CPU, into msrs.val[cpu][i]: what the
 * PAT and MTRR tests compare across CPUs. */
static struct {
	const u32 *msr;
	unsigned n;
	u64 val[MAX_CPUS][1 + MM_MTRR_MSRS];
} msrs;

static void read_msrs(void *arg)
{
	for (unsigned i = 0; i < msrs.n; i++)
		msrs.val[smp_cpu()][i] = rdmsr(msrs.msr[i]);
}

static int msrs_of_every_cpu(const u32 *msr, unsigned n)
{
	msrs.msr = msr;
	msrs.n = n;
	return on_cpus(smp_online_mask(), read_msrs, NULL);
}

/* Every CPU runs with the kernel's PAT (mm.h), whatever firmware left, and
 * all alike (SDM vol. 3A 12.12.4 and the multiprocessor procedure of
 * 12.11.8 it refers to); so the mappings mean what mm.c says:
 * the VGA window uncached, the framebuffer the console draws on
 * write-combining. Every x86-64 CPU has the PAT (CPUID.1:EDX[16]). */
TEST(boot, pat_is_the_kernels_on_every_cpu)
{
	static const u32 pat = MSR_IA32_PAT;
	const struct boot_fb *f = &kstate.boot.fb;
	unsigned cpu;
	int fb;

	ASSERT_TRUE(cpuid(1, 0).edx & BIT(16));
	ASSERT_OK(msrs_of_every_cpu(&pat, 1));
	for_each_cpu(cpu, smp_online_mask())
	{
		if (msrs.val[cpu][0] != MM_PAT)
			test_fail("cpu %u: PAT 0x%016lx, not the kernel's "
				  "0x%016llx",
				  cpu, msrs.val[cpu][0], MM_PAT);
	}
	EXPECT_EQ(mm_cache_type(0xb8000), CACHE_UC);
	/* type 1: RGB (the console's); 2, EGA text, is the VGA window */
	fb = f->present && f->type == 1 ? mm_cache_type(f->addr) : -ENOENT;
	if (fb >= 0)
		EXPECT_EQ(fb, CACHE_WC);
	test_diag("PAT 0x%016llx on %u CPU(s); framebuffer %s", MM_PAT,
		  cpumask_weight(smp_online_mask()),
		  fb < 0	   ? "none mapped"
		  : fb == CACHE_WC ? "write-combining"
				   : "not write-combining");
}

/* Every CPU has the boot CPU's MTRRs, as SDM vol. 3A 12.11.8 requires:
 * otherwise the same memory has one type on one CPU and another on the
 * next, and what a WBINVD leaves in memory differs with the CPU it ran
 * on. Under QEMU 7.2 and 10.0 an AP the kernel starts has every MTRR 0;
 * the kernel loads the boot CPU's on every AP (mm_memtypes_load). */
TEST(boot, mtrrs_alike_on_every_cpu)
{
	static u32 msr[1 + MM_MTRR_MSRS] = { MSR_MTRR_DEF_TYPE };
	unsigned cpu, n, bad = 0;

	if (!(cpuid(1, 0).edx & BIT(12)))
		test_skip("the CPU has no MTRRs");
	n = 1 + mm_mtrr_msrs(msr + 1, MM_MTRR_MSRS);
	ASSERT_OK(msrs_of_every_cpu(msr, n));
	for_each_cpu(cpu, smp_online_mask())
	{
		for (unsigned i = 0; i < n; i++) {
			if (msrs.val[cpu][i] == msrs.val[0][i] || bad++ >= 4)
				continue;
			test_fail("cpu %u: MSR 0x%x is 0x%lx, cpu 0's 0x%lx",
				  cpu, msr[i], msrs.val[cpu][i],
				  msrs.val[0][i]);
		}
	}
	EXPECT_EQ(bad, 0);
	test_diag("default type 0x%lx and %u range MSRs alike on %u CPU(s)",
		  msrs.val[0][0], n - 1, cpumask_weight(smp_online_mask()));
}

static void do_ud2(void *arg)
{
	asm volatile("ud2");
}

static void do_unmapped_read(void *arg)
{
	(void)*(volatile u64 *)arg;
}

TEST(boot, exceptions_caught_and_named)
{
	u64 cr2 = 0;
	void *hole = (void *)0x7f0000000000ULL; /* never mapped */

	EXPECT_EQ(trap_catch(do_ud2, NULL, NULL), 6);
	EXPECT_EQ(trap_catch(do_unmapped_read, hole, &cr2), 14);
	EXPECT_EQ(cr2, (u64)hole);
}

static volatile unsigned ipi_seen;
static void on_test_ipi(struct trap_frame *f, void *ctx)
{
	ipi_seen++;
}

/* Every CPU's APIC is enabled and in the boot CPU's mode (SDM 11.12.5:
 * the mode is each CPU's own; a CPU left in the other mode would answer
 * neither the kernel's register accesses nor, for an x2APIC id above
 * 255, its IPIs). x2APIC when firmware left it on, or when asked. */
TEST(boot, apic_mode_alike_on_every_cpu)
{
	static const u32 base = MSR_IA32_APIC_BASE;
	unsigned cpu;

	ASSERT_OK(kstate.apic_err);
	test_diag("%s mode%s%s", apic_x2apic() ? "x2APIC" : "xAPIC",
		  apic_mode_why()[0] ? ": " : "", apic_mode_why());
	if (kstate.opts.x2apic && !apic_x2apic())
		test_skip("x2apic asked for: %s", apic_mode_why());
	ASSERT_OK(msrs_of_every_cpu(&base, 1));
	for_each_cpu(cpu, smp_online_mask())
	{
		u64 v = msrs.val[cpu][0];
		if (!(v & APIC_BASE_EN) ||
		    !(v & APIC_BASE_EXTD) != !apic_x2apic())
			test_fail("cpu %u: IA32_APIC_BASE 0x%lx, not %s", cpu,
				  v, apic_x2apic() ? "x2APIC" : "xAPIC");
	}
}

TEST(boot, apic_delivers_self_ipi)
{
	ASSERT_OK(kstate.apic_err);
	ipi_seen = 0;
	trap_set_handler(VEC_TEST, on_test_ipi, NULL);
	apic_self_ipi(VEC_TEST);
	int err = WAIT_FOR(ipi_seen == 1, 10000);
	trap_set_handler(VEC_TEST, NULL, NULL);
	EXPECT_OK(err);
	EXPECT_EQ(ipi_seen, 1);
}
