/* The VMX backend: VMXON, one VMCS per vCPU with EPT and unrestricted
 * guest, controls fitted to the capability MSRs, and its exits decoded
 * for the common loop. Intel SDM vol. 3C chapters 23-29. */
#include "kvmlike/vmx.h"
#include "arch/x86/apic.h"
#include "arch/x86/cpu.h"
#include "arch/x86/mm.h"
#include "arch/x86/tsc.h"
#include "kvmlike/vm.h"
#include "kvmlike/vmx_priv.h"
#include "lib/errno.h"
#include "lib/string.h"

int vmx_enter(struct vcpu_regs *regs, int launched);

static struct vmx_vcpu *vmx(struct vcpu *v)
{
	return v->hw;
}

/* 24.6.11: WB paging-structure memory type when supported, 4 levels. */
static u64 vmx_eptp(struct vcpu *v)
{
	u64 cap = rdmsr(MSR_IA32_VMX_EPT_VPID_CAP);

	return vm_nested_root(v->vm) | EPTP_WALK4 |
	       ((cap & VMX_EPT_CAP_WB) ? EPTP_MT_WB : 0);
}

static int vmx_write_controls(struct vcpu *v, const struct vmx_ctls *c)
{
	struct vmx_vcpu *vv = vmx(v);
	bool ok = true;

	vv->preempt = c->pin & PIN_PREEMPTION_TIMER;
	vv->cpu2 = c->cpu2;
	vv->eptp = vmx_eptp(v);
	ok &= vmcs_write(PIN_BASED_CTLS, c->pin);
	ok &= vmcs_write(CPU_BASED_CTLS, c->cpu);
	ok &= vmcs_write(SECONDARY_CTLS, c->cpu2);
	ok &= vmcs_write(EXIT_CTLS, c->exit);
	ok &= vmcs_write(ENTRY_CTLS, c->entry);
	ok &= vmcs_write(EXCEPTION_BITMAP, VMX_EXC_BITMAP);
	ok &= vmcs_write(MSR_BITMAP, virt_to_phys(vv->msr_bitmap));
	if (vv->vpid)
		ok &= vmcs_write(VIRTUAL_PROCESSOR_ID, vv->vpid);
	ok &= vmcs_write(EPT_POINTER, vv->eptp);
	ok &= vmx_write_host_state();
	ok &= vmx_write_guest_state();
	return ok ? 0 : -EIO;
}

static void vmx_destroy(struct vcpu *v)
{
	struct vmx_vcpu *vv = vmx(v);

	if (vv->vmcs)
		vmx_unload(vv);
	if (vv->vmcs)
		page_free(vv->vmcs);
	if (vv->msr_bitmap)
		page_free(vv->msr_bitmap);
	page_free(vv);
	v->hw = NULL;
}

/* IA32_VMX_EPT_VPID_CAP exists only when secondary controls do and EPT
 * may be enabled (A.10): vmx_fit_all has checked both (it fails first
 * on a CPU such as Bochs' core2_penryn_t9600, where reading it is #GP). */
