/* The guest stub: 32-bit protected mode, paging off, flat segments. It is
 * kernel data, copied to GUEST_CODE_GPA in the guest's own memory, so it
 * is position-independent: only relative jumps and calls, and absolute
 * addresses of guest memory from guest.h. It runs the host's script (see
 * guest.h), reports the end with a hypercall and halts. Registers survive
 * exits: the host saves and restores every GPR. */
#include "kvmlike/guest/guest.h"

	.section .rodata
	.code32
	.balign 16
	.globl guest_stub_start, guest_stub_end
	.globl guest_stub_invd, guest_stub_touch
guest_stub_start:
	movl $GUEST_STACK_TOP, %esp
	movl $(GUEST_SCRIPT_GPA + GUEST_SCRIPT_STEPS), %esi
	movl (GUEST_SCRIPT_GPA + GUEST_SCRIPT_NR), %edi
	xorl %ebp, %ebp
1:	cmpl %edi, %ebp
	jae 2f
	movl (%esi), %eax
	movl 4(%esi), %ebx
	call step
	addl $8, %esi
	incl %ebp
	jmp 1b
2:	movl $GHC_DONE, %eax
	movl %ebp, %ebx
	call hypercall
3:	hlt
	jmp 3b

/* EAX: op, EBX: arg. May clobber EAX, EBX, ECX, EDX. */
step:
	cmpl $GOP_WBINVD, %eax
	je op_wbinvd
	cmpl $GOP_INVD, %eax
	je op_invd
	cmpl $GOP_TOUCH, %eax
	je op_touch
	cmpl $GOP_RDPAT, %eax
	je op_rdpat
	cmpl $GOP_HCALL, %eax
	je op_hcall
	cmpl $GOP_BENCH_WBINVD, %eax
	je op_bench_wbinvd
	cmpl $GOP_BENCH_HCALL, %eax
	je op_bench_hcall
	cmpl $GOP_TRIPLE, %eax
	je op_triple
	cmpl $GOP_OUT_OTHER, %eax
	je op_out_other
	ret

op_wbinvd:
	movl %ebx, %ecx
	jecxz 2f
1:	wbinvd
	loop 1b
2:	ret

op_invd:
guest_stub_invd:
	invd
	ret

op_touch:
guest_stub_touch:
	movl (%ebx), %ebx
	movl $GREP_TOUCH, %eax
	jmp report

op_rdpat:
	movl $0x277, %ecx
	rdmsr
	movl %eax, %ebx
	movl %edx, %ecx
	movl $GREP_PAT, %eax
	jmp report

op_hcall:
	movl %ebx, %ecx
	jecxz 2f
1:	movl $GHC_NOP, %eax
	call hypercall
	loop 1b
2:	ret

/* Cycles of @arg WBINVDs (or hypercalls), measured by the guest itself:
 * each one a full round trip through the host when it exits. */
op_bench_wbinvd:
	rdtsc
	pushl %edx
	pushl %eax
	movl %ebx, %ecx
	jecxz 2f
1:	wbinvd
	loop 1b
2:	jmp bench_end

op_bench_hcall:
	rdtsc
	pushl %edx
	pushl %eax
	movl %ebx, %ecx
	jecxz 2f
1:	movl $GHC_NOP, %eax
	call hypercall
	loop 1b
2:	jmp bench_end

bench_end:
	rdtsc
	subl 0(%esp), %eax
	sbbl 4(%esp), %edx
	addl $8, %esp
	movl %eax, %ebx
	movl %edx, %ecx
	movl $GREP_CYCLES, %eax
	jmp report

/* With an IDT limit of 0 the #UD cannot be delivered: #GP, then #DF,
 * then a triple fault (SDM vol. 3A 6.15, "Double Fault Exception"). */
op_triple:
	pushl $0
	pushl $0
	lidt (%esp)
	ud2

op_out_other:
	movw $GUEST_OTHER_PORT, %dx
	outb %al, %dx
	ret

/* EAX: code, EBX and ECX: payload. */
report:
	movw $GUEST_REPORT_PORT, %dx
	outl %eax, %dx
	ret

hypercall:
	cmpl $0, (GUEST_SCRIPT_GPA + GUEST_SCRIPT_HCALL)
	jne 1f
	vmcall
	ret
1:	vmmcall
	ret
guest_stub_end:
	.code64
