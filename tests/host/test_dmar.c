/* The DMAR parser on the host, over the tables iasl compiles from
 * tests/tables/ into $VTD_TABLES: the good ones (a real QEMU 7.2 dump, a
 * client and a server platform) decode as their sources say; every
 * malformed one is its own test expecting its own error and offset; scopes
 * resolve through a fake PCI config space with a bridge.
 *
 * Tables signed "XMAR" are raw (see any of them): they are renamed "DMAR"
 * and re-checksummed on load. Every table is parsed from a heap buffer of
 * exactly its size, so ASan catches any read past the end. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "iommu/vtd/dmar.h"
#include "tests/host/fake_pci.h"
#include "tests/host/tables.h"
#include "lib/errno.h"

#define DEVFN(d, f) ((u8)((d) << 3 | (f)))

static struct dmar_info info;

static int parse_table(const char *name)
{
	size_t len;
	u8 *t = table_load(name, &len);
	int err = dmar_parse(t, len, &info);

	free(t);
	return err;
}

/* A malformed table: its file (or a good one to corrupt), how, and the
 * error and location dmar_parse() must report. */
struct bad_case {
	const char *name;
	const char *table; /* when not name */
	int err;
	u32 err_offset;
	u16 err_type;
	size_t len;    /* bytes to pass, when not the whole table */
	size_t cut;    /* bytes to drop from the end */
	u32 patch_off; /* patch[] lands here, then the checksum is fixed */
	u8 patch_len;
	u8 patch[4];
	u8 checksum_delta; /* added to the checksum after all that */
};

#define BAD(n, e, off, type, ...)                                         \
	{                                                                 \
		.name = n, .err = e, .err_offset = off, .err_type = type, \
		__VA_ARGS__                                               \
	}
