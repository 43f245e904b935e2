/* Time: the TSC, calibrated once against the PIT, and the one deadline
 * helper every hardware wait in the project goes through (STYLE.md 5). */
#ifndef ARCH_X86_TSC_H
#define ARCH_X86_TSC_H

#include "arch/x86/cpu.h"
#include "lib/errno.h"

/* Calibrate; returns 0, or -ETIMEDOUT if the PIT never counted down (then
 * a 1 GHz TSC is assumed so that waits still end). */
int tsc_calibrate(void);
u64 tsc_khz(void);
u64 tsc_read_us(void);
void udelay(u64 us);

typedef u64 deadline_t;
deadline_t deadline_in_us(u64 us);
bool deadline_passed(deadline_t d);

/* Poll @cond until it holds or @us microseconds pass. Evaluates to 0 or
 * -ETIMEDOUT. The condition is checked once more after the deadline, so a
 * wait that is preempted at the wrong moment does not report a false
 * timeout. */
#define WAIT_FOR(cond, us)                           \
	({                                           \
		deadline_t __d = deadline_in_us(us); \
		int __r = -ETIMEDOUT;                \
		for (;;) {                           \
			if (cond) {                  \
				__r = 0;             \
				break;               \
			}                            \
			if (deadline_passed(__d)) {  \
				if (cond)            \
					__r = 0;     \
				break;               \
			}                            \
			cpu_relax();                 \
		}                                    \
		__r;                                 \
	})

#endif
