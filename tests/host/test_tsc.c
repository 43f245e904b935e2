/* What CPUID leaf 15H states of the TSC (arch/x86/tsc.h), on the host:
 * the emulators the lanes run do not offer the leaf. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "arch/x86/tsc.h"

/* A 24 MHz crystal and a ratio of 176/2, as a Skylake-era client part
 * reports it: 2112 MHz. A 25 MHz crystal at 200/2: 2500 MHz. */
static void crystal_times_ratio(void **state)
{
	assert_int_equal(tsc_khz_of_leaf15(2, 176, 24000000), 2112000);
	assert_int_equal(tsc_khz_of_leaf15(2, 200, 25000000), 2500000);
	/* the widest values the registers hold do not overflow */
	assert_int_equal(tsc_khz_of_leaf15(0xffffffff, 0xffffffff, 0xffffffff),
			 4294967);
}

/* A 0 anywhere states nothing: the crystal unknown (ECX 0, as many
 * parts report it), or the leaf empty. */
static void a_zero_states_nothing(void **state)
{
	assert_int_equal(tsc_khz_of_leaf15(2, 176, 0), 0);
	assert_int_equal(tsc_khz_of_leaf15(0, 176, 24000000), 0);
	assert_int_equal(tsc_khz_of_leaf15(2, 0, 24000000), 0);
	assert_int_equal(tsc_khz_of_leaf15(0, 0, 0), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(crystal_times_ratio),
		cmocka_unit_test(a_zero_states_nothing),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
