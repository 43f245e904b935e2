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

/* Make a structure change visible to a unit whose walks do not snoop. */
void vtd_flush_struct(const struct vtd_unit *u, const void *p, size_t len);

#endif
