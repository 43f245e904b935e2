/* Decoded capability report of a unit. */
#ifndef IOMMU_VTD_REPORT_H
#define IOMMU_VTD_REPORT_H

#include "iommu/vtd/unit.h"

void vtd_unit_report(const struct vtd_unit *u);
/* The root-table mode the unit runs in now (RTADDR.TTM, 11.4.6):
 * "legacy" or "scalable". */
const char *vtd_unit_mode_name(const struct vtd_unit *u);

#endif
