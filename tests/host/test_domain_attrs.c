/* A domain's table attributes: address width from SAGAW and MGAW, and the
 * intersection over every unit its devices sit behind (coherent walks,
 * superpage sizes, widths). Units are plain structs; tests/host/fake_hw.c
 * records flushes and invalidations. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "arch/x86/mm.h"
#include "arch/x86/pci.h"
#include "iommu/vtd/caps.h"
#include "iommu/vtd/domain.h"
#include "lib/errno.h"
#include "tests/host/fake_hw.h"

/* ND 6, PSI, MAMV 18; SAGAW, MGAW and SLLPS per test. ECAP: QI, PT. */
#define CAP_ND_PSI 0x00d2008000000006ULL
#define ECAP_BASE  0x0000000000f00f42ULL

static struct vtd_unit a, b;

/* @sagaw: CAP bits 12:8; @mgaw in bits; @sllps: 1 = 2M, 3 = 2M+1G. */
static void unit_caps(struct vtd_unit *u, unsigned sagaw, unsigned mgaw,
		      unsigned sllps, bool coherent)
{
	u->cap = CAP_ND_PSI | FIELD_PREP(VTD_CAP_SAGAW, sagaw) |
		 FIELD_PREP(VTD_CAP_MGAW, mgaw - 1) |
		 FIELD_PREP(VTD_CAP_SLLPS, sllps);
	u->ecap = ECAP_BASE | (coherent ? VTD_ECAP_C : 0);
}

static void unit_init(struct vtd_unit *u)
{
	memset(u, 0, sizeof(*u));
	unit_caps(u, 0x6, 48, 3, true);
	u->root = page_alloc();
}

static int setup(void **state)
{
	memset(&fake_hw, 0, sizeof(fake_hw));
	unit_init(&a);
	unit_init(&b);
	return 0;
}

static int teardown(void **state)
{
	struct vtd_unit *us[] = { &a, &b };

	for (unsigned i = 0; i < 2; i++) {
		for (unsigned bus = 0; bus < 256; bus++)
			page_free(us[i]->ctx[bus]);
		page_free(us[i]->root);
	}
	assert_int_equal(fake_hw.pages, 0);
	return 0;
}

/* Width 0 asks for the widest walk: with SAGAW 39+48, four levels. */
static void widest_width_by_default(void **state)
{
	struct vtd_domain d;

	assert_int_equal(vtd_domain_init(&d, &a, 0), 0);
	assert_int_equal(d.aw, 48);
	assert_int_equal(d.pt.cfg.levels, 4);
	assert_int_equal(d.pt.cfg.aw, 48);
	vtd_domain_destroy(&d);
	assert_int_equal(vtd_domain_init(&d, &a, 39), 0);
	assert_int_equal(d.pt.cfg.levels, 3);
	vtd_domain_destroy(&d);
	assert_int_equal(vtd_domain_init(&d, &a, 57), -EOPNOTSUPP);
}

/* A unit walking 4 levels but decoding 39 bits (MGAW): the walk has four
 * levels, IOVAs stop at 2^39. */
static void width_stops_at_mgaw(void **state)
{
	struct vtd_domain d;

	unit_caps(&b, 0x4, 39, 1, true);
	assert_int_equal(vtd_domain_init(&d, &b, 0), 0);
	assert_int_equal(d.aw, 48);
	assert_int_equal(d.pt.cfg.levels, 4);
	assert_int_equal(d.pt.cfg.aw, 39);
	assert_int_equal(
	    vtd_domain_map(&d, 1ULL << 39, 0x1000, PAGE_SIZE, PT_READ),
	    -ERANGE);
	assert_int_equal(vtd_domain_map(&d, (1ULL << 39) - PAGE_SIZE, 0x1000,
					PAGE_SIZE, PT_READ),
			 0);
	vtd_domain_destroy(&d);
}

/* A unit whose walks do not snoop joins a coherent domain: every table is
 * written back, and later maps flush. */
static void non_coherent_unit_reflushes_tables(void **state)
{
	struct vtd_domain d;

	unit_caps(&b, 0x6, 48, 3, false);
	assert_int_equal(vtd_domain_init(&d, &a, 0), 0);
	assert_int_equal(
	    vtd_domain_map(&d, 0x10000, 0x20000, PAGE_SIZE, PT_READ), 0);
	assert_int_equal(vtd_domain_attach(&d, &a, 0, PCI_DEVFN(1, 0)), 0);
	unsigned before = fake_hw.flushes;
	assert_int_equal(vtd_domain_attach(&d, &b, 0, PCI_DEVFN(2, 0)), 0);
	assert_false(d.pt.cfg.coherent);
	assert_true(fake_hw.flushes - before >= d.pt.nr_tables);
	before = fake_hw.flushes;
	assert_int_equal(
	    vtd_domain_map(&d, 0x30000, 0x40000, PAGE_SIZE, PT_READ), 0);
	assert_true(fake_hw.flushes > before);
	vtd_domain_destroy(&d);
}

