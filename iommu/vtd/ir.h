/* Interrupt remapping (VT-d chapter 5): the interrupt remapping table, its
 * entries (9.10), the interrupt entry cache invalidation (6.5.2.7) and
 * the remappable interrupt formats of MSI (5.1.2.2) and the I/O APIC
 * (5.1.5.1). Register offset first, its bits below, as in regs.h; kept
 * here because nothing but interrupt remapping uses them.
 *
 * The caller owns struct vtd_ir; the table is allocated by vtd_ir_init()
 * and freed by vtd_ir_fini(), which also turns remapping off. */
#ifndef IOMMU_VTD_IR_H
#define IOMMU_VTD_IR_H

#include "iommu/vtd/unit.h"

/* IRTA (VTD_REG_IRTA in regs.h) */
#define VTD_IRTA_ADDR  GENMASK_ULL(63, 12)
#define VTD_IRTA_EIME  BIT_ULL(11)
#define VTD_IRTA_S     GENMASK_ULL(3, 0) /* 2^(S+1) entries */
#define VTD_IRTA_S_MAX 15

/* Interrupt remapping table entry, remapped format (9.10): 128 bits. */
#define VTD_IRTE_LO_P	 BIT_ULL(0)
#define VTD_IRTE_LO_FPD	 BIT_ULL(1)
#define VTD_IRTE_LO_DM	 BIT_ULL(2) /* 1: logical destination */
#define VTD_IRTE_LO_RH	 BIT_ULL(3)
#define VTD_IRTE_LO_TM	 BIT_ULL(4) /* 1: level */
#define VTD_IRTE_LO_DLM	 GENMASK_ULL(7, 5)
#define VTD_IRTE_LO_AVL	 GENMASK_ULL(11, 8)
#define VTD_IRTE_LO_RSV1 GENMASK_ULL(14, 12)
#define VTD_IRTE_LO_IM	 BIT_ULL(15) /* 1: posted format */
#define VTD_IRTE_LO_V	 GENMASK_ULL(23, 16)
#define VTD_IRTE_LO_RSV2 GENMASK_ULL(31, 24)
#define VTD_IRTE_LO_DST	 GENMASK_ULL(63, 32)
/* xAPIC mode (EIME=0): the 8-bit APIC id sits in DST bits 15:8. */
#define VTD_IRTE_DST_XAPIC GENMASK_ULL(15, 8)
#define VTD_IRTE_HI_SID	   GENMASK_ULL(15, 0)
#define VTD_IRTE_HI_SQ	   GENMASK_ULL(17, 16)
#define VTD_IRTE_HI_SVT	   GENMASK_ULL(19, 18)
#define VTD_IRTE_HI_RSV	   GENMASK_ULL(63, 20)

/* Source validation type (9.10, SVT). */
enum vtd_svt {
	VTD_SVT_NONE = 0,
	VTD_SVT_RID = 1, /* SID, under the SQ mask */
	VTD_SVT_BUS = 2, /* SID 15:8 start bus, 7:0 end bus */
};

/* Interrupt entry cache invalidation descriptor (6.5.2.7). */
#define VTD_QI_IEC	0x4
#define VTD_QI_IEC_G	BIT_ULL(4) /* 1: index-selective */
#define VTD_QI_IEC_IM	GENMASK_ULL(31, 27)
#define VTD_QI_IEC_IIDX GENMASK_ULL(47, 32)

/* MSI address in remappable format (5.1.2.2): 0xFEE in 31:20, handle
 * 14:0 in 19:5, format bit 4, SHV bit 3, handle bit 15 in bit 2. With SHV
 * the data's bits 15:0 are a subhandle added to the handle. */
#define VTD_MSI_ADDR_BASE    0xfee00000u
#define VTD_MSI_HANDLE_LO    GENMASK(19, 5)
#define VTD_MSI_FORMAT_REMAP BIT(4)
#define VTD_MSI_SHV	     BIT(3)
#define VTD_MSI_HANDLE_15    BIT(2)
/* Compatibility format: destination APIC id in 19:12, vector in data. */
#define VTD_MSI_COMPAT_DEST GENMASK(19, 12)

