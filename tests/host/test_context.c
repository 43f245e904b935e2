/* Context entries and the invalidations around them, checked against
 * what tests/host/fake_hw.c recorded: the domain id, source id and
 * granularity of every invalidation, in order (6.1, 6.5.3.3, 9.3, 11.4.4,
 * 11.4.7). A wrong DID passes on QEMU (it ignores the DID of a
 * device-selective invalidation); here it fails. */
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
#include "iommu/vtd/context.h"
#include "lib/errno.h"
#include "tests/host/fake_hw.h"

/* CAP: SAGAW 39+48-bit, ND 6, SLLPS 2M+1G, PSI, MAMV 18. ECAP: QI, PT. */
#define CAP_BASE  0x00d2008c22260606ULL
#define ECAP_BASE 0x0000000000f00f42ULL
#define DEVFN	  PCI_DEVFN(3, 0)
#define SID	  PCI_BDF(1, DEVFN)

static struct vtd_unit u;

static int setup(void **state)
{
	memset(&fake_hw, 0, sizeof(fake_hw));
	memset(&u, 0, sizeof(u));
	u.cap = CAP_BASE;
	u.ecap = ECAP_BASE;
	u.root = page_alloc();
	return 0;
}

static int teardown(void **state)
{
	for (unsigned b = 0; b < 256; b++)
		page_free(u.ctx[b]);
	page_free(u.root);
	assert_int_equal(fake_hw.pages, 0);
	return 0;
}

static struct vtd_ctx_cfg cfg(u16 did)
{
	return (struct vtd_ctx_cfg){ .did = did,
				     .aw_width = 39,
				     .tt = VTD_TT_MULTI_LEVEL,
				     .slptptr = 0x123000 };
}

static void expect_op(unsigned i, enum fake_op op, unsigned gran, u16 did,
		      u16 sid)
{
	struct fake_inv o = fake_op(i);

	assert_int_equal(o.op, op);
	assert_int_equal(o.gran, gran);
	assert_int_equal(o.did, did);
	assert_int_equal(o.sid, sid);
}

/* 11.4.4: after SRTP, global context cache then global IOTLB. */
static void root_install_invalidates_globally(void **state)
{
	assert_int_equal(vtd_root_table_install(&u), 0);
	assert_int_equal(fake_hw.nr_ops, 3);
	expect_op(0, FAKE_SRTP, 0, 0, 0);
	expect_op(1, FAKE_CC, VTD_GRAN_GLOBAL, 0, 0);
	expect_op(2, FAKE_IOTLB, VTD_GRAN_GLOBAL, 0, 0);
}

/* ECAP.ESRTPS: SRTP invalidates by itself. */
static void root_install_with_esrtps_needs_nothing_more(void **state)
{
	u.ecap |= VTD_ECAP_ESRTPS;
	assert_int_equal(vtd_root_table_install(&u), 0);
	assert_int_equal(fake_hw.nr_ops, 1);
	expect_op(0, FAKE_SRTP, 0, 0, 0);
}

/* 6.1 without CM: not present -> present needs only the write buffer. */
static void new_entry_flushes_write_buffer_only(void **state)
{
	struct vtd_ctx_cfg c = cfg(7);

	assert_int_equal(vtd_ctx_set(&u, 1, DEVFN, &c), 0);
	assert_int_equal(fake_hw.nr_ops, 1);
	expect_op(0, FAKE_WBF, 0, 0, 0);
}

/* 6.1 with CM: the unit may cache the not-present entry under DID 0. */
static void new_entry_under_caching_mode_invalidates_did_0(void **state)
{
	struct vtd_ctx_cfg c = cfg(7);

	u.cap |= VTD_CAP_CM;
	assert_int_equal(vtd_ctx_set(&u, 1, DEVFN, &c), 0);
	assert_int_equal(fake_hw.nr_ops, 3);
	expect_op(0, FAKE_WBF, 0, 0, 0);
	expect_op(1, FAKE_CC, VTD_GRAN_DEVICE, 0, SID);
	expect_op(2, FAKE_IOTLB, VTD_GRAN_DOMAIN, 7, 0);
}

/* A present entry is cleared, invalidated with the DID it carried
 * (11.4.7), and only then written anew. */
static void present_entry_cleared_before_rewrite(void **state)
{
	struct vtd_ctx_cfg a = cfg(7), b = cfg(9);

	assert_int_equal(vtd_ctx_set(&u, 1, DEVFN, &a), 0);
	fake_hw.nr_ops = 0;
	assert_int_equal(vtd_ctx_set(&u, 1, DEVFN, &b), 0);
	assert_int_equal(fake_hw.nr_ops, 4);
	expect_op(0, FAKE_WBF, 0, 0, 0);
	expect_op(1, FAKE_CC, VTD_GRAN_DEVICE, 7, SID);
	expect_op(2, FAKE_IOTLB, VTD_GRAN_DOMAIN, 7, 0);
	expect_op(3, FAKE_WBF, 0, 0, 0);
	struct vtd_entry128 *e = vtd_ctx_entry(&u, 1, DEVFN);
	assert_int_equal(FIELD_GET(VTD_CTX_HI_DID, e->hi), 9);
	assert_true(e->lo & VTD_CTX_LO_P);
}

static void clear_invalidates_with_entry_did(void **state)
{
	struct vtd_ctx_cfg a = cfg(0x1234);

	assert_int_equal(vtd_ctx_set(&u, 1, DEVFN, &a), 0);
	fake_hw.nr_ops = 0;
	assert_int_equal(vtd_ctx_clear(&u, 1, DEVFN), 0);
	expect_op(1, FAKE_CC, VTD_GRAN_DEVICE, 0x1234, SID);
	expect_op(2, FAKE_IOTLB, VTD_GRAN_DOMAIN, 0x1234, 0);
	assert_false(vtd_ctx_entry(&u, 1, DEVFN)->lo & VTD_CTX_LO_P);
	/* Clearing an absent entry invalidates nothing. */
	fake_hw.nr_ops = 0;
	assert_int_equal(vtd_ctx_clear(&u, 1, DEVFN), 0);
	assert_int_equal(fake_hw.nr_ops, 0);
}

/* 9.3: a pass-through entry carries the widest AW the unit supports
 * (here 48-bit, field 2), whatever the caller asked; no SLPTPTR. */
static void pass_through_carries_widest_aw(void **state)
{
	struct vtd_ctx_cfg c = cfg(3);

	c.tt = VTD_TT_PASS_THROUGH;
	assert_int_equal(vtd_ctx_set(&u, 1, DEVFN, &c), 0);
	struct vtd_entry128 *e = vtd_ctx_entry(&u, 1, DEVFN);
	assert_int_equal(FIELD_GET(VTD_CTX_HI_AW, e->hi), 2);
	assert_int_equal(FIELD_GET(VTD_CTX_LO_TT, e->lo), VTD_TT_PASS_THROUGH);
	assert_int_equal(e->lo & VTD_CTX_LO_SLPTPTR, 0);
	u.ecap &= ~VTD_ECAP_PT;
	assert_int_equal(vtd_ctx_set(&u, 1, DEVFN, &c), -EOPNOTSUPP);
}

static void out_of_range_did_or_aw_refused(void **state)
{
	struct vtd_ctx_cfg c = cfg(3);

	c.aw_width = 57; /* SAGAW has no 5-level */
	assert_int_equal(vtd_ctx_set(&u, 1, DEVFN, &c), -EOPNOTSUPP);
	u.cap &= ~VTD_CAP_ND; /* ND 0: 16 domain ids */
	c = cfg(16);
	assert_int_equal(vtd_ctx_set(&u, 1, DEVFN, &c), -ERANGE);
	assert_int_equal(fake_hw.nr_ops, 0);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(root_install_invalidates_globally),
		T(root_install_with_esrtps_needs_nothing_more),
		T(new_entry_flushes_write_buffer_only),
		T(new_entry_under_caching_mode_invalidates_did_0),
		T(present_entry_cleared_before_rewrite),
		T(clear_invalidates_with_entry_did),
		T(pass_through_carries_widest_aw),
		T(out_of_range_did_or_aw_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
