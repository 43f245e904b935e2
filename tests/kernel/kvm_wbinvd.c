/* Suite kvm_wbinvd: the guest's WBINVD is trapped or passed through as the
 * coherency of the VM's DMA domains and the policy say (DESIGN.md, "The
 * semantics it implements"). For every domain set and every policy: the
 * WBINVD exits the guest caused (n when trapped, 0 when passed through),
 * the flushes the hypervisor did, and the intercept after every change.
 *
 * The expectations are computed here, from the set, not asked of
 * kvmlike/policy.c: this is the oracle the implementation is held to. */
#include "arch/x86/cpu.h"
#include "kvmlike/svm.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "lib/test.h"
#include "kernel/kstate.h"
#include "tests/kernel/kvm_fix.h"

#define N_WBINVD 8

static struct kvm_fix fix;

enum dom_set {
	SET_NONE,
	SET_COHERENT,
	SET_NONCOHERENT,
	SET_ONE_OF_EACH,
	SET_NONCOHERENT_DETACHED,
	SET_NONCOHERENT_UPGRADED,
};

static const char *const set_names[] = {
	"none",
	"one-coherent",
	"one-noncoherent",
	"one-of-each",
	"noncoherent-then-detached",
	"noncoherent-upgraded",
};

/* WBINVD exiting: kvm always; auto and strict only while coherent. */
static bool expect_intercept(enum wbinvd_policy p, bool noncoherent)
{
	return p == WBINVD_KVM || !noncoherent;
}

/* Run N_WBINVD WBINVDs and hold the result to the expectation. One CPU:
 * an emulated WBINVD flushes once (the dirty mask holds this CPU only). */
static void wbinvd_phase(struct kvm_fix *f, enum dom_set set, const char *phase,
			 bool noncoherent)
{
	const struct guest_step s[] = { { .op = GOP_WBINVD, .arg = N_WBINVD } };
	enum wbinvd_policy p = f->vm.coh.policy;
	bool trap = expect_intercept(p, noncoherent);
	u64 exits = trap ? N_WBINVD : 0;
	u64 flushes = trap && noncoherent ? N_WBINVD : 0;
	struct vcpu *v = f->v;

	EXPECT_EQ(vm_has_noncoherent_dma(&f->vm), noncoherent);
	if (!kvm_run_script(f, s, ARRAY_SIZE(s)))
		return;
	test_diag("%s policy=%s set=%s phase=%s: wbinvd_exits=%lu "
		  "flushes=%lu intercept=%d (expected %lu/%lu/%d)",
		  v->ops->name, kvmc_policy_name(p), set_names[set], phase,
		  v->stats.wbinvd_exits, v->stats.flushes,
		  v->ops->wbinvd_exiting(v), exits, flushes, trap);
	EXPECT_EQ(v->stats.wbinvd_exits, exits);
	EXPECT_EQ(v->stats.flushes, flushes);
	EXPECT_EQ(v->ops->wbinvd_exiting(v), trap);
	/* The mask holds at most this CPU; under kvm with a non-coherent
	 * domain exactly it: the vCPU ran here after the last flush. */
	cpumask_t here = cpumask_of((unsigned)v->cpu);
	EXPECT_TRUE(cpumask_empty(cpumask_andnot(v->dirty.mask, here)));
	if (p == WBINVD_KVM && noncoherent)
		EXPECT_TRUE(cpumask_equal(v->dirty.mask, here));
	if (p != WBINVD_KVM && noncoherent) /* passed through: untracked */
		EXPECT_TRUE(cpumask_empty(v->dirty.mask));
	EXPECT_EQ(v->requests, 0);
}

/* A change of the answer is a request, applied at the next entry. */
static void expect_request(struct kvm_fix *f, bool changed)
{
	EXPECT_EQ(f->v->requests & VCPU_REQ_COHERENCY,
		  changed ? VCPU_REQ_COHERENCY : 0);
}

static void run_set(enum wbinvd_policy p, enum dom_set set)
{
	struct kvm_fix *f = &fix;
	struct vtd_domain *c = NULL, *n = NULL;

	if (!kvm_fix_begin(f, p))
		return;
	/* The first entry applies the initial answer. */
	f->v->requests = 0;
	if (set == SET_COHERENT || set == SET_ONE_OF_EACH)
		c = kvm_dom_new(f, true);
	if (set != SET_NONE && set != SET_COHERENT)
		n = kvm_dom_new(f, false);
	if (c)
		EXPECT_OK(vm_attach_domain(&f->vm, c));
	if (n)
		EXPECT_OK(vm_attach_domain(&f->vm, n));
	expect_request(f, n != NULL);
	f->v->requests |= VCPU_REQ_COHERENCY; /* as a fresh vCPU has it */
	wbinvd_phase(f, set, "attached", n != NULL);
	if (n && set == SET_NONCOHERENT_DETACHED) {
		EXPECT_OK(vm_detach_domain(&f->vm, n));
		expect_request(f, true);
		wbinvd_phase(f, set, "detached", false);
	}
	if (n && set == SET_NONCOHERENT_UPGRADED) {
		EXPECT_EQ(vtd_domain_enforce_coherency(n), 1); /* one leaf */
		EXPECT_OK(vm_domain_upgraded(&f->vm, n));
		expect_request(f, true);
		wbinvd_phase(f, set, "upgraded", false);
	}
	kvm_fix_end(f);
}

