/* The VM: guest memory, vCPUs and the DMA domains attached to it, with the
 * WBINVD policy that follows their coherency (kvmlike/policy.h). Attach,
 * detach and upgrade update one counter; a change of the answer raises a
 * request on every vCPU, applied before its next entry on its own CPU.
 *
 * The caller owns struct vm and the domains, and keeps each attached
 * domain alive until it is detached or the VM destroyed. One VM at a time
 * per CPU holds VMX or SVM on; the last vm_destroy turns it off. */
#ifndef KVMLIKE_KVM_H
#define KVMLIKE_KVM_H

#include "iommu/vtd/domain.h"
#include "kvmlike/gmem.h"
#include "kvmlike/guest/guest.h"
#include "kvmlike/policy.h"
#include "kvmlike/vcpu.h"

#define VM_MAX_VCPUS 2
#define VM_ERR_LEN   128

/* The guest's own PAT (a valid value unlike the host's default, so that a
 * guest read of it proves it is its own): WB, WC, UC-, UC, WB, WT, UC-, UC */
#define VM_GUEST_PAT 0x0007040600070106ULL

struct vm {
	const struct vcpu_ops *ops;
	struct kvmc coh;
	struct gmem mem;
	struct vcpu vcpus[VM_MAX_VCPUS];
	unsigned nr_vcpus;
	char err[VM_ERR_LEN]; /* the last refusal, in words */
};

/* 0; -EOPNOTSUPP without VMX/SVM with EPT/NPT; -ENOMEM; a backend error
 * when enabling virtualization failed. */
int vm_create(struct vm *vm, enum wbinvd_policy policy);
void vm_destroy(struct vm *vm);
/* 0, -EOPNOTSUPP or -ENOMEM. The vCPU starts at the guest stub. */
int vm_add_vcpu(struct vm *vm, struct vcpu **out);

/* Attach @d, counted as vtd_domain_enforces_snoop(d) says now. 0, or the
 * errors of kvmc_attach; -EPERM (strict) leaves vm->err saying why. */
int vm_attach_domain(struct vm *vm, struct vtd_domain *d);
int vm_detach_domain(struct vm *vm, struct vtd_domain *d);
/* Call after vtd_domain_enforce_coherency(d) succeeded on an attached
 * domain: it now counts as coherent. */
int vm_domain_upgraded(struct vm *vm, struct vtd_domain *d);
bool vm_has_noncoherent_dma(const struct vm *vm);

/* Copy the stub and @steps into guest memory and restart every vCPU at
 * the stub's entry (vcpu_restart). -E2BIG, -EINVAL. */
int vm_load_script(struct vm *vm, const struct guest_step *steps, unsigned nr);

/* Map a fresh zeroed page at @gpa (outside RAM) and have every vCPU drop
 * cached nested translations before its next entry. */
int vm_map_page(struct vm *vm, gpa_t gpa);

/* Turn VMX/SVM off and forget every VM, whatever a test that was aborted
 * in the middle left behind. Their memory is not reclaimed. */
void vm_hw_reset(void);

/* What a vCPU asks of its VM (kvmlike/vcpu.c reaches no further). */
const struct vcpu_ops *vm_ops(const struct vm *vm);
/* The nested tables' root (EPTP/nCR3 without attributes). */
hpa_t vm_nested_root(const struct vm *vm);
/* Guest memory at @gpa..+len as the host reads it; NULL outside RAM. */
const void *vm_guest_ptr(struct vm *vm, gpa_t gpa, u64 len);
/* Is WBINVD exiting on, given the domains and the policy? */
bool vm_wbinvd_intercept(const struct vm *vm);
/* Bring the EPT leaves' memory type in line with the coherency answer:
 * the tables are rebuilt (a new root) when it changed. -ENOMEM. */
int vm_sync_memtype(struct vm *vm);
/* A vCPU enters on @cpu: the dirty mask and strict's record of a
 * coherent run (kvmc_vcpu_load, kvmc_note_entry). */
void vm_vcpu_entering(struct vm *vm, struct kvmc_dirty *d, unsigned cpu);
/* An intercepted WBINVD on @cpu: kvmc_wbinvd_exit. */
unsigned vm_wbinvd_exit(struct vm *vm, struct kvmc_dirty *d, unsigned cpu,
			kvmc_flush_fn flush, void *ctx);

/* The EPT leaf attributes the VM's coherency asks for (KVM's
 * vmx_get_mt_mask): coherent -> WB with IPAT, the guest's PAT ignored;
 * non-coherent -> WB without IPAT, the guest's PAT honoured. */
void vm_ept_memtype(const struct vm *vm, u8 *memtype, bool *ipat);

#endif
