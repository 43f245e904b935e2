/* The MADT's processors, I/O APICs and interrupt source overrides on the
 * host (arch/x86/madt.c), and the CPU masks
 * (arch/x86/cpumask.h). Every table is built in a heap buffer of exactly
 * its size, so ASan catches any read past the end. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "arch/x86/cpumask.h"
#include "arch/x86/madt.h"
#include "lib/errno.h"

struct table {
	u8 b[512];
	size_t len;
};

static void begin(struct table *t)
{
	memset(t, 0, sizeof(*t));
	memcpy(t->b, "APIC", 4);
	t->len = MADT_STRUCTS;
}

static void lapic(struct table *t, u8 id, u32 flags)
{
	u8 *s = t->b + t->len;

	s[0] = MADT_LAPIC;
	s[1] = MADT_LAPIC_LEN;
	s[MADT_LAPIC_ID] = id;
	memcpy(s + MADT_LAPIC_FLAGS, &flags, 4);
	t->len += MADT_LAPIC_LEN;
}

static void x2apic(struct table *t, u32 id, u32 flags)
{
	u8 *s = t->b + t->len;

	s[0] = MADT_X2APIC;
	s[1] = MADT_X2APIC_LEN;
	memcpy(s + MADT_X2APIC_ID, &id, 4);
	memcpy(s + MADT_X2APIC_FLAGS, &flags, 4);
	t->len += MADT_X2APIC_LEN;
}

static void raw(struct table *t, u8 type, u8 len)
{
	t->b[t->len] = type;
	t->b[t->len + 1] = len;
	t->len += len ? len : 2;
}

struct store {
	struct madt_cpu *out;
	unsigned cap, n;
};

/* Up to cap processors, in the order the walk gives them. */
static void store(const struct madt_cpu *c, void *ctx)
{
	struct store *s = ctx;

	if (s->n < s->cap)
		s->out[s->n] = *c;
	s->n++;
}

/* The table's first @len bytes in a heap buffer of exactly that size. */
static u8 *heap_copy(const struct table *t, size_t len)
{
	u8 *copy = malloc(len);

	memcpy(copy, t->b, len);
	return copy;
}

/* Parse a heap copy of exactly len bytes. */
static int parse(const struct table *t, size_t len, struct madt_cpu *out,
		 unsigned cap, u32 *bad)
{
	u8 *copy = heap_copy(t, len);
	int n;

	struct store st = { out, cap, 0 };
	n = madt_walk(copy, len, store, &st, bad);
	assert_true(n < 0 || (unsigned)n == st.n);
	free(copy);
	return n;
}

static void processors_in_order_of_both_kinds(void **state)
{
	struct table t;
	struct madt_cpu c[4];
	u32 bad;

	begin(&t);
	lapic(&t, 0, MADT_ENABLED);
	raw(&t, 1, 12); /* an I/O APIC: not a processor */
	lapic(&t, 2, 0);
	x2apic(&t, 300, MADT_ENABLED);
	assert_int_equal(parse(&t, t.len, c, 4, &bad), 3);
	assert_int_equal(c[0].apic_id, 0);
	assert_false(c[0].x2apic);
	assert_int_equal(c[1].apic_id, 2);
	assert_int_equal(c[1].flags, 0);
	assert_int_equal(c[2].apic_id, 300);
	assert_true(c[2].x2apic);
}

static void more_than_cap_are_counted_not_stored(void **state)
{
	struct table t;
	struct madt_cpu c[3] = { 0 };
	u32 bad;

	begin(&t);
	for (u8 i = 0; i < 5; i++)
		lapic(&t, i, MADT_ENABLED);
	assert_int_equal(parse(&t, t.len, c, 2, &bad), 5);
	assert_int_equal(c[1].apic_id, 1);
	assert_int_equal(c[2].apic_id, 0); /* untouched */
}

static void no_processor_structures(void **state)
{
	struct table t;
	u32 bad;

	begin(&t);
	assert_int_equal(parse(&t, t.len, NULL, 0, &bad), 0);
}

static void malformed(const struct table *t, size_t len, u32 want_off)
{
	struct madt_cpu c[4];
	u32 bad = 0xdead;

	assert_int_equal(parse(t, len, c, 4, &bad), -EBADMSG);
	assert_int_equal(bad, want_off);
}

