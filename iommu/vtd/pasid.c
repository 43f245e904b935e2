/* Scalable-mode translation structures (9.2, 9.4-9.6).
 *
 *  RTADDR (TTM=01) -> root entry per bus: lo lower context table (devfn
 *  0-127), hi upper (128-255) -> 256-bit context entry: PASID directory
 *  pointer, its size (PDTS), RID_PASID (the PASID of requests without
 *  one) -> directory entry (PASID 19:6) -> 512-bit PASID entry (PASID
 *  5:0): PGTT, DID, second-stage table (SLPTPTR, AW), first-stage table
 *  (FLPTPTR, FLPM), PGSNP.
 *
 * Every table is a zeroed page flushed before the unit may see it
 * (ECAP.C=0 walks do not snoop). */
#include "iommu/vtd/pasid.h"
#include "iommu/vtd/caps.h"
#include "iommu/vtd/inval.h"
#include "arch/x86/mm.h"
#include "lib/errno.h"
#include "lib/string.h"

static void *sm_page(struct vtd_sm *sm)
{
	if (sm->nr_pages == VTD_SM_MAX_PAGES)
		return NULL;
	void *p = page_alloc();
	if (!p)
		return NULL;
	memset(p, 0, PAGE_SIZE);
	vtd_flush_struct(sm->unit, p, PAGE_SIZE);
	sm->pages[sm->nr_pages++] = p;
	return p;
}

int vtd_inv_pasid_cache(struct vtd_unit *u, unsigned g, u16 did, u32 pasid)
{
	struct vtd_entry128 d = {
		.lo = VTD_QI_PC | FIELD_PREP(VTD_QI_PC_G, g) |
		      FIELD_PREP(VTD_QI_PC_DID, did) |
		      FIELD_PREP(VTD_QI_PC_PASID, pasid),
	};

	return vtd_qi_submit(u, &d, 1);
}

int vtd_inv_piotlb(struct vtd_unit *u, unsigned g, u16 did, u32 pasid, u64 addr,
		   unsigned am)
{
	struct vtd_entry128 d = {
		.lo = VTD_QI_PIOTLB | FIELD_PREP(VTD_QI_PIOTLB_G, g) |
		      FIELD_PREP(VTD_QI_PIOTLB_DID, did) |
		      FIELD_PREP(VTD_QI_PIOTLB_PASID, pasid),
		.hi = g == VTD_QI_PIOTLB_G_PAGE
			  ? (addr & VTD_QI_PIOTLB_HI_ADDR) |
				FIELD_PREP(VTD_QI_PIOTLB_HI_AM, am)
			  : 0,
	};

	return vtd_qi_submit(u, &d, 1);
}

/* 6.5.3.x: after RTADDR changes (SRTP), every cached context, PASID and
 * IOTLB entry may be stale; hardware needs the global invalidations even
 * where QEMU resets its caches on SRTP (DESIGN.md). The table format
 * (TTM) changes only with translation off (11.4.6; Linux
 * copy_translation_tables: "The RTT bit can only be changed when
 * translation is disabled"): a unit that translates is stopped for the
 * switch and started again on the new tables. QEMU switches either way. */
static int latch_root(struct vtd_unit *u, hpa_t root, unsigned ttm)
{
	bool te = vtd_read32(u, VTD_REG_GSTS) & VTD_GCMD_TE;
	int err = te ? vtd_gcmd(u, VTD_GCMD_TE, false) : 0;

	if (err)
		return err;
	vtd_write64(u, VTD_REG_RTADDR, root | FIELD_PREP(VTD_RTADDR_TTM, ttm));
	err = vtd_gcmd(u, VTD_GCMD_SRTP, true);
	if (!err)
		err = vtd_inv_context(u, VTD_GRAN_GLOBAL, 0, 0);
	if (!err && ttm == VTD_RTADDR_TTM_SCALABLE)
		err = vtd_inv_pasid_cache(u, VTD_QI_PC_G_GLOBAL, 0, 0);
	if (!err)
		err = vtd_inv_iotlb(u, VTD_GRAN_GLOBAL, 0, 0, 0);
	if (!err && te)
		err = vtd_gcmd(u, VTD_GCMD_TE, true);
	return err;
}

