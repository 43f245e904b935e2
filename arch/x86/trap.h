/* Interrupt descriptor table, exception reporting, interrupt handlers. */
#ifndef ARCH_X86_TRAP_H
#define ARCH_X86_TRAP_H

#include "lib/types.h"

struct trap_frame {
	u64 r15, r14, r13, r12, r11, r10, r9, r8;
	u64 rbp, rdi, rsi, rdx, rcx, rbx, rax;
	u64 vector, error;
	u64 rip, cs, rflags, rsp, ss; /* pushed by the CPU */
};

typedef void (*trap_handler_t)(struct trap_frame *f, void *ctx);

void trap_init(void);
/* Install @fn for @vector (>= 32: an interrupt; EOI is sent after it). */
void trap_set_handler(u8 vector, trap_handler_t fn, void *ctx);
const char *trap_name(u64 vector);
/* Called with an exception no handler took, after it was reported; a hook
 * that returns lets the run end (platform_exit). The kernel registers the
 * test harness's, which abandons the running test and does not return. */
typedef void (*trap_unhandled_fn)(struct trap_frame *f);
void trap_set_unhandled_hook(trap_unhandled_fn fn);
/* After abandoning code that faulted (a test, trap_catch): send the EOIs
 * owed by interrupt handlers it was inside of. */
void trap_recover(void);
/* Counts of every vector taken since boot. */
u64 trap_count(u8 vector);
/* Called first for an exception (vector < 32); returns true when it dealt
 * with it (it may also not return). The SMP layer's, for the APs. */
typedef bool (*trap_exception_hook_t)(struct trap_frame *f);
void trap_set_exception_hook(trap_exception_hook_t fn);

#define VEC_SPURIOUS  0xff
#define VEC_VTD_FAULT 0x40
#define VEC_EDU	      0x41
#define VEC_TEST      0x42
#define VEC_TIMER     0x43
#define VEC_XHCI      0x44
#define VEC_IR_A      0x45 /* interrupt remapping suite */
#define VEC_IR_B      0x46
#define VEC_SMP_CALL  0xf0 /* highest priority class: delivered even */
#define VEC_SMP_KICK  0xf1 /* inside a handler that re-enabled IF */

/* Run fn(arg) and catch an exception it raises (#DE, #UD, #DF, #GP, #PF,
 * #AC). Returns the vector, or -1 when fn returned normally. *cr2 gets CR2
 * at the fault when non-NULL (trap_catch.c). */
int trap_catch(void (*fn)(void *), void *arg, u64 *cr2);

#endif
