/* Host tests of the kernel command-line parser and of the tests= selection
 * (cmdline_selects over glob_match). Bad input is recorded, never fatal,
 * and never changes an option it failed to set. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "lib/cmdline.h"
#include "lib/string.h"

/* Parse @s, check the error count, and hand back the options. */
static struct options *parse(const char *s, unsigned want_errors)
{
	static struct options o;
	unsigned n;

	memset(&o, 0xa5, sizeof(o)); /* cmdline_parse must set every field */
	n = cmdline_parse(s, &o);
	if (n != want_errors || o.nr_errors != n)
		fail_msg("\"%s\": %u errors (nr_errors %u), expected %u",
			 s ? s : "(null)", n, o.nr_errors, want_errors);
	return &o;
}

static void assert_defaults(const struct options *o)
{
	assert_int_equal(o->nr_tests, 0);
	assert_false(o->list);
	assert_false(o->verbose);
	assert_false(o->report);
	assert_false(o->acpidump);
	assert_false(o->x2apic);
	assert_false(o->nomsi);
	assert_false(o->allow_unsafe_interrupts);
	assert_false(o->hold);
	assert_false(o->exit_ack);
	assert_string_equal(o->exit, "");
	assert_int_equal(o->expect_virt, VIRT_UNSET);
	assert_int_equal(o->expect_edu, -1);
	assert_int_equal(o->expect_xhci, -1);
	assert_int_equal(o->expect_cpus, -1);
	assert_string_equal(o->wbinvd, "");
	assert_string_equal(o->console, "");
}

static void empty_line_gives_defaults(void **state)
{
	assert_defaults(parse(NULL, 0));
	assert_defaults(parse("", 0));
	assert_defaults(parse(" \t  ", 0));
	assert_true(cmdline_selects(parse("", 0), "vtd_fault", "anything"));
}

static void bare_flags_set_their_option(void **state)
{
	struct options *o = parse("list verbose report acpidump x2apic nomsi "
				  "allow_unsafe_interrupts hold exit_ack",
				  0);

	assert_true(o->list);
	assert_true(o->verbose);
	assert_true(o->report);
	assert_true(o->acpidump);
	assert_true(o->x2apic);
	assert_true(o->nomsi);
	assert_true(o->allow_unsafe_interrupts);
	assert_true(o->hold);
	assert_true(o->exit_ack);
}

static void enum_options_take_each_named_value(void **state)
{
	static const char *const virts[] = { "unset", "none", "svm", "vmx" };
	char s[64];

	for (int i = 0; i < (int)ARRAY_SIZE(virts); i++) {
		snprintf(s, sizeof(s), "expect_virt=%s", virts[i]);
		assert_int_equal(parse(s, 0)->expect_virt, i);
	}
	assert_int_equal(parse("expect_virt=vmx", 0)->expect_virt, VIRT_VMX);
	/* exit= names the platform's modes, which lib/ does not know. */
	assert_string_equal(parse("exit=qemu", 0)->exit, "qemu");
}

/* wbinvd= names a policy of the VM layer, which lib/ does not know: the
 * word is kept as given, for kvmc_policy_parse() (tests/host/test_kvm.c),
 * and the caller records a bad one. */
static void wbinvd_word_is_kept_for_the_vm_layer(void **state)
{
	struct options *o = parse("wbinvd=strict", 0);

	assert_string_equal(o->wbinvd, "strict");
	assert_string_equal(parse("wbinvd=kvmx", 0)->wbinvd, "kvmx");
	assert_string_equal(parse("wbinvd=", 1)->wbinvd, "");
	assert_string_equal(parse("wbinvd=averyveryverylongword", 1)->wbinvd,
			    "");
	o = parse("verbose", 0);
	cmdline_add_error(o, "bad value in option 'wbinvd=%s'", "kvmx");
	assert_int_equal(o->nr_errors, 1);
	assert_string_equal(o->errors[0], "bad value in option 'wbinvd=kvmx'");
}

