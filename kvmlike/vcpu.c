/* The vendor-independent vCPU: requests, the run loop, exit dispatch. */
#include "kvmlike/vcpu.h"
#include "arch/x86/apic.h"
#include "arch/x86/console.h"
#include "arch/x86/cpu.h"
#include "arch/x86/smp.h"
#include "arch/x86/tsc.h"
#include "kvmlike/emulate.h"
#include "kvmlike/vm.h"
#include "lib/errno.h"
#include "lib/string.h"

enum vcpu_next { VCPU_CONTINUE, VCPU_STOP, VCPU_UNHANDLED };

int vcpu_init(struct vcpu *v, struct vm *vm)
{
	memset(v, 0, sizeof(*v));
	v->vm = vm;
	v->ops = vm_ops(vm);
	v->cpu = -1;
	v->requests = VCPU_REQ_COHERENCY;
	v->nested_root = vm_nested_root(vm);
	v->run_us = VCPU_RUN_US;
	emul_reset(v);
	return v->ops->create(v);
}

void vcpu_fini(struct vcpu *v)
{
	if (v->hw)
		v->ops->destroy(v);
	v->hw = NULL;
}

void vcpu_restart(struct vcpu *v)
{
	memset(&v->regs, 0, sizeof(v->regs));
	memset(&v->stats, 0, sizeof(v->stats));
	v->nr_reports = 0;
	v->done = false;
	v->steps_done = 0;
	memset(&v->pending, 0, sizeof(v->pending));
	memset(&v->contained, 0, sizeof(v->contained));
	emul_reset(v);
	v->ops->reset(v);
}

void vcpu_request(struct vcpu *v, unsigned req)
{
	v->requests |= req;
}

/* KVM_REQ-style: the change the VM made is applied here, on the vCPU's
 * own CPU, before it enters again. On VMX the EPT leaves carry the memory
 * type the answer implies: rebuild them when it changed (SDM vol. 3C
 * 29.4.3.1: changed EPT entries need INVEPT, done by nested_changed). */
static int vcpu_apply_requests(struct vcpu *v)
{
	int err;

	if (v->requests & VCPU_REQ_NESTED) {
		v->requests &= ~VCPU_REQ_NESTED;
		err = v->ops->nested_changed(v);
		if (err)
			return err;
		v->stats.nested_reloads++;
	}
	if (!(v->requests & VCPU_REQ_COHERENCY))
		return 0;
	v->requests &= ~VCPU_REQ_COHERENCY;
	v->ops->set_wbinvd_exiting(v, vm_wbinvd_intercept(v->vm));
	vm_sync_memtype(v->vm);
	/* Another vCPU may have rebuilt the tables first. */
	if (v->nested_root != vm_nested_root(v->vm)) {
		err = v->ops->nested_changed(v);
		if (err)
			return err;
		v->nested_root = vm_nested_root(v->vm);
		v->stats.nested_reloads++;
	}
	v->stats.requests_applied++;
	return 0;
}

/* WBINVD on @cpu, by IPI when it is another (KVM wbinvd_ipi): a CPU the
 * vCPU ran on may hold the guest's dirty lines. The caller waits. */
static void vcpu_flush_cpu(void *ctx, unsigned cpu)
{
	struct vcpu *v = ctx;
	int err = wbinvd_on_cpus(cpumask_of(cpu));

	if (err)
		kprintf("# kvm: WBINVD on CPU %u: %s\n", cpu, strerror_k(err));
	v->stats.flushes++;
}

static void vcpu_report(struct vcpu *v, u32 code, u32 a, u32 b)
{
	if (v->nr_reports < VCPU_MAX_REPORTS)
		v->reports[v->nr_reports++] = (struct vcpu_report){ code, a,
								    b };
}

