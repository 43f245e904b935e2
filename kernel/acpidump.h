/* The ACPI tables in ACPICA's acpidump text format, for iasl on the host. */
#ifndef KERNEL_ACPIDUMP_H
#define KERNEL_ACPIDUMP_H

/* Every ACPI table, as ACPICA's acpidump prints it, each line after
 * "# acpidump: ". */
void acpidump_print(void);

#endif
