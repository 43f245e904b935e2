/* The SVM backend: EFER.SVME and the host save area, one VMCB per vCPU
 * with nested paging, and its exits decoded for the common loop. AMD APM
 * vol. 2 chapter 15. */
#include "kvmlike/svm.h"
#include "arch/x86/apic.h"
#include "arch/x86/cpu.h"
#include "arch/x86/mm.h"
#include "arch/x86/smp.h"
#include "kvmlike/vm.h"
#include "lib/errno.h"
#include "lib/string.h"

struct svm_vcpu {
	struct vmcb *vmcb;
	u8 *iopm;      /* SVM_IOPM_PAGES, every port intercepted */
	u8 *msrpm;     /* SVM_MSRPM_PAGES, every MSR intercepted */
	u64 cr0_cd_nw; /* the guest's CR0.CD and NW: never in hardware */
	int cpu;       /* where it last ran, -1 before */
	bool nrips;
};

/* Per CPU (15.30.4: VM_HSAVE_PA is per processor): the host's save area
 * for VMRUN, and a page that holds the host's FS, GS, TR, LDTR,
 * KernelGSBase, STAR, LSTAR, CSTAR, SFMASK and SYSENTER MSRs while the
 * guest's are loaded (VMSAVE/VMLOAD, 15.5.2: VMRUN switches none of them).
 * Allocated by the CPU that enables SVM, installed by each CPU itself. */
struct svm_cpu {
	void *hsave, *host_state;
	int err;
};

static struct svm_cpu svm_cpus[MAX_CPUS];

void svm_enter(struct vcpu_regs *regs, u64 vmcb_pa, u64 host_pa);

static struct svm_vcpu *svm(struct vcpu *v)
{
	return v->hw;
}

static void svm_cpu_off(void *arg)
{
	(void)arg;
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) & ~(u64)EFER_SVME);
	wrmsr(MSR_VM_HSAVE_PA, 0);
}

/* 15.4: SVM is enabled by EFER.SVME unless firmware set VM_CR.SVMDIS; the
 * host's state goes to the page at VM_HSAVE_PA on every VMRUN (15.30.4). */
static void svm_cpu_on(void *arg)
{
	struct svm_cpu *c = &svm_cpus[smp_cpu()];

	(void)arg;
	if (rdmsr(MSR_VM_CR) & VM_CR_SVMDIS) {
		c->err = -EPERM;
		return;
	}
	wrmsr(MSR_VM_HSAVE_PA, virt_to_phys(c->hsave));
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SVME);
	c->err = 0;
}

static void svm_cpu_force_off(void *arg)
{
	if (rdmsr(MSR_EFER) & EFER_SVME)
		svm_cpu_off(arg);
}

static void svm_free_pages(void)
{
	for (unsigned i = 0; i < MAX_CPUS; i++) {
		if (svm_cpus[i].hsave)
			page_free(svm_cpus[i].hsave);
		if (svm_cpus[i].host_state)
			page_free(svm_cpus[i].host_state);
		svm_cpus[i] = (struct svm_cpu){ 0 };
	}
}

static void svm_hw_disable(void)
{
	on_cpus(vm_hw_cpus(), svm_cpu_off, NULL);
	svm_free_pages();
}

static int svm_cpu_prepare(unsigned cpu)
{
	struct svm_cpu *c = &svm_cpus[cpu];

	c->hsave = page_alloc();
	c->host_state = page_alloc();
	c->err = -EIO; /* until the CPU says otherwise */
	return c->hsave && c->host_state ? 0 : -ENOMEM;
}

static int svm_cpu_result(unsigned cpu)
{
	return svm_cpus[cpu].err;
}

/* On every online CPU, each installing its own pages. */
static int svm_hw_enable(void)
{
	int err = vm_hw_enable_each(svm_cpu_prepare, svm_cpu_on,
				    svm_cpu_result);

	if (err)
		svm_hw_disable();
	return err;
}

static void svm_hw_force_off(void)
{
	on_cpus(vm_hw_cpus(), svm_cpu_force_off, NULL);
	svm_free_pages();
}

static void svm_seg(struct vmcb_seg *s, u16 sel, u16 attrib, u32 limit)
{
	*s = (struct vmcb_seg){ sel, attrib, limit, 0 };
}