#define NONE DMAR_TYPE_NONE
static const struct bad_case bad_cases[] = {
	BAD("bad_signature", -DMAR_E_SIGNATURE, 0, NONE),
	BAD("bad_header_short", -DMAR_E_TABLE_SHORT, 0, NONE),
	/* iasl always computes Length and the checksum itself, so these
	 * corrupt a good table here rather than in a .dsl. */
	BAD("bad_buffer_shorter_than_header", -DMAR_E_TABLE_SHORT, 0, NONE,
	    .table = "qemu_dmar", .len = 36),
	BAD("bad_length_below_header", -DMAR_E_TABLE_SHORT, DMAR_HDR_LENGTH,
	    NONE, .table = "qemu_dmar", .patch_off = DMAR_HDR_LENGTH,
	    .patch_len = 4, .patch = { 0x20 }),
	BAD("bad_length_past_buffer", -DMAR_E_TABLE_TRUNCATED, DMAR_HDR_LENGTH,
	    NONE, .table = "qemu_dmar", .cut = 1),
	BAD("bad_checksum", -DMAR_E_CHECKSUM, DMAR_HDR_CHECKSUM, NONE,
	    .table = "qemu_dmar", .checksum_delta = 1),
	BAD("bad_haw_low", -DMAR_E_HAW, DMAR_HDR_HAW, NONE),
	BAD("bad_haw_high", -DMAR_E_HAW, DMAR_HDR_HAW, NONE),
	BAD("bad_struct_truncated", -DMAR_E_STRUCT_TRUNCATED, 0x48, NONE),
	BAD("bad_struct_len_zero", -DMAR_E_STRUCT_LEN_ZERO, 0x48,
	    DMAR_TYPE_RMRR),
	BAD("bad_struct_len_short", -DMAR_E_STRUCT_LEN_SHORT, 0x30,
	    DMAR_TYPE_DRHD),
	BAD("bad_struct_overrun", -DMAR_E_STRUCT_OVERRUN, 0x48, DMAR_TYPE_RMRR),
	BAD("bad_scope_overrun", -DMAR_E_SCOPE_OVERRUN, 0x40, DMAR_TYPE_DRHD),
	BAD("bad_scope_odd_path", -DMAR_E_SCOPE_ODD_PATH, 0x40, DMAR_TYPE_DRHD),
	BAD("bad_scope_len_zero", -DMAR_E_SCOPE_LEN_ZERO, 0x40, DMAR_TYPE_DRHD),
	BAD("bad_scope_len_short", -DMAR_E_SCOPE_LEN_SHORT, 0x40,
	    DMAR_TYPE_DRHD),
	BAD("bad_scope_truncated", -DMAR_E_SCOPE_TRUNCATED, 0x48,
	    DMAR_TYPE_DRHD),
	BAD("bad_scope_devfn", -DMAR_E_SCOPE_DEVFN, 0x40, DMAR_TYPE_DRHD),
	BAD("bad_scope_path_deep", -ENOSPC, 0x40, DMAR_TYPE_DRHD),
	BAD("bad_no_unit", -DMAR_E_NO_UNIT, DMAR_HDR_SIZE, NONE),
	BAD("bad_unit_dup", -DMAR_E_UNIT_DUP, 0x48, DMAR_TYPE_DRHD),
	BAD("bad_reg_base_zero", -DMAR_E_REG_BASE_ZERO, 0x30, DMAR_TYPE_DRHD),
	BAD("bad_reg_base_unaligned", -DMAR_E_REG_BASE_UNALIGNED, 0x30,
	    DMAR_TYPE_DRHD),
	BAD("bad_include_all_dup", -DMAR_E_INCLUDE_ALL_DUP, 0x48,
	    DMAR_TYPE_DRHD),
	BAD("bad_rmrr_range", -DMAR_E_RMRR_RANGE, 0x48, DMAR_TYPE_RMRR),
	BAD("bad_rmrr_unaligned_base", -DMAR_E_RMRR_UNALIGNED, 0x48,
	    DMAR_TYPE_RMRR),
	BAD("bad_rmrr_unaligned_limit", -DMAR_E_RMRR_UNALIGNED, 0x48,
	    DMAR_TYPE_RMRR),
	BAD("bad_andd_name_empty", -DMAR_E_ANDD_NAME_EMPTY, 0x48,
	    DMAR_TYPE_ANDD),
	BAD("bad_andd_name_unterminated", -DMAR_E_ANDD_NAME_UNTERMINATED, 0x48,
	    DMAR_TYPE_ANDD),
	BAD("bad_andd_dup", -DMAR_E_ANDD_DUP, 0x5a, DMAR_TYPE_ANDD),
	BAD("bad_too_many_units", -ENOSPC, 0x1b0, DMAR_TYPE_DRHD),
	BAD("bad_reg_base_above_haw", -DMAR_E_REG_BASE_HAW, 0x30,
	    DMAR_TYPE_DRHD),
	/* iasl zeroes the DRHD Size byte: made 1 (2 pages) here. */
	BAD("bad_unit_overlap", -DMAR_E_UNIT_OVERLAP, 0x48, DMAR_TYPE_DRHD,
	    .patch_off = 0x30 + DMAR_DRHD_SIZE_FIELD, .patch_len = 1,
	    .patch = { 1 }),
	BAD("bad_rmrr_above_haw", -DMAR_E_RMRR_HAW, 0x48, DMAR_TYPE_RMRR),
	BAD("bad_rmrr_wraps", -DMAR_E_RMRR_HAW, 0x48, DMAR_TYPE_RMRR),
	BAD("bad_scope_ioapic_in_rmrr", -DMAR_E_SCOPE_NOT_ALLOWED, 0x60,
	    DMAR_TYPE_RMRR),
	BAD("bad_scope_endpoint_in_atsr", -DMAR_E_SCOPE_NOT_ALLOWED, 0x50,
	    DMAR_TYPE_ATSR),
};

