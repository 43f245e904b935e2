/* Time: the TSC, calibrated once against the PIT, and the one deadline
 * helper every hardware wait in the project goes through (STYLE.md 5). */
#ifndef ARCH_X86_TSC_H
#define ARCH_X86_TSC_H

#include "arch/x86/cpu.h"
#include "lib/errno.h"

/* Calibrate from the first reference that answers: CPUID leaf 15H, the
 * 8254 PIT, the HPET, the ACPI PM timer. 0; else (a 1 GHz TSC is then
 * assumed so that waits still end) -ENODEV when the machine has none of
 * them, or the error of one that is there and did not answer. */
int tsc_calibrate(void);
/* Which reference the kernel's TSC frequency came from ("8254 PIT"), or
 * "none (1 GHz assumed)". */
const char *tsc_source(void);
/* The TSC frequency each reference gives, each on its own: 0 and *khz,
 * -ENODEV (the reference is not there: CPUID.15H states no frequency, no
 * HPET table, a hardware-reduced ACPI platform without a PM timer), -ETIMEDOUT (it never answered: a clock-gated 8254), or
 * another error of hpet_find. Each takes about 10 ms but CPUID's, up to
 * five times that when SMIs or a preempting host disturb the reads that
 * bracket its ends (tsc.c). */
int tsc_khz_cpuid(u64 *khz);
/* What CPUID leaf 15H states, in kHz (SDM vol. 2A, CPUID: the TSC runs at
 * the crystal's ECX Hz times EBX / EAX); 0 when a 0 in any of them says
 * it states nothing. Pure. */
static inline u64 tsc_khz_of_leaf15(u32 eax, u32 ebx, u32 ecx)
{
	return eax && ebx && ecx ? (u64)ecx * ebx / eax / 1000 : 0;
}
int tsc_khz_pit(u64 *khz);
int tsc_khz_hpet(u64 *khz);
int tsc_khz_pmtimer(u64 *khz);
/* The references in the order tsc_calibrate() asks them. */
struct tsc_ref {
	const char *name; /* "8254 PIT" */
	int (*khz)(u64 *khz);
};
#define TSC_NR_REFS 4
extern const struct tsc_ref tsc_refs[TSC_NR_REFS];
u64 tsc_khz(void);
u64 tsc_read_us(void);
/* @us microseconds: halted for all of it where this CPU can halt (an
 * interrupt on the way is taken), spinning otherwise. */
void udelay(u64 us);

typedef u64 deadline_t;
deadline_t deadline_in_us(u64 us);
bool deadline_passed(deadline_t d);

/* A bounded wait: wait_start(), then poll the hardware and call
 * wait_pause() until the condition holds or wait_over(). The first
 * WAIT_SPINS pauses spin (a register that settles in microseconds costs
 * no more than a spin); after them, while this CPU takes interrupts and a
 * timed halt is registered (the local APIC's, once its timer is
 * calibrated), each pause halts for as long as the wait has already
 * taken (at least 8 us, at most about 130 ms, never past the deadline):
 * the intervals double, and a wait overshoots by at most the time it has
 * already waited. A device's interrupt ends a halt at once. Under QEMU
 * with -icount sleep=off virtual time jumps ahead while every CPU halts,
 * so a long timeout costs no wall time, but each halt costs a round trip
 * through QEMU's main loop (about 40 us of wall time, measured on a
 * 2-core virtual machine); there the spins take hundreds of microseconds
 * of virtual time (a microsecond an instruction), and the first halt is
 * that long, not 8 us. A spinning CPU pays for each microsecond in
 * instructions (and with -smp, takes turns from the CPU it waits for). */
struct wait {
	deadline_t start, end;
	u32 pauses;
};
#define WAIT_SPINS	 64
#define WAIT_HALT_MIN_US 8
#define WAIT_HALT_MAX_US (8u << 14)

struct wait wait_start(u64 us);
bool wait_over(const struct wait *w);
void wait_pause(struct wait *w);
/* Whether this CPU can halt in a wait: interrupts on, a halt registered. */
bool wait_can_halt(void);
/* Halt until an interrupt or the deadline: for a wait whose device
 * interrupts when it is done (a spin or short halts would only add
 * wake-ups). The caller, having found wait_can_halt(), disables
 * interrupts before it tests its condition, so that an interrupt after
 * the test stays pending and ends the halt at once; wait_sleep() returns
 * with interrupts enabled. */
void wait_sleep(struct wait *w);
/* The timed halt the waits use: @halt(us) returns after an interrupt or
 * about @us microseconds, interrupts enabled. Registered by the local
 * APIC (a layer above the clock). */
void tsc_set_halt(void (*halt)(u32 us));

/* Poll @cond until it holds or @us microseconds pass, pausing as above.
 * Evaluates to 0 or -ETIMEDOUT. The condition is checked once more after
 * the deadline, so a wait that is preempted at the wrong moment does not
 * report a false timeout. */
#define WAIT_FOR(cond, us) WAIT_FOR_IRQ(cond, us, false)

/* WAIT_FOR for a device that interrupts when @cond comes true: when @irq
 * and wait_can_halt(), @cond is tested with interrupts disabled and the
 * CPU halts until an interrupt (wait_sleep); else as WAIT_FOR. */
#define WAIT_FOR_IRQ(cond, us, irq)                  \
	({                                           \
		struct wait __w = wait_start(us);    \
		bool __h = (irq) && wait_can_halt(); \
		int __r = -ETIMEDOUT;                \
		for (;;) {                           \
			if (__h)                     \
				irq_disable();       \
			if (cond) {                  \
				__r = 0;             \
				break;               \
			}                            \
			if (wait_over(&__w)) {       \
				if (cond)            \
					__r = 0;     \
				break;               \
			}                            \
			if (__h)                     \
				wait_sleep(&__w);    \
			else                         \
				wait_pause(&__w);    \
		}                                    \
		if (__h)                             \
			irq_enable();                \
		__r;                                 \
	})

#endif
