/* Interrupt remapping of the host's own devices while a unit contains a
 * device that a guest drives (VT-d 5.1; kvmlike/assign.c).
 *
 * A guest that owns a device can make it send any interrupt message: the
 * device's own MSI, or a DMA write to 0xFEEx_xxxx, which the unit takes as
 * an interrupt request, never as DMA (3.14). Without remapping either
 * reaches the host's local APICs with a vector the guest chose. While a
 * unit holds an assignment it remaps (IRE=1) with compatibility format
 * blocked (CFI=0, 5.1.4: fault 0x25): every interrupt request from its
 * devices must name a present entry of the host's table (0x21, 0x22), and
 * each entry is validated against the requester id of the device it was
 * written for (SVT=1, 9.10: fault 0x26). The assigned device has no
 * entry. VFIO refuses assignment without this
 * (drivers/vfio/vfio_iommu_type1.c, allow_unsafe_interrupts).
 *
 * The host's own devices keep their interrupts: while the unit remaps,
 * each MSI or MSI-X vector the kernel enabled on one of its devices is an
 * entry of the table (same vector, same local APIC) and the device's
 * message names it (arch/x86/msi.c recomposes it). In x2APIC mode, on a
 * unit with ECAP.EIM, entries take 32-bit destinations (EIME), so a
 * vector may be aimed at a CPU whose id is above 255 (pci_msi_aim) while
 * the unit remaps; it cannot be given back to compatibility format when
 * the last assignment ends, and is then left off, reported. Turning remapping on
 * or off rewrites those messages: the devices must not be raising
 * interrupts meanwhile (the kernel's DMA waits for each transfer). I/O
 * APIC pins are not moved: the kernel routes none but in the ir suite,
 * which runs with nothing assigned and its own table (a unit remapping
 * for someone else is -EBUSY here). The unit's own fault event interrupt
 * is never remapped (5.1.6) and keeps its compatibility format. */
#ifndef IOMMU_VTD_IR_HOST_H
#define IOMMU_VTD_IR_HOST_H

#include "arch/x86/pci.h"
#include "iommu/vtd/unit.h"

/* 256 entries, one page; entry 0 stays unused. */
#define VTD_IR_HOST_LOG2 8

/* One more holder of remapping on @u: the first turns it on (with queued
 * invalidation) and moves the host's vectors of @u's devices into the
 * table. 0; -EOPNOTSUPP (ECAP.IR=0); -EBUSY (remapping is on and not
 * this layer's: a test's own table); or the error of bring-up, after
 * which @u is left as it was. */
int vtd_ir_host_get(struct vtd_unit *u);
/* One holder fewer; the last moves the host's vectors back to
 * compatibility format and turns remapping off. */
void vtd_ir_host_put(struct vtd_unit *u);
/* Holders of remapping on @u (0: off). */
unsigned vtd_ir_host_users(const struct vtd_unit *u);
/* The table entry that carries @d's vector while @d's unit remaps, or -1
 * (none: the unit does not remap, or the vector is held or absent). */
int vtd_ir_host_index(const struct pci_dev *d);

#endif
