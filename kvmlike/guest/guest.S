/* The guest stub: 32-bit protected mode, paging off, flat segments. It is
 * kernel data, copied to GUEST_CODE_GPA in the guest's own memory, so it
 * is position-independent: only relative jumps and calls, and absolute
 * addresses of guest memory from guest.h. It builds its own GDT and IDT,
 * runs the host's script (see guest.h), reports the end with a hypercall
 * and halts. An exception reports its vector and EIP and abandons the
 * step that raised it. Registers survive exits: the host saves and
 * restores every GPR. */

/* The stub's address of a label, once copied into the guest. */
#define GPA(sym) (GUEST_CODE_GPA + (sym) - guest_stub_start)
#include "kvmlike/guest/guest.h"

	.section .rodata
	.code32
	.balign 16
	.globl guest_stub_start, guest_stub_end
	.globl guest_stub_invd, guest_stub_touch, guest_stub_tf_after
	.globl guest_stub_tf_nop_after
	.globl guest_stub_syscall_ret

guest_stub_start:
	movl $GUEST_STACK_TOP, %esp
	call tables
	movl $(GUEST_SCRIPT_GPA + GUEST_SCRIPT_STEPS), %esi
	movl (GUEST_SCRIPT_GPA + GUEST_SCRIPT_NR), %edi
	xorl %ebp, %ebp
1:	cmpl %edi, %ebp
	jae 2f
	movl (%esi), %eax
	movl 4(%esi), %ebx
	call step
	addl $16, %esi
	incl %ebp
	jmp 1b
2:	movl $GHC_DONE, %eax
	movl %ebp, %ebx
	call hypercall
3:	hlt
	jmp 3b

/* The GDT (null, flat code, flat data, a TSS, a data segment based at
 * GUEST_BASED_BASE, flat ring-3 code and data) and 32 interrupt gates to exc_N (16 bytes apart);
 * the pseudo-descriptors for LGDT/LIDT at GUEST_CATCH_ESP + 8 and + 16.
 * Clobbers EAX, ECX, EDX, EDI. */
tables:
	movl $GUEST_GDT_GPA, %edi
	movl $0, 0(%edi)
	movl $0, 4(%edi)
	movl $0x0000ffff, 8(%edi)
	movl $0x00cf9b00, 12(%edi)
	movl $0x0000ffff, 16(%edi)
	movl $0x00cf9300, 20(%edi)
	movl $0x00000067, 24(%edi)
	movl $0x00008b00, 28(%edi)
	movl $(((GUEST_BASED_BASE & 0xffff) << 16) | 0xffff), 32(%edi)
	movl $(0x00cf9300 | ((GUEST_BASED_BASE >> 16) & 0xff)), 36(%edi)
	movl $0x0000ffff, 40(%edi)
	movl $0x00cffb00, 44(%edi) /* DPL 3 code */
	movl $0x0000ffff, 48(%edi)
	movl $0x00cff300, 52(%edi) /* DPL 3 data */
	movw $55, (GUEST_CATCH_ESP + 8)
	movl $GUEST_GDT_GPA, (GUEST_CATCH_ESP + 10)
	lgdt (GUEST_CATCH_ESP + 8)
	movl $GUEST_IDT_GPA, %edi
	movl $GPA(exc_0), %edx
	movl $32, %ecx
1:	movl %edx, %eax
	andl $0xffff, %eax
	orl $(GUEST_SEL_CODE << 16), %eax
	movl %eax, (%edi)
	movl %edx, %eax
	andl $0xffff0000, %eax
	orl $0x8e00, %eax /* P, DPL 0, 32-bit interrupt gate */
	movl %eax, 4(%edi)
	addl $8, %edi
	addl $16, %edx
	loop 1b
	movw $GUEST_IDT_LIMIT, (GUEST_CATCH_ESP + 16)
	movl $GUEST_IDT_GPA, (GUEST_CATCH_ESP + 18)
	lidt (GUEST_CATCH_ESP + 16)
	ret

/* EAX: op, EBX: arg; the step's words at (ESI). May clobber EAX, EBX,
 * ECX, EDX. An exception unwinds to the caller from the ESP saved here. */
