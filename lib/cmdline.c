/* Command-line parsing, table-driven: one row per option. */
#include "lib/cmdline.h"
#include "lib/printf.h"
#include "lib/string.h"

enum opt_kind { OPT_FLAG, OPT_ENUM, OPT_INT, OPT_STR, OPT_GLOBS };

struct opt {
	const char *name;
	enum opt_kind kind;
	size_t off;
	const char *const *values; /* OPT_ENUM: index is the enum value */
	size_t cap;		   /* OPT_STR: buffer size */
};

static const char *const virt_names[] = { "unset", "none", "svm", "vmx", NULL };

#define OFF(f) offsetof(struct options, f)
static const struct opt opts[] = {
	{ "tests", OPT_GLOBS, OFF(tests), NULL, 0 },
	{ "list", OPT_FLAG, OFF(list), NULL, 0 },
	{ "verbose", OPT_FLAG, OFF(verbose), NULL, 0 },
	{ "report", OPT_FLAG, OFF(report), NULL, 0 },
	{ "acpidump", OPT_FLAG, OFF(acpidump), NULL, 0 },
	{ "hold", OPT_FLAG, OFF(hold), NULL, 0 },
	{ "exit_ack", OPT_FLAG, OFF(exit_ack), NULL, 0 },
	{ "x2apic", OPT_FLAG, OFF(x2apic), NULL, 0 },
	{ "nomsi", OPT_FLAG, OFF(nomsi), NULL, 0 },
	{ "allow_unsafe_interrupts", OPT_FLAG, OFF(allow_unsafe_interrupts),
	  NULL, 0 },
	{ "exit", OPT_STR, OFF(exit), NULL,
	  sizeof(((struct options *)0)->exit) },
	{ "expect_virt", OPT_ENUM, OFF(expect_virt), virt_names, 0 },
	{ "expect_edu", OPT_INT, OFF(expect_edu), NULL, 0 },
	{ "expect_xhci", OPT_INT, OFF(expect_xhci), NULL, 0 },
	{ "expect_cpus", OPT_INT, OFF(expect_cpus), NULL, 0 },
	{ "wbinvd", OPT_STR, OFF(wbinvd), NULL,
	  sizeof(((struct options *)0)->wbinvd) },
	{ "console", OPT_STR, OFF(console), NULL,
	  sizeof(((struct options *)0)->console) },
	{ "vtd_caps", OPT_STR, OFF(vtd_caps), NULL,
	  sizeof(((struct options *)0)->vtd_caps) },
	{ "edu_dma_bits", OPT_INT, OFF(edu_dma_bits), NULL, 0 },
};

static void error(struct options *o, const char *fmt, const char *a,
		  size_t alen)
{
	char arg[48];
	size_t n = MIN(alen, sizeof(arg) - 1);

	memcpy(arg, a, n);
	arg[n] = 0;
	if (o->nr_errors < CMDLINE_MAX_ERRORS)
		ksnprintf(o->errors[o->nr_errors], CMDLINE_ERR_LEN, fmt, arg);
	o->nr_errors++;
}

void cmdline_add_error(struct options *o, const char *fmt, const char *arg)
{
	error(o, fmt, arg, strlen(arg));
}

static bool copy_word(char *dst, size_t cap, const char *s, size_t n)
{
	if (n == 0 || n >= cap)
		return false;
	memcpy(dst, s, n);
	dst[n] = 0;
	return true;
}

static bool set_enum(const struct opt *op, void *field, const char *v, size_t n)
{
	for (int i = 0; op->values[i]; i++) {
		if (strlen(op->values[i]) == n &&
		    !strncmp(op->values[i], v, n)) {
			*(int *)field = i;
			return true;
		}
	}
	return false;
}

static bool set_int(int *field, const char *v, size_t n)
{
	int x = 0;

	if (n == 0 || n > 6)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (v[i] < '0' || v[i] > '9')
			return false;
		x = x * 10 + (v[i] - '0');
	}
	*field = x;
	return true;
}

/* Comma-separated globs; an empty list or an empty glob is an error, so
 * that an empty variable in a script does not silently select all. NULL,
 * or what is wrong (a format for the option's text). */
