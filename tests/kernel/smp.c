/* Suite smp: the application processors the MADT lists are started, each
 * runs what it is sent and says who it is, flushes land on exactly the CPUs
 * asked, and a CPU that does not answer costs a deadline, not the run. */
#include "arch/x86/apic.h"
#include "arch/x86/smp.h"
#include "arch/x86/tsc.h"
#include "lib/errno.h"
#include "lib/test.h"
#include "kernel/kstate.h"

#define PARK_US 2000000 /* a parked AP gives up by itself after this */
#define LATE_US 20000	/* the deadline a call to the parked AP gets */

static void need_two_cpus(void)
{
	if (cpumask_weight(smp_online_mask()) < 2)
		test_skip("one CPU");
}

static const char *state_name(u32 s)
{
	static const char *const names[] = {
		[CPU_ABSENT] = "absent",
		[CPU_HOTPLUG] = "hot-plug slot",
		[CPU_STARTING] = "starting",
		[CPU_ONLINE] = "online",
		[CPU_NO_ANSWER] = "no answer",
		[CPU_UNREACHABLE] = "unreachable",
	};

	return s < ARRAY_SIZE(names) ? names[s] : "?";
}

TEST(smp, cpus_started_match_the_madt)
{
	const struct smp_info *i = smp_info();
	int want = kstate.opts.expect_cpus;

	test_diag("%u online of %u enabled in the MADT (%u hot-plug, %u "
		  "unreachable), %u needed a second SIPI, trampoline 0x%lx, "
		  "bring-up %lu us",
		  i->online, i->madt_enabled, i->madt_hotplug, i->unreachable,
		  i->second_sipi, i->trampoline, i->bringup_us);
	for (unsigned cpu = 1; smp_percpu(cpu); cpu++) {
		const struct percpu *pc = smp_percpu(cpu);
		if (pc->state == CPU_ONLINE || pc->state == CPU_NO_ANSWER)
			test_diag(
			    "cpu %u: APIC id %u, %s %lu us after its SIPI", cpu,
			    pc->apic_id, state_name(pc->state), pc->online_us);
		else
			test_diag("cpu %u: APIC id %u, %s", cpu, pc->apic_id,
				  state_name(pc->state));
	}
	EXPECT_EQ(i->no_answer, 0);
	EXPECT_EQ(cpumask_weight(smp_online_mask()), i->online);
	if (want >= 0)
		EXPECT_EQ(i->online, want);
	else
		EXPECT_EQ(i->online, i->madt_enabled ?: 1);
	EXPECT_TRUE(i->trampoline < 0x100000);
}

struct whoami {
	u32 cpu[MAX_CPUS], apic[MAX_CPUS];
};

static void report_self(void *arg)
{
	struct whoami *w = arg;
	unsigned cpu = smp_cpu();

	w->cpu[cpu] = cpu;
	w->apic[cpu] = apic_id();
}

TEST(smp, each_cpu_reports_its_number_and_apic_id)
{
	struct whoami w;
	unsigned cpu;

	need_two_cpus();
	for (cpu = 0; cpu < MAX_CPUS; cpu++)
		w.cpu[cpu] = w.apic[cpu] = ~0u;
	ASSERT_OK(on_cpus(smp_online_mask(), report_self, &w));
	for_each_cpu(cpu, smp_online_mask())
	{
		EXPECT_EQ(w.cpu[cpu], cpu);
		EXPECT_EQ(w.apic[cpu], smp_percpu(cpu)->apic_id);
	}
}

static bool flushes_land_on(cpumask_t mask)
{
	u64 before[MAX_CPUS];
	unsigned cpu;
	bool ok = true;

	for_each_cpu(cpu, smp_online_mask())
	    before[cpu] = smp_counter(cpu, PCPU_WBINVD);
	ok &= EXPECT_OK(wbinvd_on_cpus(mask));
	for_each_cpu(cpu, smp_online_mask())
	    ok &= EXPECT_EQ(smp_counter(cpu, PCPU_WBINVD) - before[cpu],
			    cpumask_test(mask, cpu) ? 1 : 0);
	return ok;
}

TEST(smp, wbinvd_lands_on_exactly_the_cpus_asked)
{
	cpumask_t both = cpumask_of(0);

	need_two_cpus();
	cpumask_set(&both, 1);
	if (!flushes_land_on(cpumask_of(0)))
		test_diag("mask {0}");
	if (!flushes_land_on(cpumask_of(1)))
		test_diag("mask {1}");
	if (!flushes_land_on(both))
		test_diag("mask {0,1}");
	if (!flushes_land_on(smp_online_mask()))
		test_diag("every online CPU");
}