step:
	movl %esp, (GUEST_CATCH_ESP)
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
	cmpl $GOP_RDMSR, %eax
	je op_rdmsr
	cmpl $GOP_WRMSR, %eax
	je op_wrmsr
	cmpl $GOP_CR0, %eax
	je op_cr0
	cmpl $GOP_SPIN_CLI, %eax
	je op_spin_cli
	cmpl $GOP_SVM, %eax
	je op_svm
	cmpl $GOP_WBINVD_PF, %eax
	je op_wbinvd_pf
	cmpl $GOP_TF_WBINVD, %eax
	je op_tf_wbinvd
	cmpl $GOP_LOAD_FS, %eax
	je op_load_fs
	cmpl $GOP_CPUID, %eax
	je op_cpuid
	cmpl $GOP_STI_WBINVD, %eax
	je op_sti_wbinvd
	cmpl $GOP_SPIN_STI, %eax
	je op_spin_sti
	cmpl $GOP_LIDT, %eax
	je op_lidt
	cmpl $GOP_XSETBV, %eax
	je op_xsetbv
	cmpl $GOP_TF_NOP, %eax
	je op_tf_nop
	cmpl $GOP_AC_LOOP, %eax
	je op_ac_loop
	cmpl $GOP_MWAIT, %eax
	je op_mwait
	cmpl $GOP_CLTS_LMSW, %eax
	je op_clts_lmsw
	cmpl $GOP_SYSCALL, %eax
	je op_syscall
	jmp step_assigned

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

op_rdmsr:
	movl %ebx, %ecx
	rdmsr
	movl %eax, %ebx
	movl %edx, %ecx
	movl $GREP_MSR, %eax
	jmp report

op_wrmsr:
	movl %ebx, %ecx
	movl 8(%esi), %eax
	movl 12(%esi), %edx
	wrmsr
	ret

op_cr0:
	movl %cr0, %eax
	orl 8(%esi), %eax
	movl 12(%esi), %ebx
	notl %ebx
	andl %ebx, %eax
	movl %eax, %cr0
	movl %cr0, %ebx
	movl $GREP_CR0, %eax
	jmp report

op_spin_cli:
	cli
1:	jmp 1b

/* CR4.OSXSAVE (bit 18) first: without it XSETBV is #UD, not an exit. */
op_xsetbv:
	movl %cr4, %eax
	orl $(1 << 18), %eax
	movl %eax, %cr4
	xorl %ecx, %ecx
	movl 8(%esi), %eax
	movl 12(%esi), %edx
	xsetbv
	movl $GREP_RAN, %eax
	jmp report

op_lidt:
	movw $GUEST_IDT_LIMIT, (GUEST_CATCH_ESP + 16)
	movl %ebx, (GUEST_CATCH_ESP + 18)
	lidt (GUEST_CATCH_ESP + 16)
	ret

op_spin_sti:
	sti
1:	jmp 1b

/* The SVM instructions by their encodings (AMD APM vol. 3), one 8-byte
 * slot each, in GSVM_* order. */
op_svm:
	cmpl $GSVM_NR, %ebx
	jae 9f
	movl 8(%esi), %eax
	xorl %ecx, %ecx
	leal GPA(svm_insns)(,%ebx,8), %edx
	jmp *%edx
	.balign 8
svm_insns:
	.irp modrm, 0xd8, 0xda, 0xdb, 0xdc, 0xdd, 0xde, 0xdf
	.balign 8
	.byte 0x0f, 0x01, \modrm /* VMRUN VMLOAD VMSAVE STGI CLGI SKINIT INVLPGA */
	.if \modrm == 0xdd
2:	jmp 2b /* CLGI: spin with GIF clear */
	.else
	jmp 9f
	.endif
	.endr
9:	movl $GREP_RAN, %eax
	jmp report

/* WBINVD without and with a prefix, and WBNOINVD (F3 0F 09): the host
 * must skip each by its real length. */
op_wbinvd_pf:
	wbinvd
	.byte 0x2e, 0x0f, 0x09
	.byte 0xf3, 0x0f, 0x09
	movl $GREP_RAN, %eax
	jmp report

/* With TF set by POPF, the single-step trap comes after the instruction
 * that follows (SDM vol. 3A 18.3.1.4): the WBINVD. */
op_tf_wbinvd:
	pushfl
	orl $0x100, (%esp)
	popfl
	wbinvd
guest_stub_tf_after:
	pushfl
	andl $~0x100, (%esp)
	popfl
	movl $GREP_RAN, %eax
	jmp report

