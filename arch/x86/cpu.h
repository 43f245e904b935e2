/* CPU helpers: CPUID, MSRs, control registers, port I/O, TSC, caches. */
#ifndef ARCH_X86_CPU_H
#define ARCH_X86_CPU_H

#include "boot/cpu_regs.h"
#include "lib/types.h"

#define MSR_IA32_APIC_BASE	 0x1b
#define MSR_IA32_FEATURE_CONTROL 0x3a
#define MSR_IA32_PAT		 0x277
#define MSR_MTRRCAP		 0xfe  /* SDM vol. 3A 12.11.1 */
#define MSR_MTRR_PHYSBASE0	 0x200 /* PHYSMASKn = PHYSBASE0 + 2n + 1 */
#define MSR_MTRR_FIX64K_00000	 0x250
#define MSR_MTRR_FIX16K_80000	 0x258
#define MSR_MTRR_FIX16K_A0000	 0x259
#define MSR_MTRR_FIX4K_C0000	 0x268 /* ..0x26f */
#define MSR_MTRR_DEF_TYPE	 0x2ff

struct cpuid_regs {
	u32 eax, ebx, ecx, edx;
};

static inline struct cpuid_regs cpuid(u32 leaf, u32 subleaf)
{
	struct cpuid_regs r;
	asm volatile("cpuid"
		     : "=a"(r.eax), "=b"(r.ebx), "=c"(r.ecx), "=d"(r.edx)
		     : "a"(leaf), "c"(subleaf));
	return r;
}

static inline u64 rdmsr(u32 msr)
{
	u32 lo, hi;
	asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((u64)hi << 32) | lo;
}

static inline void wrmsr(u32 msr, u64 val)
{
	asm volatile("wrmsr" ::"c"(msr), "a"((u32)val), "d"((u32)(val >> 32))
		     : "memory");
}

#define DEFINE_CR(n)                                                 \
	static inline u64 read_cr##n(void)                           \
	{                                                            \
		u64 v;                                               \
		asm volatile("mov %%cr" #n ", %0" : "=r"(v));        \
		return v;                                            \
	}                                                            \
	static inline void write_cr##n(u64 v)                        \
	{                                                            \
		asm volatile("mov %0, %%cr" #n ::"r"(v) : "memory"); \
	}
DEFINE_CR(0)
DEFINE_CR(2)
DEFINE_CR(3)
DEFINE_CR(4)

static inline u64 read_rflags(void)
{
	u64 f;
	asm volatile("pushfq; pop %0" : "=r"(f));
	return f;
}

static inline void outb(u16 port, u8 v)
{
	asm volatile("outb %0, %1" ::"a"(v), "Nd"(port));
}
static inline void outw(u16 port, u16 v)
{
	asm volatile("outw %0, %1" ::"a"(v), "Nd"(port));
}
static inline void outl(u16 port, u32 v)
{
	asm volatile("outl %0, %1" ::"a"(v), "Nd"(port));
}
static inline u8 inb(u16 port)
{
	u8 v;
	asm volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}
static inline u16 inw(u16 port)
{
	u16 v;
	asm volatile("inw %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}
static inline u32 inl(u16 port)
{
	u32 v;
	asm volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline u64 rdtsc(void)
{
	u32 lo, hi;
	asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((u64)hi << 32) | lo;
}

static inline void cpu_relax(void)
{
	asm volatile("pause" ::: "memory");
}
#ifndef HOST_TEST
static inline void irq_enable(void)
{
	asm volatile("sti" ::: "memory");
}
static inline void irq_disable(void)
{
	asm volatile("cli" ::: "memory");
}
#else
/* The host tests run kernel code in user space, where CLI and STI are
 * privileged (#GP at IOPL 0): there is no interrupt to hold off. */
static inline void irq_enable(void)
{
}
static inline void irq_disable(void)
{
}
#endif
/* Interrupts off on this CPU; the RFLAGS to give back to irq_restore(). */
static inline u64 irq_save(void)
{
	u64 flags = read_rflags();

	irq_disable();
	return flags;
}
/* Interrupts back on if they were on at the irq_save() that gave @flags. */
static inline void irq_restore(u64 flags)
{
	if (flags & X86_RFLAGS_IF)
		irq_enable();
}
static inline void clflush(const volatile void *p)
{
	asm volatile("clflush (%0)" ::"r"(p) : "memory");
}
static inline void mfence(void)
{
	asm volatile("mfence" ::: "memory");
}
static inline void wbinvd(void)
{
	asm volatile("wbinvd" ::: "memory");
}
static inline void invlpg(const void *va)
{
	asm volatile("invlpg (%0)" ::"r"(va) : "memory");
}
static inline void barrier(void)
{
	asm volatile("" ::: "memory");
}

/* Flush the cache lines covering [p, p+len) to memory: used when the
 * IOMMU's page walks do not snoop (ECAP.C=0, VT-d 3.0 section 6.1). */
void cache_flush_range(const void *p, size_t len);

/* Write back and invalidate every cache (WBINVD), as a function so that
 * code shared with the host tests can call it. */
void cache_wbinvd(void);

/* Halt forever with interrupts off. */
__attribute__((noreturn)) void cpu_halt_forever(void);

#endif
