/* ACPI DMAR table parser.
 *
 * Spec: Intel Virtualization Technology for Directed I/O Architecture
 * Specification, chapter 8 "BIOS Considerations" (section numbers below
 * are from it), and the ACPI specification, 5.2.6 "System Description
 * Table Header".
 *
 * Pure logic: dmar_parse() reads the table as plain bytes and fills a
 * caller-owned struct dmar_info; it allocates nothing, prints nothing and
 * touches no hardware, so it builds unchanged in the kernel and on the host.
 * The caller owns the table buffer (which is not referenced after
 * dmar_parse() returns) and the struct dmar_info (about 22 KiB: make it
 * static, not a stack variable).
 *
 * Errors are negative: either -DMAR_E_* (a malformed table, one code per
 * defect) or -ENOSPC (a fixed capacity below was exceeded). dmar_strerror()
 * names both; info->err_offset and info->err_type say where it was found.
 * Defects that do not stop the parse are recorded as warnings in
 * info->warnings for the caller to print.
 */
#ifndef IOMMU_VTD_DMAR_H
#define IOMMU_VTD_DMAR_H

#include "lib/types.h"

/* Capacities. Exceeding one fails with -ENOSPC, never truncates silently. */
#define DMAR_MAX_UNITS	   16
#define DMAR_MAX_RMRRS	   32
#define DMAR_MAX_ATSRS	   16
#define DMAR_MAX_RHSAS	   16
#define DMAR_MAX_ANDDS	   16
#define DMAR_MAX_SATCS	   16
#define DMAR_MAX_SCOPES	   512 /* shared by all structures */
#define DMAR_MAX_PATH	   8   /* (device, function) hops in one scope */
#define DMAR_ANDD_NAME_MAX 64  /* object name, including its NUL */
#define DMAR_MAX_WARNINGS  8   /* kept; nr_warnings counts them all */

/* Table layout: byte offsets, all fields little-endian, no alignment. */

/* ACPI 5.2.6 System Description Table Header, then 8.1 DMAR fields */
#define DMAR_HDR_SIGNATURE		   0 /* "DMAR" */
#define DMAR_HDR_LENGTH			   4 /* u32, whole table */
#define DMAR_HDR_REVISION		   8
#define DMAR_HDR_CHECKSUM		   9 /* all Length bytes sum to 0 (mod 256) */
#define DMAR_HDR_OEM_ID			   10 /* 6 chars */
#define DMAR_HDR_OEM_TABLE_ID		   16 /* 8 chars */
#define DMAR_HDR_HAW			   36 /* host address width minus one */
#define DMAR_HDR_FLAGS			   37
#define DMAR_FLAG_INTR_REMAP		   BIT(0)
#define DMAR_FLAG_X2APIC_OPT_OUT	   BIT(1)
#define DMAR_FLAG_DMA_CTRL_PLATFORM_OPT_IN BIT(2)
#define DMAR_HDR_SIZE			   48 /* remapping structures start here */

/* 8.2 Remapping structure header, common to every type */
#define DMAR_ST_TYPE   0 /* u16, enum dmar_type */
#define DMAR_ST_LENGTH 2 /* u16, whole structure including its scopes */
#define DMAR_ST_SIZE   4

/* 8.3 DMA Remapping Hardware Unit Definition (DRHD), type 0 */
#define DMAR_DRHD_FLAGS		  4
#define DMAR_DRHD_INCLUDE_PCI_ALL BIT(0)
#define DMAR_DRHD_SIZE_FIELD	  5 /* VT-d 3.0+; 0 in older tables */
#define DMAR_DRHD_SIZE_PAGES	  GENMASK(3, 0) /* register set: 2^N pages */
#define DMAR_DRHD_SEGMENT	  6
#define DMAR_DRHD_REG_BASE	  8 /* u64 */
#define DMAR_DRHD_SCOPES	  16

/* 8.4 Reserved Memory Region Reporting (RMRR), type 1 */
#define DMAR_RMRR_SEGMENT 6
#define DMAR_RMRR_BASE	  8  /* u64, 4 KiB aligned */
#define DMAR_RMRR_LIMIT	  16 /* u64, inclusive; limit + 1 4 KiB aligned */
#define DMAR_RMRR_SCOPES  24

/* 8.5 Root Port ATS Capability Reporting (ATSR), type 2 */
#define DMAR_ATSR_FLAGS	    4
#define DMAR_ATSR_ALL_PORTS BIT(0)
#define DMAR_ATSR_SEGMENT   6
#define DMAR_ATSR_SCOPES    8

