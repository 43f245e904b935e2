/* Sets of CPUs by logical number (0 = the boot CPU, then the order the
 * MADT lists the others in), never by APIC id: APIC ids are sparse and
 * firmware-chosen. MAX_CPUS bits in 64-bit words, enough for a
 * two-socket server's threads; a number past MAX_CPUS is refused, not
 * wrapped. Pure: compiles on the host. */
#ifndef ARCH_X86_CPUMASK_H
#define ARCH_X86_CPUMASK_H

#include "lib/types.h"

#define MAX_CPUS      256
#define CPUMASK_WORDS (MAX_CPUS / 64)

typedef struct {
	u64 w[CPUMASK_WORDS];
} cpumask_t;

static inline cpumask_t cpumask_none(void)
{
	return (cpumask_t){ { 0 } };
}

/* False (and @m unchanged) when @cpu is out of range. */
static inline bool cpumask_set(cpumask_t *m, unsigned cpu)
{
	if (cpu >= MAX_CPUS)
		return false;
	m->w[cpu / 64] |= BIT_ULL(cpu % 64);
	return true;
}

/* {cpu}; empty when @cpu is out of range. */
static inline cpumask_t cpumask_of(unsigned cpu)
{
	cpumask_t m = cpumask_none();

	cpumask_set(&m, cpu);
	return m;
}

/* {0, 1, ..., @n - 1}, at most every CPU. */
static inline cpumask_t cpumask_first_n(unsigned n)
{
	cpumask_t m = cpumask_none();

	for (unsigned i = 0; i < n && i < MAX_CPUS; i++)
		cpumask_set(&m, i);
	return m;
}

static inline void cpumask_clear(cpumask_t *m, unsigned cpu)
{
	if (cpu < MAX_CPUS)
		m->w[cpu / 64] &= ~BIT_ULL(cpu % 64);
}

static inline bool cpumask_test(cpumask_t m, unsigned cpu)
{
	return cpu < MAX_CPUS && (m.w[cpu / 64] & BIT_ULL(cpu % 64));
}

static inline bool cpumask_empty(cpumask_t m)
{
	for (unsigned i = 0; i < CPUMASK_WORDS; i++)
		if (m.w[i])
			return false;
	return true;
}

static inline unsigned cpumask_weight(cpumask_t m)
{
	unsigned n = 0;

	for (unsigned i = 0; i < CPUMASK_WORDS; i++)
		for (u64 b = m.w[i]; b;
		     b &= b - 1) /* no libgcc in the kernel */
			n++;
	return n;
}

static inline cpumask_t cpumask_and(cpumask_t a, cpumask_t b)
{
	for (unsigned i = 0; i < CPUMASK_WORDS; i++)
		a.w[i] &= b.w[i];
	return a;
}

static inline cpumask_t cpumask_or(cpumask_t a, cpumask_t b)
{
	for (unsigned i = 0; i < CPUMASK_WORDS; i++)
		a.w[i] |= b.w[i];
	return a;
}

static inline cpumask_t cpumask_andnot(cpumask_t a, cpumask_t b)
{
	for (unsigned i = 0; i < CPUMASK_WORDS; i++)
		a.w[i] &= ~b.w[i];
	return a;
}

static inline bool cpumask_equal(cpumask_t a, cpumask_t b)
{
	for (unsigned i = 0; i < CPUMASK_WORDS; i++)
		if (a.w[i] != b.w[i])
			return false;
	return true;
}

/* The lowest CPU in @m numbered @cpu or above; MAX_CPUS when none is. */
static inline unsigned cpumask_next(cpumask_t m, unsigned cpu)
{
	for (unsigned i = cpu / 64; i < CPUMASK_WORDS; i++, cpu = i * 64) {
		u64 b = m.w[i] & (~0ULL << (cpu % 64));

		if (b)
			return i * 64 + (unsigned)__builtin_ctzll(b);
	}
	return MAX_CPUS;
}

/* Each CPU of @m, lowest first, a word at a time: a mask of two CPUs
 * costs two steps, not MAX_CPUS tests (under TCG every one of them an
 * emulated instruction or five). @m is evaluated once a step. */
#define for_each_cpu(cpu, m)                                 \
	for ((cpu) = cpumask_next((m), 0); (cpu) < MAX_CPUS; \
	     (cpu) = cpumask_next((m), (cpu) + 1))

#endif
