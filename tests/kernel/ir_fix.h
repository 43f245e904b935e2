/* The ir suite's fixture (tests/kernel/ir.c, ir_pin.c): a test's own
 * interrupt-remapping table on a unit, two vectors whose arrivals are
 * counted with the CPU that took them, and the checks of an arrival and
 * of a blocked interrupt.
 *
 * The MSI tests run once per DMA engine behind a unit that translates its
 * DMA (vtd_fix.h: edu0, xhci0), since an xHCI raises its interrupt by a
 * command, which is DMA: edu raises its MSI by a register write, an xHCI
 * by a No-Op command's completion event (dma_raise_irq). The engine's
 * MSI capability (MSI-X table entry 0 where the kernel enabled MSI-X) is
 * aimed at the test's entries directly. The pin tests
 * need no engine: the PIT's one-shot edge reaches I/O APIC pin 2, on the
 * unit whose DMAR scope names that I/O APIC. Remapping is turned off and
 * the engines' own messages are written back when each test ends: the
 * other suites rely on their compatibility-format MSIs. */
#ifndef TESTS_KERNEL_IR_FIX_H
#define TESTS_KERNEL_IR_FIX_H

#include "arch/x86/ioapic.h"
#include "drivers/dma.h"
#include "iommu/vtd/ir.h"

#define IR_TABLE_LOG2 8 /* 256 entries, one page */
#define IR_ARRIVE_US  100000
#define IR_SILENT_US  2000
/* The PIT's channel 0 output drives ISA IRQ 0: the GSI of the MADT's
 * override for it (pin 2 of the first I/O APIC on QEMU and most boards),
 * else GSI 0. */
#define PIT_ISA_IRQ 0

struct ir_fix {
	struct vtd_unit *unit;
	/* The engine raising MSIs, and another behind the same unit that
	 * raises one without DMA (an edu), or NULL; none in pin tests. */
	struct dma_engine *dev, *other;
	/* @dev's requests as the unit sees them: its own id, or the last
	 * DMA alias behind a bridge to conventional PCI (alias.h). */
	u16 sid;
	unsigned next_edu; /* ir_next_bridged: the edu index it looks at */
	struct vtd_ir ir;
	struct ioapic io;
	u32 io_gsi;	 /* ISA IRQ 0's global system interrupt */
	unsigned io_pin; /* and its pin on @io */
	u16 io_sid;	 /* the I/O APIC's source id (its DMAR scope) */
	bool io_used;
};

/* Arrivals on VEC_IR_A (0) and VEC_IR_B (1), and the CPU of the last. */
extern volatile u64 ir_hits[2];
extern volatile unsigned ir_hit_cpu[2];

/* An engine whose MSI the test aims, its unit remapping through the
 * test's table (32-bit destinations when @eim), or skip. */
struct ir_fix *ir_setup(bool eim);
/* The I/O APIC pin that ISA IRQ 0 (the PIT) arrives on, its unit
 * remapping through the test's table, or skip. */
struct ir_fix *ir_setup_pin(void);
/* The first edu with an MSI behind a bridge to conventional PCI on a unit
 * that remaps, that unit remapping through the test's table, or skip;
 * ir_next_bridged gives each such edu on the unit in turn (NULL after
 * the last), as f->dev and f->sid. */
struct ir_fix *ir_setup_bridged(void);
struct dma_engine *ir_next_bridged(struct ir_fix *f);
/* The pin's entry in remappable format naming @handle (vector field
 * VEC_IR_A), then one rising edge from the PIT after 1 ms. */
void ir_pin_fire(struct ir_fix *f, u16 handle);

/* The CPU interrupts are aimed at: the last one online whose id the
 * table can name (any with EIME, else 8 bits). */
unsigned ir_target_cpu(const struct ir_fix *f);
struct vtd_irte_cfg ir_cfg_to(unsigned cpu, u8 vector);
/* Write @e's message (pci_msi_msg_write): remappable format naming
 * @handle (and @sub with SHV), or a raw one. */
void ir_aim(struct dma_engine *e, u16 handle, bool shv, u16 sub);
void ir_msi_write(struct dma_engine *e, u32 addr, u16 data);
/* Have @e send its interrupt (dma_raise_irq), or fail the test. */
void ir_raise(struct dma_engine *e);

/* Vector @k (0: A, 1: B) arrives within IR_ARRIVE_US after @before
 * arrivals, on @cpu. */
bool ir_expect_arrival(unsigned k, u64 before, unsigned cpu);
/* Neither vector arrives within IR_SILENT_US beyond @a and @b. */
bool ir_nothing_arrives(u64 a, u64 b);
/* Raise @e's interrupt, which the caller aimed at a blocked entry, and
 * expect no arrival and a fault with @reason at @index, from @e's requester id
 * (vtd_dma_requester_id). */
void ir_expect_blocked(struct ir_fix *f, struct dma_engine *e, unsigned reason,
		       u16 index);

#endif
