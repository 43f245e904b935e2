/* TSC calibration: from CPUID leaf 15H where it states the frequency,
 * else measured against channel 2 of the 8254 PIT, gated through port
 * 0x61 (the classic method: 1.193182 MHz on every PC), else against the
 * HPET's main counter, else against the ACPI PM timer: recent boards may
 * leave the 8254 clock-gated and the HPET switched off. */
#include "arch/x86/tsc.h"
#include "arch/x86/hpet.h"
#include "arch/x86/pit.h"
#include "arch/x86/pmtimer.h"

#define CAL_MS 10
/* A reference that has not answered after 2^32 TSC cycles (about a
 * second at 4 GHz) never will: a gated 8254, a stopped HPET. */
#define CAL_GIVE_UP (1ULL << 32)

static u64 khz = 1000000; /* until calibrated: assume 1 GHz */
static const char *source = "none (1 GHz assumed)"; /* or a tsc_refs name */

int tsc_khz_cpuid(u64 *out)
{
	struct cpuid_regs r;

	if (cpuid(0, 0).eax < 0x15)
		return -ENODEV;
	r = cpuid(0x15, 0);
	*out = tsc_khz_of_leaf15(r.eax, r.ebx, r.ecx);
	return *out ? 0 : -ENODEV;
}

/* Each end of a measurement is known to lie between two TSC reads: the
 * one before the access that started (or saw) it and the one after. An
 * SMI or a host that preempts the virtual CPU between them widens that
 * bracket; a measurement whose brackets add up to more than CAL_SLACK
 * (0.1%) of its window is taken again, up to CAL_TRIES times, keeping the
 * narrowest (Linux's pit_calibrate_tsc likewise rejects a loop whose
 * reads took too long). Each end is taken at its bracket's middle. */
#define CAL_TRIES 5
#define CAL_SLACK 1000 /* the brackets may add up to window / CAL_SLACK */

struct cal {
	u64 cycles; /* TSC cycles across the window */
	u64 slack;  /* both brackets' widths */
};

static int best_of(int (*once)(struct cal *, void *), void *ctx, u64 *khz)
{
	struct cal best = { 0, ~0ULL }, c;

	for (unsigned i = 0; i < CAL_TRIES; i++) {
		int err = once(&c, ctx);
		if (err && !i)
			return err;
		if (err) /* it answered before: keep what it gave */
			break;
		if (c.slack < best.slack)
			best = c;
		if (best.slack * CAL_SLACK <= best.cycles)
			break;
	}
	*khz = best.cycles / CAL_MS;
	return *khz ? 0 : -ETIMEDOUT;
}

/* Channel 2 in mode 0 drives OUT2 low from the control word, counts down
 * from the moment its count is written while its gate is on, and drives
 * OUT2 high when the count runs out (8254 datasheet). The caller turns
 * the gate on for every attempt and restores it after the last. */
static int pit_once(struct cal *c, void *ctx)
{
	u16 count = (u16)(PIT_HZ * CAL_MS / 1000);
	u64 s0, s1, e0, e1;
	int err = 0;

	outb(PIT_CMD, PIT_CH2_MODE0);
	outb(PIT_CH2, count & 0xff);
	s0 = rdtsc();
	outb(PIT_CH2, count >> 8);
	s1 = rdtsc();
	/* High already: there is no 8254 counting (QEMU with pit=off reads
	 * it high at once, which would make the TSC a thousand times slower
	 * than it is). */
	if (inb(PIT_GATE) & 0x20)
		return -ENODEV;
	/* Bounded in TSC cycles and in reads: a gated or missing 8254 must
	 * not hold the boot. */
	e0 = s1;
	for (u64 spin = 0;; spin++) {
		u64 t = rdtsc();
		if (inb(PIT_GATE) & 0x20)
			break;
		e0 = t;
		if (spin > 50000000 || t - s1 > CAL_GIVE_UP) {
			err = -ETIMEDOUT;
			break;
		}
	}
	e1 = rdtsc();
	if (err || e1 <= s1)
		return -ETIMEDOUT;
	c->cycles = (e0 + e1) / 2 - (s0 + s1) / 2;
	c->slack = (e1 - e0) + (s1 - s0);
	return 0;
}

