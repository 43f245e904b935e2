/* IDT set-up and dispatch. An exception nobody handles is reported, then
 * offered to the hook the kernel registered (the test harness abandons the
 * test that raised it); when the hook declines, the run ends. */
#include "arch/x86/apic.h"
#include "arch/x86/console.h"
#include "arch/x86/cpu.h"
#include "arch/x86/percpu.h"
#include "arch/x86/platform.h"
#include "arch/x86/trap.h"

struct idt_entry {
	u64 lo, hi;
};
_Static_assert(sizeof(struct idt_entry) == 16, "IDT gate is 16 bytes");

static struct idt_entry idt[256] __attribute__((aligned(16)));
static struct {
	trap_handler_t fn;
	void *ctx;
} handlers[256];
static u64 counts[256];
/* Interrupt handlers running, nested, per logical CPU. */
static unsigned irq_depth[MAX_CPUS];
static trap_exception_hook_t exception_hook;
static trap_unhandled_fn unhandled_hook;
extern const u8 isr_stubs[];

static const char *const exc_names[32] = {
	"#DE divide error",
	"#DB debug",
	"NMI",
	"#BP breakpoint",
	"#OF overflow",
	"#BR bound",
	"#UD invalid opcode",
	"#NM no math coprocessor",
	"#DF double fault",
	"coprocessor overrun",
	"#TS invalid TSS",
	"#NP segment not present",
	"#SS stack fault",
	"#GP general protection",
	"#PF page fault",
	"reserved 15",
	"#MF x87 error",
	"#AC alignment check",
	"#MC machine check",
	"#XM SIMD exception",
	"#VE virtualization exception",
	"#CP control protection",
	"reserved 22",
	"reserved 23",
	"reserved 24",
	"reserved 25",
	"reserved 26",
	"reserved 27",
	"#HV hypervisor injection",
	"#VC VMM communication",
	"#SX security exception",
	"reserved 31",
};

const char *trap_name(u64 vector)
{
	return vector < 32 ? exc_names[vector] : "interrupt";
}

/* 64-bit interrupt gate, DPL 0, present (SDM vol. 3A figure 6-8). */
static struct idt_entry make_gate(u64 handler)
{
	struct idt_entry e;

	e.lo = (handler & 0xffff) | ((u64)GDT_KERNEL_CS << 16) |
	       (0x8eULL << 40) | ((handler >> 16) & 0xffff) << 48;
	e.hi = handler >> 32;
	return e;
}

void trap_init(void)
{
	struct {
		u16 limit;
		u64 base;
	} __attribute__((packed)) ptr = { sizeof(idt) - 1, (u64)idt };

	for (unsigned v = 0; v < 256; v++)
		idt[v] = make_gate((u64)(isr_stubs + v * 16));
	asm volatile("lidt %0" ::"m"(ptr));
}

void trap_set_handler(u8 vector, trap_handler_t fn, void *ctx)
{
	handlers[vector].ctx = ctx;
	handlers[vector].fn = fn;
}

void trap_set_unhandled_hook(trap_unhandled_fn fn)
{
	unhandled_hook = fn;
}

void trap_recover(void)
{
	/* A test abandoned from inside an interrupt handler left its vector
	 * in service at the APIC: end it, or lower-priority interrupts stay
	 * blocked for good. */
	for (unsigned *d = &irq_depth[smp_cpu()]; *d; (*d)--)
		apic_eoi();
}

void trap_set_exception_hook(trap_exception_hook_t fn)
{
	exception_hook = fn;
}

u64 trap_count(u8 vector)
{
	return __atomic_load_n(&counts[vector], __ATOMIC_RELAXED);
}

static void report_exception(const struct trap_frame *f)
{
	kprintf("# EXCEPTION %s (vector %lu) error 0x%lx RIP 0x%lx CR2 0x%lx "
		"RSP 0x%lx\n",
		trap_name(f->vector), f->vector, f->error, f->rip, read_cr2(),
		f->rsp);
}

void trap_dispatch(struct trap_frame *f);
void trap_dispatch(struct trap_frame *f)
{
	u8 v = (u8)f->vector;

	__atomic_fetch_add(&counts[v], 1, __ATOMIC_RELAXED);
	if (handlers[v].fn) {
		bool irq = v >= 32 && v != VEC_SPURIOUS;
		unsigned *depth = &irq_depth[smp_cpu()];
		*depth += irq;
		handlers[v].fn(f, handlers[v].ctx);
		*depth -= irq;
		if (irq)
			apic_eoi();
		return;
	}
	if (v >= 32) {
		if (v != VEC_SPURIOUS)
			apic_eoi();
		return;
	}
	if (exception_hook && exception_hook(f))
		return;
	report_exception(f);
	if (unhandled_hook)
		unhandled_hook(f);
	kprintf("# unexpected exception outside any test: stopping\n");
	platform_exit(false);
}
