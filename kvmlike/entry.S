/* Guest entry and exit for both backends. The guest's general registers
 * live in struct vcpu_regs (kvmlike/vcpu.h: rax, rbx, rcx, rdx, rsi, rdi,
 * rbp, r8..r15 at 8-byte steps); the host's callee-saved ones on the
 * stack, with the regs pointer on top so that the exit path finds it. */

#define R_RAX 0
#define R_RBX 8
#define R_RCX 16
#define R_RDX 24
#define R_RSI 32
#define R_RDI 40
#define R_RBP 48
#define R_R8  56
#define R_R9  64
#define R_R10 72
#define R_R11 80
#define R_R12 88
#define R_R13 96
#define R_R14 104
#define R_R15 112

#define VMCS_HOST_RSP 0x6c14

.macro save_host
	push %rbp
	push %rbx
	push %r12
	push %r13
	push %r14
	push %r15
.endm

.macro restore_host
	pop %r15
	pop %r14
	pop %r13
	pop %r12
	pop %rbx
	pop %rbp
.endm

/* Every guest register but RAX and RDI, from (%rdi). */
.macro load_guest
	mov R_RBX(%rdi), %rbx
	mov R_RCX(%rdi), %rcx
	mov R_RDX(%rdi), %rdx
	mov R_RSI(%rdi), %rsi
	mov R_RBP(%rdi), %rbp
	mov R_R8(%rdi), %r8
	mov R_R9(%rdi), %r9
	mov R_R10(%rdi), %r10
	mov R_R11(%rdi), %r11
	mov R_R12(%rdi), %r12
	mov R_R13(%rdi), %r13
	mov R_R14(%rdi), %r14
	mov R_R15(%rdi), %r15
.endm

/* Every guest register but RAX and RDI, to (%rdi). */
.macro store_guest
	mov %rbx, R_RBX(%rdi)
	mov %rcx, R_RCX(%rdi)
	mov %rdx, R_RDX(%rdi)
	mov %rsi, R_RSI(%rdi)
	mov %rbp, R_RBP(%rdi)
	mov %r8, R_R8(%rdi)
	mov %r9, R_R9(%rdi)
	mov %r10, R_R10(%rdi)
	mov %r11, R_R11(%rdi)
	mov %r12, R_R12(%rdi)
	mov %r13, R_R13(%rdi)
	mov %r14, R_R14(%rdi)
	mov %r15, R_R15(%rdi)
.endm

	.text
/* int vmx_enter(struct vcpu_regs *regs, int launched): 0 after a VM exit,
 * 1 when VMLAUNCH/VMRESUME (or the HOST_RSP write) failed: the caller
 * reads the VM-instruction error. SDM vol. 3C 26 (VM entries), 27.5
 * (loading host state: RIP is the VMCS's HOST_RIP, vmx_exit_entry, and
 * RSP the value written here). */
	.globl vmx_enter, vmx_exit_entry
vmx_enter:
	save_host
	push %rdi
	mov $VMCS_HOST_RSP, %eax
	vmwrite %rsp, %rax
	jbe 2f
	cmpl $0, %esi
	load_guest
	mov R_RAX(%rdi), %rax
	mov R_RDI(%rdi), %rdi
	jne 1f
	vmlaunch
	jmp 2f
1:	vmresume
2:	pop %rdi
	restore_host
	mov $1, %eax
	ret

vmx_exit_entry:
	push %rdi
	mov 8(%rsp), %rdi
	mov %rax, R_RAX(%rdi)
	store_guest
	pop %rax
	mov %rax, R_RDI(%rdi)
	add $8, %rsp
	restore_host
	xor %eax, %eax
	ret

/* void svm_enter(struct vcpu_regs *regs, u64 vmcb_pa, u64 host_pa). AMD
 * APM vol. 2 15.5: VMRUN saves the host's state to the VM_HSAVE_PA area
 * and loads the guest from the VMCB at RAX (guest RAX is in the VMCB);
 * #VMEXIT restores the host's RAX, RSP, RIP and RFLAGS and clears GIF,
 * and every other general register holds the guest's value.
 *
 * VMRUN does not switch FS, GS, TR, LDTR, KernelGSBase, STAR, LSTAR,
 * CSTAR, SFMASK or the SYSENTER MSRs (15.5.2): the host's are saved to
 * host_pa and the guest's loaded from its VMCB before, and the other way
 * after (VMSAVE/VMLOAD, 15.5.2), all with GIF clear so that no interrupt
 * or NMI runs on the guest's segments. The host's RFLAGS.IF is set for
 * VMRUN, so that a host interrupt while the guest runs exits (INTR
 * intercept with V_INTR_MASKING, 15.21.1) instead of waiting for the
 * guest: clgi; sti; vmrun; cli; stgi, as KVM's svm_vcpu_enter_exit. */
	.globl svm_enter
svm_enter:
	save_host
	push %rdi
	push %rsi
	push %rdx
	clgi
	mov %rdx, %rax
	vmsave %rax
	mov %rsi, %rax
	vmload %rax
	load_guest
	mov R_RDI(%rdi), %rdi
	sti
	vmrun %rax
	push %rdi
	mov 24(%rsp), %rdi
	store_guest
	pop %rax
	mov %rax, R_RDI(%rdi)
	mov 8(%rsp), %rax
	vmsave %rax
	mov (%rsp), %rax
	vmload %rax
	cli
	stgi
	add $24, %rsp
	restore_host
	ret
