/* Decoded capability report of a unit: what a bring-up engineer reads
 * first. Field names follow the specification (11.4.2, 11.4.3). */
#include "iommu/vtd/unit.h"
#include "iommu/vtd/caps.h"
#include "iommu/vtd/report.h"
#include "iommu/vtd/ir.h"
#include "arch/x86/console.h"
#include "lib/printf.h"

static void report_sagaw(const struct vtd_unit *u, char *buf, size_t size)
{
	static const char *const names[] = { "", "39-bit/3-level ",
					     "48-bit/4-level ",
					     "57-bit/5-level " };
	char *p = buf;

	if (!vtd_translates_dma(u)) {
		ksnprintf(buf, size,
			  "none (no DMA translation: interrupts "
			  "only) ");
		return;
	}
	for (unsigned i = 1; i <= 3; i++)
		for (const char *s = vtd_sagaw_supports(u, i) ? names[i] : "";
		     *s;)
			*p++ = *s++;
	*p = 0;
}

const char *vtd_unit_mode_name(const struct vtd_unit *u)
{
	static const char *const names[] = { "legacy", "scalable",
					     "reserved (10b)",
					     "reserved (11b)" };

	return names[FIELD_GET(VTD_RTADDR_TTM, vtd_read64(u, VTD_REG_RTADDR)) &
		     3];
}

/* Interrupt remapping state (11.4.5 GSTS, 11.4.18 IRTA) and what
 * firmware left on. */
static void report_ir(const struct vtd_unit *u)
{
	u32 gsts = vtd_read32(u, VTD_REG_GSTS);
	u64 irta = vtd_read64(u, VTD_REG_IRTA);

	if (!(u->ecap & VTD_ECAP_IR)) {
		/* What device assignment makes of it (ir_host.h). */
		kprintf(
		    "# vtd%u:   IR: none (ECAP.IR=0): a device assigned "
		    "through this unit could send the host any interrupt; "
		    "assignment is refused without allow_unsafe_interrupts\n",
		    u->index);
		return;
	}
	kprintf("# vtd%u:   IR: IRE %s, IRTA 0x%lx (%u entries), EIM %s "
		"(EIME %s), CFI %s\n",
		u->index, yes_no(gsts & VTD_GCMD_IRE),
		(u64)(irta & VTD_IRTA_ADDR), 2u << FIELD_GET(VTD_IRTA_S, irta),
		yes_no(u->ecap & VTD_ECAP_EIM), yes_no(irta & VTD_IRTA_EIME),
		yes_no(gsts & VTD_GCMD_CFI));
}

void vtd_unit_report(const struct vtd_unit *u)
{
	char sagaw[64];
	u64 c = u->cap, e = u->ecap;

	report_sagaw(u, sagaw, sizeof(sagaw));
	kprintf("# vtd%u: registers 0x%lx, version %u.%u, CAP 0x%016lx "
		"ECAP 0x%016lx\n",
		u->index, u->reg_pa, (unsigned)FIELD_GET(VTD_VER_MAJOR, u->ver),
		(unsigned)FIELD_GET(VTD_VER_MINOR, u->ver), c, e);
	kprintf("# vtd%u:   SAGAW %sMGAW %u ND %u domains, SLLPS%s%s, "
		"PSI %s MAMV %u\n",
		u->index, sagaw, vtd_mgaw(u), vtd_nr_domains(u),
		FIELD_GET(VTD_CAP_SLLPS, c) & 1 ? " 2M" : "",
		FIELD_GET(VTD_CAP_SLLPS, c) & 2 ? " 1G" : "",
		yes_no(c & VTD_CAP_PSI), (unsigned)FIELD_GET(VTD_CAP_MAMV, c));
	kprintf("# vtd%u:   fault records %u at 0x%x, CM %s RWBF %s ZLR %s "
		"PLMR %s PHMR %s\n",
		u->index, vtd_nr_fault_regs(u),
		(unsigned)FIELD_GET(VTD_CAP_FRO, c) * 16,
		yes_no(c & VTD_CAP_CM), yes_no(c & VTD_CAP_RWBF),
		yes_no(c & VTD_CAP_ZLR), yes_no(c & VTD_CAP_PLMR),
		yes_no(c & VTD_CAP_PHMR));
	kprintf("# vtd%u:   SC (snoop control) %s, C (coherent walks) %s, "
		"QI %s DT %s IR %s PT %s, IOTLB regs at 0x%x\n",
		u->index, yes_no(e & VTD_ECAP_SC), yes_no(e & VTD_ECAP_C),
		yes_no(e & VTD_ECAP_QI), yes_no(e & VTD_ECAP_DT),
		yes_no(e & VTD_ECAP_IR), yes_no(e & VTD_ECAP_PT),
		(unsigned)FIELD_GET(VTD_ECAP_IRO, e) * 16);
	report_ir(u);
	kprintf(
	    "# vtd%u:   mode: %s (RTADDR.TTM=%u), translation %s\n", u->index,
	    vtd_unit_mode_name(u),
	    (unsigned)FIELD_GET(VTD_RTADDR_TTM, vtd_read64(u, VTD_REG_RTADDR)),
	    yes_no(vtd_read32(u, VTD_REG_GSTS) & VTD_GCMD_TE));
	if (u->fw_te_on || u->fw_pmr_on || u->fw_qi_on || u->fw_ir_on ||
	    u->fw_faults || u->fw_qi_errors)
		kprintf("# vtd%u:   firmware left: translation %s, protected "
			"memory %s, queued invalidation %s, interrupt "
			"remapping %s, %u fault(s), invalidation errors "
			"0x%x%s\n",
			u->index, u->fw_te_on ? "on (disabled)" : "off",
			u->fw_pmr_on ? "on (kept until translation is on)"
				     : "off",
			u->fw_qi_on ? "on (drained, disabled)" : "off",
			u->fw_ir_on ? "on (disabled)" : "off", u->fw_faults,
			u->fw_qi_errors,
			u->fw_qi_errors ? " (FSTS IQE/ICE/ITE, cleared)" : "");
}
