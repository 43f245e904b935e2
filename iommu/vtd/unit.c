/* Remapping unit bring-up and global command handshake. */
#include "iommu/vtd/unit.h"
#include "iommu/vtd/caps.h"
#include "iommu/vtd/fault.h"
#include "arch/x86/console.h"
#include "arch/x86/mm.h"
#include "arch/x86/tsc.h"
#include "lib/errno.h"
#include "lib/string.h"

int vtd_gcmd(struct vtd_unit *u, u32 bit, bool on)
{
	u32 sts = vtd_read32(u, VTD_REG_GSTS) & VTD_GSTS_PERSISTENT;
	u32 cmd = on ? sts | bit : sts & ~bit;

	vtd_write32(u, VTD_REG_GCMD, cmd);
	/* One-shot commands (SRTP, WBF...) report completion as status set
	 * (SRTP) or cleared (WBF); persistent ones mirror the command. */
	if (bit == VTD_GCMD_WBF)
		return WAIT_FOR(!(vtd_read32(u, VTD_REG_GSTS) & bit),
				VTD_TIMEOUT_US);
	return WAIT_FOR(!!(vtd_read32(u, VTD_REG_GSTS) & bit) == on,
			VTD_TIMEOUT_US);
}

int vtd_set_root_table(struct vtd_unit *u)
{
	vtd_flush_struct(u, u->root, PAGE_SIZE);
	vtd_write64(u, VTD_REG_RTADDR, virt_to_phys(u->root));
	return vtd_gcmd(u, VTD_GCMD_SRTP, true);
}

bool vtd_has_reg_inval(const struct vtd_unit *u)
{
	return FIELD_GET(VTD_VER_MAJOR, u->ver) < VTD_VER_NO_REG_INVAL;
}

static int pmr_disable(struct vtd_unit *u)
{
	if (!(u->cap & (VTD_CAP_PLMR | VTD_CAP_PHMR)) ||
	    !(vtd_read32(u, VTD_REG_PMEN) & VTD_PMEN_EPM))
		return 0;
	vtd_write32(u, VTD_REG_PMEN, 0);
	return WAIT_FOR(!(vtd_read32(u, VTD_REG_PMEN) & VTD_PMEN_PRS),
			VTD_TIMEOUT_US);
}

int vtd_enable_translation(struct vtd_unit *u, bool on)
{
	int err = vtd_gcmd(u, VTD_GCMD_TE, on);

	return err || !on ? err : pmr_disable(u);
}

int vtd_flush_write_buffer(struct vtd_unit *u)
{
	if (!(u->cap & VTD_CAP_RWBF))
		return 0;
	return vtd_gcmd(u, VTD_GCMD_WBF, true);
}

/* 6.5.2: clearing QIE while descriptors are pending loses them; wait for
 * the unit to fetch up to the tail first (IQH == IQT), or for an error.
 * A queue an error stopped never gets there: what is left of it is
 * dropped (IQT = IQH, as after any queue error), since QIE clears only
 * with the queue empty (11.4.4; QEMU refuses otherwise). */
int vtd_qi_disable(struct vtd_unit *u)
{
	int err = WAIT_FOR(
	    vtd_read64(u, VTD_REG_IQH) == vtd_read64(u, VTD_REG_IQT) ||
		(vtd_read32(u, VTD_REG_FSTS) & (VTD_FSTS_IQE | VTD_FSTS_ITE)),
	    VTD_TIMEOUT_US);

	if (!err && vtd_read64(u, VTD_REG_IQH) != vtd_read64(u, VTD_REG_IQT))
		vtd_write64(u, VTD_REG_IQT, vtd_read64(u, VTD_REG_IQH));
	if (!err)
		err = vtd_gcmd(u, VTD_GCMD_QIE, false);
	if (!err)
		u->qi = false;
	return err;
}

/* Firmware may hand over a unit with translation, interrupt remapping or
 * queued invalidation on, and faults pending (pre-boot DMA protection, a
 * previous kernel). Turn each off cleanly and remember that we did.
 * Protected memory regions stay until our translation is on. */
