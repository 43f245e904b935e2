/* The VMX backend: VMXON, one VMCS per vCPU with EPT and unrestricted
 * guest, controls fitted to the capability MSRs, and its exits decoded
 * for the common loop. Intel SDM vol. 3C chapters 23-29. */
#include "kvmlike/vmx.h"
#include "arch/x86/cpu.h"
#include "arch/x86/mm.h"
#include "arch/x86/tsc.h"
#include "kvmlike/kvm.h"
#include "kvmlike/vmx_priv.h"
#include "lib/errno.h"
#include "lib/string.h"

struct vmx_vcpu {
	void *vmcs;
	void *msr_bitmap; /* zeroed: no MSR in the low and high ranges exits */
	bool launched;
	bool preempt; /* the preemption timer is the run's watchdog */
	u32 cpu2;     /* secondary controls as written */
	u64 eptp;
};

static void *vmxon_region;
static bool vmx_on;
static struct vmx_vcpu *vmx_current; /* the VMCS made current by VMPTRLD */

int vmx_enter(struct vcpu_regs *regs, int launched);

static struct vmx_vcpu *vmx(struct vcpu *v)
{
	return v->hw;
}

static u32 vmx_revision(void)
{
	return (u32)rdmsr(MSR_IA32_VMX_BASIC) & 0x7fffffff;
}

/* VMXON, VMCLEAR, VMPTRLD take a physical address in memory (30.3). */
#define VMX_PA_INSN(insn, pa)                     \
	({                                        \
		bool __fail;                      \
		u64 __pa = (pa);                  \
		asm volatile(insn " %1; setbe %0" \
			     : "=q"(__fail)       \
			     : "m"(__pa)          \
			     : "cc", "memory");   \
		!__fail;                          \
	})

/* 24.7 (enabling VMX): IA32_FEATURE_CONTROL locked with VMXON allowed
 * outside SMX, and CR0/CR4 within the FIXED0/FIXED1 MSRs (24.8: CR0.NE
 * and CR4.VMXE among them). */
static int vmx_hw_enable(void)
{
	u64 fc = rdmsr(MSR_IA32_FEATURE_CONTROL);

	if (!(fc & FEATURE_CONTROL_LOCK))
		wrmsr(MSR_IA32_FEATURE_CONTROL,
		      fc | FEATURE_CONTROL_LOCK | FEATURE_CONTROL_VMXON);
	else if (!(fc & FEATURE_CONTROL_VMXON))
		return -EPERM;
	vmxon_region = page_alloc();
	if (!vmxon_region)
		return -ENOMEM;
	*(u32 *)vmxon_region = vmx_revision();
	write_cr0((read_cr0() | rdmsr(MSR_IA32_VMX_CR0_FIXED0)) &
		  rdmsr(MSR_IA32_VMX_CR0_FIXED1));
	write_cr4((read_cr4() | X86_CR4_VMXE | rdmsr(MSR_IA32_VMX_CR4_FIXED0)) &
		  rdmsr(MSR_IA32_VMX_CR4_FIXED1));
	if (!VMX_PA_INSN("vmxon", virt_to_phys(vmxon_region))) {
		write_cr4(read_cr4() & ~(u64)X86_CR4_VMXE);
		page_free(vmxon_region);
		vmxon_region = NULL;
		return -EIO;
	}
	vmx_on = true;
	return 0;
}

static void vmx_hw_disable(void)
{
	if (vmx_on)
		asm volatile("vmxoff" ::: "cc", "memory");
	vmx_on = false;
	vmx_current = NULL;
	write_cr4(read_cr4() & ~(u64)X86_CR4_VMXE);
	if (vmxon_region)
		page_free(vmxon_region);
	vmxon_region = NULL;
}

static void vmx_hw_force_off(void)
{
	if (vmx_on || (read_cr4() & X86_CR4_VMXE))
		vmx_hw_disable();
}

/* 24.6.11: WB paging-structure memory type when supported, 4 levels. */
static u64 vmx_eptp(struct vcpu *v)
{
	u64 cap = rdmsr(MSR_IA32_VMX_EPT_VPID_CAP);

	return vm_nested_root(v->vm) | EPTP_WALK4 |
	       ((cap & VMX_EPT_CAP_WB) ? EPTP_MT_WB : 0);
}

