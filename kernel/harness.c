/* What the test harness (lib/test.c) needs of the machine: the TSC clock,
 * the interrupt flag, the console, and a way out of a test that took an
 * exception. Registered once by kmain. */
#include "kernel/harness.h"
#include "arch/x86/console.h"
#include "arch/x86/cpu.h"
#include "arch/x86/trap.h"
#include "arch/x86/tsc.h"
#include "lib/test.h"

static u64 save(void)
{
	return read_rflags() & X86_RFLAGS_IF;
}

static void restore(u64 saved)
{
	trap_recover();
	if (saved)
		irq_enable();
	else
		irq_disable();
}

static const struct test_env kernel_env = {
	.now_us = tsc_read_us,
	.save = save,
	.restore = restore,
	.puts = console_put_line,
	.indent = console_set_indent,
};

/* An exception inside a test fails that test, which is abandoned; outside
 * one this returns and the run ends. */
static void on_unhandled(struct trap_frame *f)
{
	if (test_running())
		test_abort_exception(trap_name(f->vector), f->rip);
}

void harness_init(void)
{
	test_set_env(&kernel_env);
	trap_set_unhandled_hook(on_unhandled);
}
