/* Host tests of the KTAP v1 writer: the exact text of every line kind, the
 * indentation of nested blocks, and that hostile names, reasons and long
 * messages can neither break the format nor overrun a buffer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "lib/ktap.h"

#define CAP_LINES 16
#define CAP_LEN	  1024 /* well past the writer's line buffer */

struct cap {
	char line[CAP_LINES][CAP_LEN];
	unsigned n;
	struct ktap k;
};

static void cap_emit(void *ctx, const char *line)
{
	struct cap *c = ctx;

	assert_true(c->n < CAP_LINES);
	assert_true(strlen(line) < CAP_LEN);
	strcpy(c->line[c->n++], line);
}

static int cap_setup(void **state)
{
	static struct cap c;

	memset(&c, 0, sizeof(c));
	c.k = (struct ktap){ .emit = cap_emit, .ctx = &c, .depth = 0 };
	*state = &c;
	return 0;
}

/* Emit one result at the top level and return its line. */
static const char *one_result(struct cap *c, unsigned idx, const char *name,
			      enum ktap_result r, const char *reason)
{
	ktap_result(&c->k, idx, name, r, reason);
	assert_int_equal(c->n, 1);
	return c->line[0];
}

static void header_is_version_line_then_plan(void **state)
{
	struct cap *c = *state;

	ktap_header(&c->k, 7);
	assert_int_equal(c->n, 2);
	assert_string_equal(c->line[0], "KTAP version 1");
	assert_string_equal(c->line[1], "1..7");
}

static void subtest_block_is_indented_four_spaces_with_its_plan(void **state)
{
	struct cap *c = *state;

	ktap_subtest(&c->k, "vtd_fault", 3);
	ktap_result(&c->k, 1, "unmapped_iova", KTAP_PASS, NULL);
	ktap_diag(&c->k, "fault reason %d", 6);
	ktap_end_subtest(&c->k);
	ktap_result(&c->k, 1, "vtd_fault", KTAP_PASS, NULL);
	assert_int_equal(c->n, 6);
	assert_string_equal(c->line[0], "    KTAP version 1");
	assert_string_equal(c->line[1], "    # Subtest: vtd_fault");
	assert_string_equal(c->line[2], "    1..3");
	assert_string_equal(c->line[3], "    ok 1 unmapped_iova");
	assert_string_equal(c->line[4], "    # fault reason 6");
	assert_string_equal(c->line[5], "ok 1 vtd_fault");
}

static void nested_subtest_is_indented_four_spaces_per_depth(void **state)
{
	struct cap *c = *state;

	ktap_subtest(&c->k, "outer", 1);
	ktap_subtest(&c->k, "inner", 1);
	ktap_result(&c->k, 1, "leaf", KTAP_FAIL, NULL);
	ktap_end_subtest(&c->k);
	ktap_result(&c->k, 1, "inner", KTAP_FAIL, NULL);
	ktap_end_subtest(&c->k);
	assert_int_equal(c->k.depth, 0);
	assert_int_equal(c->n, 8);
	assert_string_equal(c->line[3], "        KTAP version 1");
	assert_string_equal(c->line[4], "        # Subtest: inner");
	assert_string_equal(c->line[5], "        1..1");
	assert_string_equal(c->line[6], "        not ok 1 leaf");
	assert_string_equal(c->line[7], "    not ok 1 inner");
}

static void end_subtest_at_top_level_stays_at_top_level(void **state)
{
	struct cap *c = *state;

	ktap_end_subtest(&c->k);
	assert_int_equal(c->k.depth, 0);
	assert_string_equal(one_result(c, 1, "x", KTAP_PASS, NULL), "ok 1 x");
}

static void pass_is_ok_with_index_and_name(void **state)
{
	assert_string_equal(
	    one_result(*state, 3, "boot.memory_map", KTAP_PASS, "ignored"),
	    "ok 3 boot.memory_map");
}

static void failure_is_not_ok_without_directive(void **state)
{
	assert_string_equal(one_result(*state, 4, "snoop", KTAP_FAIL, "why"),
			    "not ok 4 snoop");
}

