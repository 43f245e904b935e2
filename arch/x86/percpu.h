/* Per-CPU data, one cache-line-aligned block per logical CPU. The CPU that
 * owns a block writes its counters; any CPU may read them. */
#ifndef ARCH_X86_PERCPU_H
#define ARCH_X86_PERCPU_H

#include "arch/x86/cpumask.h"
#include "lib/setjmp.h"
#include "lib/types.h"

/* What each CPU counts of its own work. Users may add entries before
 * PCPU_NR_COUNTERS. */
enum percpu_counter {
	PCPU_WBINVD,	/* WBINVDs executed by wbinvd_on_cpus() */
	PCPU_CALL,	/* on_cpus() functions run */
	PCPU_ASYNC,	/* asynchronous functions run */
	PCPU_KICK,	/* kick IPIs taken */
	PCPU_EXCEPTION, /* exceptions taken outside the test harness */
	PCPU_NR_COUNTERS
};

enum cpu_state {
	CPU_ABSENT,	 /* no such logical CPU */
	CPU_HOTPLUG,	 /* MADT: online capable, not enabled; not started */
	CPU_STARTING,	 /* INIT and SIPI sent */
	CPU_ONLINE,	 /* idling or working */
	CPU_NO_ANSWER,	 /* did not check in before its deadline */
	CPU_UNREACHABLE, /* x2APIC id > 254 in xAPIC mode: no IPI names it */
};

typedef void (*smp_fn_t)(void *arg);

/* A request to run fn(arg) on the slot's CPU. A caller claims an idle slot,
 * fills it, publishes it as pending and sends the IPI; the CPU moves it to
 * running, runs it, records seq in done and frees the slot. A caller that
 * gives up takes a still-pending request back (pending -> idle). */
enum { SLOT_IDLE, SLOT_CLAIMED, SLOT_PENDING, SLOT_RUNNING };
struct smp_slot {
	smp_fn_t fn;
	void *arg;
	u32 state;
	u64 seq;     /* of the request in the slot */
	u64 done;    /* seq of the last request completed */
	u64 faulted; /* seq of the last request that raised an exception */
};

/* 64-bit TSS (SDM vol. 3A 9.7, figure 9-11). */
struct tss64 {
	u32 reserved0;
	u64 rsp[3];
	u64 reserved1;
	u64 ist[7];
	u64 reserved2;
	u16 reserved3;
	u16 iomap_base;
} __attribute__((packed));
_Static_assert(sizeof(struct tss64) == 104, "64-bit TSS is 104 bytes");

/* GDT of an AP: null, 0x08 code, 0x10 data as boot/entry.S, then the TSS
 * descriptor (16 bytes) at 0x18, the TR selector kvmlike's VMX host state
 * names, and at 0x28 a data descriptor whose limit is the CPU's logical
 * number (boot/entry.S's: 0, the BSP), never loaded into a segment
 * register: smp_cpu() reads it with LSL. Linux keeps the CPU number in a
 * GDT limit the same way (GDT_ENTRY_CPUNODE, read by LSL in the vDSO). */
#define PERCPU_GDT_ENTRIES 6
#define PERCPU_SEL_TSS	   0x18
#define PERCPU_SEL_CPU	   0x28

struct percpu {
	unsigned cpu; /* logical number */
	u32 apic_id;
	u32 state;     /* enum cpu_state */
	u64 online_us; /* its STARTUP IPI to check-in, microseconds */
	u64 counters[PCPU_NR_COUNTERS];
	struct smp_slot sync;	/* on_cpus(): run in the IPI handler */
	struct smp_slot async;	/* smp_call_async(): run by the idle loop */
	bool in_sync, in_async; /* running the slot's function */
	struct jmpbuf idle_jmp; /* exceptions on the AP return here */
	void *stack;		/* lowest byte of the AP's stack */
	u64 gdt[PERCPU_GDT_ENTRIES];
	struct tss64 tss;
} __attribute__((aligned(64)));

/* The table of logical CPUs (percpu.c). smp_init() fills it. */

/* Give the next logical number to the CPU with @apic_id, in @state.
 * Returns it, or -ENOSPC past MAX_CPUS, or -EEXIST for a known APIC id. */
int percpu_add(u32 apic_id, enum cpu_state state);
/* How many logical numbers were given. */
unsigned percpu_nr(void);
/* The block of @cpu, or NULL past the last logical number. */
struct percpu *smp_percpu(unsigned cpu);
/* This CPU's logical number (0 before smp_init), found by its APIC id. */
unsigned smp_cpu(void);
static inline struct percpu *smp_this(void)
{
	return smp_percpu(smp_cpu());
}
/* Logical CPUs in @state (CPU_ONLINE: the online mask). */
cpumask_t smp_mask(enum cpu_state state);
cpumask_t smp_online_mask(void);
bool smp_cpu_online(unsigned cpu);
/* This CPU's count of @c plus one; a counter of @cpu (0 for no such CPU). */
void smp_count(enum percpu_counter c);
u64 smp_counter(unsigned cpu, enum percpu_counter c);

#endif
