/* DMA domains: one second-level table, a domain id, the devices attached
 * and whether the domain enforces cache snooping (every leaf carries SNP,
 * every unit behind it has ECAP.SC). The caller owns the struct. */
#ifndef IOMMU_VTD_DOMAIN_H
#define IOMMU_VTD_DOMAIN_H

#include "iommu/vtd/dmar.h"
#include "mm/pgtable.h"
#include "iommu/vtd/unit.h"

#define VTD_DOMAIN_MAX_DEVS 8

struct vtd_dev_ref {
	struct vtd_unit *unit;
	u8 bus, devfn;
};

struct vtd_domain {
	u16 did;
	unsigned aw;
	bool enforce_snoop;
	bool pass_through;
	struct pt pt;
	struct vtd_dev_ref devs[VTD_DOMAIN_MAX_DEVS];
	unsigned nr_devs;
	struct vtd_unit *units[VTD_MAX_UNITS]; /* that serve its devices */
	unsigned nr_units;
	u64 inv_calls; /* IOTLB invalidations issued by map and unmap */
};

/* A domain whose tables fit @u's capabilities (SAGAW, MGAW, SLLPS, C),
 * walked with @aw bits (39, 48, 57: 3, 4 or 5 levels), or the widest the
 * unit walks when @aw is 0. IOVAs stop at MGAW when narrower (pt.cfg.aw).
 * Units attached later narrow the attributes to what every unit supports
 * (vtd_domain_attach). */
int vtd_domain_init(struct vtd_domain *d, const struct vtd_unit *u,
		    unsigned aw);
void vtd_domain_destroy(struct vtd_domain *d);
/* Map/unmap and invalidate once per call on every unit of the domain:
 * page-selective when CAP.PSI and MAMV allow, else domain-selective. */
int vtd_domain_map(struct vtd_domain *d, iova_t iova, hpa_t pa, u64 size,
		   unsigned prot);
int vtd_domain_unmap(struct vtd_domain *d, iova_t iova, u64 size);
/* Attach a device (context entry). Refused with -EOPNOTSUPP when the
 * domain enforces snooping and @u lacks ECAP.SC, or when @u cannot walk
 * the domain's tables (AGAW, MGAW, a superpage size already used). A unit
 * without ECAP.C makes the domain's walks non-coherent (tables written
 * back now, flushed from then on). */
int vtd_domain_attach(struct vtd_domain *d, struct vtd_unit *u, u8 bus,
		      u8 devfn);
int vtd_domain_detach(struct vtd_domain *d, struct vtd_unit *u, u8 bus,
		      u8 devfn);
/* Attach as above, after identity-mapping (read/write) every RMRR of @info
 * that names seg:bus:devfn (8.4: firmware may DMA there, e.g. USB legacy
 * emulation, graphics stolen memory). Returns the number of RMRRs mapped,
 * or an error with nothing attached: -EPERM when such an RMRR failed the
 * platform checks (over the kernel or usable RAM). */
int vtd_domain_attach_device(struct vtd_domain *d, struct vtd_unit *u,
			     const struct dmar_info *info, u16 seg, u8 bus,
			     u8 devfn);
/* Enforce snooping from now on; upgrades existing leaves in place (SNP set,
 * flushed, IOTLB invalidated, then WBINVD). -EOPNOTSUPP when a unit of
 * the domain lacks SC. One-way. Returns leaves upgraded, or an error. */
int vtd_domain_enforce_coherency(struct vtd_domain *d);
bool vtd_domain_enforces_snoop(const struct vtd_domain *d);

/* Domain ids valid on every unit (id 0 is never used: reserved when
 * CAP.CM=1, and kept out always so the ids mean the same everywhere). */
int vtd_did_alloc(void);
void vtd_did_free(u16 did);

#endif
