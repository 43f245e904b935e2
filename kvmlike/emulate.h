/* What the host does in the guest's place (kvmlike/emulate.c): the MSRs
 * a guest has its own copy of, CPUID, moves to and from the control
 * registers whose bits the host owns, and the length of an intercepted
 * instruction when the CPU does not say. Called by the run loop
 * (vcpu.c) on the vCPU's own CPU; private to kvmlike/. */
#ifndef KVMLIKE_EMULATE_H
#define KVMLIKE_EMULATE_H

#include "kvmlike/vcpu.h"

#define MSR_IA32_SYSENTER_CS  0x174
#define MSR_IA32_SYSENTER_ESP 0x175
#define MSR_IA32_SYSENTER_EIP 0x176
#define MSR_STAR	      0xc0000081
#define MSR_LSTAR	      0xc0000082
#define MSR_CSTAR	      0xc0000083
#define MSR_SFMASK	      0xc0000084
#define MSR_FS_BASE	      0xc0000100
#define MSR_GS_BASE	      0xc0000101
#define MSR_KERNEL_GS_BASE    0xc0000102

/* The guest's MSRs at reset: EFER 0, the VM's PAT, MTRRs off, the APIC
 * at its default base (BSP, enabled). */
void emul_reset(struct vcpu *v);
/* 0, or -EPERM: the guest gets #GP(0). */
int emul_rdmsr(struct vcpu *v, u32 msr, u64 *val);
int emul_wrmsr(struct vcpu *v, u32 msr, u64 val);
/* CPUID @leaf/@sub as the guest sees it: no VMX, no SVM, no XSAVE, and
 * the hypervisor bit (CPUID.1:ECX[31]). */
void emul_cpuid(u32 leaf, u32 sub, u32 out[4]);
/* MOV to/from CR @e->cr: 0, -EPERM (#GP), -EINVAL (not handled). */
int emul_cr(struct vcpu *v, const struct vcpu_exit *e);
/* The length of the instruction at guest @rip (paging off: linear is
 * guest-physical), or -EINVAL for one this host does not intercept:
 * legacy prefixes, then HLT, IN/OUT, 0F 06/08/09/30/32/A2, 0F 01 xx and
 * MOV to/from CR (0F 20/22 with a register operand). */
int emul_insn_len(struct vcpu *v, u64 rip);
/* Where the guest keeps general register @n (SDM vol. 2A table 3-1:
 * 0 RAX, 1 RCX, 2 RDX, 3 RBX, 4 RSP, 5 RBP, 6 RSI, 7 RDI, 8-15 R8-R15);
 * NULL for RSP, which the backend keeps. */
u64 *emul_gpr(struct vcpu *v, unsigned n);

#endif