/* 32-bit protected mode, paging off, flat segments; IDT limit 0 so that
 * any exception the stub did not plan becomes a triple fault (shutdown).
 * EFER.SVME must be set in the guest's EFER or VMRUN fails (15.5.1). */
static void svm_reset(struct vcpu *v)
{
	struct vmcb_save *s = &svm(v)->vmcb->save;

	memset(s, 0, sizeof(*s));
	svm_seg(&s->cs, GUEST_SEL_CODE, SVM_ATTR_CODE32, 0xffffffff);
	svm_seg(&s->ds, GUEST_SEL_DATA, SVM_ATTR_DATA32, 0xffffffff);
	s->es = s->ss = s->fs = s->gs = s->ds;
	svm_seg(&s->tr, GUEST_SEL_TSS, SVM_ATTR_TSS32, 0x67);
	svm_seg(&s->ldtr, 0, 0, 0);
	s->efer = EFER_SVME;
	s->cr0 = X86_CR0_PE | BIT(4) /* ET */ | X86_CR0_NE;
	s->dr6 = 0xffff0ff0;
	s->dr7 = 0x400;
	s->rflags = BIT(1);
	s->rip = GUEST_CODE_GPA;
	s->rsp = GUEST_STACK_TOP;
	s->g_pat = v->msrs.pat;
	svm(v)->cr0_cd_nw = 0;
	svm(v)->vmcb->control.event_inj = 0;
	svm(v)->vmcb->control.int_state = 0;
}

static void svm_setup_control(struct vcpu *v)
{
	struct svm_vcpu *sv = svm(v);
	struct vmcb_control *c = &sv->vmcb->control;

	/* Containment (DESIGN.md): every instruction that reaches host
	 * state, every MSR (the map is all ones), CR0 both ways (the host
	 * owns CD and NW), host interrupts and NMIs. */
	c->intercept_cr = SVM_CR_READ(0) | SVM_CR_WRITE(0);
	c->intercept_exc = SVM_EXC_INTERCEPTS;
	/* SMI as KVM: held pending across the exit, then the host's. */
	c->intercept1 = SVM_INT1_INTR | SVM_INT1_NMI | SVM_INT1_SMI |
			SVM_INT1_INIT | SVM_INT1_CPUID | SVM_INT1_INVD |
			SVM_INT1_HLT | SVM_INT1_INVLPGA | SVM_INT1_IOIO |
			SVM_INT1_MSR | SVM_INT1_SHUTDOWN;
	c->intercept2 = SVM_INT2_VMRUN | SVM_INT2_VMMCALL | SVM_INT2_VMLOAD |
			SVM_INT2_VMSAVE | SVM_INT2_STGI | SVM_INT2_CLGI |
			SVM_INT2_SKINIT | SVM_INT2_XSETBV | SVM_INT2_MONITOR |
			SVM_INT2_MWAIT | SVM_INT2_MWAIT_ARMED;
	c->iopm_base_pa = virt_to_phys(sv->iopm);
	c->msrpm_base_pa = virt_to_phys(sv->msrpm);
	c->asid = vm_tag(v->vm); /* 15.16: never 0, the host's */
	c->tlb_control = SVM_TLB_FLUSH_ALL;
	/* Physical interrupts stay the host's (15.21.1). */
	c->int_ctl = SVM_V_INTR_MASKING;
	c->np_ctl = SVM_NP_ENABLE;
	c->n_cr3 = vm_nested_root(v->vm);
}

static void svm_destroy(struct vcpu *v)
{
	struct svm_vcpu *sv = svm(v);

	if (sv->vmcb)
		page_free(sv->vmcb);
	if (sv->iopm)
		page_free_contig(sv->iopm, SVM_IOPM_PAGES);
	if (sv->msrpm)
		page_free_contig(sv->msrpm, SVM_MSRPM_PAGES);
	page_free(sv);
	v->hw = NULL;
}

