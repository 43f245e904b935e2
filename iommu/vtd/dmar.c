/* ACPI DMAR table parser; the contract is in dmar.h.
 *
 * Section numbers are from the VT-d specification, chapter 8. The table is
 * hostile input: every length is checked against the bytes that hold it
 * before anything inside it is read, so a zero or overflowing length is an
 * error, never a loop or an out-of-bounds read. */
#include "iommu/vtd/dmar.h"
#include "lib/errno.h"

struct dmar_parser {
	const u8 *tbl;
	u32 len; /* table Length, already checked against the buffer */
	struct dmar_info *info;
	int last_type; /* for the 8.2 ordering check */
};

/* Little-endian load of 1..8 bytes at any alignment. */
static u64 dmar_get(const u8 *p, unsigned int bytes)
{
	u64 v = 0;

	while (bytes--)
		v = (v << 8) | p[bytes];
	return v;
}

static u16 dmar_u16(const struct dmar_parser *p, u32 off)
{
	return (u16)dmar_get(p->tbl + off, 2);
}

static u64 dmar_u64(const struct dmar_parser *p, u32 off)
{
	return dmar_get(p->tbl + off, 8);
}

static void dmar_zero(void *buf, size_t n)
{
	u8 *b = buf;

	while (n--)
		*b++ = 0;
}

static int dmar_fail(struct dmar_parser *p, int err, u16 type, u32 off)
{
	p->info->err_offset = off;
	p->info->err_type = type;
	return -err;
}

static void dmar_warn(struct dmar_parser *p, enum dmar_warn kind, u16 type,
		      u32 off)
{
	struct dmar_info *info = p->info;

	if (info->nr_warnings < DMAR_MAX_WARNINGS) {
		info->warnings[info->nr_warnings].kind = kind;
		info->warnings[info->nr_warnings].type = type;
		info->warnings[info->nr_warnings].offset = off;
	}
	info->nr_warnings++;
}

/* ACPI 5.2.6 header and the 8.1 DMAR fields that follow it. */
static int dmar_parse_header(struct dmar_parser *p, size_t buflen)
{
	const u8 *t = p->tbl;
	struct dmar_info *info = p->info;
	u8 sum = 0;
	u32 len, i;

	if (buflen < DMAR_HDR_SIZE)
		return dmar_fail(p, DMAR_E_TABLE_SHORT, DMAR_TYPE_NONE, 0);
	if (t[0] != 'D' || t[1] != 'M' || t[2] != 'A' || t[3] != 'R')
		return dmar_fail(p, DMAR_E_SIGNATURE, DMAR_TYPE_NONE, 0);
	len = (u32)dmar_get(t + DMAR_HDR_LENGTH, 4);
	if (len < DMAR_HDR_SIZE)
		return dmar_fail(p, DMAR_E_TABLE_SHORT, DMAR_TYPE_NONE,
				 DMAR_HDR_LENGTH);
	if (len > buflen)
		return dmar_fail(p, DMAR_E_TABLE_TRUNCATED, DMAR_TYPE_NONE,
				 DMAR_HDR_LENGTH);
	for (i = 0; i < len; i++)
		sum += t[i];
	if (sum)
		return dmar_fail(p, DMAR_E_CHECKSUM, DMAR_TYPE_NONE,
				 DMAR_HDR_CHECKSUM);
	/* 8.1: the width is the field plus one. Below 12 bits not even a
	 * page is addressable (Linux refuses it too); above 64 bits is not
	 * representable. Anything between is left to the caller to judge
	 * against the units' CAP.MGAW. */
	if (t[DMAR_HDR_HAW] < PAGE_SHIFT - 1 || t[DMAR_HDR_HAW] > 63)
		return dmar_fail(p, DMAR_E_HAW, DMAR_TYPE_NONE, DMAR_HDR_HAW);
	p->len = len;
	info->length = len;
	info->revision = t[DMAR_HDR_REVISION];
	info->haw = t[DMAR_HDR_HAW] + 1;
	info->flags = t[DMAR_HDR_FLAGS];
	for (i = 0; i < 6; i++)
		info->oem_id[i] = (char)t[DMAR_HDR_OEM_ID + i];
	for (i = 0; i < 8; i++)
		info->oem_table_id[i] = (char)t[DMAR_HDR_OEM_TABLE_ID + i];
	return 0;
}