void vcpu_queue_exception(struct vcpu *v, u8 vector, bool has_err, u32 err)
{
	if (v->pending.info & VCPU_EV_VALID)
		return;
	v->pending = (struct vcpu_event){
		.info = vector | FIELD_PREP(VCPU_EV_TYPE, VCPU_EV_TYPE_EXC) |
			(has_err ? VCPU_EV_HAS_ERR : 0) | VCPU_EV_VALID,
		.err = err,
	};
	v->stats.injected++;
}

/* Past the emulated instruction (its length from the CPU, else decoded
 * from guest memory: a prefixed WBINVD or WBNOINVD is 3 bytes, not 2).
 * A single-stepping guest gets its #DB after it, as the CPU would have
 * raised it (KVM kvm_skip_emulated_instruction). */
static enum vcpu_next vcpu_skip(struct vcpu *v, const struct vcpu_exit *e)
{
	int len = e->len ? (int)e->len : emul_insn_len(v, e->rip);

	if (len <= 0) {
		kprintf("# kvm: cannot decode the instruction at guest RIP "
			"0x%lx\n",
			e->rip);
		return VCPU_UNHANDLED;
	}
	if (v->ops->skip(v, (unsigned)len))
		vcpu_queue_exception(v, X86_VEC_DB, false, 0);
	return VCPU_CONTINUE;
}

static enum vcpu_next vcpu_hypercall(struct vcpu *v, struct vcpu_exit *e)
{
	u64 code = v->regs.rax;

	v->stats.hypercalls++;
	if (code == GHC_DONE) {
		v->done = true;
		v->steps_done = (u32)v->regs.rbx;
	} else if (code == GHC_IDLE) {
		/* The guest waits for its device and says so: this CPU halts
		 * instead of running the guest's polls (as KVM blocks a
		 * halted vCPU). Its own time (the run's watchdog) goes on. */
		v->stats.idles++;
		apic_idle((u32)MIN(v->regs.rbx, GHC_IDLE_MAX_US));
		irq_disable();
	} else if (code != GHC_NOP) {
		return VCPU_UNHANDLED;
	}
	return vcpu_skip(v, e);
}

static enum vcpu_next vcpu_io(struct vcpu *v, struct vcpu_exit *e)
{
	v->stats.io_exits++;
	if (e->port != GUEST_REPORT_PORT || e->in || e->size != 4 || !e->len)
		return VCPU_UNHANDLED;
	vcpu_report(v, (u32)v->regs.rax, (u32)v->regs.rbx, (u32)v->regs.rcx);
	return vcpu_skip(v, e);
}

/* An intercepted WBINVD (or WBNOINVD: the same intercept, and the same
 * answer, since the guest asked for its lines to reach memory): a no-op
 * while every domain is coherent, else the flush on every CPU of the
 * dirty mask (KVM kvm_emulate_wbinvd_noskip). Either way it is done. */
static enum vcpu_next vcpu_wbinvd(struct vcpu *v, struct vcpu_exit *e)
{
	v->stats.wbinvd_exits++;
	v->stats.wbinvd_rip = e->rip;
	vm_wbinvd_exit(v->vm, &v->dirty, (unsigned)v->cpu, vcpu_flush_cpu, v);
	return vcpu_skip(v, e);
}

/* Record what the guest tried and, for a refusal, the exception it gets
 * instead (0xff: none, the instruction was emulated). */
static void vcpu_contain(struct vcpu *v, const struct vcpu_exit *e, u8 vec)
{
	v->stats.contained++;
	v->contained = (struct vcpu_contained){ *e, v->regs.rax, v->regs.rcx,
						v->regs.rdx, vec };
	if (vec != 0xff)
		vcpu_queue_exception(v, vec, vec == X86_VEC_GP, 0);
}

/* RDMSR/WRMSR: ECX the MSR, EDX:EAX the value (SDM vol. 2B). */
static enum vcpu_next vcpu_msr(struct vcpu *v, struct vcpu_exit *e)
{
	u32 msr = (u32)v->regs.rcx;
	u64 val = (v->regs.rdx << 32) | (u32)v->regs.rax;
	int err;

