/* Domains and coherency on the host: two remapping units as a client
 * platform has them (graphics without snoop control, the rest with it),
 * context entries and invalidations recorded by tests/host/fake_hw.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "arch/x86/mm.h"
#include "iommu/vtd/context.h"
#include "arch/x86/pci.h"
#include "iommu/vtd/domain.h"
#include "lib/errno.h"
#include "tests/host/fake_hw.h"
#include "tests/host/tables.h"

/* CAP: SAGAW 39-bit, ND 6 (65536 ids), SLLPS 2M+1G, PSI, MAMV 18, NFR 0.
 * ECAP: QI, PT; SC and C per unit. */
#define CAP_BASE  0x00d2008c22260206ULL
#define ECAP_BASE 0x0000000000f00f42ULL

static struct vtd_unit gfx, rest;

#define GFX_DEVFN PCI_DEVFN(2, 0)
#define USB_DEVFN PCI_DEVFN(0x14, 0)
#define NIC_DEVFN PCI_DEVFN(0x1f, 6)

static void unit_init(struct vtd_unit *u, bool sc, bool cm)
{
	memset(u, 0, sizeof(*u));
	u->cap = CAP_BASE | (cm ? VTD_CAP_CM : 0);
	u->ecap = ECAP_BASE | (sc ? VTD_ECAP_SC | VTD_ECAP_C : 0);
	u->root = page_alloc();
}

static void unit_fini(struct vtd_unit *u)
{
	for (unsigned b = 0; b < 256; b++)
		page_free(u->ctx[b]);
	page_free(u->root);
}

static int setup(void **state)
{
	memset(&fake_hw, 0, sizeof(fake_hw));
	unit_init(&gfx, false, false);
	unit_init(&rest, true, false);
	return 0;
}

static int teardown(void **state)
{
	unit_fini(&gfx);
	unit_fini(&rest);
	assert_int_equal(fake_hw.pages, 0); /* nothing leaked */
	return 0;
}

static void context_entry_names_domain_and_table(void **state)
{
	struct vtd_domain d;

	assert_int_equal(vtd_domain_init(&d, &rest, 39), 0);
	assert_int_equal(vtd_domain_attach(&d, &rest, 0, USB_DEVFN), 0);
	struct vtd_entry128 *e = vtd_ctx_entry(&rest, 0, USB_DEVFN);
	assert_true(e->lo & VTD_CTX_LO_P);
	assert_int_equal(FIELD_GET(VTD_CTX_LO_TT, e->lo), VTD_TT_MULTI_LEVEL);
	assert_int_equal(e->lo & VTD_CTX_LO_SLPTPTR, d.pt.root_pa);
	assert_int_equal(FIELD_GET(VTD_CTX_HI_DID, e->hi), d.did);
	assert_int_equal(FIELD_GET(VTD_CTX_HI_AW, e->hi), 1);
	assert_true(rest.root[0].lo & VTD_ROOT_P);
	/* 6.1: not present -> present without CM needs only the write
	 * buffer flushed (test_context.c has the rest). */
	assert_int_equal(rest.stats.cc_inv, 0);
	assert_int_equal(rest.stats.iotlb_inv, 0);
	assert_int_equal(fake_count(FAKE_WBF, &rest), 1);
	vtd_domain_destroy(&d);
	assert_false(e->lo & VTD_CTX_LO_P);
}

static void domain_id_zero_is_never_used(void **state)
{
	struct vtd_domain d[3];

	for (int i = 0; i < 3; i++) {
		assert_int_equal(vtd_domain_init(&d[i], &rest, 39), 0);
		assert_int_not_equal(d[i].did, 0);
	}
	assert_int_not_equal(d[0].did, d[1].did);
	for (int i = 0; i < 3; i++)
		vtd_domain_destroy(&d[i]);
}

static void domain_over_sc_unit_enforces(void **state)
{
	struct vtd_domain d;

	assert_int_equal(vtd_domain_init(&d, &rest, 39), 0);
	assert_int_equal(vtd_domain_attach(&d, &rest, 0, USB_DEVFN), 0);
	assert_int_equal(vtd_domain_enforce_coherency(&d), 0);
	assert_true(vtd_domain_enforces_snoop(&d));
	vtd_domain_destroy(&d);
}