static void int_option_takes_decimal_digits(void **state)
{
	assert_int_equal(parse("expect_edu=0", 0)->expect_edu, 0);
	assert_int_equal(parse("expect_edu=3", 0)->expect_edu, 3);
	assert_int_equal(parse("expect_edu=123456", 0)->expect_edu, 123456);
	assert_int_equal(parse("expect_xhci=2", 0)->expect_xhci, 2);
	assert_int_equal(parse("expect_cpus=4", 0)->expect_cpus, 4);
}

static void string_option_is_copied(void **state)
{
	char s[64];

	assert_string_equal(parse("console=ttyS0", 0)->console, "ttyS0");
	/* 31 characters fit the 32-byte field; 32 do not. */
	snprintf(s, sizeof(s), "console=%031d", 7);
	assert_int_equal(strlen(parse(s, 0)->console), 31);
	snprintf(s, sizeof(s), "console=%032d", 7);
	assert_string_equal(parse(s, 1)->console, "");
	assert_string_equal(parse("console=", 1)->console, "");
}

static void globs_are_split_on_commas(void **state)
{
	struct options *o = parse("tests=vtd*,boot.memory_*,a?c", 0);

	assert_int_equal(o->nr_tests, 3);
	assert_string_equal(o->tests[0], "vtd*");
	assert_string_equal(o->tests[1], "boot.memory_*");
	assert_string_equal(o->tests[2], "a?c");
	/* A second tests= adds to the first. */
	o = parse("tests=a tests=b,c", 0);
	assert_int_equal(o->nr_tests, 3);
	assert_string_equal(o->tests[2], "c");
}

/* "tests=g0,g1,...": @n globs, each @len characters long. */
static void glob_list(char *s, size_t cap, unsigned n, unsigned len)
{
	size_t at = (size_t)snprintf(s, cap, "tests=");

	for (unsigned i = 0; i < n; i++) {
		at += (size_t)snprintf(s + at, cap - at, "%s%0*u", i ? "," : "",
				       (int)len, i);
		assert_true(at < cap);
	}
}

static void globs_up_to_the_maximum_are_kept(void **state)
{
	char s[4096];
	struct options *o;

	glob_list(s, sizeof(s), CMDLINE_MAX_GLOBS, CMDLINE_GLOB_LEN - 1);
	o = parse(s, 0);
	assert_int_equal(o->nr_tests, CMDLINE_MAX_GLOBS);
	assert_int_equal(strlen(o->tests[CMDLINE_MAX_GLOBS - 1]),
			 CMDLINE_GLOB_LEN - 1);
	assert_int_equal(atoi(o->tests[CMDLINE_MAX_GLOBS - 1]),
			 CMDLINE_MAX_GLOBS - 1);
}

static void too_many_globs_is_an_error(void **state)
{
	char s[4096];
	struct options *o;

	glob_list(s, sizeof(s), CMDLINE_MAX_GLOBS + 1, 2);
	o = parse(s, 1);
	assert_true(o->nr_tests <= CMDLINE_MAX_GLOBS);
	assert_memory_equal(
	    o->errors[0],
	    "more than " STRINGIFY(CMDLINE_MAX_GLOBS) " globs in "
						      "option 'tests=",
	    strlen("more than " STRINGIFY(
		CMDLINE_MAX_GLOBS) " globs in option 'tests="));
	assert_int_equal(atoi(STRINGIFY(CMDLINE_MAX_GLOBS)), CMDLINE_MAX_GLOBS);
	assert_int_equal(atoi(STRINGIFY(CMDLINE_GLOB_MAX)),
			 CMDLINE_GLOB_LEN - 1);
}

static void glob_too_long_or_empty_is_an_error(void **state)
{
	char s[256];

	glob_list(s, sizeof(s), 1, CMDLINE_GLOB_LEN);
	assert_memory_equal(
	    parse(s, 1)->errors[0],
	    "a glob of more than " STRINGIFY(
		CMDLINE_GLOB_MAX) " characters in option 'tests=",
	    strlen("a glob of more than " STRINGIFY(
		CMDLINE_GLOB_MAX) " characters in option 'tests="));
	assert_string_equal(parse("tests=a,,b", 1)->errors[0],
			    "empty glob in option 'tests=a,,b'");
	parse("tests=,a", 1);
}

