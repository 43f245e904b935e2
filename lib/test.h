/* The in-kernel test harness. Tests are registered in the .tests linker
 * section by TEST(suite, behaviour) and reported as KTAP, one block per
 * suite. Assertions print the expression, expected and actual values. */
#ifndef LIB_TEST_H
#define LIB_TEST_H

#include "lib/types.h"

struct options;

struct test {
	const char *suite;
	const char *name;
	void (*fn)(void);
};

#define TEST(suite, behaviour)                                       \
	static void test_##suite##_##behaviour(void);                \
	static const struct test testdesc_##suite##_##behaviour      \
	    __attribute__((used, section(".tests"), aligned(8))) = { \
		    #suite, #behaviour, test_##suite##_##behaviour   \
	    };                                                       \
	static void test_##suite##_##behaviour(void)

/* Run the selected tests; returns true when none failed. */
bool test_run_all(const struct options *o);
void test_list(const struct options *o);

/* What the harness needs of the machine, given once by the kernel before
 * the first test: lib/ knows no hardware. */
struct test_env {
	u64 (*now_us)(void);
	/* Before a test: the state the harness restores after it. */
	u64 (*save)(void);
	/* After a test, however it ended: undo what an abandoned test may
	 * have left half-done (a trap being handled) and restore @saved. */
	void (*restore)(u64 saved);
	/* Print one line; the harness adds no newline. */
	void (*puts)(const char *line);
	/* Indent every line printed from now on by @n spaces, so that what
	 * drivers print during a suite is a diagnostic of that suite. */
	void (*indent)(unsigned n);
};
void test_set_env(const struct test_env *env);

/* What the last test_run_all() found, for the verdict screen. A test
 * marked with test_todo() that passed counts as passed. */
#define TEST_MAX_SUITES 32
#define TEST_MAX_FAILED 32
struct test_counts {
	const char *suite;
	unsigned pass, fail, skip, divergent;
};
struct test_results {
	struct test_counts suites[TEST_MAX_SUITES], total;
	unsigned nr_suites; /* all that ran; the first TEST_MAX_SUITES kept */
	const struct test *failed[TEST_MAX_FAILED];
	unsigned nr_failed; /* all; the first TEST_MAX_FAILED kept */
	u64 checks;
};
const struct test_results *test_results(void);
/* "suite.name", in a buffer reused by the next call. */
const char *test_full_name(const struct test *t);

/* Assertion back ends (lib/test_check.c): return whether the check
 * held. */
/* One more check evaluated (the verdict's "checks:"). */
void test_note_check(void);
bool test_check_num(const char *file, int line, const char *expr, u64 actual,
		    bool actual_signed, const char *op, u64 expected,
		    bool expected_signed);
bool test_check_true(const char *file, int line, const char *expr, bool ok);
bool test_check_ok(const char *file, int line, const char *expr, int err);
bool test_check_mem(const char *file, int line, const char *expr,
		    const void *actual, const void *expected, size_t n);
bool test_check_bytes(const char *file, int line, const char *expr,
		      const void *p, u8 value, size_t n);

/* Orderings (LT, LE, GT, GE) compare the numbers the operands are: a
 * signed operand (int, long; after the integer promotions) below 0 is
 * below every unsigned one, where a 64-bit unsigned comparison would read
 * an errno as 2^64 - 1 and let EXPECT_GT(err, 0) pass. EQ and NE compare
 * as C does (-1 == ~0ULL). Pointers compare as addresses. */
#define TEST_SIGNED(x)             \
	_Generic((x) + 0, int      \
		 : true, long      \
		 : true, long long \
		 : true, default   \
		 : false)
