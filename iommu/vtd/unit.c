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

int vtd_enable_translation(struct vtd_unit *u, bool on)
{
	return vtd_gcmd(u, VTD_GCMD_TE, on);
}

int vtd_flush_write_buffer(struct vtd_unit *u)
{
	if (!(u->cap & VTD_CAP_RWBF))
		return 0;
	return vtd_gcmd(u, VTD_GCMD_WBF, true);
}

/* Firmware may hand over a unit with translation, protected memory or
 * queued invalidation on, and faults pending (pre-boot DMA protection,
 * a previous kernel). Turn each off cleanly and remember that we did. */
static int quiesce_firmware_state(struct vtd_unit *u)
{
	u32 gsts = vtd_read32(u, VTD_REG_GSTS);
	int err = 0;

	u->fw_te_on = gsts & VTD_GCMD_TE;
	u->fw_qi_on = gsts & VTD_GCMD_QIE;
	u->fw_ire_on = gsts & VTD_GCMD_IRE;
	/* Interrupt remapping through a table we do not own would block or
	 * misroute every MSI the suites expect (ir.c sets up its own). */
	if (u->fw_ire_on)
		err = vtd_gcmd(u, VTD_GCMD_IRE, false);
	if (!err && u->fw_te_on)
		err = vtd_gcmd(u, VTD_GCMD_TE, false);
	if (!err && (u->cap & (VTD_CAP_PLMR | VTD_CAP_PHMR)) &&
	    (vtd_read32(u, VTD_REG_PMEN) & VTD_PMEN_EPM)) {
		u->fw_pmr_on = true;
		vtd_write32(u, VTD_REG_PMEN, 0);
		err = WAIT_FOR(!(vtd_read32(u, VTD_REG_PMEN) & VTD_PMEN_PRS),
			       VTD_TIMEOUT_US);
	}
	if (!err && u->fw_qi_on)
		err = vtd_gcmd(u, VTD_GCMD_QIE, false);
	vtd_fault_mask(u, true);
	u->fw_faults = vtd_fault_drain(u);
	return err;
}

int vtd_unit_init(struct vtd_unit *u, unsigned index, hpa_t base, u64 size,
		  u16 seg)
{
	memset(u, 0, sizeof(*u));
	u->index = index;
	u->reg_pa = base;
	u->reg_size = size < PAGE_SIZE ? PAGE_SIZE : size;
	u->seg = seg;
	u->regs = mm_map(base, u->reg_size, CACHE_UC);
	if (!u->regs)
		return -ENOMEM;
	u->ver = vtd_read32(u, VTD_REG_VER);
	u->cap = vtd_read64(u, VTD_REG_CAP);
	u->ecap = vtd_read64(u, VTD_REG_ECAP);
	/* Nothing decodes there: a wrong DRHD or a unit switched off. */
	if (u->cap == ~0ULL || u->cap == 0 || u->ver == ~0u)
		return -ENODEV;
	int err = quiesce_firmware_state(u);
	if (err)
		return err;
	u->root = page_alloc();
	if (!u->root)
		return -ENOMEM;
	return vtd_set_root_table(u);
}
