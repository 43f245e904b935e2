/* AMD SVM: MSRs, the VMCB and the exit codes used here. AMD64 Architecture
 * Programmer's Manual vol. 2, chapter 15 ("Secure Virtual Machine") and
 * appendix B ("Layout of VMCB"), appendix C ("SVM Intercept Exit Codes"). */
#ifndef KVMLIKE_SVM_H
#define KVMLIKE_SVM_H

#include "lib/types.h"

#define MSR_VM_CR	0xc0010114 /* 15.30.1 */
#define VM_CR_SVMDIS	BIT(4)
#define MSR_VM_HSAVE_PA 0xc0010117 /* 15.30.4 */

/* CPUID 8000_000Ah EDX (15.4) */
#define SVM_FEAT_NP    BIT(0)
#define SVM_FEAT_NRIPS BIT(3)

/* CR intercepts (VMCB 0x000): reads in bits 15:0, writes in 31:16 */
#define SVM_CR_READ(n)	BIT(n)
#define SVM_CR_WRITE(n) BIT(16 + (n))
/* Exception intercepts (VMCB 0x008): one bit per vector. #DB and #AC,
 * whose delivery a guest can make raise them again forever
 * (CVE-2015-8104, CVE-2015-5307), and #MC, the host's. */
#define SVM_EXC_INTERCEPTS (BIT(1) | BIT(17) | BIT(18))
/* Intercept vector 3 (VMCB 0x00c) */
#define SVM_INT1_INTR	  BIT(0)
#define SVM_INT1_NMI	  BIT(1)
#define SVM_INT1_SMI	  BIT(2)
#define SVM_INT1_INIT	  BIT(3)
#define SVM_INT1_CPUID	  BIT(18)
#define SVM_INT1_INVD	  BIT(22)
#define SVM_INT1_HLT	  BIT(24)
#define SVM_INT1_INVLPGA  BIT(26)
#define SVM_INT1_IOIO	  BIT(27)
#define SVM_INT1_MSR	  BIT(28) /* through the MSR permission map */
#define SVM_INT1_SHUTDOWN BIT(31)
/* Intercept vector 4 (VMCB 0x010) */
#define SVM_INT2_VMRUN	     BIT(0) /* must be set, or VMRUN fails */
#define SVM_INT2_VMMCALL     BIT(1)
#define SVM_INT2_VMLOAD	     BIT(2)
#define SVM_INT2_VMSAVE	     BIT(3)
#define SVM_INT2_STGI	     BIT(4)
#define SVM_INT2_CLGI	     BIT(5)
#define SVM_INT2_SKINIT	     BIT(6)
#define SVM_INT2_WBINVD	     BIT(9) /* WBINVD and WBNOINVD */
#define SVM_INT2_MONITOR     BIT(10)
#define SVM_INT2_MWAIT	     BIT(11) /* unconditionally */
#define SVM_INT2_MWAIT_ARMED BIT(12) /* if a monitor is armed */
#define SVM_INT2_XSETBV	     BIT(13)

#define SVM_TLB_FLUSH_ALL  1 /* TLB_CONTROL (15.16.2) */
#define SVM_V_INTR_MASKING BIT(24)
#define SVM_NP_ENABLE	   BIT(0)
#define SVM_IOPM_PAGES	   3	  /* 12 KiB, one bit per port (15.10.1) */
#define SVM_MSRPM_PAGES	   2	  /* 8 KiB, two bits per MSR (15.11) */
#define SVM_INT_SHADOW	   BIT(0) /* INTERRUPT_SHADOW (VMCB 0x068) */
#define SVM_DR6_BS	   BIT(14)

/* Exit codes (appendix C) */
#define SVM_EXIT_READ_CR0    0x000
#define SVM_EXIT_WRITE_CR0   0x010
#define SVM_EXIT_EXCP(v)     (0x040 + (v)) /* EXITINFO1: the error code */
#define SVM_EXIT_INTR	     0x060
#define SVM_EXIT_NMI	     0x061
#define SVM_EXIT_SMI	     0x062
#define SVM_EXIT_INIT	     0x063
#define SVM_EXIT_CPUID	     0x072
#define SVM_EXIT_INVD	     0x076
#define SVM_EXIT_HLT	     0x078
#define SVM_EXIT_INVLPGA     0x07a
#define SVM_EXIT_IOIO	     0x07b
#define SVM_EXIT_MSR	     0x07c /* EXITINFO1: 0 RDMSR, 1 WRMSR */
#define SVM_EXIT_SHUTDOWN    0x07f
#define SVM_EXIT_VMRUN	     0x080
#define SVM_EXIT_VMMCALL     0x081
#define SVM_EXIT_VMLOAD	     0x082
#define SVM_EXIT_VMSAVE	     0x083
#define SVM_EXIT_STGI	     0x084
#define SVM_EXIT_CLGI	     0x085
#define SVM_EXIT_SKINIT	     0x086
#define SVM_EXIT_WBINVD	     0x089
#define SVM_EXIT_MONITOR     0x08a
#define SVM_EXIT_MWAIT	     0x08b
#define SVM_EXIT_MWAIT_ARMED 0x08c
#define SVM_EXIT_XSETBV	     0x08d
#define SVM_EXIT_NPF	     0x400
#define SVM_EXIT_INVALID     ((u64)-1)

/* MOV CR EXITINFO1 with decode assists (15.33.1): bit 63 says the GPR
 * number in bits 3:0 is valid. */
#define SVM_CR_INFO_VALID BIT_ULL(63)
#define SVM_CR_INFO_GPR	  GENMASK_ULL(3, 0)

