/* Suite kvm_smp: a vCPU on more than one physical CPU (DESIGN.md: "on
 * every CPU the VM used"). It runs on CPU 1 (an asynchronous call: the
 * AP's idle loop runs the vCPU loop) and on CPU 0 in turn: the VMCS is
 * cleared where it was active and loaded where it runs next, the host
 * state is the CPU's own, and under wbinvd=kvm an emulated WBINVD
 * flushes every CPU the vCPU ran on since the last flush, by IPI. */
#include "arch/x86/smp.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "lib/test.h"
#include "tests/kernel/kvm_fix.h"

#define RUN_US 5000000

static struct kvm_fix fix;

struct run_on {
	struct vcpu *v;
	enum vcpu_stop stop;
	int err;
};

static void run_here(void *arg)
{
	struct run_on *r = arg;

	r->err = vcpu_run(r->v, &r->stop);
}

/* Load @steps (on CPU 0) and run them on @cpu to the guest's HLT. */
static bool run_script_on(unsigned cpu, const struct guest_step *s, unsigned nr)
{
	static struct run_on r;
	struct smp_async h;

	if (!EXPECT_OK(vm_load_script(&fix.vm, s, nr)))
		return false;
	r = (struct run_on){ .v = fix.v, .err = -ETIMEDOUT };
	if (cpu == smp_cpu())
		run_here(&r);
	else if (!EXPECT_OK(smp_call_async(cpu, run_here, &r, &h)) ||
		 !EXPECT_OK(smp_async_wait(&h, RUN_US)))
		return false;
	return EXPECT_OK(r.err) && EXPECT_EQ(r.stop, VCPU_STOP_HALT) &&
	       EXPECT_EQ(fix.v->steps_done, nr) && EXPECT_EQ(fix.v->cpu, cpu);
}

static bool begin_on_two_cpus(enum wbinvd_policy p)
{
	if (cpumask_weight(smp_online_mask()) < 2)
		test_skip("one CPU online");
	return kvm_fix_begin(&fix, p);
}

/* CPU 1, CPU 0, CPU 1: every run completes; two moves counted. */
TEST(kvm_smp, vcpu_moves_between_cpus_and_runs_on_each)
{
	const struct guest_step s[] = { { .op = GOP_WBINVD, .arg = 2 } };
	static const unsigned cpus[] = { 1, 0, 1 };
	u64 moves = 0;

	if (!begin_on_two_cpus(WBINVD_AUTO))
		return;
	for (unsigned i = 0; i < ARRAY_SIZE(cpus); i++) {
		if (!run_script_on(cpus[i], s, 1))
			break;
		EXPECT_EQ(fix.v->stats.wbinvd_exits, 2);
		moves += fix.v->stats.migrations;
	}
	test_diag("%s: ran on CPUs 1, 0, 1; %lu moves (VMCLEAR where it was, "
		  "VMPTRLD where it runs, or the VMCB's TLB flushed)",
		  fix.v->ops->name, moves);
	EXPECT_EQ(moves, 2);
	kvm_fix_end(&fix);
}

/* wbinvd=kvm with a non-coherent domain: the vCPU runs on CPU 1 without
 * a WBINVD, then one on CPU 0 flushes CPU 0 and, by IPI, CPU 1 (KVM
 * wbinvd_dirty_mask); then one on CPU 1 flushes both again. */
TEST(kvm_smp, kvm_policy_flushes_every_cpu_the_vcpu_ran_on)
{
	const struct guest_step idle[] = { { .op = GOP_HCALL, .arg = 1 } };
	const struct guest_step wb[] = { { .op = GOP_WBINVD, .arg = 1 } };
	struct vtd_domain *n;
	u64 w0, w1;

	if (!begin_on_two_cpus(WBINVD_KVM))
		return;
	n = kvm_dom_new(&fix, false);
	if (!n || !EXPECT_OK(vm_attach_domain(&fix.vm, n)) ||
	    !run_script_on(1, idle, 1))
		goto out;
	EXPECT_TRUE(cpumask_equal(fix.v->dirty.mask, cpumask_of(1)));
	for (unsigned cpu = 0; cpu < 2; cpu++) {
		w0 = smp_counter(0, PCPU_WBINVD);
		w1 = smp_counter(1, PCPU_WBINVD);
		if (!run_script_on(cpu, wb, 1))
			break;
		test_diag(
		    "WBINVD on CPU %u: flushes %lu, CPU 0 +%lu, CPU 1 "
		    "+%lu; dirty mask after: CPUs 0-63 0x%lx, %u CPU(s)",
		    cpu, fix.v->stats.flushes, smp_counter(0, PCPU_WBINVD) - w0,
		    smp_counter(1, PCPU_WBINVD) - w1, fix.v->dirty.mask.w[0],
		    cpumask_weight(fix.v->dirty.mask));
		EXPECT_EQ(fix.v->stats.wbinvd_exits, 1);
		EXPECT_EQ(fix.v->stats.flushes, 2);
		EXPECT_EQ(smp_counter(0, PCPU_WBINVD), w0 + 1);
		EXPECT_EQ(smp_counter(1, PCPU_WBINVD), w1 + 1);
		/* Cleared by the flush; the CPU it runs on joins again. */
		EXPECT_TRUE(cpumask_equal(fix.v->dirty.mask, cpumask_of(cpu)));
	}
out:
	kvm_fix_end(&fix);
}

