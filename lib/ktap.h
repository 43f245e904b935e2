/* KTAP version 1 writer (Documentation/dev-tools/ktap.rst in Linux).
 * Pure: every line goes to the caller's emit callback without a newline. */
#ifndef LIB_KTAP_H
#define LIB_KTAP_H

#include "lib/types.h"

enum ktap_result {
	KTAP_PASS,
	KTAP_FAIL,
	KTAP_SKIP,
	KTAP_TODO,	  /* known emulator divergence; failed as documented */
	KTAP_TODO_PASSED, /* known divergence that did not show this time */
};

struct ktap {
	void (*emit)(void *ctx, const char *line);
	void *ctx;
	unsigned depth; /* 0 for the top level, 1 inside a suite */
};

void ktap_header(struct ktap *k, unsigned nr_tests);
/* Open a nested block for a suite; ktap_end_subtest closes it. */
void ktap_subtest(struct ktap *k, const char *name, unsigned nr_tests);
void ktap_end_subtest(struct ktap *k);
void ktap_result(struct ktap *k, unsigned idx, const char *name,
		 enum ktap_result r, const char *reason);
__attribute__((format(printf, 2, 3))) void ktap_diag(struct ktap *k,
						     const char *fmt, ...);

#endif
