/* Host tests of kvsnprintf/ksnprintf: every conversion the header promises,
 * widths and flags, and the snprintf contract on truncation (the return
 * value is the length that would have been written; the buffer is always
 * terminated and never written past @size). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "lib/printf.h"

/* No format attribute: for formats the compiler would reject (%q, a
 * trailing '%'), which the formatter must still handle. */
static int kfmt(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = kvsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

/* Check both the text and that the return value is its length. EXPECT_FMT
 * has the compiler check the arguments; EXPECT_RAW is for what it rejects. */
#define EXPECT_WITH(fn, want, ...)                        \
	do {                                              \
		char b_[128];                             \
		int n_ = fn(b_, sizeof(b_), __VA_ARGS__); \
		assert_string_equal(b_, want);            \
		assert_int_equal(n_, (int)strlen(want));  \
	} while (0)
#define EXPECT_FMT(want, ...) EXPECT_WITH(ksnprintf, want, __VA_ARGS__)
#define EXPECT_RAW(want, ...) EXPECT_WITH(kfmt, want, __VA_ARGS__)

static void signed_decimal_prints_sign_and_digits(void **state)
{
	EXPECT_FMT("0", "%d", 0);
	EXPECT_FMT("42", "%d", 42);
	EXPECT_FMT("-42", "%i", -42);
	EXPECT_FMT("2147483647", "%d", INT32_MAX);
	EXPECT_FMT("-2147483648", "%d", INT32_MIN);
}

static void unsigned_conversions_take_32_bits_without_modifier(void **state)
{
	EXPECT_FMT("4294967295", "%u", UINT32_MAX);
	EXPECT_FMT("ffffffff", "%x", -1);
	EXPECT_FMT("deadbeef", "%x", 0xdeadbeefU);
	EXPECT_FMT("DEADBEEF", "%X", 0xdeadbeefU);
	EXPECT_FMT("0", "%x", 0U);
}

static void long_modifiers_take_64_bits(void **state)
{
	EXPECT_FMT("-5000000000", "%ld", -5000000000L);
	EXPECT_FMT("18446744073709551615", "%llu", (unsigned long long)-1);
	EXPECT_FMT("123456789abcdef0", "%lx", 0x123456789abcdef0UL);
	EXPECT_FMT("FEDCBA9876543210", "%llX", 0xfedcba9876543210ULL);
	EXPECT_FMT("18446744073709551615", "%zu", SIZE_MAX);
	EXPECT_FMT("ffffffffffffffff", "%zx", SIZE_MAX);
}

static void int64_min_prints_its_full_magnitude(void **state)
{
	EXPECT_FMT("-9223372036854775808", "%lld", (long long)INT64_MIN);
	EXPECT_FMT("-9223372036854775808", "%ld", (long)INT64_MIN);
	EXPECT_FMT("9223372036854775807", "%lld", (long long)INT64_MAX);
}

static void width_pads_with_spaces_on_the_left(void **state)
{
	EXPECT_FMT("   42", "%5d", 42);
	EXPECT_FMT("  -42", "%5d", -42);
	EXPECT_FMT("   ab", "%5s", "ab");
	EXPECT_FMT("12345", "%3d", 12345); /* never cut by a width */
}

static void zero_pad_puts_the_sign_before_the_zeros(void **state)
{
	EXPECT_FMT("00042", "%05d", 42);
	EXPECT_FMT("-0042", "%05d", -42);
	EXPECT_FMT("0000beef", "%08x", 0xbeefU);
	EXPECT_FMT("000000000000001f", "%016llx", 0x1fULL);
}

static void minus_flag_justifies_left(void **state)
{
	EXPECT_FMT("42   |", "%-5d|", 42);
	EXPECT_FMT("-42  |", "%-5d|", -42);
	EXPECT_FMT("ab    |", "%-6s|", "ab");
	EXPECT_FMT("ff   |", "%-5x|", 0xffU);
	/* As in C, '-' overrides '0': the padding is spaces. */
	EXPECT_RAW("42   |", "%-05d|", 42);
}

static void star_takes_the_width_from_the_arguments(void **state)
{
	EXPECT_FMT("    42", "%*d", 6, 42);
	EXPECT_FMT("ab   |", "%-*s|", 5, "ab");
	EXPECT_FMT("007", "%0*u", 3, 7U);
}

/* Bug: a negative '*' width is ignored. C takes it as '-' and its
 * magnitude, which is what a caller computing a column width expects. */
static void negative_star_width_justifies_left(void **state)
{
	EXPECT_FMT("42   |", "%*d|", -5, 42);
	EXPECT_FMT("ab  |", "%*s|", -4, "ab");
}

static void pointer_prints_0x_and_lowercase_hex(void **state)
{
	EXPECT_FMT("0xdeadbeef", "%p", (void *)0xdeadbeefUL);
	EXPECT_FMT("0xffff800000001000", "%p", (void *)0xffff800000001000UL);
	EXPECT_FMT("0x0", "%p", (void *)0);
}

/* Bug: the padding lands between "0x" and the digits, and the prefix is not
 * counted in the width. As in C, the width is the whole field's. */
static void pointer_width_counts_and_precedes_the_0x_prefix(void **state)
{
	EXPECT_RAW("    0x1234|", "%10p|", (void *)0x1234UL);
	EXPECT_RAW("0x1234    |", "%-10p|", (void *)0x1234UL);
}

static void string_char_and_percent(void **state)
{
	EXPECT_FMT("a-hello-b", "a-%s-b", "hello");
	EXPECT_RAW("(null)", "%s", (const char *)NULL);
	EXPECT_FMT("", "%s", "");
	EXPECT_FMT("xAy", "x%cy", 'A');
	EXPECT_FMT("100%", "%d%%", 100);
}

static void several_conversions_consume_arguments_in_order(void **state)
{
	EXPECT_FMT("1 -2 3 4 five 6 7", "%d %i %u %x %s %c %llu", 1, -2, 3U, 4U,
		   "five", '6', 7ULL);
}

static void unknown_conversion_is_printed_verbatim(void **state)
{
	EXPECT_RAW("a%qb", "a%qb");
	/* It consumes no argument: the next conversion gets the first. */
	EXPECT_RAW("%q5", "%q%d", 5);
}

static void trailing_percent_is_printed_and_ends_the_string(void **state)
{
	EXPECT_RAW("abc%", "abc%");
	EXPECT_RAW("%", "%");
}

static void truncation_returns_the_untruncated_length(void **state)
{
	char b[16];

	memset(b, 0x7f, sizeof(b));
	assert_int_equal(ksnprintf(b, 8, "%s", "hello world"), 11);
	assert_string_equal(b, "hello w");
	for (size_t i = 8; i < sizeof(b); i++)
		assert_int_equal(b[i], 0x7f);

	memset(b, 0x7f, sizeof(b));
	assert_int_equal(ksnprintf(b, 4, "%d", -123456), 7);
	assert_string_equal(b, "-12");
	assert_int_equal(b[4], 0x7f);

	/* Padding counts toward the length and is cut like text. */
	assert_int_equal(ksnprintf(b, 5, "%10d", 1), 10);
	assert_string_equal(b, "    ");
}

static void exact_fit_keeps_every_character(void **state)
{
	char b[6];

	assert_int_equal(ksnprintf(b, sizeof(b), "%s", "hello"), 5);
	assert_string_equal(b, "hello");
	assert_int_equal(ksnprintf(b, sizeof(b), "%s", "hello!"), 6);
	assert_string_equal(b, "hello");
}

static void size_one_writes_only_the_terminator(void **state)
{
	char b[4] = { 'x', 'x', 'x', 'x' };

	assert_int_equal(ksnprintf(b, 1, "%d", 1234), 4);
	assert_int_equal(b[0], 0);
	assert_int_equal(b[1], 'x');
}

static void size_zero_writes_nothing(void **state)
{
	char b[4] = { 'x', 'x', 'x', 'x' };

	assert_int_equal(ksnprintf(b, 0, "abc%d", 42), 5);
	for (size_t i = 0; i < sizeof(b); i++)
		assert_int_equal(b[i], 'x');
	/* The length query idiom: no buffer at all. */
	assert_int_equal(ksnprintf(NULL, 0, "%s=%u", "key", 1234U), 8);
}

static void long_output_stops_at_the_buffer_end(void **state)
{
	char *b = malloc(10); /* exact size, so ASan sees an overrun */
	char big[300];

	assert_non_null(b);

	memset(big, 'z', sizeof(big) - 1);
	big[sizeof(big) - 1] = 0;
	assert_int_equal(ksnprintf(b, 10, "%s%300d", big, 7), 599);
	assert_string_equal(b, "zzzzzzzzz");
	free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(signed_decimal_prints_sign_and_digits),
		cmocka_unit_test(
		    unsigned_conversions_take_32_bits_without_modifier),
		cmocka_unit_test(long_modifiers_take_64_bits),
		cmocka_unit_test(int64_min_prints_its_full_magnitude),
		cmocka_unit_test(width_pads_with_spaces_on_the_left),
		cmocka_unit_test(zero_pad_puts_the_sign_before_the_zeros),
		cmocka_unit_test(minus_flag_justifies_left),
		cmocka_unit_test(star_takes_the_width_from_the_arguments),
		cmocka_unit_test(negative_star_width_justifies_left),
		cmocka_unit_test(pointer_prints_0x_and_lowercase_hex),
		cmocka_unit_test(
		    pointer_width_counts_and_precedes_the_0x_prefix),
		cmocka_unit_test(string_char_and_percent),
		cmocka_unit_test(
		    several_conversions_consume_arguments_in_order),
		cmocka_unit_test(unknown_conversion_is_printed_verbatim),
		cmocka_unit_test(
		    trailing_percent_is_printed_and_ends_the_string),
		cmocka_unit_test(truncation_returns_the_untruncated_length),
		cmocka_unit_test(exact_fit_keeps_every_character),
		cmocka_unit_test(size_one_writes_only_the_terminator),
		cmocka_unit_test(size_zero_writes_nothing),
		cmocka_unit_test(long_output_stops_at_the_buffer_end),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