TEST(smp, call_to_a_cpu_without_a_number_is_refused)
{
	unsigned past = 0;

	while (smp_percpu(past))
		past++;
	if (past >= MAX_CPUS)
		test_skip("every logical number is taken");
	EXPECT_EQ(on_cpus(cpumask_of(past), report_self, NULL), -EINVAL);
	EXPECT_EQ(smp_kick(past), -EINVAL);
	cpumask_t m = cpumask_none();
	EXPECT_FALSE(cpumask_set(&m, MAX_CPUS));
	EXPECT_TRUE(cpumask_empty(m));
}

struct park {
	volatile u32 parked, release;
};

/* Interrupts off until released (or PARK_US): the IPI waits at the APIC. */
static void park(void *arg)
{
	struct park *p = arg;

	asm volatile("cli" ::: "memory");
	p->parked = 1;
	WAIT_FOR(p->release, PARK_US);
	asm volatile("sti" ::: "memory");
}

static void count(void *arg)
{
	__atomic_fetch_add((u32 *)arg, 1, __ATOMIC_RELAXED);
}

TEST(smp, call_to_a_parked_cpu_times_out_and_is_withdrawn)
{
	static struct park p;
	struct smp_async h;
	cpumask_t late;
	u32 ran = 0;

	need_two_cpus();
	p.parked = p.release = 0;
	ASSERT_OK(smp_call_async(1, park, &p, &h));
	ASSERT_OK(WAIT_FOR(p.parked, 100000));
	u64 t0 = tsc_read_us();
	int err = on_cpus_deadline(cpumask_of(1), count, &ran, LATE_US, &late);
	u64 took = tsc_read_us() - t0;
	p.release = 1;
	test_diag("answered -ETIMEDOUT after %lu us (deadline %u us)", took,
		  LATE_US);
	EXPECT_EQ(err, -ETIMEDOUT);
	EXPECT_TRUE(cpumask_equal(late, cpumask_of(1)));
	EXPECT_LT(took, 10 * LATE_US);
	ASSERT_OK(smp_async_wait(&h, 2 * PARK_US));
	/* The withdrawn request never runs; the CPU answers again. */
	EXPECT_OK(on_cpus(cpumask_of(1), count, &ran));
	EXPECT_EQ(ran, 1);
}

TEST(smp, call_to_a_cpu_never_started_times_out)
{
	cpumask_t dead = smp_mask(CPU_HOTPLUG), late;
	unsigned cpu;

	dead = cpumask_or(dead, smp_mask(CPU_NO_ANSWER));
	if (cpumask_empty(dead))
		test_skip("the MADT lists no processor that is not started");
	for_each_cpu(cpu, dead)
	{
		u64 t0 = tsc_read_us();
		EXPECT_EQ(on_cpus_deadline(cpumask_of(cpu), count, NULL,
					   LATE_US, &late),
			  -ETIMEDOUT);
		EXPECT_TRUE(cpumask_equal(late, cpumask_of(cpu)));
		test_diag("cpu %u (APIC id %u): -ETIMEDOUT after %lu us", cpu,
			  smp_percpu(cpu)->apic_id, tsc_read_us() - t0);
		EXPECT_EQ(smp_kick(cpu), -ENODEV);
	}
}

struct vcpu_like {
	volatile u32 started, request, answered;
	u32 ran_on;
};

/* What the VM layer does on CPU 1: run until CPU 0 raises a request, with
 * interrupts on (halted in between, as a vCPU waits in guest mode). */
static void run_until_request(void *arg)
{
	struct vcpu_like *v = arg;

	v->ran_on = smp_cpu();
	v->started = 1;
	for (struct wait w = wait_start(PARK_US);
	     !v->request && !wait_over(&w);)
		wait_pause(&w);
	v->answered = v->request;
}

static void nothing(void *arg)
{
}

TEST(smp, async_run_on_cpu_1_while_cpu_0_waits)
{
	static struct vcpu_like v;
	struct smp_async h;
	u64 kicks = smp_counter(1, PCPU_KICK);

	need_two_cpus();
	v = (struct vcpu_like){ 0 };
	ASSERT_OK(smp_call_async(1, run_until_request, &v, &h));
	EXPECT_EQ(smp_call_async(1, nothing, NULL, &h), -EBUSY);
	ASSERT_OK(WAIT_FOR(v.started, 100000));
	EXPECT_FALSE(smp_async_done(&h));
	/* It still answers calls and kicks while it runs. */
	EXPECT_OK(on_cpus(cpumask_of(1), nothing, NULL));
	EXPECT_OK(smp_kick(1));
	EXPECT_OK(WAIT_FOR(smp_counter(1, PCPU_KICK) == kicks + 1, 100000));
	v.request = 1;
	ASSERT_OK(smp_async_wait(&h, 2 * PARK_US));
	EXPECT_EQ(v.ran_on, 1);
	EXPECT_EQ(v.answered, 1);
	EXPECT_EQ(smp_call_async(0, nothing, NULL, &h), -EINVAL);
}

