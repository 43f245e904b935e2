/* Interrupt remapping (VT-d chapter 5).
 *
 * IRTE, remapped format (9.10):
 *  lo 63:32 destination (xAPIC: 15:8 only; x2APIC with EIME: 31:0)
 *     23:16 vector, 15 IM (posted), 7:5 delivery mode, 4 TM, 3 RH,
 *     2 DM, 1 FPD, 0 present
 *  hi 19:18 SVT, 17:16 SQ, 15:0 SID
 *
 * Bring-up order (5.1.x, as Linux intel_setup_irq_remapping): table,
 * IRTA, SIRTP, a global interrupt entry cache invalidation, then IRE. */
#include "iommu/vtd/ir.h"
#include "iommu/vtd/inval.h"
#include "iommu/vtd/caps.h"
#include "arch/x86/mm.h"
#include "lib/errno.h"
#include "lib/string.h"

static const char *const ir_reason_names[] = {
	[VTD_FR_IR_REQ_RSVD - 0x20] = "reserved field in an interrupt request",
	[VTD_FR_IR_INDEX_OVER - 0x20] = "interrupt index beyond the table size",
	[VTD_FR_IR_NOT_PRESENT -
	    0x20] = "interrupt remapping entry not present",
	[VTD_FR_IR_ACCESS - 0x20] = "error accessing the remapping table",
	[VTD_FR_IR_IRTE_RSVD - 0x20] = "reserved bit set in a remapping entry",
	[VTD_FR_IR_COMPAT - 0x20] = "compatibility-format interrupt blocked",
	[VTD_FR_IR_SID - 0x20] = "source-id validation failed",
	[VTD_FR_IR_POSTED - 0x20] = "posted entry, posting not supported",
};

const char *vtd_ir_fault_name(unsigned reason)
{
	if (reason >= 0x20 && reason - 0x20 < ARRAY_SIZE(ir_reason_names))
		return ir_reason_names[reason - 0x20];
	return "not an interrupt-remapping fault";
}

int vtd_iec_global(struct vtd_unit *u)
{
	struct vtd_entry128 d = { .lo = VTD_QI_IEC };

	return vtd_qi_submit(u, &d, 1);
}

int vtd_iec_index(struct vtd_unit *u, u16 index, unsigned im)
{
	struct vtd_entry128 d = {
		.lo = VTD_QI_IEC | VTD_QI_IEC_G |
		      FIELD_PREP(VTD_QI_IEC_IM, im) |
		      FIELD_PREP(VTD_QI_IEC_IIDX, index),
	};

	return vtd_qi_submit(u, &d, 1);
}

static int ir_off(struct vtd_unit *u)
{
	u32 sts = vtd_read32(u, VTD_REG_GSTS);
	int err = 0;

	if (sts & VTD_GCMD_IRE)
		err = vtd_gcmd(u, VTD_GCMD_IRE, false);
	if (!err && (vtd_read32(u, VTD_REG_GSTS) & VTD_GCMD_CFI))
		err = vtd_gcmd(u, VTD_GCMD_CFI, false);
	return err;
}

int vtd_ir_init(struct vtd_ir *ir, struct vtd_unit *u, unsigned size_log2,
		bool eim)
{
	memset(ir, 0, sizeof(*ir));
	if (!(u->ecap & VTD_ECAP_IR) || (eim && !(u->ecap & VTD_ECAP_EIM)))
		return -EOPNOTSUPP;
	if (!u->qi || size_log2 < 1 || size_log2 > VTD_IRTA_S_MAX + 1)
		return -EINVAL;
	size_t bytes = sizeof(struct vtd_irte) << size_log2;
	size_t pages = (bytes + PAGE_SIZE - 1) / PAGE_SIZE;
	ir->table = page_alloc_contig(pages, PAGE_SIZE);
	if (!ir->table)
		return -ENOMEM;
	memset(ir->table, 0, pages * PAGE_SIZE);
	vtd_flush_struct(u, ir->table, pages * PAGE_SIZE);
	ir->unit = u;
	ir->size_log2 = size_log2;
	ir->eim = eim;
	int err = ir_off(u);
	if (err)
		return err;
	vtd_write64(u, VTD_REG_IRTA,
		    virt_to_phys(ir->table) | (eim ? VTD_IRTA_EIME : 0) |
			FIELD_PREP(VTD_IRTA_S, size_log2 - 1));
	err = vtd_gcmd(u, VTD_GCMD_SIRTP, true);
	if (!err)
		err = vtd_iec_global(u);
	if (!err)
		err = vtd_gcmd(u, VTD_GCMD_IRE, true);
	return err;
}

