/* PCI configuration space (ECAM from MCFG, else ports 0xcf8/0xcfc),
 * enumeration through bridges, BARs, bus mastering, MSI. */
#ifndef ARCH_X86_PCI_H
#define ARCH_X86_PCI_H

#include "lib/bdf.h"

#define PCI_VENDOR_ID		 0x00
#define PCI_COMMAND		 0x04
#define PCI_COMMAND_IO		 BIT(0)
#define PCI_COMMAND_MEM		 BIT(1)
#define PCI_COMMAND_MASTER	 BIT(2)
#define PCI_COMMAND_INTX_DISABLE BIT(10)
#define PCI_STATUS		 0x06
#define PCI_STATUS_CAP_LIST	 BIT(4)
#define PCI_CLASS_REV		 0x08
#define PCI_CACHE_LINE_SIZE	 0x0c /* u8 */
#define PCI_LATENCY_TIMER	 0x0d /* u8 */
#define PCI_HEADER_TYPE		 0x0e
#define PCI_BAR0		 0x10
#define PCI_PRIMARY_BUS		 0x18
#define PCI_SECONDARY_BUS	 0x19
#define PCI_SUBORDINATE_BUS	 0x1a
#define PCI_CAP_PTR		 0x34
#define PCI_CAP_PTR_MASK	 0xfc /* the low two bits are reserved */
#define PCI_INTERRUPT_LINE	 0x3c /* u8 */
/* Capability list entry (PCI 3.0 6.7) */
#define PCI_CAP_ID	0
#define PCI_CAP_NEXT	1
#define PCI_CAP_ID_MSI	0x05
#define PCI_CAP_ID_PM	0x01
#define PCI_CAP_ID_MSIX 0x11
/* MSI capability (PCI 3.0 6.8.1) */
#define PCI_MSI_CTRL	    2 /* u16 */
#define PCI_MSI_CTRL_ENABLE BIT(0)
#define PCI_MSI_CTRL_MME    GENMASK(6, 4) /* vectors enabled, log2 */
#define PCI_MSI_CTRL_64BIT  BIT(7)
#define PCI_MSI_ADDR_LO	    4
#define PCI_MSI_ADDR_HI	    8  /* 64-bit capable only */
#define PCI_MSI_DATA_32	    8  /* data, 32-bit address */
#define PCI_MSI_DATA_64	    12 /* data, 64-bit address */
#define PCI_MSIX_CTRL	    2  /* u16, MSI-X (PCI 3.0 6.8.2) */
#define PCI_MSIX_ENABLE	    BIT(15)
#define PCI_MSIX_MASKALL    BIT(14)
#define PCI_MSIX_TABLE	    4 /* BIR and offset */
#define PCI_MSIX_BIR	    GENMASK(2, 0)
#define PCI_MSIX_PBA	    8 /* BIR and offset of the pending bits */

#define PCI_MAX_DEVS 64

struct pci_bar {
	u64 base, size;
	bool io, mem64;
};

struct pci_dev {
	u16 seg;
	u8 bus, devfn;
	u16 vendor, device;
	u32 class_rev;
	u8 header_type;
	u8 sec_bus, sub_bus; /* bridges */
	struct pci_bar bar[6];
	/* The one MSI or MSI-X vector the kernel enabled (arch/x86/msi.c):
	 * the capability (PCI_CAP_ID_MSI or _MSIX; 0: none), the vector and
	 * the local APIC id it is aimed at; held while a guest owns the
	 * device (pci_msi_hold). */
	u8 msi_kind, msi_vector;
	u32 msi_dest;
	bool msi_held;
};

int pci_init(void);
const char *pci_access_method(void);
u32 pci_read(u16 seg, u8 bus, u8 devfn, u16 off, unsigned size);
void pci_write(u16 seg, u8 bus, u8 devfn, u16 off, unsigned size, u32 val);
unsigned pci_devices(struct pci_dev **out);
/* The @index'th device with this vendor and device id, or NULL. */
struct pci_dev *pci_find(u16 vendor, u16 device, unsigned index);
/* Map BAR @i uncached; NULL if it is absent or an I/O BAR. */
void *pci_map_bar(struct pci_dev *d, unsigned i);
void pci_set_master(struct pci_dev *d, bool on);
/* MSI and MSI-X of the kernel's own devices: arch/x86/msi.c. */

