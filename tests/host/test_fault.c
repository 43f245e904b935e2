/* Primary fault logging (7.1.3, 11.4.14) with several fault recording
 * registers, which QEMU (one record) cannot show: the drain takes the
 * records from FSTS.FRI on in circular order, then those it did not reach,
 * counted out of order; it clears each record it took by writing F alone
 * (RW1C) and never reads one it took again; PFO is counted and cleared.
 * The register block is plain memory here: a record the driver cleared
 * still reads F set, so a second read of it would log it twice. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "iommu/vtd/fault.h"
#include "iommu/vtd/regs.h"
#include "lib/errno.h"

#define FRO	 0x20 /* records at 0x200 (CAP.FRO counts 16-byte units) */
#define NFR	 4
#define UP_F	 0x80000000u /* F in the record's top dword */
#define REGS_LEN (FRO * 16 + NFR * VTD_FRCD_SIZE)

static u8 regs[REGS_LEN] __attribute__((aligned(16)));
static struct vtd_unit u;

static u32 this_apic_id; /* the CPU that sets up the fault interrupt */

u32 apic_id(void)
{
	return this_apic_id;
}

void cache_flush_range(const void *p, size_t len) /* caps.c, unused here */
{
}

static int setup(void **state)
{
	memset(regs, 0, sizeof(regs));
	memset(&u, 0, sizeof(u));
	u.regs = regs;
	u.cap = (u64)FRO << 24 | (u64)(NFR - 1) << 40;
	this_apic_id = 0;
	return 0;
}

static u8 *rec(unsigned i)
{
	return regs + FRO * 16 + i * VTD_FRCD_SIZE;
}

static void set_fsts(unsigned fri, u32 bits)
{
	u32 v = fri << 8 | bits;

	memcpy(regs + VTD_REG_FSTS, &v, 4);
}

static u32 dword(const u8 *p)
{
	u32 v;

	memcpy(&v, p, 4);
	return v;
}

/* Record @i holds a fault: @reason for @sid at @addr, a read (T1=1). */
static void fill(unsigned i, u8 reason, u16 sid, u64 addr)
{
	u64 hi = VTD_FRCD_HI_F | VTD_FRCD_HI_T1 | (u64)reason << 32 | sid;

	memcpy(rec(i) + VTD_FRCD_LO, &addr, 8);
	memcpy(rec(i) + VTD_FRCD_HI, &hi, 8);
}

static void expect_log(const u8 *reasons, unsigned n)
{
	struct vtd_fault f[VTD_FAULT_LOG];

	assert_int_equal(vtd_fault_take(&u, f, VTD_FAULT_LOG), n);
	for (unsigned i = 0; i < n; i++) {
		assert_int_equal(f[i].reason, reasons[i]);
		assert_int_equal(f[i].sid, 0x100 + reasons[i]);
		assert_int_equal(f[i].addr, 0x1000ULL * reasons[i]);
		assert_int_equal(f[i].access, 2); /* read */
	}
}

/* Record @i was taken: the driver wrote F alone to its top dword. */
static void expect_cleared(unsigned i, bool cleared)
{
	if (cleared)
		assert_int_equal(dword(rec(i) + VTD_FRCD_HI_UP), UP_F);
	else
		assert_int_not_equal(dword(rec(i) + VTD_FRCD_HI_UP), UP_F);
}

static void fault_at(unsigned i, u8 reason)
{
	fill(i, reason, 0x100 + reason, 0x1000ULL * reason);
}

static void from_fri_in_circular_order(void **state)
{
	fault_at(2, 5);
	fault_at(3, 6);
	fault_at(0, 7);
	set_fsts(2, VTD_FSTS_PPF);
	assert_int_equal(vtd_fault_drain(&u), 3);
	expect_log((const u8[]){ 5, 6, 7 }, 3);
	assert_int_equal(u.stats.out_of_order, 0);
	assert_int_equal(u.stats.faults, 3);
	expect_cleared(2, true);
	expect_cleared(0, true);
	expect_cleared(1, false);
}

