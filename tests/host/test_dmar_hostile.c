/* Hostile firmware that parses: tables whose every field is well formed
 * but which contradict each other or the platform. Scope conflicts come
 * out of dmar_resolve() (conflict_*.dsl), platform contradictions out of
 * dmar_check_platform() over a fake memory map: register sets in RAM,
 * RMRRs over the kernel or usable RAM, a host address width the CPU or
 * the RAM contradicts. Malformed tables (above HAW, overlapping, wrapping,
 * misplaced scopes) are bad_*.dsl cases of test_dmar.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "iommu/vtd/dmar.h"
#include "lib/bdf.h"
#include "tests/host/fake_pci.h"
#include "tests/host/tables.h"

static struct dmar_info info;

static void parse(const char *name)
{
	size_t len;
	u8 *t = table_load(name, &len);

	assert_int_equal(dmar_parse(t, len, &info), 0);
	free(t);
}

static const struct fake_fn root_fns[] = {
	{ 0, 0, 0x02, 0, 0, 0, 0 }, /* graphics */
	{ 0, 0, 0x14, 0, 0, 0, 0 }, /* USB */
	{ 0, 0, 0x1c, 0, 1, 1, 1 }, /* root port, bus 1 below */
	{ 0, 1, 0x00, 0, 0, 0, 0 }, /* behind it */
	{ 0, 0, 0x1f, 0, 0, 0, 0 }, /* LPC: the HPET's and IOAPIC's source id */
};
static struct fake_pci root_pci = { root_fns, ARRAY_SIZE(root_fns) };

static int status_of(u16 scope_offset)
{
	for (u32 i = 0; i < info.nr_scopes; i++)
		if (info.scopes[i].offset == scope_offset)
			return info.scopes[i].status;
	fail_msg("no scope at offset 0x%x", scope_offset);
	return 0;
}

/* Two DRHDs name 00:02.0: the later scope (offset 0x58) is flagged. */
static void device_in_two_units_flagged(void **state)
{
	parse("conflict_device_in_two_units");
	assert_int_equal(dmar_resolve(&info, fake_cfg_read, &root_pci), 1);
	assert_int_equal(status_of(0x40), 0);
	assert_int_equal(status_of(0x58), -DMAR_E_RES_CLAIMED_TWICE);
}

/* An IOAPIC under the INCLUDE_PCI_ALL unit with source id 00:1f.0, which
 * the first unit serves for PCI: flagged whether or not a function
 * answers there (here one does). */
static void ioapic_sharing_another_units_id_flagged(void **state)
{
	parse("conflict_ioapic_sid");
	assert_int_equal(dmar_resolve(&info, fake_cfg_read, &root_pci), 1);
	assert_int_equal(status_of(0x40), 0);
	assert_int_equal(status_of(0x58), -DMAR_E_RES_SID_COLLISION);
	struct fake_pci none = { NULL, 0 };
	assert_int_equal(dmar_resolve(&info, fake_cfg_read, &none), 1);
	assert_int_equal(status_of(0x58), -DMAR_E_RES_SID_COLLISION);
}

/* client_dmar's HPET has the LPC bridge's id 00:1f.0, and the LPC is
 * served by the same INCLUDE_PCI_ALL unit: how real boards are built. */
static void hpet_sharing_lpc_id_of_its_unit_is_fine(void **state)
{
	parse("client_dmar");
	assert_int_equal(dmar_resolve(&info, fake_cfg_read, &root_pci), 0);
}

/* client_dmar's RMRR names 00:14.0 as an endpoint: a bridge there is a
 * firmware defect, flagged on the scope. */
static void endpoint_scope_resolving_to_bridge_flagged(void **state)
{
	static const struct fake_fn fns[] = {
		{ 0, 0, 0x02, 0, 0, 0, 0 },
		{ 0, 0, 0x14, 0, 1, 2, 2 },
	};
	struct fake_pci pci = { fns, ARRAY_SIZE(fns) };

	parse("client_dmar");
	assert_true(dmar_resolve(&info, fake_cfg_read, &pci) >= 1);
	assert_int_equal(status_of(0x88), -DMAR_E_RES_ENDPOINT_BRIDGE);
}

/* A q35-like map: RAM below 1 GiB (kernel at 1 MiB), the RMRRs' and the
 * registers' ranges reserved. */