void vtd_ir_fini(struct vtd_ir *ir)
{
	struct vtd_unit *u = ir->unit;

	if (!u)
		return;
	ir_off(u);
	vtd_write64(u, VTD_REG_IRTA, 0);
	vtd_gcmd(u, VTD_GCMD_SIRTP, true);
	if (u->qi)
		vtd_iec_global(u);
	size_t bytes = sizeof(struct vtd_irte) << ir->size_log2;
	page_free_contig(ir->table, ALIGN_UP(bytes, PAGE_SIZE) / PAGE_SIZE);
	ir->table = NULL;
	ir->unit = NULL;
}

int vtd_ir_set_cfi(struct vtd_ir *ir, bool on)
{
	return vtd_gcmd(ir->unit, VTD_GCMD_CFI, on);
}

struct vtd_irte vtd_irte_make(const struct vtd_ir *ir,
			      const struct vtd_irte_cfg *c)
{
	u64 dst = ir->eim ? c->dest : FIELD_PREP(VTD_IRTE_DST_XAPIC, c->dest);
	bool fits = ir->eim || c->dest <= FIELD_GET(VTD_IRTE_DST_XAPIC,
						    VTD_IRTE_DST_XAPIC);
	struct vtd_irte e = {
		.lo = (fits ? VTD_IRTE_LO_P : 0) |
		      (c->fpd ? VTD_IRTE_LO_FPD : 0) |
		      (c->level ? VTD_IRTE_LO_TM : 0) |
		      FIELD_PREP(VTD_IRTE_LO_V, c->vector) |
		      FIELD_PREP(VTD_IRTE_LO_DST, dst),
		.hi = FIELD_PREP(VTD_IRTE_HI_SVT, c->svt) |
		      FIELD_PREP(VTD_IRTE_HI_SQ, c->sq) |
		      FIELD_PREP(VTD_IRTE_HI_SID, c->sid),
	};

	return e;
}

int vtd_irte_store(struct vtd_ir *ir, unsigned index, struct vtd_irte e)
{
	if (index >= 1u << ir->size_log2)
		return -ERANGE;
	struct vtd_irte *t = &ir->table[index];
	/* 6.5.2.7 and 9.10: a present entry is not rewritten in place; P
	 * clears first, the new entry becomes present last, so a fetch in
	 * between sees no entry (fault 0x22) rather than half of two. */
	WRITE_ONCE(t->lo, t->lo & ~VTD_IRTE_LO_P);
	WRITE_ONCE(t->hi, e.hi);
	WRITE_ONCE(t->lo, e.lo);
	vtd_flush_struct(ir->unit, t, sizeof(*t));
	return 0;
}

int vtd_irte_write(struct vtd_ir *ir, unsigned index, struct vtd_irte e)
{
	int err = vtd_irte_store(ir, index, e);

	return err ? err : vtd_iec_index(ir->unit, (u16)index, 0);
}

u32 vtd_msi_addr(u16 handle, bool shv)
{
	return VTD_MSI_ADDR_BASE | VTD_MSI_FORMAT_REMAP |
	       FIELD_PREP(VTD_MSI_HANDLE_LO, handle & 0x7fff) |
	       (handle & 0x8000 ? VTD_MSI_HANDLE_15 : 0) |
	       (shv ? VTD_MSI_SHV : 0);
}

u32 vtd_msi_data(u16 subhandle)
{
	return subhandle;
}

u64 vtd_ioapic_rte(u16 handle, u8 vector, bool level, bool masked)
{
	return VTD_IOAPIC_RTE_FORMAT |
	       FIELD_PREP(VTD_IOAPIC_RTE_HANDLE_LO, handle & 0x7fff) |
	       (handle & 0x8000 ? VTD_IOAPIC_RTE_HANDLE_15 : 0) |
	       (level ? VTD_IOAPIC_RTE_TM : 0) |
	       (masked ? VTD_IOAPIC_RTE_MASK : 0) |
	       FIELD_PREP(VTD_IOAPIC_RTE_VECTOR, vector);
}