static int svm_create(struct vcpu *v)
{
	struct svm_vcpu *sv = page_alloc();

	if (!sv)
		return -ENOMEM;
	v->hw = sv;
	sv->vmcb = page_alloc();
	sv->iopm = page_alloc_contig(SVM_IOPM_PAGES, PAGE_SIZE);
	sv->msrpm = page_alloc_contig(SVM_MSRPM_PAGES, PAGE_SIZE);
	if (!sv->vmcb || !sv->iopm || !sv->msrpm) {
		svm_destroy(v);
		return -ENOMEM;
	}
	memset(sv->iopm, 0xff, SVM_IOPM_PAGES * PAGE_SIZE);
	memset(sv->msrpm, 0xff, SVM_MSRPM_PAGES * PAGE_SIZE); /* deny all */
	sv->nrips = cpuid(0x8000000a, 0).edx & SVM_FEAT_NRIPS;
	sv->cpu = -1;
	if (vm_tag(v->vm) >= cpuid(0x8000000a, 0).ebx) { /* NASID */
		svm_destroy(v);
		return -ENOSPC;
	}
	svm_setup_control(v);
	svm_reset(v);
	return 0;
}

/* Length of the intercepted instruction: from NRIP when the CPU saves it
 * (15.7.1), else 0 and the loop uses the stub's known encoding. */
static unsigned svm_insn_len(const struct svm_vcpu *sv)
{
	const struct vmcb *vmcb = sv->vmcb;

	if (!sv->nrips || vmcb->control.next_rip <= vmcb->save.rip)
		return 0;
	return (unsigned)(vmcb->control.next_rip - vmcb->save.rip);
}

static void svm_decode_io(struct vcpu_exit *e, const struct vmcb *vmcb)
{
	e->port = (u16)FIELD_GET(SVM_IOIO_PORT, e->qual);
	e->in = e->qual & SVM_IOIO_IN;
	e->size = (u8)FIELD_GET(SVM_IOIO_SIZE, e->qual);
	if (e->size == 3 || e->size > 4)
		e->size = 0;
	/* EXITINFO2 is the next RIP, with or without NRIPS (15.10.2). */
	e->len = (unsigned)(vmcb->control.exit_info2 - vmcb->save.rip);
}

static const struct vcpu_exit_code svm_exit_codes[] = {
	{ SVM_EXIT_WBINVD, VCPU_EXIT_WBINVD },
	{ SVM_EXIT_INVD, VCPU_EXIT_INVD },
	{ SVM_EXIT_VMMCALL, VCPU_EXIT_HYPERCALL },
	{ SVM_EXIT_HLT, VCPU_EXIT_HLT },
	{ SVM_EXIT_IOIO, VCPU_EXIT_IO },
	{ SVM_EXIT_NPF, VCPU_EXIT_NPF },
	{ SVM_EXIT_SHUTDOWN, VCPU_EXIT_SHUTDOWN },
	{ SVM_EXIT_INTR, VCPU_EXIT_INTR },
	{ SVM_EXIT_INVALID, VCPU_EXIT_ENTRY_FAILED },
	{ SVM_EXIT_READ_CR0, VCPU_EXIT_CR },
	{ SVM_EXIT_WRITE_CR0, VCPU_EXIT_CR },
	{ SVM_EXIT_MSR, VCPU_EXIT_MSR },
	{ SVM_EXIT_CPUID, VCPU_EXIT_CPUID },
	{ SVM_EXIT_NMI, VCPU_EXIT_NMI },
	{ SVM_EXIT_INIT, VCPU_EXIT_INIT },
	{ SVM_EXIT_XSETBV, VCPU_EXIT_XSETBV },
	{ SVM_EXIT_VMRUN, VCPU_EXIT_ESCAPE },
	{ SVM_EXIT_VMLOAD, VCPU_EXIT_ESCAPE },
	{ SVM_EXIT_VMSAVE, VCPU_EXIT_ESCAPE },
	{ SVM_EXIT_STGI, VCPU_EXIT_ESCAPE },
	{ SVM_EXIT_CLGI, VCPU_EXIT_ESCAPE },
	{ SVM_EXIT_SKINIT, VCPU_EXIT_ESCAPE },
	{ SVM_EXIT_INVLPGA, VCPU_EXIT_ESCAPE },
	{ SVM_EXIT_EXCP(X86_VEC_DB), VCPU_EXIT_EXCEPTION },
	{ SVM_EXIT_EXCP(X86_VEC_AC), VCPU_EXIT_EXCEPTION },
	{ SVM_EXIT_EXCP(X86_VEC_MC), VCPU_EXIT_MCE },
	{ SVM_EXIT_SMI, VCPU_EXIT_SMI },
	{ SVM_EXIT_MONITOR, VCPU_EXIT_MWAIT },
	{ SVM_EXIT_MWAIT, VCPU_EXIT_MWAIT },
	{ SVM_EXIT_MWAIT_ARMED, VCPU_EXIT_MWAIT },
};