/* 8.3.1: a scope header is 6 bytes; the path has one or more 2-byte
 * (device, function) entries, so the length is 6 + 2 * n with n >= 1. */
static int dmar_check_scope_len(struct dmar_parser *p, u16 type, u32 pos,
				u8 len, u32 left)
{
	if (len == 0)
		return dmar_fail(p, DMAR_E_SCOPE_LEN_ZERO, type, pos);
	if (len > left)
		return dmar_fail(p, DMAR_E_SCOPE_OVERRUN, type, pos);
	if (len < DMAR_SCOPE_PATH + 2)
		return dmar_fail(p, DMAR_E_SCOPE_LEN_SHORT, type, pos);
	if ((len - DMAR_SCOPE_PATH) & 1)
		return dmar_fail(p, DMAR_E_SCOPE_ODD_PATH, type, pos);
	return 0;
}

/* Scope types each structure may hold: IOAPIC, HPET and ACPI namespace
 * devices only under a DRHD (8.3.1); an RMRR names PCI devices (8.4), an
 * ATSR root ports, that is sub-hierarchies (8.5), a SATC endpoints (8.8). */
static bool dmar_scope_allowed(u16 type, u8 scope)
{
	switch (type) {
	case DMAR_TYPE_DRHD:
		return true;
	case DMAR_TYPE_RMRR:
		return scope == DMAR_SCOPE_PCI_ENDPOINT ||
		       scope == DMAR_SCOPE_PCI_SUBHIERARCHY;
	case DMAR_TYPE_ATSR:
		return scope == DMAR_SCOPE_PCI_SUBHIERARCHY;
	default:
		return scope == DMAR_SCOPE_PCI_ENDPOINT;
	}
}

static int dmar_add_scope(struct dmar_parser *p, u16 type, u32 pos, u8 len,
			  u16 segment)
{
	struct dmar_info *info = p->info;
	const u8 *t = p->tbl + pos;
	u32 i, n = (len - DMAR_SCOPE_PATH) / 2u;
	struct dmar_scope *s;

	/* 8.3.1: types above 5 are reserved; skip them as 8.2 asks for
	 * structures, so a newer table still parses. */
	if (t[DMAR_SCOPE_TYPE] < DMAR_SCOPE_PCI_ENDPOINT ||
	    t[DMAR_SCOPE_TYPE] > DMAR_SCOPE_ACPI_NAMESPACE) {
		dmar_warn(p, DMAR_W_UNKNOWN_SCOPE, t[DMAR_SCOPE_TYPE], pos);
		return 0;
	}
	if (!dmar_scope_allowed(type, t[DMAR_SCOPE_TYPE]))
		return dmar_fail(p, DMAR_E_SCOPE_NOT_ALLOWED, type, pos);
	if (info->nr_scopes == DMAR_MAX_SCOPES || n > DMAR_MAX_PATH)
		return dmar_fail(p, ENOSPC, type, pos);
	s = &info->scopes[info->nr_scopes];
	for (i = 0; i < n; i++) {
		s->path[i].dev = t[DMAR_SCOPE_PATH + 2 * i];
		s->path[i].fn = t[DMAR_SCOPE_PATH + 2 * i + 1];
		if (s->path[i].dev > 31 || s->path[i].fn > 7)
			return dmar_fail(p, DMAR_E_SCOPE_DEVFN, type, pos);
	}
	s->type = t[DMAR_SCOPE_TYPE];
	s->enum_id = t[DMAR_SCOPE_ENUM_ID];
	s->start_bus = t[DMAR_SCOPE_START_BUS];
	s->path_len = (u8)n;
	s->segment = segment;
	s->offset = pos;
	s->status = -DMAR_E_RES_PENDING;
	info->nr_scopes++;
	return 0;
}