/* 8.6 Remapping Hardware Static Affinity (RHSA), type 3 */
#define DMAR_RHSA_REG_BASE  8  /* u64, names a DRHD */
#define DMAR_RHSA_PROXIMITY 16 /* u32 */
#define DMAR_RHSA_SIZE	    20

/* 8.7 ACPI Name-space Device Declaration (ANDD), type 4 */
#define DMAR_ANDD_DEVICE_NUMBER 7
#define DMAR_ANDD_NAME		8 /* NUL-terminated ACPI path */

/* 8.8 SoC Integrated Address Translation Cache (SATC), type 5 */
#define DMAR_SATC_FLAGS	       4
#define DMAR_SATC_ATC_REQUIRED BIT(0)
#define DMAR_SATC_SEGMENT      6
#define DMAR_SATC_SCOPES       8

/* 8.3.1 Device Scope: 6 bytes, then 2-byte (device, function) path entries */
#define DMAR_SCOPE_TYPE	     0
#define DMAR_SCOPE_LENGTH    1 /* u8: 6 + 2 * (path entries), entries >= 1 */
#define DMAR_SCOPE_ENUM_ID   4
#define DMAR_SCOPE_START_BUS 5
#define DMAR_SCOPE_PATH	     6

/* PCI configuration space, as dmar_resolve() reads it through bridges */
#define DMAR_PCI_VENDOR_ID   0x00 /* 0xffff: no function there */
#define DMAR_PCI_HEADER_TYPE 0x0e /* bits 6:0 == 1: PCI-to-PCI bridge */
#define DMAR_PCI_SECONDARY   0x19
#define DMAR_PCI_SUBORDINATE 0x1a

enum dmar_type {
	DMAR_TYPE_DRHD = 0,
	DMAR_TYPE_RMRR = 1,
	DMAR_TYPE_ATSR = 2,
	DMAR_TYPE_RHSA = 3,
	DMAR_TYPE_ANDD = 4,
	DMAR_TYPE_SATC = 5,
	DMAR_TYPE_NONE = 0xffff, /* err_type when no structure is involved */
};

enum dmar_scope_type {
	DMAR_SCOPE_PCI_ENDPOINT = 1,
	DMAR_SCOPE_PCI_SUBHIERARCHY = 2,
	DMAR_SCOPE_IOAPIC = 3,
	DMAR_SCOPE_HPET = 4,
	DMAR_SCOPE_ACPI_NAMESPACE = 5,
};

/* Parser errors, returned negated. They start above every errno value so
 * that dmar_strerror() can name both kinds. */
enum dmar_error {
	DMAR_E_FIRST = 1000,
	DMAR_E_TABLE_SHORT = DMAR_E_FIRST, /* buffer or Length < 48 */
	DMAR_E_TABLE_TRUNCATED,		   /* Length larger than the buffer */
	DMAR_E_SIGNATURE,
	DMAR_E_CHECKSUM,
	DMAR_E_HAW,		 /* host address width implausible */
	DMAR_E_STRUCT_TRUNCATED, /* under 4 bytes left for a header */
	DMAR_E_STRUCT_LEN_ZERO,
	DMAR_E_STRUCT_LEN_SHORT, /* shorter than its type's fixed part */
	DMAR_E_STRUCT_OVERRUN,	 /* runs past the end of the table */
	DMAR_E_SCOPE_TRUNCATED,	 /* under 2 bytes left for a header */
	DMAR_E_SCOPE_LEN_ZERO,
	DMAR_E_SCOPE_LEN_SHORT, /* no room for one path entry */
	DMAR_E_SCOPE_ODD_PATH,
	DMAR_E_SCOPE_OVERRUN, /* runs past the end of its structure */
	DMAR_E_SCOPE_DEVFN,   /* device > 31 or function > 7 */
	DMAR_E_NO_UNIT,	      /* no DRHD at all */
	DMAR_E_UNIT_DUP,      /* two DRHDs with one register base */
	DMAR_E_REG_BASE_ZERO,
	DMAR_E_REG_BASE_UNALIGNED,
	DMAR_E_INCLUDE_ALL_DUP, /* two INCLUDE_PCI_ALL on a segment */
	DMAR_E_RMRR_UNALIGNED,
	DMAR_E_RMRR_RANGE, /* limit below base */
	DMAR_E_ANDD_NAME_EMPTY,
	DMAR_E_ANDD_NAME_UNTERMINATED,
	DMAR_E_ANDD_DUP,	  /* two ANDDs with one device number */
	DMAR_E_REG_BASE_HAW,	  /* register set above the HAW */
	DMAR_E_UNIT_OVERLAP,	  /* two register sets overlap */
	DMAR_E_RMRR_HAW,	  /* RMRR above the HAW, or wrapping */
	DMAR_E_SCOPE_NOT_ALLOWED, /* scope type not allowed in its struct */
	/* dmar_resolve() results, kept per scope in dmar_scope.status */
	DMAR_E_RES_PENDING,	    /* dmar_resolve() not run yet */
	DMAR_E_RES_NO_DEVICE,	    /* a bridge on the path is absent */
	DMAR_E_RES_NOT_BRIDGE,	    /* a hop that must be a bridge is not */
	DMAR_E_RES_BUS_RANGE,	    /* bridge bus numbers unconfigured */
	DMAR_E_RES_ENDPOINT_BRIDGE, /* an endpoint scope names a bridge */
	DMAR_E_RES_CLAIMED_TWICE,   /* a device in two DRHDs' scopes */
	DMAR_E_RES_SID_COLLISION,   /* IOAPIC/HPET id is a PCI function's */
	/* dmar_check_platform() results */
	DMAR_E_HAW_CPU,		  /* HAW above the CPU's address width */
	DMAR_E_HAW_RAM,		  /* RAM above the HAW */
	DMAR_E_REG_IN_RAM,	  /* a register set inside RAM */
	DMAR_E_RMRR_KERNEL,	  /* an RMRR covers kernel memory */
	DMAR_E_RMRR_NOT_RESERVED, /* an RMRR in usable RAM */
	DMAR_E_LAST,
};

