/* What the host stand-ins for hardware recorded (fake_hw.c): every
 * invalidation, write-buffer flush and root-table pointer set, in order,
 * with the unit, domain id, source id and granularity it carried. */
#ifndef TESTS_HOST_FAKE_HW_H
#define TESTS_HOST_FAKE_HW_H

#include "arch/x86/cpumask.h"
#include "lib/types.h"

struct vtd_unit;

enum fake_op { FAKE_CC = 1, FAKE_IOTLB, FAKE_WBF, FAKE_SRTP };

struct fake_inv {
	enum fake_op op;
	const struct vtd_unit *unit;
	unsigned gran; /* enum vtd_gran; 0 for WBF and SRTP */
	u16 did, sid;
	u64 addr;
	unsigned am;
};

#define FAKE_MAX_OPS 256

struct fake_hw {
	long pages; /* allocated and not freed */
	unsigned flushes, wbinvd, last_iotlb_gran;
	cpumask_t wbinvd_mask; /* CPUs of the last wbinvd_on_cpus() */
	unsigned nr_ops;       /* all seen; the first FAKE_MAX_OPS kept */
	struct fake_inv ops[FAKE_MAX_OPS];
};

extern struct fake_hw fake_hw;

/* The @i'th recorded operation, or a zeroed one past the end. */
struct fake_inv fake_op(unsigned i);
/* How many recorded operations are @op (on any unit when @u is NULL). */
unsigned fake_count(enum fake_op op, const struct vtd_unit *u);

#endif