/* wbinvd=strict (not asked to refuse): the vCPU runs coherent on CPU 0
 * and CPU 1, its WBINVDs skipped; a non-coherent domain is attached. Before
 * the next entry both CPUs are flushed, on themselves, once: the lines it
 * dirtied while WBINVD was a no-op, which no dirty mask tracked (the
 * window KVM leaves open). Then WBINVD passes through, as under auto. */
TEST(kvm_smp, strict_flushes_every_cpu_the_vm_ran_on_at_the_transition)
{
	const struct guest_step wb[] = { { .op = GOP_WBINVD, .arg = 1 } };
	struct vtd_domain *c, *n;
	u64 w0, w1;

	if (!begin_on_two_cpus(WBINVD_STRICT))
		return;
	c = kvm_dom_new(&fix, true);
	n = kvm_dom_new(&fix, false);
	if (!c || !n || !EXPECT_OK(vm_attach_domain(&fix.vm, c)) ||
	    !run_script_on(0, wb, 1) || !run_script_on(1, wb, 1))
		goto out;
	EXPECT_EQ(fix.v->stats.wbinvd_exits, 1); /* trapped, skipped */
	EXPECT_EQ(fix.v->stats.transition_flushes, 0);
	if (!EXPECT_OK(vm_attach_domain(&fix.vm, n)))
		goto out;
	w0 = smp_counter(0, PCPU_WBINVD);
	w1 = smp_counter(1, PCPU_WBINVD);
	if (!run_script_on(1, wb, 1))
		goto out;
	test_diag("strict: transition flushed %lu CPUs: CPU 0 +%lu, CPU 1 "
		  "+%lu; the guest's WBINVD then exits %lu times",
		  fix.v->stats.transition_flushes,
		  smp_counter(0, PCPU_WBINVD) - w0,
		  smp_counter(1, PCPU_WBINVD) - w1, fix.v->stats.wbinvd_exits);
	EXPECT_EQ(fix.v->stats.transition_flushes, 2);
	EXPECT_EQ(smp_counter(0, PCPU_WBINVD), w0 + 1);
	EXPECT_EQ(smp_counter(1, PCPU_WBINVD), w1 + 1);
	EXPECT_EQ(fix.v->stats.wbinvd_exits, 0); /* passed through */
	if (run_script_on(1, wb, 1))		 /* once only */
		EXPECT_EQ(fix.v->stats.transition_flushes, 0);
out:
	kvm_fix_end(&fix);
}

/* Two live VMs never share an ASID/VPID: one's translations are never
 * the other's. Both run, one after the other, on the same CPU. */
TEST(kvm_smp, each_live_vm_has_its_own_tlb_tag)
{
	static struct kvm_fix other;
	const struct guest_step s[] = { { .op = GOP_WBINVD, .arg = 1 } };

	if (!kvm_fix_begin(&fix, WBINVD_AUTO))
		return;
	if (kvm_fix_begin(&other, WBINVD_AUTO)) {
		test_diag("%s: tags %u and %u", fix.vm.ops->name,
			  vm_tag(&fix.vm), vm_tag(&other.vm));
		EXPECT_NE(vm_tag(&fix.vm), 0);
		EXPECT_NE(vm_tag(&other.vm), 0);
		EXPECT_NE(vm_tag(&fix.vm), vm_tag(&other.vm));
		for (unsigned i = 0; i < 2; i++) {
			if (kvm_run_script(&fix, s, 1))
				EXPECT_EQ(fix.v->stats.wbinvd_exits, 1);
			if (kvm_run_script(&other, s, 1))
				EXPECT_EQ(other.v->stats.wbinvd_exits, 1);
		}
		kvm_fix_end(&other);
	}
	kvm_fix_end(&fix);
}

/* wbinvd=auto with a non-coherent domain: WBINVD runs natively, so the
 * CPU the vCPU leaves is flushed before it runs elsewhere (KVM
 * kvm_arch_vcpu_load); with every domain coherent nothing is flushed. */
TEST(kvm_smp, auto_flushes_the_cpu_a_passed_through_vcpu_left)
{
	const struct guest_step idle[] = { { .op = GOP_HCALL, .arg = 1 } };
	struct vtd_domain *n;
	u64 w0, w1;

	if (!begin_on_two_cpus(WBINVD_AUTO))
		return;
	for (unsigned pass = 0; pass < 2; pass++) {
		bool noncoherent = pass == 1;

		n = noncoherent ? kvm_dom_new(&fix, false) : NULL;
		if (noncoherent &&
		    (!n || !EXPECT_OK(vm_attach_domain(&fix.vm, n))))
			break;
		if (!run_script_on(1, idle, 1))
			break;
		w0 = smp_counter(0, PCPU_WBINVD);
		w1 = smp_counter(1, PCPU_WBINVD);
		if (!run_script_on(0, idle, 1))
			break;
		test_diag("%s: CPU 1 -> CPU 0: flushes %lu, CPU 0 +%lu, CPU 1 "
			  "+%lu",
			  noncoherent ? "noncoherent" : "coherent",
			  fix.v->stats.flushes,
			  smp_counter(0, PCPU_WBINVD) - w0,
			  smp_counter(1, PCPU_WBINVD) - w1);
		EXPECT_EQ(fix.v->stats.flushes, noncoherent ? 1 : 0);
		EXPECT_EQ(smp_counter(1, PCPU_WBINVD), w1 + noncoherent);
		EXPECT_EQ(smp_counter(0, PCPU_WBINVD), w0);
	}
	kvm_fix_end(&fix);
}
