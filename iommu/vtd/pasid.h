/* Scalable-mode translation (VT-d 3.x/4.x): root and context entries in
 * scalable mode (9.2, 9.4), the PASID directory (9.5) and PASID table
 * (9.6), the PASID-cache and PASID-based IOTLB invalidations (6.5.2.4,
 * 6.5.2.6), and the scalable-mode fault reasons (7.1.3). Register and
 * entry bits first, as in regs.h; kept here because only scalable mode
 * uses them.
 *
 * The caller owns struct vtd_sm. vtd_sm_enable() switches a unit from its
 * legacy root table to a scalable-mode one; vtd_sm_disable() switches it
 * back (with the global invalidations both need) and frees every table. */
#ifndef IOMMU_VTD_PASID_H
#define IOMMU_VTD_PASID_H

#include "iommu/vtd/unit.h"

#define VTD_RTADDR_TTM_LEGACY	0
#define VTD_RTADDR_TTM_SCALABLE 1 /* 11.4.6: TTM=01 */
#define VTD_ECAP_SRS		BIT_ULL(31)
#define VTD_ECAP_PSS		GENMASK_ULL(39, 35)

/* Scalable-mode root entry (9.2): a lower (devfn 0-127) and an upper
 * (devfn 128-255) context table. */
#define VTD_SM_ROOT_LO_LP   BIT_ULL(0)
#define VTD_SM_ROOT_LO_LCTP GENMASK_ULL(63, 12)
#define VTD_SM_ROOT_HI_UP   BIT_ULL(0)
#define VTD_SM_ROOT_HI_UCTP GENMASK_ULL(63, 12)

/* Scalable-mode context entry (9.4): 256 bits, 128 to a table. */
#define VTD_SMCTX_W0_P		 BIT_ULL(0)
#define VTD_SMCTX_W0_FPD	 BIT_ULL(1)
#define VTD_SMCTX_W0_DTE	 BIT_ULL(2)
#define VTD_SMCTX_W0_PASIDE	 BIT_ULL(3)
#define VTD_SMCTX_W0_PRE	 BIT_ULL(4)
#define VTD_SMCTX_W0_RSVD	 GENMASK_ULL(8, 5)
#define VTD_SMCTX_W0_PDTS	 GENMASK_ULL(11, 9) /* 2^(PDTS+7) entries */
#define VTD_SMCTX_W0_PASIDDIRPTR GENMASK_ULL(63, 12)
#define VTD_SMCTX_W1_RID_PASID	 GENMASK_ULL(19, 0)
#define VTD_SMCTX_W1_RID_PRIV	 BIT_ULL(20)
#define VTD_SMCTX_PER_TABLE	 128

struct vtd_sm_ctx {
	u64 w[4];
};
_Static_assert(sizeof(struct vtd_sm_ctx) == 32, "SM context: 32 bytes");

/* PASID directory entry (9.5): 64 bits; PASID 19:6 indexes it. */
#define VTD_PDE_P	    BIT_ULL(0)
#define VTD_PDE_FPD	    BIT_ULL(1)
#define VTD_PDE_SMPTBLPTR   GENMASK_ULL(63, 12)
#define VTD_PASID_DIR_SHIFT 6

/* PASID table entry (9.6): 512 bits, 64 to a table; PASID 5:0 indexes. */
#define VTD_PE_W0_P	    BIT_ULL(0)
#define VTD_PE_W0_FPD	    BIT_ULL(1)
#define VTD_PE_W0_AW	    GENMASK_ULL(4, 2) /* 1: 3-level, 2: 4-level */
#define VTD_PE_W0_SLEE	    BIT_ULL(5)
#define VTD_PE_W0_PGTT	    GENMASK_ULL(8, 6)
#define VTD_PE_W0_SLADE	    BIT_ULL(9)
#define VTD_PE_W0_SLPTPTR   GENMASK_ULL(63, 12)
#define VTD_PE_W1_DID	    GENMASK_ULL(15, 0)
#define VTD_PE_W1_PWSNP	    BIT_ULL(23) /* page-walk snoop */
#define VTD_PE_W1_PGSNP	    BIT_ULL(24) /* page snoop: every access snoops */
#define VTD_PE_W2_SRE	    BIT_ULL(0)
#define VTD_PE_W2_FLPM	    GENMASK_ULL(3, 2) /* 0: 4-level, 1: 5-level */
#define VTD_PE_W2_WPE	    BIT_ULL(4)
#define VTD_PE_W2_NXE	    BIT_ULL(5)
#define VTD_PE_W2_FLPTPTR   GENMASK_ULL(63, 12)
#define VTD_PASID_PER_TABLE 64

struct vtd_pasid_entry {
	u64 w[8];
};
_Static_assert(sizeof(struct vtd_pasid_entry) == 64, "PASID entry: 64 bytes");

/* PASID-granular translation type (9.6, PGTT). */
enum vtd_pgtt {
	VTD_PGTT_FL = 1,
	VTD_PGTT_SL = 2,
	VTD_PGTT_NESTED = 3,
	VTD_PGTT_PT = 4,
};