/* Defects that do not stop the parse (struct dmar_warning.kind). */
enum dmar_warn {
	DMAR_W_UNKNOWN_TYPE = 1,     /* reserved structure type skipped */
	DMAR_W_UNKNOWN_SCOPE,	     /* reserved scope type skipped */
	DMAR_W_TYPE_ORDER,	     /* types not in ascending order */
	DMAR_W_INCLUDE_ALL_NOT_LAST, /* a DRHD follows it on its segment */
	DMAR_W_RHSA_NO_UNIT,	     /* no DRHD has the RHSA's base */
	DMAR_W_LAST,
};

struct dmar_warning {
	u16 kind;   /* enum dmar_warn */
	u16 type;   /* structure type, or scope type for UNKNOWN_SCOPE */
	u32 offset; /* of the structure or scope in the table */
};

struct dmar_path_entry {
	u8 dev;
	u8 fn;
};

struct dmar_scope {
	u8 type;    /* enum dmar_scope_type */
	u8 enum_id; /* IOAPIC id, HPET number or ANDD device number */
	u8 start_bus;
	u8 path_len; /* entries in path[], 1 .. DMAR_MAX_PATH */
	struct dmar_path_entry path[DMAR_MAX_PATH];
	u16 segment; /* of the structure that holds the scope */
	u32 offset;
	/* Filled by dmar_resolve(): status 0 means bus/devfn are valid. */
	int status; /* 0 or -DMAR_E_RES_* */
	u8 bus;
	u8 devfn;   /* (device << 3) | function of the last path entry */
	u8 sec_bus; /* PCI sub-hierarchy: the buses below the bridge, */
	u8 sub_bus; /* [sec_bus, sub_bus]; 0 for other types */
};

/* Each structure's scopes are scopes[scope_first .. +nr_scopes) */
struct dmar_unit {
	int status; /* 0, or -DMAR_E_* from dmar_check_platform() */
	hpa_t reg_base;
	u64 reg_size; /* bytes, from the Size field (2^N pages) */
	u16 segment;
	u8 flags;	    /* DMAR_DRHD_* */
	bool has_proximity; /* an RHSA names this unit */
	u32 proximity;
	u16 scope_first;
	u16 nr_scopes;
	u32 offset;
};

struct dmar_rmrr {
	int status; /* 0, or -DMAR_E_* from dmar_check_platform() */
	hpa_t base;
	hpa_t limit; /* inclusive */
	u16 segment;
	u16 scope_first;
	u16 nr_scopes;
	u32 offset;
};

/* 8.5 ATSR and 8.8 SATC: the same shape, flags (DMAR_ATSR_* or
 * DMAR_SATC_*), a segment and the scopes of the devices they describe. */
struct dmar_flagged_scopes {
	u8 flags;
	u16 segment;
	u16 scope_first;
	u16 nr_scopes;
	u32 offset;
};

struct dmar_rhsa {
	hpa_t reg_base;
	u32 proximity;
	s16 unit; /* index in units[], -1 when no DRHD matches */
	u32 offset;
};

