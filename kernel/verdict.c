/* The verdict page, read from across a lab: PASS or FAIL in large type,
 * the totals line exactly as KTAP printed it (tests/run finds it in a
 * screendump), the counts per suite (in large type where the screen has
 * room: a framebuffer; the 80x25 VGA text screen has not), the failed tests
 * by name, and where the full log is. */
#include "arch/x86/console.h"
#include "arch/x86/platform.h"
#include "kvmlike/policy.h"
#include "lib/printf.h"
#include "lib/string.h"
#include "lib/test.h"
#include "kernel/verdict.h"

#define A_TEXT	  SCREEN_ATTR(COLOR_GREY, COLOR_BLACK)
#define A_HEAD	  SCREEN_ATTR(COLOR_WHITE, COLOR_BLACK)
#define A_PASS	  SCREEN_ATTR(COLOR_LIGHT_GREEN, COLOR_BLACK)
#define A_FAIL	  SCREEN_ATTR(COLOR_LIGHT_RED, COLOR_BLACK)
#define A_SKIP	  SCREEN_ATTR(COLOR_YELLOW, COLOR_BLACK)
#define A_ZERO	  SCREEN_ATTR(COLOR_DARK_GREY, COLOR_BLACK)
#define A_BAN_OK  SCREEN_ATTR(COLOR_WHITE, COLOR_GREEN)
#define A_BAN_BAD SCREEN_ATTR(COLOR_WHITE, COLOR_RED)

#define NAME_COL 2
#define NUM_COL	 18 /* first count column */
#define FOOTER	 2  /* rows */
#define HOLD_US	 (600ULL * 1000 * 1000)

struct page {
	unsigned cols, rows, row;
	const struct test_results *r;
};

__attribute__((format(printf, 5, 6))) static void at(unsigned col, unsigned row,
						     u8 attr, char *buf,
						     const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	kvsnprintf(buf, 128, fmt, ap);
	va_end(ap);
	screen_text(col, row, attr, buf);
}

/* The first @n characters of @s (kprintf has no precision). */
static const char *clip(char *buf, const char *s, size_t n)
{
	size_t len = MIN(strlen(s), n);

	memcpy(buf, s, len);
	buf[len] = 0;
	return buf;
}

static void fill_row(const struct page *p, unsigned row, u8 attr)
{
	for (unsigned x = 0; x < p->cols; x++)
		screen_text(x, row, attr, " ");
}

static void banner(struct page *p, const struct options *o, bool pass)
{
	unsigned w, h, x, scale = p->rows >= 40 ? 4 : 3;
	u8 a = pass ? A_BAN_OK : A_BAN_BAD;
	char b[128];

	screen_big_size(scale, &w, &h);
	for (unsigned y = 0; y < h + 2; y++)
		fill_row(p, y, a);
	screen_big(NAME_COL, 1, a, pass ? "PASS" : "FAIL", scale);
	x = NAME_COL + 4 * w + 3;
	at(x, 1, a, b, "vtdtest verdict on %s", platform_name());
	at(x, 2, a, b, "%u suites, %u tests", p->r->nr_suites,
	   p->r->total.pass + p->r->total.fail + p->r->total.skip +
	       p->r->total.divergent);
	at(x, 3, a, b, "WBINVD policy: %s",
	   kvmc_policy_name(kvmc_policy_or_default(o->wbinvd)));
	if (o->nr_errors)
		at(x, 4, a, b, "%u command line error(s): see the log",
		   o->nr_errors);
	else if (o->nr_tests)
		at(x, 4, a, b, "tests=%s%s", o->tests[0],
		   o->nr_tests > 1 ? ",..." : "");
	p->row = h + 3;
}

static u8 count_attr(unsigned n, u8 attr)
{
	return n ? attr : A_ZERO;
}

/* Counts right-aligned in 3-digit columns of @w cells per digit. */
static void count(unsigned col, unsigned row, unsigned n, u8 attr,
		  unsigned scale, unsigned w)
{
	char s[12];
	size_t len = (size_t)ksnprintf(s, sizeof(s), "%u", MIN(n, 999u));

	if (scale < 2)
		screen_text(col + 3 - (unsigned)len, row, attr, s);
	else
		screen_big(col + (3 - (unsigned)len) * w, row, attr, s, scale);
}

