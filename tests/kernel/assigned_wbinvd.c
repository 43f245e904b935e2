/* Suite assigned_wbinvd: the WBINVD policy matrix with a real device
 * assigned (kvmlike/assign.h) and the guest's DMA running. The domain's
 * coherency comes from the hardware: it enforces snooping only where the
 * unit has ECAP.SC (the qemu-sc lane); the coherent and upgraded cells
 * skip elsewhere, and every test skips without a VT-d unit (Bochs). The
 * counts of each phase (WBINVD exits, flushes, the intercept) are
 * diagnostics. */
#include "arch/x86/pci.h"
#include "iommu/vtd/caps.h"
#include "lib/test.h"
#include "tests/kernel/assigned_fix.h"

#define N_WBINVD 8

/* The policy matrix with a device assigned and its DMA running: for each
 * policy and each cell, a phase is a round trip of DMA then N_WBINVD
 * WBINVDs, held to what DESIGN.md says (the oracle of kvm_wbinvd.c: the
 * intercept is on under kvm, else only while every domain is coherent;
 * an exit flushes only while some domain is not). */
enum cell { COHERENT, NONCOHERENT, DETACHED, UPGRADED };

static const char *const cell_names[] = { "coherent-device",
					  "noncoherent-device", "detached",
					  "upgraded" };

static void wbinvd_phase(struct assigned_fix *f, enum cell c, const char *phase,
			 const struct guest_step *s, unsigned nr, unsigned dmas,
			 unsigned checks)
{
	struct vcpu *v = f->kf.v;
	enum wbinvd_policy p = f->kf.vm.coh.policy;
	bool nc = vm_has_noncoherent_dma(&f->kf.vm);
	bool trap = p == WBINVD_KVM || !nc;
	u64 exits = trap ? N_WBINVD : 0, flushes = trap && nc ? N_WBINVD : 0;

	if (!kvm_run_script(&f->kf, s, nr))
		return;
	test_diag("%s policy=%s cell=%s phase=%s snoop=%d noncoherent=%d: "
		  "wbinvd_exits=%lu flushes=%lu intercept=%d dmas=%u "
		  "(expected %lu/%lu/%d)",
		  v->ops->name, kvmc_policy_name(p), cell_names[c], phase,
		  f->dev.live && vtd_domain_enforces_snoop(&f->dev.dom), nc,
		  v->stats.wbinvd_exits, v->stats.flushes,
		  v->ops->wbinvd_exiting(v), dmas, exits, flushes, trap);
	EXPECT_EQ(v->stats.wbinvd_exits, exits);
	EXPECT_EQ(v->stats.flushes, flushes);
	EXPECT_EQ(v->ops->wbinvd_exiting(v), trap);
	afix_reports_ok(v, dmas, checks);
}

static void run_cell(enum wbinvd_policy p, enum cell c)
{
	const struct guest_step dma[] = {
		ROUND_TRIP(0xa1, GUEST_DMA_DST_GPA),
		STEP(GOP_WBINVD, N_WBINVD, 0, 0),
	};
	/* Upgraded: what the device held before the upgrade comes back
	 * after it, and a new round trip works. */
	const struct guest_step after[] = {
		STEP(GOP_EDU_DMA, 1, AFIX_DST2_GPA, AFIX_DMA_LEN),
		STEP(GOP_CHECK, 0xa1, AFIX_DST2_GPA, AFIX_DMA_LEN),
		ROUND_TRIP(0xb2, GUEST_DMA_DST_GPA),
		STEP(GOP_WBINVD, N_WBINVD, 0, 0),
	};
	const struct guest_step wbinvd[] = { STEP(GOP_WBINVD, N_WBINVD, 0, 0) };
	bool sc = afix_unit(afix_edu(0))->ecap & VTD_ECAP_SC;
	struct assigned_fix *f;

	if (c == COHERENT && !sc)
		test_skip("unit has ECAP.SC=0: no domain can enforce snooping");
	if (c == UPGRADED && !sc)
		test_skip(
		    "unit has ECAP.SC=0: no upgrade to enforced snooping");
	f = afix_begin(p, c == COHERENT ? 0 : ASSIGN_NONCOHERENT);
	EXPECT_EQ(vtd_domain_enforces_snoop(&f->dev.dom), c == COHERENT);
	EXPECT_EQ(vm_has_noncoherent_dma(&f->kf.vm), c != COHERENT);
	afix_fill_guards(&f->kf.vm);
	wbinvd_phase(f, c, "assigned", dma, ARRAY_SIZE(dma), 2, 1);
	afix_guards_intact(&f->kf.vm, GUEST_DMA_DST_GPA, 0xa1, 0, 0);
	if (c == DETACHED) {
		ASSERT_OK(assign_detach(&f->dev));
		EXPECT_FALSE(vm_has_noncoherent_dma(&f->kf.vm));
		wbinvd_phase(f, c, "detached", wbinvd, ARRAY_SIZE(wbinvd), 0,
			     0);
	}
	if (c == UPGRADED) {
		EXPECT_GE(assign_upgrade(&f->dev), 1);
		EXPECT_FALSE(vm_has_noncoherent_dma(&f->kf.vm));
		wbinvd_phase(f, c, "upgraded", after, ARRAY_SIZE(after), 3, 2);
		afix_guards_intact(&f->kf.vm, GUEST_DMA_DST_GPA, 0xb2,
				   AFIX_DST2_GPA, 0xa1);
	}
	afix_expect_faults(f->dev.unit, 0, 0, 0, 0);
}

