/* Cross-CPU calls, kicks and the APs' idle loop. The protocol of a slot is
 * in percpu.h; every wait has a deadline (tsc.h). A synchronous call runs
 * in the target's interrupt handler, as Linux's smp_call_function_many()
 * (kernel/smp.c) does; an asynchronous one in the target's idle loop. */
#include "arch/x86/apic.h"
#include "arch/x86/console.h"
#include "arch/x86/cpu.h"
#include "arch/x86/smp.h"
#include "arch/x86/trap.h"
#include "arch/x86/tsc.h"
#include "lib/errno.h"
#include "lib/setjmp.h"

static u32 slot_state(struct smp_slot *s)
{
	return __atomic_load_n(&s->state, __ATOMIC_ACQUIRE);
}

static bool slot_move(struct smp_slot *s, u32 from, u32 to)
{
	return __atomic_compare_exchange_n(&s->state, &from, to, false,
					   __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
}

static bool slot_done(struct smp_slot *s, u64 seq)
{
	return __atomic_load_n(&s->done, __ATOMIC_ACQUIRE) >= seq;
}

static void slot_finish(struct smp_slot *s, bool faulted)
{
	if (faulted)
		s->faulted = s->seq;
	__atomic_store_n(&s->done, s->seq, __ATOMIC_RELEASE);
	__atomic_store_n(&s->state, SLOT_IDLE, __ATOMIC_RELEASE);
}

/* Fill a claimed slot and publish it; returns the request's seq. */
static u64 slot_publish(struct smp_slot *s, smp_fn_t fn, void *arg)
{
	s->fn = fn;
	s->arg = arg;
	u64 seq = ++s->seq;
	__atomic_store_n(&s->state, SLOT_PENDING, __ATOMIC_RELEASE);
	return seq;
}

static void slot_run(struct smp_slot *s, bool *in, enum percpu_counter c)
{
	if (!slot_move(s, SLOT_PENDING, SLOT_RUNNING))
		return;
	*in = true;
	s->fn(s->arg);
	*in = false;
	smp_count(c);
	slot_finish(s, false);
}

static void call_ipi(struct trap_frame *f, void *ctx)
{
	struct percpu *pc = smp_this();

	slot_run(&pc->sync, &pc->in_sync, PCPU_CALL);
}

static void kick_ipi(struct trap_frame *f, void *ctx)
{
	smp_count(PCPU_KICK);
}

/* An exception on an AP: report it, finish the requests it broke as
 * faulted, and go back to the idle loop. The BSP's go to the harness. */
static bool ap_exception(struct trap_frame *f)
{
	struct percpu *pc = smp_this();

	if (!pc || pc->cpu == 0)
		return false;
	kprintf("# EXCEPTION on cpu %u: %s (vector %lu) error 0x%lx RIP 0x%lx "
		"CR2 0x%lx\n",
		pc->cpu, trap_name(f->vector), f->vector, f->error, f->rip,
		read_cr2());
	smp_count(PCPU_EXCEPTION);
	if (pc->in_sync)
		slot_finish(&pc->sync, true);
	if (pc->in_async)
		slot_finish(&pc->async, true);
	pc->in_sync = pc->in_async = false;
	klongjmp(&pc->idle_jmp, 1);
}

void smp_calls_init(void);
void smp_calls_init(void)
{
	trap_set_handler(VEC_SMP_CALL, call_ipi, NULL);
	trap_set_handler(VEC_SMP_KICK, kick_ipi, NULL);
	trap_set_exception_hook(ap_exception);
}

/* An AP's life after bring-up: halt with interrupts on; run the async
 * request when one is published. STI's one-instruction shadow keeps the
 * IPI that publishes it from slipping in between the check and HLT. */
__attribute__((noreturn)) void smp_idle(void);
__attribute__((noreturn)) void smp_idle(void)
{
	struct percpu *pc = smp_this();

	if (ksetjmp(&pc->idle_jmp))
		trap_recover(); /* EOIs owed by the handler that faulted */
	for (;;) {
		irq_disable();
		if (slot_state(&pc->async) == SLOT_PENDING) {
			irq_enable();
			slot_run(&pc->async, &pc->in_async, PCPU_ASYNC);
			continue;
		}
		asm volatile("sti; hlt" ::: "memory");
	}
}

/* Logical CPUs a call may name: the table's, or the BSP alone before it. */
static cpumask_t possible(void)
{
	unsigned n = percpu_nr();

	return cpumask_first_n(n ? n : 1);
}

static bool send(struct percpu *pc, struct smp_slot *s, smp_fn_t fn, void *arg,
		 u64 *seq, struct wait *w)
{
	while (!slot_move(s, SLOT_IDLE, SLOT_CLAIMED)) {
		if (wait_over(w))
			return false;
		wait_pause(w);
	}
	*seq = slot_publish(s, fn, arg);
	if (!apic_send_ipi(pc->apic_id, APIC_ICR_FIXED | VEC_SMP_CALL))
		return true;
	if (slot_move(s, SLOT_PENDING, SLOT_IDLE))
		return false;
	return true; /* it ran anyway (a wake-up from an earlier IPI) */
}

/* Wait for the request; at the deadline, withdraw it if it has not
 * started. True when it completed. */
static bool collect(struct smp_slot *s, u64 seq, struct wait *w)
{
	while (!slot_done(s, seq) && !wait_over(w))
		wait_pause(w);
	if (slot_done(s, seq))
		return true;
	slot_move(s, SLOT_PENDING, SLOT_IDLE);
	return slot_done(s, seq);
}

int on_cpus_deadline(cpumask_t mask, smp_fn_t fn, void *arg, u64 us,
		     cpumask_t *late)
{
	unsigned self = smp_cpu(), cpu;
	cpumask_t sent = cpumask_none(), fail = cpumask_none();
	struct wait w = wait_start(us);
	u64 seq[MAX_CPUS];
	int err = 0;

	if (late)
		*late = cpumask_none();
	if (!cpumask_empty(cpumask_andnot(mask, possible())))
		return -EINVAL;
	for_each_cpu(cpu, mask)
	{
		struct percpu *pc = smp_percpu(cpu);
		if (cpu == self)
			continue;
		if (send(pc, &pc->sync, fn, arg, &seq[cpu], &w))
			cpumask_set(&sent, cpu);
		else
			cpumask_set(&fail, cpu);
	}
	if (cpumask_test(mask, self)) {
		fn(arg);
		smp_count(PCPU_CALL);
	}
	for_each_cpu(cpu, sent)
	{
		struct smp_slot *s = &smp_percpu(cpu)->sync;
		if (!collect(s, seq[cpu], &w))
			cpumask_set(&fail, cpu);
		else if (__atomic_load_n(&s->faulted, __ATOMIC_ACQUIRE) ==
			 seq[cpu])
			err = -EFAULT;
	}
	if (late)
		*late = fail;
	return cpumask_empty(fail) ? err : -ETIMEDOUT;
}

int on_cpus(cpumask_t mask, smp_fn_t fn, void *arg)
{
	cpumask_t late;
	unsigned cpu;
	int err = on_cpus_deadline(mask, fn, arg, SMP_CALL_US, &late);

	for_each_cpu(cpu, late)
	    kprintf("# smp: cpu %u (APIC id %u) did not answer within "
		    "%u ms\n",
		    cpu, smp_percpu(cpu)->apic_id, SMP_CALL_US / 1000);
	return err;
}

static void wbinvd_here(void *arg)
{
	wbinvd();
	smp_count(PCPU_WBINVD);
}

int wbinvd_on_cpus(cpumask_t mask)
{
	return on_cpus(mask, wbinvd_here, NULL);
}

int smp_kick(unsigned cpu)
{
	struct percpu *pc = smp_percpu(cpu);

	if (!pc || cpu == smp_cpu())
		return -EINVAL;
	if (!smp_cpu_online(cpu))
		return -ENODEV;
	return apic_send_ipi(pc->apic_id, APIC_ICR_FIXED | VEC_SMP_KICK);
}

int smp_call_async(unsigned cpu, smp_fn_t fn, void *arg, struct smp_async *h)
{
	struct percpu *pc = smp_percpu(cpu);

	if (!pc || cpu == 0 || cpu == smp_cpu())
		return -EINVAL;
	if (!smp_cpu_online(cpu))
		return -ENODEV;
	if (!slot_move(&pc->async, SLOT_IDLE, SLOT_CLAIMED))
		return -EBUSY;
	h->cpu = cpu;
	h->seq = slot_publish(&pc->async, fn, arg);
	/* The call vector only wakes the idle loop: the sync slot is empty. */
	if (!apic_send_ipi(pc->apic_id, APIC_ICR_FIXED | VEC_SMP_CALL) ||
	    !slot_move(&pc->async, SLOT_PENDING, SLOT_IDLE))
		return 0;
	return -EIO;
}

bool smp_async_done(const struct smp_async *h)
{
	struct percpu *pc = smp_percpu(h->cpu);

	return pc && slot_done(&pc->async, h->seq);
}

int smp_async_wait(const struct smp_async *h, u64 us)
{
	struct percpu *pc = smp_percpu(h->cpu);

	if (!pc)
		return -EINVAL;
	if (WAIT_FOR(slot_done(&pc->async, h->seq), us))
		return -ETIMEDOUT;
	return __atomic_load_n(&pc->async.faulted, __ATOMIC_ACQUIRE) == h->seq
		   ? -EFAULT
		   : 0;
}
