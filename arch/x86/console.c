/* Console multiplexer: serial and screen. */
#include "arch/x86/console.h"
#include "boot/bootinfo.h"
#include "lib/errno.h"
#include "lib/printf.h"
#include "lib/string.h"

#define COM1 0x3f8
#define COM2 0x2f8

static u16 serial_port; /* 0: none */
static bool screen;

void console_init(const struct boot_info *bi)
{
	if (uart_init(COM1, 115200))
		serial_port = COM1;
	/* VGA text exists under BIOS unless the loader set a graphics mode;
	 * under UEFI there is no text mode. */
	screen = !bi->efi && (!bi->fb.present || bi->fb.type == 2);
	if (screen)
		vga_init();
}

static int parse_baud(const char *s, u32 *baud)
{
	u32 b = 0;

	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -EINVAL;
		b = b * 10 + (u32)(*s - '0');
	}
	if (!b || b > 115200)
		return -EINVAL;
	*baud = b;
	return 0;
}

int console_configure(const char *spec)
{
	u32 baud = 115200;
	u16 port;

	if (!strcmp(spec, "screen")) {
		serial_port = 0;
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
	return 0;
}

bool console_has_serial(void)
{
	return serial_port != 0;
}

bool console_has_screen(void)
{
	return screen;
}

void console_write(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (serial_port) {
			if (s[i] == '\n')
				uart_putc(serial_port, '\r');
			uart_putc(serial_port, s[i]);
		}
		if (screen)
			vga_putc(s[i]);
	}
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
