/* The in-kernel test harness: selection, running, assertions, KTAP. It
 * knows no hardware: the kernel gives it a clock, the interrupt state and
 * the console through struct test_env (test_set_env). */
#include "lib/test.h"
#include "lib/cmdline.h"
#include "lib/errno.h"
#include "lib/ktap.h"
#include "lib/printf.h"
#include "lib/setjmp.h"
#include "lib/string.h"

extern const struct test __tests_start[], __tests_end[];

#define REASON_LEN 128
#define MAX_DEFER  8

struct deferred {
	void (*fn)(void *);
	void *arg;
};

static struct {
	const struct test *test;
	struct jmpbuf jb;
	bool running, skipped, todo;
	unsigned failures;
	char reason[REASON_LEN];
	char todo_reason[REASON_LEN];
	unsigned round;	   /* test_round() */
	bool again;	   /* test_repeat() was called in this round */
	const char *label; /* test_label() of this round, or NULL */
	struct deferred defer[MAX_DEFER];
	unsigned nr_defer;
} cur;
static bool verbose;
static u64 nr_checks; /* assertions evaluated, for the report */
static void (*abort_hooks[4])(void);
static struct test_results results;
static const struct test_env *env;

void test_note_check(void)
{
	nr_checks++;
}

void test_set_env(const struct test_env *e)
{
	env = e;
}