/* The scopes filling [pos, end) of a structure of the given type. */
static int dmar_parse_scopes(struct dmar_parser *p, u16 type, u32 pos, u32 end,
			     u16 segment)
{
	int err;

	while (pos < end) {
		u8 len;

		if (end - pos < 2)
			return dmar_fail(p, DMAR_E_SCOPE_TRUNCATED, type, pos);
		len = p->tbl[pos + DMAR_SCOPE_LENGTH];
		err = dmar_check_scope_len(p, type, pos, len, end - pos);
		if (!err)
			err = dmar_add_scope(p, type, pos, len, segment);
		if (err)
			return err;
		pos += len;
	}
	return 0;
}

/* 8.3: register sets are page aligned; each unit has its own; at most one
 * INCLUDE_PCI_ALL unit per segment (it claims every device left over). */
/* Does [base, base + size), size >= 1, lie below 2^haw without wrapping? */
static bool dmar_below_haw(const struct dmar_info *info, u64 base, u64 size)
{
	u64 last = base + size - 1;

	if (last < base)
		return false;
	return info->haw >= 64 || !(last >> info->haw);
}

static int dmar_check_unit(struct dmar_parser *p, u32 off, hpa_t base, u64 size,
			   u8 flags, u16 segment)
{
	const struct dmar_info *info = p->info;
	u32 i;

	if (!base)
		return dmar_fail(p, DMAR_E_REG_BASE_ZERO, DMAR_TYPE_DRHD, off);
	if (!IS_ALIGNED(base, PAGE_SIZE))
		return dmar_fail(p, DMAR_E_REG_BASE_UNALIGNED, DMAR_TYPE_DRHD,
				 off);
	if (!dmar_below_haw(info, base, size))
		return dmar_fail(p, DMAR_E_REG_BASE_HAW, DMAR_TYPE_DRHD, off);
	for (i = 0; i < info->nr_units; i++) {
		const struct dmar_unit *u = &info->units[i];

		if (u->reg_base == base)
			return dmar_fail(p, DMAR_E_UNIT_DUP, DMAR_TYPE_DRHD,
					 off);
		if (base < u->reg_base + u->reg_size &&
		    u->reg_base < base + size)
			return dmar_fail(p, DMAR_E_UNIT_OVERLAP, DMAR_TYPE_DRHD,
					 off);
		if (u->segment == segment &&
		    (u->flags & flags & DMAR_DRHD_INCLUDE_PCI_ALL))
			return dmar_fail(p, DMAR_E_INCLUDE_ALL_DUP,
					 DMAR_TYPE_DRHD, off);
	}
	return 0;
}

static int dmar_parse_drhd(struct dmar_parser *p, u32 off, u32 len)
{
	struct dmar_info *info = p->info;
	hpa_t base = dmar_u64(p, off + DMAR_DRHD_REG_BASE);
	u8 flags = p->tbl[off + DMAR_DRHD_FLAGS];
	u16 segment = dmar_u16(p, off + DMAR_DRHD_SEGMENT);
	u8 size = p->tbl[off + DMAR_DRHD_SIZE_FIELD];
	struct dmar_unit *u;
	int err;

	u64 bytes = (u64)PAGE_SIZE << FIELD_GET(DMAR_DRHD_SIZE_PAGES, size);

	if (info->nr_units == DMAR_MAX_UNITS)
		return dmar_fail(p, ENOSPC, DMAR_TYPE_DRHD, off);
	err = dmar_check_unit(p, off, base, bytes, flags, segment);
	if (err)
		return err;
	u = &info->units[info->nr_units];
	u->status = 0;
	u->reg_base = base;
	u->reg_size = bytes;
	u->segment = segment;
	u->flags = flags;
	u->offset = off;
	u->scope_first = (u16)info->nr_scopes;
	err = dmar_parse_scopes(p, DMAR_TYPE_DRHD, off + DMAR_DRHD_SCOPES,
				off + len, segment);
	if (err)
		return err;
	u->nr_scopes = (u16)(info->nr_scopes - u->scope_first);
	info->nr_units++;
	return 0;
}