static int vmx_create(struct vcpu *v)
{
	struct vmx_vcpu *vv;
	struct vmx_ctls c;
	const char *missing;
	int err = vmx_fit_all(&c, &missing);
	u64 ept;

	if (err) {
		vm_set_err(v->vm, "VMX without %s", missing);
		return err;
	}
	ept = rdmsr(MSR_IA32_VMX_EPT_VPID_CAP);
	/* All-context INVEPT too: VMXON needs it (vmx_cpu.c), as KVM
	 * refuses EPT without it (A.10: bit 26). */
	if (!(ept & VMX_EPT_CAP_WALK4) || !(ept & VMX_EPT_CAP_INVEPT) ||
	    !(ept & VMX_EPT_CAP_INVEPT_ALL)) {
		vm_set_err(v->vm, "EPT without 4-level walks or all-context "
				  "INVEPT");
		return -EOPNOTSUPP;
	}
	vv = page_alloc();
	if (!vv)
		return -ENOMEM;
	v->hw = vv;
	vv->vmcs = page_alloc();
	vv->msr_bitmap = page_alloc();
	if (!vv->vmcs || !vv->msr_bitmap) {
		vmx_destroy(v);
		return -ENOMEM;
	}
	memset(vv->msr_bitmap, 0xff, PAGE_SIZE);
	vmx_init_region(vv->vmcs);
	vv->cpu = -1;
	/* A VPID per VM (28.1) where INVVPID can flush it; else VPID 0,
	 * whose translations every entry and exit flush. */
	if ((c.cpu2 & CPU2_ENABLE_VPID) && (ept & VMX_VPID_CAP_INVVPID) &&
	    (ept & (VMX_VPID_CAP_INVVPID_SINGLE | VMX_VPID_CAP_INVVPID_ALL)))
		vv->vpid = vm_tag(v->vm);
	else
		c.cpu2 &= ~(u32)CPU2_ENABLE_VPID;
	if (!VMX_PA_INSN("vmclear", virt_to_phys(vv->vmcs)) || vmx_load(vv))
		err = -EIO;
	if (!err)
		err = vmx_write_controls(v, &c);
	/* vmx_load above ran before the EPTP existed: flush it now, before
	 * the first entry, or this CPU may use translations it cached for
	 * an earlier EPT root at the same address (29.4.3.1; transitions
	 * need not invalidate EPTP-tagged mappings, 29.4.3.3). */
	if (!err) {
		err = vmx_invept(vv->eptp);
		if (err)
			vm_set_err(v->vm, "INVEPT of the new EPT root failed");
		else
			v->tlb_flushes++;
	}
	if (err)
		vmx_destroy(v);
	return err;
}

static void vmx_reset(struct vcpu *v)
{
	if (vmx_load(vmx(v)) == 0)
		vmx_write_guest_state();
}

static void vmx_decode_io(struct vcpu_exit *e)
{
	e->port = (u16)FIELD_GET(VMX_IO_PORT, e->qual);
	e->in = e->qual & VMX_IO_IN;
	e->size = (e->qual & VMX_IO_STRING)
		      ? 0
		      : (u8)(FIELD_GET(VMX_IO_SIZE, e->qual) + 1);
}

static const struct vcpu_exit_code vmx_exit_codes[] = {
	{ VMX_EXIT_WBINVD, VCPU_EXIT_WBINVD },
	{ VMX_EXIT_INVD, VCPU_EXIT_INVD },
	{ VMX_EXIT_VMCALL, VCPU_EXIT_HYPERCALL },
	{ VMX_EXIT_HLT, VCPU_EXIT_HLT },
	{ VMX_EXIT_IO, VCPU_EXIT_IO },
	{ VMX_EXIT_EPT_VIOLATION, VCPU_EXIT_NPF },
	{ VMX_EXIT_TRIPLE_FAULT, VCPU_EXIT_SHUTDOWN },
	{ VMX_EXIT_EXT_INTR, VCPU_EXIT_INTR },
	{ VMX_EXIT_PREEMPTION, VCPU_EXIT_WATCHDOG },
	{ VMX_EXIT_EXC_NMI, VCPU_EXIT_EXCEPTION },
	{ VMX_EXIT_INIT, VCPU_EXIT_INIT },
	{ VMX_EXIT_SIPI, VCPU_EXIT_INIT },
	{ VMX_EXIT_CPUID, VCPU_EXIT_CPUID },
	{ VMX_EXIT_GETSEC, VCPU_EXIT_ESCAPE },
	{ VMX_EXIT_CR_ACCESS, VCPU_EXIT_CR },
	{ VMX_EXIT_RDMSR, VCPU_EXIT_MSR },
	{ VMX_EXIT_WRMSR, VCPU_EXIT_MSR },
	{ VMX_EXIT_EPT_MISCONFIG, VCPU_EXIT_MISCONFIG },
	{ VMX_EXIT_INVEPT, VCPU_EXIT_ESCAPE },
	{ VMX_EXIT_INVVPID, VCPU_EXIT_ESCAPE },
	{ VMX_EXIT_XSETBV, VCPU_EXIT_XSETBV },
	{ VMX_EXIT_MWAIT, VCPU_EXIT_MWAIT },
	{ VMX_EXIT_MONITOR, VCPU_EXIT_MWAIT },
};

