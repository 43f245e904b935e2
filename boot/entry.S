/* 32-bit entry from a multiboot loader, switch to long mode, call kmain.
 * On entry (both multiboot versions): protected mode, paging off,
 * EAX = loader magic, EBX = physical address of the boot information.
 * Intel SDM vol. 3A section 10.8.5, "Initializing IA-32e Mode". */

#include "boot/cpu_regs.h"

#define PTE_P_W 0x3
#define PDE_LARGE 0x83

	.section .text.entry, "ax"
	.code32
	.globl _start32
_start32:
	cli
	cld
	movl %eax, boot_magic
	movl %ebx, boot_info_pa
	movl $boot_stack_top, %esp

	/* No long mode (CPUID 80000001H EDX bit 29, where the extended leaf
	 * exists): say so and stop. */
	movl $0x80000000, %eax
	cpuid
	cmpl $0x80000001, %eax
	jb no_long_mode
	movl $0x80000001, %eax
	cpuid
	btl $29, %edx
	jnc no_long_mode

	/* Identity map the first 4 GiB with 2 MiB pages: enough to reach
	 * kmain, which builds the real tables from the memory map. */
	movl $boot_pdpt, %eax
	orl $PTE_P_W, %eax
	movl %eax, boot_pml4
	xorl %ecx, %ecx
1:	movl %ecx, %eax
	shll $12, %eax
	addl $boot_pd, %eax
	orl $PTE_P_W, %eax
	movl %eax, boot_pdpt(,%ecx,8)
	incl %ecx
	cmpl $4, %ecx
	jne 1b
	xorl %ecx, %ecx
2:	movl %ecx, %eax
	shll $21, %eax
	orl $PDE_LARGE, %eax
	movl %eax, boot_pd(,%ecx,8)	/* high dword stays 0: below 4 GiB */
	incl %ecx
	cmpl $2048, %ecx
	jne 2b

	movl $boot_pml4, %eax
	movl %eax, %cr3
	movl %cr4, %eax
	orl $X86_CR4_PAE, %eax
	movl %eax, %cr4
	movl $MSR_EFER, %ecx
	rdmsr
	orl $EFER_LME, %eax
	wrmsr
	/* CR0.NE is required by VMXON (SDM 24.8); CD and NW cleared. */
	movl $(X86_CR0_PE | X86_CR0_MP | X86_CR0_NE | X86_CR0_WP | X86_CR0_PG), %eax
	movl %eax, %cr0

	lgdt boot_gdt_ptr
	ljmp $GDT_KERNEL_CS, $start64

/* The message goes to COM1 as firmware left it (each character after
 * THRE, or after 65536 reads of LSR where no UART answers) and to the
 * VGA text screen, white on red: nothing else of the kernel runs yet. */
no_long_mode:
	movl $no_long_mode_msg, %esi
	movl $0xb8000, %edi
1:	movb (%esi), %bl
	testb %bl, %bl
	jz 4f
	cmpb $0x20, %bl
	jb 2f
	movb %bl, (%edi)
	movb $0x4f, 1(%edi)
	addl $2, %edi
2:	movl $0x10000, %ecx
	movw $0x3fd, %dx
3:	inb %dx, %al
	testb $0x20, %al
	loopz 3b
	movw $0x3f8, %dx
	movb %bl, %al
	outb %al, %dx
	incl %esi
	jmp 1b
4:	hlt
	jmp 4b

	.code64
start64:
	movw $GDT_KERNEL_DS, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %ss
	xorw %ax, %ax
	movw %ax, %fs
	movw %ax, %gs
	movq $boot_stack_top, %rsp
	xorl %ebp, %ebp
	movl boot_magic(%rip), %edi
	movl boot_info_pa(%rip), %esi
	call kmain
3:	cli
	hlt
	jmp 3b

	.section .rodata
no_long_mode_msg:
	.asciz "\r\nvtdtest: error: this CPU has no long mode (CPUID 80000001H EDX bit 29): the kernel needs an x86-64 CPU\r\n"
	.align 16
	.globl boot_gdt
boot_gdt:
	.quad 0
	.quad 0x00af9a000000ffff	/* GDT_KERNEL_CS: 64-bit code */
	.quad 0x00cf92000000ffff	/* GDT_KERNEL_DS: data */
	.quad 0, 0			/* an AP's TSS (arch/x86/percpu.h) */
	.quad 0x0000920000000000	/* PERCPU_SEL_CPU: limit 0, CPU 0 */
boot_gdt_end:
boot_gdt_ptr:
	.short boot_gdt_end - boot_gdt - 1
	.long boot_gdt

	.section .data
	.align 4
boot_magic:	.long 0
boot_info_pa:	.long 0

	.section .bss
	.align 4096
boot_pml4:	.skip 4096
boot_pdpt:	.skip 4096
boot_pd:	.skip 4096 * 4
	.globl boot_stack_bottom, boot_stack_top
boot_stack_bottom:
	.skip 65536
boot_stack_top:
