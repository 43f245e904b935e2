/* The ir suite's fixture (ir_fix.h). */
#include "tests/kernel/ir_fix.h"
#include "arch/x86/acpi.h"
#include "arch/x86/apic.h"
#include "arch/x86/cpu.h"
#include "arch/x86/madt.h"
#include "arch/x86/pci.h"
#include "arch/x86/percpu.h"
#include "arch/x86/pit.h"
#include "arch/x86/smp.h"
#include "arch/x86/trap.h"
#include "arch/x86/tsc.h"
#include "iommu/vtd/alias.h"
#include "iommu/vtd/fault.h"
#include "iommu/vtd/inval.h"
#include "iommu/vtd/vtd.h"
#include "lib/string.h"
#include "lib/test.h"
#include "tests/kernel/vtd_fix.h"

static struct ir_fix fixture;
volatile u64 ir_hits[2];
volatile unsigned ir_hit_cpu[2];

static void on_ir(struct trap_frame *tf, void *ctx)
{
	unsigned k = ctx ? 1 : 0;

	ir_hit_cpu[k] = smp_cpu();
	ir_hits[k]++;
	if (fixture.dev)
		dma_irq_ack(fixture.dev);
	if (fixture.other)
		dma_irq_ack(fixture.other);
}

void ir_msi_write(struct dma_engine *e, u32 addr, u16 data)
{
	const struct pci_msi_msg m = { addr, data };

	ASSERT_OK(pci_msi_msg_write(e->pci, &m));
}

void ir_aim(struct dma_engine *e, u16 handle, bool shv, u16 sub)
{
	ir_msi_write(e, vtd_msi_addr(handle, shv), (u16)vtd_msi_data(sub));
}

void ir_raise(struct dma_engine *e)
{
	ASSERT_OK(dma_raise_irq(e));
}

static struct vtd_unit *unit_of(const struct dma_engine *e)
{
	return vtd_unit_for_device(e->pci->seg, e->pci->bus, e->pci->devfn);
}

/* Runs before the VT-d fixture's teardown (registered after it), which
 * stops an xHCI and takes its domain away. */
static void ir_teardown(void *arg)
{
	struct ir_fix *f = arg;

	if (f->io_used)
		ioapic_rte_write(&f->io, f->io_pin, IOAPIC_RTE_MASK);
	vtd_ir_fini(&f->ir);
	/* The kernel's own messages, which the test overwrote: those of
	 * every engine behind the unit. */
	for (unsigned i = 0; i < dma_count(NULL); i++) {
		struct dma_engine *e = dma_find(NULL, i);
		if (e->pci && unit_of(e) == f->unit)
			pci_msi_recompose(e->pci);
	}
	trap_set_handler(VEC_IR_A, NULL, NULL);
	trap_set_handler(VEC_IR_B, NULL, NULL);
	vtd_fault_drain(f->unit);
	vtd_fault_clear_log(f->unit);
}

/* @f->unit remaps through the test's own table, or skip. */
static void unit_setup(struct ir_fix *f, bool eim)
{
	if (!(f->unit->ecap & VTD_ECAP_IR))
		test_skip("unit has no interrupt remapping (ECAP.IR=0)");
	if (eim && !(f->unit->ecap & VTD_ECAP_EIM))
		test_skip("unit has no extended interrupt mode (ECAP.EIM=0; "
			  "QEMU 7.2 offers it under TCG only with "
			  "x-buggy-eim=on)");
	if (!f->unit->qi)
		ASSERT_OK(vtd_qi_enable(f->unit));
	ir_hits[0] = ir_hits[1] = 0;
	trap_set_handler(VEC_IR_A, on_ir, NULL);
	trap_set_handler(VEC_IR_B, on_ir, (void *)1);
	vtd_fault_drain(f->unit);
	vtd_fault_clear_log(f->unit);
	test_defer(ir_teardown, f);
	ASSERT_OK(vtd_ir_init(&f->ir, f->unit, IR_TABLE_LOG2, eim));
}