/* 8.4: the region is [base, limit], whole pages. */
static int dmar_parse_rmrr(struct dmar_parser *p, u32 off, u32 len)
{
	struct dmar_info *info = p->info;
	hpa_t base = dmar_u64(p, off + DMAR_RMRR_BASE);
	hpa_t limit = dmar_u64(p, off + DMAR_RMRR_LIMIT);
	struct dmar_rmrr *r;
	int err;

	if (info->nr_rmrrs == DMAR_MAX_RMRRS)
		return dmar_fail(p, ENOSPC, DMAR_TYPE_RMRR, off);
	if (!IS_ALIGNED(base, PAGE_SIZE) || !IS_ALIGNED(limit + 1, PAGE_SIZE))
		return dmar_fail(p, DMAR_E_RMRR_UNALIGNED, DMAR_TYPE_RMRR, off);
	if (limit < base)
		return dmar_fail(p, DMAR_E_RMRR_RANGE, DMAR_TYPE_RMRR, off);
	/* limit + 1 == 0 passes the alignment check: it wraps. */
	if (limit + 1 == 0 || !dmar_below_haw(info, base, limit + 1 - base))
		return dmar_fail(p, DMAR_E_RMRR_HAW, DMAR_TYPE_RMRR, off);
	r = &info->rmrrs[info->nr_rmrrs];
	r->status = 0;
	r->base = base;
	r->limit = limit;
	r->segment = dmar_u16(p, off + DMAR_RMRR_SEGMENT);
	r->offset = off;
	r->scope_first = (u16)info->nr_scopes;
	err = dmar_parse_scopes(p, DMAR_TYPE_RMRR, off + DMAR_RMRR_SCOPES,
				off + len, r->segment);
	if (err)
		return err;
	r->nr_scopes = (u16)(info->nr_scopes - r->scope_first);
	info->nr_rmrrs++;
	return 0;
}

/* 8.5 ATSR and 8.8 SATC share a layout: flags, segment, scopes. The
 * flags and segment sit at the same offsets in both (checked below). */
_Static_assert(DMAR_ATSR_FLAGS == DMAR_SATC_FLAGS &&
		   DMAR_ATSR_SEGMENT == DMAR_SATC_SEGMENT &&
		   DMAR_ATSR_SCOPES == DMAR_SATC_SCOPES,
	       "ATSR and SATC layouts differ");

static int dmar_parse_flagged(struct dmar_parser *p, u16 type, u32 off, u32 len,
			      struct dmar_flagged_scopes *arr, u32 *nr, u32 max)
{
	struct dmar_flagged_scopes *a;
	int err;

	if (*nr == max)
		return dmar_fail(p, ENOSPC, type, off);
	a = &arr[*nr];
	a->flags = p->tbl[off + DMAR_ATSR_FLAGS];
	a->segment = dmar_u16(p, off + DMAR_ATSR_SEGMENT);
	a->offset = off;
	a->scope_first = (u16)p->info->nr_scopes;
	err = dmar_parse_scopes(p, type, off + DMAR_ATSR_SCOPES, off + len,
				a->segment);
	if (err)
		return err;
	a->nr_scopes = (u16)(p->info->nr_scopes - a->scope_first);
	(*nr)++;
	return 0;
}

/* 8.6: linked to its DRHD by dmar_link_rhsas() once all units are known. */
static int dmar_parse_rhsa(struct dmar_parser *p, u32 off)
{
	struct dmar_info *info = p->info;
	struct dmar_rhsa *r;

	if (info->nr_rhsas == DMAR_MAX_RHSAS)
		return dmar_fail(p, ENOSPC, DMAR_TYPE_RHSA, off);
	r = &info->rhsas[info->nr_rhsas++];
	r->reg_base = dmar_u64(p, off + DMAR_RHSA_REG_BASE);
	r->proximity = (u32)dmar_get(p->tbl + off + DMAR_RHSA_PROXIMITY, 4);
	r->unit = -1;
	r->offset = off;
	return 0;
}