/* Bug: set_globs() accepts an empty value and a trailing comma, so
 * "tests=" (say, from an unset runner variable) silently selects every
 * test. An empty value is an error for every other option ("console=",
 * "exit=") and an empty glob is one in "tests=a,,b". */
static void empty_tests_value_or_trailing_comma_is_an_error(void **state)
{
	assert_int_equal(parse("tests=", 1)->nr_tests, 0);
	parse("tests=a,", 1);
}

static void unknown_option_is_recorded_with_its_name(void **state)
{
	struct options *o = parse("verbose frobnicate=3 list", 1);

	assert_string_equal(o->errors[0], "unknown option 'frobnicate=3'");
	assert_true(o->verbose);
	assert_true(o->list);
	/* A prefix or an extension of a known name is not that name. */
	o = parse("lis lists exit_=qemu", 3);
	assert_string_equal(o->errors[0], "unknown option 'lis'");
	assert_string_equal(o->errors[2], "unknown option 'exit_=qemu'");
}

static void bad_enum_value_is_an_error_and_keeps_default(void **state)
{
	struct options *o = parse("expect_virt=kvm", 1);

	assert_string_equal(o->errors[0],
			    "bad value in option 'expect_virt=kvm'");
	assert_int_equal(o->expect_virt, VIRT_UNSET);
	assert_int_equal(parse("expect_virt=SVM", 1)->expect_virt, VIRT_UNSET);
	assert_int_equal(parse("expect_virt=sv", 1)->expect_virt, VIRT_UNSET);
	assert_int_equal(parse("expect_virt=", 1)->expect_virt, VIRT_UNSET);
	assert_int_equal(parse("exit", 1)->exit[0], 0);
}

static void flag_given_a_value_is_an_error(void **state)
{
	struct options *o = parse("list=1", 1);

	assert_string_equal(o->errors[0], "bad value in option 'list=1'");
	assert_string_equal(parse("verbose=", 1)->errors[0],
			    "bad value in option 'verbose='");
}

/* Bug: lib/cmdline.c apply() sets a flag before rejecting its value, so
 * "list=0" turns listing on. A rejected value must not take effect, as for
 * every other kind of option. */
static void rejected_flag_value_is_not_applied(void **state)
{
	assert_false(parse("list=0", 1)->list);
	assert_false(parse("verbose=no", 1)->verbose);
}

static void int_with_non_digits_is_an_error(void **state)
{
	assert_int_equal(parse("expect_edu=1a", 1)->expect_edu, -1);
	assert_int_equal(parse("expect_cpus=two", 1)->expect_cpus, -1);
	assert_int_equal(parse("expect_edu=-1", 1)->expect_edu, -1);
	assert_int_equal(parse("expect_edu=+1", 1)->expect_edu, -1);
	assert_int_equal(parse("expect_edu=0x1", 1)->expect_edu, -1);
	assert_int_equal(parse("expect_edu=", 1)->expect_edu, -1);
	assert_int_equal(parse("expect_edu", 1)->expect_edu, -1);
	/* Seven digits could overflow a later, larger limit: refused. */
	assert_int_equal(parse("expect_edu=1234567", 1)->expect_edu, -1);
}

static void kernel_path_as_first_word_is_ignored(void **state)
{
	assert_true(parse("build/kernel.elf verbose", 0)->verbose);
	assert_true(parse("/boot/kernel.elf list", 0)->list);
	assert_true(parse("  kernel.elf\tlist", 0)->list);
	assert_defaults(parse("/boot/kernel.elf", 0));
}

static void path_like_word_after_the_first_is_an_error(void **state)
{
	struct options *o = parse("verbose build/kernel.elf", 1);

	assert_string_equal(o->errors[0], "unknown option 'build/kernel.elf'");
	o = parse("/boot/kernel.elf /boot/kernel.elf", 1);
	assert_string_equal(o->errors[0], "unknown option '/boot/kernel.elf'");
}