static void attach_behind_unit_without_sc_refused(void **state)
{
	struct vtd_domain d;

	assert_int_equal(vtd_domain_init(&d, &rest, 39), 0);
	assert_int_equal(vtd_domain_attach(&d, &rest, 0, USB_DEVFN), 0);
	assert_int_equal(vtd_domain_enforce_coherency(&d), 0);
	assert_int_equal(vtd_domain_attach(&d, &gfx, 0, GFX_DEVFN),
			 -EOPNOTSUPP);
	assert_int_equal(d.nr_devs, 1);
	assert_int_equal(d.nr_units, 1);
	assert_null(gfx.ctx[0]); /* nothing was written for the device */
	vtd_domain_destroy(&d);
}

static void enforcement_refused_when_any_unit_lacks_sc(void **state)
{
	struct vtd_domain d;
	struct pt_walk w;

	assert_int_equal(vtd_domain_init(&d, &rest, 39), 0);
	assert_int_equal(vtd_domain_attach(&d, &rest, 0, USB_DEVFN), 0);
	assert_int_equal(vtd_domain_attach(&d, &gfx, 0, GFX_DEVFN), 0);
	void *page = page_alloc();
	assert_int_equal(vtd_domain_map(&d, 0x1000, virt_to_phys(page),
					PAGE_SIZE, PT_READ | PT_WRITE),
			 0);
	assert_int_equal(vtd_domain_enforce_coherency(&d), -EOPNOTSUPP);
	assert_false(vtd_domain_enforces_snoop(&d));
	assert_int_equal(pt_lookup(&d.pt, 0x1000, &w), 0);
	assert_false(w.pte & BIT_ULL(11));
	assert_int_equal(fake_hw.wbinvd, 0);
	vtd_domain_destroy(&d);
	page_free(page);
}

/* Coherency is a property of each domain, not of the platform. */
static void coherency_is_decided_per_domain(void **state)
{
	struct vtd_domain a, b;

	assert_int_equal(vtd_domain_init(&a, &rest, 39), 0);
	assert_int_equal(vtd_domain_init(&b, &gfx, 39), 0);
	assert_int_equal(vtd_domain_attach(&a, &rest, 0, NIC_DEVFN), 0);
	assert_int_equal(vtd_domain_attach(&b, &gfx, 0, GFX_DEVFN), 0);
	assert_int_equal(vtd_domain_enforce_coherency(&a), 0);
	assert_int_equal(vtd_domain_enforce_coherency(&b), -EOPNOTSUPP);
	assert_true(vtd_domain_enforces_snoop(&a));
	assert_false(vtd_domain_enforces_snoop(&b));
	vtd_domain_destroy(&a);
	vtd_domain_destroy(&b);
}

/* Upgrade in place: every existing leaf gets SNP, one domain-selective
 * IOTLB invalidation per unit, then WBINVD; later maps carry SNP too. */
static void upgrade_in_place_then_wbinvd(void **state)
{
	struct vtd_domain d;
	struct pt_walk w;
	u8 *pages = aligned_alloc(SZ_2M, 2 * SZ_2M);

	assert_int_equal(vtd_domain_init(&d, &rest, 39), 0);
	assert_int_equal(vtd_domain_attach(&d, &rest, 0, USB_DEVFN), 0);
	assert_int_equal(vtd_domain_map(&d, SZ_2M, virt_to_phys(pages), SZ_2M,
					PT_READ | PT_WRITE),
			 0);
	assert_int_equal(vtd_domain_map(&d, 0x1000, virt_to_phys(pages + SZ_2M),
					2 * PAGE_SIZE, PT_READ),
			 0);
	u64 inv = rest.stats.iotlb_inv;
	assert_int_equal(vtd_domain_enforce_coherency(&d), 3);
	assert_int_equal(rest.stats.iotlb_inv, inv + 1);
	assert_int_equal(fake_hw.last_iotlb_gran, VTD_GRAN_DOMAIN);
	assert_int_equal(fake_hw.wbinvd, 1);
	assert_true(cpumask_equal(fake_hw.wbinvd_mask,
				  cpumask_first_n(2))); /* every online CPU */
	for (iova_t a = 0x1000; a <= SZ_2M; a += SZ_2M - 0x1000) {
		assert_int_equal(pt_lookup(&d.pt, a, &w), 0);
		assert_true(w.pte & BIT_ULL(11));
	}
	assert_int_equal(vtd_domain_map(&d, 0x10000, virt_to_phys(pages),
					PAGE_SIZE, PT_READ),
			 0);
	assert_int_equal(pt_lookup(&d.pt, 0x10000, &w), 0);
	assert_true(w.pte & BIT_ULL(11));
	assert_int_equal(vtd_domain_enforce_coherency(&d), 0); /* one-way */
	assert_int_equal(fake_hw.wbinvd, 1);
	vtd_domain_destroy(&d);
	free(pages);
}