/* An intercepted exception (15.12): the vector from the exit code, the
 * error code in EXITINFO1 (#AC has one, always 0), as the loop reflects
 * it in the EVENTINJ format. A #DB has updated the VMCB's DR6. */
static void svm_decode_exc(struct vcpu_exit *e)
{
	u32 vec = (u32)(e->reason - SVM_EXIT_EXCP(0));

	e->info2 = (u32)e->qual;
	e->qual = vec | FIELD_PREP(VCPU_EV_TYPE, VCPU_EV_TYPE_EXC) |
		  (vec == X86_VEC_AC ? VCPU_EV_HAS_ERR : 0) | VCPU_EV_VALID;
	e->len = 0;
}

/* MOV CR: which CR from the exit code; the GPR from decode assists when
 * the CPU has them, else the loop decodes the instruction. */
static void svm_decode_cr(struct vcpu_exit *e)
{
	e->write = e->reason >= SVM_EXIT_WRITE_CR0;
	e->cr = (u8)(e->reason & 0xf);
	e->gpr = (e->qual & SVM_CR_INFO_VALID)
		     ? (s8)FIELD_GET(SVM_CR_INFO_GPR, e->qual)
		     : -1;
}

static void svm_decode(struct vcpu *v, struct vcpu_exit *e)
{
	const struct vmcb *vmcb = svm(v)->vmcb;

	e->reason = vmcb->control.exit_code;
	e->qual = vmcb->control.exit_info1;
	e->info2 = vmcb->control.exit_info2;
	e->rip = vmcb->save.rip;
	e->len = svm_insn_len(svm(v));
	e->kind = vcpu_exit_kind_of(svm_exit_codes, ARRAY_SIZE(svm_exit_codes),
				    e->reason);
	if (e->kind == VCPU_EXIT_IO)
		svm_decode_io(e, vmcb);
	if (e->kind == VCPU_EXIT_NPF) /* EXITINFO2: the GPA (15.25.6) */
		e->gpa = e->info2;
	if (e->kind == VCPU_EXIT_CR)
		svm_decode_cr(e);
	if (e->kind == VCPU_EXIT_MSR)
		e->write = e->qual & 1;
	if (e->kind == VCPU_EXIT_EXCEPTION)
		svm_decode_exc(e);
	/* EXITINTINFO (15.7.2): the EVENTINJ format, error code above. */
	if (vmcb->control.exit_int_info & VCPU_EV_VALID)
		e->vectoring = (struct vcpu_event){
			(u32)vmcb->control.exit_int_info,
			(u32)(vmcb->control.exit_int_info >> 32), 0
		};
}

/* The guest's copies of the MSRs VMLOAD loads (15.5.2) go into the save
 * area, so that SYSCALL (legal in legacy mode with EFER.SCE on AMD) and
 * SYSENTER use what the guest wrote; VMSAVE has put the host's aside. */
static void svm_load_guest_msrs(struct vmcb_save *s, const struct vcpu_msrs *m)
{
	s->star = m->star;
	s->lstar = m->lstar;
	s->cstar = m->cstar;
	s->sfmask = m->sfmask;
	s->kernel_gs_base = m->kernel_gs_base;
	s->sysenter_cs = m->sysenter_cs;
	s->sysenter_esp = m->sysenter_esp;
	s->sysenter_eip = m->sysenter_eip;
}

/* A vCPU that moved: the new CPU's TLB may hold translations tagged with
 * this ASID from an earlier stay (15.16.1): flush them before it runs. */
static int svm_enter_guest(struct vcpu *v, struct vcpu_exit *e)
{
	struct svm_vcpu *sv = svm(v);
	struct vmcb *vmcb = sv->vmcb;
	unsigned cpu = smp_cpu();
	const struct svm_cpu *host = &svm_cpus[cpu];

	if (!host->host_state)
		return -ENODEV; /* SVM is not on here */
	if (sv->cpu != (int)cpu)
		vmcb->control.tlb_control = SVM_TLB_FLUSH_ALL;
	if (vmcb->control.tlb_control == SVM_TLB_FLUSH_ALL)
		v->tlb_flushes++;
	sv->cpu = (int)cpu;

	vmcb->save.rax = v->regs.rax;
	svm_load_guest_msrs(&vmcb->save, &v->msrs);
	vmcb->control.clean = 0; /* every field reloaded (15.15) */
	vmcb->control.event_inj = 0;
	if (v->pending.info & VCPU_EV_VALID)
		vmcb->control.event_inj = v->pending.info |
					  ((u64)v->pending.err << 32);
	v->pending.info = 0;
	svm_enter(&v->regs, virt_to_phys(vmcb), virt_to_phys(host->host_state));
	v->regs.rax = vmcb->save.rax;
	vmcb->control.tlb_control = 0;
	svm_decode(v, e);
	return 0;
}

