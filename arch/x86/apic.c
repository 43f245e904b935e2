/* Local APIC in xAPIC mode (its registers a page of MMIO) or x2APIC mode
 * (the same registers as MSRs, SDM vol. 3A 11.12). The legacy 8259 PICs
 * are masked so that only the APIC delivers interrupts. */
#include "arch/x86/apic.h"
#include "arch/x86/cpu.h"
#include "arch/x86/cpumask.h"
#include "arch/x86/mm.h"
#include "arch/x86/trap.h"
#include "arch/x86/tsc.h"
#include "lib/errno.h"

static bool x2apic;	  /* x2APIC mode: the registers are MSRs */
static volatile u8 *apic; /* xAPIC mode: the register page */
static const char *why_mode = "";
static u64 timer_khz; /* APIC timer ticks per ms at divide-by-16 */

/* @reg is the xAPIC offset; in x2APIC mode the MSR is 0x800 + @reg / 16
 * (SDM 11.12.1.2). */
static u32 apic_read(u32 reg)
{
	if (x2apic)
		return (u32)rdmsr(MSR_X2APIC_BASE + (reg >> 4));
	return *(volatile u32 *)(apic + reg);
}

static void apic_write(u32 reg, u32 v)
{
	if (x2apic)
		wrmsr(MSR_X2APIC_BASE + (reg >> 4), v);
	else
		*(volatile u32 *)(apic + reg) = v;
}

/* Writes of an initial count on any CPU, and what each CPU's timer was
 * last armed for by apic_timer_until(): the deadline, and timer_writes
 * after that write. A CPU's arming still stands while timer_writes has not
 * moved since (a count of every CPU's writes: a write on another CPU only
 * costs this one a needless re-arm). */
static u64 timer_writes;
static struct {
	deadline_t end;
	u64 writes;
} timer_armed[MAX_CPUS];

/* This CPU's timer: @count ticks from now, 0 stops it (SDM 11.5.4). */
static void timer_set(u32 count)
{
	__atomic_add_fetch(&timer_writes, 1, __ATOMIC_RELAXED);
	apic_write(APIC_REG_TIMER_INIT, count);
}

/* apic_init() has chosen the mode (and mapped the page xAPIC needs). */
static bool apic_up(void)
{
	return x2apic || apic;
}

bool apic_x2apic(void)
{
	return x2apic;
}

const char *apic_mode_why(void)
{
	return why_mode;
}

/* The timer counts at the bus clock divided by 16 (SDM 11.5.4): measure it
 * against the TSC, already calibrated. */
static int timer_calibrate(void)
{
	apic_write(APIC_REG_LVT_TIMER, APIC_LVT_MASKED | VEC_TIMER);
	timer_set(0xffffffff);
	udelay(1000);
	timer_khz = 0xffffffffu - apic_read(APIC_REG_TIMER_CUR);
	timer_set(0);
	apic_write(APIC_REG_LVT_TIMER, VEC_TIMER); /* one-shot, as on an AP */
	return timer_khz ? 0 : -EIO;
}

u64 apic_timer_khz(void)
{
	return timer_khz;
}

void apic_idle(u32 us)
{
	u64 ticks = timer_khz * us / 1000;

	/* With interrupts on, the timer could fire before HLT (an emulator
	 * may deschedule this CPU for that long) and HLT then waits for an
	 * interrupt that never comes. */
	irq_disable();
	timer_set(ticks ? (u32)MIN(ticks, 0xffffffffu) : 1);
	/* STI's one-instruction shadow: no interrupt slips in before HLT. */
	asm volatile("sti; hlt" ::: "memory");
}

u64 apic_timer_writes(void)
{
	return __atomic_load_n(&timer_writes, __ATOMIC_RELAXED);
}

u32 apic_timer_count(void)
{
	return apic_up() ? apic_read(APIC_REG_TIMER_CUR) : 0;
}

/* Re-arming the timer where it already runs for @end would change nothing
 * on hardware, but under QEMU with -icount every write of the initial
 * count moves a virtual-time deadline and wakes QEMU's main loop: a VM
 * whose guest exits 128 times re-armed it 128 times for one deadline. */
void apic_timer_until(unsigned cpu, deadline_t end)
{
	u64 now = rdtsc(), ticks;

	if (!apic_up())
		return;
	if (!end) {
		timer_set(0);
		return;
	}
	if (cpu < MAX_CPUS && timer_armed[cpu].end == end &&
	    timer_armed[cpu].writes == apic_timer_writes() &&
	    apic_read(APIC_REG_TIMER_CUR))
		return;
	ticks = end > now ? (end - now) * timer_khz / tsc_khz() : 0;
	timer_set((u32)MIN(MAX(ticks, 1), 0xffffffffu));
	if (cpu < MAX_CPUS) {
		timer_armed[cpu].end = end;
		timer_armed[cpu].writes = apic_timer_writes();
	}
}