int vtd_sm_enable(struct vtd_sm *sm, struct vtd_unit *u)
{
	memset(sm, 0, sizeof(*sm));
	if (!(u->ecap & VTD_ECAP_SMTS) || !(u->ecap & VTD_ECAP_QI))
		return -EOPNOTSUPP;
	sm->unit = u;
	sm->root = sm_page(sm);
	if (!sm->root)
		return -ENOMEM;
	int err = vtd_qi_set_dw(u, true);
	if (err)
		return err;
	return latch_root(u, virt_to_phys(sm->root), VTD_RTADDR_TTM_SCALABLE);
}

void vtd_sm_disable(struct vtd_sm *sm)
{
	struct vtd_unit *u = sm->unit;

	if (!u)
		return;
	vtd_flush_struct(u, u->root, PAGE_SIZE);
	latch_root(u, virt_to_phys(u->root), VTD_RTADDR_TTM_LEGACY);
	vtd_qi_set_dw(u, false);
	while (sm->nr_pages)
		page_free(sm->pages[--sm->nr_pages]);
	sm->unit = NULL;
}

struct vtd_sm_ctx *vtd_sm_ctx_entry(struct vtd_sm *sm, u8 bus, u8 devfn)
{
	unsigned upper = devfn >= VTD_SMCTX_PER_TABLE;
	struct vtd_sm_ctx **t = &sm->ctx[bus][upper];

	if (!*t) {
		*t = sm_page(sm);
		if (!*t)
			return NULL;
		u64 ptr = virt_to_phys(*t);
		if (upper)
			WRITE_ONCE(sm->root[bus].hi, ptr | VTD_SM_ROOT_HI_UP);
		else
			WRITE_ONCE(sm->root[bus].lo, ptr | VTD_SM_ROOT_LO_LP);
		vtd_flush_struct(sm->unit, &sm->root[bus], sizeof(sm->root[0]));
	}
	return &(*t)[devfn % VTD_SMCTX_PER_TABLE];
}

struct vtd_pasid_entry vtd_pasid_entry_make(const struct vtd_pasid_cfg *c)
{
	struct vtd_pasid_entry e = { { 0 } };
	bool sl = c->pgtt == VTD_PGTT_SL || c->pgtt == VTD_PGTT_NESTED;
	bool fl = c->pgtt == VTD_PGTT_FL || c->pgtt == VTD_PGTT_NESTED;

	e.w[0] = VTD_PE_W0_P | (c->fpd ? VTD_PE_W0_FPD : 0) |
		 FIELD_PREP(VTD_PE_W0_PGTT, c->pgtt) |
		 FIELD_PREP(VTD_PE_W0_AW, c->sl_levels - 2) |
		 (sl ? c->slptptr & VTD_PE_W0_SLPTPTR : 0);
	e.w[1] = FIELD_PREP(VTD_PE_W1_DID, c->did) |
		 (c->pgsnp ? VTD_PE_W1_PGSNP : 0) |
		 (c->pwsnp ? VTD_PE_W1_PWSNP : 0);
	if (fl)
		e.w[2] = (c->flptptr & VTD_PE_W2_FLPTPTR) |
			 FIELD_PREP(VTD_PE_W2_FLPM, c->fl_levels - 4);
	return e;
}

void vtd_pasid_entry_store(struct vtd_sm *sm, struct vtd_pasid_entry *dst,
			   const struct vtd_pasid_entry *pe)
{
	WRITE_ONCE(dst->w[0], dst->w[0] & ~VTD_PE_W0_P);
	vtd_flush_struct(sm->unit, dst, sizeof(*dst));
	for (unsigned i = 1; i < 8; i++)
		WRITE_ONCE(dst->w[i], pe->w[i]);
	WRITE_ONCE(dst->w[0], pe->w[0]);
	vtd_flush_struct(sm->unit, dst, sizeof(*dst));
}

struct vtd_pasid_entry *vtd_sm_pasid_entry(struct vtd_sm *sm, u8 bus, u8 devfn,
					   u32 pasid)
{
	struct vtd_sm_ctx *c = vtd_sm_ctx_entry(sm, bus, devfn);

	if (!c || !(c->w[0] & VTD_SMCTX_W0_P))
		return NULL;
	u64 *dir = phys_to_virt(c->w[0] & VTD_SMCTX_W0_PASIDDIRPTR);
	u64 pde = dir[pasid >> VTD_PASID_DIR_SHIFT];
	if (!(pde & VTD_PDE_P))
		return NULL;
	struct vtd_pasid_entry *t = phys_to_virt(pde & VTD_PDE_SMPTBLPTR);
	return &t[pasid % VTD_PASID_PER_TABLE];
}