static void run_bad_case(void **state)
{
	const struct bad_case *c = *state;
	size_t len;
	u8 *t = table_load(c->table ? c->table : c->name, &len);
	int err;

	if (c->patch_len) {
		assert_true(c->patch_off + c->patch_len <= len);
		memcpy(t + c->patch_off, c->patch, c->patch_len);
		table_fix_checksum(t, len);
	}
	t[DMAR_HDR_CHECKSUM] += c->checksum_delta;
	err = dmar_parse(t, c->len ? c->len : len - c->cut, &info);
	free(t);
	assert_int_equal(err, c->err);
	assert_int_equal(info.err_offset, c->err_offset);
	assert_int_equal(info.err_type, c->err_type);
	assert_string_not_equal(dmar_strerror(err),
				"unknown DMAR parser error");
}

/* Malformed but parseable: one warning, and what survives around it. */
struct warn_case {
	const char *name;
	u16 kind, type;
	u32 offset;
	void (*check)(void);
};

static void unknown_type_skipped(void)
{
	assert_int_equal(info.nr_units, 1);
	assert_int_equal(info.nr_rmrrs, 1); /* the one after it */
	assert_int_equal(info.rmrrs[0].offset, 0x54);
}

static void unknown_scope_skipped(void)
{
	assert_int_equal(info.units[0].nr_scopes, 1);
	assert_int_equal(info.scopes[0].type, DMAR_SCOPE_IOAPIC);
}

static void rhsa_left_unlinked(void)
{
	assert_int_equal(info.nr_rhsas, 1);
	assert_int_equal(info.rhsas[0].unit, -1);
	assert_false(info.units[0].has_proximity);
}

static void nothing_else(void)
{
}

static const struct warn_case warn_cases[] = {
	{ "bad_unknown_type", DMAR_W_UNKNOWN_TYPE, 0x80, 0x48,
	  unknown_type_skipped },
	{ "bad_unknown_scope", DMAR_W_UNKNOWN_SCOPE, 6, 0x40,
	  unknown_scope_skipped },
	{ "bad_rhsa_no_unit", DMAR_W_RHSA_NO_UNIT, DMAR_TYPE_RHSA, 0x48,
	  rhsa_left_unlinked },
	{ "bad_include_all_not_last", DMAR_W_INCLUDE_ALL_NOT_LAST,
	  DMAR_TYPE_DRHD, 0x30, nothing_else },
	{ "bad_type_order", DMAR_W_TYPE_ORDER, DMAR_TYPE_DRHD, 0x50,
	  nothing_else },
};

static void run_warn_case(void **state)
{
	const struct warn_case *c = *state;

	assert_int_equal(parse_table(c->name), 0);
	assert_int_equal(info.nr_warnings, 1);
	assert_int_equal(info.warnings[0].kind, c->kind);
	assert_int_equal(info.warnings[0].type, c->type);
	assert_int_equal(info.warnings[0].offset, c->offset);
	assert_string_not_equal(dmar_warning_str(c->kind), "unknown warning");
	c->check();
}

static const struct dmar_scope *scope_of(u16 first, u16 i)
{
	return &info.scopes[first + i];
}

static void assert_scope(const struct dmar_scope *s, u8 type, u8 enum_id,
			 u8 bus, u8 dev, u8 fn)
{
	assert_int_equal(s->type, type);
	assert_int_equal(s->enum_id, enum_id);
	assert_int_equal(s->start_bus, bus);
	assert_int_equal(s->path_len, 1);
	assert_int_equal(s->path[0].dev, dev);
	assert_int_equal(s->path[0].fn, fn);
	assert_int_equal(s->status, -DMAR_E_RES_PENDING);
}

/* The real table: one DRHD, not INCLUDE_PCI_ALL, every root-bus function
 * named, the IOAPIC on QEMU's pseudo bus 0xff. */
