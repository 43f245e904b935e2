/* The ACPI PM timer, as a clock to measure the TSC against. */
#include "arch/x86/pmtimer.h"
#include "arch/x86/acpi.h"
#include "arch/x86/cpu.h"
#include "lib/errno.h"
#include "lib/string.h"

int pmtimer_of_fadt(const void *fadt, size_t len, struct pmtimer *t)
{
	const u8 *f = fadt;
	u64 port = 0;

	memset(t, 0, sizeof(*t));
	if (len < ACPI_FADT_FLAGS + 4)
		return -EINVAL;
	u32 flags = load32(f + ACPI_FADT_FLAGS);
	if (flags & ACPI_FADT_HW_REDUCED)
		return -ENODEV;
	if (len >= ACPI_FADT_X_PM_TMR_END)
		port = load64(f + ACPI_FADT_X_PM_TMR_BLK + ACPI_GAS_ADDRESS);
	/* ACPI lets the 64-bit field name memory space; the 32-bit one is
	 * then to be ignored, and Linux reads no timer there either */
	if (port &&
	    f[ACPI_FADT_X_PM_TMR_BLK + ACPI_GAS_SPACE_ID] != ACPI_GAS_SPACE_IO)
		return -EOPNOTSUPP;
	if (!port) {
		port = load32(f + ACPI_FADT_PM_TMR_BLK);
		if (port && f[ACPI_FADT_PM_TMR_LEN] != 4)
			return -EINVAL;
	}
	if (!port)
		return -ENODEV;
	if (port > 0xffff)
		return -EINVAL;
	t->port = (u16)port;
	t->wide = flags & ACPI_FADT_TMR_VAL_EXT;
	return 0;
}

int pmtimer_find(struct pmtimer *t)
{
	const struct acpi_header *f = acpi_find("FACP");

	memset(t, 0, sizeof(*t));
	return f ? pmtimer_of_fadt(f, f->length, t) : -ENODEV;
}

u32 pmtimer_read(const struct pmtimer *t)
{
	return inl(t->port) & (t->wide ? 0xffffffffu : 0xffffffu);
}