int apic_init(bool want_x2apic)
{
	u64 base = rdmsr(MSR_IA32_APIC_BASE);

	if (!(cpuid(1, 0).edx & BIT(9)))
		return -ENODEV;
	outb(0x21, 0xff); /* mask both 8259s */
	outb(0xa1, 0xff);
	if (base & APIC_BASE_EXTD) {
		x2apic = true;
		why_mode = "left on by firmware";
	} else if (want_x2apic && (cpuid(1, 0).ecx & CPUID1_ECX_X2APIC)) {
		x2apic = true;
		why_mode = "asked for (x2apic)";
	} else if (want_x2apic) {
		why_mode = "the CPU has no x2APIC (CPUID.1:ECX[21]=0)";
	}
	if (!x2apic) {
		apic = mm_map(base & GENMASK_ULL(51, 12), PAGE_SIZE, CACHE_UC);
		if (!apic)
			return -ENOMEM;
	}
	apic_cpu_init();
	if (timer_calibrate())
		return -EIO;
	tsc_set_halt(apic_idle);
	return 0;
}

/* Into the boot CPU's mode. The valid transitions (SDM 11.12.5, figure
 * 11-27): disabled to xAPIC, xAPIC to x2APIC, x2APIC back only through
 * disabled; disabled to x2APIC in one write is not one of them. */
static void apic_mode_set(void)
{
	u64 base = rdmsr(MSR_IA32_APIC_BASE);

	if (!x2apic && (base & APIC_BASE_EXTD)) {
		base &= ~(APIC_BASE_EN | APIC_BASE_EXTD);
		wrmsr(MSR_IA32_APIC_BASE, base);
	}
	if (!(base & APIC_BASE_EN)) {
		base |= APIC_BASE_EN;
		wrmsr(MSR_IA32_APIC_BASE, base);
	}
	if (x2apic && !(base & APIC_BASE_EXTD))
		wrmsr(MSR_IA32_APIC_BASE, base | APIC_BASE_EXTD);
}

void apic_cpu_init(void)
{
	apic_mode_set();
	apic_write(APIC_REG_TPR, 0);
	apic_write(APIC_REG_LVT_LINT0, APIC_LVT_MASKED);
	apic_write(APIC_REG_SVR, APIC_SVR_ENABLE | VEC_SPURIOUS);
	/* apic_idle() counts at the rate measured on the BSP: divide by 16
	 * on every CPU (an AP comes out of INIT dividing by 2). */
	apic_write(APIC_REG_TIMER_DIV, 0x3);
	/* The timer's mode and vector, once: apic_idle() and
	 * apic_timer_until() write only the initial count (a count of 0
	 * stops it, SDM 11.5.4), stopped here first in case firmware left
	 * it counting. Only timer_calibrate() changes it, and puts it
	 * back. */
	timer_set(0);
	apic_write(APIC_REG_LVT_TIMER, VEC_TIMER);
}

int apic_send_ipi(u32 dest, u32 icr)
{
	bool irq;
	int err;

	if (!apic_up())
		return -ENODEV;
	if (x2apic) {
		/* A WRMSR to the ICR is not serializing (SDM 11.12.3): what
		 * the target is to read is made globally visible first (the
		 * fences Linux's weak_wrmsr_fence uses). One write, no
		 * delivery status to wait for (11.12.9). */
		asm volatile("mfence; lfence" ::: "memory");
		wrmsr(MSR_X2APIC_ICR, (u64)dest << 32 | icr);
		return 0;
	}
	/* An interrupt handler sending an IPI between the two writes would
	 * leave this one with its destination. */
	irq = read_rflags() & X86_RFLAGS_IF;
	irq_disable();
	apic_write(APIC_REG_ICR_HI, dest << 24);
	apic_write(APIC_REG_ICR_LO, icr);
	err = WAIT_FOR(!(apic_read(APIC_REG_ICR_LO) & APIC_ICR_BUSY), 1000);
	if (irq)
		irq_enable();
	return err ? -EIO : 0;
}

u32 apic_id(void)
{
	if (!apic_up())
		return 0;
	/* x2APIC: the whole 32-bit register (SDM 11.12.5.1) */
	return x2apic ? apic_read(APIC_REG_ID) : apic_read(APIC_REG_ID) >> 24;
}

void apic_eoi(void)
{
	if (apic_up())
		apic_write(APIC_REG_EOI, 0);
}

void apic_self_ipi(u8 vector)
{
	if (x2apic) { /* the SELF IPI register (SDM 11.12.11) */
		wrmsr(MSR_X2APIC_SELF_IPI, vector);
		return;
	}
	/* Destination shorthand "self" (bits 19:18 = 01), fixed delivery. */
	apic_write(APIC_REG_ICR_HI, 0);
	apic_write(APIC_REG_ICR_LO, (1u << 18) | vector);
}
