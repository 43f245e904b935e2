/* The vendor-independent vCPU: requests, the run loop, exit dispatch. */
#include "kvmlike/vcpu.h"
#include "arch/x86/console.h"
#include "arch/x86/cpu.h"
#include "arch/x86/tsc.h"
#include "kvmlike/kvm.h"
#include "lib/errno.h"
#include "lib/string.h"

enum vcpu_next { VCPU_CONTINUE, VCPU_STOP, VCPU_UNHANDLED };

/* Chosen once, from CPUID: VMX (CPUID.1:ECX[5]), or SVM
 * (CPUID.80000001h:ECX[2]) with nested paging (8000000Ah:EDX[0]). VMX's
 * EPT and controls are checked against its MSRs when a vCPU is made. */
const struct vcpu_ops *vcpu_ops_detect(void)
{
	static const struct vcpu_ops *ops;
	static bool done;

	if (done)
		return ops;
	done = true;
	if (cpuid(1, 0).ecx & BIT(5))
		ops = &vmx_ops;
	else if (cpuid(0x80000000, 0).eax >= 0x8000000a &&
		 (cpuid(0x80000001, 0).ecx & BIT(2)) &&
		 (cpuid(0x8000000a, 0).edx & BIT(0)))
		ops = &svm_ops;
	return ops;
}

int vcpu_init(struct vcpu *v, struct vm *vm)
{
	memset(v, 0, sizeof(*v));
	v->vm = vm;
	v->ops = vm_ops(vm);
	v->cpu = -1;
	v->requests = VCPU_REQ_COHERENCY;
	v->nested_root = vm_nested_root(vm);
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
static void vcpu_apply_requests(struct vcpu *v)
{
	if (v->requests & VCPU_REQ_NESTED) {
		v->requests &= ~VCPU_REQ_NESTED;
		v->ops->nested_changed(v);
		v->stats.nested_reloads++;
	}
	if (!(v->requests & VCPU_REQ_COHERENCY))
		return;
	v->requests &= ~VCPU_REQ_COHERENCY;
	v->ops->set_wbinvd_exiting(v, vm_wbinvd_intercept(v->vm));
	vm_sync_memtype(v->vm);
	/* Another vCPU may have rebuilt the tables first. */
	if (v->nested_root != vm_nested_root(v->vm)) {
		v->ops->nested_changed(v);
		v->nested_root = vm_nested_root(v->vm);
		v->stats.nested_reloads++;
	}
	v->stats.requests_applied++;
}

static void vcpu_flush_cpu(void *ctx, unsigned cpu)
{
	struct vcpu *v = ctx;

	/* One CPU runs everything here; a CPU of the mask that is not this
	 * one would need an IPI, which this kernel has no SMP for. */
	wbinvd();
	v->stats.flushes++;
}

static void vcpu_report(struct vcpu *v, u32 code, u32 a, u32 b)
{
	if (v->nr_reports < VCPU_MAX_REPORTS)
		v->reports[v->nr_reports++] = (struct vcpu_report){ code, a,
								    b };
}

static enum vcpu_next vcpu_hypercall(struct vcpu *v, struct vcpu_exit *e)
{
	u64 code = v->regs.rax;

	v->stats.hypercalls++;
	v->ops->skip(v, e->len ? e->len : GUEST_LEN_HCALL);
	if (code == GHC_DONE) {
		v->done = true;
		v->steps_done = (u32)v->regs.rbx;
	} else if (code != GHC_NOP) {
		return VCPU_UNHANDLED;
	}
	return VCPU_CONTINUE;
}

static enum vcpu_next vcpu_io(struct vcpu *v, struct vcpu_exit *e)
{
	v->stats.io_exits++;
	if (e->port != GUEST_REPORT_PORT || e->in || e->size != 4 || !e->len)
		return VCPU_UNHANDLED;
	vcpu_report(v, (u32)v->regs.rax, (u32)v->regs.rbx, (u32)v->regs.rcx);
	v->ops->skip(v, e->len);
	return VCPU_CONTINUE;
}

/* An intercepted WBINVD: a no-op while every domain is coherent, else the
 * flush on every CPU of the dirty mask (KVM kvm_emulate_wbinvd_noskip).
 * Either way the instruction is done: skip it. */
static enum vcpu_next vcpu_wbinvd(struct vcpu *v, struct vcpu_exit *e)
{
	v->stats.wbinvd_exits++;
	v->stats.wbinvd_rip = e->rip;
	vm_wbinvd_exit(v->vm, &v->dirty, (unsigned)v->cpu, vcpu_flush_cpu, v);
	v->ops->skip(v, e->len ? e->len : GUEST_LEN_WBINVD);
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
		v->ops->skip(v, e->len ? e->len : GUEST_LEN_INVD);
		return VCPU_CONTINUE;
	case VCPU_EXIT_HYPERCALL:
		return vcpu_hypercall(v, e);
	case VCPU_EXIT_IO:
		return vcpu_io(v, e);
	case VCPU_EXIT_HLT:
		v->stats.hlt_exits++;
		v->ops->skip(v, e->len ? e->len : GUEST_LEN_HLT);
		return VCPU_STOP;
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

/* The initial APIC ID (CPUID.1:EBX[31:24]) names the physical CPU. */
static int vcpu_this_cpu(void)
{
	return (int)(cpuid(1, 0).ebx >> 24);
}

/* One entry: requests first, then this CPU joins the dirty mask when
 * exits must flush (KVM kvm_arch_vcpu_load), then the backend runs. */
static int vcpu_enter_once(struct vcpu *v, int cpu, struct vcpu_exit *e)
{
	vcpu_apply_requests(v);
	v->cpu = cpu;
	vm_vcpu_entering(v->vm, &v->dirty, (unsigned)v->cpu);
	v->stats.entries++;
	return v->ops->enter(v, e);
}

int vcpu_run(struct vcpu *v, enum vcpu_stop *stop)
{
	deadline_t end = deadline_in_us(VCPU_RUN_US);
	u64 flags = read_rflags();
	int cpu = vcpu_this_cpu(), ret = -ETIMEDOUT;

	if (v->dead)
		return -EIO;
	irq_disable();
	for (u64 n = 0; n < VCPU_MAX_EXITS && !deadline_passed(end); n++) {
		struct vcpu_exit *e = &v->last_exit;
		enum vcpu_next next;

		memset(e, 0, sizeof(*e));
		ret = vcpu_enter_once(v, cpu, e);
		if (ret)
			break;
		v->stats.exits++;
		next = vcpu_dispatch(v, e);
		if (next == VCPU_UNHANDLED) {
			vcpu_report_unexpected(v, e);
			ret = -EIO;
			break;
		}
		if (next == VCPU_STOP) {
			*stop = e->kind == VCPU_EXIT_HLT   ? VCPU_STOP_HALT
				: e->kind == VCPU_EXIT_NPF ? VCPU_STOP_NPF
							   : VCPU_STOP_SHUTDOWN;
			break;
		}
		ret = -ETIMEDOUT;
	}
	if (ret == -ETIMEDOUT)
		kprintf("# kvm: guest ran past %u exits or %u us: stopped\n",
			VCPU_MAX_EXITS, VCPU_RUN_US);
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