/* Program and enable MSI to this CPU's local APIC with @vector: 0,
 * -ENODEV (no MSI capability), -EPERM (after pci_msi_off), or -ERANGE
 * (this CPU's x2APIC id is above the 255 a compatibility-format message
 * can name). On an error the driver polls. */
int pci_msi_enable(struct pci_dev *d, u8 vector);
/* From now on no MSI or MSI-X is enabled (the nomsi option). */
void pci_msi_off(void);
/* The same through MSI-X table entry 0 (devices without MSI); -EINVAL
 * for a table outside its BAR. */
int pci_msix_enable(struct pci_dev *d, u8 vector);

/* A message: address (bits 31:0; the high half is written 0) and data. */
struct pci_msi_msg {
	u32 addr, data;
};
/* The message in @d's MSI capability (MSI-X table entry 0 when the
 * kernel enabled MSI-X) as it stands, or written there as it is (the
 * enable bit and the kernel's record of the vector left alone: for a test
 * that aims the device itself). 0, -ENODEV, or -EINVAL (an MSI-X table
 * outside its BAR). */
int pci_msi_msg_read(struct pci_dev *d, struct pci_msi_msg *m);
int pci_msi_msg_write(struct pci_dev *d, const struct pci_msi_msg *m);
/* An interrupt-remapping layer that takes over devices' messages. */
struct pci_msi_remap {
	/* The message for @d's @vector to local APIC @dest: 0 with *m set;
	 * 1 when @d's interrupts are not remapped (the message is then in
	 * compatibility format); a negative errno when they are and no
	 * message can be made (the vector then stays off). */
	int (*compose)(const struct pci_dev *d, u8 vector, u32 dest,
		       struct pci_msi_msg *m);
	/* @d's vector is held off: whatever it named must block. 0, or
	 * the error that leaves the entry possibly still valid (an
	 * interrupt-entry cache invalidation that did not complete). */
	int (*release)(const struct pci_dev *d);
};
void pci_msi_set_remap(const struct pci_msi_remap *r);
/* Write @d's message again, as the remapping layer now composes it (after
 * the layer turned remapping on or off for @d's unit). The device must
 * not be raising interrupts meanwhile: address and data are two writes.
 * 0 (also when the kernel enabled no vector on @d, or holds it), or the
 * error of composing, which leaves the vector off. */
int pci_msi_recompose(struct pci_dev *d);
/* Aim @d's enabled vector at local APIC @dest with @vector: the message
 * is composed first, and when it cannot be (-ERANGE: an id above 255 in
 * compatibility format, or in a remapping table without 32-bit
 * destinations) the vector stays as it was. 0, -ENODEV (no vector
 * enabled), -EBUSY (held), or the error of composing. */
int pci_msi_aim(struct pci_dev *d, u8 vector, u32 dest);
/* Hold @d's vector off (@hold: enable bit clear, INTx stays disabled, so
 * that the device signals nothing, and the remapping layer releases its
 * entry), or give it back (written again and enabled). 0, the error of
 * turning it off or of the layer's release (the vector is then held all
 * the same: call again with !@hold to give it back), or the error of
 * composing on give-back. Nothing to do when no vector was enabled. */
int pci_msi_hold(struct pci_dev *d, bool hold);
int pci_find_cap(const struct pci_dev *d, u8 id);

/* Configuration space as pci_pm_to_d0() sees it: a device's, or a
 * test's. */
struct pci_cfg {
	u32 (*rd)(void *ctx, u16 off, unsigned size);
	void (*wr)(void *ctx, u16 off, unsigned size, u32 v);
	void *ctx;
};
/* Put the function whose PCI PM capability is at @pm in D0 (PCI PM 1.2,
 * 5.6.1); returns the state it was in (0: D0, nothing done). A D3hot ->
 * D0 transition without PMCSR.No_Soft_Reset resets the function: its
 * BARs, Command, cache line size, latency timer and interrupt line are
 * saved before and written back after the 10 ms wait (*restored). */
unsigned pci_pm_to_d0(const struct pci_cfg *c, u16 pm, bool *restored);
/* The same for @d through its PM capability (0 without one). */
unsigned pci_power_up(struct pci_dev *d, bool *restored);

static inline u32 pci_dev_read(const struct pci_dev *d, u16 off, unsigned sz)
{
	return pci_read(d->seg, d->bus, d->devfn, off, sz);
}
static inline void pci_dev_write(const struct pci_dev *d, u16 off, unsigned sz,
				 u32 v)
{
	pci_write(d->seg, d->bus, d->devfn, off, sz, v);
}

#endif
