/* Primary fault logging (7.1.3) and the fault event interrupt (7.4). */
#ifndef IOMMU_VTD_FAULT_H
#define IOMMU_VTD_FAULT_H

#include "iommu/vtd/unit.h"

/* Route the fault event interrupt to this CPU with @vector, unmasked:
 * 0, or -ERANGE (an APIC id above 255 on a unit without EIM). */
int vtd_fault_irq_setup(struct vtd_unit *u, u8 vector);
void vtd_fault_mask(struct vtd_unit *u, bool masked);
/* Read every recorded fault into the log, oldest first (from FSTS.FRI),
 * and clear the records and PFO. Returns how many were read. Safe against
 * the fault interrupt, which calls it too. */
unsigned vtd_fault_drain(struct vtd_unit *u);
/* Take up to @max faults from the log, oldest first. */
unsigned vtd_fault_take(struct vtd_unit *u, struct vtd_fault *out,
			unsigned max);
void vtd_fault_clear_log(struct vtd_unit *u);

const char *vtd_fault_reason_name(unsigned reason);
const char *vtd_access_name(unsigned access); /* enum vtd_access */

#endif
