/* The platform's remapping units, brought up once at boot from the DMAR
 * table, and the fault interrupt shared by all of them. */
#include "arch/x86/acpi.h"
#include "arch/x86/console.h"
#include "arch/x86/pci.h"
#include "arch/x86/trap.h"
#include "lib/errno.h"
#include "tests/kernel/vtd_fix.h"

static struct vtd_unit units[VTD_MAX_UNITS];
static unsigned nr_units;
/* TEMPORARY: single-hop endpoint scopes until the DMAR parser lands. */
static bool include_all[VTD_MAX_UNITS];
static u16 scope_bdf[VTD_MAX_UNITS][32];
static unsigned nr_scope[VTD_MAX_UNITS];

unsigned vtd_nr_units(void)
{
	return nr_units;
}

struct vtd_unit *vtd_unit(unsigned i)
{
	return i < nr_units ? &units[i] : NULL;
}

struct vtd_unit *vtd_unit_for_device(u16 seg, u8 bus, u8 devfn)
{
	for (unsigned i = 0; i < nr_units; i++)
		for (unsigned j = 0; j < nr_scope[i]; j++)
			if (units[i].seg == seg &&
			    scope_bdf[i][j] == PCI_SID(bus, devfn))
				return &units[i];
	for (unsigned i = 0; i < nr_units; i++)
		if (units[i].seg == seg && include_all[i])
			return &units[i];
	return NULL;
}

static void on_fault_irq(struct trap_frame *f, void *ctx)
{
	for (unsigned i = 0; i < nr_units; i++)
		units[i].stats.fault_irqs += vtd_fault_drain(&units[i]) ? 1 : 0;
}

int vtd_platform_init(void)
{
	const struct acpi_header *h = acpi_find("DMAR");

	if (!h)
		return -ENODEV;
	const u8 *p = (const u8 *)h;
	for (u32 off = 48; off + 4 <= h->length && nr_units < VTD_MAX_UNITS;) {
		u16 type = *(const u16 *)(p + off),
		    len = *(const u16 *)(p + off + 2);
		if (len < 4)
			break;
		if (type == 0) {
			struct vtd_unit *u = &units[nr_units];
			int err = vtd_unit_init(
			    u, nr_units, *(const u64 *)(p + off + 8), PAGE_SIZE,
			    *(const u16 *)(p + off + 6));
			if (err) {
				kprintf("# vtd%u: bring-up failed: %s\n",
					nr_units, strerror_k(err));
			} else {
				include_all[nr_units] = p[off + 4] & 1;
				for (u32 so = off + 16; so + 8 <= off + len;
				     so += p[so + 1] ? p[so + 1] : 8)
					if (p[so] == 1 &&
					    nr_scope[nr_units] < 32)
						scope_bdf
						    [nr_units]
						    [nr_scope[nr_units]++] =
							PCI_SID(p[so + 5],
								PCI_DEVFN(
								    p[so + 6],
								    p[so + 7]));
				vtd_fault_irq_setup(u, VEC_VTD_FAULT);
				nr_units++;
			}
		}
		off += len;
	}
	trap_set_handler(VEC_VTD_FAULT, on_fault_irq, NULL);
	return nr_units ? 0 : -ENODEV;
}
