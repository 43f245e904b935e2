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

/* Byte offsets of the fields this kernel reads (ACPI 6.4); all fields are
 * little-endian and unaligned. */

/* 5.2.5.3 Root System Description Pointer */
#define ACPI_RSDP_SIGNATURE    0  /* "RSD PTR " */
#define ACPI_RSDP_CHECKSUM_LEN 20 /* the ACPI 1.0 part, first checksum */
#define ACPI_RSDP_REVISION     15
#define ACPI_RSDP_RSDT	       16 /* u32 */
#define ACPI_RSDP_XSDT	       24 /* u64, revision >= 2 */
#define ACPI_RSDP_LEN	       36 /* revision >= 2, extended checksum */
#define ACPI_RSDP_ALIGN	       16
#define ACPI_BDA_EBDA_SEGMENT  0x40e /* 5.2.5.1: the EBDA's segment */
#define ACPI_EBDA_SCAN_LEN     1024
#define ACPI_BIOS_AREA_START   0xe0000
#define ACPI_BIOS_AREA_END     0x100000

/* 5.2.7 RSDT and 5.2.8 XSDT: entries follow the header */
#define ACPI_RSDT_ENTRY_SIZE 4
#define ACPI_XSDT_ENTRY_SIZE 8

/* 5.2.9 Fixed ACPI Description Table ("FACP") */
#define ACPI_FADT_DSDT	      40  /* u32 */
#define ACPI_FADT_RESET_REG   116 /* Generic Address Structure, 12 bytes */
#define ACPI_FADT_RESET_VALUE 128
#define ACPI_FADT_X_DSDT      140 /* u64 */
/* 5.2.3.2 Generic Address Structure */
#define ACPI_GAS_SPACE_ID 0
#define ACPI_GAS_ADDRESS  4 /* u64 */
#define ACPI_GAS_SPACE_IO 1

/* 5.2.12 Multiple APIC Description Table ("APIC") */
#define ACPI_MADT_LAPIC_ADDR	 36 /* u32 */
#define ACPI_MADT_FLAGS		 40
#define ACPI_MADT_ENTRIES	 44
#define ACPI_MADT_ENTRY_TYPE	 0
#define ACPI_MADT_ENTRY_LEN	 1
#define ACPI_MADT_TYPE_LAPIC	 0 /* 5.2.12.2 */
#define ACPI_MADT_LAPIC_UID	 2
#define ACPI_MADT_LAPIC_ID	 3
#define ACPI_MADT_LAPIC_FLAGS	 4 /* u32 */
#define ACPI_MADT_TYPE_X2APIC	 9 /* 5.2.12.12 */
#define ACPI_MADT_X2APIC_ID	 4 /* u32 */
#define ACPI_MADT_X2APIC_FLAGS	 8 /* u32 */
#define ACPI_MADT_ENABLED	 BIT(0)
#define ACPI_MADT_ONLINE_CAPABLE BIT(1)

/* PCI Firmware Specification 3.2, 4.1.2: "MCFG" */
#define ACPI_MCFG_ENTRIES   44 /* after 8 reserved bytes */
#define ACPI_MCFG_ENTRY_LEN 16
#define ACPI_MCFG_BASE	    0 /* u64 */
#define ACPI_MCFG_SEGMENT   8 /* u16 */
#define ACPI_MCFG_BUS_START 10
#define ACPI_MCFG_BUS_END   11
#define ACPI_MCFG_MAX	    8

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