/* A single-step trap after the NOP, raised by the CPU (no exit before
 * it): the #DB handler reports it and the step ends there. */
op_tf_nop:
	pushfl
	orl $0x100, (%esp)
	popfl
	nop
guest_stub_tf_nop_after:
	pushfl
	andl $~0x100, (%esp)
	popfl
	movl $GREP_RAN, %eax
	jmp report

#define AC_GATE (GUEST_IDT_GPA + 17 * 8)
op_ac_loop:
	movl %cr0, %eax
	orl $(1 << 18), %eax /* AM */
	movl %eax, %cr0
	movl $GPA(ac_spin), %edx
	movl %edx, %eax
	andl $0xffff, %eax
	orl $(GUEST_SEL_UCODE << 16), %eax
	movl %eax, AC_GATE
	movl %edx, %eax
	andl $0xffff0000, %eax
	orl $0xee00, %eax /* P, DPL 3, 32-bit interrupt gate */
	movl %eax, (AC_GATE + 4)
	pushl $GUEST_SEL_UDATA
	pushl $GUEST_AC_STACK
	pushl $((1 << 18) | (1 << 9) | 2) /* AC, IF */
	pushl $GUEST_SEL_UCODE
	pushl $GPA(ac_user)
	iret
ac_user:
	pushl %eax
ac_spin:
	jmp ac_spin

/* MONITOR (0f 01 c8) of the script's line, or MWAIT (0f 01 c9). */
op_mwait:
	xorl %ecx, %ecx
	xorl %edx, %edx
	testl %ebx, %ebx
	jnz 1f
	movl $GUEST_SCRIPT_GPA, %eax
	.byte 0x0f, 0x01, 0xc8
	jmp 2f
1:	xorl %eax, %eax
	.byte 0x0f, 0x01, 0xc9
2:	movl $GREP_RAN, %eax
	jmp report

op_clts_lmsw:
	testl %ebx, %ebx
	jnz 1f
	clts
	jmp 2f
1:	movl 8(%esi), %ebx
	lmsw %bx
2:	movl %cr0, %ebx
	movl $GREP_CR0, %eax
	jmp report

op_load_fs:
	movw $GUEST_SEL_BASED, %ax
	movw %ax, %fs
	movw %ax, %gs
	ret

op_cpuid:
	movl %ebx, %eax
	xorl %ecx, %ecx
	cpuid
	movl %ecx, %ebx
	movl %edx, %ecx
	movl $GREP_CPUID, %eax
	jmp report

/* Legacy-mode SYSCALL (AMD APM vol. 3, SYSCALL): CS <- STAR 47:32, SS <-
 * that + 8 (flat, as the stub's GDT has them), EIP <- STAR 31:0, ECX <-
 * the next EIP; IF cleared, nothing pushed. */
op_syscall:
	movl $0xc0000080, %ecx /* EFER */
	rdmsr
	orl $1, %eax /* SCE */
	wrmsr
	movl $0xc0000081, %ecx /* STAR */
	movl $GPA(syscall_target), %eax
	movl $(GUEST_SEL_CODE << 16 | GUEST_SEL_CODE), %edx
	wrmsr
	syscall
guest_stub_syscall_ret:
	ret

syscall_target:
	pushl %ecx
	movl %ecx, %ebx
	movl $GREP_RAN, %eax
	jmp report /* its RET returns after the SYSCALL */

op_sti_wbinvd:
	sti
	wbinvd
	cli
	ret

/* Steps of the assigned suite; the words of the step at (ESI). */
step_assigned:
	cmpl $GOP_FILL, %eax
	je op_fill
	cmpl $GOP_EDU_DMA, %eax
	je op_edu_dma
	cmpl $GOP_CHECK, %eax
	je op_check
	cmpl $GOP_PAGING, %eax
	je op_paging
	cmpl $GOP_EDU_WAIT, %eax
	je op_edu_wait
	cmpl $GOP_HALT, %eax
	je op_halt
	cmpl $GOP_WRITE32, %eax
	je op_write32
	ret

op_write32:
	movl 8(%esi), %eax
	movl 12(%esi), %ecx
	movl %ecx, (%eax)
	ret

/* The host gets the vCPU back here, and resumes it after the HLT. */
op_halt:
	hlt
	ret

op_fill:
	movl 8(%esi), %eax
	movl 12(%esi), %ecx
	jecxz 2f