#define CELL(pol, P, cell, C)               \
	TEST(assigned_wbinvd, pol##_##cell) \
	{                                   \
		run_cell(P, C);             \
	}

CELL(auto, WBINVD_AUTO, coherent_device, COHERENT)
CELL(auto, WBINVD_AUTO, noncoherent_device, NONCOHERENT)
CELL(auto, WBINVD_AUTO, detached, DETACHED)
CELL(auto, WBINVD_AUTO, upgraded, UPGRADED)
CELL(kvm, WBINVD_KVM, coherent_device, COHERENT)
CELL(kvm, WBINVD_KVM, noncoherent_device, NONCOHERENT)
CELL(kvm, WBINVD_KVM, detached, DETACHED)
CELL(kvm, WBINVD_KVM, upgraded, UPGRADED)
CELL(strict, WBINVD_STRICT, coherent_device, COHERENT)
CELL(strict, WBINVD_STRICT, noncoherent_device, NONCOHERENT)
CELL(strict, WBINVD_STRICT, detached, DETACHED)
CELL(strict, WBINVD_STRICT, upgraded, UPGRADED)

/* The device's command register, through the host's own mapping. */
static u32 edu_cmd(struct assigned_fix *f)
{
	volatile u8 *bar = pci_map_bar(f->dev.eng->pci, 0);

	ASSERT(bar != NULL);
	return *(volatile u32 *)(bar + GUEST_EDU_CMD);
}

/* The guest starts a transfer into its RAM and halts; with the transfer
 * in flight the host upgrades the live domain to enforce snooping; the
 * guest resumes, waits for it, finds every byte, and its WBINVD is now
 * trapped (and skipped). */
static void upgrade_in_flight(enum wbinvd_policy p)
{
	const struct guest_step s[] = {
		STEP(GOP_FILL, 0xc3, GUEST_DMA_SRC_GPA, AFIX_DMA_LEN),
		STEP(GOP_EDU_DMA, 0, GUEST_DMA_SRC_GPA, AFIX_DMA_LEN),
		STEP(GOP_WBINVD, N_WBINVD, 0, 0),
		STEP(GOP_EDU_DMA, GUEST_EDU_ARG_TO_RAM | GUEST_EDU_ARG_NOWAIT,
		     GUEST_DMA_DST_GPA, AFIX_DMA_LEN),
		STEP(GOP_HALT, 0, 0, 0),
		STEP(GOP_EDU_WAIT, 0, 0, 0),
		STEP(GOP_CHECK, 0xc3, GUEST_DMA_DST_GPA, AFIX_DMA_LEN),
		STEP(GOP_WBINVD, N_WBINVD, 0, 0),
	};
	struct assigned_fix *f;
	enum vcpu_stop stop;
	u64 exits, flushes;
	bool before, after;

	if (!(afix_unit(afix_edu(0))->ecap & VTD_ECAP_SC))
		test_skip(
		    "unit has ECAP.SC=0: no upgrade to enforced snooping");
	f = afix_begin(p, ASSIGN_NONCOHERENT);
	afix_fill_guards(&f->kf.vm);
	ASSERT_OK(vm_load_script(&f->kf.vm, s, ARRAY_SIZE(s)));
	ASSERT_OK(vcpu_run(f->kf.v, &stop));
	ASSERT(EXPECT_EQ(stop, VCPU_STOP_HALT) && EXPECT_FALSE(f->kf.v->done));
	exits = f->kf.v->stats.wbinvd_exits;
	flushes = f->kf.v->stats.flushes;
	before = edu_cmd(f) & GUEST_EDU_START;
	EXPECT_GE(assign_upgrade(&f->dev), 1);
	after = edu_cmd(f) & GUEST_EDU_START;
	EXPECT_TRUE(before); /* the transfer was running at the upgrade */
	ASSERT_OK(vcpu_run(f->kf.v, &stop));
	EXPECT_EQ(stop, VCPU_STOP_HALT);
	EXPECT_TRUE(f->kf.v->done);
	test_diag("policy=%s: before the upgrade wbinvd_exits=%lu flushes=%lu; "
		  "after it %lu/%lu intercept=%d; transfer running before %d, "
		  "after %d",
		  kvmc_policy_name(p), exits, flushes,
		  f->kf.v->stats.wbinvd_exits - exits,
		  f->kf.v->stats.flushes - flushes,
		  f->kf.v->ops->wbinvd_exiting(f->kf.v), before, after);
	EXPECT_EQ(exits, p == WBINVD_KVM ? N_WBINVD : 0);
	EXPECT_EQ(flushes, p == WBINVD_KVM ? N_WBINVD : 0);
	EXPECT_EQ(f->kf.v->stats.wbinvd_exits - exits, N_WBINVD);
	EXPECT_EQ(f->kf.v->stats.flushes - flushes, 0);
	afix_reports_ok(f->kf.v, 2, 1);
	afix_guards_intact(&f->kf.vm, GUEST_DMA_DST_GPA, 0xc3, 0, 0);
	afix_expect_faults(f->dev.unit, 0, 0, 0, 0);
}

TEST(assigned_wbinvd, auto_upgrade_with_dma_in_flight)
{
	upgrade_in_flight(WBINVD_AUTO);
}

TEST(assigned_wbinvd, kvm_upgrade_with_dma_in_flight)
{
	upgrade_in_flight(WBINVD_KVM);
}

TEST(assigned_wbinvd, strict_upgrade_with_dma_in_flight)
{
	upgrade_in_flight(WBINVD_STRICT);
}
