/* Multiboot1 and multiboot2 boot-information parsing.
 * Multiboot 0.6.96 section 3.3; Multiboot2 1.6 section 3.6. */
#include "boot/bootinfo.h"
#include "lib/string.h"

static void copy_str(char *dst, size_t cap, const char *src)
{
	size_t i = 0;

	while (src && src[i] && i + 1 < cap) {
		dst[i] = src[i];
		i++;
	}
	dst[i] = 0;
}

static void add_range(struct mem_range *arr, unsigned *nr, unsigned cap,
		      u64 base, u64 len, u32 type)
{
	if (*nr < cap)
		arr[(*nr)++] = (struct mem_range){ base, len, type };
}

/* Multiboot 0.6.96, 3.3: the info structure, a flags word, then fields
 * valid per flag bit. */
#define MB1_INFO_MODS	 BIT(3)
#define MB1_INFO_CMDLINE BIT(2)
#define MB1_INFO_MMAP	 BIT(6)
#define MB1_INFO_LOADER	 BIT(9)
/* Module entries: mod_start, mod_end, string, reserved. */
#define MB1_MOD_START 0
#define MB1_MOD_END   4
#define MB1_MOD_LEN   16
/* Memory map entries: {u32 size; u64 base; u64 len; u32 type}. */
#define MB1_MMAP_SIZE	 0
#define MB1_MMAP_BASE	 4
#define MB1_MMAP_LEN	 12
#define MB1_MMAP_TYPE	 20
#define MB1_MMAP_MIN_LEN 24
struct mb1_info {
	u32 flags, mem_lower, mem_upper, boot_device, cmdline;
	u32 mods_count, mods_addr;
	u32 syms[4];
	u32 mmap_length, mmap_addr;
	u32 drives_length, drives_addr, config_table, boot_loader_name;
} __attribute__((packed));

static void parse_mb1(struct boot_info *bi, const struct mb1_info *mi)
{
	bi->info_len = sizeof(*mi);
	if (mi->flags & MB1_INFO_CMDLINE)
		copy_str(bi->cmdline, sizeof(bi->cmdline),
			 (const char *)(uintptr_t)mi->cmdline);
	if (mi->flags & MB1_INFO_LOADER)
		copy_str(bi->loader, sizeof(bi->loader),
			 (const char *)(uintptr_t)mi->boot_loader_name);
	if (mi->flags & MB1_INFO_MODS) {
		const u8 *m = (const u8 *)(uintptr_t)mi->mods_addr;
		for (u32 i = 0; i < mi->mods_count && i < BOOT_MAX_MODULES;
		     i++) {
			const u8 *e = m + i * MB1_MOD_LEN;
			u32 start = *(const u32 *)(e + MB1_MOD_START);
			u32 end = *(const u32 *)(e + MB1_MOD_END);
			add_range(bi->modules, &bi->nr_modules,
				  BOOT_MAX_MODULES, start, end - start, 0);
		}
	}
	if (!(mi->flags & MB1_INFO_MMAP)) {
		bi->error = "multiboot1: no memory map";
		return;
	}
	/* The size field excludes itself. A size below the entry's fields
	 * would make us loop or misread: stop. */
	u64 off = 0;
	while (off + MB1_MMAP_MIN_LEN <= mi->mmap_length) {
		const u8 *e = (const u8 *)(uintptr_t)(mi->mmap_addr + off);
		u32 size = *(const u32 *)(e + MB1_MMAP_SIZE);
		if (size < MB1_MMAP_MIN_LEN - 4) {
			bi->error = "multiboot1: memory map entry too short";
			return;
		}
		add_range(bi->mmap, &bi->nr_mmap, BOOT_MAX_MMAP,
			  *(const u64 *)(e + MB1_MMAP_BASE),
			  *(const u64 *)(e + MB1_MMAP_LEN),
			  *(const u32 *)(e + MB1_MMAP_TYPE));
		off += size + 4;
	}
}

/* Multiboot2 1.6, 3.6: the info starts with {u32 total_size; u32 rsvd},
 * then tags {u32 type; u32 size; payload}, 8-byte aligned. */
#define MB2_INFO_FIRST_TAG 8
#define MB2_TAG_TYPE	   0
#define MB2_TAG_SIZE	   4
#define MB2_TAG_PAYLOAD	   8 /* strings, RSDP copies */
#define MB2_TAG_HDR_LEN	   8
/* 3.6.6 module: mod_start, mod_end */
#define MB2_MOD_START 8
#define MB2_MOD_END   12
#define MB2_MOD_LEN   16
/* 3.6.8 memory map: entry_size, entry_version, then entries */
#define MB2_MMAP_ENTRY_SIZE 8
#define MB2_MMAP_ENTRIES    16
#define MB2_MMAP_BASE	    0
#define MB2_MMAP_LEN	    8
#define MB2_MMAP_TYPE	    16
#define MB2_MMAP_MIN_ENTRY  24
/* 3.6.11 framebuffer info */
#define MB2_FB_ADDR    8
#define MB2_FB_PITCH   16
#define MB2_FB_WIDTH   20
#define MB2_FB_HEIGHT  24
#define MB2_FB_BPP     28
#define MB2_FB_TYPE    29
#define MB2_FB_MIN_LEN 30

