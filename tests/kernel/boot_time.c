/* Suite boot, its timed waits: the bounded wait every hardware wait goes
 * through (arch/x86/tsc.h), and the local APIC timer armed for a deadline,
 * the VMs' watchdog. The suite's other tests: boot.c. */
#include "arch/x86/apic.h"
#include "arch/x86/percpu.h"
#include "arch/x86/trap.h"
#include "arch/x86/tsc.h"
#include "kernel/kstate.h"
#include "lib/test.h"

#define HALTS_MAX 32

/* What each halt of the wait under test was asked for, how long the
 * wait had taken just before the pause that asked, and how long it had
 * left as the halt began: the pause saw no less taken, no less left. */
static const struct wait *halting;
static struct {
	u32 asked;
	u64 taken_us, left_us;
} halts[HALTS_MAX];
static unsigned nr_halts;
static u64 before_taken;

static u64 tsc_us(u64 ticks)
{
	return ticks * 1000 / tsc_khz();
}

static void record_halt(u32 us)
{
	u64 now = rdtsc();

	if (nr_halts < HALTS_MAX) {
		halts[nr_halts].asked = us;
		halts[nr_halts].taken_us = before_taken;
		halts[nr_halts].left_us = halting->end > now
					      ? tsc_us(halting->end - now)
					      : 0;
	}
	nr_halts++;
	apic_idle(us);
}

/* A wait for a condition that never comes (20 ms): after its spins, each
 * pause halts for as long as the wait has already taken (at least
 * WAIT_HALT_MIN_US, at most WAIT_HALT_MAX_US), unless the deadline is
 * nearer. So a wait overshoots by at most the time it has waited, and
 * where the spins are slow (QEMU -icount: a microsecond an instruction)
 * the first halt is as long as they took instead of 8 us: every halt
 * there is a round trip through QEMU's main loop. */
TEST(boot, wait_halts_as_long_as_it_has_waited)
{
	const u64 us = 20000;
	struct wait w;
	u64 t0, took;

	ASSERT_OK(kstate.apic_err);
	nr_halts = 0;
	tsc_set_halt(record_halt);
	t0 = rdtsc();
	w = wait_start(us);
	halting = &w;
	while (!wait_over(&w)) {
		before_taken = tsc_us(rdtsc() - w.start);
		wait_pause(&w);
	}
	took = tsc_us(rdtsc() - t0);
	tsc_set_halt(apic_idle);
	halting = NULL;

	test_diag("a %lu us wait took %lu us: %u pauses, %u halts, the first "
		  "for %u us after %lu us of spins",
		  us, took, w.pauses, nr_halts, nr_halts ? halts[0].asked : 0,
		  nr_halts ? halts[0].taken_us : 0);
	EXPECT_GE(took, us);
	EXPECT_GT(nr_halts, 0);
	/* Doubling from 8 us: at most log2(20000 / 8) + 2 halts. */
	EXPECT_LE(nr_halts, 14);
	for (unsigned i = 0; i < MIN(nr_halts, HALTS_MAX); i++) {
		/* What it had taken, or else what it had left. */
		u64 want = MIN(MIN(MAX(halts[i].taken_us, WAIT_HALT_MIN_US),
				   WAIT_HALT_MAX_US),
			       halts[i].left_us);
		if (halts[i].asked < want)
			test_fail(
			    "halt %u asked %u us after %lu us waited (%lu "
			    "left): less than it has waited",
			    i, halts[i].asked, halts[i].taken_us,
			    halts[i].left_us);
	}
}

static volatile unsigned woken;

static void on_wake_ipi(struct trap_frame *f, void *ctx)
{
	woken++;
}

static u64 timer_left_us(void)
{
	return (u64)apic_timer_count() * 1000 / apic_timer_khz();
}

/* apic_timer_until(), a VM's watchdog, asked before every entry: a second
 * call for the same deadline writes nothing (under QEMU -icount each write
 * wakes its main loop). Once something else wrote the timer (an idle cut
 * short by an interrupt, its own longer count still running) the next call
 * arms it again: the timer then ends by the deadline, not the idle's. */
TEST(boot, apic_timer_until_arms_once_per_deadline)
{
	unsigned cpu = smp_cpu();
	deadline_t end = deadline_in_us(50000);
	u64 w, idle_left, until_left;

	ASSERT_OK(kstate.apic_err);
	apic_timer_until(cpu, end);
	w = apic_timer_writes();
	apic_timer_until(cpu, end);
	EXPECT_EQ(apic_timer_writes(), w);
	EXPECT_GT(apic_timer_count(), 0);

	woken = 0;
	trap_set_handler(VEC_TEST, on_wake_ipi, NULL);
	irq_disable();
	apic_self_ipi(VEC_TEST); /* pending: ends the halt at once */
	apic_idle(200000);	 /* returns with interrupts on */
	idle_left = timer_left_us();
	apic_timer_until(cpu, end);
	until_left = timer_left_us();
	trap_set_handler(VEC_TEST, NULL, NULL);
	EXPECT_EQ(apic_timer_writes(), w + 2);
	apic_timer_until(cpu, 0);
	EXPECT_EQ(apic_timer_count(), 0);

	test_diag("an idle for 200000 us cut short left %lu us on the timer; "
		  "armed again for the deadline, %lu us",
		  idle_left, until_left);
	EXPECT_EQ(woken, 1);
	/* The idle's count outlived the deadline (unless a host held this
	 * CPU back for 150 ms between the two reads). */
	EXPECT_GT(idle_left, 50000);
	EXPECT_LE(until_left, 50000);
}