/* 8.7: the name is "ASCII, null terminated", a full ACPI path such as
 * "\_SB.I2C0"; an empty path names nothing, so both an empty and an
 * unterminated name are errors (Linux refuses the latter too: "ANDD object
 * name is not NUL-terminated"). Device numbers must be unique. */
static int dmar_parse_andd(struct dmar_parser *p, u32 off, u32 len)
{
	struct dmar_info *info = p->info;
	const u8 *name = p->tbl + off + DMAR_ANDD_NAME;
	u32 i, j, n = len - DMAR_ANDD_NAME;
	struct dmar_andd *a;
	u8 dev = p->tbl[off + DMAR_ANDD_DEVICE_NUMBER];

	if (info->nr_andds == DMAR_MAX_ANDDS)
		return dmar_fail(p, ENOSPC, DMAR_TYPE_ANDD, off);
	if (n == 0 || name[0] == 0)
		return dmar_fail(p, DMAR_E_ANDD_NAME_EMPTY, DMAR_TYPE_ANDD,
				 off);
	for (i = 0; i < n && name[i]; i++)
		;
	if (i == n)
		return dmar_fail(p, DMAR_E_ANDD_NAME_UNTERMINATED,
				 DMAR_TYPE_ANDD, off);
	if (i >= DMAR_ANDD_NAME_MAX)
		return dmar_fail(p, ENOSPC, DMAR_TYPE_ANDD, off);
	for (j = 0; j < info->nr_andds; j++)
		if (info->andds[j].acpi_dev == dev)
			return dmar_fail(p, DMAR_E_ANDD_DUP, DMAR_TYPE_ANDD,
					 off);
	a = &info->andds[info->nr_andds++];
	a->acpi_dev = dev;
	a->offset = off;
	for (j = 0; j <= i; j++)
		a->name[j] = (char)name[j];
	return 0;
}

/* Fixed part of each known type; the rest of its Length is scopes (or
 * the ANDD name). Unknown types only need their 4-byte header. */
static u32 dmar_fixed_size(u16 type)
{
	static const u8 fixed[] = {
		[DMAR_TYPE_DRHD] = DMAR_DRHD_SCOPES,
		[DMAR_TYPE_RMRR] = DMAR_RMRR_SCOPES,
		[DMAR_TYPE_ATSR] = DMAR_ATSR_SCOPES,
		[DMAR_TYPE_RHSA] = DMAR_RHSA_SIZE,
		[DMAR_TYPE_ANDD] = DMAR_ANDD_NAME,
		[DMAR_TYPE_SATC] = DMAR_SATC_SCOPES,
	};

	return type < ARRAY_SIZE(fixed) ? fixed[type] : DMAR_ST_SIZE;
}

static int dmar_parse_struct(struct dmar_parser *p, u16 type, u32 off, u32 len)
{
	/* 8.2: unknown types are skipped by their Length, for forward
	 * compatibility. Known types must come in ascending type order. */
	if (type > DMAR_TYPE_SATC) {
		dmar_warn(p, DMAR_W_UNKNOWN_TYPE, type, off);
		return 0;
	}
	if ((int)type < p->last_type)
		dmar_warn(p, DMAR_W_TYPE_ORDER, type, off);
	p->last_type = type;
	switch (type) {
	case DMAR_TYPE_DRHD:
		return dmar_parse_drhd(p, off, len);
	case DMAR_TYPE_RMRR:
		return dmar_parse_rmrr(p, off, len);
	case DMAR_TYPE_ATSR:
		return dmar_parse_flagged(p, type, off, len, p->info->atsrs,
					  &p->info->nr_atsrs, DMAR_MAX_ATSRS);
	case DMAR_TYPE_RHSA:
		return dmar_parse_rhsa(p, off);
	case DMAR_TYPE_ANDD:
		return dmar_parse_andd(p, off, len);
	default:
		return dmar_parse_flagged(p, type, off, len, p->info->satcs,
					  &p->info->nr_satcs, DMAR_MAX_SATCS);
	}
}

