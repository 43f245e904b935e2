/* PCI configuration access and enumeration. PCI Local Bus 3.0 chapter 6,
 * PCI Express Base 4.0 section 7.2.2 (ECAM). */
#include "arch/x86/pci.h"
#include "arch/x86/acpi.h"
#include "arch/x86/cpu.h"
#include "arch/x86/mm.h"
#include "arch/x86/tsc.h"
#include "lib/errno.h"

static struct pci_dev devs[PCI_MAX_DEVS];
static unsigned nr_devs;
static const struct mcfg_segment *ecam;
static unsigned nr_ecam;

static volatile u8 *ecam_addr(u16 seg, u8 bus, u8 devfn, u16 off)
{
	for (unsigned i = 0; i < nr_ecam; i++) {
		const struct mcfg_segment *m = &ecam[i];
		if (m->seg == seg && bus >= m->bus_start && bus <= m->bus_end)
			return (
			    volatile u8 *)(m->base +
					   ((u64)(bus - m->bus_start) << 20) +
					   ((u64)devfn << 12) + off);
	}
	return NULL;
}

static u32 cf8_addr(u8 bus, u8 devfn, u16 off)
{
	return BIT(31) | (u32)bus << 16 | (u32)devfn << 8 | (off & 0xfc);
}

u32 pci_read(u16 seg, u8 bus, u8 devfn, u16 off, unsigned size)
{
	volatile u8 *p = ecam_addr(seg, bus, devfn, off);

	if (p)
		return size == 1   ? *p
		       : size == 2 ? *(volatile u16 *)p
				   : *(volatile u32 *)p;
	if (seg || off >= 256)
		return ~0u;
	outl(0xcf8, cf8_addr(bus, devfn, off));
	u32 v = inl(0xcfc) >> (8 * (off & 3));
	return size == 4 ? v : v & ((1u << (8 * size)) - 1);
}

void pci_write(u16 seg, u8 bus, u8 devfn, u16 off, unsigned size, u32 val)
{
	volatile u8 *p = ecam_addr(seg, bus, devfn, off);

	if (p) {
		if (size == 1)
			*p = (u8)val;
		else if (size == 2)
			*(volatile u16 *)p = (u16)val;
		else
			*(volatile u32 *)p = val;
		return;
	}
	if (seg || off >= 256)
		return;
	outl(0xcf8, cf8_addr(bus, devfn, off));
	if (size == 1)
		outb(0xcfc + (off & 3), (u8)val);
	else if (size == 2)
		outw(0xcfc + (off & 2), (u16)val);
	else
		outl(0xcfc, val);
}

const char *pci_access_method(void)
{
	return nr_ecam ? "ECAM (MCFG)" : "ports 0xcf8/0xcfc";
}

/* Size BAR @i with decoding off (PCI 3.0 section 6.2.5.1). Returns the
 * number of BAR slots it takes (2 for a 64-bit memory BAR). */
static unsigned size_bar(struct pci_dev *d, unsigned i)
{
	u16 off = PCI_BAR0 + 4 * i;
	u32 lo = pci_dev_read(d, off, 4), hi = 0, mlo, mhi = ~0u;
	struct pci_bar *b = &d->bar[i];

	b->io = lo & 1;
	b->mem64 = !b->io && ((lo >> 1) & 3) == 2;
	pci_dev_write(d, off, 4, ~0u);
	mlo = pci_dev_read(d, off, 4);
	pci_dev_write(d, off, 4, lo);
	if (b->mem64) {
		hi = pci_dev_read(d, off + 4, 4);
		pci_dev_write(d, off + 4, 4, ~0u);
		mhi = pci_dev_read(d, off + 4, 4);
		pci_dev_write(d, off + 4, 4, hi);
	}
	/* A 64-bit BAR whose upper half reads back 0 (Bochs' xHCI) decodes
	 * below 4 GiB only: its size is in the lower half. */
	if (b->mem64 && mhi == 0)
		mhi = ~0u;
	u64 mask = ((u64)mhi << 32) | (mlo & (b->io ? ~3u : ~15u));
	if (!b->io && !b->mem64)
		mask |= 0xffffffff00000000ULL;
	if (b->io)
		mask |= 0xffffffffffff0000ULL;
	b->size = (mlo == 0 || mlo == ~0u) && !b->mem64 ? 0 : ~mask + 1;
	b->base = ((u64)hi << 32) | (lo & (b->io ? ~3u : ~15u));
	return b->mem64 ? 2 : 1;
}

