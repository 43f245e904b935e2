/* Which machine we run on, QEMU's fw_cfg, and leaving with a verdict.
 * fw_cfg: QEMU docs/specs/fw_cfg.rst (I/O ports 0x510 selector, 0x511
 * data; the signature "QEMU" at selector 0; the file directory at 0x19). */
#include "arch/x86/platform.h"
#include "arch/x86/acpi.h"
#include "arch/x86/console.h"
#include "arch/x86/cpu.h"
#include "lib/errno.h"
#include "lib/string.h"

#define FW_CFG_SEL	 0x510
#define FW_CFG_DATA	 0x511
#define FW_CFG_SIGNATURE 0x0000
#define FW_CFG_FILE_DIR	 0x0019
#define QEMU_DEBUG_EXIT	 0xf4
#define BOCHS_SHUTDOWN	 0x8900
#define BOCHS_E9	 0xe9

static enum platform_kind kind;
static enum exit_mode exit_mode = EXIT_AUTO;
static bool exit_ack;

/* How long platform_exit() waits for the host's answer to its ENQ: as
 * long as hold waits for a key. The wait spins, and under QEMU -icount
 * shift=10 (a microsecond of virtual time an instruction) it runs about 50
 * times faster than wall time (measured on QEMU 7.2: the 600 s in 12 s),
 * still a thousand times the runner's 10 ms between reads. */
#define EXIT_ACK_US (600ULL * 1000000)

static void fwcfg_read(void *buf, size_t n)
{
	u8 *b = buf;

	while (n--)
		*b++ = inb(FW_CFG_DATA);
}

static u32 be32(const u8 *b)
{
	return (u32)b[0] << 24 | (u32)b[1] << 16 | (u32)b[2] << 8 | b[3];
}

/* Both emulators' firmware names itself "BOCHS " in the ACPI OEM id; real
 * firmware never does. Only then are emulator ports probed. */
void platform_detect(void)
{
	const struct acpi_header *fadt = acpi_find("FACP");
	char sig[4];

	kind = PLATFORM_HARDWARE;
	if (!fadt || memcmp(fadt->oem_id, "BOCHS ", 6))
		return;
	outw(FW_CFG_SEL, FW_CFG_SIGNATURE);
	fwcfg_read(sig, 4);
	if (!memcmp(sig, "QEMU", 4))
		kind = PLATFORM_QEMU;
	else if (inb(BOCHS_E9) == BOCHS_E9) /* Bochs port_e9_hack reads back */
		kind = PLATFORM_BOCHS;
}

enum platform_kind platform_kind(void)
{
	return kind;
}

const char *platform_name(void)
{
	static const char *const names[] = { "hardware", "QEMU", "Bochs" };
	return names[kind];
}

int platform_fwcfg_args(char *buf, size_t cap)
{
	u8 cnt[4], ent[64];

	if (kind != PLATFORM_QEMU)
		return -ENODEV;
	outw(FW_CFG_SEL, FW_CFG_FILE_DIR);
	fwcfg_read(cnt, 4);
	for (u32 i = 0, n = be32(cnt); i < n && i < 4096; i++) {
		fwcfg_read(ent, 64); /* size, select, reserved, name[56] */
		if (strncmp((char *)ent + 8, "opt/vtdtest/args", 56))
			continue;
		u32 size = be32(ent);
		if (size >= cap)
			return -E2BIG;
		outw(FW_CFG_SEL, (u16)(ent[4] << 8 | ent[5]));
		fwcfg_read(buf, size);
		buf[size] = 0;
		return (int)size;
	}
	return -ENOENT;
}

static const char *const exit_names[] = {
	[EXIT_AUTO] = "auto",	[EXIT_QEMU] = "qemu", [EXIT_BOCHS] = "bochs",
	[EXIT_RESET] = "reset", [EXIT_HALT] = "halt",
};

int platform_exit_mode_parse(const char *word)
{
	if (!word[0])
		return EXIT_AUTO;
	for (unsigned i = 0; i < ARRAY_SIZE(exit_names); i++)
		if (!strcmp(word, exit_names[i]))
			return (int)i;
	return -EINVAL;
}

void platform_set_exit_mode(enum exit_mode mode)
{
	exit_mode = mode;
}

void platform_set_exit_ack(bool on)
{
	exit_ack = on;
}

/* The FADT's reset register when it is an I/O port (ACPI 6.4 4.8.4.6),
 * else port 0xcf9. */
static void acpi_reset(void)
{
	const struct acpi_header *f = acpi_find("FACP");
	const u8 *b = (const u8 *)f, *reg = b + ACPI_FADT_RESET_REG;

	if (f && f->length > ACPI_FADT_RESET_VALUE &&
	    reg[ACPI_GAS_SPACE_ID] == ACPI_GAS_SPACE_IO)
		outb((u16) * (const u64 *)(reg + ACPI_GAS_ADDRESS),
		     b[ACPI_FADT_RESET_VALUE]);
	outb(0xcf9, 0x06);
}

void platform_exit(bool pass)
{
	enum exit_mode m = exit_mode;

	if (exit_ack && !console_exit_ack(EXIT_ACK_US))
		kprintf(
		    "# exit: no answer from the host to the ENQ in %llu s\n",
		    EXIT_ACK_US / 1000000);
	if (m == EXIT_AUTO)
		m = kind == PLATFORM_QEMU    ? EXIT_QEMU
		    : kind == PLATFORM_BOCHS ? EXIT_BOCHS
					     : EXIT_HALT;
	if (m == EXIT_QEMU)
		outl(QEMU_DEBUG_EXIT, pass ? 0 : 1); /* status (v << 1) | 1 */
	if (m == EXIT_BOCHS)
		for (const char *s = "Shutdown"; *s; s++)
			outb(BOCHS_SHUTDOWN, (u8)*s);
	if (m == EXIT_RESET)
		acpi_reset();
	cpu_halt_forever();
}

void cpu_halt_forever(void)
{
	for (;;)
		asm volatile("cli; hlt");
}

void cache_wbinvd(void)
{
	wbinvd();
}

void cache_flush_range(const void *p, size_t len)
{
	const u8 *a = (const u8 *)ALIGN_DOWN((uintptr_t)p, 64);
	const u8 *end = (const u8 *)p + len;

	for (; a < end; a += 64)
		clflush(a);
	mfence();
}