static int dmar_walk(struct dmar_parser *p)
{
	u32 off = DMAR_HDR_SIZE;
	int err;

	while (off < p->len) {
		u32 left = p->len - off;
		u16 type, len;

		if (left < DMAR_ST_SIZE)
			return dmar_fail(p, DMAR_E_STRUCT_TRUNCATED,
					 DMAR_TYPE_NONE, off);
		type = dmar_u16(p, off + DMAR_ST_TYPE);
		len = dmar_u16(p, off + DMAR_ST_LENGTH);
		if (len == 0)
			return dmar_fail(p, DMAR_E_STRUCT_LEN_ZERO, type, off);
		if (len < dmar_fixed_size(type))
			return dmar_fail(p, DMAR_E_STRUCT_LEN_SHORT, type, off);
		if (len > left)
			return dmar_fail(p, DMAR_E_STRUCT_OVERRUN, type, off);
		err = dmar_parse_struct(p, type, off, len);
		if (err)
			return err;
		off += len;
	}
	return 0;
}

/* 8.3: "If a DRHD structure with INCLUDE_PCI_ALL flag Set is reported for
 * a Segment, it must be enumerated by BIOS after all other DRHD structures
 * for the same Segment." Only a warning here: dmar_unit_for_bdf() tries
 * explicit scopes before INCLUDE_PCI_ALL whatever the order, as Linux does
 * (it re-sorts such units to the end), so the order changes nothing. */
static void dmar_check_include_all_last(struct dmar_parser *p)
{
	const struct dmar_info *info = p->info;
	u32 i, j;

	for (i = 0; i < info->nr_units; i++) {
		if (!(info->units[i].flags & DMAR_DRHD_INCLUDE_PCI_ALL))
			continue;
		for (j = i + 1; j < info->nr_units; j++)
			if (info->units[j].segment == info->units[i].segment)
				break;
		if (j < info->nr_units)
			dmar_warn(p, DMAR_W_INCLUDE_ALL_NOT_LAST,
				  DMAR_TYPE_DRHD, info->units[i].offset);
	}
}

/* 8.6: an RHSA's base is "reported in the corresponding DRHD structure".
 * One naming no DRHD is a firmware bug that Linux warns about and ignores
 * ("Your BIOS is broken; RHSA refers to non-existent DMAR unit"): proximity
 * is a hint, so it is a warning here too, and the RHSA keeps unit -1. */
static void dmar_link_rhsas(struct dmar_parser *p)
{
	struct dmar_info *info = p->info;
	u32 i, u;

	for (i = 0; i < info->nr_rhsas; i++) {
		struct dmar_rhsa *r = &info->rhsas[i];

		for (u = 0; u < info->nr_units; u++)
			if (info->units[u].reg_base == r->reg_base)
				break;
		if (u == info->nr_units) {
			dmar_warn(p, DMAR_W_RHSA_NO_UNIT, DMAR_TYPE_RHSA,
				  r->offset);
			continue;
		}
		r->unit = (s16)u;
		info->units[u].has_proximity = true;
		info->units[u].proximity = r->proximity;
	}
}

int dmar_parse(const void *buf, size_t len, struct dmar_info *info)
{
	struct dmar_parser p = { .tbl = buf, .info = info, .last_type = -1 };
	int err;

	dmar_zero(info, sizeof(*info));
	info->err_type = DMAR_TYPE_NONE;
	err = dmar_parse_header(&p, len);
	if (!err)
		err = dmar_walk(&p);
	if (err)
		return err;
	/* 8.1: the table lists "one or more" DRHD structures. */
	if (!info->nr_units)
		return dmar_fail(&p, DMAR_E_NO_UNIT, DMAR_TYPE_NONE,
				 DMAR_HDR_SIZE);
	dmar_check_include_all_last(&p);
	dmar_link_rhsas(&p);
	return 0;
}