static void run_set_all_policies(enum dom_set set)
{
	for (int p = WBINVD_AUTO; p <= WBINVD_STRICT; p++)
		run_set((enum wbinvd_policy)p, set);
}

TEST(kvm_wbinvd, default_policy_is_the_command_line_one)
{
	enum wbinvd_policy p = kvmc_policy_or_default(kstate.opts.wbinvd);

	if (!kvm_fix_begin(&fix, p))
		return;
	test_diag("backend %s%s, wbinvd=%s, domains from %s", fix.vm.ops->name,
		  kvm_backend_note(fix.vm.ops),
		  kvmc_policy_name(fix.vm.coh.policy), kvm_dom_source());
	EXPECT_EQ(fix.vm.coh.policy, p);
	kvm_fix_end(&fix);
}

TEST(kvm_wbinvd, no_domain_traps_every_wbinvd_as_a_noop)
{
	run_set_all_policies(SET_NONE);
}

TEST(kvm_wbinvd, coherent_domain_traps_every_wbinvd_as_a_noop)
{
	run_set_all_policies(SET_COHERENT);
}

TEST(kvm_wbinvd, noncoherent_domain_passes_through_or_flushes_per_policy)
{
	run_set_all_policies(SET_NONCOHERENT);
}

TEST(kvm_wbinvd, one_noncoherent_among_coherent_decides)
{
	run_set_all_policies(SET_ONE_OF_EACH);
}

TEST(kvm_wbinvd, detaching_the_noncoherent_domain_traps_again)
{
	run_set_all_policies(SET_NONCOHERENT_DETACHED);
}

TEST(kvm_wbinvd, upgrading_in_place_traps_again)
{
	run_set_all_policies(SET_NONCOHERENT_UPGRADED);
}

/* The change is not applied by the attach itself: the intercept the
 * hardware holds is the old one until the vCPU's next entry. */
TEST(kvm_wbinvd, change_is_applied_before_the_next_entry)
{
	const struct guest_step s[] = { { .op = GOP_WBINVD, .arg = 2 } };
	struct vtd_domain *n;
	struct vcpu *v;

	if (!kvm_fix_begin(&fix, WBINVD_AUTO))
		return;
	v = fix.v;
	if (kvm_run_script(&fix, s, 1) && (n = kvm_dom_new(&fix, false))) {
		EXPECT_TRUE(v->ops->wbinvd_exiting(v));
		EXPECT_OK(vm_attach_domain(&fix.vm, n));
		EXPECT_EQ(v->requests, VCPU_REQ_COHERENCY);
		EXPECT_TRUE(v->ops->wbinvd_exiting(v)); /* not yet */
		if (kvm_run_script(&fix, s, 1)) {
			EXPECT_EQ(v->stats.requests_applied, 1);
			EXPECT_FALSE(v->ops->wbinvd_exiting(v));
			EXPECT_EQ(v->stats.wbinvd_exits, 0);
		}
	}
	kvm_fix_end(&fix);
}

TEST(kvm_wbinvd, strict_refuses_noncoherent_attach_and_vm_keeps_running)
{
	const struct guest_step s[] = { { .op = GOP_WBINVD, .arg = 3 } };
	struct vtd_domain *c, *n;

	if (!kvm_fix_begin(&fix, WBINVD_STRICT))
		return;
	vm_set_strict_refuse(&fix.vm, true);
	c = kvm_dom_new(&fix, true);
	n = kvm_dom_new(&fix, false);
	if (c && n && kvm_run_script(&fix, s, 1)) {
		EXPECT_OK(vm_attach_domain(&fix.vm, c));
		EXPECT_EQ(vm_attach_domain(&fix.vm, n), -EPERM);
		test_diag("refused: %s", fix.vm.err);
		EXPECT_TRUE(glob_match("wbinvd=strict: refusing*", fix.vm.err));
		EXPECT_FALSE(vm_has_noncoherent_dma(&fix.vm));
		EXPECT_EQ(fix.v->requests, 0);
		if (kvm_run_script(&fix, s, 1)) {
			EXPECT_EQ(fix.v->stats.wbinvd_exits, 3);
			EXPECT_TRUE(fix.v->ops->wbinvd_exiting(fix.v));
		}
	}
	kvm_fix_end(&fix);
}

TEST(kvm_wbinvd, auto_accepts_noncoherent_attach_after_coherent_run)
{
	const struct guest_step s[] = { { .op = GOP_WBINVD, .arg = 3 } };
	struct vtd_domain *n;

	if (!kvm_fix_begin(&fix, WBINVD_AUTO))
		return;
	if (kvm_run_script(&fix, s, 1) && (n = kvm_dom_new(&fix, false))) {
		EXPECT_OK(vm_attach_domain(&fix.vm, n));
		if (kvm_run_script(&fix, s, 1))
			EXPECT_EQ(fix.v->stats.wbinvd_exits, 0);
	}
	kvm_fix_end(&fix);
}
