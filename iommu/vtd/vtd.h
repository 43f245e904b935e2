/* The platform's remapping units: parsed from the ACPI DMAR table (scopes
 * resolved through the PCI bridges), brought up once at boot, served by
 * one fault interrupt, and looked up by the device they translate for. */
#ifndef IOMMU_VTD_VTD_H
#define IOMMU_VTD_VTD_H

#include "boot/bootinfo.h"
#include "iommu/vtd/dmar.h"
#include "iommu/vtd/unit.h"

/* Parse the DMAR and bring up every unit it names, reporting each problem
 * on the console; what came of it is read through vtd_dmar() and
 * vtd_nr_units(). Needs ACPI and PCI up. */
void vtd_platform_init(const struct boot_info *bi);
/* The parsed DMAR, or NULL with *err set (-ENODEV: no table; else the
 * parser's error). */
const struct dmar_info *vtd_dmar(int *err);
unsigned vtd_nr_units(void);
/* The i'th unit brought up, or NULL. */
struct vtd_unit *vtd_unit(unsigned i);
/* The unit whose scope holds the device, or NULL. */
struct vtd_unit *vtd_unit_for_device(u16 seg, u8 bus, u8 devfn);
/* The unit that can translate the device's DMA: its unit, if that one
 * translates DMA at all (vtd_translates_dma, caps.h), else NULL. A unit
 * that remaps interrupts only still serves the device's interrupts
 * (vtd_unit_for_device). */
struct vtd_unit *vtd_dma_unit_for_device(u16 seg, u8 bus, u8 devfn);
/* The unit whose DMAR scope names I/O APIC @id (8.3.1.1: each I/O APIC is
 * listed under the unit that remaps its interrupts), with the source id
 * its interrupts carry in *@sid; NULL when no resolved scope names it. */
struct vtd_unit *vtd_unit_for_ioapic(u8 id, u16 *sid);

#endif
