/* The ACPI MADT (ACPI 6.5 section 5.2.12): processors, I/O APICs and
 * interrupt source overrides. Pure: takes the table's bytes, compiles on
 * the host. Firmware input is hostile: a structure whose length is zero,
 * too short for its type or past the end of the table is an error with
 * its offset, never a loop or an overrun. */
#ifndef ARCH_X86_MADT_H
#define ARCH_X86_MADT_H

#include "lib/types.h"

/* Offsets: header (36 bytes), local APIC address u32, flags u32, then
 * interrupt controller structures, each type u8, length u8, ... */
#define MADT_STRUCTS	    44
#define MADT_LAPIC	    0 /* 5.2.12.2 Processor Local APIC */
#define MADT_LAPIC_ID	    3 /* u8 */
#define MADT_LAPIC_FLAGS    4 /* u32 */
#define MADT_LAPIC_LEN	    8
#define MADT_X2APIC	    9 /* 5.2.12.12 Processor Local x2APIC */
#define MADT_X2APIC_ID	    4 /* u32 */
#define MADT_X2APIC_FLAGS   8 /* u32 */
#define MADT_X2APIC_LEN	    16
#define MADT_ENABLED	    BIT(0) /* table 5.23, local APIC flags */
#define MADT_ONLINE_CAP	    BIT(1) /* MADT revision 5 (ACPI 6.3) on */
#define MADT_REV_ONLINE_CAP 5

struct madt_cpu {
	u32 apic_id;
	u32 flags;
	bool x2apic;
};

/* Call @fn (if not NULL) with each processor in table order and return
 * how many the table lists, or -EBADMSG with *@bad_off set to the offset
 * of the malformed structure (0: the table itself is too short); then
 * @fn has seen the processors before it. */
typedef void madt_cpu_fn(const struct madt_cpu *c, void *ctx);
int madt_walk(const void *buf, size_t len, madt_cpu_fn *fn, void *ctx,
	      u32 *bad_off);

/* 5.2.12.3 I/O APIC Structure */
#define MADT_IOAPIC	     1
#define MADT_IOAPIC_ID	     2 /* u8 */
#define MADT_IOAPIC_ADDR     4 /* u32 */
#define MADT_IOAPIC_GSI_BASE 8 /* u32 */
#define MADT_IOAPIC_LEN	     12
/* 5.2.12.5 Interrupt Source Override Structure */
#define MADT_ISO	   2
#define MADT_ISO_BUS	   2 /* u8: 0, ISA */
#define MADT_ISO_SOURCE	   3 /* u8: the ISA IRQ */
#define MADT_ISO_GSI	   4 /* u32 */
#define MADT_ISO_FLAGS	   8 /* u16: MPS INTI flags, table 5.26 */
#define MADT_ISO_LEN	   10
#define MADT_ISO_BUS_ISA   0
#define MADT_INTI_POLARITY GENMASK(1, 0) /* 0 conforms (ISA: high) */
#define MADT_INTI_TRIGGER  GENMASK(3, 2) /* 0 conforms (ISA: edge) */
#define MADT_INTI_HIGH	   1
#define MADT_INTI_EDGE	   1

struct madt_ioapic {
	u8 id;
	u32 pa;
	u32 gsi_base;
};

/* The I/O APICs in table order, up to @cap of them stored: how many the
 * table lists, or -EBADMSG with *@bad_off as madt_walk. */
int madt_ioapics(const void *buf, size_t len, struct madt_ioapic *out,
		 unsigned cap, u32 *bad_off);
/* The global system interrupt ISA IRQ @irq arrives on: an override's
 * (its MPS INTI flags in *@flags; the last one wins), else @irq itself
 * with flags 0, for ISA interrupts without an override are identity
 * mapped, edge-triggered and active high (5.2.12.5). 1 (an override),
 * 0 (none), or -EBADMSG with *@bad_off. */
int madt_isa_irq(const void *buf, size_t len, u8 irq, u32 *gsi, u16 *flags,
		 u32 *bad_off);

enum madt_use { MADT_START, MADT_HOTPLUG, MADT_UNUSABLE };
/* Whether to start a processor: enabled -> start. Not enabled: before
 * revision 5 there is no online-capable flag and such an entry is a
 * hot-pluggable slot (Linux's acpi_is_processor_usable reads it so); from
 * revision 5 on it needs the flag, else ACPI says it is unusable. */
enum madt_use madt_cpu_use(u32 flags, u8 revision);

#endif