static void first_word_with_equals_is_an_option(void **state)
{
	struct options *o = parse("tests=boot.memory_map", 0);

	assert_int_equal(o->nr_tests, 1);
	assert_string_equal(o->tests[0], "boot.memory_map");
}

static void words_are_separated_by_runs_of_blanks(void **state)
{
	struct options *o = parse("\t list \t\t exit=halt   ", 0);

	assert_true(o->list);
	assert_string_equal(o->exit, "halt");
}

static void errors_beyond_the_maximum_are_counted_not_stored(void **state)
{
	struct options o; /* on the stack, so ASan sees an overrun */

	memset(&o, 0, sizeof(o));
	assert_int_equal(cmdline_parse("e0 e1 e2 e3 e4 e5 e6 verbose", &o), 7);
	assert_int_equal(o.nr_errors, 7);
	for (unsigned i = 0; i < CMDLINE_MAX_ERRORS; i++) {
		char want[32];
		snprintf(want, sizeof(want), "unknown option 'e%u'", i);
		assert_string_equal(o.errors[i], want);
	}
	assert_true(o.verbose);
}

static void long_bad_word_gives_a_terminated_message(void **state)
{
	char s[400];
	struct options *o;

	memset(s, 'q', sizeof(s) - 1);
	s[sizeof(s) - 1] = 0;
	o = parse(s, 1);
	assert_true(strlen(o->errors[0]) < CMDLINE_ERR_LEN);
	assert_memory_equal(o->errors[0], "unknown option 'qqqq", 20);
}

static void glob_match_handles_star_and_question_mark(void **state)
{
	assert_true(glob_match("", ""));
	assert_false(glob_match("", "a"));
	assert_true(glob_match("*", ""));
	assert_true(glob_match("**", "abc"));
	assert_false(glob_match("?", ""));
	assert_true(glob_match("a?c", "abc"));
	assert_false(glob_match("a?c", "ac"));
	assert_true(glob_match("a*b*c", "aXbYbZc")); /* needs backtracking */
	assert_false(glob_match("a*b*c", "aXbYbZ"));
	assert_true(glob_match("*.x", "a.b.x"));
	assert_false(glob_match("abc", "ab"));
	assert_false(glob_match("ab", "abc"));
}

static void no_selection_selects_every_test(void **state)
{
	struct options *o = parse("verbose", 0);

	assert_true(cmdline_selects(o, "vtd_fault", "unmapped_iova"));
	assert_true(cmdline_selects(o, "boot", "memory_map"));
}

static void suite_glob_selects_whole_suites(void **state)
{
	struct options *o = parse("tests=vtd*", 0);

	assert_true(cmdline_selects(o, "vtd_fault", "unmapped_iova"));
	assert_true(cmdline_selects(o, "vtd", "anything"));
	assert_false(cmdline_selects(o, "boot", "memory_map"));
	assert_false(cmdline_selects(o, "kvm_vtd", "x"));
	o = parse("tests=boot", 0); /* a plain suite name, no '*' */
	assert_true(cmdline_selects(o, "boot", "memory_map"));
	assert_false(cmdline_selects(o, "boot2", "memory_map"));
}

static void full_name_glob_selects_matching_tests(void **state)
{
	struct options *o = parse("tests=boot.memory_*", 0);

	assert_true(cmdline_selects(o, "boot", "memory_map"));
	assert_true(cmdline_selects(o, "boot", "memory_"));
	assert_false(cmdline_selects(o, "boot", "cmdline"));
	assert_false(cmdline_selects(o, "boot2", "memory_map"));
	o = parse("tests=boot.cmdline", 0);
	assert_true(cmdline_selects(o, "boot", "cmdline"));
	assert_false(cmdline_selects(o, "boot", "cmdline_errors"));
}

