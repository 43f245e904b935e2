/* Console multiplexer: serial and screen. The kernel must run whatever the
 * machine lacks (no serial port, a port wired to nothing, no screen): what
 * could not be used is kept and said by console_report(). */
#include "arch/x86/console.h"
#include "arch/x86/cpu.h"
#include "arch/x86/tsc.h"
#include "boot/bootinfo.h"
#include "lib/errno.h"
#include "lib/printf.h"
#include "lib/string.h"

#define COM1 0x3f8
#define COM2 0x2f8

/* i8042 keyboard controller: status (output full, from the aux port) and
 * data ports. Reads 0xff when there is no controller. */
#define I8042_STATUS 0x64
#define I8042_DATA   0x60
#define I8042_OBF    0x01
#define I8042_AUX    0x20

static u16 serial_port; /* 0: none */
static u32 serial_baud;
static const char *serial_lost; /* why output stopped, or NULL */
static const struct screen_ops *screen;
static const char *screen_missing; /* why there is no screen, or NULL */
static bool frozen;

/* Output before a framebuffer can be mapped, replayed on it. */
static const struct boot_fb *pending_fb;
static char early[8192];
static size_t early_len;

static const char *port_name(u16 port)
{
	return port == COM2 ? "ttyS1 (COM2)" : "ttyS0 (COM1)";
}

void console_init(const struct boot_info *bi)
{
	if (uart_init(COM1, 115200)) {
		serial_port = COM1;
		serial_baud = 115200;
	} else {
		serial_lost = "no UART at COM1 (0x3f8)";
	}
	if (bi->fb.present && bi->fb.type == 1)
		pending_fb = &bi->fb; /* mapped once the page tables are up */
	else if (!bi->efi) {
		/* text mode unless the loader changed it */
		if (!(screen = vga_init()))
			screen_missing = "no VGA: its CRT controller at 0x3d4 "
					 "does not answer";
	} else
		screen_missing = "UEFI boot without a framebuffer (GRUB did "
				 "not pass its video mode: efi_gop loaded?)";
}

void console_screen_init(bool mm_ok)
{
	const char *why = "no page tables to map it";
	const struct screen_ops *s;

	if (!pending_fb)
		return;
	s = mm_ok ? fb_init(pending_fb, &why) : NULL;
	pending_fb = NULL;
	if (!s) {
		screen_missing = why;
		return;
	}
	screen = s;
	for (size_t i = 0; i < early_len; i++)
		screen->putc(early[i]);
	early_len = 0;
}

static int parse_baud(const char *s, u32 *baud)
{
	u32 b = 0;

	for (; *s; s++) {
		if (*s < '0' || *s > '9' || b > 115200)
			return -EINVAL;
		b = b * 10 + (u32)(*s - '0');
	}
	/* The divisor of the 1.8432 MHz clock must be exact. */
	if (!b || b > 115200 || 115200 % b)
		return -EINVAL;
	*baud = b;
	return 0;
}

int console_configure(const char *spec)
{
	u32 baud = 115200;
	u16 port;

	if (!strcmp(spec, "screen")) {
		if (!screen && !pending_fb)
			return -ENODEV; /* keep the serial port: it is all */
		serial_port = 0;
		serial_lost = "console=screen";
		return 0;
	}
	if (!strncmp(spec, "ttyS0", 5))
		port = COM1;
	else if (!strncmp(spec, "ttyS1", 5))
		port = COM2;
	else
		return -EINVAL;
	if ((spec[5] && spec[5] != ',') ||
	    (spec[5] == ',' && parse_baud(spec + 6, &baud)))
		return -EINVAL;
	if (!uart_init(port, baud))
		return -ENODEV;
	serial_port = port;
	serial_baud = baud;
	serial_lost = NULL;
	return 0;
}

bool console_serial_name(char *buf, size_t cap)
{
	if (serial_port)
		ksnprintf(buf, cap, "%s at %u baud", port_name(serial_port),
			  serial_baud);
	return serial_port != 0;
}

void console_report(void)
{
	char line[160];

	if (console_serial_name(line, sizeof(line)))
		kprintf("# console: serial %s, 8N1\n", line);
	else
		kprintf("# console: no serial output: %s\n", serial_lost);
	if (!screen) {
		kprintf("# console: no screen: %s\n", screen_missing);
		return;
	}
	screen->describe(line, sizeof(line));
	kprintf("# console: screen: %s\n", line);
}

