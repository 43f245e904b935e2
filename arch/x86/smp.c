/* Application processor bring-up: the processors of the MADT, a real-mode
 * trampoline in a free page below 1 MiB, INIT then STARTUP IPIs (SDM vol.
 * 3A 9.4.4.1 "Typical BSP Initialization Sequence"; Linux's
 * wakeup_secondary_cpu_via_init() sends the same, without its 82489DX
 * de-assert), one AP at a time, each with its own stack, GDT and TSS. */
#include "arch/x86/smp.h"
#include "arch/x86/acpi.h"
#include "arch/x86/apic.h"
#include "arch/x86/console.h"
#include "arch/x86/cpu.h"
#include "arch/x86/madt.h"
#include "arch/x86/mm.h"
#include "arch/x86/tsc.h"
#include "lib/errno.h"
#include "lib/string.h"

#define XAPIC_MAX_ID	254 /* 255 is the broadcast destination */
#define AP_STACK_PAGES	8
#define SIPI_CHECKIN_US 1000  /* to reach the trampoline's first store */
#define INIT_DELAY_US	10000 /* SDM 9.4.4.1: 10 ms after INIT */

extern const u8 trampoline_start[], trampoline_end[], tr_gdt[], tr_gdtr[],
    tr_pm32[], tr_pm32_entry[], tr_cr3[], tr_efer[], tr_alive[];
#define TR_OFF(sym) ((u64)((sym)-trampoline_start))

/* Read by trampoline.S's ap_entry64, for the AP being started. */
struct ap_boot {
	u64 cr3, stack;
	u32 cpu;
};
_Static_assert(offsetof(struct ap_boot, stack) == 8, "trampoline.S");
_Static_assert(offsetof(struct ap_boot, cpu) == 16, "trampoline.S");
struct ap_boot ap_boot;

/* Page tables the trampoline switches paging on with: 2 MiB pages mapping
 * the first GiB, which holds the trampoline and the kernel image, at an
 * address CR3 can take in 32-bit mode. ap_entry64 then loads the kernel's. */
static u64 ap_pml4[512] __attribute__((aligned(4096)));
static u64 ap_pdpt[512] __attribute__((aligned(4096)));
static u64 ap_pd[512] __attribute__((aligned(4096)));

static struct smp_info info;
static u64 bsp_cr4;
static struct {
	u16 limit;
	u64 base;
} __attribute__((packed)) bsp_idtr;

void smp_calls_init(void);
__attribute__((noreturn)) void smp_idle(void);
__attribute__((noreturn)) void smp_ap_main(unsigned cpu);

const struct smp_info *smp_info(void)
{
	return &info;
}

struct madt_pass {
	u32 bsp;
	u8 rev;
	bool enabled; /* this pass takes the enabled processors, or the rest */
};

static void madt_add(const struct madt_cpu *c, void *ctx)
{
	const struct madt_pass *p = ctx;
	enum madt_use use = madt_cpu_use(c->flags, p->rev);
	enum cpu_state state = CPU_STARTING;

	if (use == MADT_UNUSABLE || (use == MADT_START) != p->enabled)
		return;
	info.madt_enabled += use == MADT_START;
	info.madt_hotplug += use == MADT_HOTPLUG;
	if (use == MADT_HOTPLUG)
		state = CPU_HOTPLUG;
	else if (c->apic_id > XAPIC_MAX_ID && !apic_x2apic())
		state = CPU_UNREACHABLE;
	if (c->apic_id != p->bsp && percpu_add(c->apic_id, state) == -ENOSPC)
		info.why = "more processors than MAX_CPUS: the rest ignored";
}

/* Every processor of the MADT, the BSP first as logical CPU 0, then the
 * enabled ones, then hot-plug slots: past MAX_CPUS entries a slot is left
 * out before a processor that runs. (Firmware may list slots first or
 * among its processors: QEMU does, with maxcpus=512 and a CPU in the
 * second socket, whose id 256 came after 255 slots.) A malformed table
 * starts none. */
static int madt_parse(u32 bsp)
{
	const struct acpi_header *h = acpi_find("APIC");
	struct madt_pass p = { bsp, 0, true };
	u32 bad;
	int n;

	percpu_add(bsp, CPU_ONLINE);
	if (!h)
		return -ENOENT;
	p.rev = h->revision;
	n = madt_walk(h, h->length, NULL, NULL, &bad);
	if (n < 0) {
		kprintf("# error: smp: MADT structure at offset %u is "
			"malformed\n",
			bad);
		return n;
	}
	madt_walk(h, h->length, madt_add, &p, &bad);
	p.enabled = false;
	madt_walk(h, h->length, madt_add, &p, &bad);
	return 0;
}

static bool overlaps(hpa_t pa, const struct mem_range *r)
{
	return pa < r->base + r->len && pa + PAGE_SIZE > r->base;
}

/* Is the page RAM by the memory map, and none of what mm keeps out of the
 * allocator (loader data, modules, ACPI tables) but the low MiB itself? */