/* Detaching the last device behind a unit forgets the unit: a domain
 * left only on SC units may then enforce. */
static void detach_forgets_unit(void **state)
{
	struct vtd_domain d;

	assert_int_equal(vtd_domain_init(&d, &rest, 39), 0);
	assert_int_equal(vtd_domain_attach(&d, &gfx, 0, GFX_DEVFN), 0);
	assert_int_equal(vtd_domain_attach(&d, &rest, 0, USB_DEVFN), 0);
	assert_int_equal(vtd_domain_enforce_coherency(&d), -EOPNOTSUPP);
	assert_int_equal(vtd_domain_detach(&d, &gfx, 0, GFX_DEVFN), 0);
	assert_false(vtd_ctx_entry(&gfx, 0, GFX_DEVFN)->lo & VTD_CTX_LO_P);
	assert_int_equal(d.nr_units, 1);
	assert_int_equal(vtd_domain_enforce_coherency(&d), 0);
	assert_int_equal(vtd_domain_detach(&d, &gfx, 0, GFX_DEVFN), -ENOENT);
	vtd_domain_destroy(&d);
}

/* Without caching mode a map needs no IOTLB invalidation; with it, one.
 * An unmap always needs exactly one. */
static void invalidations_per_call_follow_caching_mode(void **state)
{
	struct vtd_domain d;
	void *page = page_alloc();

	for (int cm = 0; cm <= 1; cm++) {
		unit_fini(&rest);
		unit_init(&rest, true, cm);
		assert_int_equal(vtd_domain_init(&d, &rest, 39), 0);
		assert_int_equal(vtd_domain_attach(&d, &rest, 0, USB_DEVFN), 0);
		u64 i0 = rest.stats.iotlb_inv;
		assert_int_equal(vtd_domain_map(&d, 0x5000, virt_to_phys(page),
						PAGE_SIZE, PT_READ),
				 0);
		assert_int_equal(rest.stats.iotlb_inv - i0, cm);
		assert_int_equal(vtd_domain_unmap(&d, 0x5000, PAGE_SIZE), 0);
		assert_int_equal(rest.stats.iotlb_inv - i0, cm + 1);
		assert_int_equal(fake_hw.last_iotlb_gran, VTD_GRAN_PAGE);
		vtd_domain_destroy(&d);
	}
	page_free(page);
}

/* The client platform of tests/tables/client_dmar.dsl: a graphics unit
 * (00:02.0) without snoop control, an INCLUDE_PCI_ALL unit with it, RMRRs
 * for USB (00:14.0, 00:1a.0, and 01:00.0 behind root port 00:1c.0) and for
 * graphics. Units are matched to the table by register base. */
static struct dmar_info client;

/* Config space of that platform: the functions the table names, and the
 * root port 00:1c.0 forwarding to bus 1. */
static u32 client_cfg(void *ctx, u16 seg, u8 bus, u8 dev, u8 fn, u16 off)
{
	bool bridge = bus == 0 && dev == 0x1c && fn == 0;
	bool present = bridge || (bus == 1 && dev == 0 && fn == 0) ||
		       (bus == 0 && fn == 0 &&
			(dev == 2 || dev == 0x14 || dev == 0x1a ||
			 dev == 0x1f));

	if (seg || !present)
		return 0xffffffff;
	if (off == 0x0c)
		return bridge ? 1u << 16 : 0; /* header type at 0x0e */
	if (off == 0x18)
		return bridge ? 1u << 16 | 1u << 8 : 0; /* sub 1, sec 1 */
	return 0x12348086;
}

static struct vtd_unit *client_unit(u16 seg, u8 bus, u8 devfn)
{
	const struct dmar_unit *d = dmar_unit_for_bdf(&client, seg, bus, devfn);

	assert_non_null(d);
	return d->reg_base == 0xfed90000 ? &gfx : &rest;
}

static int client_setup(void **state)
{
	size_t len;
	u8 *t = table_load("client_dmar", &len);

	assert_int_equal(dmar_parse(t, len, &client), 0);
	free(t);
	assert_int_equal(dmar_resolve(&client, client_cfg, NULL), 0);
	return setup(state);
}

static void client_units_resolve_devices(void **state)
{
	assert_ptr_equal(client_unit(0, 0, GFX_DEVFN), &gfx);
	assert_ptr_equal(client_unit(0, 0, USB_DEVFN), &rest);
	assert_ptr_equal(client_unit(0, 1, 0), &rest); /* behind 00:1c.0 */
}

static int count_leaf(void *arg, const struct pt_walk *leaf)
{
	++*(int *)arg;
	return 0; /* go on */
}