	v->stats.msr_exits++;
	if (e->write) {
		err = emul_wrmsr(v, msr, val);
	} else {
		err = emul_rdmsr(v, msr, &val);
		if (!err) {
			v->regs.rax = (u32)val;
			v->regs.rdx = val >> 32;
		}
	}
	vcpu_contain(v, e, err ? X86_VEC_GP : 0xff);
	return err ? VCPU_CONTINUE : vcpu_skip(v, e);
}

static enum vcpu_next vcpu_cpuid(struct vcpu *v, struct vcpu_exit *e)
{
	u32 r[4];

	v->stats.cpuid_exits++;
	emul_cpuid((u32)v->regs.rax, (u32)v->regs.rcx, r);
	v->regs.rax = r[0];
	v->regs.rbx = r[1];
	v->regs.rcx = r[2];
	v->regs.rdx = r[3];
	return vcpu_skip(v, e);
}

static enum vcpu_next vcpu_cr(struct vcpu *v, struct vcpu_exit *e)
{
	int err = emul_cr(v, e);

	v->stats.cr_exits++;
	if (err == -EINVAL)
		return VCPU_UNHANDLED;
	if (e->write) /* a read changes nothing: not an attempt */
		vcpu_contain(v, e, err ? X86_VEC_GP : 0xff);
	return err ? VCPU_CONTINUE : vcpu_skip(v, e);
}

/* An exception of the guest's that the host intercepts (#DB and #AC, so
 * that a guest that makes their delivery raise them again loops through
 * exits, which the run's deadline ends, not in the CPU's microcode:
 * CVE-2015-8104, CVE-2015-5307; KVM intercepts both). It goes back to the
 * guest at the next entry as it was raised (vector, type, error code;
 * VMX's bit 12, NMI unblocking by IRET, is not part of an injection:
 * SDM vol. 3C 24.8.3). */
static enum vcpu_next vcpu_reflect(struct vcpu *v, const struct vcpu_exit *e)
{
	const u32 keep = VCPU_EV_VECTOR | VCPU_EV_TYPE | VCPU_EV_HAS_ERR |
			 VCPU_EV_VALID;

	v->stats.exception_exits++;
	v->stats.exception_vector = FIELD_GET(VCPU_EV_VECTOR, e->qual);
	v->pending = (struct vcpu_event){ (u32)e->qual & keep, (u32)e->info2,
					  e->len };
	return VCPU_CONTINUE;
}

static enum vcpu_next vcpu_dispatch(struct vcpu *v, struct vcpu_exit *e)
{
	switch (e->kind) {
	case VCPU_EXIT_WBINVD:
		return vcpu_wbinvd(v, e);
	case VCPU_EXIT_INVD:
		/* Never executed: it would drop dirty lines (DESIGN.md). */
		v->stats.invd_exits++;
		v->stats.invd_rip = e->rip;
		return vcpu_skip(v, e);
	case VCPU_EXIT_HYPERCALL:
		return vcpu_hypercall(v, e);
	case VCPU_EXIT_IO:
		return vcpu_io(v, e);
	case VCPU_EXIT_HLT:
		v->stats.hlt_exits++;
		return vcpu_skip(v, e) == VCPU_CONTINUE ? VCPU_STOP
							: VCPU_UNHANDLED;
	case VCPU_EXIT_NPF:
		v->stats.npf_exits++;
		return VCPU_STOP;
	case VCPU_EXIT_SHUTDOWN:
		v->dead = true;
		return VCPU_STOP;
	case VCPU_EXIT_INTR:
		/* Not acknowledged on exit: it is taken here. */
		v->stats.intr_exits++;
		irq_enable();
		asm volatile("nop");
		irq_disable();
		return VCPU_CONTINUE;
	case VCPU_EXIT_NMI:	 /* taken by the host: GIF set, or INT 2 */
	case VCPU_EXIT_WATCHDOG: /* the run loop looks at the time */
		return VCPU_CONTINUE;
	case VCPU_EXIT_MSR:
		return vcpu_msr(v, e);
	case VCPU_EXIT_CPUID:
		return vcpu_cpuid(v, e);
	case VCPU_EXIT_CR:
		return vcpu_cr(v, e);
	case VCPU_EXIT_ESCAPE: /* as a CPU without VMX/SVM would: #UD */
		vcpu_contain(v, e, X86_VEC_UD);
		return VCPU_CONTINUE;
	case VCPU_EXIT_XSETBV: /* XCR0 would be the host's: #GP */
		vcpu_contain(v, e, X86_VEC_GP);
		return VCPU_CONTINUE;
	case VCPU_EXIT_EXCEPTION:
		return vcpu_reflect(v, e);
	case VCPU_EXIT_MCE:
		kprintf(
		    "# kvm: %s: machine check (#MC) while the guest ran, "
		    "at guest RIP 0x%lx: the host's; the run ends, the vCPU "
		    "is dead\n",
		    v->ops->name, e->rip);
		v->dead = true;
		return VCPU_STOP;
	case VCPU_EXIT_SMI: /* pending: the host takes it once GIF is set */
		return VCPU_CONTINUE;
	case VCPU_EXIT_MWAIT: /* could idle the CPU past the watchdog: #UD */
		vcpu_contain(v, e, X86_VEC_UD);
		return VCPU_CONTINUE;
	default:
		return VCPU_UNHANDLED;
	}
}