static int quiesce_firmware_state(struct vtd_unit *u)
{
	u32 gsts = vtd_read32(u, VTD_REG_GSTS);
	int err = 0;

	u->fw_te_on = gsts & VTD_GCMD_TE;
	u->fw_qi_on = gsts & VTD_GCMD_QIE;
	u->fw_ir_on = gsts & VTD_GCMD_IRE;
	u->fw_pmr_on = (u->cap & (VTD_CAP_PLMR | VTD_CAP_PHMR)) &&
		       (vtd_read32(u, VTD_REG_PMEN) & VTD_PMEN_EPM);
	if (u->fw_te_on)
		err = vtd_gcmd(u, VTD_GCMD_TE, false);
	if (!err && u->fw_ir_on)
		err = vtd_gcmd(u, VTD_GCMD_IRE, false);
	if (!err && u->fw_qi_on)
		err = vtd_qi_disable(u);
	/* IQE, ICE and ITE are RW1C and survive QIE off and on (11.4.9.1):
	 * one left set would stop our queue before its first descriptor
	 * (6.5.2.10) and fail the bring-up as if our own were wrong. */
	u->fw_qi_errors = vtd_read32(u, VTD_REG_FSTS) &
			  (VTD_FSTS_IQE | VTD_FSTS_ICE | VTD_FSTS_ITE);
	if (!err && u->fw_qi_errors)
		vtd_write32(u, VTD_REG_FSTS, u->fw_qi_errors);
	vtd_fault_mask(u, true);
	u->fw_faults = vtd_fault_drain(u);
	return err;
}

/* The register window must reach the fault recording registers and the
 * IOTLB registers wherever CAP and ECAP place them (11.4.2, 11.4.3): a
 * DRHD Size field too small for them is a firmware defect, reported. */
static u64 regs_needed(const struct vtd_unit *u)
{
	u64 fr = FIELD_GET(VTD_CAP_FRO, u->cap) * 16 +
		 (u64)vtd_nr_fault_regs(u) * VTD_FRCD_SIZE;
	u64 io = FIELD_GET(VTD_ECAP_IRO, u->ecap) * 16 + 16;

	return ALIGN_UP(MAX(MAX(fr, io), (u64)PAGE_SIZE), PAGE_SIZE);
}

static int map_regs(struct vtd_unit *u)
{
	u->regs = mm_map(u->reg_pa, u->reg_size, CACHE_UC);
	if (!u->regs)
		return -ENOMEM;
	u->ver = vtd_read32(u, VTD_REG_VER);
	u->cap = vtd_read64(u, VTD_REG_CAP);
	u->ecap = vtd_read64(u, VTD_REG_ECAP);
	/* Nothing decodes there: a wrong DRHD or a unit switched off. */
	if (u->cap == ~0ULL || u->cap == 0 || u->ver == ~0u)
		return -ENODEV;
	u64 need = regs_needed(u);
	if (need <= u->reg_size)
		return 0;
	kprintf("# vtd%u: DRHD register size 0x%lx below the 0x%lx its fault "
		"and IOTLB registers need: mapping 0x%lx\n",
		u->index, u->reg_size, need, need);
	u->reg_size = need;
	u->regs = mm_map(u->reg_pa, u->reg_size, CACHE_UC);
	return u->regs ? 0 : -ENOMEM;
}

int vtd_unit_init(struct vtd_unit *u, unsigned index, hpa_t base, u64 size,
		  u16 seg)
{
	memset(u, 0, sizeof(*u));
	u->index = index;
	u->reg_pa = base;
	u->reg_size = size < PAGE_SIZE ? PAGE_SIZE : size;
	u->seg = seg;
	int err = map_regs(u);
	if (!err)
		err = quiesce_firmware_state(u);
	if (err)
		return err;
	u->root = page_alloc();
	return u->root ? 0 : -ENOMEM;
}
