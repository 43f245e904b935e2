/* Radix page tables for DMA remapping and nested paging: one walker, many
 * formats (STYLE.md habit 7).
 *
 * The VT-d second-level format follows the "Intel Virtualization Technology
 * for Directed I/O Architecture Specification", section 9.8 "Second-Level
 * Paging Entries" and section 3.7 "Second-Level Translation" (rev 3.x
 * numbering; rev 4.x calls them second-stage). The EPT format follows the
 * Intel SDM vol. 3C, 29.3.2 "EPT Translation Mechanism"; the NPT format
 * AMD's APM vol. 2, 15.25 "Nested Paging" (x86-64 4-level entries).
 *
 * The module is pure: it never touches hardware. The caller owns
 *  - the memory: ops->alloc_page / free_page / phys_to_virt,
 *  - cache maintenance: ops->flush, called for every changed entry when the
 *    table walker does not snoop CPU caches (VT-d ECAP.C=0, spec 10.4.3),
 *  - invalidation: every map/unmap records what changed in a pt_gather; the
 *    caller turns that into one IOTLB invalidation (spec 6.5.2.3) and only
 *    then calls pt_gather_release() to free the tables unmap unlinked,
 *  - locking: calls on one struct pt must be serialised.
 */
#ifndef IOMMU_VTD_PGTABLE_H
#define IOMMU_VTD_PGTABLE_H

#include "lib/types.h"

/* The input address a table translates: an IOVA (VT-d second level) or a
 * guest-physical address (EPT, NPT). Callers keep their own types, iova_t
 * and gpa_t, which convert to it. */
typedef u64 pt_addr_t;

/* Format-independent permissions. */
#define PT_READ	 BIT(0)
#define PT_WRITE BIT(1)
#define PT_EXEC	 BIT(2)

#define PT_ENTRIES    512
#define PT_LEVEL_BITS 9
#define PT_MAX_LEVELS 5
_Static_assert(PT_ENTRIES * sizeof(u64) == PAGE_SIZE, "a table is one page");

struct pt_ops {
	/* A zeroed 4 KiB page and its host physical address, or NULL. */
	void *(*alloc_page)(void *ctx, hpa_t *pa);
	void (*free_page)(void *ctx, void *va, hpa_t pa);
	void *(*phys_to_virt)(void *ctx, hpa_t pa);
	/* Write back [va, va+len) to memory (CLFLUSH). Called only when
	 * !cfg.coherent; may be NULL when coherent. */
	void (*flush)(void *ctx, const void *va, size_t len);
};

/* Where a format keeps each field of its entries. A mask of 0 means the
 * format has no such field. */
struct pt_format {
	const char *name;
	u64 present; /* entry is present when any of these bits is set */
	u64 read;    /* permission bits, in leaves */
	u64 write;
	u64 exec;
	u64 table; /* bits every non-leaf entry carries besides the address */
	u64 leaf_size; /* PS: a leaf above level 1 */
	u64 snoop;     /* VT-d SNP: leaves only, when the domain enforces it */
	u64 memtype;   /* EPT memory type, leaves only */
	u64 ipat;      /* EPT ignore-PAT, leaves only */
	u64 addr;      /* next-table or page-frame address */
	u8 min_levels, max_levels;
	bool write_needs_read; /* EPT: W or X without R is a misconfiguration */
};

extern const struct pt_format pt_fmt_vtd_sl, pt_fmt_ept, pt_fmt_npt;
/* VT-d first-stage (scalable mode, PGTT=1): IA-32e 4/5-level entries. */
extern const struct pt_format pt_fmt_vtd_fl;
/* Pages from the kernel's allocator (pgtable_kernel.c); the host tests
 * link the same file against their fakes. */
extern const struct pt_ops pt_kernel_ops;

struct pt_config {
	unsigned levels; /* 3, 4 or 5 (VT-d CAP.SAGAW bits 1..3; EPT 4, 5) */
	unsigned aw; /* address width: IOVAs below 2^aw, aw <= 12+9*levels */
	/* Leaf sizes allowed, as a mask of sizes: PAGE_SIZE always, SZ_2M and
	 * SZ_1G from CAP.SLLPS bits 0 and 1 (see pt_vtd_page_sizes). 1G
	 * requires 2M, so that any superpage splits one level at a time. */
	u64 page_sizes;
	bool coherent; /* the walker snoops CPU caches (VT-d ECAP.C) */
	bool snoop;    /* leaves carry SNP: the domain enforces coherency */
	u8 memtype;    /* EPT leaf memory type (0 UC, 6 WB) */
	bool ipat;     /* EPT leaf ignore-PAT */
};

/* Levels of a table whose leaves are 4 KiB and whose top level covers
 * @width bits: 39 -> 3, 48 -> 4, 57 -> 5 (9 bits a level above the 12 of
 * a page); 0 for a width no number of whole levels covers exactly. */
