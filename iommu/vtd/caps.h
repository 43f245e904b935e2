/* Capability decoding (11.4.2, 11.4.3): pure, shared with the host tests. */
#ifndef IOMMU_VTD_CAPS_H
#define IOMMU_VTD_CAPS_H

#include "iommu/vtd/unit.h"

unsigned vtd_nr_domains(const struct vtd_unit *u);
unsigned vtd_mgaw(const struct vtd_unit *u);
unsigned vtd_nr_fault_regs(const struct vtd_unit *u);
bool vtd_sagaw_supports(const struct vtd_unit *u, unsigned aw_field);
/* The widest address width the unit walks (SAGAW), 0 if none. */
unsigned vtd_widest_aw(const struct vtd_unit *u);
/* Whether the unit can translate DMA through second-level tables, the
 * only ones legacy mode has: SAGAW names an address width (11.4.2), and a
 * context entry's AW must be one SAGAW names (9.3). A unit with none
 * remaps interrupts only: QEMU's intel-iommu with dma-translation=off,
 * which then ignores GCMD.TE; Linux leaves such a unit out of DMA
 * remapping (drivers/iommu/intel/dmar.c: "No supported address widths").
 * With translation off the devices behind it reach memory untranslated. */
bool vtd_translates_dma(const struct vtd_unit *u);
/* Context AW field for an address width: 39 -> 1, 48 -> 2, 57 -> 3. */
unsigned vtd_aw_field(unsigned width);

/* Whether the unit's walks of a domain's page tables snoop the CPU
 * caches, so that a table write needs no CLFLUSH: ECAP.C in legacy mode
 * (11.4.3), ECAP.SMPWC with the PASID entry's PWSNP in scalable mode
 * (9.6; Linux: iommu_paging_structure_coherency). On a unit with scalable
 * mode a domain's tables may be walked in either: both must hold. (Root,
 * context and PASID tables follow ECAP.C alone: vtd_flush_struct.) */
bool vtd_pt_coherent(const struct vtd_unit *u);

/* Make a structure change visible to a unit whose walks do not snoop. */
void vtd_flush_struct(const struct vtd_unit *u, const void *p, size_t len);

#endif
