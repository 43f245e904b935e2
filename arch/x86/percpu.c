/* The table of logical CPUs: numbers given in the order smp_init() finds
 * the processors, and the APIC id -> number map. smp_cpu() reads the
 * number from this CPU's GDT (percpu.h, PERCPU_SEL_CPU), not from a
 * segment base: a VM exit or #VMEXIT puts the host's GDTR back (SDM vol.
 * 3C 27.5.2; AMD APM vol. 2 15.6) but not GS. Reading the local APIC's id
 * register instead is an MMIO read, which QEMU's TCG under -icount
 * executes by translating the code around it again. */
#include "arch/x86/percpu.h"
#include "arch/x86/apic.h"
#include "lib/errno.h"

static struct percpu cpus[MAX_CPUS];
static unsigned nr_cpus;
static u16 apic_to_cpu[256]; /* logical number + 1; 0: none */

int percpu_add(u32 apic_id, enum cpu_state state)
{
	for (unsigned i = 0; i < nr_cpus; i++)
		if (cpus[i].apic_id == apic_id)
			return -EEXIST;
	if (nr_cpus == MAX_CPUS)
		return -ENOSPC;
	struct percpu *pc = &cpus[nr_cpus];
	pc->cpu = nr_cpus;
	pc->apic_id = apic_id;
	pc->state = state;
	if (apic_id < ARRAY_SIZE(apic_to_cpu))
		apic_to_cpu[apic_id] = (u16)(nr_cpus + 1);
	return (int)nr_cpus++;
}

unsigned percpu_nr(void)
{
	return nr_cpus;
}

struct percpu *smp_percpu(unsigned cpu)
{
	return cpu < nr_cpus ? &cpus[cpu] : NULL;
}

unsigned smp_cpu(void)
{
	u32 limit;
	bool ok;
	u16 n;

	/* LSL: ZF set and the limit loaded when the descriptor is there
	 * (SDM vol. 2A, LSL). It is not in the AP trampoline's GDT: until
	 * smp_ap_main() loads this CPU's own, ask the APIC. */
	asm("lsl %2, %0" : "=r"(limit), "=@ccz"(ok) : "r"(PERCPU_SEL_CPU));
	if (ok && limit < MAX_CPUS)
		return limit;
	u32 id = apic_id();
	if (id >= ARRAY_SIZE(apic_to_cpu)) { /* x2APIC: a wide id */
		for (unsigned i = 0; i < nr_cpus; i++)
			if (cpus[i].apic_id == id)
				return i;
		return 0;
	}
	n = nr_cpus ? apic_to_cpu[id] : 0;
	return n ? n - 1u : 0;
}

cpumask_t smp_mask(enum cpu_state state)
{
	cpumask_t m = cpumask_none();

	for (unsigned i = 0; i < nr_cpus; i++)
		if (__atomic_load_n(&cpus[i].state, __ATOMIC_ACQUIRE) == state)
			cpumask_set(&m, i);
	return m;
}

cpumask_t smp_online_mask(void)
{
	/* Before smp_init() the boot CPU is the only one, and online. */
	return nr_cpus ? smp_mask(CPU_ONLINE) : cpumask_of(0);
}

bool smp_cpu_online(unsigned cpu)
{
	return cpumask_test(smp_online_mask(), cpu);
}

void smp_count(enum percpu_counter c)
{
	struct percpu *pc = smp_this();

	if (pc && c < PCPU_NR_COUNTERS)
		__atomic_store_n(&pc->counters[c], pc->counters[c] + 1,
				 __ATOMIC_RELEASE);
}

u64 smp_counter(unsigned cpu, enum percpu_counter c)
{
	struct percpu *pc = smp_percpu(cpu);

	if (!pc || c >= PCPU_NR_COUNTERS)
		return 0;
	return __atomic_load_n(&pc->counters[c], __ATOMIC_ACQUIRE);
}
