/* A parsed DMAR against the platform it came with: the memory map, the
 * kernel image, the CPU's address width. Firmware is hostile (STYLE.md):
 * a register set in RAM would have the kernel map RAM uncached and write
 * registers into it; an RMRR over the kernel or over usable RAM would
 * identity-map memory the device must never reach. Pure, like dmar.c. */
#include "iommu/vtd/dmar.h"
#include "lib/errno.h"

static bool overlaps(u64 a, u64 alen, u64 b, u64 blen)
{
	return alen && blen && a < b + blen && b < a + alen;
}

static bool in_ram(const struct dmar_platform *p, u64 base, u64 len)
{
	for (u32 i = 0; i < p->nr_map; i++)
		if (p->map[i].ram &&
		    overlaps(base, len, p->map[i].base, p->map[i].len))
			return true;
	return false;
}

static u64 ram_top(const struct dmar_platform *p)
{
	u64 top = 0;

	for (u32 i = 0; i < p->nr_map; i++)
		if (p->map[i].ram && p->map[i].len &&
		    p->map[i].base + p->map[i].len > top)
			top = p->map[i].base + p->map[i].len;
	return top;
}

/* 8.1: HAW is the platform's DMA physical addressability: no wider than
 * the CPU's, and wide enough for every byte of RAM. */
static int check_haw(const struct dmar_info *info,
		     const struct dmar_platform *p)
{
	if (p->cpu_pa_bits && info->haw > p->cpu_pa_bits)
		return -DMAR_E_HAW_CPU;
	if (info->haw < 64 && ram_top(p) > (1ULL << info->haw))
		return -DMAR_E_HAW_RAM;
	return 0;
}

static int check_rmrr(const struct dmar_rmrr *r, const struct dmar_platform *p)
{
	u64 len = r->limit - r->base + 1;

	if (overlaps(r->base, len, p->kernel_start,
		     p->kernel_end - p->kernel_start))
		return -DMAR_E_RMRR_KERNEL;
	if (in_ram(p, r->base, len))
		return -DMAR_E_RMRR_NOT_RESERVED;
	return 0;
}

int dmar_check_platform(struct dmar_info *info, const struct dmar_platform *p)
{
	int n = 0;

	info->haw_status = check_haw(info, p);
	n += !!info->haw_status;
	for (u32 i = 0; i < info->nr_units; i++) {
		struct dmar_unit *u = &info->units[i];
		u->status = in_ram(p, u->reg_base, u->reg_size)
				? -DMAR_E_REG_IN_RAM
				: 0;
		n += !!u->status;
	}
	for (u32 i = 0; i < info->nr_rmrrs; i++) {
		info->rmrrs[i].status = check_rmrr(&info->rmrrs[i], p);
		n += !!info->rmrrs[i].status;
	}
	return n;
}