/* The largest scale at which every suite fits, or 1 for plain text. */
static unsigned table_scale(const struct page *p, unsigned n)
{
	for (unsigned s = 3, w, h; s >= 2; s--) {
		screen_big_size(s, &w, &h);
		if (NUM_COL + 3 * (3 * w + 2) <= p->cols &&
		    p->row + 1 + n * h + 3 + FOOTER <= p->rows)
			return s;
	}
	return 1;
}

static void table(struct page *p)
{
	unsigned n = MIN(p->r->nr_suites, TEST_MAX_SUITES);
	unsigned s = table_scale(p, n), w = 1, h = 1, step;
	char b[128];

	if (s > 1)
		screen_big_size(s, &w, &h);
	step = 3 * w + 2;
	at(NAME_COL, p->row, A_HEAD, b, "suite");
	at(NUM_COL, p->row, A_HEAD, b, "pass");
	at(NUM_COL + step, p->row, A_HEAD, b, "fail");
	at(NUM_COL + 2 * step, p->row++, A_HEAD, b, "skip");
	for (unsigned i = 0; i < n && p->row + h + 3 + FOOTER <= p->rows; i++) {
		const struct test_counts *c = &p->r->suites[i];
		char name[16];
		at(NAME_COL, p->row + h / 2, A_TEXT, b, "%s",
		   clip(name, c->suite, 15));
		count(NUM_COL, p->row, c->pass, count_attr(c->pass, A_PASS), s,
		      w);
		count(NUM_COL + step, p->row, c->fail,
		      count_attr(c->fail, A_FAIL), s, w);
		count(NUM_COL + 2 * step, p->row, c->skip + c->divergent,
		      count_attr(c->skip + c->divergent, A_SKIP), s, w);
		p->row += h;
	}
	p->row++;
}

static void failures(struct page *p)
{
	unsigned shown = MIN(p->r->nr_failed, TEST_MAX_FAILED), k = 0;
	unsigned room = p->rows - FOOTER - 2 - p->row; /* rows for names */
	unsigned per_row = MIN(MAX(1u, (p->cols - NAME_COL) / 40),
			       (shown + room - 1) / MAX(room, 1u));
	char b[128], name[40];

	if (!p->r->nr_failed) {
		at(NAME_COL, p->row++, A_PASS, b, "No test failed.");
		return;
	}
	at(NAME_COL, p->row++, A_FAIL, b,
	   "Failed tests (%u):", p->r->nr_failed);
	per_row = MAX(per_row, 1u);
	for (; k < shown && p->row + 1 + FOOTER < p->rows; p->row++)
		for (unsigned c = 0; c < per_row && k < shown; c++, k++)
			at(NAME_COL + 40 * c, p->row, A_FAIL, b, "%s",
			   clip(name, test_full_name(p->r->failed[k]), 38));
	if (k < p->r->nr_failed)
		at(NAME_COL, p->row++, A_FAIL, b,
		   "... and %u more: see the serial log", p->r->nr_failed - k);
}

static void footer(const struct page *p)
{
	unsigned y = p->rows - FOOTER;
	char b[128], port[48];

	if (console_serial_name(port, sizeof(port)))
		at(NAME_COL, y, A_TEXT, b, "Full log: KTAP on serial %s, 8N1.",
		   port);
	else
		at(NAME_COL, y, A_SKIP, b,
		   "No serial output: this page is the record. Boot a single "
		   "suite to read its log.");
	at(NAME_COL, y + 1, A_TEXT, b,
	   "Parse a saved log: tests/run --out DIR --log FILE (README).");
}

void report_verdict(const struct options *o, bool pass)
{
	struct page p = { .r = test_results() };
	const struct test_counts *t = &p.r->total;
	char b[128];

	if (!screen_geometry(&p.cols, &p.rows) || p.rows < 16 || p.cols < 60)
		return;
	screen_clear(A_TEXT);
	banner(&p, o, pass);
	at(NAME_COL, p.row++, A_HEAD, b,
	   "Totals: pass:%u fail:%u skip:%u divergent:%u checks:%lu", t->pass,
	   t->fail, t->skip, t->divergent, p.r->checks);
	p.row++;
	table(&p);
	failures(&p);
	footer(&p);
	screen_freeze();
	kprintf("# screen: verdict page drawn (%s)\n", pass ? "PASS" : "FAIL");
	if (!o->hold)
		return;
	kprintf("# hold: verdict on the screen; press a key (keyboard or "
		"serial) to go on\n");
	if (!console_wait_key(HOLD_US))
		kprintf("# hold: no key in %lu s, going on\n",
			(u64)(HOLD_US / 1000000));
}
