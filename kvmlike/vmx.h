/* Intel VMX: capability MSRs, VMCS fields, controls and exit reasons used
 * here. Intel SDM vol. 3C chapters 24 (VMCS), 25 (execution), 26 (entry),
 * 27 (exit), 29 (EPT) and appendices A (capability MSRs), B (field
 * encodings) and C (exit reasons). */
#ifndef KVMLIKE_VMX_H
#define KVMLIKE_VMX_H

#include "lib/types.h"

#define MSR_IA32_VMX_BASIC		 0x480 /* A.1 */
#define VMX_BASIC_TRUE_CTLS		 BIT_ULL(55)
#define MSR_IA32_VMX_PINBASED_CTLS	 0x481
#define MSR_IA32_VMX_PROCBASED_CTLS	 0x482
#define MSR_IA32_VMX_EXIT_CTLS		 0x483
#define MSR_IA32_VMX_ENTRY_CTLS		 0x484
#define MSR_IA32_VMX_MISC		 0x485 /* A.6 */
#define VMX_MISC_PREEMPT_RATE		 GENMASK_ULL(4, 0)
#define MSR_IA32_VMX_CR0_FIXED0		 0x486 /* A.7 */
#define MSR_IA32_VMX_CR0_FIXED1		 0x487
#define MSR_IA32_VMX_CR4_FIXED0		 0x488 /* A.8 */
#define MSR_IA32_VMX_CR4_FIXED1		 0x489
#define MSR_IA32_VMX_PROCBASED_CTLS2	 0x48b
#define MSR_IA32_VMX_EPT_VPID_CAP	 0x48c /* A.10 */
#define VMX_EPT_CAP_WALK4		 BIT_ULL(6)
#define VMX_EPT_CAP_WB			 BIT_ULL(14)
#define VMX_EPT_CAP_INVEPT		 BIT_ULL(20)
#define VMX_EPT_CAP_INVEPT_SINGLE	 BIT_ULL(25)
#define VMX_EPT_CAP_INVEPT_ALL		 BIT_ULL(26)
#define VMX_VPID_CAP_INVVPID		 BIT_ULL(32)
#define VMX_VPID_CAP_INVVPID_SINGLE	 BIT_ULL(41)
#define VMX_VPID_CAP_INVVPID_ALL	 BIT_ULL(42)
#define MSR_IA32_VMX_TRUE_PINBASED_CTLS	 0x48d
#define MSR_IA32_VMX_TRUE_PROCBASED_CTLS 0x48e
#define MSR_IA32_VMX_TRUE_EXIT_CTLS	 0x48f
#define MSR_IA32_VMX_TRUE_ENTRY_CTLS	 0x490
#define FEATURE_CONTROL_LOCK		 BIT(0)
#define FEATURE_CONTROL_VMXON		 BIT(2) /* outside SMX */

/* Pin-based controls (24.6.1) */
#define PIN_EXT_INTR_EXITING BIT(0)
#define PIN_NMI_EXITING	     BIT(3)
#define PIN_PREEMPTION_TIMER BIT(6)
/* Primary processor-based controls (24.6.2) */
#define CPU_HLT_EXITING	      BIT(7)
#define CPU_MWAIT_EXITING     BIT(10)
#define CPU_UNCOND_IO_EXITING BIT(24)
#define CPU_USE_MSR_BITMAPS   BIT(28)
#define CPU_MONITOR_EXITING   BIT(29)
#define CPU_SECONDARY	      BIT(31)
/* Secondary processor-based controls (24.6.2) */
#define CPU2_ENABLE_EPT		BIT(1)
#define CPU2_ENABLE_VPID	BIT(5)
#define CPU2_WBINVD_EXITING	BIT(6)
#define CPU2_UNRESTRICTED_GUEST BIT(7)
/* VM-exit controls (24.7.1) */
#define EXIT_SAVE_DEBUG		BIT(2)
#define EXIT_HOST_ADDR_SPACE_64 BIT(9)
#define EXIT_SAVE_PAT		BIT(18)
#define EXIT_SAVE_EFER		BIT(20)
#define EXIT_LOAD_PAT		BIT(19)
#define EXIT_LOAD_EFER		BIT(21)
/* VM-entry controls (24.8.1) */
#define ENTRY_LOAD_DEBUG BIT(2)
#define ENTRY_LOAD_PAT	 BIT(14)
#define ENTRY_LOAD_EFER	 BIT(15)

/* Exception bitmap (24.6.3): the vectors that exit. #DB and #AC, whose
 * delivery a guest can make raise them again forever (CVE-2015-8104,
 * CVE-2015-5307), and #MC, the host's. */
