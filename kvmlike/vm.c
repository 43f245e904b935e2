/* The VM as its vCPUs and backends see it: the questions of vm.h. */
#include "kvmlike/vm.h"
#include "arch/x86/smp.h"
#include "lib/printf.h"

cpumask_t vm_hw_cpus(void)
{
	cpumask_t m = smp_online_mask();

	if (cpumask_empty(m))
		cpumask_set(&m, smp_cpu());
	return m;
}

int vm_hw_enable_each(int (*prepare)(unsigned cpu), smp_fn_t on,
		      int (*result)(unsigned cpu))
{
	cpumask_t cpus = vm_hw_cpus();
	int err = 0;

	for (unsigned i = 0; i < MAX_CPUS && !err; i++)
		if (cpumask_test(cpus, i))
			err = prepare(i);
	if (!err)
		err = on_cpus(cpus, on, NULL);
	for (unsigned i = 0; i < MAX_CPUS && !err; i++)
		if (cpumask_test(cpus, i))
			err = result(i);
	return err;
}

void vm_set_err(struct vm *vm, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	kvsnprintf(vm->err, sizeof(vm->err), fmt, ap);
	va_end(ap);
}

const struct vcpu_ops *vm_ops(const struct vm *vm)
{
	return vm->ops;
}

u16 vm_tag(const struct vm *vm)
{
	return vm->tag;
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

unsigned vm_transition_flush(struct vm *vm, kvmc_flush_fn flush, void *ctx)
{
	return kvmc_take_transition_flush(&vm->coh, flush, ctx);
}

bool vm_vcpu_entering(struct vm *vm, struct kvmc_dirty *d, int from,
		      unsigned cpu)
{
	kvmc_vcpu_load(&vm->coh, d, cpu);
	kvmc_note_entry(&vm->coh, cpu);
	return kvmc_vcpu_moved(&vm->coh, from, cpu);
}

unsigned vm_wbinvd_exit(struct vm *vm, struct kvmc_dirty *d, unsigned cpu,
			kvmc_flush_fn flush, void *ctx)
{
	return kvmc_wbinvd_exit(&vm->coh, d, cpu, flush, ctx);
}

void vm_ept_memtype(const struct vm *vm, u8 *memtype, bool *ipat)
{
	*memtype = GMEM_MT_WB;
	*ipat = !kvmc_noncoherent(&vm->coh);
}
