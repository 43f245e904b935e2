/* Non-local jumps for the freestanding kernel: the one jump buffer type,
 * implemented per architecture (arch/x86/setjmp.S). ksetjmp returns 0,
 * then again the value given to klongjmp. Callee-saved registers, stack
 * and return address are kept: RBX, RBP, R12-R15, RSP, RIP (SysV AMD64). */
#ifndef LIB_SETJMP_H
#define LIB_SETJMP_H

#include "lib/types.h"

struct jmpbuf {
	u64 regs[8];
};

int ksetjmp(struct jmpbuf *jb);
__attribute__((noreturn)) void klongjmp(struct jmpbuf *jb, int val);

#endif
