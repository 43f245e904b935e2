/* The processors of the ACPI MADT (ACPI 6.5 section 5.2.12). Pure: takes
 * the table's bytes, compiles on the host. Firmware input is hostile: a
 * structure whose length is zero, too short for its type or past the end of
 * the table is an error with its offset, never a loop or an overrun. */
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

enum madt_use { MADT_START, MADT_HOTPLUG, MADT_UNUSABLE };
/* Whether to start a processor: enabled -> start. Not enabled: before
 * revision 5 there is no online-capable flag and such an entry is a
 * hot-pluggable slot (Linux's acpi_is_processor_usable reads it so); from
 * revision 5 on it needs the flag, else ACPI says it is unusable. */
enum madt_use madt_cpu_use(u32 flags, u8 revision);

#endif