/* IOIO EXITINFO1 (15.10.2) */
#define SVM_IOIO_IN   BIT(0)
#define SVM_IOIO_SIZE GENMASK(6, 4) /* one-hot: 1, 2, 4 bytes */
#define SVM_IOIO_PORT GENMASK(31, 16)

/* Segment attributes, the descriptor's bits 8-15 and 20-23 packed. */
#define SVM_ATTR_CODE32 0xc9b /* G, D, P, S, type 11 (code, accessed) */
#define SVM_ATTR_DATA32 0xc93 /* G, B, P, S, type 3 (data, accessed) */
#define SVM_ATTR_TSS32	0x08b /* P, type 11 (busy 32-bit TSS) */

struct vmcb_seg {
	u16 selector;
	u16 attrib;
	u32 limit;
	u64 base;
};

struct vmcb_control {
	u32 intercept_cr;	/* 0x000 */
	u32 intercept_dr;	/* 0x004 */
	u32 intercept_exc;	/* 0x008 */
	u32 intercept1;		/* 0x00c */
	u32 intercept2;		/* 0x010 */
	u32 intercept3;		/* 0x014 */
	u8 rsvd1[0x3c - 0x18];	/* 0x018 */
	u16 pause_threshold;	/* 0x03c */
	u16 pause_count;	/* 0x03e */
	u64 iopm_base_pa;	/* 0x040 */
	u64 msrpm_base_pa;	/* 0x048 */
	u64 tsc_offset;		/* 0x050 */
	u32 asid;		/* 0x058 */
	u8 tlb_control;		/* 0x05c */
	u8 rsvd2[3];		/* 0x05d */
	u64 int_ctl;		/* 0x060 */
	u64 int_state;		/* 0x068 */
	u64 exit_code;		/* 0x070 */
	u64 exit_info1;		/* 0x078 */
	u64 exit_info2;		/* 0x080 */
	u64 exit_int_info;	/* 0x088 */
	u64 np_ctl;		/* 0x090 */
	u64 avic_apic_bar;	/* 0x098 */
	u64 ghcb_pa;		/* 0x0a0 */
	u64 event_inj;		/* 0x0a8 */
	u64 n_cr3;		/* 0x0b0 */
	u64 lbr_ctl;		/* 0x0b8 */
	u32 clean;		/* 0x0c0 */
	u32 rsvd3;		/* 0x0c4 */
	u64 next_rip;		/* 0x0c8 */
	u8 insn_len;		/* 0x0d0 */
	u8 insn_bytes[15];	/* 0x0d1 */
	u8 rsvd4[0x400 - 0xe0]; /* 0x0e0 */
};

struct vmcb_save {
	struct vmcb_seg es, cs, ss, ds, fs, gs;	     /* 0x400 */
	struct vmcb_seg gdtr, ldtr, idtr, tr;	     /* 0x460 */
	u8 rsvd1[0x4cb - 0x4a0];		     /* 0x4a0 */
	u8 cpl;					     /* 0x4cb */
	u32 rsvd2;				     /* 0x4cc */
	u64 efer;				     /* 0x4d0 */
	u8 rsvd3[0x548 - 0x4d8];		     /* 0x4d8 */
	u64 cr4;				     /* 0x548 */
	u64 cr3;				     /* 0x550 */
	u64 cr0;				     /* 0x558 */
	u64 dr7;				     /* 0x560 */
	u64 dr6;				     /* 0x568 */
	u64 rflags;				     /* 0x570 */
	u64 rip;				     /* 0x578 */
	u8 rsvd4[0x5d8 - 0x580];		     /* 0x580 */
	u64 rsp;				     /* 0x5d8 */
	u8 rsvd5[0x5f8 - 0x5e0];		     /* 0x5e0 */
	u64 rax;				     /* 0x5f8 */
	u64 star, lstar, cstar, sfmask;		     /* 0x600 */
	u64 kernel_gs_base;			     /* 0x620 */
	u64 sysenter_cs, sysenter_esp, sysenter_eip; /* 0x628 */
	u64 cr2;				     /* 0x640 */
	u8 rsvd6[0x668 - 0x648];		     /* 0x648 */
	u64 g_pat;				     /* 0x668 */
	u64 dbgctl;				     /* 0x670 */
	u64 br_from, br_to;			     /* 0x678 */
	u64 last_excp_from, last_excp_to;	     /* 0x688 */
	u8 rsvd7[0x1000 - 0x698];		     /* 0x698 */
};

struct vmcb {
	struct vmcb_control control;
	struct vmcb_save save;
};

_Static_assert(sizeof(struct vmcb_control) == 0x400, "VMCB control area");
_Static_assert(sizeof(struct vmcb) == 4096, "the VMCB is one page");
_Static_assert(__builtin_offsetof(struct vmcb, control.exit_code) == 0x70,
	       "EXITCODE");
_Static_assert(__builtin_offsetof(struct vmcb, control.n_cr3) == 0xb0, "N_CR3");
_Static_assert(__builtin_offsetof(struct vmcb, control.next_rip) == 0xc8,
	       "nRIP");
_Static_assert(__builtin_offsetof(struct vmcb, save.efer) == 0x4d0, "EFER");
_Static_assert(__builtin_offsetof(struct vmcb, save.rax) == 0x5f8, "RAX");
_Static_assert(__builtin_offsetof(struct vmcb, save.g_pat) == 0x668, "PAT");
_Static_assert(__builtin_offsetof(struct vmcb, control.event_inj) == 0xa8,
	       "EVENTINJ");
_Static_assert(__builtin_offsetof(struct vmcb, save.star) == 0x600, "STAR");
_Static_assert(__builtin_offsetof(struct vmcb, save.fs) == 0x440, "FS");

#endif
