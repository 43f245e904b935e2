/* TSC calibration: from CPUID leaf 15H where it states the frequency,
 * else measured against channel 2 of the 8254 PIT, gated through port
 * 0x61 (the classic method: 1.193182 MHz on every PC), else against the
 * HPET's main counter: recent boards may leave the 8254 clock-gated. */
#include "arch/x86/tsc.h"
#include "arch/x86/hpet.h"
#include "arch/x86/pit.h"

#define CAL_MS 10
/* A reference that has not answered after 2^32 TSC cycles (about a
 * second at 4 GHz) never will: a gated 8254, a stopped HPET. */
#define CAL_GIVE_UP (1ULL << 32)

static u64 khz = 1000000; /* until calibrated: assume 1 GHz */
static const char *source = "none (1 GHz assumed)";

int tsc_khz_cpuid(u64 *out)
{
	struct cpuid_regs r;

	if (cpuid(0, 0).eax < 0x15)
		return -ENODEV;
	r = cpuid(0x15, 0);
	*out = tsc_khz_of_leaf15(r.eax, r.ebx, r.ecx);
	return *out ? 0 : -ENODEV;
}

int tsc_khz_pit(u64 *out)
{
	u16 count = (u16)(PIT_HZ * CAL_MS / 1000);
	u8 gate = inb(PIT_GATE);
	u64 t0, t1;
	int err = 0;

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
	/* Mode 0 drives OUT2 low from the control word until the count runs
	 * out (8254 datasheet): high already, there is no 8254 counting
	 * (QEMU with pit=off reads it high at once, which would make the
	 * TSC a thousand times slower than it is). */
	if (inb(PIT_GATE) & 0x20) {
		outb(PIT_GATE, gate);
		return -ENODEV;
	}
	/* Bounded in TSC cycles and in reads: a gated or missing 8254 must
	 * not hold the boot. */
	for (u64 spin = 0; !(inb(PIT_GATE) & 0x20); spin++)
		if (spin > 50000000 || rdtsc() - t0 > CAL_GIVE_UP) {
			err = -ETIMEDOUT;
			break;
		}
	t1 = rdtsc();
	outb(PIT_GATE, gate);
	if (err || t1 <= t0)
		return -ETIMEDOUT;
	*out = (t1 - t0) / CAL_MS;
	return 0;
}

int tsc_khz_hpet(u64 *out)
{
	struct hpet h;
	int err = hpet_find(&h);

	if (err)
		return err;
	u64 mask = h.wide ? ~0ULL : 0xffffffffULL;
	u64 ticks = CAL_MS * 1000000000000ULL / h.period_fs, n;
	u64 c0 = hpet_counter(&h), t0 = rdtsc(), t;
	do {
		n = (hpet_counter(&h) - c0) & mask;
		t = rdtsc();
		if (t - t0 > CAL_GIVE_UP)
			return -ETIMEDOUT;
	} while (n < ticks);
	/* kHz = cycles / ms, with the time in picoseconds (no overflow for
	 * any TSC below 1.8 THz over 10 ms) */
	*out = (t - t0) * 1000000000ULL / (n * h.period_fs / 1000);
	return *out ? 0 : -ETIMEDOUT;
}

int tsc_calibrate(void)
{
	u64 k;

	if (!tsc_khz_cpuid(&k))
		source = "CPUID.15H";
	else if (!tsc_khz_pit(&k))
		source = "the 8254 PIT";
	else if (!tsc_khz_hpet(&k))
		source = "the HPET";
	else
		return -ETIMEDOUT;
	khz = k;
	return 0;
}

const char *tsc_source(void)
{
	return source;
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
