/* The kvm suites' fixture. */
#include "tests/kernel/kvm_fix.h"
#include "arch/x86/cpu.h"
#include "iommu/vtd/caps.h"
#include "arch/x86/mm.h"
#include "kvmlike/svm.h"
#include "tests/kernel/vtd_fix.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "lib/test.h"

/* A unit that exists only as its capability registers: SAGAW 39-bit,
 * page-walk coherent, ECAP.SC as asked, no registers (regs NULL). A
 * domain without devices never touches them (domain.c). */
static struct vtd_unit caps_unit[2];

static struct vtd_unit *caps_only_unit(bool sc)
{
	struct vtd_unit *u = &caps_unit[sc];

	if (!u->cap) {
		u->cap = FIELD_PREP(VTD_CAP_SAGAW, BIT(1)) |
			 FIELD_PREP(VTD_CAP_MGAW, 38) |
			 FIELD_PREP(VTD_CAP_ND, 2);
		u->ecap = VTD_ECAP_C | (sc ? VTD_ECAP_SC : 0);
	}
	return u;
}

/* The platform's first remapping unit, brought up at boot from the DMAR
 * table (tests/kernel/vtd_platform.c); NULL without one (Bochs). */
static struct vtd_unit *platform_unit(void)
{
	return vtd_nr_units() > 0 ? vtd_unit(0) : NULL;
}

const char *kvm_backend_note(const struct vcpu_ops *ops)
{
	if (ops->vendor != VCPU_SVM)
		return "";
	if (cpuid(0x8000000a, 0).edx & SVM_FEAT_NRIPS)
		return " with NRIPS";
	return " without NRIPS: lengths decoded from guest memory";
}

const char *kvm_dom_source(void)
{
	return platform_unit() ? "the platform's VT-d unit"
			       : "capability-only VT-d units";
}

/* A coherent domain wants a unit with SC: the platform's when it has it
 * (QEMU's default has not), else a capability-only one. */
static struct vtd_unit *unit_for(bool coherent)
{
	struct vtd_unit *u = platform_unit();

	if (u && vtd_sagaw_supports(u, vtd_aw_field(39)) &&
	    (!coherent || (u->ecap & VTD_ECAP_SC)))
		return u;
	return caps_only_unit(coherent);
}

struct vtd_domain *kvm_dom_new(struct kvm_fix *f, bool coherent)
{
	static u8 target[PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));
	struct kvm_dom *k = NULL;
	int err;

	for (unsigned i = 0; i < KVM_FIX_DOMS && !k; i++)
		if (!f->doms[i].live)
			k = &f->doms[i];
	if (!k) {
		test_fail("out of fixture domains");
		return NULL;
	}
	err = vtd_domain_init(&k->d, unit_for(coherent), 39);
	if (!err) /* one leaf, so that an upgrade has something to change */
		err = vtd_domain_map(&k->d, 0x100000, virt_to_phys(target),
				     PAGE_SIZE, PT_READ | PT_WRITE);
	if (!err && coherent)
		err = vtd_domain_enforce_coherency(&k->d);
	if (err < 0) {
		test_fail("domain: %s", strerror_k(err));
		return NULL;
	}
	k->live = true;
	return &k->d;
}

void kvm_dom_free(struct kvm_fix *f, struct vtd_domain *d)
{
	for (unsigned i = 0; i < KVM_FIX_DOMS; i++) {
		if (f->doms[i].live && &f->doms[i].d == d) {
			vtd_domain_destroy(d);
			f->doms[i].live = false;
		}
	}
}

bool kvm_fix_begin(struct kvm_fix *f, enum wbinvd_policy policy)
{
	int err;

	memset(f, 0, sizeof(*f));
	/* A test abandoned midway (an exception, a failed ASSERT) leaves
	 * VMX or SVM on: the harness turns it off before the next test. */
	test_add_abort_hook(vm_hw_reset);
	err = vm_create(&f->vm, policy);
	if (err == -EOPNOTSUPP)
		test_skip("no VMX with EPT or SVM with nested paging");
	if (err == -EPERM)
		test_skip("virtualization disabled by firmware");
	if (!err)
		err = vm_add_vcpu(&f->vm, &f->v);
	if (err == -EOPNOTSUPP) {
		vm_destroy(&f->vm);
		test_skip("%s", f->vm.err[0] ? f->vm.err
					     : "a control this backend needs "
					       "is missing");
	}
	if (err) {
		test_fail("VM: %s", strerror_k(err));
		vm_destroy(&f->vm);
		return false;
	}
	f->up = true;
	return true;
}

void kvm_fix_end(struct kvm_fix *f)
{
	if (f->up)
		vm_destroy(&f->vm);
	f->up = false;
	for (unsigned i = 0; i < KVM_FIX_DOMS; i++)
		if (f->doms[i].live)
			kvm_dom_free(f, &f->doms[i].d);
}

static void report_exit(struct kvm_fix *f, int err)
{
	const struct vcpu_exit *e = &f->v->last_exit;

	test_fail("%s: run: %s; last exit %s: reason 0x%lx qualification "
		  "0x%lx info2 0x%lx at RIP 0x%lx",
		  f->vm.ops->name, strerror_k(err), vcpu_exit_name(e->kind),
		  e->reason, e->qual, e->info2, e->rip);
}

int kvm_run(struct kvm_fix *f, enum vcpu_stop *stop)
{
	return vcpu_run(f->v, stop);
}

bool kvm_run_script(struct kvm_fix *f, const struct guest_step *steps,
		    unsigned nr)
{
	enum vcpu_stop stop;
	int err = vm_load_script(&f->vm, steps, nr);

	if (err) {
		test_fail("load script: %s", strerror_k(err));
		return false;
	}
	err = vcpu_run(f->v, &stop);
	if (err) {
		report_exit(f, err);
		return false;
	}
	if (stop != VCPU_STOP_HALT || !f->v->done || f->v->steps_done != nr) {
		test_fail("guest stopped (%u) after %u of %u steps, done %d",
			  stop, f->v->steps_done, nr, f->v->done);
		report_exit(f, 0);
		return false;
	}
	return true;
}
