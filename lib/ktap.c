/* KTAP version 1 writer. Results look like
 *     ok 3 name
 *     not ok 4 name
 *     ok 5 name # SKIP reason
 *     ok 6 name # SKIP known divergence: reason
 * nested blocks indented by four spaces per level. */
#include "lib/ktap.h"
#include "lib/printf.h"

#define KTAP_LINE_MAX 256

static void emitf(struct ktap *k, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void emitf(struct ktap *k, const char *fmt, ...)
{
	char line[KTAP_LINE_MAX];
	unsigned ind = k->depth * 4;
	va_list ap;

	for (unsigned i = 0; i < ind; i++)
		line[i] = ' ';
	va_start(ap, fmt);
	kvsnprintf(line + ind, sizeof(line) - ind, fmt, ap);
	va_end(ap);
	/* A newline or '#' inside a name or reason would break the format. */
	for (char *p = line; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	k->emit(k->ctx, line);
}

void ktap_header(struct ktap *k, unsigned nr_tests)
{
	emitf(k, "KTAP version 1");
	emitf(k, "1..%u", nr_tests);
}

void ktap_plan(struct ktap *k, unsigned nr_tests)
{
	emitf(k, "1..%u", nr_tests);
}

void ktap_subtest(struct ktap *k, const char *name, unsigned nr_tests)
{
	k->depth++;
	emitf(k, "KTAP version 1");
	emitf(k, "# Subtest: %s", name);
	emitf(k, "1..%u", nr_tests);
}

void ktap_end_subtest(struct ktap *k)
{
	if (k->depth)
		k->depth--;
}

static void clean_name(char *dst, size_t cap, const char *src)
{
	size_t i = 0;

	for (; src[i] && i + 1 < cap; i++)
		dst[i] = src[i] == '#' ? '_' : src[i];
	dst[i] = 0;
}

void ktap_result(struct ktap *k, unsigned idx, const char *name,
		 enum ktap_result r, const char *reason)
{
	char n[96];

	clean_name(n, sizeof(n), name);
	switch (r) {
	case KTAP_PASS:
		emitf(k, "ok %u %s", idx, n);
		break;
	case KTAP_FAIL:
		emitf(k, "not ok %u %s", idx, n);
		break;
	case KTAP_SKIP:
		emitf(k, "ok %u %s # SKIP %s", idx, n, reason ? reason : "");
		break;
	default:
		emitf(k, "ok %u %s # SKIP " KTAP_DIVERGENCE "%s", idx, n,
		      reason ? reason : "");
		break;
	}
}

void ktap_diag(struct ktap *k, const char *fmt, ...)
{
	char msg[KTAP_LINE_MAX];
	va_list ap;

	va_start(ap, fmt);
	kvsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	emitf(k, "# %s", msg);
}