static void vcpu_report_unexpected(struct vcpu *v, const struct vcpu_exit *e)
{
	kprintf("# kvm: %s: unexpected exit %s: reason 0x%lx qualification "
		"0x%lx info2 0x%lx at guest RIP 0x%lx; the vCPU is dead\n",
		v->ops->name, vcpu_exit_name(e->kind), e->reason, e->qual,
		e->info2, e->rip);
	v->dead = true;
}

/* One entry: requests first, then this CPU joins the dirty mask when
 * exits must flush (KVM kvm_arch_vcpu_load), then the backend runs with
 * the watchdog armed for the run's deadline. */
static int vcpu_enter_once(struct vcpu *v, int cpu, struct vcpu_exit *e,
			   deadline_t end)
{
	int err = vcpu_apply_requests(v);

	if (err) { /* stale translations: the guest must not run */
		kprintf("# kvm: %s: flushing the nested translations failed: "
			"%s; the vCPU is dead\n",
			v->ops->name, strerror_k(err));
		v->dead = true;
		return err;
	}
	v->stats.transition_flushes += vm_transition_flush(v->vm,
							   vcpu_flush_cpu, v);
	if (v->cpu >= 0 && v->cpu != cpu)
		v->stats.migrations++;
	if (vm_vcpu_entering(v->vm, &v->dirty, v->cpu, (unsigned)cpu))
		vcpu_flush_cpu(v, (unsigned)v->cpu); /* the CPU it left */
	v->cpu = cpu;
	v->stats.entries++;
	v->ops->arm_watchdog(v, end);
	return v->ops->enter(v, e);
}

static enum vcpu_stop vcpu_stop_of(enum vcpu_exit_kind k)
{
	return k == VCPU_EXIT_HLT   ? VCPU_STOP_HALT
	       : k == VCPU_EXIT_NPF ? VCPU_STOP_NPF
	       : k == VCPU_EXIT_MCE ? VCPU_STOP_MACHINE_CHECK
				    : VCPU_STOP_SHUTDOWN;
}

/* One exit: an event whose delivery it interrupted goes back in first
 * (SDM vol. 3C 27.2.4, APM 15.7.2), then the exit is handled. */
static enum vcpu_next vcpu_handle(struct vcpu *v, struct vcpu_exit *e)
{
	enum vcpu_next next;

	v->stats.exits++;
	if (e->vectoring.info & VCPU_EV_VALID) {
		v->pending = e->vectoring;
		v->stats.reinjected++;
	}
	next = vcpu_dispatch(v, e);
	if (next == VCPU_UNHANDLED)
		vcpu_report_unexpected(v, e);
	return next;
}

