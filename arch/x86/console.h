/* Consoles: a 16550 serial port and one screen, the VGA text screen (BIOS)
 * or a framebuffer (UEFI GOP, or any linear RGB mode the loader set). Every
 * line printed goes to every console present, until the screen is frozen
 * to keep a full-screen page (the verdict) on it. */
#ifndef ARCH_X86_CONSOLE_H
#define ARCH_X86_CONSOLE_H

#include "lib/types.h"

struct boot_info;

/* The serial port, and the VGA text screen when there is one. A
 * framebuffer needs the kernel's page tables: until console_screen_init()
 * its output is buffered and then replayed. */
void console_init(const struct boot_info *bi);
/* Map and start the framebuffer console, once mm_init() succeeded. */
void console_screen_init(bool mm_ok);
/* Apply console=ttyS0[,baud] | ttyS1 | screen from the command line.
 * Returns 0, -EINVAL for an unknown setting, -ENODEV for a port or screen
 * that is absent; the consoles then stay as they were. */
int console_configure(const char *spec);
/* Say which consoles are in use and which could not be used, and why. */
void console_report(void);
void console_write(const char *s, size_t n);
/* Start every line written from now on with @n spaces (at most 16): what
 * anyone prints while a test suite runs then nests inside its KTAP. */
void console_set_indent(unsigned n);
/* One whole line, already indented by the caller (the KTAP writer). */
void console_put_line(const char *s);
__attribute__((format(printf, 1, 2))) void kprintf(const char *fmt, ...);
bool console_has_serial(void);
bool console_has_screen(void);
/* "ttyS0 (COM1) at 115200 baud" into @buf; false with no serial output. */
bool console_serial_name(char *buf, size_t cap);
/* Wait up to @timeout_us for a key on the PS/2 keyboard or a byte on the
 * serial port; returns whether one came. */
bool console_wait_key(u64 timeout_us);
/* The exit handshake: send ENQ (0x05) on the serial port, then wait up to
 * @timeout_us for the host's answer that it has read everything before it:
 * a byte or a BREAK on the serial port (or a PS/2 key, for a person). A
 * host reading QEMU's serial port from an in-memory ring would otherwise
 * lose what it had not read when QEMU exits. Returns whether the answer
 * came; false at once without a serial port. */
bool console_exit_ack(u64 timeout_us);

/* The screen as a grid of character cells, for full-screen pages. Colours
 * are VGA attributes, background << 4 | foreground (background 0-7). */
enum screen_color {
	COLOR_BLACK,
	COLOR_BLUE,
	COLOR_GREEN,
	COLOR_CYAN,
	COLOR_RED,
	COLOR_MAGENTA,
	COLOR_BROWN,
	COLOR_GREY,
	COLOR_DARK_GREY,
	COLOR_LIGHT_BLUE,
	COLOR_LIGHT_GREEN,
	COLOR_LIGHT_CYAN,
	COLOR_LIGHT_RED,
	COLOR_LIGHT_MAGENTA,
	COLOR_YELLOW,
	COLOR_WHITE,
};
#define SCREEN_ATTR(fg, bg) ((u8)((bg) << 4 | (fg)))

/* Cells of the screen; false (and 0x0) when there is none. */
bool screen_geometry(unsigned *cols, unsigned *rows);
void screen_clear(u8 attr);
/* @s at (col, row), cut at the right edge. */
void screen_text(unsigned col, unsigned row, u8 attr, const char *s);
/* Large type: the cells one character takes at @scale (2 or more): scale x
 * scale on a framebuffer, 8 x 4 (half blocks) on the VGA text screen. */
void screen_big_size(unsigned scale, unsigned *w, unsigned *h);
void screen_big(unsigned col, unsigned row, u8 attr, const char *s,
		unsigned scale);
/* From now on console output goes to the serial port only. */
void screen_freeze(void);

/* Screen back ends (vga.c, fb.c). */
struct screen_ops {
	const char *name;
	unsigned cols, rows;
	void (*putc)(char c);
	void (*cell)(unsigned col, unsigned row, char c, u8 attr);
	void (*big)(unsigned col, unsigned row, char c, unsigned scale,
		    u8 attr);
	void (*clear)(u8 attr);
	void (*big_size)(unsigned scale, unsigned *w, unsigned *h);
	/* One line saying what the screen is, for the console report. */
	void (*describe)(char *buf, size_t cap);
};
/* The VGA text screen, or NULL when no VGA answers. */
const struct screen_ops *vga_init(void);
struct boot_fb;
/* Validate and map the loader's framebuffer; NULL and *why when unusable. */
const struct screen_ops *fb_init(const struct boot_fb *fb, const char **why);

/* The console font (font8x16.c): printable ASCII, 16 rows of 8 pixels. */
#define FONT_FIRST  0x20
#define FONT_GLYPHS 95
extern const u8 font8x16[FONT_GLYPHS][16];
static inline const u8 *font_glyph(char c)
{
	u8 i = (u8)c;

	return font8x16[i >= FONT_FIRST && i < FONT_FIRST + FONT_GLYPHS
			    ? i - FONT_FIRST
			    : '?' - FONT_FIRST];
}

/* Serial port (uart.c). */
bool uart_init(u16 port, u32 baud);
/* Send @n bytes of @s, each '\n' as "\r\n". False when the transmitter
 * never became ready: the port is stuck. */
bool uart_write(u16 port, const char *s, size_t n);
/* A received byte, or -1. */
int uart_getc(u16 port);

#endif
