/* Fixture of the kvm suites: one VM with one vCPU, DMA domains made by
 * the VT-d code, and running a guest script to its end. */
#ifndef TESTS_KERNEL_KVM_FIX_H
#define TESTS_KERNEL_KVM_FIX_H

#include "kvmlike/kvm.h"

#define KVM_FIX_DOMS 4

struct kvm_dom {
	struct vtd_domain d;
	bool live;
};

struct kvm_fix {
	struct vm vm;
	struct vcpu *v;
	struct kvm_dom doms[KVM_FIX_DOMS];
	bool up;
};

/* A VM with @policy and one vCPU; skips the test when the CPU has no
 * VMX/SVM with EPT/NPT. Returns false (after test_fail) on other errors:
 * the caller returns. */
bool kvm_fix_begin(struct kvm_fix *f, enum wbinvd_policy policy);
/* Destroy the VM and every domain; virtualization ends up off. */
void kvm_fix_end(struct kvm_fix *f);
/* A domain that enforces snooping (@coherent) or not, made without a
 * device: from the platform's remapping unit when there is one, else from
 * a unit that exists only as capabilities. NULL after test_fail. */
struct vtd_domain *kvm_dom_new(struct kvm_fix *f, bool coherent);
void kvm_dom_free(struct kvm_fix *f, struct vtd_domain *d);
/* " with NRIPS", " without NRIPS: ..." on SVM, "" on VMX: how the host
 * learns the length of an instruction it skips (APM vol. 2 15.7.1). */
const char *kvm_backend_note(const struct vcpu_ops *ops);
/* Which unit the domains come from, for diagnostics. */
const char *kvm_dom_source(void);

/* Load @steps, run to the guest's HLT and check that it reported the end
 * of the script. False after test_fail (unexpected exit: reason and
 * qualification reported). */
bool kvm_run_script(struct kvm_fix *f, const struct guest_step *steps,
		    unsigned nr);
/* Run on from where the guest stopped; *stop says why it stopped. */
int kvm_run(struct kvm_fix *f, enum vcpu_stop *stop);

#endif