static void qemu_dmar_lists_every_root_bus_function(void **state)
{
	static const u8 devfns[] = { DEVFN(0, 0),    DEVFN(1, 0),
				     DEVFN(2, 0),    DEVFN(0x1f, 0),
				     DEVFN(0x1f, 2), DEVFN(0x1f, 3) };
	const struct dmar_unit *u = &info.units[0];

	assert_int_equal(parse_table("qemu_dmar"), 0);
	assert_int_equal(info.haw, 39);
	assert_int_equal(info.flags, DMAR_FLAG_INTR_REMAP);
	assert_string_equal(info.oem_id, "BOCHS ");
	assert_string_equal(info.oem_table_id, "BXPC    ");
	assert_int_equal(info.nr_units, 1);
	assert_int_equal(u->reg_base, 0xfed90000);
	assert_int_equal(u->reg_size, 4096);
	assert_int_equal(u->flags, 0);
	assert_int_equal(u->nr_scopes, 7);
	assert_scope(scope_of(u->scope_first, 0), DMAR_SCOPE_IOAPIC, 0, 0xff, 0,
		     0);
	for (unsigned i = 0; i < ARRAY_SIZE(devfns); i++)
		assert_scope(scope_of(u->scope_first, i + 1),
			     DMAR_SCOPE_PCI_ENDPOINT, 0, 0, devfns[i] >> 3,
			     devfns[i] & 7);
	assert_int_equal(info.nr_rmrrs + info.nr_atsrs + info.nr_rhsas, 0);
	assert_int_equal(info.nr_warnings, 0);
}

static const struct fake_fn qemu_ats_pci[] = {
	{ 0, 0, 0x1c, 0, 1, 1, 1 }, /* pcie-root-port, bus 1 below */
	{ 0, 1, 0, 0, 0, 0, 0 },    /* edu behind it */
	{ 0, 0, 6, 0, 0, 0, 0 },    /* edu on the root bus */
};

/* device-iotlb=on: an ATSR for all ports; the edu behind the root port is
 * served through the port's sub-hierarchy scope, and nothing the table
 * does not list is served at all (QEMU has no INCLUDE_PCI_ALL unit). */
static void qemu_dmar_ats_serves_devices_behind_root_port(void **state)
{
	struct fake_pci pci = { qemu_ats_pci, ARRAY_SIZE(qemu_ats_pci) };
	const struct dmar_unit *u = &info.units[0];

	assert_int_equal(parse_table("qemu_dmar_ats"), 0);
	assert_int_equal(info.nr_atsrs, 1);
	assert_int_equal(info.atsrs[0].flags, DMAR_ATSR_ALL_PORTS);
	assert_int_equal(info.atsrs[0].nr_scopes, 0);
	assert_int_equal(u->nr_scopes, 9);
	assert_int_equal(dmar_resolve(&info, fake_cfg_read, &pci), 0);
	assert_int_equal(scope_of(u->scope_first, 5)->type,
			 DMAR_SCOPE_PCI_SUBHIERARCHY);
	assert_int_equal(scope_of(u->scope_first, 5)->sec_bus, 1);
	assert_int_equal(scope_of(u->scope_first, 5)->sub_bus, 1);
	assert_ptr_equal(dmar_unit_for_bdf(&info, 0, 1, DEVFN(0, 0)), u);
	assert_ptr_equal(dmar_unit_for_bdf(&info, 0, 0, DEVFN(6, 0)), u);
	assert_ptr_equal(dmar_unit_for_bdf(&info, 0, 0, DEVFN(0x1c, 0)), u);
	assert_null(dmar_unit_for_bdf(&info, 0, 0, DEVFN(3, 0)));
	assert_null(dmar_unit_for_bdf(&info, 0, 2, DEVFN(0, 0)));
}

