/* The harness's checks (EXPECT_*, ASSERT_* in lib/test.h): each compares,
 * and on a mismatch fails the running test with the expression, both
 * sides and where it stands (test_fail). */
#include "lib/test.h"
#include "lib/errno.h"
#include "lib/printf.h"
#include "lib/string.h"

/* Orderings: -1, 0 or 1 as the numbers compare. A negative signed one is
 * below any unsigned one; two of one sign compare as that sign's type. */
static int num_cmp(u64 a, bool as, u64 b, bool bs)
{
	bool an = as && (s64)a < 0, bn = bs && (s64)b < 0;

	if (an != bn)
		return an ? -1 : 1;
	if (an)
		return (s64)a < (s64)b ? -1 : (s64)a > (s64)b;
	return a < b ? -1 : a > b;
}

/* A negative signed operand as "-N", anything else in hex. */
static const char *num_str(char *buf, size_t len, u64 v, bool is_signed)
{
	if (is_signed && (s64)v < 0)
		ksnprintf(buf, len, "%ld", (s64)v);
	else
		ksnprintf(buf, len, "0x%lx", v);
	return buf;
}

bool test_check_num(const char *file, int line, const char *expr, u64 actual,
		    bool actual_signed, const char *op, u64 expected,
		    bool expected_signed)
{
	int c = num_cmp(actual, actual_signed, expected, expected_signed);
	char l[24], r[24];
	bool ok;

	test_note_check();
	switch (op[0] | op[1] << 8) {
	case '=' | '=' << 8: /* as C compares them: -1 == ~0ULL */
		ok = actual == expected;
		break;
	case '!' | '=' << 8:
		ok = actual != expected;
		break;
	case '<':
		ok = c < 0;
		break;
	case '<' | '=' << 8:
		ok = c <= 0;
		break;
	case '>':
		ok = c > 0;
		break;
	default:
		ok = c >= 0;
		break;
	}
	if (!ok)
		test_fail("%s:%d: EXPECT %s: left %s, right %s", file, line,
			  expr, num_str(l, sizeof(l), actual, actual_signed),
			  num_str(r, sizeof(r), expected, expected_signed));
	return ok;
}

bool test_check_true(const char *file, int line, const char *expr, bool ok)
{
	test_note_check();
	if (!ok)
		test_fail("%s:%d: EXPECT %s: false", file, line, expr);
	return ok;
}

bool test_check_ok(const char *file, int line, const char *expr, int err)
{
	test_note_check();
	if (err)
		test_fail("%s:%d: EXPECT %s == 0: got %d (%s)", file, line,
			  expr, err, strerror_k(err));
	return !err;
}

bool test_check_mem(const char *file, int line, const char *expr,
		    const void *actual, const void *expected, size_t n)
{
	test_note_check();
	const u8 *a = actual, *e = expected;

	for (size_t i = 0; i < n; i++) {
		if (a[i] != e[i]) {
			test_fail("%s:%d: EXPECT %s: first difference at byte "
				  "%zu of %zu: expected 0x%02x, got 0x%02x",
				  file, line, expr, i, n, e[i], a[i]);
			return false;
		}
	}
	return true;
}

bool test_check_bytes(const char *file, int line, const char *expr,
		      const void *p, u8 value, size_t n)
{
	test_note_check();
	const u8 *a = p;
	size_t i = mem_run(a, value, n);

	if (i < n) {
		test_fail("%s:%d: EXPECT %s untouched: byte %zu of %zu is "
			  "0x%02x, expected 0x%02x",
			  file, line, expr, i, n, a[i], value);
		return false;
	}
	return true;
}
