/* The guest stub's contract with the host: where things sit in guest
 * physical memory, the script it runs and how it reports. Shared by the
 * stub's assembly and the host's C.
 *
 * The stub runs in 32-bit protected mode with paging off and flat
 * segments, on SVM and on VMX ("unrestricted guest"), so its linear
 * addresses are guest-physical ones. Its RAM is GUEST_RAM_SIZE bytes at
 * GPA 0, backed by host pages through EPT/NPT; nothing else is mapped.
 *
 *   0x0000 +----------------+
 *          | GDT            |  built by the stub (GUEST_SEL_*)
 *   0x0100 | IDT            |  32 interrupt gates, built by the stub
 *   0x0200 | catch ESP      |  where an exception handler unwinds to
 *   0x1000 | stub code      |  guest_stub_start..end, put back before each script
 *   0x8000 | script         |  struct guest_script
 *   0xe000 | stack ...      |
 *  0x10000 | DMA source     |  GUEST_DMA_SRC_GPA: bytes the guest stages
 *  0x11000 | (guard)        |
 *  0x12000 | DMA destination|  GUEST_DMA_DST_GPA: where the device writes
 *  0x13000 | (guard) ...    |
 *  0x1f000 | page directory |  GUEST_PD_GPA, written by GOP_PAGING
 *  0x20000 +----------------+  GUEST_RAM_SIZE; above it no RAM
 *
 * An assigned device's BAR 0 (kvmlike/assign.h) appears uncached at
 * GUEST_BAR_GPA; its DMA domain maps the RAM above at IOVA = GPA.
 *
 * After GOP_PAGING the stub runs with 32-bit paging and 4 MiB pages
 * (CR4.PSE): linear 0 and GUEST_BAR_GPA identity-mapped (the BAR's PDE
 * with PCD|PWT), and linear GUEST_ALIAS_WC and GUEST_ALIAS_UC aliases of
 * guest-physical 0 whose PDEs select the guest's PAT entries 1 (WC) and
 * 3 (UC) of VM_GUEST_PAT (kvmlike/kvm.h).
 */
#ifndef KVMLIKE_GUEST_GUEST_H
#define KVMLIKE_GUEST_GUEST_H

#define GUEST_RAM_SIZE	 0x20000
#define GUEST_CODE_GPA	 0x1000
#define GUEST_CODE_MAX	 0x7000
#define GUEST_SCRIPT_GPA 0x8000
#define GUEST_STACK_TOP	 0xf000
#define GUEST_GDT_GPA	 0x0000
#define GUEST_IDT_GPA	 0x0100
#define GUEST_IDT_LIMIT	 (32 * 8 - 1)
#define GUEST_CATCH_ESP	 0x0200
/* GDT selectors: the flat ones the host's reset state names, and a data
 * segment with a base, which a guest may load into FS and GS. */
#define GUEST_SEL_CODE	 0x08
#define GUEST_SEL_DATA	 0x10
#define GUEST_SEL_TSS	 0x18
#define GUEST_SEL_BASED	 0x20
#define GUEST_BASED_BASE 0x2000
/* Flat ring-3 code and data (RPL 3 in the selectors), for GOP_AC_LOOP. */
#define GUEST_SEL_UCODE 0x2b
#define GUEST_SEL_UDATA 0x33
/* GOP_AC_LOOP's ring-3 stack: odd, so every push is misaligned. */
#define GUEST_AC_STACK 0xd001
/* DMA buffers and the BAR of an assigned device (the assigned suite). */
#define GUEST_DMA_SRC_GPA 0x10000
#define GUEST_DMA_DST_GPA 0x12000
#define GUEST_BAR_GPA	  0x40000000
#define GUEST_PD_GPA	  0x1f000
#define GUEST_ALIAS_WC	  0x400000
#define GUEST_ALIAS_UC	  0x800000
/* 32-bit paging PDE bits (SDM vol. 3A 4.3, table 4-4: a 4 MiB page); the
 * PAT index is PAT:PCD:PWT (SDM vol. 3A 11.12.3). */
#define GUEST_PDE_P   0x1
#define GUEST_PDE_RW  0x2
#define GUEST_PDE_PWT 0x8
#define GUEST_PDE_PCD 0x10
#define GUEST_PDE_PS  0x80
#define GUEST_PDE_PAT 0x1000

/* An address outside guest RAM: where the host kernel's own image lives
 * in host-physical memory, so a touch proves the host is not mapped. */
#define GUEST_UNMAPPED_GPA 0x100000