/* PASID-cache invalidation descriptor (6.5.2.4), type 7. */
#define VTD_QI_PC	   0x7
#define VTD_QI_PC_G	   GENMASK_ULL(5, 4)
#define VTD_QI_PC_G_DOMAIN 0 /* every PASID of the domain */
#define VTD_QI_PC_G_PASID  1 /* one PASID of the domain */
#define VTD_QI_PC_G_GLOBAL 3
#define VTD_QI_PC_DID	   GENMASK_ULL(31, 16)
#define VTD_QI_PC_PASID	   GENMASK_ULL(51, 32)
/* PASID-based IOTLB invalidation descriptor (6.5.2.6), type 6. */
#define VTD_QI_PIOTLB	      0x6
#define VTD_QI_PIOTLB_G	      GENMASK_ULL(5, 4)
#define VTD_QI_PIOTLB_G_PASID 2 /* every address of the PASID */
#define VTD_QI_PIOTLB_G_PAGE  3
#define VTD_QI_PIOTLB_DID     GENMASK_ULL(31, 16)
#define VTD_QI_PIOTLB_PASID   GENMASK_ULL(51, 32)
#define VTD_QI_PIOTLB_HI_ADDR GENMASK_ULL(63, 12)
#define VTD_QI_PIOTLB_HI_IH   BIT_ULL(6)
#define VTD_QI_PIOTLB_HI_AM   GENMASK_ULL(5, 0)

/* Scalable-mode fault reasons (7.1.3, table 27; the SPD/SPT/SFS/SSL
 * conditions). */
enum vtd_sm_fault_reason {
	VTD_FR_SM_PDIR_ACCESS = 0x50,
	VTD_FR_SM_PDIR_NOT_PRESENT = 0x51,
	VTD_FR_SM_PTBL_ACCESS = 0x58,
	VTD_FR_SM_PE_NOT_PRESENT = 0x59,
	VTD_FR_SM_PE_RSVD = 0x5a,
	VTD_FR_SM_PE_INVALID = 0x5b,
	VTD_FR_SM_FS_NOT_PRESENT = 0x71,
	VTD_FR_SM_FS_RSVD = 0x72,
	VTD_FR_SM_FS_WRITE = 0x85,
};

/* What a PASID entry asks (9.6). */
struct vtd_pasid_cfg {
	enum vtd_pgtt pgtt;
	u16 did;
	hpa_t slptptr;	    /* PGTT 2, 3 */
	unsigned sl_levels; /* SL table (3, 4); also the AW field */
	unsigned fl_levels; /* FL table (4, 5) */
	hpa_t flptptr;	    /* PGTT 1, 3 */
	bool fpd, pgsnp;
	bool pwsnp; /* walks snoop: only where ECAP.SMPWC (9.6) */
};

#define VTD_SM_MAX_PAGES 32

struct vtd_sm {
	struct vtd_unit *unit;
	struct vtd_entry128 *root;
	struct vtd_sm_ctx *ctx[256][2];
	void *pages[VTD_SM_MAX_PAGES]; /* every table, freed at disable */
	unsigned nr_pages;
};

/* Switch @u to scalable mode: 256-bit queued invalidation, an empty
 * scalable-mode root table (RTADDR.TTM=01) latched with SRTP, then the
 * global context-cache, PASID-cache and IOTLB invalidations. Translation
 * (TE) is left as it was. -EOPNOTSUPP without ECAP.SMTS or QI. */
int vtd_sm_enable(struct vtd_sm *sm, struct vtd_unit *u);
/* Back to the unit's legacy root table and 128-bit descriptors, caches
 * invalidated globally, every scalable table freed. */
void vtd_sm_disable(struct vtd_sm *sm);

/* The 512 bits of a present PASID entry for @c. */
struct vtd_pasid_entry vtd_pasid_entry_make(const struct vtd_pasid_cfg *c);
/* Give bus:devfn a context entry whose RID_PASID is @rid_pasid, with a
 * PASID directory and the table holding @rid_pasid, and write @pe there
 * (raw). Invalidates the context cache for the device and the PASID cache
 * and PASID-based IOTLB for (did, rid_pasid). */
int vtd_sm_attach(struct vtd_sm *sm, u8 bus, u8 devfn, u32 rid_pasid,
		  const struct vtd_pasid_entry *pe, bool ctx_fpd);
/* The PASID entry of bus:devfn for @pasid (its table must exist). */
struct vtd_pasid_entry *vtd_sm_pasid_entry(struct vtd_sm *sm, u8 bus, u8 devfn,
					   u32 pasid);
/* Write a PASID entry (present bit last) without invalidation. */
void vtd_pasid_entry_store(struct vtd_sm *sm, struct vtd_pasid_entry *dst,
			   const struct vtd_pasid_entry *pe);
struct vtd_sm_ctx *vtd_sm_ctx_entry(struct vtd_sm *sm, u8 bus, u8 devfn);

int vtd_inv_pasid_cache(struct vtd_unit *u, unsigned g, u16 did, u32 pasid);
int vtd_inv_piotlb(struct vtd_unit *u, unsigned g, u16 did, u32 pasid, u64 addr,
		   unsigned am);

const char *vtd_sm_fault_name(unsigned reason);

#endif
