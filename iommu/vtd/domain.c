/* DMA domains over the second-level page-table builder. */
#include "iommu/vtd/domain.h"
#include "iommu/vtd/caps.h"
#include "iommu/vtd/context.h"
#include "iommu/vtd/inval.h"
#include "arch/x86/cpu.h"
#include "arch/x86/mm.h"
#include "arch/x86/smp.h"
#include "lib/errno.h"
#include "lib/string.h"

static u64 did_used[1024]; /* 65536 ids */

int vtd_did_alloc(void)
{
	for (unsigned id = 1; id < 65536; id++) {
		if (!(did_used[id / 64] & BIT_ULL(id % 64))) {
			did_used[id / 64] |= BIT_ULL(id % 64);
			return (int)id;
		}
	}
	return -ENOSPC;
}

void vtd_did_free(u16 did)
{
	did_used[did / 64] &= ~BIT_ULL(did % 64);
}

/* @aw picks the walk (SAGAW: 3, 4 or 5 levels, the context entry's AW);
 * the IOVAs accepted stop at MGAW when that is narrower (11.4.2: an
 * address above MGAW faults with reason 4 whatever the walk). */
int vtd_domain_init(struct vtd_domain *d, const struct vtd_unit *u, unsigned aw)
{
	if (!aw)
		aw = vtd_widest_aw(u);
	struct pt_config cfg = {
		.levels = pt_levels_for_width(aw),
		.aw = MIN(aw, vtd_mgaw(u)),
		.page_sizes = pt_vtd_page_sizes(
		    (unsigned)FIELD_GET(VTD_CAP_SLLPS, u->cap)),
		.coherent = vtd_pt_coherent(u),
	};

	memset(d, 0, sizeof(*d));
	if (!vtd_aw_field(aw) || !vtd_sagaw_supports(u, vtd_aw_field(aw)))
		return -EOPNOTSUPP;
	int did = vtd_did_alloc();
	if (did < 0)
		return did;
	d->did = (u16)did;
	d->aw = aw;
	int err = pt_init(&d->pt, &pt_fmt_vtd_sl, &cfg, &pt_kernel_ops, NULL);
	if (err)
		vtd_did_free(d->did);
	return err;
}

void vtd_domain_destroy(struct vtd_domain *d)
{
	while (d->nr_devs)
		vtd_domain_detach(d, d->devs[0].unit, d->devs[0].bus,
				  d->devs[0].devfn);
	pt_destroy(&d->pt);
	vtd_did_free(d->did);
}

/* One IOTLB invalidation per unit for what the call changed. With caching
 * mode a not-present to present change must be invalidated too (6.1);
 * without it, a map needs only the write buffer flushed. */
static int flush_gather(struct vtd_domain *d, struct pt_gather *g)
{
	int err = 0;

	for (unsigned i = 0; i < d->nr_units && !err; i++) {
		struct vtd_unit *u = d->units[i];
		iova_t addr;
		unsigned am;
		if (!g->valid ||
		    (g->nonpresent_to_present && !(u->cap & VTD_CAP_CM))) {
			err = vtd_flush_write_buffer(u);
			continue;
		}
		bool psi = (u->cap & VTD_CAP_PSI) &&
			   pt_gather_psi(
			       g, (unsigned)FIELD_GET(VTD_CAP_MAMV, u->cap),
			       &addr, &am);
		err = psi ? vtd_inv_iotlb(u, VTD_GRAN_PAGE, d->did, addr, am)
			  : vtd_inv_iotlb(u, VTD_GRAN_DOMAIN, d->did, 0, 0);
		d->inv_calls++;
	}
	pt_gather_release(&d->pt, g);
	return err;
}

int vtd_domain_map(struct vtd_domain *d, iova_t iova, hpa_t pa, u64 size,
		   unsigned prot)
{
	struct pt_gather g;

	pt_gather_init(&g);
	int err = pt_map(&d->pt, iova, pa, size, prot, &g);
	int ferr = flush_gather(d, &g);
	return err ? err : ferr;
}

int vtd_domain_unmap(struct vtd_domain *d, iova_t iova, u64 size)
{
	struct pt_gather g;

	pt_gather_init(&g);
	int err = pt_unmap(&d->pt, iova, size, &g);
	int ferr = flush_gather(d, &g);
	return err ? err : ferr;
}

static bool has_unit(const struct vtd_domain *d, const struct vtd_unit *u)
{
	for (unsigned i = 0; i < d->nr_units; i++)
		if (d->units[i] == u)
			return true;
	return false;
}

static int leaf_size_of(void *arg, const struct pt_walk *w)
{
	*(u64 *)arg |= w->size;
	return 0;
}

/* A domain's table attributes are the intersection over its units
 * (DESIGN.md): a unit that walks fewer levels or fewer address bits, or
 * lacks a superpage size the table already uses, is refused; one without
 * ECAP.C turns the domain non-coherent and every table is written back;
 * superpage sizes it lacks are no longer used for new mappings. */
