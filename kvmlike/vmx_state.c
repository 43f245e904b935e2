/* VMX: the VM-execution, exit and entry controls fitted to the capability
 * MSRs (SDM vol. 3C 24.6-24.8, appendix A), and the VMCS's host-state and
 * guest-state areas (24.4, 24.5), checked on entry as 26.2-26.3 say. */
#include "arch/x86/cpu.h"
#include "arch/x86/smp.h"
#include "kvmlike/emulate.h" /* MSR numbers */
#include "kvmlike/vm.h"
#include "kvmlike/vmx.h"
#include "kvmlike/vmx_priv.h"
#include "lib/errno.h"

/* Appendix A.3-A.5: bits clear in the low word must be 1 (allowed-0),
 * bits clear in the high word must be 0 (allowed-1). The TRUE MSRs, when
 * IA32_VMX_BASIC[55] says they exist, allow clearing more default-1
 * bits. @want is required, @may taken when allowed. */
static int vmx_fit(u32 msr, u32 true_msr, u32 want, u32 may, u32 *out)
{
	bool tru = rdmsr(MSR_IA32_VMX_BASIC) & VMX_BASIC_TRUE_CTLS;
	u64 cap = rdmsr(tru && true_msr ? true_msr : msr);
	u32 allowed0 = (u32)cap, allowed1 = (u32)(cap >> 32);

	if (want & ~allowed1)
		return -EOPNOTSUPP;
	*out = (want | (may & allowed1) | allowed0) & allowed1;
	return 0;
}

int vmx_fit_all(struct vmx_ctls *c, const char **missing)
{
	int err = vmx_fit(MSR_IA32_VMX_PINBASED_CTLS,
			  MSR_IA32_VMX_TRUE_PINBASED_CTLS,
			  PIN_EXT_INTR_EXITING | PIN_NMI_EXITING,
			  PIN_PREEMPTION_TIMER, &c->pin);

	*missing = "external-interrupt or NMI exiting";
	if (!err) {
		*missing = "HLT, MWAIT, MONITOR or I/O exiting, MSR bitmaps "
			   "or secondary controls";
		err = vmx_fit(MSR_IA32_VMX_PROCBASED_CTLS,
			      MSR_IA32_VMX_TRUE_PROCBASED_CTLS,
			      CPU_HLT_EXITING | CPU_MWAIT_EXITING |
				  CPU_MONITOR_EXITING | CPU_UNCOND_IO_EXITING |
				  CPU_USE_MSR_BITMAPS | CPU_SECONDARY,
			      0, &c->cpu);
	}
	/* Read only now: the MSR exists with secondary controls (A.3.3).
	 * WBINVD exiting must be possible; it starts off, per request. */
	if (!err) {
		*missing = "EPT, unrestricted guest or WBINVD exiting";
		err = vmx_fit(MSR_IA32_VMX_PROCBASED_CTLS2, 0,
			      CPU2_ENABLE_EPT | CPU2_UNRESTRICTED_GUEST |
				  CPU2_WBINVD_EXITING,
			      CPU2_ENABLE_VPID, &c->cpu2);
	}
	c->cpu2 &= ~(u32)CPU2_WBINVD_EXITING;
	if (!err) {
		*missing = "64-bit host, or saving debug controls, "
			   "saving/loading PAT and EFER on exit";
		err = vmx_fit(
		    MSR_IA32_VMX_EXIT_CTLS, MSR_IA32_VMX_TRUE_EXIT_CTLS,
		    EXIT_SAVE_DEBUG | EXIT_HOST_ADDR_SPACE_64 | EXIT_SAVE_PAT |
			EXIT_LOAD_PAT | EXIT_SAVE_EFER | EXIT_LOAD_EFER,
		    0, &c->exit);
	}
	/* Debug controls asked for, not left to allowed-0: the TRUE MSRs may
	 * let them be 0 (A.4, A.5), and then GUEST_DR7 and GUEST_DEBUGCTL
	 * are neither loaded nor saved (24.7.1, 24.8.1): the guest would run
	 * with the host's DR7. KVM requires both. */
	if (!err) {
		*missing = "loading debug controls, PAT and EFER on entry";
		err = vmx_fit(
		    MSR_IA32_VMX_ENTRY_CTLS, MSR_IA32_VMX_TRUE_ENTRY_CTLS,
		    ENTRY_LOAD_DEBUG | ENTRY_LOAD_PAT | ENTRY_LOAD_EFER, 0,
		    &c->entry);
	}
	if (!err)
		*missing = NULL;
	return err;
}

