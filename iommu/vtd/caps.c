/* Capability decoding (11.4.2) and what follows from it: pure, shared with
 * the host tests. */
#include "iommu/vtd/unit.h"
#include "iommu/vtd/caps.h"
#include "mm/pgtable.h"
#include "arch/x86/cpu.h"

unsigned vtd_nr_domains(const struct vtd_unit *u)
{
	return 1u << (4 + 2 * FIELD_GET(VTD_CAP_ND, u->cap));
}

unsigned vtd_mgaw(const struct vtd_unit *u)
{
	return (unsigned)FIELD_GET(VTD_CAP_MGAW, u->cap) + 1;
}

unsigned vtd_nr_fault_regs(const struct vtd_unit *u)
{
	return (unsigned)FIELD_GET(VTD_CAP_NFR, u->cap) + 1;
}

bool vtd_sagaw_supports(const struct vtd_unit *u, unsigned aw_field)
{
	return FIELD_GET(VTD_CAP_SAGAW, u->cap) & BIT(aw_field);
}

unsigned vtd_widest_aw(const struct vtd_unit *u)
{
	static const unsigned widths[] = { 57, 48, 39 };

	for (unsigned i = 0; i < ARRAY_SIZE(widths); i++)
		if (vtd_sagaw_supports(u, vtd_aw_field(widths[i])))
			return widths[i];
	return 0;
}

bool vtd_translates_dma(const struct vtd_unit *u)
{
	return vtd_widest_aw(u) != 0;
}

unsigned vtd_aw_field(unsigned width)
{
	unsigned levels = pt_levels_for_width(width);

	/* 9.3: AW 1, 2, 3 select 3-, 4- and 5-level tables. */
	return levels >= 3 && levels <= 5 ? levels - 2 : 0;
}

bool vtd_pt_coherent(const struct vtd_unit *u)
{
	return (u->ecap & VTD_ECAP_C) &&
	       (!(u->ecap & VTD_ECAP_SMTS) || (u->ecap & VTD_ECAP_SMPWC));
}

void vtd_flush_struct(const struct vtd_unit *u, const void *p, size_t len)
{
	if (!(u->ecap & VTD_ECAP_C))
		cache_flush_range(p, len);
}
