/* KTAP version 1 writer (Documentation/dev-tools/ktap.rst in Linux).
 * Pure: every line goes to the caller's emit callback without a newline. */
#ifndef LIB_KTAP_H
#define LIB_KTAP_H

#include "lib/types.h"

enum ktap_result {
	KTAP_PASS,
	KTAP_FAIL,
	KTAP_SKIP,
	/* A known emulator divergence showed: the test failed as that
	 * emulator version is documented to make it fail. KTAP has no
	 * directive for it (ktap.rst recognises only SKIP; TODO is not
	 * KTAP), so it is written as a SKIP whose reason starts with
	 * KTAP_DIVERGENCE, which KTAP consumers count as skipped and this
	 * project's runner counts apart. */
	KTAP_DIVERGENT,
	KTAP_NR_RESULTS,
};

#define KTAP_DIVERGENCE "known divergence: "

struct ktap {
	void (*emit)(void *ctx, const char *line);
	void *ctx;
	unsigned depth; /* 0 for the top level, 1 inside a suite */
};

void ktap_header(struct ktap *k, unsigned nr_tests);
/* The plan line alone, for a writer that printed its version line early. */
void ktap_plan(struct ktap *k, unsigned nr_tests);
/* Open a nested block for a suite; ktap_end_subtest closes it. */
void ktap_subtest(struct ktap *k, const char *name, unsigned nr_tests);
void ktap_end_subtest(struct ktap *k);
void ktap_result(struct ktap *k, unsigned idx, const char *name,
		 enum ktap_result r, const char *reason);
__attribute__((format(printf, 2, 3))) void ktap_diag(struct ktap *k,
						     const char *fmt, ...);

#endif