1:	movb %bl, (%eax)
	incl %eax
	loop 1b
2:	ret

/* Program one transfer through the BAR, then poll until the device
 * clears START. Between polls the guest asks the host to idle (GHC_IDLE,
 * GUEST_EDU_IDLE_US): GUEST_EDU_POLLS polls, then it gives up. */
op_edu_dma:
	movl $GUEST_BAR_GPA, %edx
	testl $GUEST_EDU_ARG_TO_RAM, %ebx
	jnz 1f
	movl 8(%esi), %eax
	movl %eax, GUEST_EDU_SRC(%edx)
	movl $GUEST_EDU_BUF, GUEST_EDU_DST(%edx)
	movl $GUEST_EDU_START, %eax
	jmp 2f
1:	movl $GUEST_EDU_BUF, GUEST_EDU_SRC(%edx)
	movl 8(%esi), %eax
	movl %eax, GUEST_EDU_DST(%edx)
	movl $(GUEST_EDU_START | GUEST_EDU_TO_RAM), %eax
2:	movl 12(%esi), %ecx
	movl %ecx, GUEST_EDU_CNT(%edx)
	movl %eax, GUEST_EDU_CMD(%edx)
	testl $GUEST_EDU_ARG_NOWAIT, %ebx
	jz edu_poll
	ret

op_edu_wait:
	movl $GUEST_BAR_GPA, %edx
edu_poll:
	xorl %ecx, %ecx
3:	incl %ecx
	testl $GUEST_EDU_START, GUEST_EDU_CMD(%edx)
	jz 4f
	cmpl $GUEST_EDU_POLLS, %ecx
	jae 6f
	movl $GUEST_EDU_IDLE_US, %ebx
	movl $GHC_IDLE, %eax
	call hypercall
	jmp 3b
6:	movl $1, %ebx
	jmp 5f
4:	xorl %ebx, %ebx
5:	movl $GREP_DMA, %eax
	jmp report

op_check:
	movl 8(%esi), %eax
	movl %eax, %ecx
	addl 12(%esi), %ecx
	pushl %ecx
	movl $0xffffffff, %ecx
	xorl %edx, %edx
1:	cmpl (%esp), %eax
	jae 3f
	cmpb %bl, (%eax)
	je 2f
	incl %edx
	cmpl $0xffffffff, %ecx
	jne 2f
	movl %eax, %ecx
2:	incl %eax
	jmp 1b
3:	addl $4, %esp
	movl %edx, %ebx
	movl $GREP_CHECK, %eax
	jmp report

#define PDE_4M (GUEST_PDE_P | GUEST_PDE_RW | GUEST_PDE_PS)
#define PDE_UC (GUEST_PDE_PCD | GUEST_PDE_PWT)
op_paging:
	movl $GUEST_PD_GPA, %edx
	movl $1024, %ecx
	xorl %eax, %eax
1:	movl %eax, -4(%edx,%ecx,4)
	loop 1b
	movl $PDE_4M, 0(%edx)
	movl $(PDE_4M | GUEST_PDE_PWT), (GUEST_ALIAS_WC >> 20)(%edx)
	movl $(PDE_4M | PDE_UC), (GUEST_ALIAS_UC >> 20)(%edx)
	movl $(GUEST_BAR_GPA | PDE_4M | PDE_UC), (GUEST_BAR_GPA >> 20)(%edx)
	movl %edx, %cr3
	movl %cr4, %eax
	orl $0x10, %eax /* PSE */
	movl %eax, %cr4
	movl %cr0, %eax
	orl $0x80000000, %eax /* PG */
	movl %eax, %cr0
	ret

/* Exception handlers, 16 bytes apart (the IDT's gates point at them).
 * Without an error code a 0 is pushed in its place, so that every frame
 * reads: vector, error code, EIP, CS, EFLAGS. */
	.balign 16
exc_0:
	.irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	.balign 16
	.if (\n == 8) || ((\n >= 10) && (\n <= 14)) || (\n == 17) || (\n == 21)
	.else
	pushl $0
	.endif
	pushl $\n
	jmp exc_common
	.endr

exc_common:
	movl (%esp), %ebx
	movl 8(%esp), %ecx
	movl $GREP_EXC, %eax
	movw $GUEST_REPORT_PORT, %dx
	outl %eax, %dx
	movl (GUEST_CATCH_ESP), %esp
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
