/* The platform's remapping units: parsed from the DMAR table (scopes
 * resolved through the PCI bridges), brought up once at boot, and served
 * by one fault interrupt. */
#include "iommu/vtd/vtd.h"
#include "arch/x86/acpi.h"
#include "arch/x86/apic.h"
#include "arch/x86/console.h"
#include "arch/x86/cpu.h"
#include "arch/x86/mm.h"
#include "arch/x86/pci.h"
#include "arch/x86/trap.h"
#include "iommu/vtd/caps.h"
#include "iommu/vtd/context.h"
#include "iommu/vtd/fault.h"
#include "iommu/vtd/inval.h"
#include "lib/errno.h"
#include "lib/string.h"

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

struct vtd_unit *vtd_unit_for_ioapic(u8 id, u16 *sid)
{
	for (unsigned i = 0; i < nr_units; i++) {
		const struct dmar_unit *d = unit_dmar[i];
		for (u32 s = d->scope_first; s < d->scope_first + d->nr_scopes;
		     s++) {
			const struct dmar_scope *sc = &dmar.scopes[s];
			if (sc->type == DMAR_SCOPE_IOAPIC &&
			    sc->enum_id == id && !sc->status) {
				*sid = (u16)PCI_BDF(sc->bus, sc->devfn);
				return &units[i];
			}
		}
	}
	return NULL;
}

struct vtd_unit *vtd_dma_unit_for_device(u16 seg, u8 bus, u8 devfn)
{
	struct vtd_unit *u = vtd_unit_for_device(seg, bus, devfn);

	return u && vtd_translates_dma(u) ? u : NULL;
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

/* The memory map, the kernel image and the CPU's physical width, for
 * the checks of the DMAR against the platform. */
static void check_platform(const struct boot_info *bi)
{
	static struct dmar_mem_range map[BOOT_MAX_MMAP];
	extern char __image_start[], __image_end[];
	struct dmar_platform p = {
		.map = map,
		.nr_map = bi->nr_mmap,
		.kernel_start = virt_to_phys(__image_start),
		.kernel_end = virt_to_phys(__image_end),
		.cpu_pa_bits = cpuid(0x80000000, 0).eax >= 0x80000008
				   ? cpuid(0x80000008, 0).eax & 0xff
				   : 36,
	};

	for (u32 i = 0; i < bi->nr_mmap; i++)
		map[i] = (struct dmar_mem_range){ bi->mmap[i].base,
						  bi->mmap[i].len,
						  bi->mmap[i].type == 1 };
	dmar_check_platform(&dmar, &p);
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
			kprintf("# %s: DMAR: scope at offset %u: %s\n",
				dmar.scopes[i].status == -DMAR_E_RES_NO_DEVICE
				    ? "warning"
				    : "error",
				dmar.scopes[i].offset,
				dmar_strerror(dmar.scopes[i].status));
	if (dmar.haw_status)
		kprintf("# error: DMAR host address width %u: %s\n", dmar.haw,
			dmar_strerror(dmar.haw_status));
	for (u32 i = 0; i < dmar.nr_units; i++)
		if (dmar.units[i].status)
			kprintf("# error: DRHD at offset %u (registers 0x%lx): "
				"%s: not brought up\n",
				dmar.units[i].offset, dmar.units[i].reg_base,
				dmar_strerror(dmar.units[i].status));
	for (u32 i = 0; i < dmar.nr_rmrrs; i++)
		if (dmar.rmrrs[i].status)
			kprintf(
			    "# error: RMRR at offset %u [0x%lx, 0x%lx]: %s: "
			    "never identity-mapped\n",
			    dmar.rmrrs[i].offset, dmar.rmrrs[i].base,
			    dmar.rmrrs[i].limit,
			    dmar_strerror(dmar.rmrrs[i].status));
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
	if (!err && (err = vtd_fault_irq_setup(u, VEC_VTD_FAULT)) == -ERANGE)
		kprintf("# vtd%u: this CPU's APIC id %u is above 255 and the "
			"unit has no ECAP.EIM: no address reaches it for the "
			"fault interrupt\n",
			u->index, apic_id());
	return err;
}

static void bring_up(const struct dmar_unit *d)
{
	struct vtd_unit *u = &units[nr_units];
	int err = d->status; /* a register set in RAM is never mapped */

	if (!err)
		err = vtd_unit_init(u, nr_units, d->reg_base, d->reg_size,
				    d->segment);

	if (!err)
		err = start_unit(u);
	if (err) {
		kprintf("# error: VT-d unit at 0x%lx: bring-up failed: %s\n",
			d->reg_base,
			err <= -DMAR_E_FIRST ? dmar_strerror(err)
					     : strerror_k(err));
		return;
	}
	unit_dmar[nr_units++] = d;
}

/* The DMAR wherever the firmware put it (above 4 GiB too), even with a
 * bad checksum: acpi_find() hides such a table, and a DMAR that is there
 * but broken must fail the run, not pass for "no VT-d". */
static const void *find_dmar(u32 *len)
{
	const struct acpi_table *t;
	unsigned n = acpi_tables(&t);

	for (unsigned i = 0; i < n; i++) {
		if (memcmp(t[i].sig, "DMAR", 4))
			continue;
		*len = t[i].len;
		if (mm_cache_type(t[i].pa) < 0 ||
		    mm_cache_type(t[i].pa + t[i].len - 1) < 0)
			return mm_map(t[i].pa, t[i].len, CACHE_WB);
		return phys_to_virt(t[i].pa);
	}
	return NULL;
}

void vtd_platform_init(const struct boot_info *bi)
{
	u32 len = 0;
	const void *h = find_dmar(&len);

	if (!len)
		return; /* dmar_err stays -ENODEV: no VT-d */
	if (!h) {
		dmar_err = -EFAULT;
		kprintf("# error: DMAR table cannot be mapped\n");
		return;
	}
	dmar_err = dmar_parse(h, len, &dmar);
	if (dmar_err) {
		kprintf("# error: DMAR at offset %u: %s\n", dmar.err_offset,
			dmar_strerror(dmar_err));
		return;
	}
	dmar_resolve(&dmar, cfg_read, NULL);
	check_platform(bi);
	report_dmar();
	trap_set_handler(VEC_VTD_FAULT, on_fault_irq, NULL);
	if (dmar.nr_units > VTD_MAX_UNITS)
		kprintf("# error: DMAR names %u units, this kernel holds %u: "
			"the others are not brought up\n",
			dmar.nr_units, VTD_MAX_UNITS);
	for (u32 i = 0; i < dmar.nr_units && i < VTD_MAX_UNITS; i++)
		bring_up(&dmar.units[i]);
}