static bool page_free_low(const struct boot_info *bi, hpa_t pa)
{
	const struct mem_range *keep;
	unsigned nk = mm_keep_out(&keep);
	bool usable = false;

	for (unsigned i = 0; i < bi->nr_mmap; i++) {
		const struct mem_range *r = &bi->mmap[i];
		if (!overlaps(pa, r))
			continue;
		if (r->type != MEM_USABLE)
			return false;
		usable |= r->base <= pa && r->base + r->len >= pa + PAGE_SIZE;
	}
	for (unsigned i = 0; i < nk; i++)
		if (overlaps(pa, &keep[i]) &&
		    !(keep[i].base == 0 && keep[i].len == 0x100000))
			return false;
	return usable;
}

/* The highest such page below the EBDA (BDA word 0x40e, its segment) and
 * 640 KiB, above the real-mode IVT and BDA. A SIPI names pages below 1 MiB. */
static hpa_t find_low_page(const struct boot_info *bi)
{
	hpa_t ebda = (hpa_t)(*(const volatile u16 *)0x40e) << 4;
	hpa_t top = ebda >= 0x80000 && ebda < 0xa0000 ? ebda : 0xa0000;

	for (hpa_t pa = ALIGN_DOWN(top, PAGE_SIZE); pa >= 2 * PAGE_SIZE;) {
		pa -= PAGE_SIZE;
		if (page_free_low(bi, pa))
			return pa;
	}
	return 0;
}

static void put32(hpa_t page, u64 off, u32 v)
{
	*(volatile u32 *)(page + off) = v;
}

static int trampoline_install(hpa_t page)
{
	u64 size = (u64)(trampoline_end - trampoline_start);

	if (size > PAGE_SIZE || (u64)ap_pml4 >> 32 || (u64)smp_ap_main >> 30)
		return -ERANGE;
	ap_pml4[0] = (u64)ap_pdpt | 3;
	ap_pdpt[0] = (u64)ap_pd | 3;
	for (u64 i = 0; i < 512; i++)
		ap_pd[i] = (i << 21) | 0x83; /* present, writable, 2 MiB */
	memcpy((void *)page, trampoline_start, size);
	put32(page, TR_OFF(tr_gdtr) + 2, (u32)(page + TR_OFF(tr_gdt)));
	put32(page, TR_OFF(tr_pm32), (u32)(page + TR_OFF(tr_pm32_entry)));
	put32(page, TR_OFF(tr_cr3), (u32)(u64)ap_pml4);
	put32(page, TR_OFF(tr_efer),
	      (u32)(EFER_LME | (rdmsr(MSR_EFER) & EFER_NXE)));
	ap_boot.cr3 = read_cr3();
	bsp_cr4 = read_cr4() & ~X86_CR4_VMXE;
	asm volatile("sidt %0" : "=m"(bsp_idtr));
	return 0;
}

/* The AP was sent INIT at least INIT_DELAY_US ago (start_all) and waits
 * for a STARTUP IPI; a second SIPI only when it has not reached the
 * trampoline's first store within SIPI_CHECKIN_US (SDM 9.4.4.1 sends it
 * unconditionally; a started AP ignores it, QEMU and Bochs included).
 * Returns NULL when the AP is online, else why not. */
static const char *wake(struct percpu *pc, hpa_t page)
{
	volatile u32 *alive = (volatile u32 *)(page + TR_OFF(tr_alive));
	u32 sipi = APIC_ICR_STARTUP | APIC_ICR_ASSERT | (u32)(page >> 12);

	*alive = 0;
	mfence();
	if (apic_send_ipi(pc->apic_id, sipi))
		return "the APIC did not send the SIPI";
	if (WAIT_FOR(*alive, SIPI_CHECKIN_US)) {
		info.second_sipi++;
		if (apic_send_ipi(pc->apic_id, sipi))
			return "the APIC did not send the second SIPI";
	}
	if (!WAIT_FOR(__atomic_load_n(&pc->state, __ATOMIC_ACQUIRE) ==
			  CPU_ONLINE,
		      SMP_ONLINE_US))
		return NULL;
#define NO_CHECKIN "did not check in within " STRINGIFY(SMP_ONLINE_MS) " ms"
	return *alive ? NO_CHECKIN " (it reached the trampoline)"
		      : NO_CHECKIN " (no sign of it)";
#undef NO_CHECKIN
}

/* Park it again (INIT: wait-for-SIPI), so that it cannot wake later on a
 * stack and an ap_boot that belong to the next AP, and say why. */
static void ap_failed(struct percpu *pc, const char *why)
{
	apic_send_ipi(pc->apic_id, APIC_ICR_INIT | APIC_ICR_ASSERT);
	__atomic_store_n(&pc->state, CPU_NO_ANSWER, __ATOMIC_RELEASE);
	kprintf("# error: smp: cpu %u (APIC id %u) not started: %s\n", pc->cpu,
		pc->apic_id, why);
	info.no_answer++;
}