/* I/O APIC redirection entry in remappable format (5.1.5.1). */
#define VTD_IOAPIC_RTE_HANDLE_LO GENMASK_ULL(63, 49)
#define VTD_IOAPIC_RTE_FORMAT	 BIT_ULL(48)
#define VTD_IOAPIC_RTE_MASK	 BIT_ULL(16)
#define VTD_IOAPIC_RTE_TM	 BIT_ULL(15)
#define VTD_IOAPIC_RTE_HANDLE_15 BIT_ULL(11)
#define VTD_IOAPIC_RTE_VECTOR	 GENMASK_ULL(7, 0)

/* Interrupt-remapping fault reasons (7.1.3, table 26). */
enum vtd_ir_fault_reason {
	VTD_FR_IR_REQ_RSVD = 0x20,
	VTD_FR_IR_INDEX_OVER = 0x21,
	VTD_FR_IR_NOT_PRESENT = 0x22,
	VTD_FR_IR_ACCESS = 0x23,
	VTD_FR_IR_IRTE_RSVD = 0x24,
	VTD_FR_IR_COMPAT = 0x25,
	VTD_FR_IR_SID = 0x26,
	VTD_FR_IR_POSTED = 0x27,
};
/* A fault record of an interrupt request carries the index in FI 63:48. */
#define VTD_FRCD_LO_IR_INDEX GENMASK_ULL(63, 48)

struct vtd_irte {
	u64 lo, hi;
};
_Static_assert(sizeof(struct vtd_irte) == 16, "IRTE: 16 bytes");

struct vtd_ir {
	struct vtd_unit *unit;
	struct vtd_irte *table;
	unsigned size_log2; /* 2^size_log2 entries (IRTA.S + 1) */
	bool eim;
};

/* What an entry asks: delivery to @dest (an APIC id) with @vector, fixed
 * mode, physical destination, edge-triggered; source validation as given. */
struct vtd_irte_cfg {
	u8 vector;
	u32 dest;
	bool level, fpd;
	enum vtd_svt svt;
	u8 sq;
	u16 sid;
};

/* Allocate a table of 2^@size_log2 entries (1..16), program IRTA (EIME
 * when @eim) and latch it with SIRTP, invalidate the interrupt entry cache
 * globally, then turn remapping on. Needs queued invalidation (the only
 * way to invalidate that cache). -EOPNOTSUPP without ECAP.IR, or EIM
 * asked of a unit without ECAP.EIM. */
int vtd_ir_init(struct vtd_ir *ir, struct vtd_unit *u, unsigned size_log2,
		bool eim);
/* Remapping off (IRE, CFI), IRTA cleared, the table freed. */
void vtd_ir_fini(struct vtd_ir *ir);
/* Compatibility-format interrupts pass (CFI set) or are blocked. */
int vtd_ir_set_cfi(struct vtd_ir *ir, bool on);

/* The 128 bits of a present entry for @c in @ir's destination mode. A
 * destination that mode cannot name (an id above 255 without EIME: DST
 * 15:8, 9.10) gives the entry not present, so the interrupt is blocked
 * (fault 0x22), never delivered to the CPU the truncated id names. */
struct vtd_irte vtd_irte_make(const struct vtd_ir *ir,
			      const struct vtd_irte_cfg *c);
/* Write entry @index (high half first, present bit last) and invalidate it
 * index-selectively. Raw: no check of its contents. */
int vtd_irte_write(struct vtd_ir *ir, unsigned index, struct vtd_irte e);
/* The same without the invalidation (tests of the entry cache). */
int vtd_irte_store(struct vtd_ir *ir, unsigned index, struct vtd_irte e);
/* Interrupt entry cache: global, or the 2^@im entries from @index. */
int vtd_iec_global(struct vtd_unit *u);
int vtd_iec_index(struct vtd_unit *u, u16 index, unsigned im);

/* The remappable-format MSI address and data naming @handle (+ @subhandle
 * when @shv) (5.1.2.2). */
u32 vtd_msi_addr(u16 handle, bool shv);
u32 vtd_msi_data(u16 subhandle);
/* An I/O APIC redirection entry in remappable format naming @handle; the
 * vector field should repeat the entry's for EOI broadcasts (5.1.5.1). */
u64 vtd_ioapic_rte(u16 handle, u8 vector, bool level, bool masked);

const char *vtd_ir_fault_name(unsigned reason);

#endif
