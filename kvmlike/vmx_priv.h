/* Shared by vmx.c and vmx_state.c: not part of the contract. */
#ifndef KVMLIKE_VMX_PRIV_H
#define KVMLIKE_VMX_PRIV_H

#include "lib/types.h"

/* A vCPU's VMX state. */
struct vmx_vcpu {
	void *vmcs;
	void *msr_bitmap; /* all ones: every MSR access exits (24.6.9) */
	int cpu;	  /* where the VMCS is active, -1: cleared */
	bool launched;
	bool preempt; /* the preemption timer is the run's watchdog */
	u16 vpid;     /* 0: none (the CPU has no usable VPID) */
	u32 cpu2;     /* secondary controls as written */
	u64 eptp;
};

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

/* vmx_cpu.c: VMX on and off on every online CPU; the VMCS current on
 * this CPU (vmx_load: 0, -ENODEV when VMX is off here, -EIO); VMCLEAR
 * wherever it is active (vmx_unload). */
int vmx_hw_enable(void);
void vmx_hw_disable(void);
void vmx_hw_force_off(void);
int vmx_load(struct vmx_vcpu *vv);
void vmx_unload(struct vmx_vcpu *vv);
/* The revision identifier at the start of a VMXON region or VMCS. */
void vmx_init_region(void *page);
/* Flush this CPU's translations for the VMCS's EPTP and VPID; INVEPT of
 * one EPTP (29.4.3). 0, or -EIO when an INVEPT/INVVPID failed (printed),
 * -EOPNOTSUPP when the CPU has no INVEPT type at all. */
int vmx_flush_tags(struct vmx_vcpu *vv);
int vmx_invept(u64 eptp);

struct vmx_ctls {
	u32 pin, cpu, cpu2, exit, entry;
};

/* The controls this backend needs, fitted to what the CPU allows; WBINVD
 * exiting must be possible and starts off. -EOPNOTSUPP when a required
 * control cannot be set, *missing then naming it in words. */
int vmx_fit_all(struct vmx_ctls *c, const char **missing);
/* Write the VMCS's host-state area (VMCS current). False when a VMWRITE
 * failed. */
bool vmx_write_host_state(void);
/* Only HOST_FS_BASE and HOST_GS_BASE, before every entry. */
bool vmx_write_host_bases(void);
/* Write the guest-state area for the stub's entry (VMCS current). */
bool vmx_write_guest_state(void);
/* Reload GDTR and IDTR with their real limits after a VM exit. */
void vmx_restore_host_tables(void);

#endif