static void question_mark_selects_one_character(void **state)
{
	struct options *o = parse("tests=vtd_?ault.x?", 0);

	assert_true(cmdline_selects(o, "vtd_fault", "x1"));
	assert_false(cmdline_selects(o, "vtd_fault", "x"));
	assert_false(cmdline_selects(o, "vtd_fault", "x12"));
	assert_false(cmdline_selects(o, "vtd_ault", "x1"));
}

static void any_of_several_globs_selects(void **state)
{
	struct options *o = parse("tests=boot.cmdline,vtd_inv*", 0);

	assert_true(cmdline_selects(o, "boot", "cmdline"));
	assert_true(cmdline_selects(o, "vtd_inv_queue", "drain"));
	assert_false(cmdline_selects(o, "boot", "memory_map"));
}

/* @line selects each "suite.name" of the space-separated @in, none of
 * @out. */
static void selection(const char *line, const char *in, const char *out)
{
	struct options *o = parse(line, 0);
	char w[64], *dot;

	for (int pass = 0; pass < 2; pass++)
		for (const char *p = pass ? out : in; *p;) {
			size_t n = strcspn(p, " ");
			snprintf(w, sizeof(w), "%.*s", (int)n, p);
			dot = strchr(w, '.');
			*dot = 0;
			if (cmdline_selects(o, w, dot + 1) != !pass)
				fail_msg("%s: %s.%s %sselected", line, w,
					 dot + 1, pass ? "" : "not ");
			p += n + (p[n] == ' ');
		}
}

/* A leading '-' leaves out what the glob matches, over any glob that
 * takes it in, whatever the order; with only such globs, everything else
 * runs. */
static void minus_glob_leaves_out(void **state)
{
	selection("tests=-vtd_fault", "vtd.anything boot.memory_map",
		  "vtd_fault.storm");
	selection("tests=smp,boot,-smp.apic_timer_*",
		  "smp.cpus_started boot.memory_map",
		  "smp.apic_timer_on_an_ap vtd.anything");
	selection("tests=-smp.x,smp", "smp.y", "smp.x boot.x");
	assert_string_equal(parse("tests=vtd,-", 1)->errors[0],
			    "empty glob in option 'tests=vtd,-'");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(empty_line_gives_defaults),
		cmocka_unit_test(bare_flags_set_their_option),
		cmocka_unit_test(enum_options_take_each_named_value),
		cmocka_unit_test(wbinvd_word_is_kept_for_the_vm_layer),
		cmocka_unit_test(int_option_takes_decimal_digits),
		cmocka_unit_test(string_option_is_copied),
		cmocka_unit_test(globs_are_split_on_commas),
		cmocka_unit_test(globs_up_to_the_maximum_are_kept),
		cmocka_unit_test(too_many_globs_is_an_error),
		cmocka_unit_test(glob_too_long_or_empty_is_an_error),
		cmocka_unit_test(
		    empty_tests_value_or_trailing_comma_is_an_error),
		cmocka_unit_test(unknown_option_is_recorded_with_its_name),
		cmocka_unit_test(bad_enum_value_is_an_error_and_keeps_default),
		cmocka_unit_test(flag_given_a_value_is_an_error),
		cmocka_unit_test(rejected_flag_value_is_not_applied),
		cmocka_unit_test(int_with_non_digits_is_an_error),
		cmocka_unit_test(kernel_path_as_first_word_is_ignored),
		cmocka_unit_test(path_like_word_after_the_first_is_an_error),
		cmocka_unit_test(first_word_with_equals_is_an_option),
		cmocka_unit_test(words_are_separated_by_runs_of_blanks),
		cmocka_unit_test(
		    errors_beyond_the_maximum_are_counted_not_stored),
		cmocka_unit_test(long_bad_word_gives_a_terminated_message),
		cmocka_unit_test(glob_match_handles_star_and_question_mark),
		cmocka_unit_test(no_selection_selects_every_test),
		cmocka_unit_test(suite_glob_selects_whole_suites),
		cmocka_unit_test(minus_glob_leaves_out),
		cmocka_unit_test(full_name_glob_selects_matching_tests),
		cmocka_unit_test(question_mark_selects_one_character),
		cmocka_unit_test(any_of_several_globs_selects),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