/* MOV to/from CR; CLTS and LMSW (access types 2, 3) are not handled. */
static void vmx_decode_cr(struct vcpu_exit *e)
{
	unsigned access = (unsigned)FIELD_GET(VMX_CR_ACCESS, e->qual);

	e->cr = (u8)FIELD_GET(VMX_CR_NUM, e->qual);
	e->gpr = (s8)FIELD_GET(VMX_CR_GPR, e->qual);
	e->write = access == 0;
	if (access > 1)
		e->kind = VCPU_EXIT_OTHER;
}

/* Reason 0 with NMI exiting: an NMI of the host's (interruption type 2),
 * a machine check (the host's), else an exception of the guest's in the
 * bitmap, reflected by the loop (27.2.2). A #DB exit leaves DR6 as it
 * was (27.1): the guest's DR6, the live register on VMX, gets the bits
 * of the exit qualification the exception would have set. */
static void vmx_decode_exc(struct vcpu_exit *e)
{
	u32 info = (u32)vmcs_read(EXIT_INTR_INFO);
	unsigned vec = (unsigned)FIELD_GET(VCPU_EV_VECTOR, info);
	u64 dr6 = DR6_FIXED_1 | (e->qual & VMX_DB_QUAL_DR6);

	e->qual = info;
	e->info2 = vmcs_read(EXIT_INTR_ERRCODE);
	if (FIELD_GET(VCPU_EV_TYPE, info) == VCPU_EV_TYPE_NMI)
		e->kind = VCPU_EXIT_NMI;
	else if (vec == X86_VEC_MC)
		e->kind = VCPU_EXIT_MCE;
	else if (vec == X86_VEC_DB)
		asm volatile("mov %0, %%dr6" ::"r"(dr6));
}

static void vmx_decode(struct vcpu_exit *e)
{
	u64 reason = vmcs_read(EXIT_REASON) & 0xffff;

	e->reason = vmcs_read(EXIT_REASON);
	e->qual = vmcs_read(EXIT_QUALIFICATION);
	e->rip = vmcs_read(GUEST_RIP);
	/* Valid for exits caused by instructions (27.2.5). */
	e->len = (unsigned)vmcs_read(EXIT_INSTRUCTION_LEN);
	e->kind = (e->reason & VMX_EXIT_FAILED_ENTRY)
		      ? VCPU_EXIT_ENTRY_FAILED
		      : vcpu_exit_kind_of(vmx_exit_codes,
					  ARRAY_SIZE(vmx_exit_codes),
					  e->reason & 0xffff);
	if (e->kind == VCPU_EXIT_IO)
		vmx_decode_io(e);
	if (e->kind == VCPU_EXIT_NPF || e->kind == VCPU_EXIT_MISCONFIG) {
		e->gpa = vmcs_read(GUEST_PHYS_ADDR); /* 27.2.1, table 27-7 */
		e->len = 0;
	}
	if (e->kind == VCPU_EXIT_CR)
		vmx_decode_cr(e);
	if (e->kind == VCPU_EXIT_MSR)
		e->write = reason == VMX_EXIT_WRMSR;
	if (e->kind == VCPU_EXIT_EXCEPTION)
		vmx_decode_exc(e);
	/* IDT-vectoring information (27.2.4): the EVENTINJ-like format. */
	e->vectoring.info = (u32)vmcs_read(IDT_VECTORING_INFO);
	if (e->vectoring.info & VCPU_EV_VALID) {
		e->vectoring.err = (u32)vmcs_read(IDT_VECTORING_ERRCODE);
		e->vectoring.len = e->len;
	}
}

/* The preemption timer counts down at the TSC rate divided by 2^MISC[4:0]
 * (25.5.1) and is reloaded on every entry: an exit once the TSC reaches
 * @end. Without it, the local APIC timer, whose interrupt exits
 * (external-interrupt exiting) whatever the guest's RFLAGS.IF. With it,
 * the APIC timer too, VMX_APIC_BACKSTOP_US later: the preemption timer
 * does not count in C-states deeper than C2 (25.5.1), so it alone would
 * not bound a guest that idled the CPU. */
