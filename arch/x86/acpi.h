/* ACPI table discovery: RSDP, XSDT (RSDT fallback), checksums, lookup by
 * signature, MCFG. ACPI 6.4 section 5.2. */
#ifndef ARCH_X86_ACPI_H
#define ARCH_X86_ACPI_H

#include "boot/bootinfo.h"

struct acpi_header {
	char sig[4];
	u32 length;
	u8 revision;
	u8 checksum;
	char oem_id[6];
	char oem_table_id[8];
	u32 oem_revision;
	u32 creator_id;
	u32 creator_revision;
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_header) == 36, "ACPI header is 36 bytes");

struct acpi_table {
	char sig[5];
	hpa_t pa;
	u32 len;
	bool checksum_ok;
};

#define ACPI_MAX_TABLES 48
#define ACPI_MAX_LEN	(16u << 20) /* anything larger is treated as corrupt */

struct mcfg_segment {
	u64 base;
	u16 seg;
	u8 bus_start, bus_end;
};

/* Find the RSDP (boot loader copy, else the BIOS areas) and record every
 * table it leads to. Returns 0 or a negative errno; problems with single
 * tables are recorded, not fatal. */
int acpi_init(const struct boot_info *bi);
/* The first table with @sig whose checksum is valid, or NULL. */
const struct acpi_header *acpi_find(const char *sig);
unsigned acpi_tables(const struct acpi_table **out);
hpa_t acpi_rsdp_pa(void);
const char *acpi_error(void); /* why discovery stopped, or NULL */
bool acpi_checksum_ok(const void *p, size_t len);
/* MCFG segments; 0 when there is no valid MCFG. */
unsigned acpi_mcfg(const struct mcfg_segment **out);

#endif
