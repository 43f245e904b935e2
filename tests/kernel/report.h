/* Reports for people and for the runner: the decoded VT-d units, the
 * coherency answer, the ACPI tables in acpidump format, and the verdict
 * screen. Text goes out as aligned tables after '#'; machine-readable lines
 * as '# {...}', one JSON object per line, which the KTAP parser of
 * tests/run collects into report.json. */
#ifndef TESTS_KERNEL_REPORT_H
#define TESTS_KERNEL_REPORT_H

#include "lib/cmdline.h"

/* Every remapping unit: a summary table, the decoded CAP/ECAP, the devices
 * it serves and the RMRRs they carry; a "vtd_unit" object each. */
void report_units(void);
/* Per domain (the devices behind one unit): enforcing or not and why; per
 * VM with every domain attached: the non-coherent count and the WBINVD
 * decision under the policy of @o. */
void report_coherency(const struct options *o);
/* Every ACPI table, as ACPICA's acpidump prints it, each line after
 * "# acpidump: " (acpidump.c). */
void acpidump_print(void);
/* The verdict page on the screen (counts per suite in large type, the
 * failed tests, where the full log is), then with @o->hold wait for a key.
 * Nothing else is drawn on the screen afterwards. */
void report_verdict(const struct options *o, bool pass);

#endif