static void start_ap(struct percpu *pc, hpa_t page)
{
	u64 t0 = tsc_read_us();
	const char *why = "no memory for its stack";

	pc->stack = page_alloc_contig(AP_STACK_PAGES, PAGE_SIZE);
	if (pc->stack) {
		ap_boot.stack = (u64)pc->stack + AP_STACK_PAGES * PAGE_SIZE;
		ap_boot.cpu = pc->cpu;
		why = wake(pc, page);
	}
	pc->online_us = tsc_read_us() - t0;
	if (why)
		ap_failed(pc, why);
	else
		info.online++;
}

/* GDT and TSS of this AP: the layout of boot/entry.S's, a TSS at 0x18
 * (SDM vol. 3A 8.2.3, figure 8-4: a 16-byte system descriptor) and the
 * CPU number at PERCPU_SEL_CPU (percpu.h). */
static void load_gdt(struct percpu *pc)
{
	u64 tss = (u64)&pc->tss;
	struct {
		u16 limit;
		u64 base;
	} __attribute__((packed)) p = { sizeof(pc->gdt) - 1, (u64)pc->gdt };

	pc->gdt[0] = 0;
	pc->gdt[1] = 0x00af9a000000ffffULL; /* 0x08: 64-bit code */
	pc->gdt[2] = 0x00cf92000000ffffULL; /* 0x10: data */
	pc->gdt[3] = (sizeof(pc->tss) - 1) | (tss & 0xffffff) << 16 |
		     0x89ULL << 40 | ((tss >> 24) & 0xff) << 56;
	pc->gdt[4] = tss >> 32;
	pc->gdt[5] = 0x92ULL << 40 | pc->cpu; /* present data; limit: number */
	pc->tss.iomap_base = sizeof(pc->tss);
	asm volatile("lgdt %0\n\t"
		     "pushq $0x08\n\t"
		     "leaq 1f(%%rip), %%rax\n\t"
		     "pushq %%rax\n\t"
		     "lretq\n"
		     "1:\tmovw $0x10, %%ax\n\t"
		     "movw %%ax, %%ds\n\t"
		     "movw %%ax, %%es\n\t"
		     "movw %%ax, %%ss\n\t"
		     "ltr %w1"
		     :
		     : "m"(p), "r"(PERCPU_SEL_TSS)
		     : "rax", "memory");
}

void smp_ap_main(unsigned cpu)
{
	struct percpu *pc = smp_percpu(cpu);

	write_cr4(bsp_cr4);
	mm_memtypes_load(true); /* the boot CPU's MTRRs, the kernel's PAT */
	load_gdt(pc);
	asm volatile("lidt %0" ::"m"(bsp_idtr));
	apic_cpu_init();
	__atomic_store_n(&pc->state, CPU_ONLINE, __ATOMIC_RELEASE);
	smp_idle();
}

/* INIT to every AP first, then the 10 ms SDM 9.4.4.1 asks after INIT
 * once for all of them (an AP then waits for its STARTUP IPI as long as
 * it takes), then each AP alone: its stack and ap_boot, its SIPI, its
 * check-in. 255 APs one after the other, 10 ms each, took 2.7 s. */
static void start_all(hpa_t page)
{
	bool sent = false;

	for (unsigned cpu = 1; cpu < percpu_nr(); cpu++) {
		struct percpu *pc = smp_percpu(cpu);
		if (pc->state == CPU_UNREACHABLE)
			info.unreachable++;
		if (pc->state != CPU_STARTING)
			continue;
		if (apic_send_ipi(pc->apic_id, APIC_ICR_INIT | APIC_ICR_ASSERT))
			ap_failed(pc, "the APIC did not send INIT");
		else
			sent = true;
	}
	if (sent)
		udelay(INIT_DELAY_US);
	for (unsigned cpu = 1; cpu < percpu_nr(); cpu++) {
		struct percpu *pc = smp_percpu(cpu);
		if (pc->state == CPU_STARTING)
			start_ap(pc, page);
	}
}

int smp_init(const struct boot_info *bi)
{
	u64 t0 = tsc_read_us();
	int err;

	info.online = 1;
	smp_calls_init();
	err = madt_parse(apic_id());
	info.nr_cpus = percpu_nr();
	if (err) {
		info.why = err == -ENOENT ? "no MADT: one CPU"
					  : "malformed MADT";
	} else if (percpu_nr() > 1) {
		info.trampoline = find_low_page(bi);
		err = info.trampoline ? trampoline_install(info.trampoline)
				      : -ENOMEM;
		if (err == -ENOMEM)
			info.why =
			    "no free page below 1 MiB for the trampoline";
		else if (err)
			info.why = "kernel image or trampoline out of reach";
		else
			start_all(info.trampoline);
	}
	info.bringup_us = tsc_read_us() - t0;
	info.err = err;
	kprintf("# smp: %u of %u CPUs online (MADT: %u enabled, %u hot-plug), "
		"%u without answer, trampoline 0x%lx, %lu us%s%s\n",
		info.online, info.madt_enabled ?: 1, info.madt_enabled,
		info.madt_hotplug, info.no_answer, info.trampoline,
		info.bringup_us, info.why ? ": " : "", info.why ?: "");
	return err;
}