static void zero_length_structure_is_an_error_not_a_loop(void **state)
{
	struct table t;

	begin(&t);
	lapic(&t, 0, MADT_ENABLED);
	raw(&t, 0x7f, 0);
	malformed(&t, t.len, MADT_STRUCTS + MADT_LAPIC_LEN);
}

static void length_one_structure(void **state)
{
	struct table t;

	begin(&t);
	raw(&t, 0x7f, 1);
	malformed(&t, t.len, MADT_STRUCTS);
}

static void structure_past_the_end(void **state)
{
	struct table t;

	begin(&t);
	lapic(&t, 0, MADT_ENABLED);
	lapic(&t, 1, MADT_ENABLED);
	malformed(&t, t.len - 1, MADT_STRUCTS + MADT_LAPIC_LEN);
}

static void lone_type_byte_at_the_end(void **state)
{
	struct table t;

	begin(&t);
	lapic(&t, 0, MADT_ENABLED);
	malformed(&t, t.len + 1, MADT_STRUCTS + MADT_LAPIC_LEN);
}

static void processor_structures_too_short_for_their_type(void **state)
{
	struct table t;

	begin(&t);
	raw(&t, MADT_LAPIC, MADT_LAPIC_LEN - 1);
	malformed(&t, t.len, MADT_STRUCTS);
	begin(&t);
	raw(&t, MADT_X2APIC, MADT_X2APIC_LEN - 4);
	malformed(&t, t.len, MADT_STRUCTS);
}

static void table_shorter_than_its_fixed_part(void **state)
{
	struct table t;

	begin(&t);
	malformed(&t, MADT_STRUCTS - 1, 0);
}

static void use_follows_flags_and_revision(void **state)
{
	assert_int_equal(madt_cpu_use(MADT_ENABLED, 1), MADT_START);
	assert_int_equal(madt_cpu_use(MADT_ENABLED, 5), MADT_START);
	assert_int_equal(madt_cpu_use(MADT_ENABLED | MADT_ONLINE_CAP, 5),
			 MADT_START);
	/* Before ACPI 6.3 a disabled entry is a hot-plug slot. */
	assert_int_equal(madt_cpu_use(0, 1), MADT_HOTPLUG);
	assert_int_equal(madt_cpu_use(0, 4), MADT_HOTPLUG);
	assert_int_equal(madt_cpu_use(MADT_ONLINE_CAP, 5), MADT_HOTPLUG);
	assert_int_equal(madt_cpu_use(0, 5), MADT_UNUSABLE);
	assert_int_equal(madt_cpu_use(0, 6), MADT_UNUSABLE);
}

static void ioapic(struct table *t, u8 id, u32 pa, u32 gsi_base)
{
	u8 *s = t->b + t->len;

	s[0] = MADT_IOAPIC;
	s[1] = MADT_IOAPIC_LEN;
	s[MADT_IOAPIC_ID] = id;
	memcpy(s + MADT_IOAPIC_ADDR, &pa, 4);
	memcpy(s + MADT_IOAPIC_GSI_BASE, &gsi_base, 4);
	t->len += MADT_IOAPIC_LEN;
}

static void iso(struct table *t, u8 bus, u8 irq, u32 gsi, u16 flags)
{
	u8 *s = t->b + t->len;

	s[0] = MADT_ISO;
	s[1] = MADT_ISO_LEN;
	s[MADT_ISO_BUS] = bus;
	s[MADT_ISO_SOURCE] = irq;
	memcpy(s + MADT_ISO_GSI, &gsi, 4);
	memcpy(s + MADT_ISO_FLAGS, &flags, 2);
	t->len += MADT_ISO_LEN;
}

/* madt_isa_irq on a heap copy of exactly the table. */
static int isa_irq(const struct table *t, u8 irq, u32 *gsi, u16 *flags,
		   u32 *bad)
{
	u8 *copy = heap_copy(t, t->len);
	int r = madt_isa_irq(copy, t->len, irq, gsi, flags, bad);
	free(copy);
	return r;
}

