/* One VT-d remapping unit: its state, register access, bring-up and the
 * GCMD/GSTS handshake. Context entries (context.h), invalidation
 * (inval.h), faults (fault.h) and capability decoding (caps.h) work on
 * this struct. The caller owns the struct; every function here may touch
 * the hardware. */
#ifndef IOMMU_VTD_UNIT_H
#define IOMMU_VTD_UNIT_H

#include "iommu/vtd/regs.h"

#define VTD_MAX_UNITS  8
#define VTD_FAULT_LOG  32
#define VTD_TIMEOUT_US 100000 /* every register handshake */

struct vtd_fault {
	u8 reason;
	u8 access; /* enum vtd_access */
	u16 sid;
	u64 addr;
};

struct vtd_stats {
	u64 cc_inv, iotlb_inv, wait_desc, faults, fault_irqs, pfo;
	u64 log_dropped;  /* faults pushed out of the full log */
	u64 out_of_order; /* records found outside the FRI order */
	u64 coarser;	  /* invalidations performed coarser than asked */
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
	bool fw_te_on, fw_pmr_on, fw_qi_on, fw_ir_on;
	unsigned fw_faults;
	u32 fw_qi_errors; /* FSTS IQE/ICE/ITE found set, then cleared */
	/* Translation structures (legacy mode). */
	struct vtd_entry128 *root;
	struct vtd_entry128 *ctx[256];
	/* Queued invalidation, once enabled never left for the registers. */
	bool qi;
	struct vtd_entry128 *iq;
	unsigned iq_tail, iq_len; /* in descriptors */
	bool iq_dw;		  /* 256-bit descriptors (IQA.DW) */
	volatile u32 *iq_status;
	u32 iq_seq;
	/* Faults, drained from the recording registers. */
	/* Granularity the last register-based invalidation reported it
	 * performed (CAIG, IAIG); the requested one when queued. */
	u8 cc_gran_done, iotlb_gran_done;
	struct vtd_fault log[VTD_FAULT_LOG];
	unsigned log_head, log_count;
	struct vtd_stats stats;
};

/* 32-bit registers are accessed 32 bits at a time (QEMU 7.2 aborts on an
 * 8-byte access to one); 64-bit registers with one 8-byte access. */
static inline u32 vtd_read32(const struct vtd_unit *u, u32 off)
{
	return *(volatile u32 *)(u->regs + off);
}

static inline void vtd_write32(const struct vtd_unit *u, u32 off, u32 v)
{
	*(volatile u32 *)(u->regs + off) = v;
}

static inline u64 vtd_read64(const struct vtd_unit *u, u32 off)
{
	return *(volatile u64 *)(u->regs + off);
}

/* A 64-bit quantity of a register block read as two 32-bit halves, low
 * half first (fault records: 11.4.14 allows 32-bit accesses only). */
static inline u64 vtd_read64_halves(const struct vtd_unit *u, u32 off)
{
	return vtd_read32(u, off) | (u64)vtd_read32(u, off + sizeof(u32)) << 32;
}

static inline void vtd_write64(const struct vtd_unit *u, u32 off, u64 v)
{
	*(volatile u64 *)(u->regs + off) = v;
}

/* Map and identify the unit at @base (the window grown to cover the fault
 * and IOTLB registers CAP.FRO and ECAP.IRO place), quiesce what firmware
 * left on (translation, interrupt remapping, queued invalidation once its
 * queue drained, pending faults) and allocate an empty root table; the
 * caller installs it (vtd_root_table_install, context.h). Protected
 * memory regions stay on until translation is enabled. 0, -ENODEV
 * (registers read all ones or zero), -ENOMEM, or -ETIMEDOUT. */
int vtd_unit_init(struct vtd_unit *u, unsigned index, hpa_t base, u64 size,
		  u16 seg);
/* Set or clear one GCMD bit and wait for GSTS to follow (11.4.4): the
 * command is the persistent status bits plus this change, never an echo
 * of one-shot bits. */
int vtd_gcmd(struct vtd_unit *u, u32 bit, bool on);
/* SRTP alone; vtd_root_table_install() adds the invalidations after it. */
int vtd_set_root_table(struct vtd_unit *u);
/* TE on or off. Once on, protected memory regions firmware left enabled
 * are turned off: our own tables protect memory from then on. */
int vtd_enable_translation(struct vtd_unit *u, bool on);
/* Wait for the queue to drain (IQH == IQT), then clear QIE (6.5.2). */
int vtd_qi_disable(struct vtd_unit *u);
/* Major version >= 6 has no register-based invalidation (6.5.1). */
bool vtd_has_reg_inval(const struct vtd_unit *u);
int vtd_flush_write_buffer(struct vtd_unit *u);

#endif