/* A domain of devices behind the SC unit enforces; the graphics device,
 * behind the unit without SC, is then refused. */
static void client_domain_enforces_until_graphics_joins(void **state)
{
	struct vtd_domain d;

	assert_int_equal(vtd_domain_init(&d, &rest, 39), 0);
	assert_true(vtd_domain_attach_device(&d, client_unit(0, 0, USB_DEVFN),
					     &client, 0, 0, USB_DEVFN) >= 0);
	assert_true(vtd_domain_attach_device(&d, client_unit(0, 0, NIC_DEVFN),
					     &client, 0, 0, NIC_DEVFN) >= 0);
	/* Upgrade in place: every leaf so far (the USB RMRR's) gets SNP. */
	int leaves = 0;
	assert_int_equal(pt_for_each_leaf(&d.pt, count_leaf, &leaves), 0);
	assert_true(leaves > 0);
	assert_int_equal(vtd_domain_enforce_coherency(&d), leaves);
	assert_int_equal(vtd_domain_attach_device(&d,
						  client_unit(0, 0, GFX_DEVFN),
						  &client, 0, 0, GFX_DEVFN),
			 -EOPNOTSUPP);
	assert_int_equal(d.nr_devs, 2);
	vtd_domain_destroy(&d);
}

/* Attaching a device named by an RMRR identity-maps the region first. */
static void rmrr_identity_mapped_on_attach(void **state)
{
	struct vtd_domain d;
	struct pt_walk w;
	const struct dmar_rmrr *usb = &client.rmrrs[0];

	assert_int_equal(vtd_domain_init(&d, &rest, 39), 0);
	assert_int_equal(
	    vtd_domain_attach_device(&d, &rest, &client, 0, 0, USB_DEVFN), 1);
	for (hpa_t a = usb->base; a < usb->limit; a += PAGE_SIZE) {
		assert_int_equal(pt_lookup(&d.pt, a, &w), 0);
		assert_int_equal(w.pa, a);
		assert_int_equal(w.prot, PT_READ | PT_WRITE);
	}
	assert_int_equal(pt_lookup(&d.pt, usb->limit + 1, &w), -ENOENT);
	/* A second device of the same RMRR finds it mapped already. */
	assert_int_equal(vtd_domain_attach_device(&d, &rest, &client, 0, 1, 0),
			 1);
	/* A device no RMRR names maps nothing. */
	u64 tables = d.pt.nr_tables;
	assert_int_equal(
	    vtd_domain_attach_device(&d, &rest, &client, 0, 0, NIC_DEVFN), 0);
	assert_int_equal(d.pt.nr_tables, tables);
	vtd_domain_destroy(&d);
}

/* An RMRR that failed the platform checks (here: over the kernel) is never
 * identity-mapped: the attach of a device it names is refused. */
static void rmrr_failing_platform_check_never_mapped(void **state)
{
	struct vtd_domain d;
	struct pt_walk w;

	client.rmrrs[0].status = -DMAR_E_RMRR_KERNEL;
	assert_int_equal(vtd_domain_init(&d, &rest, 39), 0);
	assert_int_equal(
	    vtd_domain_attach_device(&d, &rest, &client, 0, 0, USB_DEVFN),
	    -EPERM);
	assert_int_equal(d.nr_devs, 0);
	assert_int_equal(pt_lookup(&d.pt, client.rmrrs[0].base, &w), -ENOENT);
	vtd_domain_destroy(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    context_entry_names_domain_and_table, setup, teardown),
		cmocka_unit_test_setup_teardown(domain_id_zero_is_never_used,
						setup, teardown),
		cmocka_unit_test_setup_teardown(domain_over_sc_unit_enforces,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
		    attach_behind_unit_without_sc_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    enforcement_refused_when_any_unit_lacks_sc, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(coherency_is_decided_per_domain,
						setup, teardown),
		cmocka_unit_test_setup_teardown(upgrade_in_place_then_wbinvd,
						setup, teardown),
		cmocka_unit_test_setup_teardown(detach_forgets_unit, setup,
						teardown),
		cmocka_unit_test_setup_teardown(
		    invalidations_per_call_follow_caching_mode, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(client_units_resolve_devices,
						client_setup, teardown),
		cmocka_unit_test_setup_teardown(
		    client_domain_enforces_until_graphics_joins, client_setup,
		    teardown),
		cmocka_unit_test_setup_teardown(rmrr_identity_mapped_on_attach,
						client_setup, teardown),
		cmocka_unit_test_setup_teardown(
		    rmrr_failing_platform_check_never_mapped, client_setup,
		    teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