struct dtr {
	u16 limit;
	u64 base;
} __attribute__((packed));

/* A VM exit loads TR from the VMCS and the selector must not be 0
 * (26.2.3); exits load TR's base and set its limit to 67H without reading
 * the GDT (27.5.2). An AP has its TSS at PERCPU_SEL_TSS (arch/x86/
 * percpu.h); the boot CPU loads none, and its zeroed per-CPU TSS serves:
 * in 64-bit mode at CPL 0 without IST it is never used. GDTR and IDTR
 * are per CPU too: each CPU keeps its own for the exit path. */
static struct dtr vmx_host_gdtr[MAX_CPUS], vmx_host_idtr[MAX_CPUS];

static u16 read_sel(int which)
{
	u16 s;

	switch (which) {
	case 0:
		asm volatile("mov %%cs, %0" : "=r"(s));
		break;
	case 1:
		asm volatile("mov %%ss, %0" : "=r"(s));
		break;
	default:
		asm volatile("mov %%ds, %0" : "=r"(s));
		break;
	}
	return s;
}

/* FS and GS bases as the host has them now (KVM refreshes them before an
 * entry when they changed): an exit loads them back (27.5.2). */
bool vmx_write_host_bases(void)
{
	return vmcs_write(HOST_FS_BASE, rdmsr(MSR_FS_BASE)) &&
	       vmcs_write(HOST_GS_BASE, rdmsr(MSR_GS_BASE));
}

static u64 vmx_host_tss(void)
{
	static struct tss64 none; /* no per-CPU block: SMP never ran */
	struct percpu *pc = smp_this();

	return (u64)(uintptr_t)(pc ? &pc->tss : &none);
}

bool vmx_write_host_state(void)
{
	extern const u8 vmx_exit_entry[];
	unsigned cpu = smp_cpu();
	struct dtr *gdtr = &vmx_host_gdtr[cpu], *idtr = &vmx_host_idtr[cpu];
	bool ok = true;

	asm volatile("sgdt %0" : "=m"(*gdtr));
	asm volatile("sidt %0" : "=m"(*idtr));
	ok &= vmcs_write(HOST_CR0, read_cr0());
	ok &= vmcs_write(HOST_CR3, read_cr3());
	ok &= vmcs_write(HOST_CR4, read_cr4());
	ok &= vmcs_write(HOST_CS_SEL, read_sel(0));
	ok &= vmcs_write(HOST_SS_SEL, read_sel(1));
	ok &= vmcs_write(HOST_DS_SEL, read_sel(2));
	ok &= vmcs_write(HOST_ES_SEL, read_sel(2));
	ok &= vmcs_write(HOST_FS_SEL, 0);
	ok &= vmcs_write(HOST_GS_SEL, 0);
	ok &= vmcs_write(HOST_TR_SEL, PERCPU_SEL_TSS);
	ok &= vmx_write_host_bases();
	ok &= vmcs_write(HOST_TR_BASE, vmx_host_tss());
	ok &= vmcs_write(HOST_GDTR_BASE, gdtr->base);
	ok &= vmcs_write(HOST_IDTR_BASE, idtr->base);
	ok &= vmcs_write(HOST_SYSENTER_CS, 0);
	ok &= vmcs_write(HOST_SYSENTER_ESP, 0);
	ok &= vmcs_write(HOST_SYSENTER_EIP, 0);
	ok &= vmcs_write(HOST_PAT, rdmsr(MSR_IA32_PAT));
	ok &= vmcs_write(HOST_EFER, rdmsr(MSR_EFER));
	ok &= vmcs_write(HOST_RIP, (u64)(uintptr_t)vmx_exit_entry);
	return ok;
}

/* 27.5.2: an exit sets the GDTR and IDTR limits to FFFFH; put back ours. */
void vmx_restore_host_tables(void)
{
	unsigned cpu = smp_cpu();

	asm volatile("lgdt %0" ::"m"(vmx_host_gdtr[cpu]));
	asm volatile("lidt %0" ::"m"(vmx_host_idtr[cpu]));
}

