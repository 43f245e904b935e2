/* Primary fault logging (7.1.3) and the fault event interrupt (7.4). */
#include "iommu/vtd/unit.h"
#include "iommu/vtd/caps.h"
#include "iommu/vtd/fault.h"
#include "arch/x86/apic.h"
#include "arch/x86/cpu.h"
#include "lib/errno.h"
#include "lib/string.h"

static const char *const reason_names[] = {
	[VTD_FR_ROOT_NOT_PRESENT] = "root entry not present",
	[VTD_FR_CTX_NOT_PRESENT] = "context entry not present",
	[VTD_FR_CTX_INVALID] = "invalid context entry programming",
	[VTD_FR_ADDR_BEYOND_AW] = "input address beyond the address width",
	[VTD_FR_WRITE] = "write to a page without write permission",
	[VTD_FR_READ] = "read of a page without read permission",
	[VTD_FR_SL_ACCESS] = "error accessing a second-level entry",
	[VTD_FR_ROOT_ACCESS] = "error accessing the root entry",
	[VTD_FR_CTX_ACCESS] = "error accessing the context entry",
	[VTD_FR_ROOT_RSVD] = "reserved bit set in the root entry",
	[VTD_FR_CTX_RSVD] = "reserved bit set in the context entry",
	[VTD_FR_SL_RSVD] = "reserved bit set in a second-level entry",
	[VTD_FR_TT_BLOCKED] = "request blocked by the translation type",
	[VTD_FR_INTR_RANGE] = "output address in the interrupt range",
};

const char *vtd_fault_reason_name(unsigned reason)
{
	if (reason < ARRAY_SIZE(reason_names) && reason_names[reason])
		return reason_names[reason];
	return "unknown or reserved reason";
}

static u32 frcd_off(const struct vtd_unit *u, unsigned i)
{
	return (u32)FIELD_GET(VTD_CAP_FRO, u->cap) * 16 + i * VTD_FRCD_SIZE;
}

/* The log is filled from the fault interrupt and read by tests: both
 * sides run with interrupts off on this CPU (irq_save; the fault
 * interrupt is routed to the CPU that set it up, which runs the suites). */

/* The unit's own interrupt is not remapped (5.1.6): FEADDR bits 19:12
 * hold the destination's bits 7:0 and, in x2APIC mode, FEUADDR bits 31:8
 * its bits 31:8 (11.4.9.4, 11.4.9.5), a register only units with EIM
 * have. Linux fills FEUADDR the same way since 2.6.37. */
int vtd_fault_irq_setup(struct vtd_unit *u, u8 vector)
{
	u32 dest = apic_id();

	if (dest > APIC_MSI_DEST_MAX && !(u->ecap & VTD_ECAP_EIM))
		return -ERANGE;
	vtd_write32(u, VTD_REG_FEDATA, vector);
	vtd_write32(u, VTD_REG_FEADDR, apic_msi_addr(dest));
	vtd_write32(u, VTD_REG_FEUADDR, dest & ~APIC_MSI_DEST_MAX);
	vtd_fault_mask(u, false);
	return 0;
}

/* FECTL bits 29:0 are reserved and preserved (11.4.9.2). */
void vtd_fault_mask(struct vtd_unit *u, bool masked)
{
	u32 v = vtd_read32(u, VTD_REG_FECTL) & ~(VTD_FECTL_IM | VTD_FECTL_IP);

	vtd_write32(u, VTD_REG_FECTL, v | (masked ? VTD_FECTL_IM : 0));
}

static void log_fault(struct vtd_unit *u, u64 lo, u64 hi)
{
	struct vtd_fault *f =
	    &u->log[(u->log_head + u->log_count) % VTD_FAULT_LOG];

	/* PASID value bits are meaningful only with PP set; QEMU 7.2 leaves
	 * junk there otherwise, so nothing but the fields below is read. */
	f->reason = (u8)FIELD_GET(VTD_FRCD_HI_FR, hi);
	f->sid = (u16)FIELD_GET(VTD_FRCD_HI_SID, hi);
	f->addr = lo & VTD_FRCD_LO_FI;
	f->access = (hi & VTD_FRCD_HI_T1 ? 2 : 0) |
		    (hi & VTD_FRCD_HI_T2 ? 1 : 0);
	if (u->log_count < VTD_FAULT_LOG) {
		u->log_count++;
	} else {
		u->log_head = (u->log_head + 1) % VTD_FAULT_LOG;
		u->stats.log_dropped++;
	}
	u->stats.faults++;
}

/* Take record @i into the log and clear it; false when it holds none.
 * The dword with F is read first, and the rest only when F is set. */
static bool take_record(struct vtd_unit *u, unsigned i)
{
	u32 off = frcd_off(u, i);
	u32 up = vtd_read32(u, off + VTD_FRCD_HI_UP);
	u64 hi;

	if (!(up & (u32)(VTD_FRCD_HI_F >> 32)))
		return false;
	hi = (u64)up << 32 | vtd_read32(u, off + VTD_FRCD_HI);
	log_fault(u, vtd_read64_halves(u, off + VTD_FRCD_LO), hi);
	vtd_write32(u, off + VTD_FRCD_HI_UP, (u32)(VTD_FRCD_HI_F >> 32));
	return true;
}

/* 7.1.3.1: FSTS.FRI names the oldest record when PPF is set; records
 * fill in circular order from there, so reading from FRI until a record
 * without F gives the faults oldest first. A second pass over the records
 * the first did not reach catches those a non-conforming unit filled out
 * of order. The records the first pass read are not read again: one
 * filled there since is a new fault, in order, whose interrupt (PPF set
 * again, 7.4.1) brings the next drain; reading it now would count it out
 * of order. */
unsigned vtd_fault_drain(struct vtd_unit *u)
{
	u64 flags = irq_save();
	unsigned n = 0, nfr = vtd_nr_fault_regs(u);
	u32 fsts = vtd_read32(u, VTD_REG_FSTS);
	unsigned first = (unsigned)FIELD_GET(VTD_FSTS_FRI, fsts) % nfr;

	while (n < nfr && take_record(u, (first + n) % nfr))
		n++;
	for (unsigned k = n + 1; k < nfr; k++)
		if (take_record(u, (first + k) % nfr)) {
			n++;
			u->stats.out_of_order++;
		}
	if (fsts & VTD_FSTS_PFO) {
		u->stats.pfo++;
		vtd_write32(u, VTD_REG_FSTS, VTD_FSTS_PFO);
	}
	irq_restore(flags);
	return n;
}

unsigned vtd_fault_take(struct vtd_unit *u, struct vtd_fault *out, unsigned max)
{
	u64 flags = irq_save();
	unsigned n = 0;

	for (; n < max && u->log_count; n++) {
		out[n] = u->log[u->log_head];
		u->log_head = (u->log_head + 1) % VTD_FAULT_LOG;
		u->log_count--;
	}
	irq_restore(flags);
	return n;
}

void vtd_fault_clear_log(struct vtd_unit *u)
{
	u64 flags = irq_save();

	u->log_head = u->log_count = 0;
	irq_restore(flags);
}

const char *vtd_access_name(unsigned access)
{
	static const char *const names[] = { "write", "page request", "read",
					     "atomic" };

	return names[access & 3];
}
