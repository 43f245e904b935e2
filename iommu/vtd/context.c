/* Root and context tables, legacy mode (9.1, 9.3).
 *
 * root entry (one per bus)      context entry (one per devfn)
 *  lo 63:12 context table ptr    lo 63:12 SL page-table ptr, 3:2 TT,
 *  lo 0     present                 1 FPD, 0 present
 *                                hi 23:8 domain id, 2:0 address width */
#include "iommu/vtd/unit.h"
#include "iommu/vtd/caps.h"
#include "iommu/vtd/context.h"
#include "iommu/vtd/inval.h"
#include "arch/x86/mm.h"
#include "lib/errno.h"

void vtd_root_write_raw(struct vtd_unit *u, u8 bus, u64 lo, u64 hi)
{
	u->root[bus].hi = hi;
	u->root[bus].lo = lo;
	vtd_flush_struct(u, &u->root[bus], sizeof(u->root[bus]));
}

static struct vtd_entry128 *ctx_table(struct vtd_unit *u, u8 bus)
{
	if (!u->ctx[bus]) {
		u->ctx[bus] = page_alloc();
		if (!u->ctx[bus])
			return NULL;
		vtd_flush_struct(u, u->ctx[bus], PAGE_SIZE);
		vtd_root_write_raw(u, bus,
				   virt_to_phys(u->ctx[bus]) | VTD_ROOT_P, 0);
	}
	return u->ctx[bus];
}

struct vtd_entry128 *vtd_ctx_entry(struct vtd_unit *u, u8 bus, u8 devfn)
{
	struct vtd_entry128 *t = ctx_table(u, bus);

	return t ? &t[devfn] : NULL;
}

int vtd_ctx_write_raw(struct vtd_unit *u, u8 bus, u8 devfn, u64 lo, u64 hi)
{
	struct vtd_entry128 *e = vtd_ctx_entry(u, bus, devfn);

	if (!e)
		return -ENOMEM;
	/* Present bit last, so a walker never sees half an entry. */
	e->lo = 0;
	e->hi = hi;
	e->lo = lo;
	vtd_flush_struct(u, e, sizeof(*e));
	return 0;
}

/* 6.5.3.3: after changing a context entry, invalidate the context cache
 * for the device, then the IOTLB of the domain it used. */
static int invalidate_device(struct vtd_unit *u, u8 bus, u8 devfn, u16 did)
{
	int err = vtd_flush_write_buffer(u);

	if (!err)
		err = vtd_inv_context(u, VTD_GRAN_DEVICE, did,
				      PCI_BDF(bus, devfn));
	if (!err)
		err = vtd_inv_iotlb(u, VTD_GRAN_DOMAIN, did, 0, 0);
	return err;
}

int vtd_ctx_set(struct vtd_unit *u, u8 bus, u8 devfn,
		const struct vtd_ctx_cfg *c)
{
	unsigned aw = vtd_aw_field(c->aw_width);
	u64 lo = VTD_CTX_LO_P | FIELD_PREP(VTD_CTX_LO_TT, c->tt) |
		 (c->fpd ? VTD_CTX_LO_FPD : 0) |
		 (c->slptptr & VTD_CTX_LO_SLPTPTR);
	u64 hi = FIELD_PREP(VTD_CTX_HI_AW, aw) |
		 FIELD_PREP(VTD_CTX_HI_DID, c->did);

	if (c->did >= vtd_nr_domains(u))
		return -ERANGE;
	if (c->tt == VTD_TT_PASS_THROUGH && !(u->ecap & VTD_ECAP_PT))
		return -EOPNOTSUPP;
	if (c->tt != VTD_TT_PASS_THROUGH && !vtd_sagaw_supports(u, aw))
		return -EOPNOTSUPP;
	struct vtd_entry128 *e = vtd_ctx_entry(u, bus, devfn);
	if (!e)
		return -ENOMEM;
	u16 old_did = (e->lo & VTD_CTX_LO_P)
			  ? (u16)FIELD_GET(VTD_CTX_HI_DID, e->hi)
			  : c->did;
	int err = vtd_ctx_write_raw(u, bus, devfn, lo, hi);
	return err ? err : invalidate_device(u, bus, devfn, old_did);
}

int vtd_ctx_clear(struct vtd_unit *u, u8 bus, u8 devfn)
{
	struct vtd_entry128 *e = u->ctx[bus] ? &u->ctx[bus][devfn] : NULL;

	if (!e || !(e->lo & VTD_CTX_LO_P))
		return 0;
	u16 did = (u16)FIELD_GET(VTD_CTX_HI_DID, e->hi);
	int err = vtd_ctx_write_raw(u, bus, devfn, 0, 0);
	return err ? err : invalidate_device(u, bus, devfn, did);
}
