/* DMA aliases through the bridges above a device; see alias.h. */
#include "iommu/vtd/alias.h"

#define PCI_CAP_ID_EXP		 0x10
#define PCI_EXP_FLAGS		 0x2 /* PCIe capabilities register */
#define PCI_EXP_FLAGS_TYPE	 GENMASK(7, 4)
#define PCI_EXP_TYPE_PCI_BRIDGE	 0x7 /* PCIe to PCI/PCI-X */
#define PCI_EXP_TYPE_PCIE_BRIDGE 0x8 /* PCI/PCI-X to PCIe */
#define PCI_HEADER_TYPE_BRIDGE	 1

/* The bridge whose secondary bus is @bus, or NULL on a root bus. */
static const struct pci_dev *upstream_bridge(u16 seg, u8 bus)
{
	struct pci_dev *devs;
	unsigned n = pci_devices(&devs);

	for (unsigned i = 0; i < n; i++)
		if (devs[i].seg == seg &&
		    (devs[i].header_type & 0x7f) == PCI_HEADER_TYPE_BRIDGE &&
		    devs[i].sec_bus == bus && devs[i].bus != bus)
			return &devs[i];
	return NULL;
}

static unsigned add(u16 *rid, unsigned n, unsigned max, u16 id)
{
	for (unsigned i = 0; i < n; i++)
		if (rid[i] == id)
			return n;
	if (n < max)
		rid[n++] = id;
	return n;
}

/* What a bridge does to the ids of requests it forwards upstream. PCIe
 * ports (root, switch up/down) keep them; a bridge to conventional PCI
 * replaces them; a PCI-to-PCIe bridge forwards with its own id. */
static int bridge_alias(const struct pci_dev *br)
{
	int cap = pci_find_cap(br, PCI_CAP_ID_EXP);

	if (cap <= 0)
		return PCI_BDF(br->bus, br->devfn);
	u32 type = FIELD_GET(PCI_EXP_FLAGS_TYPE,
			     pci_dev_read(br, (u16)cap + PCI_EXP_FLAGS, 2));
	if (type == PCI_EXP_TYPE_PCI_BRIDGE)
		return PCI_BDF(br->sec_bus, 0);
	if (type == PCI_EXP_TYPE_PCIE_BRIDGE)
		return PCI_BDF(br->bus, br->devfn);
	return -1;
}

unsigned vtd_dma_aliases(const struct pci_dev *d, u16 *rid, unsigned max)
{
	unsigned n = add(rid, 0, max, PCI_BDF(d->bus, d->devfn));
	u8 bus = d->bus;

	for (unsigned depth = 0; depth < 32; depth++) {
		const struct pci_dev *br = upstream_bridge(d->seg, bus);
		if (!br)
			break;
		int id = bridge_alias(br);
		if (id >= 0)
			n = add(rid, n, max, (u16)id);
		bus = br->bus;
	}
	return n;
}

u16 vtd_dma_requester_id(const struct pci_dev *d)
{
	u16 rid[VTD_MAX_ALIASES];

	return rid[vtd_dma_aliases(d, rid, VTD_MAX_ALIASES) - 1];
}

static bool attached(const struct vtd_domain *d, const struct vtd_unit *u,
		     u16 rid)
{
	for (unsigned i = 0; i < d->nr_devs; i++)
		if (d->devs[i].unit == u &&
		    PCI_BDF(d->devs[i].bus, d->devs[i].devfn) == rid)
			return true;
	return false;
}

int vtd_domain_attach_pci(struct vtd_domain *d, struct vtd_unit *u,
			  const struct dmar_info *info, const struct pci_dev *p)
{
	u16 rid[VTD_MAX_ALIASES];
	unsigned n = vtd_dma_aliases(p, rid, VTD_MAX_ALIASES);
	int rmrrs = vtd_domain_attach_device(d, u, info, p->seg, p->bus,
					     p->devfn);

	for (unsigned i = 1; rmrrs >= 0 && i < n; i++) {
		if (attached(d, u, rid[i]))
			continue;
		int err = vtd_domain_attach(d, u, PCI_BDF_BUS(rid[i]),
					    PCI_BDF_DEVFN(rid[i]));
		if (err)
			return err;
	}
	return rmrrs;
}
