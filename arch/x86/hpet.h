/* The HPET's main counter (IA-PC HPET specification 1.0a, 2.3), found
 * through the ACPI HPET table: a reference clock for the TSC where the
 * 8254 is clock-gated, as firmware of recent boards may leave it. No
 * timer of the block is touched: the counter runs, nothing interrupts. */
#ifndef ARCH_X86_HPET_H
#define ARCH_X86_HPET_H

#include "lib/types.h"

/* The HPET table (IA-PC HPET 1.0a, 3.2.4): the block's base address, a
 * generic address structure at offset 40 whose address is at 44. */
#define ACPI_HPET_BASE	  44
#define ACPI_HPET_MIN_LEN 56

/* The block's registers (2.3.1): capabilities and period, configuration,
 * main counter. */
#define HPET_REG_CAP 0x000
#define HPET_CAP_PERIOD_SHIFT \
	32 /* femtoseconds per tick, 31:0 of the high half */
#define HPET_CAP_64BIT	   BIT(13)
#define HPET_REG_CONFIG	   0x010
#define HPET_CONFIG_ENABLE BIT(0)
#define HPET_REG_COUNTER   0x0f0
#define HPET_MAX_PERIOD_FS 100000000ULL /* 2.3.4: at most 100 ns */

struct hpet {
	hpa_t pa;
	volatile u8 *regs;
	u64 period_fs;
	bool wide; /* a 64-bit main counter (COUNT_SIZE_CAP) */
};

/* The HPET the ACPI table names, mapped, its counter running (enabled if
 * firmware left it stopped): 0, -ENODEV (no table, or a base of 0),
 * -EINVAL (a table too short, a period of 0 or above 100 ns), -ENOMEM. */
int hpet_find(struct hpet *h);
/* The main counter; a 32-bit counter's wrap is the caller's to mind. */
u64 hpet_counter(const struct hpet *h);

#endif
