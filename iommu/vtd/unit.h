/* One VT-d remapping unit: registers, bring-up, the GCMD/GSTS handshake,
 * root and context tables, invalidation and fault recording. The caller
 * owns the struct; every function here may touch the hardware. */
#ifndef IOMMU_VTD_UNIT_H
#define IOMMU_VTD_UNIT_H

#include "iommu/vtd/regs.h"

#define VTD_MAX_UNITS  8
#define VTD_FAULT_LOG  32
#define VTD_TIMEOUT_US 100000 /* every register handshake */

struct vtd_fault {
	u8 reason;
	u16 sid;
	u64 addr;
	bool read;
};

struct vtd_stats {
	u64 cc_inv, iotlb_inv, wait_desc, faults, fault_irqs, pfo;
};

struct vtd_unit {
	unsigned index;
	hpa_t reg_pa;
	u64 reg_size;
	volatile u8 *regs;
	u16 seg;
	u32 ver;
	u64 cap, ecap;
	/* What firmware left behind, found at bring-up. */
	bool fw_te_on, fw_pmr_on, fw_qi_on;
	unsigned fw_faults;
	/* Translation structures (legacy mode). */
	struct vtd_entry128 *root;
	struct vtd_entry128 *ctx[256];
	/* Queued invalidation, once enabled never left for the registers. */
	bool qi;
	struct vtd_entry128 *iq;
	unsigned iq_tail, iq_len;
	volatile u32 *iq_status;
	u32 iq_seq;
	/* Faults, drained from the recording registers. */
	struct vtd_fault log[VTD_FAULT_LOG];
	unsigned log_head, log_count;
	struct vtd_stats stats;
};

u32 vtd_read32(const struct vtd_unit *u, u32 off);
void vtd_write32(const struct vtd_unit *u, u32 off, u32 v);
u64 vtd_read64(const struct vtd_unit *u, u32 off);
void vtd_write64(const struct vtd_unit *u, u32 off, u64 v);

/* Map and identify the unit at @base, quiesce whatever firmware left on
 * (translation, protected memory regions, queued invalidation, pending
 * faults), install an empty root table. 0, -ENODEV (registers read all
 * ones or zero), -ENOMEM, or -ETIMEDOUT from a handshake. */
int vtd_unit_init(struct vtd_unit *u, unsigned index, hpa_t base, u64 size,
		  u16 seg);
/* Set or clear one GCMD bit and wait for GSTS to follow (11.4.4): the
 * command is the persistent status bits plus this change, never an echo
 * of one-shot bits. */
int vtd_gcmd(struct vtd_unit *u, u32 bit, bool on);
int vtd_set_root_table(struct vtd_unit *u);
int vtd_enable_translation(struct vtd_unit *u, bool on);
int vtd_flush_write_buffer(struct vtd_unit *u);
void vtd_unit_report(const struct vtd_unit *u);
/* Make a structure change visible to a unit whose walks do not snoop. */
void vtd_flush_struct(const struct vtd_unit *u, const void *p, size_t len);

/* Capability decoding. */
unsigned vtd_nr_domains(const struct vtd_unit *u);
unsigned vtd_mgaw(const struct vtd_unit *u);
unsigned vtd_nr_fault_regs(const struct vtd_unit *u);
bool vtd_sagaw_supports(const struct vtd_unit *u, unsigned aw_field);
/* Context AW field for an address width: 39 -> 1, 48 -> 2, 57 -> 3. */
unsigned vtd_aw_field(unsigned width);

/* Context entries (context.c). */
struct vtd_ctx_cfg {
	u16 did;
	unsigned aw_width; /* 39, 48, 57 */
	unsigned tt;	   /* VTD_TT_* */
	hpa_t slptptr;
	bool fpd;
};
/* Program the entry for bus:devfn and invalidate as 6.5.3.3 asks:
 * context cache device-selective, then the domain's IOTLB. */
int vtd_ctx_set(struct vtd_unit *u, u8 bus, u8 devfn,
		const struct vtd_ctx_cfg *c);
int vtd_ctx_clear(struct vtd_unit *u, u8 bus, u8 devfn);
/* Write the raw 128-bit entry without any invalidation (for tests of
 * caching and of malformed entries). Allocates the bus's table. */
int vtd_ctx_write_raw(struct vtd_unit *u, u8 bus, u8 devfn, u64 lo, u64 hi);
struct vtd_entry128 *vtd_ctx_entry(struct vtd_unit *u, u8 bus, u8 devfn);
void vtd_root_write_raw(struct vtd_unit *u, u8 bus, u64 lo, u64 hi);

/* Invalidation (inval.c): queued when enabled, else register-based. */
int vtd_inv_context(struct vtd_unit *u, enum vtd_gran g, u16 did, u16 sid);
int vtd_inv_iotlb(struct vtd_unit *u, enum vtd_gran g, u16 did, iova_t addr,
		  unsigned am);
int vtd_qi_enable(struct vtd_unit *u);
/* Submit raw descriptors then a wait; -EIO on a queue error (which is
 * reported, cleared and the queue reset so the unit goes on). */
int vtd_qi_submit(struct vtd_unit *u, const struct vtd_entry128 *d, unsigned n);

/* Faults (fault.c). */
int vtd_fault_irq_setup(struct vtd_unit *u, u8 vector);
void vtd_fault_mask(struct vtd_unit *u, bool masked);
/* Read every recorded fault into the log and clear the records and PFO.
 * Returns how many were read. */
unsigned vtd_fault_drain(struct vtd_unit *u);
/* Take up to @max faults from the log, oldest first. */
unsigned vtd_fault_take(struct vtd_unit *u, struct vtd_fault *out,
			unsigned max);
void vtd_fault_clear_log(struct vtd_unit *u);

#endif
