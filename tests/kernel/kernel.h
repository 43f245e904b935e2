/* State the boot sequence leaves for the suites: what was found and what
 * went wrong on the way, so that a test can report it. */
#ifndef TESTS_KERNEL_KERNEL_H
#define TESTS_KERNEL_KERNEL_H

#include "boot/bootinfo.h"
#include "lib/cmdline.h"

struct kernel_state {
	struct boot_info boot;
	struct options opts;
	char cmdline[BOOT_CMDLINE_MAX + 256]; /* loader's plus fw_cfg's */
	int acpi_err, mm_err, tsc_err, apic_err, pci_err, console_err;
};

extern struct kernel_state kstate;

/* Run fn(arg) and catch an exception it raises. Returns the vector, or -1
 * when fn returned normally. *cr2 gets CR2 at the fault when non-NULL. */
int trap_catch(void (*fn)(void *), void *arg, u64 *cr2);

/* Bring up every remapping unit of the DMAR table (vtd_platform.c); what
 * came of it is read through vtd_dmar() and vtd_nr_units(). */
void vtd_platform_init(void);

#endif
