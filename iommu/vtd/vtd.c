/* The platform's remapping units: parsed from the DMAR table (scopes
 * resolved through the PCI bridges), brought up once at boot, and served
 * by one fault interrupt. */
#include "iommu/vtd/vtd.h"
#include "arch/x86/acpi.h"
#include "arch/x86/console.h"
#include "arch/x86/pci.h"
#include "arch/x86/trap.h"
#include "iommu/vtd/context.h"
#include "iommu/vtd/fault.h"
#include "iommu/vtd/inval.h"
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
	/* 8.1: firmware asks the OS to keep DMA remapping on (it protected
	 * memory during boot); this kernel does, a lab wants to know. */
	kprintf("# DMAR: host address width %u, flags 0x%x%s%s%s\n", dmar.haw,
		dmar.flags,
		dmar.flags & DMAR_FLAG_INTR_REMAP ? " INTR_REMAP" : "",
		dmar.flags & DMAR_FLAG_X2APIC_OPT_OUT ? " X2APIC_OPT_OUT" : "",
		dmar.flags & DMAR_FLAG_DMA_CTRL_PLATFORM_OPT_IN
		    ? " DMA_CTRL_PLATFORM_OPT_IN"
		    : "");
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

/* Queued invalidation whenever the unit has it (from major version 6 it
 * is the only way), then the root table with the global invalidations
 * that must follow it, then the fault interrupt. */
static int start_unit(struct vtd_unit *u)
{
	int err = 0;

	if (u->ecap & VTD_ECAP_QI)
		err = vtd_qi_enable(u);
	else if (!vtd_has_reg_inval(u))
		err = -EOPNOTSUPP; /* no way to invalidate at all */
	if (!err)
		err = vtd_root_table_install(u);
	if (!err)
		err = vtd_fault_irq_setup(u, VEC_VTD_FAULT);
	return err;
}

static void bring_up(const struct dmar_unit *d)
{
	struct vtd_unit *u = &units[nr_units];
	int err = vtd_unit_init(u, nr_units, d->reg_base, d->reg_size,
				d->segment);

	if (!err)
		err = start_unit(u);
	if (err) {
		kprintf("# error: VT-d unit at 0x%lx: bring-up failed: %s\n",
			d->reg_base, strerror_k(err));
		return;
	}
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
	if (dmar.nr_units > VTD_MAX_UNITS)
		kprintf("# error: DMAR names %u units, this kernel holds %u: "
			"the others are not brought up\n",
			dmar.nr_units, VTD_MAX_UNITS);
	for (u32 i = 0; i < dmar.nr_units && i < VTD_MAX_UNITS; i++)
		bring_up(&dmar.units[i]);
}