enum {
	MB2_TAG_END = 0,
	MB2_TAG_CMDLINE = 1,
	MB2_TAG_LOADER = 2,
	MB2_TAG_MODULE = 3,
	MB2_TAG_MMAP = 6,
	MB2_TAG_FB = 8,
	MB2_TAG_EFI32 = 11,
	MB2_TAG_EFI64 = 12,
	MB2_TAG_ACPI_OLD = 14,
	MB2_TAG_ACPI_NEW = 15,
};

static void parse_mb2_mmap(struct boot_info *bi, const u8 *t, u32 size)
{
	if (size < MB2_MMAP_ENTRIES) {
		bi->error = "multiboot2: memory map tag too short";
		return;
	}
	u32 esize = *(const u32 *)(t + MB2_MMAP_ENTRY_SIZE);
	if (esize < MB2_MMAP_MIN_ENTRY) {
		bi->error = "multiboot2: memory map entry size below 24";
		return;
	}
	for (u32 off = MB2_MMAP_ENTRIES; off + esize <= size; off += esize)
		add_range(bi->mmap, &bi->nr_mmap, BOOT_MAX_MMAP,
			  *(const u64 *)(t + off + MB2_MMAP_BASE),
			  *(const u64 *)(t + off + MB2_MMAP_LEN),
			  *(const u32 *)(t + off + MB2_MMAP_TYPE));
}

static void parse_mb2_fb(struct boot_info *bi, const u8 *t)
{
	bi->fb.present = true;
	bi->fb.addr = *(const u64 *)(t + MB2_FB_ADDR);
	bi->fb.pitch = *(const u32 *)(t + MB2_FB_PITCH);
	bi->fb.width = *(const u32 *)(t + MB2_FB_WIDTH);
	bi->fb.height = *(const u32 *)(t + MB2_FB_HEIGHT);
	bi->fb.bpp = t[MB2_FB_BPP];
	bi->fb.type = t[MB2_FB_TYPE];
}

static void parse_mb2_tag(struct boot_info *bi, const u8 *t, u32 type, u32 size)
{
	switch (type) {
	case MB2_TAG_CMDLINE:
		copy_str(bi->cmdline, sizeof(bi->cmdline),
			 (const char *)(t + MB2_TAG_PAYLOAD));
		break;
	case MB2_TAG_LOADER:
		copy_str(bi->loader, sizeof(bi->loader),
			 (const char *)(t + MB2_TAG_PAYLOAD));
		break;
	case MB2_TAG_MODULE:
		if (size < MB2_MOD_LEN)
			break;
		add_range(bi->modules, &bi->nr_modules, BOOT_MAX_MODULES,
			  *(const u32 *)(t + MB2_MOD_START),
			  *(const u32 *)(t + MB2_MOD_END) -
			      *(const u32 *)(t + MB2_MOD_START),
			  0);
		break;
	case MB2_TAG_MMAP:
		parse_mb2_mmap(bi, t, size);
		break;
	case MB2_TAG_FB:
		if (size >= MB2_FB_MIN_LEN)
			parse_mb2_fb(bi, t);
		break;
	case MB2_TAG_EFI32:
	case MB2_TAG_EFI64:
		bi->efi = true;
		break;
	case MB2_TAG_ACPI_OLD:
	case MB2_TAG_ACPI_NEW:
		/* Prefer the ACPI 2.0 copy when both are given. */
		if (!bi->has_rsdp || type == MB2_TAG_ACPI_NEW) {
			memcpy(bi->rsdp, t + MB2_TAG_PAYLOAD,
			       MIN(size - MB2_TAG_HDR_LEN, sizeof(bi->rsdp)));
			bi->has_rsdp = true;
		}
		break;
	}
}

static void parse_mb2(struct boot_info *bi, const u8 *info)
{
	u32 total = *(const u32 *)info;
	u32 off = MB2_INFO_FIRST_TAG;

	bi->info_len = total;
	while (off + MB2_TAG_HDR_LEN <= total) {
		const u8 *t = info + off;
		u32 type = *(const u32 *)(t + MB2_TAG_TYPE);
		u32 size = *(const u32 *)(t + MB2_TAG_SIZE);
		if (type == MB2_TAG_END)
			return;
		if (size < MB2_TAG_HDR_LEN || off + size > total) {
			bi->error = "multiboot2: tag size out of bounds";
			return;
		}
		parse_mb2_tag(bi, t, type, size);
		off += ALIGN_UP(size, 8);
	}
}

void bootinfo_parse(struct boot_info *bi, u32 magic, const void *info)
{
	memset(bi, 0, sizeof(*bi));
	bi->info_pa = (uintptr_t)info;
	if (magic == MB1_LOADER_MAGIC) {
		bi->version = 1;
		parse_mb1(bi, info);
	} else if (magic == MB2_LOADER_MAGIC) {
		bi->version = 2;
		parse_mb2(bi, info);
	} else {
		bi->error = "unknown boot loader magic";
	}
}
