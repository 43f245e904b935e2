/* The in-kernel test harness: selection, running, assertions, KTAP. */
#include "lib/test.h"
#include "arch/x86/console.h"
#include "arch/x86/cpu.h"
#include "arch/x86/trap.h"
#include "arch/x86/tsc.h"
#include "lib/cmdline.h"
#include "lib/errno.h"
#include "lib/ktap.h"
#include "lib/printf.h"
#include "lib/string.h"

struct jmpbuf {
	u64 regs[8];
};
int ksetjmp(struct jmpbuf *jb);
__attribute__((noreturn)) void klongjmp(struct jmpbuf *jb, int val);

extern const struct test __tests_start[], __tests_end[];

#define REASON_LEN 128

static struct {
	const struct test *test;
	struct jmpbuf jb;
	bool running, skipped, todo;
	unsigned failures;
	char reason[REASON_LEN];
} cur;
static bool verbose;
static void (*abort_hooks[4])(void);
static u64 nr_checks; /* assertions evaluated, for the report */
static struct test_results results;

static void emit_line(void *ctx, const char *line)
{
	kprintf("%s\n", line);
}

static struct ktap ktap = { emit_line, NULL, 0 };

#define for_each_test(t) for (t = __tests_start; t < __tests_end; t++)

static bool selected(const struct options *o, const struct test *t)
{
	return cmdline_selects(o, t->suite, t->name);
}

/* A suite's first registered test names it; later ones with the same suite
 * join it, wherever they were linked. */
static bool first_of_suite(const struct test *t)
{
	for (const struct test *p = __tests_start; p < t; p++)
		if (!strcmp(p->suite, t->suite))
			return false;
	return true;
}

static unsigned count_selected(const struct options *o, const char *suite)
{
	const struct test *t;
	unsigned n = 0;

	for_each_test (t)
		if (!strcmp(t->suite, suite) && selected(o, t))
			n++;
	return n;
}

static enum ktap_result run_one(const struct test *t)
{
	u64 flags = read_rflags();
	u64 start = tsc_read_us();

	memset(&cur, 0, sizeof(cur));
	cur.test = t;
	bool abandoned = true;
	if (ksetjmp(&cur.jb) == 0) {
		cur.running = true;
		t->fn();
		abandoned = false;
	}
	cur.running = false;
	trap_recover();
	for (unsigned i = 0; abandoned && i < ARRAY_SIZE(abort_hooks); i++)
		if (abort_hooks[i])
			abort_hooks[i]();
	if (flags & X86_RFLAGS_IF)
		irq_enable();
	else
		irq_disable();
	if (verbose)
		test_diag("took %lu us", tsc_read_us() - start);
	if (cur.skipped)
		return KTAP_SKIP;
	if (cur.todo)
		return cur.failures ? KTAP_TODO : KTAP_TODO_PASSED;
	return cur.failures ? KTAP_FAIL : KTAP_PASS;
}

struct totals {
	unsigned r[KTAP_TODO_PASSED + 1];
};

static void fill_counts(struct test_counts *c, const char *suite,
			const struct totals *t)
{
	*c = (struct test_counts){ suite,
				   t->r[KTAP_PASS] + t->r[KTAP_TODO_PASSED],
				   t->r[KTAP_FAIL], t->r[KTAP_SKIP],
				   t->r[KTAP_TODO] };
}

static void record_failure(const struct test *t)
{
	if (results.nr_failed < TEST_MAX_FAILED)
		results.failed[results.nr_failed] = t;
	results.nr_failed++;
}

const struct test_results *test_results(void)
{
	return &results;
}

static bool run_suite(const struct options *o, const char *suite, unsigned idx,
		      struct totals *tot)
{
	struct totals s = { 0 };
	const struct test *t;
	unsigned n = 0;

	ktap_subtest(&ktap, suite, count_selected(o, suite));
	for_each_test (t) {
		if (strcmp(t->suite, suite) || !selected(o, t))
			continue;
		enum ktap_result r = run_one(t);
		ktap_result(&ktap, ++n, t->name, r, cur.reason);
		s.r[r]++;
		tot->r[r]++;
		if (r == KTAP_FAIL)
			record_failure(t);
	}
	if (results.nr_suites < TEST_MAX_SUITES)
		fill_counts(&results.suites[results.nr_suites], suite, &s);
	results.nr_suites++;
	ktap_diag(&ktap, "%s: pass:%u fail:%u skip:%u todo:%u", suite,
		  s.r[KTAP_PASS] + s.r[KTAP_TODO_PASSED], s.r[KTAP_FAIL],
		  s.r[KTAP_SKIP], s.r[KTAP_TODO]);
	ktap_end_subtest(&ktap);
	ktap_result(&ktap, idx, suite, s.r[KTAP_FAIL] ? KTAP_FAIL : KTAP_PASS,
		    NULL);
	return !s.r[KTAP_FAIL];
}

