/* I/O APIC: found in the MADT, programmed through IOREGSEL/IOWIN. */
#include "arch/x86/ioapic.h"
#include "arch/x86/acpi.h"
#include "arch/x86/madt.h"
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

/* The MADT's I/O APICs (every length checked by madt.c: firmware
 * input), up to @cap; how many, or -ENODEV (no MADT, or malformed). */
static int listed(struct madt_ioapic *out, unsigned cap)
{
	const struct acpi_header *h = acpi_find("APIC");
	u32 bad;
	int n;

	if (!h)
		return -ENODEV;
	n = madt_ioapics(h, h->length, out, cap, &bad);
	return n < 0 ? -ENODEV : n;
}

static int map(struct ioapic *io, const struct madt_ioapic *m)
{
	memset(io, 0, sizeof(*io));
	io->id = m->id;
	io->pa = m->pa;
	io->gsi_base = m->gsi_base;
	io->regs = mm_map(io->pa, PAGE_SIZE, CACHE_UC);
	if (!io->regs)
		return -ENOMEM;
	io->nr_pins = (unsigned)FIELD_GET(IOAPIC_VER_MRE,
					  reg_read(io, IOAPIC_REG_VER)) +
		      1;
	return 0;
}

int ioapic_find(struct ioapic *io)
{
	struct madt_ioapic m;
	int n = listed(&m, 1);

	if (n <= 0)
		return -ENODEV;
	return map(io, &m);
}

int ioapic_find_gsi(struct ioapic *io, u32 gsi, unsigned *pin)
{
	struct madt_ioapic m[IOAPIC_MAX];
	int n = listed(m, IOAPIC_MAX);

	if (n < 0)
		return n;
	for (int i = 0; i < MIN(n, IOAPIC_MAX); i++) {
		if (gsi < m[i].gsi_base)
			continue;
		int err = map(io, &m[i]);
		if (err)
			return err;
		if (gsi - io->gsi_base < io->nr_pins) {
			*pin = gsi - io->gsi_base;
			return 0;
		}
	}
	return -ENOENT;
}

int ioapic_mask_all(unsigned *unmasked)
{
	struct madt_ioapic m[IOAPIC_MAX];
	int n = listed(m, IOAPIC_MAX);

	*unmasked = 0;
	if (n < 0)
		return n;
	for (int i = 0; i < MIN(n, IOAPIC_MAX); i++) {
		struct ioapic io;
		int err = map(&io, &m[i]);
		if (err)
			return err;
		for (unsigned pin = 0; pin < io.nr_pins; pin++) {
			u32 lo = reg_read(&io, IOAPIC_REG_RTE + 2 * pin);
			if (lo & IOAPIC_RTE_MASK)
				continue;
			reg_write(&io, IOAPIC_REG_RTE + 2 * pin,
				  lo | (u32)IOAPIC_RTE_MASK);
			++*unmasked;
		}
	}
	return MIN(n, IOAPIC_MAX);
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
