/* Application processor start-up. A STARTUP IPI with vector VV starts the
 * AP in real mode at VV000h, CS = VV00h, IP = 0 (SDM vol. 3A 9.4.4.1,
 * 11.6.1): smp.c copies [trampoline_start, trampoline_end) to a free page
 * below 1 MiB and patches the words named tr_* below. The AP then takes the
 * path of SDM 10.8.5: protected mode, PAE, EFER.LME, paging, a far jump to
 * 64-bit code, here in the kernel image (identity-mapped, below 4 GiB).
 *
 * The 16- and 32-bit parts address the copy through EBX = its base, since
 * nothing in it is linked at the address it runs at. */

#define CR0_PE 0x00000001
#define CR0_MP 0x00000002
#define CR0_NE 0x00000020
#define CR0_WP 0x00010000
#define CR0_PG 0x80000000
#define CR4_PAE 0x20
#define MSR_EFER 0xc0000080

#define SEL_CODE64 0x08
#define SEL_DATA 0x10
#define SEL_CODE32 0x18

#define OFF(sym) ((sym) - trampoline_start)

	.section .rodata
	.align 16
	.globl trampoline_start, trampoline_end
	.globl tr_gdt, tr_gdtr, tr_pm32, tr_pm32_entry, tr_cr3, tr_efer, tr_alive
	.code16
trampoline_start:
	cli
	cld
	movw %cs, %ax
	movw %ax, %ds
	movl $1, OFF(tr_alive)		/* checked in: the SIPI arrived */
	xorl %ebx, %ebx
	movw %ax, %bx
	shll $4, %ebx			/* EBX = linear base of the copy */
	lgdtl OFF(tr_gdtr)
	movl %cr0, %eax
	orl $CR0_PE, %eax
	movl %eax, %cr0
	ljmpl *OFF(tr_pm32)

	.code32
tr_pm32_entry:
	movw $SEL_DATA, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %ss
	xorw %ax, %ax
	movw %ax, %fs
	movw %ax, %gs
	movl %cr4, %eax
	orl $CR4_PAE, %eax
	movl %eax, %cr4
	movl OFF(tr_cr3)(%ebx), %eax
	movl %eax, %cr3
	movl $MSR_EFER, %ecx
	rdmsr
	orl OFF(tr_efer)(%ebx), %eax
	wrmsr
	/* NE for VMXON (SDM 24.8), as the BSP has it (boot/entry.S). */
	movl $(CR0_PE | CR0_MP | CR0_NE | CR0_WP | CR0_PG), %eax
	movl %eax, %cr0
	ljmp $SEL_CODE64, $ap_entry64

	.align 8
/* 0x08: 64-bit code, 0x10: flat data, 0x18: flat 32-bit code. */
tr_gdt:
	.quad 0
	.quad 0x00af9a000000ffff
	.quad 0x00cf92000000ffff
	.quad 0x00cf9a000000ffff
tr_gdt_end:
tr_gdtr:	.short tr_gdt_end - tr_gdt - 1
		.long 0			/* patched: base + OFF(tr_gdt) */
tr_pm32:	.long 0			/* patched: base + OFF(pm32) */
		.short SEL_CODE32
tr_cr3:		.long 0			/* patched: smp.c's boot tables */
tr_efer:	.long 0			/* patched: LME, NXE if the BSP has it */
tr_alive:	.long 0
trampoline_end:

/* 64-bit, in the kernel image. smp.c's ap_boot holds this AP's values: it
 * starts one AP at a time. */
	.text
	.code64
ap_entry64:	/* DS, ES, SS: flat data since tr_pm32_entry */
	movq ap_boot+0(%rip), %rax	/* the kernel's CR3 */
	movq %rax, %cr3
	movq ap_boot+8(%rip), %rsp	/* this AP's stack */
	movl ap_boot+16(%rip), %edi	/* its logical number */
	xorl %ebp, %ebp
	call smp_ap_main
1:	cli
	hlt
	jmp 1b
