/* The VM object: domains and the non-coherent counter, guest memory, the
 * vCPUs, and switching virtualization on and off. */
#include "kvmlike/kvm.h"
#include "arch/x86/console.h"
#include "arch/x86/cpu.h"
#include "arch/x86/smp.h"
#include "lib/errno.h"
#include "lib/printf.h"
#include "lib/string.h"

/* Chosen once, from CPUID: VMX (CPUID.1:ECX[5]), or SVM
 * (CPUID.80000001h:ECX[2]) with nested paging (8000000Ah:EDX[0]). VMX's
 * EPT and controls are checked against its MSRs when a vCPU is made. */
const struct vcpu_ops *vcpu_ops_detect(void)
{
	static const struct vcpu_ops *ops;
	static bool done;

	if (done)
		return ops;
	done = true;
	if (cpuid(1, 0).ecx & BIT(5))
		ops = &vmx_ops;
	else if (cpuid(0x80000000, 0).eax >= 0x8000000a &&
		 (cpuid(0x80000001, 0).ecx & BIT(2)) &&
		 (cpuid(0x8000000a, 0).edx & BIT(0)))
		ops = &svm_ops;
	return ops;
}

static unsigned hw_users; /* VMs holding VMX/SVM on (every online CPU) */
static bool hw_loaded;	  /* and the kernel itself, since vm_hw_load() */
static u16 tags_used;	  /* bit n: tag n is some live VM's */

/* The lowest free tag; 0 (none) when VM_MAX_TAG VMs are live. */
static u16 vm_tag_alloc(void)
{
	for (u16 t = 1; t <= VM_MAX_TAG; t++) {
		if (!(tags_used & BIT(t))) {
			tags_used |= BIT(t);
			return t;
		}
	}
	return 0;
}

static u64 stub_len(void)
{
	return (u64)(guest_stub_end - guest_stub_start);
}

int vm_create(struct vm *vm, enum wbinvd_policy policy)
{
	const struct vcpu_ops *ops = vcpu_ops_detect();
	/* The guest starts with the stub in place; vm_load_script puts it
	 * back before every script, a guest being free to write over its own
	 * code. */
	const struct gmem_image stub = { GUEST_CODE_GPA, guest_stub_start,
					 stub_len() };
	u8 memtype;
	bool ipat;
	int err;

	memset(vm, 0, sizeof(*vm));
	if (!ops)
		return -EOPNOTSUPP;
	if (stub.len > GUEST_CODE_MAX) /* it would run into the script */
		return -E2BIG;
	vm->tag = vm_tag_alloc();
	if (!vm->tag)
		return -ENOSPC;
	vm->ops = ops;
	kvmc_init(&vm->coh, policy);
	vm_ept_memtype(vm, &memtype, &ipat);
	err = gmem_init(&vm->mem, ops->nested_fmt, GUEST_RAM_SIZE, memtype,
			ipat, &stub);
	if (err) {
		tags_used &= ~BIT(vm->tag);
		vm->ops = NULL;
		return err;
	}
	if (hw_users == 0)
		err = ops->hw_enable();
	if (err) {
		gmem_destroy(&vm->mem);
		tags_used &= ~BIT(vm->tag);
		vm->ops = NULL;
		return err;
	}
	hw_users++;
	return 0;
}

void vm_destroy(struct vm *vm)
{
	if (!vm->ops)
		return;
	for (unsigned i = 0; i < vm->nr_vcpus; i++)
		vcpu_fini(&vm->vcpus[i]);
	vm->nr_vcpus = 0;
	gmem_destroy(&vm->mem);
	if (hw_users && --hw_users == 0)
		vm->ops->hw_disable();
	tags_used &= ~BIT(vm->tag);
	vm->ops = NULL;
}

int vm_add_vcpu(struct vm *vm, struct vcpu **out)
{
	struct vcpu *v;
	int err;

	if (vm->nr_vcpus == VM_MAX_VCPUS)
		return -ENOSPC;
	v = &vm->vcpus[vm->nr_vcpus];
	err = vcpu_init(v, vm);
	if (err)
		return err;
	vm->nr_vcpus++;
	*out = v;
	return 0;
}

