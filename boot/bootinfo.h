/* What the boot loader told us, copied out of its structures so that
 * nothing later depends on the loader's memory. */
#ifndef BOOT_BOOTINFO_H
#define BOOT_BOOTINFO_H

#include "lib/types.h"

#define MB1_LOADER_MAGIC 0x2badb002
#define MB2_LOADER_MAGIC 0x36d76289

/* Memory map types, as in the ACPI/E820 address range types. */
enum mem_type {
	MEM_USABLE = 1,
	MEM_RESERVED = 2,
	MEM_ACPI = 3,
	MEM_NVS = 4,
	MEM_BAD = 5,
};

struct mem_range {
	u64 base;
	u64 len;
	u32 type;
};

#define BOOT_MAX_MMAP	 128
#define BOOT_MAX_MODULES 8
#define BOOT_CMDLINE_MAX 1024

struct boot_fb {
	bool present;
	u64 addr;
	u32 pitch, width, height;
	u8 bpp, type; /* type 0 indexed, 1 RGB, 2 EGA text */
};

struct boot_info {
	int version; /* 1 or 2; 0 if the magic was unknown */
	char cmdline[BOOT_CMDLINE_MAX];
	char loader[64];
	struct mem_range mmap[BOOT_MAX_MMAP];
	unsigned nr_mmap;
	struct mem_range modules[BOOT_MAX_MODULES];
	unsigned nr_modules;
	hpa_t info_pa; /* the loader's structure itself */
	u64 info_len;
	u8 rsdp[36]; /* copy of the RSDP from an MB2 ACPI tag */
	bool has_rsdp;
	bool efi; /* booted from UEFI firmware (MB2 EFI tags) */
	struct boot_fb fb;
	const char *error; /* why parsing stopped early, or NULL */
};

/* Parse the loader's information at physical address @info (identity
 * mapped). Never fails hard: problems are left in bi->error. */
void bootinfo_parse(struct boot_info *bi, u32 magic, const void *info);

#endif
