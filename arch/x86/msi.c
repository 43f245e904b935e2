/* MSI and MSI-X of the kernel's own devices (PCI Local Bus 3.0, 6.8.1
 * and 6.8.2): one vector per device, aimed at the local APIC of the CPU
 * that enabled it.
 *
 * The message is in compatibility format (the APIC id in address bits
 * 19:12, the vector in the data; SDM vol. 3A 11.11.1) unless an
 * interrupt-remapping layer has taken the device's interrupts over
 * (pci_msi_set_remap): the message then names an entry of that layer's
 * table (VT-d 5.1.2.2). Each device remembers its vector so that its
 * message can be written again when remapping is turned on or off for it
 * (pci_msi_recompose), and so that it can be held off while a guest owns
 * the device (pci_msi_hold): a guest that can make the device raise its
 * interrupt must not reach the host's vector through it. */
#include "arch/x86/pci.h"
#include "arch/x86/apic.h"
#include "lib/errno.h"

static bool msi_off;
static const struct pci_msi_remap *remap;

void pci_msi_off(void)
{
	msi_off = true;
}

void pci_msi_set_remap(const struct pci_msi_remap *r)
{
	remap = r;
}

/* @d's message: the remapping layer's, else compatibility format. */
static int compose(const struct pci_dev *d, struct pci_msi_msg *m)
{
	if (remap) {
		int r = remap->compose(d, d->msi_vector, d->msi_dest, m);

		if (r <= 0)
			return r;
	}
	if (d->msi_dest > APIC_MSI_DEST_MAX)
		return -ERANGE;
	m->addr = apic_msi_addr(d->msi_dest);
	m->data = d->msi_vector;
	return 0;
}

/* MSI-X table entry 0 (address, upper address, data, vector control),
 * or NULL for a table outside its BAR. */
static volatile u32 *msix_entry0(struct pci_dev *d, int cap)
{
	u32 tbl = pci_dev_read(d, cap + PCI_MSIX_TABLE, 4);
	unsigned bir = tbl & PCI_MSIX_BIR;
	u64 off = tbl & ~(u32)PCI_MSIX_BIR;

	if (bir >= 6 || d->bar[bir].io || off + 16 > d->bar[bir].size)
		return NULL;
	u8 *bar = pci_map_bar(d, bir);
	return bar ? (volatile u32 *)(bar + off) : NULL;
}

/* Message address (upper half 0) and data of an MSI-X entry; its vector
 * control is the caller's. */
static void msix_entry_store(volatile u32 *e, const struct pci_msi_msg *m)
{
	e[0] = m->addr;
	e[1] = 0;
	e[2] = m->data;
}

/* The data register's offset: after a 32- or a 64-bit address. */
static u16 msi_data_off(const struct pci_dev *d, int cap)
{
	return (u16)(cap + ((pci_dev_read(d, cap + PCI_MSI_CTRL, 2) &
			     PCI_MSI_CTRL_64BIT)
				? PCI_MSI_DATA_64
				: PCI_MSI_DATA_32));
}

/* The capability the message lives in: the kernel's MSI-X entry 0 when
 * it enabled MSI-X, else the MSI capability. */
static int msg_cap(const struct pci_dev *d, bool *msix)
{
	*msix = d->msi_kind == PCI_CAP_ID_MSIX;
	return pci_find_cap(d, *msix ? PCI_CAP_ID_MSIX : PCI_CAP_ID_MSI);
}

int pci_msi_msg_read(struct pci_dev *d, struct pci_msi_msg *m)
{
	bool msix;
	int cap = msg_cap(d, &msix);

	if (cap < 0)
		return -ENODEV;
	if (msix) {
		volatile u32 *e = msix_entry0(d, cap);
		if (!e)
			return -EINVAL;
		m->addr = e[0];
		m->data = e[2];
		return 0;
	}
	m->addr = pci_dev_read(d, cap + PCI_MSI_ADDR_LO, 4);
	m->data = pci_dev_read(d, msi_data_off(d, cap), 2);
	return 0;
}

/* MSI-X entry 0 is written with the function masked (6.8.2.3), and the
 * mask put back as it was. */
static int msix_msg_write(struct pci_dev *d, int cap,
			  const struct pci_msi_msg *m)
{
	u16 ctrl = (u16)pci_dev_read(d, cap + PCI_MSIX_CTRL, 2);
	volatile u32 *e = msix_entry0(d, cap);

	if (!e)
		return -EINVAL;
	pci_dev_write(d, cap + PCI_MSIX_CTRL, 2, ctrl | PCI_MSIX_MASKALL);
	msix_entry_store(e, m);
	pci_dev_write(d, cap + PCI_MSIX_CTRL, 2, ctrl);
	return 0;
}