/* The answer changed: every vCPU applies it before its next entry. */
static int vm_coherency_changed(struct vm *vm, int ret)
{
	if (ret != KVMC_CHANGED)
		return ret;
	for (unsigned i = 0; i < vm->nr_vcpus; i++)
		vcpu_request(&vm->vcpus[i], VCPU_REQ_COHERENCY);
	return 0;
}

int vm_attach_domain(struct vm *vm, struct vtd_domain *d)
{
	bool coherent = vtd_domain_enforces_snoop(d);
	int ret = kvmc_attach(&vm->coh, d, coherent);

	if (ret == -EPERM) {
		ksnprintf(vm->err, sizeof(vm->err),
			  "wbinvd=strict: refusing non-coherent domain %u: "
			  "the VM has run with WBINVD as a no-op",
			  d->did);
		kprintf("# kvm: %s\n", vm->err);
	}
	return vm_coherency_changed(vm, ret);
}

int vm_detach_domain(struct vm *vm, struct vtd_domain *d)
{
	return vm_coherency_changed(vm, kvmc_detach(&vm->coh, d));
}

int vm_domain_upgraded(struct vm *vm, struct vtd_domain *d)
{
	if (!vtd_domain_enforces_snoop(d))
		return -EINVAL;
	return vm_coherency_changed(vm, kvmc_upgrade(&vm->coh, d));
}

bool vm_has_noncoherent_dma(const struct vm *vm)
{
	return kvmc_noncoherent(&vm->coh);
}

int vm_map_page(struct vm *vm, gpa_t gpa)
{
	int err = gmem_map_page(&vm->mem, gpa);

	for (unsigned i = 0; !err && i < vm->nr_vcpus; i++)
		vcpu_request(&vm->vcpus[i], VCPU_REQ_NESTED);
	return err;
}

int vm_hw_load(void)
{
	const struct vcpu_ops *ops = vcpu_ops_detect();
	int err = 0;

	if (!ops)
		return -ENODEV;
	if (ops->vendor != VCPU_SVM)
		return -EOPNOTSUPP;
	if (hw_loaded)
		return 0;
	if (hw_users == 0)
		err = ops->hw_enable();
	if (!err) {
		hw_users++;
		hw_loaded = true;
	}
	return err;
}

void vm_hw_reset(void)
{
	const struct vcpu_ops *ops = vcpu_ops_detect();
	bool loaded = hw_loaded;

	/* No VM left behind (the harness calls this after every test that
	 * ended early, a skip included): nothing to undo. */
	if (!tags_used && hw_users == (loaded ? 1u : 0u))
		return;
	if (ops)
		ops->hw_force_off();
	hw_users = 0;
	tags_used = 0;
	hw_loaded = false;
	if (loaded && vm_hw_load())
		kprintf("# kvm: SVM could not be turned on again after an "
			"aborted test\n");
}

int vm_load_script(struct vm *vm, const struct guest_step *steps, unsigned nr)
{
	struct guest_script *s;
	u8 *code;

	if (nr > GUEST_MAX_STEPS)
		return -E2BIG;
	code = gmem_hva(&vm->mem, GUEST_CODE_GPA, stub_len());
	s = gmem_hva(&vm->mem, GUEST_SCRIPT_GPA, sizeof(*s));
	if (!code || !s)
		return -EINVAL;
	/* Usually unchanged: then nothing is stored (lib/string.h). */
	memcpy_changed(code, guest_stub_start, stub_len());
	memset(s, 0, sizeof(*s));
	s->hcall_amd = vm->ops->vendor == VCPU_SVM; /* VMMCALL */
	s->nr = nr;
	memcpy(s->steps, steps, nr * sizeof(*steps));
	for (unsigned i = 0; i < vm->nr_vcpus; i++)
		vcpu_restart(&vm->vcpus[i]);
	return 0;
}