static const char *set_globs(struct options *o, const char *v, size_t n)
{
	if (!n || v[n - 1] == ',')
		return "empty glob in option '%s'";
	while (n) {
		size_t len = 0;
		while (len < n && v[len] != ',')
			len++;
		if (o->nr_tests == CMDLINE_MAX_GLOBS)
			return "more than " STRINGIFY(
			    CMDLINE_MAX_GLOBS) " globs in option '%s'";
		if (!len || (len == 1 && *v == '-'))
			return "empty glob in option '%s'";
		if (!copy_word(o->tests[o->nr_tests], CMDLINE_GLOB_LEN, v, len))
			return "a glob of more than " STRINGIFY(
			    CMDLINE_GLOB_MAX) " characters in option '%s'";
		o->nr_tests++;
		v += len;
		n -= len;
		if (n) { /* skip the comma */
			v++;
			n--;
		}
	}
	return NULL;
}

/* NULL, or what is wrong (a format for the option's text). */
static const char *apply(struct options *o, const struct opt *op, const char *v,
			 size_t n, bool has_value)
{
	static const char bad[] = "bad value in option '%s'";
	void *field = (char *)o + op->off;

	if (op->kind == OPT_FLAG) {
		if (has_value)
			return bad;
		*(bool *)field = true;
		return NULL;
	}
	if (!has_value)
		return bad;
	switch (op->kind) {
	case OPT_ENUM:
		return set_enum(op, field, v, n) ? NULL : bad;
	case OPT_INT:
		return set_int(field, v, n) ? NULL : bad;
	case OPT_STR:
		return copy_word(field, op->cap, v, n) ? NULL : bad;
	case OPT_GLOBS:
		return set_globs(o, v, n);
	default:
		return bad;
	}
}

static void parse_word(struct options *o, const char *w, size_t n)
{
	size_t klen = 0;

	while (klen < n && w[klen] != '=')
		klen++;
	for (size_t i = 0; i < ARRAY_SIZE(opts); i++) {
		const struct opt *op = &opts[i];
		if (strlen(op->name) != klen || strncmp(op->name, w, klen))
			continue;
		bool has_value = klen < n;
		const char *v = w + klen + has_value;
		const char *why = apply(o, op, v, n - klen - has_value,
					has_value);
		if (why)
			error(o, why, w, n);
		return;
	}
	error(o, "unknown option '%s'", w, n);
}

/* Loaders put the kernel image's path first (QEMU -kernel passes it as
 * given, "build/kernel.elf"; GRUB an absolute path): a first word with a
 * '/' or '.' and no '=' is that path, not an option. */
static bool is_image_path(const char *w, size_t n)
{
	bool path = false;

	for (size_t i = 0; i < n; i++) {
		if (w[i] == '=')
			return false;
		if (w[i] == '/' || w[i] == '.')
			path = true;
	}
	return path;
}

unsigned cmdline_parse(const char *s, struct options *o)
{
	bool first = true;

	memset(o, 0, sizeof(*o));
	o->expect_edu = -1;
	o->expect_xhci = -1;
	o->expect_cpus = -1;
	o->edu_dma_bits = 28;
	while (s && *s) {
		while (*s == ' ' || *s == '\t')
			s++;
		size_t n = 0;
		while (s[n] && s[n] != ' ' && s[n] != '\t')
			n++;
		if (n && !(first && is_image_path(s, n)))
			parse_word(o, s, n);
		first = false;
		s += n;
	}
	return o->nr_errors;
}

bool cmdline_selects(const struct options *o, const char *suite,
		     const char *name)
{
	char full[2 * CMDLINE_GLOB_LEN];
	bool any = false, in = false;

	ksnprintf(full, sizeof(full), "%s.%s", suite, name);
	for (unsigned i = 0; i < o->nr_tests; i++) {
		const char *g = o->tests[i];
		bool out = *g == '-';
		bool hit = glob_match(g + out, suite) ||
			   glob_match(g + out, full);
		if (out && hit)
			return false;
		any |= !out;
		in |= !out && hit;
	}
	return !any || in;
}
