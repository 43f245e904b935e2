/* TSC calibration against PIT channel 2, gated through port 0x61 (the
 * classic method: the PIT runs at 1.193182 MHz on every PC). */
#include "arch/x86/tsc.h"
#include "arch/x86/pit.h"

#define CAL_MS 10

static u64 khz = 1000000; /* until calibrated: assume 1 GHz */

int tsc_calibrate(void)
{
	u16 count = (u16)(PIT_HZ * CAL_MS / 1000);
	u8 gate = inb(PIT_GATE);
	u64 t0, t1;

	outb(PIT_GATE, (gate & ~0x02) | 0x01); /* gate on, speaker off */
	/* The firmware's 18.2 Hz tick on channel 0 (ISA IRQ 0) is stopped:
	 * the kernel keeps time with the TSC and the local APIC timer, and a
	 * periodic timer it never listens to would only wake the machine
	 * (under QEMU -icount, every tick ends a jump of virtual time). */
	outb(PIT_CMD, PIT_CH0_MODE0);
	outb(PIT_CMD, PIT_CH2_MODE0);
	outb(PIT_CH2, count & 0xff);
	outb(PIT_CH2, count >> 8);
	t0 = rdtsc();
	/* Bounded: a missing PIT must not hang the kernel. */
	for (u64 spin = 0; !(inb(PIT_GATE) & 0x20); spin++)
		if (spin > 50000000)
			return -ETIMEDOUT;
	t1 = rdtsc();
	outb(PIT_GATE, gate);
	if (t1 <= t0)
		return -ETIMEDOUT;
	khz = (t1 - t0) / CAL_MS;
	return 0;
}

u64 tsc_khz(void)
{
	return khz;
}

u64 tsc_read_us(void)
{
	return rdtsc() * 1000 / khz;
}

deadline_t deadline_in_us(u64 us)
{
	return rdtsc() + us * khz / 1000;
}

bool deadline_passed(deadline_t d)
{
	return rdtsc() >= d;
}

/* Nothing to poll: where it can, the CPU halts for all that is left (an
 * interrupt ends a halt early, and the loop halts again). */
void udelay(u64 us)
{
	struct wait w = wait_start(us);
	bool halt = wait_can_halt();

	while (!wait_over(&w))
		if (halt)
			wait_sleep(&w);
		else
			cpu_relax();
}

static void (*halt_fn)(u32 us);

void tsc_set_halt(void (*halt)(u32 us))
{
	halt_fn = halt;
}

struct wait wait_start(u64 us)
{
	return (struct wait){ .end = deadline_in_us(us) };
}

bool wait_over(const struct wait *w)
{
	return deadline_passed(w->end);
}

bool wait_can_halt(void)
{
	return halt_fn && (read_rflags() & X86_RFLAGS_IF);
}

/* Microseconds to the deadline (at least 1), or 0 when it has passed. */
static u64 us_left(const struct wait *w)
{
	u64 now = rdtsc();

	return now >= w->end ? 0 : (w->end - now) * 1000 / khz + 1;
}

void wait_pause(struct wait *w)
{
	u64 left = w->pauses >= WAIT_SPINS && wait_can_halt() ? us_left(w) : 0;

	w->pauses++;
	if (!left) {
		cpu_relax();
		return;
	}
	u32 shift = MIN(w->pauses - 1 - WAIT_SPINS, 14u); /* 8 us << 14 */
	halt_fn((u32)MIN(8ULL << shift, left));
}

void wait_sleep(struct wait *w)
{
	u64 left = halt_fn ? us_left(w) : 0;

	w->pauses++;
	if (left) {
		halt_fn((u32)MIN(left, 0xffffffffULL));
	} else {
		irq_enable();
		cpu_relax();
	}
}
