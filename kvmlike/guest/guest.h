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
 *          | (unused)       |
 *   0x1000 | stub code      |  copied from guest_stub_start..end
 *   0x8000 | script         |  struct guest_script
 *   0xe000 | stack ...      |
 *  0x10000 +----------------+  GUEST_RAM_SIZE; above it nothing is mapped
 */
#ifndef KVMLIKE_GUEST_GUEST_H
#define KVMLIKE_GUEST_GUEST_H

#define GUEST_RAM_SIZE	 0x10000
#define GUEST_CODE_GPA	 0x1000
#define GUEST_CODE_MAX	 0x7000
#define GUEST_SCRIPT_GPA 0x8000
#define GUEST_STACK_TOP	 0xf000
/* An address outside guest RAM: where the host kernel's own image lives
 * in host-physical memory, so a touch proves the host is not mapped. */
#define GUEST_UNMAPPED_GPA 0x100000

/* Script header words, then steps of two words (op, arg). */
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

/* Reports: OUT %eax (the code) to GUEST_REPORT_PORT with the payload in
 * EBX and ECX. The end of the script is a hypercall: EAX GHC_DONE, EBX the
 * steps run; then HLT. */
#define GUEST_REPORT_PORT 0x510
#define GUEST_OTHER_PORT  0x511
#define GREP_TOUCH	  1 /* EBX: the value read */
#define GREP_PAT	  2 /* EBX:ECX = PAT low:high */
#define GREP_CYCLES	  3 /* EBX:ECX = TSC cycles low:high */
#define GHC_NOP		  0
#define GHC_DONE	  1

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

static inline u64 guest_stub_gpa(const u8 *sym)
{
	return GUEST_CODE_GPA + (u64)(sym - guest_stub_start);
}
#endif

#endif