static void emit_line(void *ctx, const char *line)
{
	env->puts(line);
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

/* Teardowns run last registered first, each once, whether the test
 * returned or was abandoned. One that faults is reported, and the rest
 * still run. */
static void run_deferred(void)
{
	while (cur.nr_defer) {
		struct deferred d = cur.defer[--cur.nr_defer];
		if (ksetjmp(&cur.jb) == 0) {
			cur.running = true;
			d.fn(d.arg);
		}
		cur.running = false;
	}
}

/* One run of @t, its teardowns and, if it was abandoned, the abort hooks. */
static void run_round(const struct test *t)
{
	u64 saved = env->save();
	bool abandoned = true;

	if (ksetjmp(&cur.jb) == 0) {
		cur.running = true;
		t->fn();
		abandoned = false;
	}
	cur.running = false;
	env->restore(saved);
	run_deferred();
	for (unsigned i = 0; abandoned && i < ARRAY_SIZE(abort_hooks); i++)
		if (abort_hooks[i])
			abort_hooks[i]();
	env->restore(saved);
}

/* Append @s to @buf (of REASON_LEN), cut where it is full. */
static void append(char *buf, const char *s)
{
	size_t n = strlen(buf);

	if (n + 1 < REASON_LEN)
		ksnprintf(buf + n, REASON_LEN - n, "%s", s);
}

/* The skip reasons of the rounds, labelled: "reason (a, b); other (c)".
 * @why[i] and @who[i] are round i's. */
static void join_reasons(char *out, char (*why)[REASON_LEN], const char **who,
			 unsigned n)
{
	bool done[TEST_MAX_ROUNDS] = { false };

	out[0] = 0;
	for (unsigned i = 0; i < n; i++) {
		if (done[i])
			continue;
		append(out, out[0] ? "; " : "");
		append(out, why[i]);
		for (unsigned j = i, k = 0; j < n; j++) {
			if (done[j] || strcmp(why[j], why[i]) || !who[j])
				continue;
			done[j] = true;
			append(out, k++ ? ", " : " (");
			append(out, who[j]);
		}
		if (who[i])
			append(out, ")");
		done[i] = true;
	}
}

/* Every round of @t (test_repeat): it fails when any round failed, and
 * skips only when every round skipped. */
static enum ktap_result run_one(const struct test *t)
{
	static char why[TEST_MAX_ROUNDS][REASON_LEN];
	static const char *who[TEST_MAX_ROUNDS];
	char over[REASON_LEN] = "";
	unsigned nskip = 0, nran = 0;
	u64 start = env->now_us();

	memset(&cur, 0, sizeof(cur));
	cur.test = t;
	do {
		cur.again = cur.skipped = false;
		cur.label = NULL;
		cur.reason[0] = 0;
		run_round(t);
		if (cur.skipped && nskip < TEST_MAX_ROUNDS) {
			memcpy(why[nskip], cur.reason, REASON_LEN);
			who[nskip++] = cur.label;
		} else if (!cur.skipped) {
			append(over, nran++ ? ", " : "");
			append(over, cur.label ? cur.label : "-");
		}
		cur.round++;
	} while (cur.again && cur.round < TEST_MAX_ROUNDS);
	cur.label = NULL;
	if (nran && cur.round > 1)
		test_diag("ran over %s", over);
	for (unsigned i = 0; nran && i < nskip; i++)
		test_diag("not over %s: %s", who[i] ? who[i] : "-", why[i]);
	if (verbose)
		test_diag("took %lu us", env->now_us() - start);
	/* A check that failed before the skip is not dropped with it. */
	if (!nran && !cur.failures) {
		join_reasons(cur.reason, why, who, nskip);
		return KTAP_SKIP;
	}
	memcpy(cur.reason, cur.todo_reason, REASON_LEN);
	if (cur.todo && cur.failures)
		return KTAP_DIVERGENT;
	return cur.failures ? KTAP_FAIL : KTAP_PASS;
}

unsigned test_round(void)
{
	return cur.round;
}

void test_repeat(void)
{
	cur.again = true;
}

void test_label(const char *label)
{
	cur.label = label;
}

struct test_outcome test_run_nested(void (*fn)(void))
{
	typeof(cur) outer = cur;
	u64 saved = env->save();
	struct test_outcome o = { false, false, 0 };

	cur.nr_defer = 0;
	cur.failures = 0;
	cur.skipped = false;
	cur.round = 0;
	cur.label = NULL;
	if (ksetjmp(&cur.jb) == 0) {
		cur.running = true;
		fn();
		o.returned = true;
	}
	cur.running = false;
	env->restore(saved);
	run_deferred();
	o.skipped = cur.skipped;
	o.failures = cur.failures;
	cur = outer;
	return o;
}

void test_defer(void (*fn)(void *), void *arg)
{
	if (cur.nr_defer == MAX_DEFER) {
		/* A broken test, not bad input: say so and run it now. */
		test_fail("more than %u teardowns registered", MAX_DEFER);
		fn(arg);
		return;
	}
	cur.defer[cur.nr_defer++] = (struct deferred){ fn, arg };
}

struct totals {
	unsigned r[KTAP_NR_RESULTS];
};

static void fill_counts(struct test_counts *c, const char *suite,
			const struct totals *t)
{
	*c = (struct test_counts){ suite, t->r[KTAP_PASS], t->r[KTAP_FAIL],
				   t->r[KTAP_SKIP], t->r[KTAP_DIVERGENT] };
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

/* The suite's test durations in microseconds of the clock the
 * environment keeps (the TSC: under QEMU -icount or Bochs, virtual time),
 * in test order, as one diagnostic line for the runner's JUnit: KTAP has
 * no field for it. "+" ends a line that ran out of room. */
#define TIMES_LEN 1024
struct times_line {
	char buf[TIMES_LEN];
	size_t len;
	bool full;
};

static void times_add(struct times_line *l, u64 us)
{
	char num[24];
	size_t n = (size_t)ksnprintf(num, sizeof(num), " %lu", us);

	if (l->full)
		return;
	if (l->len + n + 2 > sizeof(l->buf)) {
		memcpy(l->buf + l->len, "+", 2);
		l->full = true;
		return;
	}
	memcpy(l->buf + l->len, num, n + 1);
	l->len += n;
}

static bool run_suite(const struct options *o, const char *suite, unsigned idx,
		      struct totals *tot)
{
	static struct times_line times;
	struct totals s = { 0 };
	const struct test *t;
	unsigned n = 0;

	times = (struct times_line){ .len = 0 };

	ktap_subtest(&ktap, suite, count_selected(o, suite));
	env->indent(4);
	for_each_test (t) {
		if (strcmp(t->suite, suite) || !selected(o, t))
			continue;
		u64 start = env->now_us();
		enum ktap_result r = run_one(t);
		times_add(&times, env->now_us() - start);
		ktap_result(&ktap, ++n, t->name, r, cur.reason);
		s.r[r]++;
		tot->r[r]++;
		if (r == KTAP_FAIL)
			record_failure(t);
	}
	if (results.nr_suites < TEST_MAX_SUITES)
		fill_counts(&results.suites[results.nr_suites], suite, &s);
	results.nr_suites++;
	if (n)
		ktap_diag(&ktap, "%s: test durations in us:%s", suite,
			  times.buf);
	ktap_diag(&ktap, "%s: pass:%u fail:%u skip:%u divergent:%u", suite,
		  s.r[KTAP_PASS], s.r[KTAP_FAIL], s.r[KTAP_SKIP],
		  s.r[KTAP_DIVERGENT]);
	env->indent(0);
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
	ktap_plan(&ktap, nsuites);
	for_each_test (t) {
		if (first_of_suite(t) && count_selected(o, t->suite))
			pass &= run_suite(o, t->suite, ++idx, &tot);
	}
	ktap_diag(&ktap,
		  "Totals: pass:%u fail:%u skip:%u divergent:%u checks:%lu",
		  tot.r[KTAP_PASS], tot.r[KTAP_FAIL], tot.r[KTAP_SKIP],
		  tot.r[KTAP_DIVERGENT], nr_checks);
	fill_counts(&results.total, "total", &tot);
	results.checks = nr_checks;
	return pass;
}

void test_list(const struct options *o)
{
	const struct test *t;

	for_each_test (t)
		if (selected(o, t))
			ktap_diag(&ktap, "test: %s.%s", t->suite, t->name);
}

static void vdiag(const char *fmt, va_list ap)
{
	char msg[200];

	kvsnprintf(msg, sizeof(msg), fmt, ap);
	if (cur.label)
		ktap_diag(&ktap, "%s: %s: %s", cur.test ? cur.test->name : "-",
			  cur.label, msg);
	else
		ktap_diag(&ktap, "%s: %s", cur.test ? cur.test->name : "-",
			  msg);
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
	kvsnprintf(cur.todo_reason, sizeof(cur.todo_reason), fmt, ap);
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