#define VMX_APIC_BACKSTOP_US 1000
static void vmx_arm_watchdog(struct vcpu *v, deadline_t end)
{
	unsigned rate;
	u64 now, ticks;

	if (!vmx(v)->preempt || !end) {
		apic_timer_until((unsigned)v->cpu, end);
		return;
	}
	apic_timer_until((unsigned)v->cpu,
			 end + VMX_APIC_BACKSTOP_US * tsc_khz() / 1000);
	rate = (unsigned)FIELD_GET(VMX_MISC_PREEMPT_RATE,
				   rdmsr(MSR_IA32_VMX_MISC));
	now = rdtsc();
	ticks = (end > now ? end - now : 0) >> rate;
	vmcs_write(PREEMPTION_TIMER_VALUE, MIN(MAX(ticks, 1), 0xffffffffULL));
}

/* The event the loop queued (an exception of its own, or one whose
 * delivery an exit interrupted) goes in with this entry (26.6). */
static void vmx_inject(struct vcpu *v)
{
	struct vcpu_event *ev = &v->pending;

	vmcs_write(ENTRY_INTR_INFO, ev->info);
	if (!(ev->info & VCPU_EV_VALID))
		return;
	vmcs_write(ENTRY_EXCEPTION_ERRCODE, ev->err);
	vmcs_write(ENTRY_INSTR_LEN, ev->len);
	ev->info = 0;
}

/* The guest's SYSENTER MSRs, loaded on entry from the guest-state area
 * (26.3.2.1). STAR, LSTAR, CSTAR, SFMASK and KernelGSBase are used only
 * in IA-32e mode on Intel, which the guest never reaches (emulate.c
 * wr_efer): their copies stay emulated, the registers the host's. */
static bool vmx_write_sysenter(const struct vcpu *v)
{
	return vmcs_write(GUEST_SYSENTER_CS, v->msrs.sysenter_cs) &&
	       vmcs_write(GUEST_SYSENTER_ESP, v->msrs.sysenter_esp) &&
	       vmcs_write(GUEST_SYSENTER_EIP, v->msrs.sysenter_eip);
}

static int vmx_enter_guest(struct vcpu *v, struct vcpu_exit *e)
{
	struct vmx_vcpu *vv = vmx(v);
	int failed;

	if (vmx_load(vv) || !vmx_write_host_bases() || !vmx_write_sysenter(v))
		return -EIO;
	vmx_inject(v);
	failed = vmx_enter(&v->regs, vv->launched);
	vmx_restore_host_tables();
	if (failed) {
		e->kind = VCPU_EXIT_ENTRY_FAILED;
		e->info2 = vmcs_read(VM_INSTRUCTION_ERROR);
		e->rip = vmcs_read(GUEST_RIP);
		return 0;
	}
	vv->launched = true;
	vmx_decode(e);
	if (e->kind == VCPU_EXIT_NMI) /* the host's: raise it again (KVM) */
		asm volatile("int $2");
	return 0;
}

/* The guest's DR6 is the live register on VMX, not a VMCS field: the
 * #DB the loop injects goes without DR6.BS here. */
static bool vmx_skip(struct vcpu *v, unsigned len)
{
	if (vmx_load(vmx(v)))
		return false;
	vmcs_write(GUEST_RIP, vmcs_read(GUEST_RIP) + len);
	vmcs_write(GUEST_INTERRUPTIBILITY, vmcs_read(GUEST_INTERRUPTIBILITY) &
					       ~(u64)VMX_INTR_BLOCK_STI_MOVSS);
	return vmcs_read(GUEST_RFLAGS) & X86_RFLAGS_TF;
}

/* The bits the host owns (CR0.CD, NW; CR4.VMXE) come from the read
 * shadow in the guest's view and never reach GUEST_CR0/CR4 (25.3). */
static u64 vmx_get_cr(struct vcpu *v, unsigned cr)
{
	u64 mask;

	if (vmx_load(vmx(v)))
		return 0;
	if (cr == 3)
		return vmcs_read(GUEST_CR3);
	mask = vmcs_read(cr ? CR4_GUEST_HOST_MASK : CR0_GUEST_HOST_MASK);
	return (vmcs_read(cr ? GUEST_CR4 : GUEST_CR0) & ~mask) |
	       (vmcs_read(cr ? CR4_READ_SHADOW : CR0_READ_SHADOW) & mask);
}

