/* State the boot sequence leaves for the suites: what was found and what
 * went wrong on the way, so that a test can report it. */
#ifndef KERNEL_KSTATE_H
#define KERNEL_KSTATE_H

#include "boot/bootinfo.h"
#include "lib/cmdline.h"

struct kernel_state {
	struct boot_info boot;
	struct options opts;
	char cmdline[BOOT_CMDLINE_MAX + 256]; /* loader's plus fw_cfg's */
	int acpi_err, mm_err, tsc_err, apic_err, pci_err, console_err;
	int virt_err; /* vm_hw_load() at boot */
	/* ioapic_mask_all at boot: I/O APICs masked (or an error), and the
	 * pins that were unmasked. */
	int ioapics;
	unsigned ioapic_unmasked;
};

extern struct kernel_state kstate;

#endif