static void probe_bars(struct pci_dev *d)
{
	unsigned nbars = (d->header_type & 0x7f) == 0 ? 6 : 2;
	u16 cmd = (u16)pci_dev_read(d, PCI_COMMAND, 2);

	pci_dev_write(d, PCI_COMMAND, 2,
		      cmd & ~(PCI_COMMAND_IO | PCI_COMMAND_MEM));
	for (unsigned i = 0; i < nbars;)
		i += size_bar(d, i);
	pci_dev_write(d, PCI_COMMAND, 2, cmd);
}

static void scan_bus(u16 seg, u8 bus, unsigned depth);

static void add_function(u16 seg, u8 bus, u8 devfn, unsigned depth)
{
	u32 id = pci_read(seg, bus, devfn, PCI_VENDOR_ID, 4);
	struct pci_dev *d;

	if (nr_devs == PCI_MAX_DEVS)
		return;
	d = &devs[nr_devs++];
	*d = (struct pci_dev){ .seg = seg, .bus = bus, .devfn = devfn };
	d->vendor = id & 0xffff;
	d->device = id >> 16;
	d->class_rev = pci_dev_read(d, PCI_CLASS_REV, 4);
	d->header_type = (u8)pci_dev_read(d, PCI_HEADER_TYPE, 1);
	probe_bars(d);
	if ((d->header_type & 0x7f) == 1) {
		d->sec_bus = (u8)pci_dev_read(d, PCI_SECONDARY_BUS, 1);
		d->sub_bus = (u8)pci_dev_read(d, PCI_SUBORDINATE_BUS, 1);
		/* A bridge that forwards to a lower bus would loop. */
		if (d->sec_bus > bus && depth < 32)
			scan_bus(seg, d->sec_bus, depth + 1);
	}
}

static void scan_bus(u16 seg, u8 bus, unsigned depth)
{
	for (u8 dev = 0; dev < 32; dev++) {
		u32 id = pci_read(seg, bus, PCI_DEVFN(dev, 0), 0, 4);
		if ((id & 0xffff) == 0xffff)
			continue;
		u8 ht = (u8)pci_read(seg, bus, PCI_DEVFN(dev, 0),
				     PCI_HEADER_TYPE, 1);
		for (u8 fn = 0; fn < ((ht & 0x80) ? 8 : 1); fn++) {
			id = pci_read(seg, bus, PCI_DEVFN(dev, fn), 0, 4);
			if ((id & 0xffff) != 0xffff)
				add_function(seg, bus, PCI_DEVFN(dev, fn),
					     depth);
		}
	}
}

int pci_init(void)
{
	nr_ecam = acpi_mcfg(&ecam);
	for (unsigned i = 0; i < nr_ecam; i++) {
		u64 len = (u64)(ecam[i].bus_end - ecam[i].bus_start + 1) << 20;
		if (!mm_map(ecam[i].base, len, CACHE_UC))
			return -ENOMEM;
	}
	nr_devs = 0;
	scan_bus(0, 0, 0);
	return nr_devs ? 0 : -ENODEV;
}

unsigned pci_devices(struct pci_dev **out)
{
	*out = devs;
	return nr_devs;
}

struct pci_dev *pci_find(u16 vendor, u16 device, unsigned index)
{
	for (unsigned i = 0; i < nr_devs; i++)
		if (devs[i].vendor == vendor && devs[i].device == device &&
		    index-- == 0)
			return &devs[i];
	return NULL;
}

void *pci_map_bar(struct pci_dev *d, unsigned i)
{
	struct pci_bar *b = &d->bar[i];

	if (i >= 6 || b->io || !b->size || !b->base)
		return NULL;
	u16 cmd = (u16)pci_dev_read(d, PCI_COMMAND, 2);
	pci_dev_write(d, PCI_COMMAND, 2, cmd | PCI_COMMAND_MEM);
	return mm_map(b->base, b->size, CACHE_UC);
}