static int fit_unit(struct vtd_domain *d, const struct vtd_unit *u)
{
	u64 sizes = pt_vtd_page_sizes(
	    (unsigned)FIELD_GET(VTD_CAP_SLLPS, u->cap));
	u64 used = 0;

	if (!vtd_sagaw_supports(u, vtd_aw_field(d->aw)) ||
	    vtd_mgaw(u) < d->pt.cfg.aw)
		return -EOPNOTSUPP;
	if (d->pt.cfg.page_sizes & ~sizes) {
		pt_for_each_leaf(&d->pt, leaf_size_of, &used);
		if (used & ~sizes)
			return -EOPNOTSUPP;
		d->pt.cfg.page_sizes &= sizes;
	}
	if (d->pt.cfg.coherent && !vtd_pt_coherent(u)) {
		d->pt.cfg.coherent = false;
		pt_flush_all(&d->pt);
	}
	return 0;
}

int vtd_domain_attach(struct vtd_domain *d, struct vtd_unit *u, u8 bus,
		      u8 devfn)
{
	struct vtd_ctx_cfg c = { .did = d->did,
				 .aw_width = d->aw,
				 .tt = VTD_TT_MULTI_LEVEL,
				 .slptptr = d->pt.root_pa };

	if (d->enforce_snoop && !(u->ecap & VTD_ECAP_SC))
		return -EOPNOTSUPP;
	if (d->nr_devs == VTD_DOMAIN_MAX_DEVS)
		return -ENOSPC;
	if (d->did >= vtd_nr_domains(u))
		return -ERANGE;
	int err = has_unit(d, u) ? 0 : fit_unit(d, u);
	if (err)
		return err;
	err = vtd_ctx_set(u, bus, devfn, &c);
	if (err)
		return err;
	d->devs[d->nr_devs++] = (struct vtd_dev_ref){ u, bus, devfn };
	if (!has_unit(d, u))
		d->units[d->nr_units++] = u;
	return 0;
}

static bool rmrr_names(const struct dmar_info *info, const struct dmar_rmrr *r,
		       u16 seg, u8 bus, u8 devfn)
{
	for (u16 i = r->scope_first; i < r->scope_first + r->nr_scopes; i++) {
		const struct dmar_scope *s = &info->scopes[i];
		if (r->segment == seg && !s->status &&
		    s->type == DMAR_SCOPE_PCI_ENDPOINT && s->bus == bus &&
		    s->devfn == devfn)
			return true;
	}
	return false;
}

int vtd_domain_attach_device(struct vtd_domain *d, struct vtd_unit *u,
			     const struct dmar_info *info, u16 seg, u8 bus,
			     u8 devfn)
{
	int n = 0, err = 0;

	for (u32 i = 0; info && i < info->nr_rmrrs && !err; i++) {
		const struct dmar_rmrr *r = &info->rmrrs[i];
		if (!rmrr_names(info, r, seg, bus, devfn))
			continue;
		/* Over the kernel or usable RAM (dmar_check_platform): the
		 * device would reach memory it must never reach. */
		if (r->status) {
			err = -EPERM;
			break;
		}
		err = vtd_domain_map(d, r->base, r->base,
				     r->limit + 1 - r->base,
				     PT_READ | PT_WRITE);
		/* Already there: another RMRR of the range, or a device of
		 * the same domain named by it too. */
		if (err == -EEXIST)
			err = 0;
		n++;
	}
	if (!err)
		err = vtd_domain_attach(d, u, bus, devfn);
	return err ? err : n;
}

static void forget_unit_if_unused(struct vtd_domain *d, struct vtd_unit *u)
{
	for (unsigned i = 0; i < d->nr_devs; i++)
		if (d->devs[i].unit == u)
			return;
	for (unsigned i = 0; i < d->nr_units; i++)
		if (d->units[i] == u)
			d->units[i] = d->units[--d->nr_units];
}

int vtd_domain_detach(struct vtd_domain *d, struct vtd_unit *u, u8 bus,
		      u8 devfn)
{
	for (unsigned i = 0; i < d->nr_devs; i++) {
		struct vtd_dev_ref *r = &d->devs[i];
		if (r->unit != u || r->bus != bus || r->devfn != devfn)
			continue;
		*r = d->devs[--d->nr_devs];
		forget_unit_if_unused(d, u);
		return vtd_ctx_clear(u, bus, devfn);
	}
	return -ENOENT;
}

int vtd_domain_enforce_coherency(struct vtd_domain *d)
{
	struct pt_gather g;

	for (unsigned i = 0; i < d->nr_units; i++)
		if (!(d->units[i]->ecap & VTD_ECAP_SC))
			return -EOPNOTSUPP;
	if (d->enforce_snoop)
		return 0;
	pt_gather_init(&g);
	int n = pt_set_snoop_all(&d->pt, &g);
	if (n < 0)
		return n;
	d->enforce_snoop = true;
	/* Leaves written before now may have let non-snooped writes leave
	 * dirty lines behind: invalidate, then write back the caches. */
	for (unsigned i = 0; i < d->nr_units; i++) {
		int err = vtd_inv_iotlb(d->units[i], VTD_GRAN_DOMAIN, d->did, 0,
					0);
		if (err)
			return err;
	}
	pt_gather_release(&d->pt, &g);
	/* Every online CPU: a guest or the kernel may have dirtied lines on
	 * any of them (Linux wbinvd_on_all_cpus). -ETIMEDOUT names a CPU that
	 * did not answer; the domain enforces snooping all the same. */
	int err = wbinvd_on_cpus(smp_online_mask());
	return err ? err : n;
}

bool vtd_domain_enforces_snoop(const struct vtd_domain *d)
{
	return d->enforce_snoop;
}
