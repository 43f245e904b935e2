/* The DMAR parser's words: its errors, warnings and the names of
 * structure and device scope types (dmar.h). */
#include "iommu/vtd/dmar.h"
#include "lib/errno.h"

static const char *const dmar_errors[DMAR_E_LAST - DMAR_E_FIRST] = {
#define E(code) [DMAR_E_##code - DMAR_E_FIRST]
	E(TABLE_SHORT) = "table shorter than the 48-byte DMAR header",
	E(TABLE_TRUNCATED) = "table Length larger than the buffer holding it",
	E(SIGNATURE) = "signature is not \"DMAR\"",
	E(CHECKSUM) = "checksum mismatch: table bytes do not sum to zero",
	E(HAW) = "host address width implausible (under 12 or over 64 bits)",
	E(STRUCT_TRUNCATED) = "under 4 bytes left for a structure header",
	E(STRUCT_LEN_ZERO) = "remapping structure of length zero",
	E(STRUCT_LEN_SHORT) = "remapping structure shorter than its fields",
	E(STRUCT_OVERRUN) = "remapping structure runs past the table end",
	E(SCOPE_TRUNCATED) = "under 2 bytes left for a device scope header",
	E(SCOPE_LEN_ZERO) = "device scope of length zero",
	E(SCOPE_LEN_SHORT) = "device scope too short for one path entry",
	E(SCOPE_ODD_PATH) = "device scope path of odd length",
	E(SCOPE_OVERRUN) = "device scope runs past the end of its structure",
	E(SCOPE_DEVFN) = "device scope path: device over 31 or function over 7",
	E(NO_UNIT) = "no DRHD (remapping hardware unit) structure",
	E(UNIT_DUP) = "two DRHD structures with one register base address",
	E(REG_BASE_ZERO) = "DRHD register base address is zero",
	E(REG_BASE_UNALIGNED) = "DRHD register base address not 4 KiB aligned",
	E(INCLUDE_ALL_DUP) = "two INCLUDE_PCI_ALL DRHDs on one PCI segment",
	E(RMRR_UNALIGNED) = "RMRR base or limit + 1 not 4 KiB aligned",
	E(RMRR_RANGE) = "RMRR limit below its base",
	E(ANDD_NAME_EMPTY) = "ANDD with an empty ACPI object name",
	E(ANDD_NAME_UNTERMINATED) = "ANDD object name not NUL-terminated",
	E(ANDD_DUP) = "two ANDD structures with one ACPI device number",
	E(RES_PENDING) = "device scope not resolved yet",
	E(RES_NO_DEVICE) = "no PCI function at a bridge on the scope path",
	E(RES_NOT_BRIDGE) = "scope path crosses a function that is no bridge",
	E(RES_BUS_RANGE) = "bridge on the scope path has unset bus numbers",
	E(REG_BASE_HAW) = "DRHD register set above the host address width",
	E(UNIT_OVERLAP) = "two DRHD register sets overlap",
	E(RMRR_HAW) = "RMRR limit above the host address width (or wraps)",
	E(SCOPE_NOT_ALLOWED) = "device scope type not allowed in its "
			       "structure",
	E(RES_ENDPOINT_BRIDGE) = "PCI endpoint scope names a PCI bridge",
	E(RES_CLAIMED_TWICE) = "device named in the scopes of two DRHDs",
	E(RES_SID_COLLISION) = "IOAPIC/HPET source id answered by a PCI "
			       "function",
	E(HAW_CPU) = "host address width above the CPU's physical width",
	E(HAW_RAM) = "RAM above the host address width",
	E(REG_IN_RAM) = "DRHD register set inside RAM",
	E(RMRR_KERNEL) = "RMRR covers kernel memory",
	E(RMRR_NOT_RESERVED) = "RMRR in memory the map calls usable RAM",
#undef E
};

const char *dmar_strerror(int err)
{
	if (err < 0)
		err = -err;
	if (err == 0)
		return "success";
	if (err == ENOSPC)
		return "more structures, scopes, path entries or name bytes "
		       "than the parser's fixed capacity";
	if (err >= DMAR_E_FIRST && err < DMAR_E_LAST &&
	    dmar_errors[err - DMAR_E_FIRST])
		return dmar_errors[err - DMAR_E_FIRST];
	return "unknown DMAR parser error";
}

const char *dmar_warning_str(unsigned int kind)
{
	static const char *const msgs[DMAR_W_LAST] = {
		[DMAR_W_UNKNOWN_TYPE] = "reserved structure type skipped",
		[DMAR_W_UNKNOWN_SCOPE] = "reserved device scope type skipped",
		[DMAR_W_TYPE_ORDER] = "structures not in ascending type order",
		[DMAR_W_INCLUDE_ALL_NOT_LAST] =
		    "INCLUDE_PCI_ALL DRHD not last on its segment",
		[DMAR_W_RHSA_NO_UNIT] = "RHSA names no DRHD's register base",
	};

	return kind < DMAR_W_LAST && msgs[kind] ? msgs[kind]
						: "unknown warning";
}

const char *dmar_type_name(u16 type)
{
	static const char *const names[] = { "DRHD", "RMRR", "ATSR",
					     "RHSA", "ANDD", "SATC" };

	return type < ARRAY_SIZE(names) ? names[type] : "reserved";
}

const char *dmar_scope_type_name(u8 type)
{
	static const char *const names[] = {
		[DMAR_SCOPE_PCI_ENDPOINT] = "PCI endpoint",
		[DMAR_SCOPE_PCI_SUBHIERARCHY] = "PCI sub-hierarchy",
		[DMAR_SCOPE_IOAPIC] = "IOAPIC",
		[DMAR_SCOPE_HPET] = "MSI-capable HPET",
		[DMAR_SCOPE_ACPI_NAMESPACE] = "ACPI namespace device",
	};

	return type < ARRAY_SIZE(names) && names[type] ? names[type]
						       : "reserved";
}
