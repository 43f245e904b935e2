/* Host tests of the VM's coherency counter, the WBINVD policies and the
 * dirty mask (kvmlike/policy.c). Domains are plain objects here: the pure
 * module only needs distinct keys and their coherency. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "kvmlike/policy.h"
#include "lib/errno.h"

static int dom[KVMC_MAX_DOMAINS + 1]; /* their addresses are the keys */

struct flushes {
	unsigned n;
	cpumask_t cpus; /* every CPU flushed */
	unsigned last;
};

static void record_flush(void *ctx, unsigned cpu)
{
	struct flushes *f = ctx;

	f->n++;
	f->last = cpu;
	cpumask_set(&f->cpus, cpu);
}

/* The set of the @n CPUs that follow. */
static cpumask_t cpus(unsigned n, ...)
{
	cpumask_t m = cpumask_none();
	va_list ap;

	va_start(ap, n);
	while (n--)
		assert_true(cpumask_set(&m, va_arg(ap, unsigned)));
	va_end(ap);
	return m;
}

#define assert_cpus(m, n, ...) \
	assert_true(cpumask_equal((m), cpus((n), ##__VA_ARGS__)))

static struct kvmc vm(enum wbinvd_policy p)
{
	struct kvmc c;

	kvmc_init(&c, p);
	return c;
}

static void empty_vm_is_coherent_and_traps(void **state)
{
	struct kvmc c = vm(WBINVD_AUTO);

	assert_false(kvmc_noncoherent(&c));
	assert_int_equal(c.nr_noncoherent, 0);
	assert_true(kvmc_wbinvd_intercept(&c));
	assert_int_equal(kvmc_wbinvd_action(&c), KVMC_SKIP);
}

static void noncoherent_attach_counts_and_reports_change(void **state)
{
	struct kvmc c = vm(WBINVD_AUTO);

	assert_int_equal(kvmc_attach(&c, &dom[0], false), KVMC_CHANGED);
	assert_int_equal(c.nr_noncoherent, 1);
	assert_true(kvmc_noncoherent(&c));
	assert_int_equal(kvmc_attach(&c, &dom[1], false), 0); /* 1 -> 2 */
	assert_int_equal(c.nr_noncoherent, 2);
	assert_int_equal(kvmc_detach(&c, &dom[0]), 0); /* 2 -> 1 */
	assert_int_equal(kvmc_detach(&c, &dom[1]), KVMC_CHANGED);
	assert_false(kvmc_noncoherent(&c));
}

static void coherent_attach_and_detach_leave_counter(void **state)
{
	struct kvmc c = vm(WBINVD_AUTO);

	assert_int_equal(kvmc_attach(&c, &dom[0], true), 0);
	assert_int_equal(c.nr_noncoherent, 0);
	assert_int_equal(kvmc_domain_coherent(&c, &dom[0]), 1);
	assert_int_equal(kvmc_detach(&c, &dom[0]), 0);
	assert_int_equal(c.nr_doms, 0);
}

static void attach_errors_leave_state_unchanged(void **state)
{
	struct kvmc c = vm(WBINVD_AUTO);

	assert_int_equal(kvmc_attach(&c, NULL, false), -EINVAL);
	assert_int_equal(kvmc_attach(&c, &dom[0], false), KVMC_CHANGED);
	assert_int_equal(kvmc_attach(&c, &dom[0], true), -EEXIST);
	for (unsigned i = 1; i < KVMC_MAX_DOMAINS; i++)
		assert_int_equal(kvmc_attach(&c, &dom[i], true), 0);
	assert_int_equal(kvmc_attach(&c, &dom[KVMC_MAX_DOMAINS], false),
			 -ENOSPC);
	assert_int_equal(c.nr_noncoherent, 1);
	assert_int_equal(kvmc_detach(&c, &dom[KVMC_MAX_DOMAINS]), -ENOENT);
	assert_int_equal(kvmc_upgrade(&c, &dom[KVMC_MAX_DOMAINS]), -ENOENT);
	assert_int_equal(kvmc_domain_coherent(&c, &dom[KVMC_MAX_DOMAINS]),
			 -ENOENT);
	assert_int_equal(c.nr_doms, KVMC_MAX_DOMAINS);
}

static void upgrade_decrements_once_and_detach_not_again(void **state)
{
	struct kvmc c = vm(WBINVD_AUTO);

	kvmc_attach(&c, &dom[0], false);
	kvmc_attach(&c, &dom[1], true);
	assert_int_equal(kvmc_upgrade(&c, &dom[0]), KVMC_CHANGED);
	assert_int_equal(c.nr_noncoherent, 0);
	assert_int_equal(kvmc_upgrade(&c, &dom[0]), 0); /* idempotent */
	assert_int_equal(kvmc_upgrade(&c, &dom[1]), 0); /* was coherent */
	assert_int_equal(c.nr_noncoherent, 0);
	assert_int_equal(kvmc_detach(&c, &dom[0]), 0); /* counted coherent */
	assert_int_equal(c.nr_noncoherent, 0);
}

/* A reference model (a rescan) agrees with the counter over a long random
 * sequence of attach, detach and upgrade. */
static void counter_matches_rescan_over_random_sequence(void **state)
{
	struct kvmc c = vm(WBINVD_KVM);
	bool att[KVMC_MAX_DOMAINS] = { 0 }, coh[KVMC_MAX_DOMAINS] = { 0 };

	srand(7);
	for (unsigned step = 0; step < 20000; step++) {
		unsigned i = (unsigned)rand() % KVMC_MAX_DOMAINS, ref = 0;
		bool was = kvmc_noncoherent(&c);
		int r;

		switch (rand() % 3) {
		case 0: {
			bool want = rand() & 1;

			r = kvmc_attach(&c, &dom[i], want);
			assert_int_equal(r == -EEXIST, att[i]);
			if (!att[i])
				coh[i] = want;
			att[i] = true;
			break;
		}
		case 1:
			r = kvmc_detach(&c, &dom[i]);
			assert_int_equal(r == -ENOENT, !att[i]);
			att[i] = false;
			break;
		default:
			r = kvmc_upgrade(&c, &dom[i]);
			assert_int_equal(r == -ENOENT, !att[i]);
			coh[i] = true;
			break;
		}
		for (unsigned k = 0; k < KVMC_MAX_DOMAINS; k++)
			ref += att[k] && !coh[k];
		assert_int_equal(c.nr_noncoherent, ref);
		if (r >= 0)
			assert_int_equal(r == KVMC_CHANGED,
					 was != kvmc_noncoherent(&c));
	}
}

static void auto_traps_only_while_coherent(void **state)
{
	struct kvmc c = vm(WBINVD_AUTO);

	assert_true(kvmc_wbinvd_intercept(&c));
	kvmc_attach(&c, &dom[0], true);
	assert_true(kvmc_wbinvd_intercept(&c));
	kvmc_attach(&c, &dom[1], false);
	assert_false(kvmc_wbinvd_intercept(&c));
	kvmc_detach(&c, &dom[1]);
	assert_true(kvmc_wbinvd_intercept(&c)); /* detached: traps again */
	assert_int_equal(kvmc_wbinvd_action(&c), KVMC_SKIP);
}

static void kvm_always_traps_and_flushes_only_noncoherent(void **state)
{
	struct kvmc c = vm(WBINVD_KVM);

	assert_true(kvmc_wbinvd_intercept(&c));
	assert_int_equal(kvmc_wbinvd_action(&c), KVMC_SKIP);
	kvmc_attach(&c, &dom[0], false);
	assert_true(kvmc_wbinvd_intercept(&c));
	assert_int_equal(kvmc_wbinvd_action(&c), KVMC_FLUSH);
	kvmc_upgrade(&c, &dom[0]);
	assert_true(kvmc_wbinvd_intercept(&c));
	assert_int_equal(kvmc_wbinvd_action(&c), KVMC_SKIP);
}

static void strict_refuses_noncoherent_after_coherent_run(void **state)
{
	struct kvmc c = vm(WBINVD_STRICT);

	kvmc_set_refuse(&c, true);
	assert_int_equal(kvmc_attach(&c, &dom[0], true), 0);
	kvmc_note_entry(&c, 0);
	assert_true(c.ran_coherent);
	assert_int_equal(kvmc_attach(&c, &dom[1], false), -EPERM);
	assert_int_equal(c.nr_doms, 1);
	assert_int_equal(c.nr_noncoherent, 0);
	assert_true(kvmc_wbinvd_intercept(&c)); /* the VM keeps trapping */
	assert_int_equal(kvmc_attach(&c, &dom[2], true), 0);
}

static void strict_allows_noncoherent_before_first_coherent_run(void **state)
{
	struct kvmc c = vm(WBINVD_STRICT);

	kvmc_set_refuse(&c, true);
	assert_int_equal(kvmc_attach(&c, &dom[0], false), KVMC_CHANGED);
	kvmc_note_entry(&c, 0); /* a non-coherent run is no promise */
	assert_false(c.ran_coherent);
	assert_false(kvmc_wbinvd_intercept(&c)); /* like auto */
	assert_int_equal(kvmc_attach(&c, &dom[1], false), 0);
	kvmc_detach(&c, &dom[0]);
	kvmc_detach(&c, &dom[1]);
	kvmc_note_entry(&c, 0);
	assert_int_equal(kvmc_attach(&c, &dom[0], false), -EPERM);
}

/* Not asked to refuse, strict accepts the domain and, once, before the
 * next entry, flushes every CPU the VM ever ran on: lines the guest
 * dirtied while its WBINVD was a no-op, on CPUs no dirty mask tracked. */
static void strict_flushes_every_cpu_it_ran_on_at_the_transition(void **state)
{
	struct kvmc c = vm(WBINVD_STRICT);
	struct flushes f = { 0 };

	assert_int_equal(kvmc_attach(&c, &dom[0], true), 0);
	kvmc_note_entry(&c, 0);
	kvmc_note_entry(&c, 5);
	kvmc_note_entry(&c, 2);
	kvmc_note_entry(&c, 200); /* a two-socket server's CPU */
	assert_int_equal(kvmc_take_transition_flush(&c, record_flush, &f), 0);
	assert_int_equal(kvmc_attach(&c, &dom[1], false), KVMC_CHANGED);
	assert_false(kvmc_wbinvd_intercept(&c)); /* passed through, as auto */
	assert_int_equal(kvmc_take_transition_flush(&c, record_flush, &f), 4);
	assert_int_equal(f.n, 4);
	assert_cpus(f.cpus, 4, 0, 2, 5, 200);
	assert_int_equal(kvmc_take_transition_flush(&c, record_flush, &f), 0);
	/* A second non-coherent domain is no new transition. */
	assert_int_equal(kvmc_attach(&c, &dom[2], false), 0);
	assert_int_equal(kvmc_take_transition_flush(&c, record_flush, &f), 0);
}

/* auto never flushes at the transition: the window KVM leaves open. */
static void auto_has_no_transition_flush(void **state)
{
	struct kvmc c = vm(WBINVD_AUTO);
	struct flushes f = { 0 };

	kvmc_note_entry(&c, 1);
	assert_int_equal(kvmc_attach(&c, &dom[0], false), KVMC_CHANGED);
	assert_int_equal(kvmc_take_transition_flush(&c, record_flush, &f), 0);
}

static void auto_and_kvm_never_refuse(void **state)
{
	for (int p = WBINVD_AUTO; p <= WBINVD_KVM; p++) {
		struct kvmc c = vm((enum wbinvd_policy)p);

		kvmc_note_entry(&c, 0);
		assert_int_equal(kvmc_attach(&c, &dom[0], false), KVMC_CHANGED);
	}
}

static void coherent_exit_is_skipped_without_flush(void **state)
{
	struct kvmc c = vm(WBINVD_KVM);
	struct kvmc_dirty d = { 0 };
	struct flushes f = { 0 };

	kvmc_vcpu_load(&c, &d, 3);
	assert_cpus(d.mask, 0);
	assert_int_equal(kvmc_wbinvd_exit(&c, &d, 3, record_flush, &f), 0);
	assert_int_equal(f.n, 0);
	assert_cpus(d.mask, 0);
}

static void kvm_flushes_every_cpu_ran_on_then_clears_mask(void **state)
{
	struct kvmc c = vm(WBINVD_KVM);
	struct kvmc_dirty d = { 0 };
	struct flushes f = { 0 };

	kvmc_attach(&c, &dom[0], false);
	kvmc_vcpu_load(&c, &d, 0);
	kvmc_vcpu_load(&c, &d, 2);
	kvmc_vcpu_load(&c, &d, 63);
	kvmc_vcpu_load(&c, &d, 64); /* past the first word of the mask */
	kvmc_vcpu_load(&c, &d, MAX_CPUS - 1);
	assert_cpus(d.mask, 5, 0, 2, 63, 64, MAX_CPUS - 1);
	/* The exit happens on CPU 5, where the vCPU was never "loaded". */
	assert_int_equal(kvmc_wbinvd_exit(&c, &d, 5, record_flush, &f), 6);
	assert_cpus(f.cpus, 6, 0, 2, 5, 63, 64, MAX_CPUS - 1);
	assert_cpus(d.mask, 0);
	/* Next exit on the same CPU: only that CPU is dirty now. */
	kvmc_vcpu_load(&c, &d, 5);
	f = (struct flushes){ 0 };
	assert_int_equal(kvmc_wbinvd_exit(&c, &d, 5, record_flush, &f), 1);
	assert_cpus(f.cpus, 1, 5);
}

static void single_cpu_flushes_once_per_exit(void **state)
{
	struct kvmc c = vm(WBINVD_KVM);
	struct kvmc_dirty d = { 0 };
	struct flushes f = { 0 };

	kvmc_attach(&c, &dom[0], false);
	for (unsigned i = 0; i < 10; i++) {
		kvmc_vcpu_load(&c, &d, 0);
		kvmc_wbinvd_exit(&c, &d, 0, record_flush, &f);
	}
	assert_int_equal(f.n, 10);
	assert_cpus(f.cpus, 1, 0);
}

static void auto_noncoherent_tracks_nothing_while_passed_through(void **state)
{
	struct kvmc c = vm(WBINVD_AUTO);
	struct kvmc_dirty d = { 0 };
	struct flushes f = { 0 };

	kvmc_attach(&c, &dom[0], false);
	kvmc_vcpu_load(&c, &d, 1); /* no exits: the guest flushes itself */
	assert_cpus(d.mask, 0);
	/* An exit that raced a pending request still flushes. */
	assert_int_equal(kvmc_wbinvd_exit(&c, &d, 1, record_flush, &f), 1);
	assert_int_equal(f.last, 1);
}

static void cpu_beyond_mask_is_flushed_all_the_same(void **state)
{
	struct kvmc c = vm(WBINVD_KVM);
	struct kvmc_dirty d = { 0 };
	struct flushes f = { 0 };

	kvmc_attach(&c, &dom[0], false);
	kvmc_vcpu_load(&c, &d, MAX_CPUS);
	assert_cpus(d.mask, 0);
	assert_int_equal(kvmc_wbinvd_exit(&c, &d, MAX_CPUS, record_flush, &f),
			 1);
	assert_int_equal(f.last, MAX_CPUS);
}

/* Passed through and non-coherent: a move leaves the guest's lines on
 * the CPU it left, which must be flushed; nothing else asks for it. */
static void move_flushes_the_cpu_left_only_while_passed_through(void **state)
{
	const int dom[1] = { 0 };

	for (int p = 0; p < WBINVD_NR_POLICIES; p++) {
		struct kvmc c = vm((enum wbinvd_policy)p);

		assert_false(kvmc_vcpu_moved(&c, 0, 1)); /* coherent */
		assert_int_equal(kvmc_attach(&c, &dom[0], false), KVMC_CHANGED);
		assert_int_equal(kvmc_vcpu_moved(&c, 0, 1), p != WBINVD_KVM);
		assert_false(kvmc_vcpu_moved(&c, 1, 1));  /* not moved */
		assert_false(kvmc_vcpu_moved(&c, -1, 1)); /* first entry */
		kvmc_upgrade(&c, &dom[0]);
		assert_false(kvmc_vcpu_moved(&c, 0, 1));
	}
}

static void policy_names(void **state)
{
	assert_string_equal(kvmc_policy_name(WBINVD_AUTO), "auto");
	assert_string_equal(kvmc_policy_name(WBINVD_KVM), "kvm");
	assert_string_equal(kvmc_policy_name(WBINVD_STRICT), "strict");
	assert_string_equal(kvmc_policy_name(WBINVD_NR_POLICIES), "?");
}

/* The command line's word (lib/cmdline keeps it as given) to the enum. */
static void policy_parse_round_trips_and_defaults_to_auto(void **state)
{
	for (int p = 0; p < WBINVD_NR_POLICIES; p++)
		assert_int_equal(kvmc_policy_parse(kvmc_policy_name(p)), p);
	assert_int_equal(kvmc_policy_parse(NULL), WBINVD_AUTO);
	assert_int_equal(kvmc_policy_parse(""), WBINVD_AUTO);
	assert_int_equal(kvmc_policy_parse("kvmx"), -EINVAL);
	assert_int_equal(kvmc_policy_parse("KVM"), -EINVAL);
	assert_int_equal(kvmc_policy_parse("?"), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(empty_vm_is_coherent_and_traps),
		cmocka_unit_test(noncoherent_attach_counts_and_reports_change),
		cmocka_unit_test(coherent_attach_and_detach_leave_counter),
		cmocka_unit_test(attach_errors_leave_state_unchanged),
		cmocka_unit_test(upgrade_decrements_once_and_detach_not_again),
		cmocka_unit_test(counter_matches_rescan_over_random_sequence),
		cmocka_unit_test(auto_traps_only_while_coherent),
		cmocka_unit_test(kvm_always_traps_and_flushes_only_noncoherent),
		cmocka_unit_test(strict_refuses_noncoherent_after_coherent_run),
		cmocka_unit_test(
		    strict_allows_noncoherent_before_first_coherent_run),
		cmocka_unit_test(
		    strict_flushes_every_cpu_it_ran_on_at_the_transition),
		cmocka_unit_test(auto_has_no_transition_flush),
		cmocka_unit_test(auto_and_kvm_never_refuse),
		cmocka_unit_test(coherent_exit_is_skipped_without_flush),
		cmocka_unit_test(kvm_flushes_every_cpu_ran_on_then_clears_mask),
		cmocka_unit_test(single_cpu_flushes_once_per_exit),
		cmocka_unit_test(
		    auto_noncoherent_tracks_nothing_while_passed_through),
		cmocka_unit_test(cpu_beyond_mask_is_flushed_all_the_same),
		cmocka_unit_test(
		    move_flushes_the_cpu_left_only_while_passed_through),
		cmocka_unit_test(policy_names),
		cmocka_unit_test(policy_parse_round_trips_and_defaults_to_auto),
	};

	return cmocka_run_group_tests_name("kvm", tests, NULL, NULL);
}