struct from_ap {
	int err;
	u64 flushes0;
};

static void flush_both_from_here(void *arg)
{
	struct from_ap *r = arg;
	cpumask_t both = cpumask_of(0);

	cpumask_set(&both, 1);
	r->err = wbinvd_on_cpus(both);
}

/* The KVM case: a vCPU on CPU 1 flushes every CPU it ran on, CPU 0 (busy
 * in a wait of its own, interrupts on) included. */
TEST(smp, an_ap_flushes_cpu_0_while_cpu_0_waits)
{
	static struct from_ap r;
	struct smp_async h;
	u64 w0 = smp_counter(0, PCPU_WBINVD), w1 = smp_counter(1, PCPU_WBINVD);

	need_two_cpus();
	r.err = 1;
	ASSERT_OK(smp_call_async(1, flush_both_from_here, &r, &h));
	ASSERT_OK(smp_async_wait(&h, 2 * SMP_CALL_US));
	EXPECT_OK(r.err);
	EXPECT_EQ(smp_counter(0, PCPU_WBINVD), w0 + 1);
	EXPECT_EQ(smp_counter(1, PCPU_WBINVD), w1 + 1);
}

#define ROUNDS 50

struct crossfire {
	u32 hits[MAX_CPUS];
	int err; /* the AP's first error */
};

static void hit(void *arg)
{
	__atomic_fetch_add(&((u32 *)arg)[smp_cpu()], 1, __ATOMIC_RELAXED);
}

static void call_all_rounds(void *arg)
{
	struct crossfire *x = arg;

	for (unsigned i = 0; i < ROUNDS && !x->err; i++)
		x->err = on_cpus(smp_online_mask(), hit, x->hits);
}

/* CPU 0 and CPU 1 call every CPU at once, each waiting with interrupts on:
 * each answers the other's calls while its own are out, and with three
 * CPUs or more both compete for the same targets' slots. */
TEST(smp, two_callers_at_once_both_complete)
{
	static struct crossfire x;
	struct smp_async h;
	unsigned cpu;
	int err = 0;

	need_two_cpus();
	x = (struct crossfire){ { 0 }, 0 };
	ASSERT_OK(smp_call_async(1, call_all_rounds, &x, &h));
	for (unsigned i = 0; i < ROUNDS && !err; i++)
		err = on_cpus(smp_online_mask(), hit, x.hits);
	EXPECT_OK(err);
	ASSERT_OK(smp_async_wait(&h, 2 * SMP_CALL_US));
	EXPECT_OK(x.err);
	for_each_cpu(cpu, smp_online_mask()) EXPECT_EQ(x.hits[cpu], 2 * ROUNDS);
}

static void idle_10ms(void *arg)
{
	u64 t0 = tsc_read_us();

	apic_idle(10000);
	*(u64 *)arg = tsc_read_us() - t0;
}

/* apic_idle() on an AP waits as long as on the BSP: its timer divides as
 * the BSP's, which apic_timer_khz() was measured with. */
TEST(smp, apic_timer_on_an_ap_idles_as_long_as_asked)
{
	struct smp_async h;
	static u64 took;

	need_two_cpus();
	ASSERT_OK(smp_call_async(1, idle_10ms, (void *)&took, &h));
	ASSERT_OK(smp_async_wait(&h, 1000000));
	test_diag("apic_idle(10000) on cpu 1 lasted %lu us", took);
	EXPECT_GE(took, 9000);
	EXPECT_LT(took, 30000);
}

static void fault(void *arg)
{
	*(volatile u64 *)arg = 0; /* unmapped: #PF */
}

TEST(smp, exception_on_an_ap_fails_the_call_and_the_ap_recovers)
{
	u64 exc = smp_counter(1, PCPU_EXCEPTION);
	u32 ran = 0;

	cpumask_t late;

	need_two_cpus();
	/* The AP prints its exception report: on a framebuffer console that
	 * may redraw the whole screen (a jump scroll), seconds under TCG, so
	 * the call gets more than on_cpus()'s default second. */
	EXPECT_EQ(on_cpus_deadline(cpumask_of(1), fault, (void *)(1ULL << 46),
				   10000000, &late),
		  -EFAULT);
	EXPECT_EQ(smp_counter(1, PCPU_EXCEPTION), exc + 1);
	EXPECT_OK(on_cpus(cpumask_of(1), count, &ran));
	EXPECT_EQ(ran, 1);
}