static void client_dmar_decodes_every_structure(void **state)
{
	const struct dmar_unit *gfx = &info.units[0], *all = &info.units[1];

	assert_int_equal(parse_table("client_dmar"), 0);
	assert_int_equal(info.flags, DMAR_FLAG_INTR_REMAP |
					 DMAR_FLAG_DMA_CTRL_PLATFORM_OPT_IN);
	assert_int_equal(info.nr_units, 2);
	assert_int_equal(gfx->reg_base, 0xfed90000);
	assert_int_equal(gfx->flags, 0);
	assert_int_equal(gfx->nr_scopes, 1);
	assert_scope(scope_of(gfx->scope_first, 0), DMAR_SCOPE_PCI_ENDPOINT, 0,
		     0, 2, 0);
	assert_int_equal(all->reg_base, 0xfed91000);
	assert_int_equal(all->flags, DMAR_DRHD_INCLUDE_PCI_ALL);
	assert_int_equal(all->nr_scopes, 3);
	assert_scope(scope_of(all->scope_first, 0), DMAR_SCOPE_IOAPIC, 2, 0xf0,
		     0x1f, 0);
	assert_scope(scope_of(all->scope_first, 1), DMAR_SCOPE_HPET, 0, 0, 0x1f,
		     0);
	assert_scope(scope_of(all->scope_first, 2), DMAR_SCOPE_ACPI_NAMESPACE,
		     1, 0, 0x15, 0);
	assert_int_equal(info.nr_rmrrs, 2);
	assert_int_equal(info.rmrrs[0].base, 0x3e2e0000);
	assert_int_equal(info.rmrrs[0].limit, 0x3e2fffff);
	assert_int_equal(info.rmrrs[0].nr_scopes, 3);
	assert_int_equal(scope_of(info.rmrrs[0].scope_first, 2)->path_len, 2);
	assert_int_equal(info.rmrrs[1].nr_scopes, 1);
	assert_int_equal(info.nr_atsrs, 1);
	assert_int_equal(info.atsrs[0].flags, 0);
	assert_int_equal(scope_of(info.atsrs[0].scope_first, 0)->type,
			 DMAR_SCOPE_PCI_SUBHIERARCHY);
	assert_int_equal(info.rhsas[0].unit, 1);
	assert_true(all->has_proximity && !gfx->has_proximity);
	assert_int_equal(info.nr_andds, 1);
	assert_int_equal(info.andds[0].acpi_dev, 1);
	assert_string_equal(info.andds[0].name, "\\_SB.PC00.I2C0");
	assert_int_equal(info.nr_warnings, 0);
}

static const struct fake_fn client_pci[] = {
	{ 0, 0, 0x1c, 0, 1, 2, 3 }, /* root port: buses 2-3 below */
	{ 0, 2, 0, 0, 0, 0, 0 },    /* the discrete xHCI behind it */
};

/* Graphics to its own unit, everything else to INCLUDE_PCI_ALL, and the
 * RMRR's two-hop path through the root port's secondary bus. */
static void client_dmar_resolves_through_bridge(void **state)
{
	struct fake_pci pci = { client_pci, ARRAY_SIZE(client_pci) };
	const struct dmar_scope *xhci, *port;

	assert_int_equal(parse_table("client_dmar"), 0);
	assert_int_equal(dmar_resolve(&info, fake_cfg_read, &pci), 0);
	xhci = scope_of(info.rmrrs[0].scope_first, 2);
	assert_int_equal(xhci->bus, 2);
	assert_int_equal(xhci->devfn, DEVFN(0, 0));
	port = scope_of(info.atsrs[0].scope_first, 0);
	assert_int_equal(port->devfn, DEVFN(0x1c, 0));
	assert_int_equal(port->sec_bus, 2);
	assert_int_equal(port->sub_bus, 3);
	assert_ptr_equal(dmar_unit_for_bdf(&info, 0, 0, DEVFN(2, 0)),
			 &info.units[0]);
	assert_ptr_equal(dmar_unit_for_bdf(&info, 0, 0, DEVFN(0x14, 0)),
			 &info.units[1]);
	assert_ptr_equal(dmar_unit_for_bdf(&info, 0, 2, DEVFN(0, 0)),
			 &info.units[1]);
	assert_null(dmar_unit_for_bdf(&info, 1, 0, DEVFN(2, 0)));
}

