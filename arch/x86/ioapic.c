/* I/O APIC: found in the MADT, programmed through IOREGSEL/IOWIN. */
#include "arch/x86/ioapic.h"
#include "arch/x86/acpi.h"
#include "arch/x86/mm.h"
#include "lib/errno.h"
#include "lib/string.h"

static u32 reg_read(const struct ioapic *io, u32 reg)
{
	io->regs[IOAPIC_REGSEL / 4] = reg;
	return io->regs[IOAPIC_WINDOW / 4];
}

static void reg_write(const struct ioapic *io, u32 reg, u32 v)
{
	io->regs[IOAPIC_REGSEL / 4] = reg;
	io->regs[IOAPIC_WINDOW / 4] = v;
}

/* Every length is checked before the entry is read: firmware input. */
static int madt_first_ioapic(struct ioapic *io)
{
	const struct acpi_header *h = acpi_find("APIC");
	const u8 *t = (const u8 *)h;

	if (!h || h->length < ACPI_MADT_ENTRIES)
		return -ENODEV;
	for (u32 off = ACPI_MADT_ENTRIES; off + 2 <= h->length;) {
		u8 type = t[off + ACPI_MADT_ENTRY_TYPE];
		u8 len = t[off + ACPI_MADT_ENTRY_LEN];
		if (len < 2 || off + len > h->length)
			return -ENODEV;
		if (type == ACPI_MADT_TYPE_IOAPIC &&
		    len >= ACPI_MADT_IOAPIC_LEN) {
			io->id = t[off + ACPI_MADT_IOAPIC_ID];
			memcpy(&io->gsi_base,
			       t + off + ACPI_MADT_IOAPIC_GSI_BASE, 4);
			u32 pa;
			memcpy(&pa, t + off + ACPI_MADT_IOAPIC_ADDR, 4);
			io->pa = pa;
			return 0;
		}
		off += len;
	}
	return -ENODEV;
}

int ioapic_find(struct ioapic *io)
{
	memset(io, 0, sizeof(*io));
	int err = madt_first_ioapic(io);
	if (err)
		return err;
	io->regs = mm_map(io->pa, PAGE_SIZE, CACHE_UC);
	if (!io->regs)
		return -ENOMEM;
	io->nr_pins = (unsigned)FIELD_GET(IOAPIC_VER_MRE,
					  reg_read(io, IOAPIC_REG_VER)) +
		      1;
	return 0;
}

u64 ioapic_rte_read(const struct ioapic *io, unsigned pin)
{
	u32 lo = reg_read(io, IOAPIC_REG_RTE + 2 * pin);

	return lo | (u64)reg_read(io, IOAPIC_REG_RTE + 2 * pin + 1) << 32;
}

void ioapic_rte_write(const struct ioapic *io, unsigned pin, u64 rte)
{
	reg_write(io, IOAPIC_REG_RTE + 2 * pin, (u32)IOAPIC_RTE_MASK);
	reg_write(io, IOAPIC_REG_RTE + 2 * pin + 1, (u32)(rte >> 32));
	reg_write(io, IOAPIC_REG_RTE + 2 * pin, (u32)rte);
}