static int ioapics(const struct table *t, struct madt_ioapic *out, unsigned cap,
		   u32 *bad)
{
	u8 *copy = heap_copy(t, t->len);
	int r = madt_ioapics(copy, t->len, out, cap, bad);
	free(copy);
	return r;
}

/* QEMU's q35 table: IRQ 0 to GSI 2, IRQ 9 level and active high; an
 * override on another bus is not an ISA one; without an override an ISA
 * IRQ is its own GSI with conforming flags (5.2.12.5). */
static void isa_irq_follows_overrides_else_identity(void **state)
{
	struct table t;
	u32 gsi, bad;
	u16 flags;

	begin(&t);
	lapic(&t, 0, MADT_ENABLED);
	ioapic(&t, 0, 0xfec00000, 0);
	iso(&t, MADT_ISO_BUS_ISA, 0, 2, 0);
	iso(&t, MADT_ISO_BUS_ISA, 9, 9, 0xd);
	iso(&t, 1, 3, 20, 0xf);
	assert_int_equal(isa_irq(&t, 0, &gsi, &flags, &bad), 1);
	assert_int_equal(gsi, 2);
	assert_int_equal(flags, 0);
	assert_int_equal(isa_irq(&t, 9, &gsi, &flags, &bad), 1);
	assert_int_equal(gsi, 9);
	assert_int_equal(flags, 0xd);
	assert_int_equal(isa_irq(&t, 3, &gsi, &flags, &bad), 0);
	assert_int_equal(gsi, 3);
	assert_int_equal(flags, 0);
	assert_int_equal(isa_irq(&t, 1, &gsi, &flags, &bad), 0);
	assert_int_equal(gsi, 1);
}

static void override_too_short_is_an_error(void **state)
{
	struct table t;
	u32 gsi = 0xdead, bad = 0;
	u16 flags;

	begin(&t);
	ioapic(&t, 0, 0xfec00000, 0);
	raw(&t, MADT_ISO, MADT_ISO_LEN - 1);
	assert_int_equal(isa_irq(&t, 0, &gsi, &flags, &bad), -EBADMSG);
	assert_int_equal(bad, MADT_STRUCTS + MADT_IOAPIC_LEN);
	assert_int_equal(gsi, 0xdead); /* untouched */
}

/* Two I/O APICs in table order (a server's second at GSI 24), counted
 * past the cap; one too short for its type is an error at its offset. */
static void ioapics_in_table_order(void **state)
{
	struct table t;
	struct madt_ioapic io[2];
	u32 bad;

	begin(&t);
	lapic(&t, 0, MADT_ENABLED);
	ioapic(&t, 8, 0xfec00000, 0);
	iso(&t, MADT_ISO_BUS_ISA, 0, 2, 0);
	ioapic(&t, 9, 0xfec01000, 24);
	assert_int_equal(ioapics(&t, io, 2, &bad), 2);
	assert_int_equal(io[0].id, 8);
	assert_int_equal(io[0].pa, 0xfec00000);
	assert_int_equal(io[0].gsi_base, 0);
	assert_int_equal(io[1].id, 9);
	assert_int_equal(io[1].pa, 0xfec01000);
	assert_int_equal(io[1].gsi_base, 24);
	assert_int_equal(ioapics(&t, io, 1, &bad), 2);
	raw(&t, MADT_IOAPIC, MADT_IOAPIC_LEN - 2);
	assert_int_equal(ioapics(&t, io, 2, &bad), -EBADMSG);
	assert_int_equal(bad, t.len - (MADT_IOAPIC_LEN - 2));
}

static void cpumask_bounds_and_counts(void **state)
{
	cpumask_t m = cpumask_none();
	unsigned cpu, seen = 0;

	assert_true(cpumask_set(&m, 0));
	assert_true(cpumask_set(&m, 63));
	assert_false(cpumask_set(&m, MAX_CPUS));
	assert_false(cpumask_set(&m, ~0u));
	assert_int_equal(cpumask_weight(m), 2);
	assert_false(cpumask_test(m, MAX_CPUS));
	assert_true(cpumask_empty(cpumask_of(MAX_CPUS)));
	for_each_cpu(cpu, m) seen += cpu;
	assert_int_equal(seen, 63);
	cpumask_clear(&m, 63);
	cpumask_clear(&m, 1000);
	assert_true(cpumask_equal(m, cpumask_of(0)));
	assert_true(
	    cpumask_equal(cpumask_andnot(m, cpumask_of(0)), cpumask_none()));
	assert_true(cpumask_equal(cpumask_and(m, cpumask_of(0)), m));
}