bool test_run_all(const struct options *o)
{
	struct totals tot = { 0 };
	const struct test *t;
	unsigned nsuites = 0, idx = 0;
	bool pass = true;

	verbose = o->verbose;
	for_each_test (t)
		if (first_of_suite(t) && count_selected(o, t->suite))
			nsuites++;
	kprintf("1..%u\n", nsuites);
	for_each_test (t) {
		if (first_of_suite(t) && count_selected(o, t->suite))
			pass &= run_suite(o, t->suite, ++idx, &tot);
	}
	ktap_diag(&ktap, "Totals: pass:%u fail:%u skip:%u todo:%u checks:%lu",
		  tot.r[KTAP_PASS] + tot.r[KTAP_TODO_PASSED], tot.r[KTAP_FAIL],
		  tot.r[KTAP_SKIP], tot.r[KTAP_TODO], nr_checks);
	fill_counts(&results.total, "total", &tot);
	results.checks = nr_checks;
	return pass;
}

void test_list(const struct options *o)
{
	const struct test *t;

	for_each_test (t)
		if (selected(o, t))
			kprintf("# test: %s.%s\n", t->suite, t->name);
}

static void vdiag(const char *fmt, va_list ap)
{
	char msg[200];

	kvsnprintf(msg, sizeof(msg), fmt, ap);
	ktap_diag(&ktap, "%s: %s", cur.test ? cur.test->name : "-", msg);
}

void test_diag(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vdiag(fmt, ap);
	va_end(ap);
}

void test_fail(const char *fmt, ...)
{
	va_list ap;

	cur.failures++;
	va_start(ap, fmt);
	vdiag(fmt, ap);
	va_end(ap);
}

void test_skip(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	kvsnprintf(cur.reason, sizeof(cur.reason), fmt, ap);
	va_end(ap);
	cur.skipped = true;
	klongjmp(&cur.jb, 1);
}

void test_todo(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	kvsnprintf(cur.reason, sizeof(cur.reason), fmt, ap);
	va_end(ap);
	cur.todo = true;
}

void test_abort(void)
{
	klongjmp(&cur.jb, 1);
}

void test_add_abort_hook(void (*fn)(void))
{
	for (unsigned i = 0; i < ARRAY_SIZE(abort_hooks); i++) {
		if (abort_hooks[i] == fn)
			return;
		if (!abort_hooks[i]) {
			abort_hooks[i] = fn;
			return;
		}
	}
}

bool test_running(void)
{
	return cur.running;
}

bool test_verbose(void)
{
	return verbose;
}

const char *test_full_name(const struct test *t)
{
	static char buf[96];

	ksnprintf(buf, sizeof(buf), "%s.%s", t->suite, t->name);
	return buf;
}

const char *test_current_name(void)
{
	if (!cur.running || !cur.test)
		return "(no test)";
	return test_full_name(cur.test);
}

void test_abort_exception(const char *what, u64 rip)
{
	test_fail("unexpected exception %s at RIP 0x%lx", what, rip);
	klongjmp(&cur.jb, 1);
}

bool test_check_u64(const char *file, int line, const char *expr, u64 actual,
		    const char *op, u64 expected)
{
	nr_checks++;
	bool ok;

	switch (op[0] | op[1] << 8) {
	case '=' | '=' << 8:
		ok = actual == expected;
		break;
	case '!' | '=' << 8:
		ok = actual != expected;
		break;
	case '<':
		ok = actual < expected;
		break;
	case '<' | '=' << 8:
		ok = actual <= expected;
		break;
	case '>':
		ok = actual > expected;
		break;
	default:
		ok = actual >= expected;
		break;
	}
	if (!ok)
		test_fail("%s:%d: EXPECT %s: left 0x%lx, right 0x%lx", file,
			  line, expr, actual, expected);
	return ok;
}

bool test_check_true(const char *file, int line, const char *expr, bool ok)
{
	nr_checks++;
	if (!ok)
		test_fail("%s:%d: EXPECT %s: false", file, line, expr);
	return ok;
}

bool test_check_ok(const char *file, int line, const char *expr, int err)
{
	nr_checks++;
	if (err)
		test_fail("%s:%d: EXPECT %s == 0: got %d (%s)", file, line,
			  expr, err, strerror_k(err));
	return !err;
}

bool test_check_mem(const char *file, int line, const char *expr,
		    const void *actual, const void *expected, size_t n)
{
	nr_checks++;
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
	nr_checks++;
	const u8 *a = p;
	u64 word = 0x0101010101010101ULL * value;
	size_t i = 0;

	/* Whole words first (guards are large), bytes for the rest and to
	 * name the first difference. */
	while (i + 8 <= n && *(const u64 *)(a + i) == word)
		i += 8;
	for (; i < n; i++) {
		if (a[i] != value) {
			test_fail("%s:%d: EXPECT %s untouched: byte %zu of %zu "
				  "is 0x%02x, expected 0x%02x",
				  file, line, expr, i, n, a[i], value);
			return false;
		}
	}
	return true;
}
