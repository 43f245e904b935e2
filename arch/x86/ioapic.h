/* I/O APIC (82093AA datasheet; found through the MADT, ACPI 6.4
 * 5.2.12.3): indirect register access and redirection entries. */
#ifndef ARCH_X86_IOAPIC_H
#define ARCH_X86_IOAPIC_H

#include "lib/types.h"

#define IOAPIC_REGSEL	0x00
#define IOAPIC_WINDOW	0x10
#define IOAPIC_REG_ID	0x00
#define IOAPIC_REG_VER	0x01
#define IOAPIC_VER_MRE	GENMASK(23, 16) /* highest redirection entry */
#define IOAPIC_REG_RTE	0x10		/* + 2 * pin: low, high */
#define IOAPIC_RTE_MASK BIT_ULL(16)

/* I/O APICs a machine may list (servers: one or two per socket). */
#define IOAPIC_MAX 16

struct ioapic {
	hpa_t pa;
	volatile u32 *regs;
	u8 id;
	u32 gsi_base;
	unsigned nr_pins;
};

/* The first I/O APIC the MADT lists, mapped: 0, -ENODEV (none listed or
 * the MADT is malformed), -ENOMEM. */
int ioapic_find(struct ioapic *io);
/* The I/O APIC among the MADT's first IOAPIC_MAX whose pins hold global
 * system interrupt @gsi, mapped, and the pin: 0, -ENOENT (none does),
 * -ENODEV (no MADT, or malformed), -ENOMEM. */
int ioapic_find_gsi(struct ioapic *io, u32 gsi, unsigned *pin);
/* Mask every pin of the MADT's first IOAPIC_MAX I/O APICs: the kernel
 * routes nothing through them, and a pin firmware (or a kernel before
 * this one) left unmasked would deliver to a vector nobody handles, a
 * level-triggered one again and again (Linux clears them at boot for the
 * same reason: clear_IO_APIC). The number of I/O APICs, with the pins
 * that were unmasked counted in *@unmasked; -ENODEV (no MADT, or
 * malformed), -ENOMEM. */
int ioapic_mask_all(unsigned *unmasked);
u64 ioapic_rte_read(const struct ioapic *io, unsigned pin);
/* Written high half first, low half (with the mask bit) last. */
void ioapic_rte_write(const struct ioapic *io, unsigned pin, u64 rte);

#endif