/* Script header words, then steps of four words (op, arg, lo, hi). */
#define GUEST_SCRIPT_HCALL 0 /* 0: VMCALL (Intel), 1: VMMCALL (AMD) */
#define GUEST_SCRIPT_NR	   4
#define GUEST_SCRIPT_STEPS 8
#define GUEST_MAX_STEPS	   32

/* Steps. */
#define GOP_WBINVD	 1 /* arg times WBINVD */
#define GOP_INVD	 2 /* one INVD (at guest_stub_invd) */
#define GOP_TOUCH	 3 /* read the u32 at GPA arg, report GREP_TOUCH */
#define GOP_RDPAT	 4 /* RDMSR IA32_PAT, report GREP_PAT */
#define GOP_HCALL	 5 /* arg no-op hypercalls */
#define GOP_BENCH_WBINVD 6 /* arg WBINVDs between RDTSCs, GREP_CYCLES */
#define GOP_BENCH_HCALL	 7 /* arg hypercalls between RDTSCs, GREP_CYCLES */
#define GOP_TRIPLE	 8 /* IDT limit 0, then UD2: a triple fault */
#define GOP_OUT_OTHER	 9 /* OUT to a port the host does not handle */
/* Steps of a hostile guest (the contain suite). An exception in a step is
 * reported (GREP_EXC) and ends that step, not the script: the stub has
 * its own GDT and IDT. */
#define GOP_RDMSR    10 /* RDMSR arg, report GREP_MSR */
#define GOP_WRMSR    11 /* WRMSR arg <- hi:lo */
#define GOP_CR0	     12 /* CR0 |= lo, &= ~hi; report GREP_CR0 (read back) */
#define GOP_SPIN_CLI 13 /* CLI, then loop forever */
#define GOP_SVM \
	14 /* SVM instruction arg (GSVM_*) with EAX = lo;
			  * GSVM_CLGI spins after it; GREP_RAN if it ran */
#define GOP_WBINVD_PF \
	15		  /* WBINVD, CS-prefixed WBINVD, WBNOINVD (F3 0F 09),
			  * then GREP_RAN */
#define GOP_TF_WBINVD  16 /* TF set, WBINVD: a #DB right after it */
#define GOP_LOAD_FS    17 /* FS and GS <- GUEST_SEL_BASED */
#define GOP_CPUID      18 /* CPUID arg, report GREP_CPUID (ECX, EDX) */
#define GOP_STI_WBINVD 19 /* STI; WBINVD (in the STI shadow); CLI */
#define GOP_SPIN_STI   20 /* STI, then loop forever */
#define GOP_LIDT       21 /* the IDT moves to GPA arg (its gates not copied) */
#define GOP_XSETBV     22 /* CR4.OSXSAVE, then XCR0 <- hi:lo; GREP_RAN */
#define GOP_TF_NOP     23 /* TF set, NOP: a #DB right after it; GREP_RAN */
/* CR0.AM, then at CPL 3 with EFLAGS.AC (and IF) a push to the misaligned
 * GUEST_AC_STACK: #AC, whose delivery through a ring-3 gate pushes to the
 * same stack (CVE-2015-5307); the handler spins. Never ends by itself. */
#define GOP_AC_LOOP 24
#define GOP_MWAIT \
	25 /* arg 0: MONITOR (EAX = the script), 1: MWAIT;
			  * GREP_RAN */
/* arg 0: CLTS; 1: LMSW with BX = lo; report GREP_CR0 (read back). On SVM
 * both reach the CR0 write intercept, without decode-assist help. */
#define GOP_CLTS_LMSW 26
/* EFER.SCE and STAR (SYSCALL CS = GUEST_SEL_CODE, EIP = the stub's
 * target) on the guest's copies, then SYSCALL; the target reports
 * GREP_RAN with EBX = the return EIP SYSCALL left in ECX, and returns
 * there. SYSCALL outside 64-bit mode is #UD on Intel (GREP_EXC). */
#define GOP_SYSCALL 27

#define GSVM_VMRUN   0
#define GSVM_VMLOAD  1
#define GSVM_VMSAVE  2
#define GSVM_STGI    3
#define GSVM_CLGI    4
#define GSVM_SKINIT  5
#define GSVM_INVLPGA 6
#define GSVM_NR	     7

/* Reports: OUT %eax (the code) to GUEST_REPORT_PORT with the payload in
 * EBX and ECX. The end of the script is a hypercall: EAX GHC_DONE, EBX the
 * steps run; then HLT. */
