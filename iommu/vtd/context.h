/* Root and context entries, legacy mode (9.1, 9.3). */
#ifndef IOMMU_VTD_CONTEXT_H
#define IOMMU_VTD_CONTEXT_H

#include "iommu/vtd/unit.h"

struct vtd_ctx_cfg {
	u16 did;
	unsigned aw_width; /* 39, 48, 57 */
	unsigned tt;	   /* VTD_TT_* */
	hpa_t slptptr;
	bool fpd;
};
/* Program the entry for bus:devfn. A present entry is first cleared and
 * invalidated (6.5.3.3: context cache device-selective with its old domain
 * id, then that domain's IOTLB), never rewritten in place; the new entry
 * then needs the write buffer flushed, or under CAP.CM a device-selective
 * invalidation with domain id 0 (6.1). Pass-through entries carry the
 * widest AW the unit supports (9.3). */
int vtd_ctx_set(struct vtd_unit *u, u8 bus, u8 devfn,
		const struct vtd_ctx_cfg *c);
int vtd_ctx_clear(struct vtd_unit *u, u8 bus, u8 devfn);
/* Write the raw 128-bit entry without any invalidation (for tests of
 * caching and of malformed entries). Allocates the bus's table. */
int vtd_ctx_write_raw(struct vtd_unit *u, u8 bus, u8 devfn, u64 lo, u64 hi);
struct vtd_entry128 *vtd_ctx_entry(struct vtd_unit *u, u8 bus, u8 devfn);
void vtd_root_write_raw(struct vtd_unit *u, u8 bus, u64 lo, u64 hi);
/* SRTP, then (unless ECAP.ESRTPS) a global context-cache and a global
 * IOTLB invalidation (11.4.4, 6.5): every time the root table changes. */
int vtd_root_table_install(struct vtd_unit *u);

#endif