/* An MSI or MSI-X vector the kernel enabled (and holds on to). */
static bool has_msi(const struct dma_engine *e)
{
	return e->vector && e->pci->msi_kind && !e->pci->msi_held;
}

/* A second engine behind @f's unit that raises its MSI without DMA (an
 * edu), so that it needs no domain of its own; or NULL. */
static struct dma_engine *other_raiser(const struct ir_fix *f)
{
	for (unsigned i = 0; i < dma_count("edu"); i++) {
		struct dma_engine *e = dma_find("edu", i);
		if (e != f->dev && e->pci && has_msi(e) &&
		    unit_of(e) == f->unit)
			return e;
	}
	return NULL;
}

struct ir_fix *ir_setup(bool eim)
{
	static struct dma_engine *eng[DMA_MAX_ENGINES];
	struct ir_fix *f = &fixture;
	unsigned n = fix_irq_engines(eng, ARRAY_SIZE(eng));

	memset(f, 0, sizeof(*f));
	if (apic_id() > APIC_MSI_DEST_MAX)
		test_skip("this CPU's x2APIC id %u is above 255: its devices' "
			  "MSIs stay off (see pci_msi_enable)",
			  apic_id());
	if (!n)
		test_skip("no DMA engine whose interrupts a VT-d unit "
			  "remaps on this machine");
	struct dma_engine *e = fix_round(eng, n);
	if (!has_msi(e))
		test_skip("%s has no MSI or MSI-X vector the kernel enabled "
			  "(nomsi, or none)",
			  e->kind);
	if (!e->ops->raise_irq)
		test_skip("%s cannot raise its interrupt at will", e->kind);
	/* An engine that raises by DMA (an xHCI's event) needs its own
	 * structures mapped where its unit translates: a domain of the VT-d
	 * fixture. Where the unit remaps interrupts only, its DMA is
	 * untranslated. */
	if (dma_regions(e, NULL, 0) &&
	    vtd_dma_unit_for_device(e->pci->seg, e->pci->bus, e->pci->devfn))
		fix_setup_on(e, FIX_ANY_ENGINE, FIX_INV_PREFERRED);
	f->dev = e;
	f->sid = vtd_dma_requester_id(e->pci);
	f->unit = unit_of(e);
	f->other = other_raiser(f);
	unit_setup(f, eim);
	return f;
}

/* The pin tests take their edge from the 8254's channel 0: skip where no
 * 8254 counts (clock-gated on some recent boards, pit=off under QEMU),
 * judged by its channel 2 as the TSC calibration uses it. */
static void need_pit(void)
{
	u64 khz;

	if (tsc_khz_pit(&khz))
		test_skip("no 8254 counts: the pin's edge comes from its "
			  "channel 0");
}

/* ISA IRQ 0's pin (ACPI 5.2.12.5: an override, else identity mapped) in
 * f->io and f->io_pin, or skip. The pin tests drive an edge, active
 * high, as an ISA interrupt conforms to. */
static void find_pit_pin(struct ir_fix *f)
{
	const struct acpi_header *h = acpi_find("APIC");
	u32 gsi, bad;
	u16 flags;
	int r;

	if (!h)
		test_skip("no MADT");
	r = madt_isa_irq(h, h->length, PIT_ISA_IRQ, &gsi, &flags, &bad);
	if (r < 0)
		test_skip("malformed MADT (structure at offset %u)", bad);
	if (FIELD_GET(MADT_INTI_POLARITY, flags) > MADT_INTI_HIGH ||
	    FIELD_GET(MADT_INTI_TRIGGER, flags) > MADT_INTI_EDGE)
		test_skip("the MADT makes ISA IRQ 0 level-triggered or active "
			  "low (flags 0x%x): the pin tests drive the 8254's "
			  "edge",
			  flags);
	if (ioapic_find_gsi(&f->io, gsi, &f->io_pin))
		test_skip("no I/O APIC in the MADT holds GSI %u (ISA IRQ 0)",
			  gsi);
	f->io_gsi = gsi;
}

