/* The VM object: domains and the non-coherent counter, guest memory, the
 * vCPUs, and switching virtualization on and off. */
#include "kvmlike/kvm.h"
#include "arch/x86/console.h"
#include "lib/errno.h"
#include "lib/printf.h"
#include "lib/string.h"

static unsigned hw_users; /* VMs holding VMX/SVM on (one CPU) */

void vm_ept_memtype(const struct vm *vm, u8 *memtype, bool *ipat)
{
	*memtype = GMEM_MT_WB;
	*ipat = !kvmc_noncoherent(&vm->coh);
}

const struct vcpu_ops *vm_ops(const struct vm *vm)
{
	return vm->ops;
}

hpa_t vm_nested_root(const struct vm *vm)
{
	return gmem_root(&vm->mem);
}

const void *vm_guest_ptr(struct vm *vm, gpa_t gpa, u64 len)
{
	return gmem_hva(&vm->mem, gpa, len);
}

bool vm_wbinvd_intercept(const struct vm *vm)
{
	return kvmc_wbinvd_intercept(&vm->coh);
}

/* NPT has no leaf memory type (the guest's PAT and MTRRs combine with the
 * host's: AMD APM vol. 2 15.25.8); only EPT leaves carry one. */
int vm_sync_memtype(struct vm *vm)
{
	u8 memtype;
	bool ipat;

	if (!vm->mem.fmt->ipat)
		return 0;
	vm_ept_memtype(vm, &memtype, &ipat);
	if (vm->mem.pt.cfg.ipat == ipat && vm->mem.pt.cfg.memtype == memtype)
		return 0;
	return gmem_set_memtype(&vm->mem, memtype, ipat);
}

void vm_vcpu_entering(struct vm *vm, struct kvmc_dirty *d, unsigned cpu)
{
	kvmc_vcpu_load(&vm->coh, d, cpu);
	kvmc_note_entry(&vm->coh);
}

unsigned vm_wbinvd_exit(struct vm *vm, struct kvmc_dirty *d, unsigned cpu,
			kvmc_flush_fn flush, void *ctx)
{
	return kvmc_wbinvd_exit(&vm->coh, d, cpu, flush, ctx);
}

int vm_create(struct vm *vm, enum wbinvd_policy policy)
{
	const struct vcpu_ops *ops = vcpu_ops_detect();
	u8 memtype;
	bool ipat;
	int err;

	memset(vm, 0, sizeof(*vm));
	if (!ops)
		return -EOPNOTSUPP;
	vm->ops = ops;
	kvmc_init(&vm->coh, policy);
	vm_ept_memtype(vm, &memtype, &ipat);
	err = gmem_init(&vm->mem, ops->nested_fmt, GUEST_RAM_SIZE, memtype,
			ipat);
	if (err)
		return err;
	if (hw_users == 0) {
		err = ops->hw_enable();
		if (err) {
			gmem_destroy(&vm->mem);
			return err;
		}
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

void vm_hw_reset(void)
{
	const struct vcpu_ops *ops = vcpu_ops_detect();

	if (ops)
		ops->hw_force_off();
	hw_users = 0;
}

int vm_load_script(struct vm *vm, const struct guest_step *steps, unsigned nr)
{
	u64 code_len = (u64)(guest_stub_end - guest_stub_start);
	struct guest_script *s;
	u8 *code;

	if (nr > GUEST_MAX_STEPS || code_len > GUEST_CODE_MAX)
		return -E2BIG;
	code = gmem_hva(&vm->mem, GUEST_CODE_GPA, code_len);
	s = gmem_hva(&vm->mem, GUEST_SCRIPT_GPA, sizeof(*s));
	if (!code || !s)
		return -EINVAL;
	memcpy(code, guest_stub_start, code_len);
	memset(s, 0, sizeof(*s));
	s->hcall_amd = vm->ops->vendor == VCPU_SVM; /* VMMCALL */
	s->nr = nr;
	memcpy(s->steps, steps, nr * sizeof(*steps));
	for (unsigned i = 0; i < vm->nr_vcpus; i++)
		vcpu_restart(&vm->vcpus[i]);
	return 0;
}
