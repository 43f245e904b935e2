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

/* Multiboot1 info structure: flags word, then fields valid per flag bit. */
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
	if (mi->flags & BIT(2))
		copy_str(bi->cmdline, sizeof(bi->cmdline),
			 (const char *)(uintptr_t)mi->cmdline);
	if (mi->flags & BIT(9))
		copy_str(bi->loader, sizeof(bi->loader),
			 (const char *)(uintptr_t)mi->boot_loader_name);
	if (mi->flags & BIT(3)) {
		const u32 *m = (const u32 *)(uintptr_t)mi->mods_addr;
		for (u32 i = 0; i < mi->mods_count && i < BOOT_MAX_MODULES; i++)
			add_range(bi->modules, &bi->nr_modules,
				  BOOT_MAX_MODULES, m[i * 4],
				  m[i * 4 + 1] - m[i * 4], 0);
	}
	if (!(mi->flags & BIT(6))) {
		bi->error = "multiboot1: no memory map";
		return;
	}
	/* Entries are {u32 size; u64 base; u64 len; u32 type}, size excludes
	 * itself. A size below 20 would make us loop or misread: stop. */
	u64 off = 0;
	while (off + 24 <= mi->mmap_length) {
		const u8 *e = (const u8 *)(uintptr_t)(mi->mmap_addr + off);
		u32 size = *(const u32 *)e;
		if (size < 20) {
			bi->error = "multiboot1: memory map entry too short";
			return;
		}
		add_range(bi->mmap, &bi->nr_mmap, BOOT_MAX_MMAP,
			  *(const u64 *)(e + 4), *(const u64 *)(e + 12),
			  *(const u32 *)(e + 20));
		off += size + 4;
	}
}

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
	u32 esize = *(const u32 *)(t + 8);

	if (esize < 24) {
		bi->error = "multiboot2: memory map entry size below 24";
		return;
	}
	for (u32 off = 16; off + esize <= size; off += esize)
		add_range(bi->mmap, &bi->nr_mmap, BOOT_MAX_MMAP,
			  *(const u64 *)(t + off), *(const u64 *)(t + off + 8),
			  *(const u32 *)(t + off + 16));
}

static void parse_mb2_fb(struct boot_info *bi, const u8 *t)
{
	bi->fb.present = true;
	bi->fb.addr = *(const u64 *)(t + 8);
	bi->fb.pitch = *(const u32 *)(t + 16);
	bi->fb.width = *(const u32 *)(t + 20);
	bi->fb.height = *(const u32 *)(t + 24);
	bi->fb.bpp = t[28];
	bi->fb.type = t[29];
}

static void parse_mb2_tag(struct boot_info *bi, const u8 *t, u32 type, u32 size)
{
	switch (type) {
	case MB2_TAG_CMDLINE:
		copy_str(bi->cmdline, sizeof(bi->cmdline),
			 (const char *)(t + 8));
		break;
	case MB2_TAG_LOADER:
		copy_str(bi->loader, sizeof(bi->loader), (const char *)(t + 8));
		break;
	case MB2_TAG_MODULE:
		add_range(bi->modules, &bi->nr_modules, BOOT_MAX_MODULES,
			  *(const u32 *)(t + 8),
			  *(const u32 *)(t + 12) - *(const u32 *)(t + 8), 0);
		break;
	case MB2_TAG_MMAP:
		parse_mb2_mmap(bi, t, size);
		break;
	case MB2_TAG_FB:
		if (size >= 30)
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
			memcpy(bi->rsdp, t + 8,
			       MIN(size - 8, sizeof(bi->rsdp)));
			bi->has_rsdp = true;
		}
		break;
	}
}

static void parse_mb2(struct boot_info *bi, const u8 *info)
{
	u32 total = *(const u32 *)info;
	u32 off = 8;

	bi->info_len = total;
	while (off + 8 <= total) {
		const u8 *t = info + off;
		u32 type = *(const u32 *)t, size = *(const u32 *)(t + 4);
		if (type == MB2_TAG_END)
			return;
		if (size < 8 || off + size > total) {
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