void ir_pin_fire(struct ir_fix *f, u16 handle)
{
	ioapic_rte_write(&f->io, f->io_pin,
			 vtd_ioapic_rte(handle, VEC_IR_A, false, false));
	outb(PIT_CH0, 0xa9); /* 1193 ticks: 1 ms, then one rising edge */
	outb(PIT_CH0, 0x04);
}

struct ir_fix *ir_setup_pin(void)
{
	struct ir_fix *f = &fixture;

	memset(f, 0, sizeof(*f));
	find_pit_pin(f);
	if (!vtd_nr_units())
		test_skip("no VT-d unit on this machine");
	f->unit = vtd_unit_for_ioapic(f->io.id, &f->io_sid);
	if (!f->unit)
		test_skip("no VT-d unit's DMAR scope names I/O APIC %u",
			  f->io.id);
	need_pit();
	unit_setup(f, false);
	f->io_used = true;
	outb(PIT_CMD, PIT_CH0_MODE0); /* output low, counting stopped */
	return f;
}

/* Without EIME an IRTE names 8-bit ids only (9.10, DST 15:8): a CPU with
 * a wider x2APIC id is not chosen then. The last CPU online, so that an
 * arrival there proves the destination came from the IRTE (the device's
 * compatibility message named the boot CPU). */
unsigned ir_target_cpu(const struct ir_fix *f)
{
	unsigned cpu = 0;

	for (unsigned i = 1; i < percpu_nr(); i++)
		if (smp_cpu_online(i) &&
		    (f->ir.eim || smp_percpu(i)->apic_id <= APIC_MSI_DEST_MAX))
			cpu = i;
	return cpu;
}

struct vtd_irte_cfg ir_cfg_to(unsigned cpu, u8 vector)
{
	struct vtd_irte_cfg c = { .vector = vector };

	c.dest = smp_percpu(cpu)->apic_id;
	return c;
}

bool ir_expect_arrival(unsigned k, u64 before, unsigned cpu)
{
	if (!EXPECT_OK(WAIT_FOR(ir_hits[k] > before, IR_ARRIVE_US)))
		return false;
	return EXPECT_EQ(ir_hit_cpu[k], cpu);
}

bool ir_nothing_arrives(u64 a, u64 b)
{
	udelay(IR_SILENT_US);
	if (ir_hits[0] == a && ir_hits[1] == b)
		return true;
	test_fail("a blocked interrupt arrived (vector 0x%x: %lu, 0x%x: %lu)",
		  VEC_IR_A, ir_hits[0] - a, VEC_IR_B, ir_hits[1] - b);
	return false;
}

void ir_expect_blocked(struct ir_fix *f, struct dma_engine *e, unsigned reason,
		       u16 index)
{
	u64 a = ir_hits[0], b = ir_hits[1];

	ir_raise(e);
	if (ir_nothing_arrives(a, b))
		expect_ir_fault(f->unit, reason, vtd_dma_requester_id(e->pci),
				index);
}

/* An edu with an MSI the kernel enabled that reaches @u (any unit when
 * NULL) under another requester id than its own. */
static bool bridged_edu(const struct dma_engine *e, const struct vtd_unit *u)
{
	return e->pci && has_msi(e) && vtd_dma_requester_id(e->pci) != e->sid &&
	       unit_of(e) && (!u || unit_of(e) == u);
}

struct dma_engine *ir_next_bridged(struct ir_fix *f)
{
	while (f->next_edu < dma_count("edu")) {
		struct dma_engine *e = dma_find("edu", f->next_edu++);
		if (bridged_edu(e, f->unit)) {
			f->dev = e;
			f->sid = vtd_dma_requester_id(e->pci);
			return e;
		}
	}
	return NULL;
}

struct ir_fix *ir_setup_bridged(void)
{
	struct ir_fix *f = &fixture;

	memset(f, 0, sizeof(*f));
	for (unsigned i = 0; i < dma_count("edu") && !f->unit; i++) {
		struct dma_engine *e = dma_find("edu", i);
		if (bridged_edu(e, NULL))
			f->unit = unit_of(e);
	}
	if (!f->unit)
		test_skip("no edu with MSI behind a bridge to conventional PCI "
			  "on a VT-d unit");
	unit_setup(f, false);
	return f;
}
