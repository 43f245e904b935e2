/* Fixture of the assigned suites: a VM (tests/kernel/kvm_fix.h) with an
 * edu device assigned to it (kvmlike/assign.h), canaries in guest RAM
 * around the DMA buffers of the guest stub's layout (guest.h), and the
 * fault records of the device's unit. The fixture is static and torn
 * down when the test ends, however it ends (test_defer): devices
 * detached, VMs destroyed, the host page freed, the fault log cleared. */
#ifndef TESTS_KERNEL_ASSIGNED_FIX_H
#define TESTS_KERNEL_ASSIGNED_FIX_H

#include "kvmlike/assign.h"
#include "tests/kernel/kvm_fix.h"

#define AFIX_DMA_LEN 3000 /* of a page: the rest of it stays canary */
#define AFIX_CANARY  0xc5
#define AFIX_SECRET  0x5a /* host bytes no guest may read */
/* A second destination, past the first's guard page. */
#define AFIX_DST2_GPA (GUEST_DMA_DST_GPA + 2 * PAGE_SIZE)
/* Canaries from the source's guard page to the page after DST2. */
#define AFIX_GUARD_LO (GUEST_DMA_SRC_GPA + PAGE_SIZE)
#define AFIX_GUARD_HI (AFIX_DST2_GPA + 2 * PAGE_SIZE)

#define STEP(o, a, l, h)                                    \
	{                                                   \
		.op = (o), .arg = (a), .lo = (l), .hi = (h) \
	}
/* The guest stages @pat from its source buffer into the device, DMAs it
 * back to @dst and checks it there: two GREP_DMA, one GREP_CHECK. */
#define ROUND_TRIP(pat, dst)                                       \
	STEP(GOP_FILL, pat, GUEST_DMA_SRC_GPA, AFIX_DMA_LEN),      \
	    STEP(GOP_EDU_DMA, 0, GUEST_DMA_SRC_GPA, AFIX_DMA_LEN), \
	    STEP(GOP_EDU_DMA, 1, dst, AFIX_DMA_LEN),               \
	    STEP(GOP_CHECK, pat, dst, AFIX_DMA_LEN)

struct assigned_fix {
	struct kvm_fix kf;
	struct assigned_dev dev, dev2;
	struct vm vm2; /* a second VM, for dev2 */
	struct vcpu *v2;
	bool vm2_up;
	u8 *host_page; /* a host page the guest aims at */
};

/* A VM with @policy and one vCPU, nothing assigned; skips the test when
 * the CPU has no VMX/SVM with EPT/NPT. */
struct assigned_fix *afix_vm(enum wbinvd_policy policy);
/* The same with edu0 assigned (assign_device @flags) at GUEST_BAR_GPA,
 * its unit's fault log empty; skips without a VT-d unit or edu0. */
struct assigned_fix *afix_begin(enum wbinvd_policy policy, unsigned flags);
/* assign_device, skipping the test when it was refused because the unit
 * cannot remap interrupts and unsafe interrupts are not allowed (the
 * refusal names the option);
 * asserts any other error away. */
void afix_assign(struct assigned_dev *a, struct vm *vm, struct dma_engine *e,
		 unsigned flags);
/* Skip unless @a's unit remaps interrupts for it (assigned under
 * allow_unsafe_interrupts it does not). */
void afix_need_remapping(const struct assigned_dev *a);
/* The @i'th edu device behind a VT-d unit that translates its DMA, or
 * skip ("no VT-d unit" when the machine has none). */
struct dma_engine *afix_edu(unsigned i);
/* The unit that translates @e's DMA, or NULL. */
struct vtd_unit *afix_unit(struct dma_engine *e);
/* The source id the unit records for @e's requests: its own, or the last
 * DMA alias when a bridge above it takes them over (iommu/vtd/alias.h). */
u16 afix_sid(struct dma_engine *e);

/* Host address of guest memory [gpa, gpa+len); asserts it is RAM. */
u8 *afix_ram(struct vm *vm, gpa_t gpa, u64 len);
void afix_fill_guards(struct vm *vm);
/* Every byte from AFIX_GUARD_LO to AFIX_GUARD_HI is canary except
 * AFIX_DMA_LEN bytes at @gpa holding @pat, and at @gpa2 holding @pat2
 * (a GPA of 0: none). */
bool afix_guards_intact(struct vm *vm, gpa_t gpa, u8 pat, gpa_t gpa2, u8 pat2);
/* The guest's @dmas transfers completed and its @checks found their
 * bytes. */
bool afix_reports_ok(const struct vcpu *v, unsigned dmas, unsigned checks);
/* Exactly @n faults on @u, the first with this reason, source and page
 * (each printed as a diagnostic). */
bool afix_expect_faults(struct vtd_unit *u, unsigned n, unsigned reason,
			u16 sid, iova_t addr);
/* The leaf at GUEST_BAR_GPA maps @hpa uncached: EPT UC without IPAT, NPT
 * PCD|PWT; never executable. */
void afix_expect_bar_uncached(struct vm *vm, hpa_t hpa);
/* Device memory to map where a test has no device: the first memory BAR
 * of any PCI device, else the local APIC's page. Never touched. */
hpa_t afix_device_memory(void);
/* A host page below 4 GiB, above guest RAM, filled with AFIX_SECRET and
 * freed at teardown: its physical address, which no domain maps. */
gpa_t afix_host_page_target(struct assigned_fix *f);

#endif
