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
/* After abandoning code that faulted (a test, trap_catch): send the EOIs
 * owed by interrupt handlers it was inside of. */
void trap_recover(void);
/* Counts of every vector taken since boot. */
u64 trap_count(u8 vector);

#define VEC_SPURIOUS  0xff
#define VEC_VTD_FAULT 0x40
#define VEC_EDU	      0x41
#define VEC_TEST      0x42
#define VEC_TIMER     0x43
#define VEC_XHCI      0x44

#endif