int pci_msi_msg_write(struct pci_dev *d, const struct pci_msi_msg *m)
{
	bool msix;
	int cap = msg_cap(d, &msix);

	if (cap < 0)
		return -ENODEV;
	if (msix)
		return msix_msg_write(d, cap, m);
	pci_dev_write(d, cap + PCI_MSI_ADDR_LO, 4, m->addr);
	if (pci_dev_read(d, cap + PCI_MSI_CTRL, 2) & PCI_MSI_CTRL_64BIT)
		pci_dev_write(d, cap + PCI_MSI_ADDR_HI, 4, 0);
	pci_dev_write(d, msi_data_off(d, cap), 2, m->data);
	return 0;
}

/* One vector, INTx off. */
static void msi_program(struct pci_dev *d, int cap, const struct pci_msi_msg *m)
{
	u16 ctrl = (u16)pci_dev_read(d, cap + PCI_MSI_CTRL, 2);

	ctrl &= (u16) ~(PCI_MSI_CTRL_MME | PCI_MSI_CTRL_ENABLE);
	if (m) {
		pci_msi_msg_write(d, m);
		ctrl |= PCI_MSI_CTRL_ENABLE; /* MME 0: one vector */
	}
	pci_dev_write(d, cap + PCI_MSI_CTRL, 2, ctrl);
}

/* Entry 0 is written with the function masked (6.8.2.3), then the
 * function is unmasked with MSI-X enabled, or left disabled. */
static int msix_program(struct pci_dev *d, int cap, const struct pci_msi_msg *m)
{
	u16 ctrl = (u16)pci_dev_read(d, cap + PCI_MSIX_CTRL, 2);
	volatile u32 *e = msix_entry0(d, cap);

	if (!e)
		return -EINVAL;
	if (!m) {
		pci_dev_write(d, cap + PCI_MSIX_CTRL, 2,
			      ctrl & ~(PCI_MSIX_ENABLE | PCI_MSIX_MASKALL));
		return 0;
	}
	pci_dev_write(d, cap + PCI_MSIX_CTRL, 2,
		      ctrl | PCI_MSIX_ENABLE | PCI_MSIX_MASKALL);
	msix_entry_store(e, m);
	e[3] = 0; /* vector control: unmasked */
	pci_dev_write(d, cap + PCI_MSIX_CTRL, 2,
		      (ctrl | PCI_MSIX_ENABLE) & ~PCI_MSIX_MASKALL);
	return 0;
}

/* Write @d's message and enable its vector (@on), or disable it. A
 * message that cannot be composed leaves the vector disabled. */
static int program(struct pci_dev *d, bool on)
{
	int cap = pci_find_cap(d, d->msi_kind);
	struct pci_msi_msg m;
	int err = 0;

	if (cap < 0)
		return -ENODEV;
	if (on && (err = compose(d, &m)))
		on = false;
	if (d->msi_kind == PCI_CAP_ID_MSI)
		msi_program(d, cap, on ? &m : NULL);
	else if (msix_program(d, cap, on ? &m : NULL) && !err)
		err = -EINVAL;
	u16 cmd = (u16)pci_dev_read(d, PCI_COMMAND, 2);
	pci_dev_write(d, PCI_COMMAND, 2, cmd | PCI_COMMAND_INTX_DISABLE);
	return err;
}

static int enable(struct pci_dev *d, u8 kind, u8 vector)
{
	int cap = pci_find_cap(d, kind);

	if (cap < 0)
		return -ENODEV;
	if (kind == PCI_CAP_ID_MSIX && !msix_entry0(d, cap))
		return -EINVAL;
	if (msi_off)
		return -EPERM;
	d->msi_kind = kind;
	d->msi_vector = vector;
	d->msi_dest = apic_id();
	d->msi_held = false;
	int err = program(d, true);
	if (err)
		d->msi_kind = 0;
	return err;
}

int pci_msi_enable(struct pci_dev *d, u8 vector)
{
	return enable(d, PCI_CAP_ID_MSI, vector);
}

int pci_msix_enable(struct pci_dev *d, u8 vector)
{
	return enable(d, PCI_CAP_ID_MSIX, vector);
}

int pci_msi_recompose(struct pci_dev *d)
{
	if (!d->msi_kind || d->msi_held)
		return 0;
	return program(d, true);
}

int pci_msi_aim(struct pci_dev *d, u8 vector, u32 dest)
{
	u8 old_vector = d->msi_vector;
	u32 old_dest = d->msi_dest;
	struct pci_msi_msg m;
	int err;

	if (!d->msi_kind)
		return -ENODEV;
	if (d->msi_held)
		return -EBUSY;
	d->msi_vector = vector;
	d->msi_dest = dest;
	err = compose(d, &m);
	if (err) {
		d->msi_vector = old_vector;
		d->msi_dest = old_dest;
		return err;
	}
	return program(d, true);
}

int pci_msi_hold(struct pci_dev *d, bool hold)
{
	if (!d->msi_kind || d->msi_held == hold)
		return 0;
	d->msi_held = hold;
	if (!hold)
		return program(d, true);
	int err = program(d, false);
	if (remap && remap->release) {
		int rerr = remap->release(d);
		if (!err)
			err = rerr;
	}
	return err;
}
