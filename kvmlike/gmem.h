/* Guest memory: host pages the VM owns, mapped at guest-physical addresses
 * by the nested page tables (EPT or NPT) built with the shared walker
 * (mm/pgtable.h). Only these pages are mapped: the guest reaches
 * none of the host's memory. The caller owns the struct. */
#ifndef KVMLIKE_GMEM_H
#define KVMLIKE_GMEM_H

#include "mm/pgtable.h"

#define GMEM_MAX_EXTRA 4
#define GMEM_MAX_MMIO  4

/* EPT leaf memory types (SDM vol. 3C 29.3.7) */
#define GMEM_MT_UC 0
#define GMEM_MT_WB 6
/* NPT leaves select a host PAT entry with PWT (bit 3) and PCD (bit 4):
 * both set pick entry 3, UC in the power-on PAT (AMD APM vol. 2, 7.8.2),
 * which this kernel keeps. */
#define GMEM_NPT_PWT BIT_ULL(3)
#define GMEM_NPT_PCD BIT_ULL(4)

struct gmem {
	const struct pt_format *fmt;
	u8 *ram; /* contiguous host pages, mapped at GPA 0 */
	u64 size;
	struct pt pt;
	struct { /* pages mapped later (a guest's touch of unmapped memory) */
		gpa_t gpa;
		u8 *page;
	} extra[GMEM_MAX_EXTRA];
	unsigned nr_extra;
	struct { /* device MMIO (an assigned device's BAR), uncached */
		gpa_t gpa;
		hpa_t hpa;
		u64 size;
	} mmio[GMEM_MAX_MMIO];
	unsigned nr_mmio;
	u64 rebuilds; /* times the tables were rebuilt for a memory type */
};

/* Bytes guest RAM starts with at @gpa. */
struct gmem_image {
	gpa_t gpa;
	const void *data;
	u64 len;
};

/* RAM of @size bytes at GPA 0 behind tables of format @fmt (pt_fmt_ept or
 * pt_fmt_npt), zero but for @img (may be NULL). @memtype/@ipat: EPT leaf
 * attributes, ignored for NPT. 0, -EINVAL (@img beyond RAM), -ENOMEM or
 * a pt_init/pt_map error. */
int gmem_init(struct gmem *g, const struct pt_format *fmt, u64 size, u8 memtype,
	      bool ipat, const struct gmem_image *img);
void gmem_destroy(struct gmem *g);
/* Rebuild the tables with new EPT leaf attributes: a new root, every
 * mapping again. The caller loads the new root and invalidates the old
 * translations (INVEPT) before the next entry. */
int gmem_set_memtype(struct gmem *g, u8 memtype, bool ipat);
/* Map a fresh zeroed page at @gpa (4K aligned, outside RAM). */
int gmem_map_page(struct gmem *g, gpa_t gpa);
/* Map device memory [hpa, hpa+size) at @gpa, read/write, never executable,
 * uncached: EPT memory type UC without IPAT (KVM maps MMIO so, vmx.c
 * vmx_get_mt_mask), NPT leaves with PCD|PWT. Kept across rebuilds. 4K
 * aligned, outside RAM: -EINVAL; -ENOSPC; a pt_map error. The caller has
 * every vCPU drop cached translations before its next entry. */
int gmem_map_mmio(struct gmem *g, gpa_t gpa, hpa_t hpa, u64 size);
/* Unmap the region mapped at @gpa: -ENOENT when there is none. The
 * caller invalidates as for a map before the guest runs again. */
int gmem_unmap_mmio(struct gmem *g, gpa_t gpa);
/* The host address of guest-physical @gpa..+len, or NULL when any of it
 * is not guest memory. */
void *gmem_hva(struct gmem *g, gpa_t gpa, u64 len);
hpa_t gmem_root(const struct gmem *g);

#endif
