/* Reports for people and for the runner: the decoded VT-d units and the
 * coherency answer. Text goes out as aligned tables after '#'; machine-readable lines
 * as '# {...}', one JSON object per line, which the KTAP parser of
 * tests/run collects into report.json. */
#ifndef KERNEL_REPORT_H
#define KERNEL_REPORT_H

#include "lib/cmdline.h"

/* Every remapping unit: a summary table, the decoded CAP/ECAP, the devices
 * it serves and the RMRRs they carry; a "vtd_unit" object each. */
void report_units(void);
/* Per domain (the devices behind one unit): enforcing or not and why; per
 * VM with every domain attached: the non-coherent count and the WBINVD
 * decision under the policy of @o. */
void report_coherency(const struct options *o);
/* Every DMA engine found (edu, xHCI): its source id and the unit serving
 * it (none: its DMA is untranslated); a "dma_engine" object each. */
void report_engines(void);
#endif
