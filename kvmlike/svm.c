/* The SVM backend: EFER.SVME and the host save area, one VMCB per vCPU
 * with nested paging, and its exits decoded for the common loop. AMD APM
 * vol. 2 chapter 15. */
#include "kvmlike/svm.h"
#include "arch/x86/cpu.h"
#include "arch/x86/mm.h"
#include "kvmlike/kvm.h"
#include "lib/errno.h"
#include "lib/string.h"

#define SVM_ASID 1 /* one VM at a time; 0 is the host's (15.16) */

struct svm_vcpu {
	struct vmcb *vmcb;
	u8 *iopm;  /* SVM_IOPM_PAGES, every port intercepted */
	u8 *msrpm; /* 2 pages; MSR_PROT is not intercepted */
	bool nrips;
};

static void *svm_hsave;

void svm_enter(struct vcpu_regs *regs, u64 vmcb_pa);

static struct svm_vcpu *svm(struct vcpu *v)
{
	return v->hw;
}

/* 15.4: SVM is enabled by EFER.SVME unless firmware set VM_CR.SVMDIS; the
 * host's state goes to the page at VM_HSAVE_PA on every VMRUN (15.30.4). */
static int svm_hw_enable(void)
{
	if (rdmsr(MSR_VM_CR) & VM_CR_SVMDIS)
		return -EPERM;
	svm_hsave = page_alloc();
	if (!svm_hsave)
		return -ENOMEM;
	wrmsr(MSR_VM_HSAVE_PA, virt_to_phys(svm_hsave));
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SVME);
	return 0;
}

static void svm_hw_disable(void)
{
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) & ~(u64)EFER_SVME);
	wrmsr(MSR_VM_HSAVE_PA, 0);
	if (svm_hsave)
		page_free(svm_hsave);
	svm_hsave = NULL;
}

static void svm_hw_force_off(void)
{
	if (rdmsr(MSR_EFER) & EFER_SVME)
		svm_hw_disable();
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
	svm_seg(&s->cs, 0x08, SVM_ATTR_CODE32, 0xffffffff);
	svm_seg(&s->ds, 0x10, SVM_ATTR_DATA32, 0xffffffff);
	s->es = s->ss = s->fs = s->gs = s->ds;
	svm_seg(&s->tr, 0x18, SVM_ATTR_TSS32, 0x67);
	s->efer = EFER_SVME;
	s->cr0 = X86_CR0_PE | BIT(4) /* ET */ | X86_CR0_NE;
	s->dr6 = 0xffff0ff0;
	s->dr7 = 0x400;
	s->rflags = BIT(1);
	s->rip = GUEST_CODE_GPA;
	s->rsp = GUEST_STACK_TOP;
	s->g_pat = VM_GUEST_PAT;
}

static void svm_setup_control(struct vcpu *v)
{
	struct svm_vcpu *sv = svm(v);
	struct vmcb_control *c = &sv->vmcb->control;

	c->intercept1 = SVM_INT1_INTR | SVM_INT1_NMI | SVM_INT1_INVD |
			SVM_INT1_HLT | SVM_INT1_IOIO | SVM_INT1_SHUTDOWN;
	c->intercept2 = SVM_INT2_VMRUN | SVM_INT2_VMMCALL;
	c->iopm_base_pa = virt_to_phys(sv->iopm);
	c->msrpm_base_pa = virt_to_phys(sv->msrpm);
	c->asid = SVM_ASID;
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
	for (unsigned i = 0; sv->iopm && i < SVM_IOPM_PAGES; i++)
		page_free(sv->iopm + i * PAGE_SIZE);
	for (unsigned i = 0; sv->msrpm && i < 2; i++)
		page_free(sv->msrpm + i * PAGE_SIZE);
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
	sv->msrpm = page_alloc_contig(2, PAGE_SIZE);
	if (!sv->vmcb || !sv->iopm || !sv->msrpm) {
		svm_destroy(v);
		return -ENOMEM;
	}
	memset(sv->iopm, 0xff, SVM_IOPM_PAGES * PAGE_SIZE);
	memset(sv->msrpm, 0, 2 * PAGE_SIZE);
	sv->nrips = cpuid(0x8000000a, 0).edx & SVM_FEAT_NRIPS;
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
};

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
}

static int svm_enter_guest(struct vcpu *v, struct vcpu_exit *e)
{
	struct vmcb *vmcb = svm(v)->vmcb;

	vmcb->save.rax = v->regs.rax;
	vmcb->control.clean = 0; /* every field reloaded (15.15) */
	svm_enter(&v->regs, virt_to_phys(vmcb));
	v->regs.rax = vmcb->save.rax;
	vmcb->control.tlb_control = 0;
	svm_decode(v, e);
	return 0;
}

static void svm_skip(struct vcpu *v, unsigned len)
{
	svm(v)->vmcb->save.rip += len;
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

static void svm_nested_changed(struct vcpu *v)
{
	struct vmcb_control *c = &svm(v)->vmcb->control;

	c->n_cr3 = vm_nested_root(v->vm);
	c->tlb_control = SVM_TLB_FLUSH_ALL; /* 15.16.2 */
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
	.set_wbinvd_exiting = svm_set_wbinvd_exiting,
	.wbinvd_exiting = svm_wbinvd_exiting,
	.nested_changed = svm_nested_changed,
};
