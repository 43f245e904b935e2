/* A VM as its vCPUs and the vendor backends see it (kvmlike/vm.c): its
 * state, and the questions they ask of it. Creating, attaching, loading
 * and destroying are kvmlike/kvm.h's; nothing here calls a vCPU or a
 * backend, so vcpu.c, svm.c and vmx*.c may call it without a circle. */
#ifndef KVMLIKE_VM_H
#define KVMLIKE_VM_H

#include "arch/x86/cpumask.h"
#include "arch/x86/percpu.h"
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
	u16 tag; /* its ASID (SVM) / VPID (VMX): never 0, the host's */
	char err[VM_ERR_LEN]; /* the last refusal, in words */
};

/* The CPUs VMX/SVM is turned on on: every online CPU (this one at least,
 * should SMP bring-up have found none). */
cpumask_t vm_hw_cpus(void);
/* A backend turned on on each of them: @prepare(cpu) runs here for each
 * (allocations, never in an IPI handler), then @on on every CPU itself
 * (on_cpus), leaving its result for @result(cpu). 0, or the first error;
 * the caller turns off what did come on. */
int vm_hw_enable_each(int (*prepare)(unsigned cpu), smp_fn_t on,
		      int (*result)(unsigned cpu));

/* Say why the VM cannot do something, in vm->err (printf-like). */
__attribute__((format(printf, 2, 3))) void vm_set_err(struct vm *vm,
						      const char *fmt, ...);

/* What a vCPU asks of its VM (kvmlike/vcpu.c reaches no further). */
const struct vcpu_ops *vm_ops(const struct vm *vm);
/* The VM's TLB tag, ASID or VPID, 1 to VM_MAX_TAG: no two live VMs share
 * one (KVM gives each VM its own too; translations of one guest are never
 * used for another). */
#define VM_MAX_TAG 15
u16 vm_tag(const struct vm *vm);
/* The nested tables' root (EPTP/nCR3 without attributes). */
hpa_t vm_nested_root(const struct vm *vm);
/* Guest memory at @gpa..+len as the host reads it; NULL outside RAM. */
const void *vm_guest_ptr(struct vm *vm, gpa_t gpa, u64 len);
/* Is WBINVD exiting on, given the domains and the policy? */
bool vm_wbinvd_intercept(const struct vm *vm);
/* Bring the EPT leaves' memory type in line with the coherency answer:
 * the tables are rebuilt (a new root) when it changed. -ENOMEM. */
int vm_sync_memtype(struct vm *vm);
/* strict's flush at a coherent -> non-coherent transition, due before any
 * vCPU enters again: every CPU the VM ran on, through @flush. Returns the
 * flushes done (kvmc_take_transition_flush). */
unsigned vm_transition_flush(struct vm *vm, kvmc_flush_fn flush, void *ctx);
/* A vCPU enters on @cpu after it last ran on @from (-1: never): the
 * dirty mask and strict's record of a coherent run (kvmc_vcpu_load,
 * kvmc_note_entry). True when @from must be flushed first
 * (kvmc_vcpu_moved). */
bool vm_vcpu_entering(struct vm *vm, struct kvmc_dirty *d, int from,
		      unsigned cpu);
/* An intercepted WBINVD on @cpu: kvmc_wbinvd_exit. */
unsigned vm_wbinvd_exit(struct vm *vm, struct kvmc_dirty *d, unsigned cpu,
			kvmc_flush_fn flush, void *ctx);

/* The EPT leaf attributes the VM's coherency asks for (KVM's
 * vmx_get_mt_mask): coherent -> WB with IPAT, the guest's PAT ignored;
 * non-coherent -> WB without IPAT, the guest's PAT honoured. */
void vm_ept_memtype(const struct vm *vm, u8 *memtype, bool *ipat);

#endif