bool console_has_serial(void)
{
	return serial_port != 0;
}

bool console_has_screen(void)
{
	return screen != NULL;
}

static void serial_write(const char *s, size_t n)
{
	if (serial_port && !uart_write(serial_port, s, n)) {
		/* stuck: stop before every line costs seconds */
		serial_port = 0;
		serial_lost = "the UART stopped accepting output";
	}
}

static unsigned indent;
static bool at_line_start = true;

void console_set_indent(unsigned n)
{
	indent = MIN(n, 16u);
}

static void write_raw(const char *s, size_t n)
{
	serial_write(s, n);
	if (frozen)
		return;
	if (screen) {
		for (size_t i = 0; i < n; i++)
			screen->putc(s[i]);
	} else if (pending_fb) {
		n = MIN(n, sizeof(early) - early_len);
		memcpy(early + early_len, s, n);
		early_len += n;
	}
}

void console_write(const char *s, size_t n)
{
	static const char spaces[16] = "                ";

	while (n) {
		if (at_line_start && indent && *s != '\n')
			write_raw(spaces, indent);
		const char *nl = memchr(s, '\n', n);
		size_t len = nl ? (size_t)(nl - s) + 1 : n;
		write_raw(s, len);
		at_line_start = nl != NULL;
		s += len;
		n -= len;
	}
}

void console_put_line(const char *s)
{
	if (!at_line_start)
		write_raw("\n", 1);
	write_raw(s, strlen(s));
	write_raw("\n", 1);
	at_line_start = true;
}

void kprintf(const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = kvsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	console_write(buf, MIN((size_t)n, sizeof(buf) - 1));
}

/* A make code from the keyboard (not the mouse, not a release). */
static bool key_pressed(void)
{
	u8 st = inb(I8042_STATUS);

	if (st == 0xff || !(st & I8042_OBF))
		return false;
	u8 code = inb(I8042_DATA);
	return !(st & I8042_AUX) && code < 0x80;
}

/* Drop what was typed before a question is asked. */
static void drop_typed(void)
{
	for (unsigned i = 0; i < 64 && (inb(I8042_STATUS) & I8042_OBF) &&
			     inb(I8042_STATUS) != 0xff;
	     i++)
		inb(I8042_DATA);
	for (unsigned i = 0; i < 64 && serial_port; i++)
		if (uart_getc(serial_port) < 0)
			break;
}

static bool key_or_byte(void)
{
	return key_pressed() || (serial_port && uart_getc(serial_port) >= 0);
}

bool console_wait_key(u64 timeout_us)
{
	drop_typed();
	return !WAIT_FOR(key_or_byte(), timeout_us);
}

/* ASCII's enquiry, "are you there": here, has the host read it all. */
#define ASCII_ENQ 0x05

bool console_exit_ack(u64 timeout_us)
{
	static const char enq = ASCII_ENQ;

	if (!serial_port)
		return false;
	drop_typed();
	serial_write(&enq, 1);
	/* A spin, never a halt: under QEMU with -icount sleep=off a halt
	 * lets virtual time jump to the next timer, so a halting wait would
	 * be over in microseconds of wall time, before a host that looks at
	 * the output every few milliseconds could answer. Spinning, virtual
	 * time passes only with the instructions run. */
	deadline_t end = deadline_in_us(timeout_us);
	do {
		if (key_or_byte())
			return true;
		cpu_relax();
	} while (!deadline_passed(end));
	return key_or_byte();
}

bool screen_geometry(unsigned *cols, unsigned *rows)
{
	*cols = screen ? screen->cols : 0;
	*rows = screen ? screen->rows : 0;
	return screen != NULL;
}

void screen_clear(u8 attr)
{
	if (screen)
		screen->clear(attr);
}

void screen_text(unsigned col, unsigned row, u8 attr, const char *s)
{
	for (; screen && *s && col < screen->cols; s++)
		screen->cell(col++, row, *s, attr);
}

void screen_big_size(unsigned scale, unsigned *w, unsigned *h)
{
	*w = *h = 0;
	if (screen)
		screen->big_size(scale, w, h);
}

void screen_big(unsigned col, unsigned row, u8 attr, const char *s,
		unsigned scale)
{
	unsigned w, h;

	screen_big_size(scale, &w, &h);
	for (; screen && *s && col + w <= screen->cols; s++, col += w)
		screen->big(col, row, *s, scale, attr);
}

void screen_freeze(void)
{
	frozen = true;
}