/* Past the first word: each word on its own, and the last CPU. */
static void cpumask_words_past_the_first(void **state)
{
	cpumask_t m = cpumask_none(), n;
	unsigned cpu, seen = 0, count = 0;

	assert_true(MAX_CPUS > 64);
	assert_true(cpumask_set(&m, 64));
	assert_true(cpumask_set(&m, MAX_CPUS - 1));
	assert_false(cpumask_test(m, 0));
	assert_true(cpumask_test(m, 64));
	assert_false(cpumask_test(m, 65));
	assert_int_equal(cpumask_weight(m), 2);
	for_each_cpu(cpu, m)
	{
		seen += cpu;
		count++;
	}
	assert_int_equal(count, 2);
	assert_int_equal(seen, 64 + MAX_CPUS - 1);
	n = cpumask_or(m, cpumask_of(1));
	assert_int_equal(cpumask_weight(n), 3);
	assert_true(cpumask_equal(cpumask_andnot(n, cpumask_of(1)), m));
	assert_false(cpumask_equal(m, cpumask_of(64)));
	assert_true(cpumask_empty(cpumask_and(m, cpumask_first_n(64))));
	assert_int_equal(cpumask_weight(cpumask_first_n(MAX_CPUS + 9)),
			 MAX_CPUS);
	assert_int_equal(cpumask_weight(cpumask_first_n(65)), 65);
	assert_true(cpumask_test(cpumask_first_n(65), 64));
	assert_false(cpumask_test(cpumask_first_n(65), 65));
	cpumask_clear(&m, MAX_CPUS - 1);
	assert_true(cpumask_equal(m, cpumask_of(64)));
}

/* for_each_cpu visits exactly the set bits, in order, across words,
 * the last CPU included, and nothing for an empty mask. */
static void for_each_cpu_visits_the_set_bits_in_order(void **state)
{
	static const unsigned want[] = { 0,   1,   63,	64,
					 127, 128, 200, MAX_CPUS - 1 };
	cpumask_t m = cpumask_none();
	unsigned cpu, n = 0;

	(void)state;
	for_each_cpu(cpu, m) n++;
	assert_int_equal(n, 0);
	for (unsigned i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		cpumask_set(&m, want[i]);
	for_each_cpu(cpu, m)
	{
		assert_true(n < sizeof(want) / sizeof(want[0]));
		assert_int_equal(cpu, want[n]);
		n++;
	}
	assert_int_equal(n, sizeof(want) / sizeof(want[0]));
	assert_int_equal(cpumask_next(m, 2), 63);
	assert_int_equal(cpumask_next(m, 201), MAX_CPUS - 1);
	assert_int_equal(cpumask_next(m, MAX_CPUS), MAX_CPUS);
	assert_int_equal(cpumask_next(cpumask_none(), 0), MAX_CPUS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(processors_in_order_of_both_kinds),
		cmocka_unit_test(more_than_cap_are_counted_not_stored),
		cmocka_unit_test(no_processor_structures),
		cmocka_unit_test(zero_length_structure_is_an_error_not_a_loop),
		cmocka_unit_test(length_one_structure),
		cmocka_unit_test(structure_past_the_end),
		cmocka_unit_test(lone_type_byte_at_the_end),
		cmocka_unit_test(processor_structures_too_short_for_their_type),
		cmocka_unit_test(table_shorter_than_its_fixed_part),
		cmocka_unit_test(use_follows_flags_and_revision),
		cmocka_unit_test(isa_irq_follows_overrides_else_identity),
		cmocka_unit_test(override_too_short_is_an_error),
		cmocka_unit_test(ioapics_in_table_order),
		cmocka_unit_test(cpumask_bounds_and_counts),
		cmocka_unit_test(cpumask_words_past_the_first),
		cmocka_unit_test(for_each_cpu_visits_the_set_bits_in_order),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