int tsc_khz_pit(u64 *out)
{
	u8 gate = inb(PIT_GATE);
	int err;

	/* The firmware's 18.2 Hz tick on channel 0 (ISA IRQ 0) is stopped:
	 * the kernel keeps time with the TSC and the local APIC timer, and a
	 * periodic timer it never listens to would only wake the machine
	 * (under QEMU -icount, every tick ends a jump of virtual time). */
	outb(PIT_CMD, PIT_CH0_MODE0);
	outb(PIT_GATE, (gate & ~0x02) | 0x01); /* gate on, speaker off */
	err = best_of(pit_once, NULL, out);
	outb(PIT_GATE, gate);
	return err;
}

/* A free-running counter of @fs_per_tick femtoseconds a tick, @mask
 * wide (the HPET's main counter, the ACPI PM timer). */
struct counter {
	u64 (*read)(const void *dev);
	const void *dev;
	u64 mask, fs_per_tick;
};

static int counter_once(struct cal *c, void *ctx)
{
	const struct counter *k = ctx;
	u64 ticks = CAL_MS * 1000000000000ULL / k->fs_per_tick, n;
	u64 s0 = rdtsc(), c0 = k->read(k->dev), s1 = rdtsc(), e0, e1;

	do {
		e0 = rdtsc();
		n = (k->read(k->dev) - c0) & k->mask;
		e1 = rdtsc();
		if (e1 - s1 > CAL_GIVE_UP)
			return -ETIMEDOUT;
	} while (n < ticks);
	/* The window is n ticks, not quite CAL_MS: cycles per ms, with the
	 * time in picoseconds (no overflow below 2^34 cycles, more than
	 * CAL_GIVE_UP), scaled to CAL_MS. */
	u64 ps = n * k->fs_per_tick / 1000;
	u64 span = (e0 + e1) / 2 - (s0 + s1) / 2;
	c->cycles = span * 1000000000ULL / ps * CAL_MS;
	c->slack = ((e1 - e0) + (s1 - s0)) * 1000000000ULL / ps * CAL_MS;
	return 0;
}

static u64 read_hpet(const void *dev)
{
	return hpet_counter(dev);
}

static u64 read_pmtimer(const void *dev)
{
	return pmtimer_read(dev);
}

int tsc_khz_hpet(u64 *out)
{
	struct hpet h;
	int err = hpet_find(&h);
	struct counter k = { read_hpet, &h, h.wide ? ~0ULL : 0xffffffffULL,
			     h.period_fs };

	return err ? err : best_of(counter_once, &k, out);
}

int tsc_khz_pmtimer(u64 *out)
{
	struct pmtimer p;
	int err = pmtimer_find(&p);
	struct counter k = { read_pmtimer, &p,
			     p.wide ? 0xffffffffULL : 0xffffffULL,
			     (1000000000000000ULL + PMTIMER_HZ / 2) /
				 PMTIMER_HZ };

	return err ? err : best_of(counter_once, &k, out);
}

const struct tsc_ref tsc_refs[TSC_NR_REFS] = {
	{ "CPUID.15H", tsc_khz_cpuid },
	{ "8254 PIT", tsc_khz_pit },
	{ "HPET", tsc_khz_hpet },
	{ "ACPI PM timer", tsc_khz_pmtimer },
};

int tsc_calibrate(void)
{
	int why = -ENODEV;
	u64 k;

	for (unsigned i = 0; i < TSC_NR_REFS; i++) {
		int err = tsc_refs[i].khz(&k);
		if (!err) {
			source = tsc_refs[i].name;
			khz = k;
			return 0;
		}
		if (err != -ENODEV)
			why = err;
	}
	return why;
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
	return (struct wait){ .start = rdtsc(), .end = deadline_in_us(us) };
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
	u64 taken = (rdtsc() - w->start) * 1000 / khz;
	halt_fn((u32)MIN(MIN(MAX(taken, WAIT_HALT_MIN_US), WAIT_HALT_MAX_US),
			 left));
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