static const struct dmar_mem_range clean_map[] = {
	{ 0, 0x3e000000, true },
	{ 0x3e000000, 0x2000000, false },
	{ 0xfe000000, 0x2000000, false },
};

static struct dmar_platform platform(const struct dmar_mem_range *map, u32 n)
{
	return (struct dmar_platform){ .map = map,
				       .nr_map = n,
				       .kernel_start = 0x100000,
				       .kernel_end = 0x400000,
				       .cpu_pa_bits = 40 };
}

static void clean_platform_has_no_defect(void **state)
{
	struct dmar_platform p = platform(clean_map, ARRAY_SIZE(clean_map));

	parse("client_dmar");
	assert_int_equal(dmar_check_platform(&info, &p), 0);
	assert_int_equal(info.haw_status, 0);
}

/* Registers inside RAM: the unit is refused (never mapped uncached). */
static void unit_registers_in_ram_refused(void **state)
{
	static const struct dmar_mem_range map[] = {
		{ 0, 0x3e000000, true },
		{ 0x3e000000, 0x2000000, false },
		{ 0xfed90000, 0x1000, true },
	};
	struct dmar_platform p = platform(map, ARRAY_SIZE(map));

	parse("client_dmar");
	assert_int_equal(dmar_check_platform(&info, &p), 1);
	assert_int_equal(info.units[0].status, -DMAR_E_REG_IN_RAM);
	assert_int_equal(info.units[1].status, 0);
}

static void rmrr_over_kernel_refused(void **state)
{
	struct dmar_platform p = platform(clean_map, ARRAY_SIZE(clean_map));

	parse("client_dmar");
	p.kernel_start = 0x3e2f0000;
	p.kernel_end = 0x3e400000;
	assert_int_equal(dmar_check_platform(&info, &p), 1);
	assert_int_equal(info.rmrrs[0].status, -DMAR_E_RMRR_KERNEL);
	assert_int_equal(info.rmrrs[1].status, 0);
}

/* An RMRR the memory map gives to the allocator as RAM. */
static void rmrr_not_reserved_refused(void **state)
{
	static const struct dmar_mem_range map[] = {
		{ 0, 0x3f000000, true },
		{ 0x3f000000, 0x1000000, false },
		{ 0xfe000000, 0x2000000, false },
	};
	struct dmar_platform p = platform(map, ARRAY_SIZE(map));

	parse("client_dmar");
	assert_int_equal(dmar_check_platform(&info, &p), 2);
	assert_int_equal(info.rmrrs[0].status, -DMAR_E_RMRR_NOT_RESERVED);
	assert_int_equal(info.rmrrs[1].status, -DMAR_E_RMRR_NOT_RESERVED);
}

/* HAW 39 on a CPU of 36 physical bits: above what the CPU has. */
static void haw_above_cpu_flagged(void **state)
{
	struct dmar_platform p = platform(clean_map, ARRAY_SIZE(clean_map));

	parse("client_dmar");
	p.cpu_pa_bits = 36;
	assert_int_equal(dmar_check_platform(&info, &p), 1);
	assert_int_equal(info.haw_status, -DMAR_E_HAW_CPU);
}

/* RAM up to 1 TiB with HAW 39 (512 GiB): DMA cannot reach all of it. */
static void haw_below_ram_flagged(void **state)
{
	static const struct dmar_mem_range map[] = {
		{ 0, 0x3e000000, true },
		{ 0x3e000000, 0x2000000, false },
		{ 1ULL << 32, (1ULL << 40) - (1ULL << 32), true },
	};
	struct dmar_platform p = platform(map, ARRAY_SIZE(map));

	parse("client_dmar");
	p.cpu_pa_bits = 46;
	assert_int_equal(dmar_check_platform(&info, &p), 1);
	assert_int_equal(info.haw_status, -DMAR_E_HAW_RAM);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(device_in_two_units_flagged),
		cmocka_unit_test(ioapic_sharing_another_units_id_flagged),
		cmocka_unit_test(hpet_sharing_lpc_id_of_its_unit_is_fine),
		cmocka_unit_test(endpoint_scope_resolving_to_bridge_flagged),
		cmocka_unit_test(clean_platform_has_no_defect),
		cmocka_unit_test(unit_registers_in_ram_refused),
		cmocka_unit_test(rmrr_over_kernel_refused),
		cmocka_unit_test(rmrr_not_reserved_refused),
		cmocka_unit_test(haw_above_cpu_flagged),
		cmocka_unit_test(haw_below_ram_flagged),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