#define GUEST_REPORT_PORT 0x510
#define GUEST_OTHER_PORT  0x511
#define GREP_TOUCH	  1 /* EBX: the value read */
#define GREP_PAT	  2 /* EBX:ECX = PAT low:high */
#define GREP_CYCLES	  3 /* EBX:ECX = TSC cycles low:high */
#define GREP_EXC	  4 /* EBX: vector, ECX: the EIP it reports */
#define GREP_MSR	  5 /* EBX:ECX = low:high */
#define GREP_CR0	  6 /* EBX: CR0 as the guest reads it */
#define GREP_RAN	  7 /* the step's instruction ran; EBX: arg */
#define GREP_CPUID	  8 /* EBX: ECX, ECX: EDX of the leaf */
#define GHC_NOP		  0
#define GHC_DONE	  1
/* EBX: microseconds the guest would like to wait (for its device): the
 * host halts this CPU that long at most, any interrupt ends it sooner. */
#define GHC_IDLE	2
#define GHC_IDLE_MAX_US 100000

/* Steps that drive an assigned edu device through its BAR at
 * GUEST_BAR_GPA (the assigned suite), and their reports:
 *  FILL     bytes [lo, lo+hi) <- arg
 *  EDU_DMA  arg bit 0 clear: RAM at lo -> device buffer, set: device
 *           buffer -> RAM at lo; hi bytes; then poll the command register
 *           and report GREP_DMA, unless arg bit 1 (start only)
 *  EDU_WAIT poll the command register; GREP_DMA
 *  HALT     HLT: the run stops there and the next one resumes after it
 *  CHECK    count the bytes of [lo, lo+hi) that differ from arg;
 *           GREP_CHECK
 *  PAGING   paging on, as the layout above describes
 *  WRITE32  the u32 hi to GPA lo: RAM, or a register of the BAR
 *  GREP_DMA    EBX: 0 done, 1 still running; ECX: polls
 *  GREP_CHECK  EBX: bytes that differ; ECX: GPA of the first, 0xffffffff
 *              when none */
#define GOP_FILL	     32
#define GOP_EDU_DMA	     33
#define GOP_CHECK	     34
#define GOP_PAGING	     35
#define GOP_EDU_WAIT	     36
#define GOP_HALT	     37
#define GOP_WRITE32	     38
#define GUEST_EDU_ARG_TO_RAM 0x1
#define GUEST_EDU_ARG_NOWAIT 0x2
#define GREP_DMA	     32
#define GREP_CHECK	     33

/* edu's registers (QEMU hw/misc/edu.c, docs/specs/edu.rst); a 32-bit
 * write of a 64-bit register sets it whole (zero-extended). */
#define GUEST_EDU_SRC	 0x80
#define GUEST_EDU_DST	 0x88
#define GUEST_EDU_CNT	 0x90
#define GUEST_EDU_CMD	 0x98
#define GUEST_EDU_RAISE	 0x60 /* a write raises the device's interrupt */
#define GUEST_EDU_START	 0x1  /* reads 1 while the transfer runs */
#define GUEST_EDU_TO_RAM 0x2
#define GUEST_EDU_BUF	 0x40000 /* the device buffer's address */
/* Polls of the command register, GHC_IDLE of GUEST_EDU_IDLE_US between
 * them: 2 s in all. edu ends a transfer 100 ms of virtual time after it
 * starts (hw/misc/edu.c, edu_dma_timer), so one idle is the whole wait;
 * under -icount sleep=off each idle costs a jump of virtual time, however
 * long. */
#define GUEST_EDU_POLLS	  21
#define GUEST_EDU_IDLE_US 100000

/* Instruction lengths, for SVM without NRIP save (the stub uses no
 * prefixes, so each intercepted instruction has one encoding). */
#define GUEST_LEN_WBINVD 2 /* 0f 09 */
#define GUEST_LEN_INVD	 2 /* 0f 08 */
#define GUEST_LEN_HCALL	 3 /* 0f 01 c1 / 0f 01 d9 */
#define GUEST_LEN_HLT	 1 /* f4 */

#ifndef __ASSEMBLY__
#include "lib/types.h"

struct guest_step {
	u32 op, arg;
	u32 lo, hi;
};

struct guest_script {
	u32 hcall_amd;
	u32 nr;
	struct guest_step steps[GUEST_MAX_STEPS];
};

/* The stub as assembled into the kernel image (guest.S), and the offsets
 * of the instructions the tests look for. */
extern const u8 guest_stub_start[], guest_stub_end[];
extern const u8 guest_stub_invd[], guest_stub_touch[];
extern const u8 guest_stub_tf_after[], guest_stub_tf_nop_after[];
extern const u8 guest_stub_syscall_ret[];

static inline u64 guest_stub_gpa(const u8 *sym)
{
	return GUEST_CODE_GPA + (u64)(sym - guest_stub_start);
}
#endif

#endif