/* A unit without 1 GiB leaves: refused while the domain holds one; once
 * none is left it joins and no new 1 GiB leaf is made. */
static void superpages_narrow_to_every_unit(void **state)
{
	struct vtd_domain d;
	struct pt_walk w;

	unit_caps(&b, 0x6, 48, 1, true);
	assert_int_equal(vtd_domain_init(&d, &a, 0), 0);
	assert_int_equal(vtd_domain_map(&d, SZ_1G, SZ_1G, SZ_1G, PT_READ), 0);
	assert_int_equal(vtd_domain_attach(&d, &b, 0, PCI_DEVFN(2, 0)),
			 -EOPNOTSUPP);
	assert_int_equal(d.nr_units, 0);
	assert_int_equal(vtd_domain_unmap(&d, SZ_1G, SZ_1G), 0);
	assert_int_equal(vtd_domain_attach(&d, &b, 0, PCI_DEVFN(2, 0)), 0);
	assert_int_equal(d.pt.cfg.page_sizes, PAGE_SIZE | SZ_2M);
	assert_int_equal(vtd_domain_map(&d, SZ_1G, SZ_1G, SZ_1G, PT_READ), 0);
	assert_int_equal(pt_lookup(&d.pt, SZ_1G, &w), 0);
	assert_int_equal(w.size, SZ_2M);
	vtd_domain_destroy(&d);
}

/* A unit that walks only 3 levels, or decodes fewer bits than the domain
 * accepts, cannot serve a 4-level domain. */
static void narrower_unit_refused(void **state)
{
	struct vtd_domain d;

	assert_int_equal(vtd_domain_init(&d, &a, 48), 0);
	unit_caps(&b, 0x2, 39, 3, true);
	assert_int_equal(vtd_domain_attach(&d, &b, 0, PCI_DEVFN(2, 0)),
			 -EOPNOTSUPP);
	unit_caps(&b, 0x4, 39, 3, true);
	assert_int_equal(vtd_domain_attach(&d, &b, 0, PCI_DEVFN(2, 0)),
			 -EOPNOTSUPP);
	assert_null(b.ctx[0]);
	vtd_domain_destroy(&d);
}

/* A unit whose SAGAW names no width translates no DMA (it remaps
 * interrupts only: QEMU's dma-translation=off), and no domain is made
 * over it. Bit 0 (30 bits, 2 levels) is reserved since VT-d 2.0 and
 * counts for nothing; any one of 39, 48 or 57 bits does. */
static void unit_without_width_translates_nothing(void **state)
{
	struct vtd_domain d;

	unit_caps(&b, 0x0, 39, 3, true);
	assert_false(vtd_translates_dma(&b));
	assert_int_equal(vtd_domain_init(&d, &b, 0), -EOPNOTSUPP);
	assert_int_equal(vtd_domain_init(&d, &b, 39), -EOPNOTSUPP);
	unit_caps(&b, 0x11, 39, 3, true);
	assert_false(vtd_translates_dma(&b));
	for (unsigned bit = 1; bit <= 3; bit++) {
		unit_caps(&b, 1u << bit, 57, 3, true);
		assert_true(vtd_translates_dma(&b));
	}
}

/* ECAP.C covers legacy-mode walks only; a unit with scalable mode walks
 * a domain's tables snooping only with ECAP.SMPWC (9.6): without it the
 * tables are flushed although C is set. */
static void scalable_unit_without_smpwc_flushes_tables(void **state)
{
	struct vtd_domain d;

	a.ecap |= VTD_ECAP_SMTS;
	assert_false(vtd_pt_coherent(&a));
	assert_int_equal(vtd_domain_init(&d, &a, 0), 0);
	assert_false(d.pt.cfg.coherent);
	unsigned before = fake_hw.flushes;
	assert_int_equal(
	    vtd_domain_map(&d, 0x10000, 0x20000, PAGE_SIZE, PT_READ), 0);
	assert_true(fake_hw.flushes > before);
	vtd_domain_destroy(&d);
	a.ecap |= VTD_ECAP_SMPWC;
	assert_true(vtd_pt_coherent(&a));
	a.ecap &= ~VTD_ECAP_C;
	assert_false(vtd_pt_coherent(&a));
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(widest_width_by_default),
		T(width_stops_at_mgaw),
		T(non_coherent_unit_reflushes_tables),
		T(superpages_narrow_to_every_unit),
		T(narrower_unit_refused),
		T(unit_without_width_translates_nothing),
		T(scalable_unit_without_smpwc_flushes_tables),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