void pci_set_master(struct pci_dev *d, bool on)
{
	u16 cmd = (u16)pci_dev_read(d, PCI_COMMAND, 2);

	cmd = on ? cmd | PCI_COMMAND_MASTER : cmd & ~PCI_COMMAND_MASTER;
	pci_dev_write(d, PCI_COMMAND, 2, cmd);
}

int pci_find_cap(const struct pci_dev *d, u8 id)
{
	if (!(pci_dev_read(d, PCI_STATUS, 2) & PCI_STATUS_CAP_LIST))
		return -ENOENT;
	u8 ptr = (u8)pci_dev_read(d, PCI_CAP_PTR, 1) & PCI_CAP_PTR_MASK;
	for (unsigned n = 0; ptr && n < 48; n++) { /* bounded: no cycles */
		if (pci_dev_read(d, ptr + PCI_CAP_ID, 1) == id)
			return ptr;
		ptr = (u8)pci_dev_read(d, ptr + PCI_CAP_NEXT, 1) &
		      PCI_CAP_PTR_MASK;
	}
	return -ENOENT;
}

/* PCI Power Management (PCI PM 1.2, 3.2.4): firmware may leave a device
 * it does not use in D3hot, where its registers read as ones. D3hot -> D0
 * needs 10 ms before the function is touched (5.6.1), and unless
 * PMCSR.No_Soft_Reset is 1 it is an internal reset: the configuration
 * registers return to their defaults (BARs 0, decoding and bus mastering
 * off). */
#define PCI_PMCSR		0x04
#define PCI_PMCSR_STATE		GENMASK(1, 0)
#define PCI_PMCSR_NO_SOFT_RESET BIT(3)
#define PCI_D3HOT		3
#define PCI_D3_TO_D0_US		10000
#define PCI_NR_BARS		6 /* header type 0 */

/* What firmware set and the reset loses; Command last, so that decoding
 * comes back on with the BARs already in place. */
static const struct {
	u16 off;
	u8 size;
} pm_saved[] = {
	{ PCI_BAR0, 4 },
	{ PCI_BAR0 + 4, 4 },
	{ PCI_BAR0 + 8, 4 },
	{ PCI_BAR0 + 12, 4 },
	{ PCI_BAR0 + 16, 4 },
	{ PCI_BAR0 + 20, 4 },
	{ PCI_CACHE_LINE_SIZE, 1 },
	{ PCI_LATENCY_TIMER, 1 },
	{ PCI_INTERRUPT_LINE, 1 },
	{ PCI_COMMAND, 2 },
};
_Static_assert(ARRAY_SIZE(pm_saved) == PCI_NR_BARS + 4, "every BAR");

unsigned pci_pm_to_d0(const struct pci_cfg *c, u16 pm, bool *restored)
{
	u16 pmcsr = (u16)c->rd(c->ctx, pm + PCI_PMCSR, 2);
	unsigned state = (unsigned)FIELD_GET(PCI_PMCSR_STATE, pmcsr);
	u32 saved[ARRAY_SIZE(pm_saved)];

	*restored = false;
	if (!state)
		return 0;
	for (unsigned i = 0; i < ARRAY_SIZE(pm_saved); i++)
		saved[i] = c->rd(c->ctx, pm_saved[i].off, pm_saved[i].size);
	c->wr(c->ctx, pm + PCI_PMCSR, 2, pmcsr & ~PCI_PMCSR_STATE);
	udelay(PCI_D3_TO_D0_US);
	if (state != PCI_D3HOT || (pmcsr & PCI_PMCSR_NO_SOFT_RESET))
		return state;
	for (unsigned i = 0; i < ARRAY_SIZE(pm_saved); i++)
		c->wr(c->ctx, pm_saved[i].off, pm_saved[i].size, saved[i]);
	*restored = true;
	return state;
}

static u32 dev_cfg_rd(void *ctx, u16 off, unsigned size)
{
	return pci_dev_read(ctx, off, size);
}

static void dev_cfg_wr(void *ctx, u16 off, unsigned size, u32 v)
{
	pci_dev_write(ctx, off, size, v);
}

unsigned pci_power_up(struct pci_dev *d, bool *restored)
{
	int cap = pci_find_cap(d, PCI_CAP_ID_PM);
	struct pci_cfg c = { dev_cfg_rd, dev_cfg_wr, d };

	*restored = false;
	return cap < 0 ? 0 : pci_pm_to_d0(&c, (u16)cap, restored);
}