/* CR0.PE and PG may be clear with unrestricted guest (26.3.1.1); the
 * other FIXED0 bits (NE) and CR4's (VMXE) stay set in hardware. */
static void vmx_set_cr(struct vcpu *v, unsigned cr, u64 val)
{
	u64 hw;

	if (vmx_load(vmx(v)))
		return;
	if (cr == 3) {
		vmcs_write(GUEST_CR3, val);
		return;
	}
	if (cr == 0) {
		hw = val & ~(u64)(X86_CR0_CD | X86_CR0_NW);
		hw |= rdmsr(MSR_IA32_VMX_CR0_FIXED0) &
		      ~(u64)(X86_CR0_PE | X86_CR0_PG);
		vmcs_write(CR0_READ_SHADOW, val);
		vmcs_write(GUEST_CR0, hw & rdmsr(MSR_IA32_VMX_CR0_FIXED1));
		return;
	}
	hw = (val | rdmsr(MSR_IA32_VMX_CR4_FIXED0)) &
	     rdmsr(MSR_IA32_VMX_CR4_FIXED1);
	vmcs_write(CR4_READ_SHADOW, val);
	vmcs_write(GUEST_CR4, hw);
}

/* Loaded on entry, saved on exit (ENTRY_LOAD_EFER/PAT, EXIT_SAVE_*;
 * the host's loaded on exit): the host's never holds the guest's. */
static void vmx_set_efer(struct vcpu *v, u64 efer)
{
	if (vmx_load(vmx(v)) == 0)
		vmcs_write(GUEST_EFER, efer);
}

static void vmx_set_pat(struct vcpu *v, u64 pat)
{
	if (vmx_load(vmx(v)) == 0)
		vmcs_write(GUEST_PAT, pat);
}

static u64 vmx_get_rip(struct vcpu *v)
{
	return vmx_load(vmx(v)) ? 0 : vmcs_read(GUEST_RIP);
}

static void vmx_set_wbinvd_exiting(struct vcpu *v, bool on)
{
	struct vmx_vcpu *vv = vmx(v);

	vv->cpu2 = on ? vv->cpu2 | CPU2_WBINVD_EXITING
		      : vv->cpu2 & ~(u32)CPU2_WBINVD_EXITING;
	if (vmx_load(vv) == 0)
		vmcs_write(SECONDARY_CTLS, vv->cpu2);
}

static bool vmx_wbinvd_exiting(struct vcpu *v)
{
	if (vmx_load(vmx(v)))
		return false;
	return vmcs_read(SECONDARY_CTLS) & CPU2_WBINVD_EXITING;
}

static int vmx_nested_changed(struct vcpu *v)
{
	struct vmx_vcpu *vv = vmx(v);
	u64 old = vv->eptp;
	int err = vmx_load(vv);

	if (err)
		return err;
	vv->eptp = vmx_eptp(v);
	if (!vmcs_write(EPT_POINTER, vv->eptp))
		return -EIO;
	err = vmx_invept(old);
	if (!err)
		err = vmx_invept(vv->eptp);
	if (!err)
		v->tlb_flushes++;
	return err;
}

const struct vcpu_ops vmx_ops = {
	.name = "vmx",
	.vendor = VCPU_VMX,
	.nested_fmt = &pt_fmt_ept,
	.hw_enable = vmx_hw_enable,
	.hw_disable = vmx_hw_disable,
	.hw_force_off = vmx_hw_force_off,
	.create = vmx_create,
	.destroy = vmx_destroy,
	.reset = vmx_reset,
	.enter = vmx_enter_guest,
	.skip = vmx_skip,
	.get_cr = vmx_get_cr,
	.set_cr = vmx_set_cr,
	.set_efer = vmx_set_efer,
	.set_pat = vmx_set_pat,
	.get_rip = vmx_get_rip,
	.arm_watchdog = vmx_arm_watchdog,
	.set_wbinvd_exiting = vmx_set_wbinvd_exiting,
	.wbinvd_exiting = vmx_wbinvd_exiting,
	.nested_changed = vmx_nested_changed,
};