static int vmx_load(struct vmx_vcpu *vv)
{
	if (vmx_current == vv)
		return 0;
	if (!VMX_PA_INSN("vmptrld", virt_to_phys(vv->vmcs)))
		return -EIO;
	vmx_current = vv;
	return 0;
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
	ok &= vmcs_write(EXCEPTION_BITMAP, 0);
	ok &= vmcs_write(MSR_BITMAP, virt_to_phys(vv->msr_bitmap));
	ok &= vmcs_write(EPT_POINTER, vv->eptp);
	ok &= vmx_write_host_state();
	ok &= vmx_write_guest_state();
	return ok ? 0 : -EIO;
}

static void vmx_destroy(struct vcpu *v)
{
	struct vmx_vcpu *vv = vmx(v);

	if (vv->vmcs && vmx_on)
		VMX_PA_INSN("vmclear", virt_to_phys(vv->vmcs));
	if (vmx_current == vv)
		vmx_current = NULL;
	if (vv->vmcs)
		page_free(vv->vmcs);
	if (vv->msr_bitmap)
		page_free(vv->msr_bitmap);
	page_free(vv);
	v->hw = NULL;
}

static int vmx_create(struct vcpu *v)
{
	u64 ept = rdmsr(MSR_IA32_VMX_EPT_VPID_CAP);
	struct vmx_vcpu *vv;
	struct vmx_ctls c;
	int err = vmx_fit_all(&c);

	if (!err && (!(ept & VMX_EPT_CAP_WALK4) || !(ept & VMX_EPT_CAP_INVEPT)))
		err = -EOPNOTSUPP;
	if (err)
		return err;
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
	*(u32 *)vv->vmcs = vmx_revision();
	if (!VMX_PA_INSN("vmclear", virt_to_phys(vv->vmcs)) || vmx_load(vv))
		err = -EIO;
	if (!err)
		err = vmx_write_controls(v, &c);
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
};

static void vmx_decode(struct vcpu_exit *e)
{
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
	if (e->kind == VCPU_EXIT_NPF) { /* 27.2.1, table 27-7 */
		e->gpa = vmcs_read(GUEST_PHYS_ADDR);
		e->len = 0;
	}
}

/* The preemption timer counts down at the TSC rate divided by 2^MISC[4:0]
 * (25.5.1); it is reloaded on every entry, so it bounds one stretch of
 * guest execution without exits. */
static void vmx_arm_watchdog(void)
{
	unsigned rate = (unsigned)FIELD_GET(VMX_MISC_PREEMPT_RATE,
					    rdmsr(MSR_IA32_VMX_MISC));
	u64 ticks = (VCPU_RUN_US * tsc_khz() / 1000) >> rate;

	vmcs_write(PREEMPTION_TIMER_VALUE, MIN(ticks, 0xffffffffULL));
}

static int vmx_enter_guest(struct vcpu *v, struct vcpu_exit *e)
{
	struct vmx_vcpu *vv = vmx(v);
	int failed;

	if (vmx_load(vv))
		return -EIO;
	if (vv->preempt)
		vmx_arm_watchdog();
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
	return 0;
}

static void vmx_skip(struct vcpu *v, unsigned len)
{
	if (vmx_load(vmx(v)) == 0)
		vmcs_write(GUEST_RIP, vmcs_read(GUEST_RIP) + len);
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

/* 29.4.3.1: after changing EPT entries, INVEPT for the EPTP (single
 * context when supported, else all contexts); both roots, old and new. */
static void vmx_invept(u64 eptp)
{
	u64 cap = rdmsr(MSR_IA32_VMX_EPT_VPID_CAP);
	struct {
		u64 eptp, rsvd;
	} desc = { eptp, 0 };
	u64 type = (cap & VMX_EPT_CAP_INVEPT_SINGLE) ? INVEPT_SINGLE
						     : INVEPT_ALL;

	asm volatile("invept %0, %1" ::"m"(desc), "r"(type) : "cc", "memory");
}

static void vmx_nested_changed(struct vcpu *v)
{
	struct vmx_vcpu *vv = vmx(v);
	u64 old = vv->eptp;

	if (vmx_load(vv))
		return;
	vv->eptp = vmx_eptp(v);
	vmcs_write(EPT_POINTER, vv->eptp);
	vmx_invept(old);
	vmx_invept(vv->eptp);
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
	.set_wbinvd_exiting = vmx_set_wbinvd_exiting,
	.wbinvd_exiting = vmx_wbinvd_exiting,
	.nested_changed = vmx_nested_changed,
};
