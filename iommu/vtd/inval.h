/* Context-cache and IOTLB invalidation (6.5): queued when enabled, else
 * register-based. */
#ifndef IOMMU_VTD_INVAL_H
#define IOMMU_VTD_INVAL_H

#include "iommu/vtd/unit.h"

int vtd_inv_context(struct vtd_unit *u, enum vtd_gran g, u16 did, u16 sid);
int vtd_inv_iotlb(struct vtd_unit *u, enum vtd_gran g, u16 did, iova_t addr,
		  unsigned am);
int vtd_qi_enable(struct vtd_unit *u);
/* (Re)enable the queue with 256-bit descriptors (IQA.DW, needs
 * ECAP.SMTS) or back with 128-bit ones; the queue must be idle. */
int vtd_qi_set_dw(struct vtd_unit *u, bool dw);
/* Submit raw descriptors then a wait; -EIO on a queue error (which is
 * reported, cleared and the queue reset so the unit goes on). */
int vtd_qi_submit(struct vtd_unit *u, const struct vtd_entry128 *d, unsigned n);
/* Queue one raw descriptor and move the tail, with no wait descriptor and
 * no waiting (tests of queue errors). */
int vtd_qi_post(struct vtd_unit *u, const struct vtd_entry128 *d);
/* A queue error left pending (FSTS IQE/ITE/ICE): reported, the rest of the
 * queue dropped and the error cleared, as vtd_qi_submit does; -EIO. 0
 * when there was none. */
int vtd_qi_clear_error(struct vtd_unit *u);

#endif
