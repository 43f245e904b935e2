/* The ACPI power management timer (ACPI 6.5, 4.8.3.3): a counter at
 * 3.579545 MHz, 24 bits wide or, with the FADT's TMR_VAL_EXT flag, 32,
 * read from the I/O port the FADT names. Every PC with ACPI's fixed
 * hardware has one (Linux's acpi_pm clocksource); a hardware-reduced
 * platform has none. A reference clock for the TSC where the 8254 is
 * clock-gated and the HPET is switched off, as firmware of recent boards
 * may leave both. */
#ifndef ARCH_X86_PMTIMER_H
#define ARCH_X86_PMTIMER_H

#include "lib/types.h"

#define PMTIMER_HZ 3579545

/* FADT fields (ACPI 6.5, table 5.9). */
#define ACPI_FADT_PM_TMR_BLK   76  /* u32, an I/O port */
#define ACPI_FADT_PM_TMR_LEN   91  /* u8, 4 when there is a timer */
#define ACPI_FADT_FLAGS	       112 /* u32 */
#define ACPI_FADT_TMR_VAL_EXT  BIT(8)
#define ACPI_FADT_HW_REDUCED   BIT(20)
#define ACPI_FADT_X_PM_TMR_BLK 208 /* Generic Address Structure */
#define ACPI_FADT_X_PM_TMR_END 220

struct pmtimer {
	u16 port;
	bool wide; /* 32 bits (TMR_VAL_EXT), else 24 */
};

/* The timer the FADT of @len bytes names: its X_PM_TMR_BLK when that is
 * non-zero (ACPICA takes the 64-bit field first), else PM_TMR_BLK with
 * PM_TMR_LEN 4. 0, -ENODEV (a hardware-reduced platform, or no timer
 * block), -EOPNOTSUPP (a timer in memory space), -EINVAL (a table too
 * short for its flags, a port above 0xffff, a length that is not 4).
 * Pure. */
int pmtimer_of_fadt(const void *fadt, size_t len, struct pmtimer *t);
/* The machine's: pmtimer_of_fadt on the FADT, -ENODEV without one. */
int pmtimer_find(struct pmtimer *t);
/* The counter, 24 or 32 bits; its wrap is the caller's to mind. */
u32 pmtimer_read(const struct pmtimer *t);

#endif
