/* Sets of CPUs by logical number (0 = the boot CPU, then the order the
 * MADT lists the others in), never by APIC id: APIC ids are sparse and
 * firmware-chosen. One word; a number past MAX_CPUS is refused, not
 * wrapped. Pure: compiles on the host. */
#ifndef ARCH_X86_CPUMASK_H
#define ARCH_X86_CPUMASK_H

#include "lib/types.h"

#define MAX_CPUS 64

typedef struct {
	u64 bits;
} cpumask_t;

static inline cpumask_t cpumask_none(void)
{
	return (cpumask_t){ 0 };
}

/* {cpu}; empty when @cpu is out of range. */
static inline cpumask_t cpumask_of(unsigned cpu)
{
	return (cpumask_t){ cpu < MAX_CPUS ? BIT_ULL(cpu) : 0 };
}

/* False (and @m unchanged) when @cpu is out of range. */
static inline bool cpumask_set(cpumask_t *m, unsigned cpu)
{
	if (cpu >= MAX_CPUS)
		return false;
	m->bits |= BIT_ULL(cpu);
	return true;
}

static inline void cpumask_clear(cpumask_t *m, unsigned cpu)
{
	if (cpu < MAX_CPUS)
		m->bits &= ~BIT_ULL(cpu);
}

static inline bool cpumask_test(cpumask_t m, unsigned cpu)
{
	return cpu < MAX_CPUS && (m.bits & BIT_ULL(cpu));
}

static inline bool cpumask_empty(cpumask_t m)
{
	return m.bits == 0;
}

static inline unsigned cpumask_weight(cpumask_t m)
{
	unsigned n = 0;

	for (u64 b = m.bits; b; b &= b - 1) /* no libgcc in the kernel */
		n++;
	return n;
}

static inline cpumask_t cpumask_and(cpumask_t a, cpumask_t b)
{
	return (cpumask_t){ a.bits & b.bits };
}

static inline cpumask_t cpumask_andnot(cpumask_t a, cpumask_t b)
{
	return (cpumask_t){ a.bits & ~b.bits };
}

static inline bool cpumask_equal(cpumask_t a, cpumask_t b)
{
	return a.bits == b.bits;
}

#define for_each_cpu(cpu, m)                       \
	for ((cpu) = 0; (cpu) < MAX_CPUS; (cpu)++) \
		if (cpumask_test((m), (cpu)))

#endif
