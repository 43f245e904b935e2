/* Application processors and cross-CPU calls.
 *
 * smp_init() starts every processor the MADT marks enabled with
 * INIT-SIPI(-SIPI) (SDM vol. 3A 9.4.4.1) and leaves it idling, interrupts
 * on, in HLT. CPUs are named by logical number (0 is the boot CPU), never
 * by APIC id. Every wait has a deadline: an AP that does not check in, or
 * does not answer a call, is reported and counted, never waited on forever.
 *
 * Calls come in two kinds:
 *  - on_cpus(): synchronous; the function runs in the target's IPI handler
 *    (interrupts off, as Linux's smp_call_function_many), so it must be
 *    short and must not wait for interrupts. The caller may be any CPU.
 *  - smp_call_async(): the function runs on an idle AP in its idle loop,
 *    interrupts on, for as long as it likes (a vCPU run loop); the caller
 *    collects it with smp_async_wait(). An AP running an async function
 *    still answers on_cpus() and kicks, by interrupt.
 * A function run on an AP must not use the test harness (EXPECT_*,
 * test_diag): its state is the BSP's. Record results for the caller to
 * check. The console takes no lock: APs print only their exceptions. */
#ifndef ARCH_X86_SMP_H
#define ARCH_X86_SMP_H

#include "arch/x86/cpumask.h"
#include "arch/x86/percpu.h"
#include "boot/bootinfo.h"

/* Default deadline of a call, and of an AP's check-in after its SIPI: an
 * AP answers in microseconds, but an emulator's vCPU thread without
 * -icount may wait for the host's scheduler (218 ms seen for QEMU 10.0
 * with another lane's QEMU on the same 2 cores); Linux waits 10 s. A
 * slow deadline costs only where an AP never answers. */
#define SMP_CALL_US   1000000
#define SMP_ONLINE_MS 1000
#define SMP_ONLINE_US (SMP_ONLINE_MS * 1000)

/* Parse the MADT and start the APs. Needs mm, the TSC, the BSP's APIC and
 * the IDT; @bi's memory map places the trampoline. Returns 0, or a
 * negative errno when no AP could be tried (no MADT: one CPU). APs that
 * fail are recorded (smp_info) and reported. */
int smp_init(const struct boot_info *bi);

struct smp_info {
	unsigned madt_enabled; /* marked enabled, the BSP included */
	unsigned madt_hotplug; /* online capable, not enabled: not started */
	unsigned nr_cpus;      /* logical numbers given (enabled + hot-plug) */
	unsigned online;       /* checked in, BSP included */
	unsigned no_answer;    /* started and never checked in */
	unsigned unreachable;  /* x2APIC ids beyond xAPIC's reach */
	unsigned second_sipi;  /* APs that needed the second SIPI */
	hpa_t trampoline;      /* page the APs started at; 0 if none */
	u64 bringup_us;	       /* the whole bring-up */
	int err;	       /* smp_init()'s result */
	const char *why;       /* what went wrong, or NULL */
};
const struct smp_info *smp_info(void);

/* Run fn(arg) on every CPU in @mask, the caller's own included when it is
 * in @mask, and return when all have finished: 0; -EINVAL for a CPU that
 * has no logical number; -ETIMEDOUT when some did not finish within
 * SMP_CALL_US (each named on the console); -EFAULT when fn raised an
 * exception on some CPU. A request not yet started at the deadline is
 * withdrawn and never runs; one still running is reported and left to
 * finish, so fn must not write to the caller's stack after a timeout.
 * A caller with interrupts off answers no call meanwhile: two such callers
 * naming each other both time out. */
int on_cpus(cpumask_t mask, smp_fn_t fn, void *arg);
/* The same with a deadline of @us; the CPUs that did not finish in
 * @late (may be NULL). Prints nothing. */
int on_cpus_deadline(cpumask_t mask, smp_fn_t fn, void *arg, u64 us,
		     cpumask_t *late);
/* WBINVD on every CPU in @mask, counted by each CPU (PCPU_WBINVD), as
 * Linux's wbinvd_on_cpus_mask. Returns as on_cpus(). */
int wbinvd_on_cpus(cpumask_t mask);
/* An IPI whose handler only counts (PCPU_KICK) and returns: forces a CPU
 * out of guest mode. Does not wait for it. 0, -EINVAL (no such CPU, or
 * the caller itself), -ENODEV (not online), or -EIO (the APIC did not
 * accept the IPI). */
int smp_kick(unsigned cpu);

struct smp_async {
	unsigned cpu;
	u64 seq;
};
/* Start fn(arg) on the idle AP @cpu, interrupts on, and return at once.
 * -EINVAL for CPU 0, the caller or no such CPU; -ENODEV when @cpu is not
 * online; -EBUSY when its previous async call is still pending or running. */
int smp_call_async(unsigned cpu, smp_fn_t fn, void *arg, struct smp_async *h);
bool smp_async_done(const struct smp_async *h);
/* Wait at most @us for the call: 0, -ETIMEDOUT (still queued or running:
 * call again later), or -EFAULT (fn raised an exception). */
int smp_async_wait(const struct smp_async *h, u64 us);

#endif
