/* The platform's remapping units: parsed from the DMAR table (scopes
 * resolved through the PCI bridges), brought up once at boot, and served
 * by one fault interrupt. */
#include "iommu/vtd/vtd.h"
#include "arch/x86/acpi.h"
#include "arch/x86/console.h"
#include "arch/x86/pci.h"
#include "arch/x86/trap.h"
#include "iommu/vtd/fault.h"
#include "lib/errno.h"

static struct dmar_info dmar;
static struct vtd_unit units[VTD_MAX_UNITS];
static const struct dmar_unit *unit_dmar[VTD_MAX_UNITS];
static unsigned nr_units;
static int dmar_err = -ENODEV;

unsigned vtd_nr_units(void)
{
	return nr_units;
}

struct vtd_unit *vtd_unit(unsigned i)
{
	return i < nr_units ? &units[i] : NULL;
}

const struct dmar_info *vtd_dmar(int *err)
{
	*err = dmar_err;
	return dmar_err ? NULL : &dmar;
}

struct vtd_unit *vtd_unit_for_device(u16 seg, u8 bus, u8 devfn)
{
	const struct dmar_unit *d = dmar_unit_for_bdf(&dmar, seg, bus, devfn);

	for (unsigned i = 0; d && i < nr_units; i++)
		if (unit_dmar[i] == d)
			return &units[i];
	return NULL;
}

static void on_fault_irq(struct trap_frame *f, void *ctx)
{
	for (unsigned i = 0; i < nr_units; i++)
		units[i].stats.fault_irqs += vtd_fault_drain(&units[i]) ? 1 : 0;
}

static u32 cfg_read(void *ctx, u16 seg, u8 bus, u8 dev, u8 fn, u16 off)
{
	return pci_read(seg, bus, PCI_DEVFN(dev, fn), off, 4);
}

static void report_dmar(void)
{
	for (u32 i = 0; i < MIN(dmar.nr_warnings, DMAR_MAX_WARNINGS); i++)
		kprintf("# DMAR: warning at offset %u: %s\n",
			dmar.warnings[i].offset,
			dmar_warning_str(dmar.warnings[i].kind));
	for (u32 i = 0; i < dmar.nr_scopes; i++)
		if (dmar.scopes[i].status)
			kprintf("# DMAR: scope at offset %u unresolved: %s\n",
				dmar.scopes[i].offset,
				dmar_strerror(dmar.scopes[i].status));
}

static void bring_up(const struct dmar_unit *d)
{
	struct vtd_unit *u = &units[nr_units];
	int err = vtd_unit_init(u, nr_units, d->reg_base, d->reg_size,
				d->segment);

	if (err) {
		kprintf("# error: VT-d unit at 0x%lx: bring-up failed: %s\n",
			d->reg_base, strerror_k(err));
		return;
	}
	vtd_fault_irq_setup(u, VEC_VTD_FAULT);
	unit_dmar[nr_units++] = d;
}

void vtd_platform_init(void)
{
	const struct acpi_header *h = acpi_find("DMAR");

	if (!h)
		return; /* dmar_err stays -ENODEV: no VT-d */
	dmar_err = dmar_parse(h, h->length, &dmar);
	if (dmar_err) {
		kprintf("# error: DMAR at offset %u: %s\n", dmar.err_offset,
			dmar_strerror(dmar_err));
		return;
	}
	dmar_resolve(&dmar, cfg_read, NULL);
	report_dmar();
	trap_set_handler(VEC_VTD_FAULT, on_fault_irq, NULL);
	for (u32 i = 0; i < dmar.nr_units && nr_units < VTD_MAX_UNITS; i++)
		bring_up(&dmar.units[i]);
}