static void every_record_full_is_read_once(void **state)
{
	for (unsigned i = 0; i < NFR; i++)
		fault_at(i, (u8)(1 + i));
	set_fsts(1, VTD_FSTS_PPF);
	assert_int_equal(vtd_fault_drain(&u), NFR);
	expect_log((const u8[]){ 2, 3, 4, 1 }, NFR);
	assert_int_equal(u.stats.out_of_order, 0);
}

static void record_past_the_gap_is_out_of_order(void **state)
{
	fault_at(0, 5);
	fault_at(3, 9); /* after the empty record 1 */
	set_fsts(0, VTD_FSTS_PPF);
	assert_int_equal(vtd_fault_drain(&u), 2);
	expect_log((const u8[]){ 5, 9 }, 2);
	assert_int_equal(u.stats.out_of_order, 1);
	expect_cleared(3, true);
}

static void empty_unit_logs_nothing(void **state)
{
	set_fsts(3, 0);
	assert_int_equal(vtd_fault_drain(&u), 0);
	expect_log(NULL, 0);
	assert_int_equal(u.stats.faults, 0);
	for (unsigned i = 0; i < NFR; i++)
		expect_cleared(i, false);
}

static void overflow_is_counted_and_cleared(void **state)
{
	fault_at(1, 5);
	set_fsts(1, VTD_FSTS_PPF | VTD_FSTS_PFO);
	assert_int_equal(vtd_fault_drain(&u), 1);
	assert_int_equal(u.stats.pfo, 1);
	/* PFO is RW1C: the drain writes it alone */
	assert_int_equal(dword(regs + VTD_REG_FSTS), VTD_FSTS_PFO);
}

/* The fault interrupt's message (5.1.6, 11.4.9): vector in FEDATA, the
 * destination's bits 7:0 at FEADDR 19:12, its bits 31:8 at FEUADDR 31:8;
 * unmasked. */
static void fault_irq_to(u32 id, u32 feaddr, u32 feuaddr)
{
	this_apic_id = id;
	memset(regs + VTD_REG_FEUADDR, 0xa5, 4);
	assert_int_equal(vtd_fault_irq_setup(&u, 0x42), 0);
	assert_int_equal(dword(regs + VTD_REG_FEDATA), 0x42);
	assert_int_equal(dword(regs + VTD_REG_FEADDR), feaddr);
	assert_int_equal(dword(regs + VTD_REG_FEUADDR), feuaddr);
	assert_int_equal(dword(regs + VTD_REG_FECTL) & VTD_FECTL_IM, 0);
}

static void fault_irq_names_an_xapic_id(void **state)
{
	fault_irq_to(0x7, 0xfee07000, 0);
	fault_irq_to(0xff, 0xfeeff000, 0);
}

/* An x2APIC id above 255 (SDM vol. 3A 11.12): only a unit with EIM has
 * the upper address register that carries its high bits. */
static void fault_irq_names_a_wide_x2apic_id_with_eim(void **state)
{
	u.ecap = VTD_ECAP_EIM;
	fault_irq_to(0x12345, 0xfee45000, 0x12300);
	fault_irq_to(0x100, 0xfee00000, 0x100);
}

static void fault_irq_refuses_a_wide_id_without_eim(void **state)
{
	u32 masked = VTD_FECTL_IM;

	memcpy(regs + VTD_REG_FECTL, &masked, 4);
	this_apic_id = 0x100;
	assert_int_equal(vtd_fault_irq_setup(&u, 0x42), -ERANGE);
	/* nothing written: not an interrupt to CPU 0 instead */
	assert_int_equal(dword(regs + VTD_REG_FEADDR), 0);
	assert_int_equal(dword(regs + VTD_REG_FECTL), VTD_FECTL_IM);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(from_fri_in_circular_order, setup),
		cmocka_unit_test_setup(every_record_full_is_read_once, setup),
		cmocka_unit_test_setup(record_past_the_gap_is_out_of_order,
				       setup),
		cmocka_unit_test_setup(empty_unit_logs_nothing, setup),
		cmocka_unit_test_setup(overflow_is_counted_and_cleared, setup),
		cmocka_unit_test_setup(fault_irq_names_an_xapic_id, setup),
		cmocka_unit_test_setup(
		    fault_irq_names_a_wide_x2apic_id_with_eim, setup),
		cmocka_unit_test_setup(fault_irq_refuses_a_wide_id_without_eim,
				       setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