static void expect_bridge_failure(const struct fake_fn *fns, size_t nr,
				  int status)
{
	struct fake_pci pci = { fns, nr };

	assert_int_equal(parse_table("client_dmar"), 0);
	/* the RMRR's two-hop path and the ATSR's sub-hierarchy fail; the
	 * one-hop scopes need no config space and resolve */
	assert_int_equal(dmar_resolve(&info, fake_cfg_read, &pci), 2);
	assert_int_equal(scope_of(info.rmrrs[0].scope_first, 2)->status,
			 status);
	assert_int_equal(scope_of(info.atsrs[0].scope_first, 0)->status,
			 status);
	assert_int_equal(scope_of(info.rmrrs[0].scope_first, 0)->status, 0);
	assert_string_not_equal(dmar_strerror(status),
				"unknown DMAR parser error");
}

static void scope_through_absent_bridge_is_unresolved(void **state)
{
	expect_bridge_failure(NULL, 0, -DMAR_E_RES_NO_DEVICE);
}

static void scope_through_endpoint_is_unresolved(void **state)
{
	static const struct fake_fn pci[] = { { 0, 0, 0x1c, 0, 0, 0, 0 } };

	expect_bridge_failure(pci, ARRAY_SIZE(pci), -DMAR_E_RES_NOT_BRIDGE);
}

static void scope_through_unnumbered_bridge_is_unresolved(void **state)
{
	static const struct fake_fn pci[] = { { 0, 0, 0x1c, 0, 1, 0, 0 } };

	expect_bridge_failure(pci, ARRAY_SIZE(pci), -DMAR_E_RES_BUS_RANGE);
}

static void server_dmar_decodes_satc_and_two_segments(void **state)
{
	assert_int_equal(parse_table("server_dmar"), 0);
	assert_int_equal(info.haw, 52);
	assert_int_equal(info.flags,
			 DMAR_FLAG_INTR_REMAP | DMAR_FLAG_X2APIC_OPT_OUT);
	assert_int_equal(info.nr_units, 3);
	assert_int_equal(info.units[2].segment, 1);
	assert_int_equal(info.units[2].reg_size, 16384);
	assert_int_equal(info.units[2].proximity, 1);
	assert_int_equal(info.nr_rmrrs, 1);
	assert_int_equal(info.nr_atsrs, 1);
	assert_int_equal(info.atsrs[0].segment, 1);
	assert_int_equal(info.atsrs[0].flags, DMAR_ATSR_ALL_PORTS);
	assert_int_equal(info.nr_rhsas, 3);
	assert_int_equal(info.nr_satcs, 1);
	assert_int_equal(info.satcs[0].flags, DMAR_SATC_ATC_REQUIRED);
	assert_int_equal(info.satcs[0].nr_scopes, 1);
	assert_int_equal(info.nr_warnings, 0);
}

static const struct fake_fn server_pci[] = {
	{ 0, 0, 1, 0, 1, 1, 5 }, /* root port: buses 1-5 */
};

static void include_all_unit_is_per_segment(void **state)
{
	struct fake_pci pci = { server_pci, ARRAY_SIZE(server_pci) };

	assert_int_equal(parse_table("server_dmar"), 0);
	assert_int_equal(dmar_resolve(&info, fake_cfg_read, &pci), 0);
	assert_ptr_equal(dmar_unit_for_bdf(&info, 0, 0, DEVFN(4, 0)),
			 &info.units[0]);
	assert_ptr_equal(dmar_unit_for_bdf(&info, 0, 3, DEVFN(0, 0)),
			 &info.units[0]);
	assert_ptr_equal(dmar_unit_for_bdf(&info, 0, 6, DEVFN(0, 0)),
			 &info.units[1]);
	assert_ptr_equal(dmar_unit_for_bdf(&info, 1, 0x80, DEVFN(0, 0)),
			 &info.units[2]);
	assert_null(dmar_unit_for_bdf(&info, 2, 0, DEVFN(0, 0)));
}