#define VMX_EXC_BITMAP (BIT(1) | BIT(17) | BIT(18))
/* Exit qualification of a #DB exit (27.2.1, table 27-1): the DR6 bits
 * the exception would have set (B0-B3, BD, BS) and DR6's fixed ones. */
#define VMX_DB_QUAL_DR6 (GENMASK(3, 0) | BIT(13) | BIT(14))
#define DR6_FIXED_1	0xffff0ff0

/* EPTP (24.6.11) */
#define EPTP_MT_WB     6
#define EPTP_WALK4     (3 << 3)
#define INVEPT_SINGLE  1
#define INVEPT_ALL     2
#define INVVPID_SINGLE 1
#define INVVPID_ALL    2

/* Guest segment access rights (24.4.1): descriptor bits 8-15, 20-23 */
#define VMX_AR_CODE32	  0xc09b
#define VMX_AR_DATA32	  0xc093
#define VMX_AR_TSS32_BUSY 0x008b
#define VMX_AR_UNUSABLE	  BIT(16)

/* Basic exit reasons (appendix C). Unconditional: 0 (exceptions with the
 * bitmap, NMIs with NMI exiting), 2-4, 9-11, 13, 18-27, 28 for the CR
 * bits the host owns, 31-32 with an all-ones MSR bitmap, 49, 50, 53, 55
 * (25.1.2). */
#define VMX_EXIT_EXC_NMI       0
#define VMX_EXIT_EXT_INTR      1
#define VMX_EXIT_TRIPLE_FAULT  2
#define VMX_EXIT_INIT	       3
#define VMX_EXIT_SIPI	       4
#define VMX_EXIT_TASK_SWITCH   9
#define VMX_EXIT_CPUID	       10
#define VMX_EXIT_GETSEC	       11
#define VMX_EXIT_HLT	       12
#define VMX_EXIT_INVD	       13
#define VMX_EXIT_VMCALL	       18
#define VMX_EXIT_VMCLEAR       19 /* ..27: VMLAUNCH, VMPTRLD, VMPTRST, */
#define VMX_EXIT_VMXON	       27 /* VMREAD, VMRESUME, VMWRITE, VMXOFF */
#define VMX_EXIT_CR_ACCESS     28
#define VMX_EXIT_IO	       30
#define VMX_EXIT_RDMSR	       31
#define VMX_EXIT_WRMSR	       32
#define VMX_EXIT_MWAIT	       36
#define VMX_EXIT_MONITOR       39
#define VMX_EXIT_EPT_VIOLATION 48
#define VMX_EXIT_EPT_MISCONFIG 49
#define VMX_EXIT_INVEPT	       50
#define VMX_EXIT_PREEMPTION    52
#define VMX_EXIT_INVVPID       53
#define VMX_EXIT_WBINVD	       54 /* WBINVD and WBNOINVD */
#define VMX_EXIT_XSETBV	       55
#define VMX_EXIT_FAILED_ENTRY  BIT(31)

/* CR-access exit qualification (27.2.1, table 27-3) */
#define VMX_CR_NUM    GENMASK(3, 0)
#define VMX_CR_ACCESS GENMASK(5, 4) /* 0 MOV to CR, 1 MOV from CR */
#define VMX_CR_GPR    GENMASK(11, 8)

/* Interruptibility state (24.4.2): blocking by STI, by MOV SS */
#define VMX_INTR_BLOCK_STI_MOVSS 0x3

/* I/O exit qualification (27.2.1, table 27-5) */
#define VMX_IO_SIZE   GENMASK(2, 0) /* bytes - 1 */
#define VMX_IO_IN     BIT(3)
#define VMX_IO_STRING BIT(4)
#define VMX_IO_PORT   GENMASK(31, 16)