static bool svm_skip(struct vcpu *v, unsigned len)
{
	struct vmcb *vmcb = svm(v)->vmcb;

	vmcb->save.rip += len;
	vmcb->control.int_state &= ~(u64)SVM_INT_SHADOW;
	if (!(vmcb->save.rflags & X86_RFLAGS_TF))
		return false;
	vmcb->save.dr6 |= SVM_DR6_BS;
	return true;
}

/* Only CR0 is intercepted; CD and NW live in svm_vcpu, never in the
 * VMCB (KVM svm_set_cr0 keeps them out of hardware the same way). */
static u64 svm_get_cr(struct vcpu *v, unsigned cr)
{
	const struct vmcb_save *s = &svm(v)->vmcb->save;

	return cr == 0 ? s->cr0 | svm(v)->cr0_cd_nw : cr == 3 ? s->cr3 : s->cr4;
}

static void svm_set_cr(struct vcpu *v, unsigned cr, u64 val)
{
	struct vmcb_save *s = &svm(v)->vmcb->save;
	const u64 cd_nw = X86_CR0_CD | X86_CR0_NW;

	if (cr == 0) {
		svm(v)->cr0_cd_nw = val & cd_nw;
		s->cr0 = val & ~cd_nw;
	} else if (cr == 3) {
		s->cr3 = val;
	} else {
		s->cr4 = val;
	}
}

/* EFER.SVME stays set in the guest's EFER or VMRUN fails (15.5.1). */
static void svm_set_efer(struct vcpu *v, u64 efer)
{
	svm(v)->vmcb->save.efer = efer | EFER_SVME;
}

static void svm_set_pat(struct vcpu *v, u64 pat)
{
	svm(v)->vmcb->save.g_pat = pat; /* the guest's PAT with NPT (15.25.8) */
}

static u64 svm_get_rip(struct vcpu *v)
{
	return svm(v)->vmcb->save.rip;
}

/* The local APIC timer: with the INTR intercept and V_INTR_MASKING, its
 * interrupt exits whatever the guest's RFLAGS.IF (15.21.1). */
static void svm_arm_watchdog(struct vcpu *v, deadline_t end)
{
	apic_timer_until((unsigned)v->cpu, end);
}

static void svm_set_wbinvd_exiting(struct vcpu *v, bool on)
{
	u32 *i2 = &svm(v)->vmcb->control.intercept2;

	*i2 = on ? *i2 | SVM_INT2_WBINVD : *i2 & ~SVM_INT2_WBINVD;
}

static bool svm_wbinvd_exiting(struct vcpu *v)
{
	return svm(v)->vmcb->control.intercept2 & SVM_INT2_WBINVD;
}

static int svm_nested_changed(struct vcpu *v)
{
	struct vmcb_control *c = &svm(v)->vmcb->control;

	c->n_cr3 = vm_nested_root(v->vm);
	c->tlb_control = SVM_TLB_FLUSH_ALL; /* 15.16.2 */
	return 0;
}

const struct vcpu_ops svm_ops = {
	.name = "svm",
	.vendor = VCPU_SVM,
	.nested_fmt = &pt_fmt_npt,
	.hw_enable = svm_hw_enable,
	.hw_disable = svm_hw_disable,
	.hw_force_off = svm_hw_force_off,
	.create = svm_create,
	.destroy = svm_destroy,
	.reset = svm_reset,
	.enter = svm_enter_guest,
	.skip = svm_skip,
	.get_cr = svm_get_cr,
	.set_cr = svm_set_cr,
	.set_efer = svm_set_efer,
	.set_pat = svm_set_pat,
	.get_rip = svm_get_rip,
	.arm_watchdog = svm_arm_watchdog,
	.set_wbinvd_exiting = svm_set_wbinvd_exiting,
	.wbinvd_exiting = svm_wbinvd_exiting,
	.nested_changed = svm_nested_changed,
};