struct dmar_andd {
	u8 acpi_dev; /* matched by ACPI_NAMESPACE scopes' enum_id */
	char name[DMAR_ANDD_NAME_MAX];
	u32 offset;
};

struct dmar_info {
	u32 length; /* table Length */
	u8 revision;
	u8 haw;		/* host address width in bits (field + 1) */
	u8 flags;	/* DMAR_FLAG_* */
	int haw_status; /* 0, or -DMAR_E_HAW_* from dmar_check_platform() */
	char oem_id[7];
	char oem_table_id[9];

	u32 nr_units, nr_rmrrs, nr_atsrs, nr_rhsas, nr_andds, nr_satcs;
	u32 nr_scopes;
	struct dmar_unit units[DMAR_MAX_UNITS]; /* in table order */
	struct dmar_rmrr rmrrs[DMAR_MAX_RMRRS];
	struct dmar_flagged_scopes atsrs[DMAR_MAX_ATSRS];
	struct dmar_rhsa rhsas[DMAR_MAX_RHSAS];
	struct dmar_andd andds[DMAR_MAX_ANDDS];
	struct dmar_flagged_scopes satcs[DMAR_MAX_SATCS];
	struct dmar_scope scopes[DMAR_MAX_SCOPES];

	u32 nr_warnings; /* all found; the first DMAR_MAX_WARNINGS kept */
	struct dmar_warning warnings[DMAR_MAX_WARNINGS];

	/* Where the error dmar_parse() returned was found. */
	u32 err_offset;
	u16 err_type; /* structure type, or DMAR_TYPE_NONE */
};

/* Parses len bytes at buf (the table may be shorter than the buffer).
 * Returns 0, -DMAR_E_* or -ENOSPC. On error *info is partly filled:
 * trust only err_offset and err_type. */
int dmar_parse(const void *buf, size_t len, struct dmar_info *info);

/* A stable message for a dmar_parse()/scope status code (negative or not). */
const char *dmar_strerror(int err);
const char *dmar_warning_str(unsigned int kind);

/* Names for printing: "DRHD", "RMRR", ...; "PCI endpoint", ... */
const char *dmar_type_name(u16 type);
const char *dmar_scope_type_name(u8 type);

/* Reads the config dword at off (a multiple of 4) of seg:bus:dev.fn, and
 * returns 0xffffffff when no function is there, as PCI hardware does. */
typedef u32 (*dmar_cfg_read_fn)(void *ctx, u16 seg, u8 bus, u8 dev, u8 fn,
				u16 off);

/* What the platform says about memory, for dmar_check_platform(). */
struct dmar_mem_range {
	u64 base, len;
	bool ram; /* usable RAM (the allocator's); else reserved, ACPI... */
};

struct dmar_platform {
	const struct dmar_mem_range *map;
	u32 nr_map;
	hpa_t kernel_start, kernel_end; /* the kernel image, [start, end) */
	unsigned cpu_pa_bits;		/* CPUID 0x80000008 EAX[7:0] */
};

/* Hostile-firmware checks against the platform (dmar_check.c): a HAW above
 * the CPU's physical address width or below the top of RAM (haw_status);
 * a register set inside RAM (its unit's status: the kernel must not map
 * RAM uncached and write to it); an RMRR covering the kernel or lying in
 * usable RAM (its status: never identity-mapped). Returns the number of
 * defects found. */
int dmar_check_platform(struct dmar_info *info, const struct dmar_platform *p);

/* Resolves every scope's path to a bus/devfn through the PCI bridges on it
 * (8.3.1), and each PCI sub-hierarchy scope to its bus range. Then flags
 * conflicts: an endpoint scope naming a bridge, a device named by two
 * DRHDs (the later scope), an IOAPIC or HPET whose source id a PCI
 * function answers to. Call once PCI buses are numbered. Returns how many
 * scopes are unresolved or in conflict; each keeps its reason in status. */
int dmar_resolve(struct dmar_info *info, dmar_cfg_read_fn cfg_read, void *ctx);

/* The unit that remaps requests from seg:bus:devfn: the unit of a resolved
 * scope naming it (any scope type: its path is a requester id), else of
 * the narrowest resolved sub-hierarchy holding its bus, else the segment's
 * INCLUDE_PCI_ALL unit (8.3); NULL when none serves it. Table order does
 * not matter. */
const struct dmar_unit *dmar_unit_for_bdf(const struct dmar_info *info, u16 seg,
					  u8 bus, u8 devfn);

#endif
