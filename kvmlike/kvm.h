/* The VM: guest memory, vCPUs and the DMA domains attached to it, with the
 * WBINVD policy that follows their coherency (kvmlike/policy.h). Attach,
 * detach and upgrade update one counter; a change of the answer raises a
 * request on every vCPU, applied before its next entry on its own CPU.
 *
 * The caller owns struct vm and the domains, and keeps each attached
 * domain alive until it is detached or the VM destroyed. VMX or SVM is on
 * on every online CPU while any VM lives; the last vm_destroy turns it
 * off. What vCPUs and backends ask of a VM is kvmlike/vm.h's. */
#ifndef KVMLIKE_KVM_H
#define KVMLIKE_KVM_H

#include "iommu/vtd/domain.h"
#include "kvmlike/guest/guest.h"
#include "kvmlike/vm.h"

/* 0; -EOPNOTSUPP without VMX/SVM with EPT/NPT; -E2BIG (the stub over
 * GUEST_CODE_MAX); -ENOMEM; a backend error when enabling virtualization
 * failed. */
int vm_create(struct vm *vm, enum wbinvd_policy policy);
void vm_destroy(struct vm *vm);
/* 0, -EOPNOTSUPP or -ENOMEM. The vCPU starts at the guest stub. */
int vm_add_vcpu(struct vm *vm, struct vcpu **out);

/* wbinvd=strict: refuse a non-coherent domain once the VM has run coherent
 * (-EPERM from vm_attach_domain) instead of flushing every CPU it ran on
 * at the transition. */
static inline void vm_set_strict_refuse(struct vm *vm, bool refuse)
{
	kvmc_set_refuse(&vm->coh, refuse);
}

/* Attach @d, counted as vtd_domain_enforces_snoop(d) says now. 0, or the
 * errors of kvmc_attach; -EPERM (strict) leaves vm->err saying why. */
int vm_attach_domain(struct vm *vm, struct vtd_domain *d);
int vm_detach_domain(struct vm *vm, struct vtd_domain *d);
/* Call after vtd_domain_enforce_coherency(d) succeeded on an attached
 * domain: it now counts as coherent. */
int vm_domain_upgraded(struct vm *vm, struct vtd_domain *d);
bool vm_has_noncoherent_dma(const struct vm *vm);

/* Put the stub back and @steps into guest memory and restart every vCPU
 * at the stub's entry (vcpu_restart). -E2BIG (over GUEST_MAX_STEPS),
 * -EINVAL. */
int vm_load_script(struct vm *vm, const struct guest_step *steps, unsigned nr);

/* Map a fresh zeroed page at @gpa (outside RAM) and have every vCPU drop
 * cached nested translations before its next entry. */
int vm_map_page(struct vm *vm, gpa_t gpa);

/* Turn VMX/SVM off and forget every VM, whatever a test that was aborted
 * in the middle left behind (then on again where vm_hw_load() had turned
 * it on); nothing when no VM was live. Their memory is not reclaimed. */
void vm_hw_reset(void);

/* SVM on every online CPU from now on, held by the kernel itself, so that
 * VMs neither turn it on nor off: as Linux's KVM does from its load
 * (enable_virt_at_load, the default since 6.12: kvm_init() enables
 * virtualization, and creating or destroying a VM leaves it alone). VMX
 * is still turned on per VM: VMXON blocks INIT (SDM vol. 3C 24.8), and
 * the kernel starts CPUs with INIT. Returns 0; -ENODEV without a backend
 * (vcpu_ops_detect); -EOPNOTSUPP for VMX; or the backend's error (-EPERM:
 * firmware set VM_CR.SVMDIS), and then each VM tries again. */
int vm_hw_load(void);

/* The backend for this CPU, or NULL (no VMX or SVM, or no EPT/NPT). */
const struct vcpu_ops *vcpu_ops_detect(void);

#endif
