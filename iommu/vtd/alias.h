/* DMA aliases: the requester ids a device's DMA may carry by the time it
 * reaches the remapping unit. A bridge to conventional PCI takes over
 * the transactions of the devices below it: a PCIe-to-PCI/PCI-X bridge
 * forwards them with its secondary bus and devfn 0, a conventional
 * PCI-to-PCI bridge with its own id (PCIe-to-PCI/PCI-X Bridge spec 2.3;
 * Linux pci_for_each_dma_alias). Every alias needs a context entry. */
#ifndef IOMMU_VTD_ALIAS_H
#define IOMMU_VTD_ALIAS_H

#include "arch/x86/pci.h"
#include "iommu/vtd/domain.h"

#define VTD_MAX_ALIASES 8

/* The device's own requester id first, then each alias upstream, without
 * repeats; returns how many (at least 1). */
unsigned vtd_dma_aliases(const struct pci_dev *d, u16 *rid, unsigned max);
/* The id the unit sees on the device's requests: the last alias. */
u16 vtd_dma_requester_id(const struct pci_dev *d);

/* Attach the device and every DMA alias of it to @d behind @u: RMRRs
 * naming the device are identity-mapped first (vtd_domain_attach_device),
 * then each alias gets a context entry of the domain. Returns RMRRs
 * mapped, or an error (entries already written stay, and go with the
 * domain). */
int vtd_domain_attach_pci(struct vtd_domain *d, struct vtd_unit *u,
			  const struct dmar_info *info,
			  const struct pci_dev *p);

#endif