static inline unsigned pt_levels_for_width(unsigned width)
{
	if (width <= PAGE_SHIFT || (width - PAGE_SHIFT) % PT_LEVEL_BITS)
		return 0;
	return (width - PAGE_SHIFT) / PT_LEVEL_BITS;
}

/* The leaf sizes a VT-d unit supports, from CAP.SLLPS (CAP bits 37:34). */
u64 pt_vtd_page_sizes(unsigned sllps);

struct pt {
	const struct pt_format *fmt;
	struct pt_config cfg;
	const struct pt_ops *ops;
	void *ctx;
	u64 *root;
	hpa_t root_pa; /* for the context entry's SLPTPTR or the EPTP */
	u64 nr_tables; /* tables in the tree, root included */
};

/* What one or more map/unmap calls changed, for the caller's invalidation.
 * Initialise with pt_gather_init(); calls accumulate into one span; a call
 * that fails records nothing. A split superpage keeps its translations, so
 * only the unmapped part is recorded, and IH=1 (leaf-only) stays valid
 * unless freed_tables. */
struct pt_gather {
	pt_addr_t start, end; /* inclusive; meaningful when valid */
	bool valid;
	bool nonpresent_to_present; /* map: needed when CAP.CM=1 (spec 6.1) */
	bool freed_tables;	    /* unmap unlinked tables: invalidate the
				     * paging-structure caches too (IH=0) */
	void *freelist;		    /* unlinked tables, see pt_gather_release */
	u64 nr_freelist;
};

/* A translation found by pt_lookup or visited by pt_for_each_leaf. */
struct pt_walk {
	pt_addr_t addr; /* the looked-up address; the leaf base when visiting */
	hpa_t pa;	/* translation of addr */
	u64 size;	/* leaf size: 4K, 2M or 1G */
	unsigned level; /* 1 = 4K leaf, 2 = 2M, 3 = 1G */
	unsigned prot;
	u64 pte;
	u64 *ptep;
};

int pt_init(struct pt *pt, const struct pt_format *f,
	    const struct pt_config *cfg, const struct pt_ops *ops, void *ctx);
/* Frees every table. The caller has detached the domain and invalidated. */
void pt_destroy(struct pt *pt);
/* Write back every table (after cfg.coherent was cleared: a walker that
 * does not snoop joined the table's users). */
void pt_flush_all(const struct pt *pt);

/* g (required) accumulates what map/unmap/set_snoop_all changed.
 *
 * Map [addr, addr+size) to [pa, pa+size) with the largest leaves alignment
 * and cfg.page_sizes allow. Errors leave the tables unchanged: -EINVAL (not
 * 4K aligned, size 0, prot 0, W/X without R on EPT), -EOPNOTSUPP (PT_EXEC
 * on VT-d), -ERANGE (beyond 2^aw or the format's addresses), -EEXIST (any
 * part mapped), -ENOMEM. */
int pt_map(struct pt *pt, pt_addr_t addr, hpa_t pa, u64 size, unsigned prot,
	   struct pt_gather *g);
/* Unmap [addr, addr+size), splitting superpages that straddle its ends.
 * Errors leave the tables unchanged: -EINVAL, -ERANGE, -ENOENT (any part
 * unmapped), -ENOMEM (a split could not get a table). */
int pt_unmap(struct pt *pt, pt_addr_t addr, u64 size, struct pt_gather *g);
/* 0 and *out filled, -ENOENT when not mapped, -ERANGE beyond 2^aw. */
int pt_lookup(const struct pt *pt, pt_addr_t addr, struct pt_walk *out);

/* Visit every present leaf in IOVA order; a non-zero return from fn stops
 * the walk and is returned. */
typedef int (*pt_leaf_fn)(void *arg, const struct pt_walk *leaf);
int pt_for_each_leaf(const struct pt *pt, pt_leaf_fn fn, void *arg);

/* Start enforcing snoop on a populated table: set SNP on every present leaf
 * that lacks it, flush those entries, record their span in g, and set
 * cfg.snoop for later maps. Returns the number of leaves changed, or
 * -EOPNOTSUPP when the format has no snoop bit. */
int pt_set_snoop_all(struct pt *pt, struct pt_gather *g);

void pt_gather_init(struct pt_gather *g);
/* Free the tables unmap unlinked: call after the invalidation covering g
 * has completed (until then the IOMMU may still walk them). Resets g. */
void pt_gather_release(struct pt *pt, struct pt_gather *g);
/* Page-selective invalidation (spec 6.5.2.3, 10.4.8.2 IVA_REG): the
 * smallest naturally aligned block of 2^am pages at *addr covering
 * [g->start, g->end]. Returns false when g is empty or am would exceed
 * mamv (CAP.MAMV): the caller then invalidates the whole domain. */
bool pt_gather_psi(const struct pt_gather *g, unsigned mamv, pt_addr_t *addr,
		   unsigned *am);

#endif