/* 6.5.3.x (scalable mode): context entry changed -> context cache for
 * the device, then the PASID cache and the IOTLB of its PASID. */
static int invalidate_attach(struct vtd_unit *u, u16 sid, u16 did, u32 pasid)
{
	int err = vtd_inv_context(u, VTD_GRAN_DEVICE, did, sid);

	if (!err)
		err = vtd_inv_pasid_cache(u, VTD_QI_PC_G_PASID, did, pasid);
	if (!err)
		err = vtd_inv_piotlb(u, VTD_QI_PIOTLB_G_PASID, did, pasid, 0,
				     0);
	if (!err)
		err = vtd_inv_iotlb(u, VTD_GRAN_DOMAIN, did, 0, 0);
	return err;
}

int vtd_sm_attach(struct vtd_sm *sm, u8 bus, u8 devfn, u32 rid_pasid,
		  const struct vtd_pasid_entry *pe, bool ctx_fpd)
{
	/* PDTS=0: a directory of 2^7 entries, PASIDs below 2^13. */
	if (rid_pasid >> VTD_PASID_DIR_SHIFT >= 128)
		return -ERANGE;
	/* 9.4: RID_PASID is reserved (0) unless ECAP.RPS; without it,
	 * requests without PASID use PASID 0. */
	if (rid_pasid && !(sm->unit->ecap & VTD_ECAP_RPS))
		return -EOPNOTSUPP;
	struct vtd_sm_ctx *c = vtd_sm_ctx_entry(sm, bus, devfn);
	u64 *dir = sm_page(sm);
	struct vtd_pasid_entry *t = sm_page(sm);
	if (!c || !dir || !t)
		return -ENOMEM;
	dir[rid_pasid >> VTD_PASID_DIR_SHIFT] = virt_to_phys(t) | VTD_PDE_P;
	vtd_flush_struct(sm->unit, dir, PAGE_SIZE);
	vtd_pasid_entry_store(sm, &t[rid_pasid % VTD_PASID_PER_TABLE], pe);
	WRITE_ONCE(c->w[0], 0);
	WRITE_ONCE(c->w[1], FIELD_PREP(VTD_SMCTX_W1_RID_PASID, rid_pasid));
	WRITE_ONCE(c->w[2], 0);
	WRITE_ONCE(c->w[3], 0);
	WRITE_ONCE(c->w[0], VTD_SMCTX_W0_P | (ctx_fpd ? VTD_SMCTX_W0_FPD : 0) |
				FIELD_PREP(VTD_SMCTX_W0_PDTS, 0) |
				virt_to_phys(dir));
	vtd_flush_struct(sm->unit, c, sizeof(*c));
	return invalidate_attach(sm->unit, PCI_BDF(bus, devfn),
				 (u16)FIELD_GET(VTD_PE_W1_DID, pe->w[1]),
				 rid_pasid);
}

static const char *const sm_reason_names[] = {
	[VTD_FR_SM_PDIR_ACCESS - 0x50] = "error accessing the PASID directory",
	[VTD_FR_SM_PDIR_NOT_PRESENT - 0x50] = "PASID directory entry not "
					      "present",
	[VTD_FR_SM_PTBL_ACCESS - 0x50] = "error accessing the PASID table",
	[VTD_FR_SM_PE_NOT_PRESENT - 0x50] = "PASID entry not present",
	[VTD_FR_SM_PE_RSVD - 0x50] = "reserved bit set in the PASID entry",
	[VTD_FR_SM_PE_INVALID - 0x50] = "invalid PASID entry programming",
};

const char *vtd_sm_fault_name(unsigned reason)
{
	if (reason >= 0x50 && reason - 0x50 < ARRAY_SIZE(sm_reason_names) &&
	    sm_reason_names[reason - 0x50])
		return sm_reason_names[reason - 0x50];
	if (reason == VTD_FR_SM_FS_NOT_PRESENT)
		return "first-stage entry not present";
	if (reason == VTD_FR_SM_FS_RSVD)
		return "reserved bit set in a first-stage entry";
	if (reason == VTD_FR_SM_FS_WRITE)
		return "write to a page without write permission (scalable)";
	return "not a scalable-mode fault";
}