/* Built by hand: unit 0 holds a switch's hierarchy (buses 1-10), unit 1
 * one port below it (buses 4-5) and an endpoint on bus 2. */
static void narrowest_scope_wins(void **state)
{
	static struct dmar_info hand;
	struct dmar_scope *s = hand.scopes;

	hand.nr_units = 2;
	hand.units[0] = (struct dmar_unit){ .scope_first = 0, .nr_scopes = 1 };
	hand.units[1] = (struct dmar_unit){ .scope_first = 1, .nr_scopes = 2 };
	s[0] = (struct dmar_scope){ .type = DMAR_SCOPE_PCI_SUBHIERARCHY,
				    .sec_bus = 1,
				    .sub_bus = 10 };
	s[1] = (struct dmar_scope){ .type = DMAR_SCOPE_PCI_SUBHIERARCHY,
				    .bus = 3,
				    .sec_bus = 4,
				    .sub_bus = 5 };
	s[2] = (struct dmar_scope){ .type = DMAR_SCOPE_PCI_ENDPOINT,
				    .bus = 2,
				    .devfn = DEVFN(1, 0) };
	assert_ptr_equal(dmar_unit_for_bdf(&hand, 0, 4, 0), &hand.units[1]);
	assert_ptr_equal(dmar_unit_for_bdf(&hand, 0, 6, 0), &hand.units[0]);
	assert_ptr_equal(dmar_unit_for_bdf(&hand, 0, 2, DEVFN(1, 0)),
			 &hand.units[1]);
	assert_ptr_equal(dmar_unit_for_bdf(&hand, 0, 2, DEVFN(2, 0)),
			 &hand.units[0]);
	s[1].status = -DMAR_E_RES_NO_DEVICE; /* unresolved scopes serve none */
	assert_ptr_equal(dmar_unit_for_bdf(&hand, 0, 4, 0), &hand.units[0]);
}

/* Every prefix of a good table, as its own exact-size buffer (ASan):
 * an error each time, never a read past the end. And with Length and the
 * checksum made to agree with the prefix, the walk itself must stop at the
 * cut with an error or, at a structure boundary, succeed. */
static void every_truncation_is_an_error(void **state)
{
	static const char *const names[] = { "client_dmar", "server_dmar" };

	for (unsigned n = 0; n < ARRAY_SIZE(names); n++) {
		size_t len;
		u8 *t = table_load(names[n], &len);

		for (size_t cut = 0; cut < len; cut++) {
			u8 *p = malloc(cut ? cut : 1);

			memcpy(p, t, cut);
			assert_true(dmar_parse(p, cut, &info) < 0);
			if (cut >= DMAR_HDR_SIZE) {
				p[DMAR_HDR_LENGTH] = (u8)cut;
				p[DMAR_HDR_LENGTH + 1] = (u8)(cut >> 8);
				table_fix_checksum(p, cut);
				int err = dmar_parse(p, cut, &info);

				assert_true(err <= 0);
				assert_true(!err || info.err_offset <= cut);
			}
			free(p);
		}
		free(t);
	}
}