/* Segment fields of ES, CS, SS, DS, FS, GS, LDTR, TR: 2 apart. */
static bool vmx_guest_seg(unsigned i, u16 sel, u32 limit, u32 ar)
{
	bool ok = vmcs_write(GUEST_ES_SEL + 2 * i, sel);

	ok &= vmcs_write(GUEST_ES_LIMIT + 2 * i, limit);
	ok &= vmcs_write(GUEST_ES_AR + 2 * i, ar);
	ok &= vmcs_write(GUEST_ES_BASE + 2 * i, 0);
	return ok;
}

/* The stub's CPU: 32-bit protected mode with paging off, which needs
 * "unrestricted guest" (26.3.1.1: CR0.PE and PG then need not match
 * IA32_VMX_CR0_FIXED0). CR4.VMXE is fixed to 1 and hidden by the CR4
 * mask and read shadow. IDT limit 0: an unplanned exception becomes a
 * triple fault. */
static bool vmx_guest_cpu(void)
{
	u64 cr0 = X86_CR0_PE | BIT(4) /* ET */ | X86_CR0_NE;
	bool ok = true;

	cr0 |= rdmsr(MSR_IA32_VMX_CR0_FIXED0) & ~(X86_CR0_PE | X86_CR0_PG);
	cr0 &= rdmsr(MSR_IA32_VMX_CR0_FIXED1);
	ok &= vmcs_write(GUEST_CR0, cr0);
	/* CD and NW are the host's: the guest's writes of them exit, its
	 * reads see the read shadow (25.3; KVM keeps them out of hardware
	 * too, and sets the EPT memory type instead). */
	ok &= vmcs_write(CR0_GUEST_HOST_MASK, X86_CR0_CD | X86_CR0_NW);
	ok &= vmcs_write(CR0_READ_SHADOW, cr0);
	ok &= vmcs_write(GUEST_CR3, 0);
	ok &= vmcs_write(GUEST_CR4, rdmsr(MSR_IA32_VMX_CR4_FIXED0));
	ok &= vmcs_write(CR4_GUEST_HOST_MASK, X86_CR4_VMXE);
	ok &= vmcs_write(CR4_READ_SHADOW, 0);
	ok &= vmcs_write(GUEST_DR7, 0x400);
	ok &= vmcs_write(GUEST_RSP, GUEST_STACK_TOP);
	ok &= vmcs_write(GUEST_RIP, GUEST_CODE_GPA);
	ok &= vmcs_write(GUEST_RFLAGS, BIT(1));
	ok &= vmcs_write(GUEST_GDTR_BASE, 0);
	ok &= vmcs_write(GUEST_GDTR_LIMIT, 0);
	ok &= vmcs_write(GUEST_IDTR_BASE, 0);
	ok &= vmcs_write(GUEST_IDTR_LIMIT, 0);
	return ok;
}

bool vmx_write_guest_state(void)
{
	bool ok = vmx_guest_cpu();

	for (unsigned i = 0; i < 6; i++)
		ok &= vmx_guest_seg(i, i == 1 ? GUEST_SEL_CODE : GUEST_SEL_DATA,
				    0xffffffff,
				    i == 1 ? VMX_AR_CODE32 : VMX_AR_DATA32);
	ok &= vmx_guest_seg(6, 0, 0, VMX_AR_UNUSABLE);
	ok &= vmx_guest_seg(7, GUEST_SEL_TSS, 0x67, VMX_AR_TSS32_BUSY);
	ok &= vmcs_write(GUEST_INTERRUPTIBILITY, 0);
	ok &= vmcs_write(GUEST_ACTIVITY_STATE, 0);
	ok &= vmcs_write(GUEST_PENDING_DBG, 0);
	ok &= vmcs_write(VMCS_LINK_POINTER, ~0ULL);
	ok &= vmcs_write(GUEST_DEBUGCTL, 0);
	ok &= vmcs_write(GUEST_SYSENTER_CS, 0);
	ok &= vmcs_write(GUEST_SYSENTER_ESP, 0);
	ok &= vmcs_write(GUEST_SYSENTER_EIP, 0);
	ok &= vmcs_write(GUEST_PAT, VM_GUEST_PAT);
	ok &= vmcs_write(GUEST_EFER, 0);
	ok &= vmcs_write(ENTRY_INTR_INFO, 0);
	return ok;
}
