/* Decoded capability report of a unit. */
#ifndef IOMMU_VTD_REPORT_H
#define IOMMU_VTD_REPORT_H

#include "iommu/vtd/unit.h"

void vtd_unit_report(const struct vtd_unit *u);

#endif