static void every_error_has_its_own_message(void **state)
{
	for (int e = DMAR_E_FIRST; e < DMAR_E_LAST; e++) {
		const char *m = dmar_strerror(-e);

		assert_string_not_equal(m, "unknown DMAR parser error");
		assert_string_equal(m, dmar_strerror(e));
		for (int o = DMAR_E_FIRST; o < e; o++)
			assert_string_not_equal(m, dmar_strerror(-o));
	}
	assert_string_not_equal(dmar_strerror(-ENOSPC),
				"unknown DMAR parser error");
	assert_string_equal(dmar_strerror(-DMAR_E_LAST),
			    "unknown DMAR parser error");
	assert_string_equal(dmar_strerror(-EINVAL),
			    "unknown DMAR parser error");
	for (unsigned w = 1; w < DMAR_W_LAST; w++)
		assert_string_not_equal(dmar_warning_str(w), "unknown warning");
	assert_string_equal(dmar_warning_str(0), "unknown warning");
	assert_string_equal(dmar_type_name(DMAR_TYPE_SATC), "SATC");
	assert_string_equal(dmar_type_name(6), "reserved");
	assert_string_equal(dmar_scope_type_name(DMAR_SCOPE_HPET),
			    "MSI-capable HPET");
	assert_string_equal(dmar_scope_type_name(0), "reserved");
}

static bool has_case(const char *name)
{
	for (unsigned i = 0; i < ARRAY_SIZE(bad_cases); i++)
		if (!strcmp(bad_cases[i].name, name))
			return true;
	for (unsigned i = 0; i < ARRAY_SIZE(warn_cases); i++)
		if (!strcmp(warn_cases[i].name, name))
			return true;
	return false;
}

/* A bad_*.dsl added without its test would otherwise go unnoticed. */
static void every_bad_table_has_a_test(void **state)
{
	DIR *d = opendir(getenv("VTD_TABLES") ? getenv("VTD_TABLES") : ".");
	struct dirent *e;
	unsigned seen = 0;

	assert_non_null(d);
	while ((e = readdir(d))) {
		char name[256];
		size_t n = strlen(e->d_name);

		if (strncmp(e->d_name, "bad_", 4) || n < 5 || n > 255 ||
		    strcmp(e->d_name + n - 4, ".aml"))
			continue;
		memcpy(name, e->d_name, n - 4);
		name[n - 4] = 0;
		if (!has_case(name))
			fail_msg("%s has no test case", e->d_name);
		seen++;
	}
	closedir(d);
	assert_true(seen >= 20);
}

static const struct CMUnitTest fixed_tests[] = {
	cmocka_unit_test(qemu_dmar_lists_every_root_bus_function),
	cmocka_unit_test(qemu_dmar_ats_serves_devices_behind_root_port),
	cmocka_unit_test(client_dmar_decodes_every_structure),
	cmocka_unit_test(client_dmar_resolves_through_bridge),
	cmocka_unit_test(scope_through_absent_bridge_is_unresolved),
	cmocka_unit_test(scope_through_endpoint_is_unresolved),
	cmocka_unit_test(scope_through_unnumbered_bridge_is_unresolved),
	cmocka_unit_test(server_dmar_decodes_satc_and_two_segments),
	cmocka_unit_test(include_all_unit_is_per_segment),
	cmocka_unit_test(narrowest_scope_wins),
	cmocka_unit_test(every_truncation_is_an_error),
	cmocka_unit_test(every_error_has_its_own_message),
	cmocka_unit_test(every_bad_table_has_a_test),
};

int main(void)
{
	static struct CMUnitTest tests[ARRAY_SIZE(fixed_tests) +
				       ARRAY_SIZE(bad_cases) +
				       ARRAY_SIZE(warn_cases)];
	size_t n = 0;

	for (size_t i = 0; i < ARRAY_SIZE(fixed_tests); i++)
		tests[n++] = fixed_tests[i];
	/* one named test per malformed table, so TAP names each */
	for (size_t i = 0; i < ARRAY_SIZE(bad_cases); i++)
		tests[n++] = (struct CMUnitTest){
			.name = bad_cases[i].name,
			.test_func = run_bad_case,
			.initial_state = (void *)&bad_cases[i],
		};
	for (size_t i = 0; i < ARRAY_SIZE(warn_cases); i++)
		tests[n++] = (struct CMUnitTest){
			.name = warn_cases[i].name,
			.test_func = run_warn_case,
			.initial_state = (void *)&warn_cases[i],
		};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