int vcpu_run(struct vcpu *v, enum vcpu_stop *stop)
{
	u64 t0 = tsc_read_us();
	deadline_t end = deadline_in_us(v->run_us);
	u64 flags = read_rflags();
	int cpu = (int)smp_cpu(), ret = -ETIMEDOUT;
	struct vcpu_exit *e = &v->last_exit;

	v->ran_us = 0;
	if (v->dead)
		return -EIO;
	irq_disable();
	for (u64 n = 0; n < VCPU_MAX_EXITS; n++) {
		enum vcpu_next next;

		memset(e, 0, sizeof(*e));
		ret = vcpu_enter_once(v, cpu, e, end);
		v->ran_us = tsc_read_us() - t0;
		if (ret)
			break;
		next = vcpu_handle(v, e);
		ret = next == VCPU_UNHANDLED ? -EIO : 0;
		if (next != VCPU_CONTINUE) {
			*stop = vcpu_stop_of(e->kind);
			break;
		}
		if (deadline_passed(end)) {
			*stop = VCPU_STOP_WATCHDOG;
			kprintf("# kvm: watchdog: the guest ran %lu us without "
				"ending; stopped at RIP 0x%lx after %s exit\n",
				v->run_us, v->ops->get_rip(v),
				vcpu_exit_name(e->kind));
			break;
		}
		ret = -ETIMEDOUT;
	}
	v->ops->arm_watchdog(v, 0);
	if (ret == -ETIMEDOUT)
		kprintf("# kvm: guest ran past %u exits: stopped\n",
			VCPU_MAX_EXITS);
	if (flags & X86_RFLAGS_IF)
		irq_enable();
	return ret;
}

const char *vcpu_exit_name(enum vcpu_exit_kind k)
{
	static const char *const names[] = {
		[VCPU_EXIT_WBINVD] = "WBINVD",
		[VCPU_EXIT_INVD] = "INVD",
		[VCPU_EXIT_HYPERCALL] = "hypercall",
		[VCPU_EXIT_HLT] = "HLT",
		[VCPU_EXIT_IO] = "I/O",
		[VCPU_EXIT_NPF] = "nested page fault",
		[VCPU_EXIT_SHUTDOWN] = "shutdown",
		[VCPU_EXIT_INTR] = "interrupt",
		[VCPU_EXIT_WATCHDOG] = "watchdog",
		[VCPU_EXIT_ENTRY_FAILED] = "entry failed",
		[VCPU_EXIT_MSR] = "MSR",
		[VCPU_EXIT_CPUID] = "CPUID",
		[VCPU_EXIT_CR] = "CR access",
		[VCPU_EXIT_ESCAPE] = "virtualization instruction",
		[VCPU_EXIT_XSETBV] = "XSETBV",
		[VCPU_EXIT_NMI] = "NMI",
		[VCPU_EXIT_EXCEPTION] = "exception",
		[VCPU_EXIT_INIT] = "INIT",
		[VCPU_EXIT_MISCONFIG] = "EPT misconfiguration",
		[VCPU_EXIT_MCE] = "machine check",
		[VCPU_EXIT_SMI] = "SMI",
		[VCPU_EXIT_MWAIT] = "MONITOR/MWAIT",
		[VCPU_EXIT_OTHER] = "other",
	};

	return (unsigned)k < ARRAY_SIZE(names) && names[k] ? names[k] : "?";
}

enum vcpu_exit_kind vcpu_exit_kind_of(const struct vcpu_exit_code *t,
				      unsigned n, u64 code)
{
	for (unsigned i = 0; i < n; i++)
		if (t[i].code == code)
			return t[i].kind;
	return VCPU_EXIT_OTHER;
}

const struct vcpu_report *vcpu_report_find(const struct vcpu *v, u32 code)
{
	for (unsigned i = v->nr_reports; i-- > 0;)
		if (v->reports[i].code == code)
			return &v->reports[i];
	return NULL;
}
