/* trap_catch: run a function that is expected to fault, and recover. */
#include "arch/x86/cpu.h"
#include "arch/x86/trap.h"
#include "lib/setjmp.h"

static struct jmpbuf catch_jb;
static volatile int caught;
static volatile u64 caught_cr2;

static void on_exception(struct trap_frame *f, void *ctx)
{
	caught = (int)f->vector;
	caught_cr2 = read_cr2();
	klongjmp(&catch_jb, 1);
}

int trap_catch(void (*fn)(void *), void *arg, u64 *cr2)
{
	static const u8 vectors[] = { 0, 6, 8, 13, 14, 17 };
	u64 flags = read_rflags();

	caught = -1;
	for (unsigned i = 0; i < ARRAY_SIZE(vectors); i++)
		trap_set_handler(vectors[i], on_exception, NULL);
	if (ksetjmp(&catch_jb) == 0)
		fn(arg);
	for (unsigned i = 0; i < ARRAY_SIZE(vectors); i++)
		trap_set_handler(vectors[i], NULL, NULL);
	if (flags & X86_RFLAGS_IF)
		irq_enable();
	if (cr2)
		*cr2 = caught_cr2;
	return caught;
}