static void skip_is_ok_with_skip_directive_and_reason(void **state)
{
	assert_string_equal(
	    one_result(*state, 5, "svm", KTAP_SKIP, "no SVM on this CPU"),
	    "ok 5 svm # SKIP no SVM on this CPU");
}

/* ktap.rst knows no TODO directive: a divergence is a SKIP whose reason
 * says so, counted as skipped by every KTAP consumer. */
static void divergence_is_ok_with_skip_and_known_divergence(void **state)
{
	assert_string_equal(one_result(*state, 6, "wbinvd_exit", KTAP_DIVERGENT,
				       "QEMU 7.2: TCG does not trap WBINVD"),
			    "ok 6 wbinvd_exit # SKIP known divergence: QEMU "
			    "7.2: TCG does not trap WBINVD");
}

/* Linux's KTAP parser reads "# TODO" as a failure: none may appear. */
static void divergence_line_is_never_a_todo_directive(void **state)
{
	const char *l = one_result(*state, 7, "invd", KTAP_DIVERGENT, NULL);

	assert_null(strstr(l, "TODO"));
	assert_string_equal(l, "ok 7 invd # SKIP known divergence: ");
}

/* A '#' in a name would start a directive; the reason is free text. */
static void hash_in_test_name_is_replaced(void **state)
{
	const char *l = one_result(*state, 8, "a#b # SKIP", KTAP_PASS, NULL);

	assert_string_equal(l, "ok 8 a_b _ SKIP");
}

static void newline_in_reason_is_replaced(void **state)
{
	const char *l = one_result(*state, 9, "n\nm", KTAP_SKIP,
				   "one\ntwo\r\nok 10 forged");

	assert_null(strchr(l, '\n'));
	assert_null(strchr(l, '\r'));
	assert_string_equal(l, "ok 9 n m # SKIP one two  ok 10 forged");
}

static void diag_line_is_hash_space_message(void **state)
{
	struct cap *c = *state;

	ktap_diag(&c->k, "dmar: %u units, %s", 2U, "ok");
	ktap_diag(&c->k, "line\nbreak");
	assert_int_equal(c->n, 2);
	assert_string_equal(c->line[0], "# dmar: 2 units, ok");
	assert_string_equal(c->line[1], "# line break");
}

/* The line is a prefix of what was asked for: cut, not corrupted. */
static void assert_truncated(const char *line, const char *full)
{
	size_t n = strlen(line);

	assert_true(n < strlen(full));
	assert_true(n >= 80); /* a truncated line still says something */
	assert_memory_equal(line, full, n);
}

static void long_lines_are_truncated_without_overflow(void **state)
{
	struct cap *c = *state;
	char big[2000], full[2100];

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = 0;
	ktap_subtest(&c->k, big, 1);
	ktap_diag(&c->k, "%s", big);
	ktap_result(&c->k, 1, big, KTAP_SKIP, big);
	assert_int_equal(c->n, 5);
	snprintf(full, sizeof(full), "    # Subtest: %s", big);
	assert_truncated(c->line[1], full);
	snprintf(full, sizeof(full), "    # %s", big);
	assert_truncated(c->line[3], full);
	/* The name is cut before the directive, which must survive. */
	assert_memory_equal(c->line[4], "    ok 1 xxx", 12);
	assert_non_null(strstr(c->line[4], "x # SKIP xxx"));
}

int main(void)
{
#define T(f) cmocka_unit_test_setup(f, cap_setup)
	const struct CMUnitTest tests[] = {
		T(header_is_version_line_then_plan),
		T(subtest_block_is_indented_four_spaces_with_its_plan),
		T(nested_subtest_is_indented_four_spaces_per_depth),
		T(end_subtest_at_top_level_stays_at_top_level),
		T(pass_is_ok_with_index_and_name),
		T(failure_is_not_ok_without_directive),
		T(skip_is_ok_with_skip_directive_and_reason),
		T(divergence_is_ok_with_skip_and_known_divergence),
		T(divergence_line_is_never_a_todo_directive),
		T(hash_in_test_name_is_replaced),
		T(newline_in_reason_is_replaced),
		T(diag_line_is_hash_space_message),
		T(long_lines_are_truncated_without_overflow),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