/* VMCS field encodings (appendix B). */
enum vmcs_field {
	/* 16-bit control, guest and host state (B.1) */
	VIRTUAL_PROCESSOR_ID = 0x0000,
	GUEST_ES_SEL = 0x0800,
	GUEST_CS_SEL = 0x0802,
	GUEST_SS_SEL = 0x0804,
	GUEST_DS_SEL = 0x0806,
	GUEST_FS_SEL = 0x0808,
	GUEST_GS_SEL = 0x080a,
	GUEST_LDTR_SEL = 0x080c,
	GUEST_TR_SEL = 0x080e,
	HOST_ES_SEL = 0x0c00,
	HOST_CS_SEL = 0x0c02,
	HOST_SS_SEL = 0x0c04,
	HOST_DS_SEL = 0x0c06,
	HOST_FS_SEL = 0x0c08,
	HOST_GS_SEL = 0x0c0a,
	HOST_TR_SEL = 0x0c0c,
	/* 64-bit (B.2) */
	MSR_BITMAP = 0x2004,
	EPT_POINTER = 0x201a,
	GUEST_PHYS_ADDR = 0x2400,
	VMCS_LINK_POINTER = 0x2800,
	GUEST_DEBUGCTL = 0x2802,
	GUEST_PAT = 0x2804,
	GUEST_EFER = 0x2806,
	HOST_PAT = 0x2c00,
	HOST_EFER = 0x2c02,
	/* 32-bit (B.3) */
	PIN_BASED_CTLS = 0x4000,
	CPU_BASED_CTLS = 0x4002,
	EXCEPTION_BITMAP = 0x4004,
	EXIT_CTLS = 0x400c,
	ENTRY_CTLS = 0x4012,
	ENTRY_INTR_INFO = 0x4016,
	ENTRY_EXCEPTION_ERRCODE = 0x4018,
	ENTRY_INSTR_LEN = 0x401a,
	SECONDARY_CTLS = 0x401e,
	VM_INSTRUCTION_ERROR = 0x4400,
	EXIT_REASON = 0x4402,
	EXIT_INTR_INFO = 0x4404,
	EXIT_INTR_ERRCODE = 0x4406,
	IDT_VECTORING_INFO = 0x4408,
	IDT_VECTORING_ERRCODE = 0x440a,
	EXIT_INSTRUCTION_LEN = 0x440c,
	GUEST_ES_LIMIT = 0x4800, /* ES..GS, LDTR, TR: +2 each */
	GUEST_GDTR_LIMIT = 0x4810,
	GUEST_IDTR_LIMIT = 0x4812,
	GUEST_ES_AR = 0x4814, /* ES..GS, LDTR, TR: +2 each */
	GUEST_INTERRUPTIBILITY = 0x4824,
	GUEST_ACTIVITY_STATE = 0x4826,
	GUEST_SYSENTER_CS = 0x482a,
	PREEMPTION_TIMER_VALUE = 0x482e,
	HOST_SYSENTER_CS = 0x4c00,
	/* Natural width (B.4) */
	CR0_GUEST_HOST_MASK = 0x6000,
	CR4_GUEST_HOST_MASK = 0x6002,
	CR0_READ_SHADOW = 0x6004,
	CR4_READ_SHADOW = 0x6006,
	EXIT_QUALIFICATION = 0x6400,
	GUEST_CR0 = 0x6800,
	GUEST_CR3 = 0x6802,
	GUEST_CR4 = 0x6804,
	GUEST_ES_BASE = 0x6806, /* ES..GS, LDTR, TR: +2 each */
	GUEST_GDTR_BASE = 0x6816,
	GUEST_IDTR_BASE = 0x6818,
	GUEST_DR7 = 0x681a,
	GUEST_RSP = 0x681c,
	GUEST_RIP = 0x681e,
	GUEST_RFLAGS = 0x6820,
	GUEST_PENDING_DBG = 0x6822,
	GUEST_SYSENTER_ESP = 0x6824,
	GUEST_SYSENTER_EIP = 0x6826,
	HOST_CR0 = 0x6c00,
	HOST_CR3 = 0x6c02,
	HOST_CR4 = 0x6c04,
	HOST_FS_BASE = 0x6c06,
	HOST_GS_BASE = 0x6c08,
	HOST_TR_BASE = 0x6c0a,
	HOST_GDTR_BASE = 0x6c0c,
	HOST_IDTR_BASE = 0x6c0e,
	HOST_SYSENTER_ESP = 0x6c10,
	HOST_SYSENTER_EIP = 0x6c12,
	HOST_RSP = 0x6c14,
	HOST_RIP = 0x6c16,
};

/* VMREAD/VMWRITE (30.3): CF or ZF set means VMfail. */
static inline u64 vmcs_read(enum vmcs_field f)
{
	u64 v = 0;

	asm volatile("vmread %1, %0" : "=r"(v) : "r"((u64)f) : "cc");
	return v;
}

static inline bool vmcs_write(enum vmcs_field f, u64 v)
{
	bool fail;

	asm volatile("vmwrite %2, %1; setbe %0"
		     : "=q"(fail)
		     : "r"((u64)f), "rm"(v)
		     : "cc", "memory");
	return !fail;
}

#endif
