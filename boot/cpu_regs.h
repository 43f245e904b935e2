/* Architectural register bits and the boot GDT selectors, defined once
 * for C and assembly alike (plain constants, no C-only macros): the long
 * mode switch (entry.S) needs them first, arch/x86/cpu.h gives them to C.
 * Intel SDM vol. 3A 2.5 (control registers), 2.2.1 (EFER); AMD APM vol. 2 3.1. */
#ifndef BOOT_CPU_REGS_H
#define BOOT_CPU_REGS_H

#define X86_CR0_PE 0x00000001
#define X86_CR0_MP 0x00000002
#define X86_CR0_EM 0x00000004
#define X86_CR0_TS 0x00000008
#define X86_CR0_NE 0x00000020
#define X86_CR0_WP 0x00010000
#define X86_CR0_NW 0x20000000
#define X86_CR0_CD 0x40000000
#define X86_CR0_PG 0x80000000

#define X86_CR4_PAE	0x00000020
#define X86_CR4_VMXE	0x00002000
#define X86_CR4_OSXSAVE 0x00040000

#define MSR_EFER  0xc0000080
#define EFER_SCE  0x00000001
#define EFER_LME  0x00000100
#define EFER_LMA  0x00000400
#define EFER_NXE  0x00000800
#define EFER_SVME 0x00001000

#define X86_RFLAGS_IF 0x00000200

/* The boot GDT (boot/entry.S): null, 64-bit code, data. */
#define GDT_KERNEL_CS 0x08
#define GDT_KERNEL_DS 0x10

#endif
