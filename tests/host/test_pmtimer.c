/* Where the FADT puts the ACPI PM timer (arch/x86/pmtimer.h): the 64-bit
 * X_PM_TMR_BLK first when it is an I/O address, the 32-bit PM_TMR_BLK
 * otherwise, its width from TMR_VAL_EXT, none on a hardware-reduced
 * platform, none read in memory space; a malformed field is an error,
 * never a port read at random. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "arch/x86/acpi.h"
#include "arch/x86/pmtimer.h"
#include "lib/errno.h"

#define FADT_LEN 276 /* ACPI 6.x */

static u8 fadt[FADT_LEN];

const struct acpi_header *acpi_find(const char *sig) /* pmtimer_find's */
{
	return NULL;
}

static void put32(unsigned off, u32 v)
{
	memcpy(fadt + off, &v, 4);
}

/* QEMU's q35 as it is: PM_TMR_BLK 0x608, length 4, TMR_VAL_EXT set, the
 * 64-bit field naming the same port in system I/O space. */
static int setup(void **state)
{
	u64 port = 0x608;

	memset(fadt, 0, sizeof(fadt));
	put32(ACPI_FADT_PM_TMR_BLK, 0x608);
	fadt[ACPI_FADT_PM_TMR_LEN] = 4;
	put32(ACPI_FADT_FLAGS, ACPI_FADT_TMR_VAL_EXT);
	fadt[ACPI_FADT_X_PM_TMR_BLK + ACPI_GAS_SPACE_ID] = ACPI_GAS_SPACE_IO;
	memcpy(fadt + ACPI_FADT_X_PM_TMR_BLK + ACPI_GAS_ADDRESS, &port, 8);
	return 0;
}

static void found(size_t len, u16 port, bool wide)
{
	struct pmtimer t;

	assert_int_equal(pmtimer_of_fadt(fadt, len, &t), 0);
	assert_int_equal(t.port, port);
	assert_int_equal(t.wide, wide);
}

static void refused(size_t len, int err)
{
	struct pmtimer t;

	assert_int_equal(pmtimer_of_fadt(fadt, len, &t), err);
	assert_int_equal(t.port, 0);
}

static void a_32_bit_timer_at_its_port(void **state)
{
	found(FADT_LEN, 0x608, true);
}

static void without_tmr_val_ext_it_counts_24_bits(void **state)
{
	put32(ACPI_FADT_FLAGS, 0);
	found(FADT_LEN, 0x608, false);
}

/* The 64-bit field wins where it is set (ACPICA's order), and the 32-bit
 * one serves a table too short to have it (ACPI 1.0: 116 bytes) or one
 * that leaves it 0. */
static void the_64_bit_field_first(void **state)
{
	u64 other = 0xb008;

	memcpy(fadt + ACPI_FADT_X_PM_TMR_BLK + ACPI_GAS_ADDRESS, &other, 8);
	found(FADT_LEN, 0xb008, true);
	found(ACPI_FADT_X_PM_TMR_END - 1, 0x608, true);
	memset(fadt + ACPI_FADT_X_PM_TMR_BLK, 0, 12);
	found(FADT_LEN, 0x608, true);
	found(ACPI_FADT_FLAGS + 4, 0x608, true);
}

/* An X_PM_TMR_BLK in memory space is not read as a port, nor is the
 * 32-bit field it overrides. */
static void a_timer_in_memory_space_is_not_read(void **state)
{
	fadt[ACPI_FADT_X_PM_TMR_BLK + ACPI_GAS_SPACE_ID] = 0; /* memory */
	refused(FADT_LEN, -EOPNOTSUPP);
	put32(ACPI_FADT_PM_TMR_BLK, 0);
	refused(FADT_LEN, -EOPNOTSUPP);
}

static void none_on_a_hardware_reduced_platform(void **state)
{
	put32(ACPI_FADT_FLAGS, ACPI_FADT_HW_REDUCED | ACPI_FADT_TMR_VAL_EXT);
	refused(FADT_LEN, -ENODEV);
}

static void malformed_fields_are_refused(void **state)
{
	u64 wide = 0x10000;

	refused(ACPI_FADT_FLAGS + 3, -EINVAL); /* no room for the flags */
	memcpy(fadt + ACPI_FADT_X_PM_TMR_BLK + ACPI_GAS_ADDRESS, &wide, 8);
	refused(FADT_LEN, -EINVAL); /* no such I/O port */
	memset(fadt + ACPI_FADT_X_PM_TMR_BLK, 0, 12);
	fadt[ACPI_FADT_PM_TMR_LEN] = 2;
	refused(FADT_LEN, -EINVAL); /* PM_TMR_LEN must be 4 */
}

static void no_table_no_timer(void **state)
{
	struct pmtimer t;

	assert_int_equal(pmtimer_find(&t), -ENODEV);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(a_32_bit_timer_at_its_port, setup),
		cmocka_unit_test_setup(without_tmr_val_ext_it_counts_24_bits,
				       setup),
		cmocka_unit_test_setup(the_64_bit_field_first, setup),
		cmocka_unit_test_setup(a_timer_in_memory_space_is_not_read,
				       setup),
		cmocka_unit_test_setup(none_on_a_hardware_reduced_platform,
				       setup),
		cmocka_unit_test_setup(malformed_fields_are_refused, setup),
		cmocka_unit_test_setup(no_table_no_timer, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