#define TEST_CMP(a, op, b)                                              \
	test_check_num(__FILE__, __LINE__, #a " " #op " " #b, (u64)(a), \
		       TEST_SIGNED(a), #op, (u64)(b), TEST_SIGNED(b))
#define EXPECT_EQ(a, b) TEST_CMP(a, ==, b)
#define EXPECT_NE(a, b) TEST_CMP(a, !=, b)
#define EXPECT_LT(a, b) TEST_CMP(a, <, b)
#define EXPECT_LE(a, b) TEST_CMP(a, <=, b)
#define EXPECT_GT(a, b) TEST_CMP(a, >, b)
#define EXPECT_GE(a, b) TEST_CMP(a, >=, b)
#define EXPECT_TRUE(c)	test_check_true(__FILE__, __LINE__, #c, !!(c))
#define EXPECT_FALSE(c) test_check_true(__FILE__, __LINE__, "!(" #c ")", !(c))
/* err is 0 or a negative errno; the message names the error. */
#define EXPECT_OK(err) test_check_ok(__FILE__, __LINE__, #err, (err))
#define EXPECT_MEMEQ(a, b, n) \
	test_check_mem(__FILE__, __LINE__, #a " == " #b, (a), (b), (n))
/* Every one of n bytes at p equals v (canaries, guard bytes). */
#define EXPECT_BYTES(p, v, n) \
	test_check_bytes(__FILE__, __LINE__, #p, (p), (v), (n))

/* ASSERT_* abandon the test when the check fails. */
#define ASSERT(check)                 \
	do {                          \
		if (!(check))         \
			test_abort(); \
	} while (0)
#define ASSERT_EQ(a, b) ASSERT(EXPECT_EQ(a, b))
#define ASSERT_NE(a, b) ASSERT(EXPECT_NE(a, b))
#define ASSERT_TRUE(c)	ASSERT(EXPECT_TRUE(c))
#define ASSERT_OK(err)	ASSERT(EXPECT_OK(err))

__attribute__((format(printf, 1, 2))) void test_diag(const char *fmt, ...);
/* Fail the current test with a message, and go on in it. */
__attribute__((format(printf, 1, 2))) void test_fail(const char *fmt, ...);
/* Skip the current test with a reason; does not return. */
__attribute__((noreturn, format(printf, 1, 2))) void test_skip(const char *fmt,
							       ...);
/* Mark the current test as covering a known emulator divergence, named
 * with the emulator and version ("QEMU 7.2: ..."): a failure is then
 * reported as "ok N name # SKIP known divergence: reason" (KTAP has no
 * TODO directive), and counted apart from skips; never as a pass. */
__attribute__((format(printf, 1, 2))) void test_todo(const char *fmt, ...);
__attribute__((noreturn)) void test_abort(void);
/* Run fn(arg) when the current test ends, however it ends: returned,
 * failed an ASSERT, skipped, or took an exception (gtest's TearDown).
 * Teardowns run last registered first, after the test's stack frame is
 * gone: @arg must not point into it. */
void test_defer(void (*fn)(void *), void *arg);
/* Run @fn after every test abandoned midway (an exception, a failed
 * ASSERT, a skip), to undo hardware state it may have left behind, such
 * as VMX or SVM still on. Hooks must be safe to call when there is
 * nothing to undo. */
void test_add_abort_hook(void (*fn)(void));

/* Rounds: a test that proves one behaviour over several devices (the
 * VT-d suites over every DMA engine) runs once per device. test_repeat()
 * asks for one more run of the current test after this one ends (its
 * teardowns done); test_round() counts the runs from 0; test_label()
 * names this run's device ("xhci0", a string that outlives the test):
 * the run's diagnostics start with it and its skip reason ends with it
 * ("reason (xhci0)"). The test fails when any run failed and skips only
 * when every run skipped; one that ran says over which devices, and why
 * not over the others. */
#define TEST_MAX_ROUNDS 8
unsigned test_round(void);
void test_repeat(void);
void test_label(const char *label);

/* Run @fn as a test nested in the current one, for self-tests of the
 * harness: its failures, skip and teardowns are its own, and do not count
 * against the current test. */
struct test_outcome {
	bool returned;	   /* fn returned (not abandoned) */
	bool skipped;	   /* fn called test_skip */
	unsigned failures; /* checks that failed inside fn */
};
struct test_outcome test_run_nested(void (*fn)(void));

/* For the trap handler. */
bool test_running(void);
const char *test_current_name(void);
__attribute__((noreturn)) void test_abort_exception(const char *what, u64 rip);
bool test_verbose(void);

#endif
