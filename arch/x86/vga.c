/* VGA text mode, 80x25 at 0xb8000: one u16 per cell, the attribute in the
 * high byte, a code page 437 character in the low byte.
 *
 * Scrolling moves the CRTC start address (registers 0x0c/0x0d, in cells in
 * the text modes) down the 32 KiB text window instead of copying 24 rows
 * for every line: a new line costs one cleared row and two register
 * writes. Only when the window's 204 rows are used up are the visible rows
 * copied back to its top, once every 180 lines. (Under QEMU, copying
 * through emulated VGA memory cost about 3 ms a line.) */
#include "arch/x86/console.h"
#include "arch/x86/cpu.h"
#include "lib/printf.h"
#include "lib/string.h"

#define VGA_COLS 80
#define VGA_ROWS 25
#define VGA_ATTR 0x07

/* Code page 437 half and full blocks, for large type. */
#define CP437_FULL  0xdb
#define CP437_LOWER 0xdc
#define CP437_UPPER 0xdf

#define VGA_WINDOW_ROWS (0x8000 / 2 / VGA_COLS) /* 0xb8000-0xbffff: 204 */
#define CRTC_INDEX	0x3d4
#define CRTC_DATA	0x3d5
#define CRTC_START_HI	0x0c
#define CRTC_START_LO	0x0d
#define CRTC_CURSOR	0x0a
#define CRTC_CURSOR_OFF 0x20
#define CRTC_CURSOR_LO	0x0f /* cursor location, low byte: read/write */

static volatile u16 *const vga = (volatile u16 *)0xb8000;
static unsigned row, col;
static unsigned top; /* window row shown on the screen's first line */

static volatile u16 *cell_at(unsigned x, unsigned y)
{
	return &vga[(top + y) * VGA_COLS + x];
}

static void set_start(void)
{
	u16 start = (u16)(top * VGA_COLS);

	outb(CRTC_INDEX, CRTC_START_HI);
	outb(CRTC_DATA, (u8)(start >> 8));
	outb(CRTC_INDEX, CRTC_START_LO);
	outb(CRTC_DATA, (u8)start);
}

static void clear_row(unsigned y)
{
	for (unsigned x = 0; x < VGA_COLS; x++)
		*cell_at(x, y) = VGA_ATTR << 8 | ' ';
}

static void vga_scroll(void)
{
	if (top + VGA_ROWS == VGA_WINDOW_ROWS) {
		for (unsigned i = 0; i < (VGA_ROWS - 1) * VGA_COLS; i++)
			vga[i] = vga[(top + 1) * VGA_COLS + i];
		top = 0;
	} else {
		top++;
	}
	clear_row(VGA_ROWS - 1);
	set_start();
}

static void vga_putc(char c)
{
	if (c == '\n' || col == VGA_COLS) {
		col = 0;
		if (++row == VGA_ROWS) {
			vga_scroll();
			row = VGA_ROWS - 1;
		}
		if (c == '\n')
			return;
	}
	if (c == '\r')
		return;
	*cell_at(col++, row) = VGA_ATTR << 8 | (u8)c;
}

static void vga_cell(unsigned x, unsigned y, char c, u8 attr)
{
	if (x < VGA_COLS && y < VGA_ROWS)
		*cell_at(x, y) = (u16)attr << 8 | (u8)c;
}

static void vga_clear(u8 attr)
{
	top = 0;
	set_start();
	for (unsigned i = 0; i < VGA_ROWS * VGA_COLS; i++)
		vga[i] = (u16)attr << 8 | ' ';
	row = col = 0;
}

/* A glyph in 8 x 4 cells: its 16 rows ORed in pairs to 8 pixel rows, two
 * pixel rows per cell drawn with the upper, lower or full block. */
static void vga_big(unsigned x, unsigned y, char c, unsigned scale, u8 attr)
{
	const u8 *g = font_glyph(c);

	for (unsigned r = 0; r < 4; r++) {
		u8 top = g[4 * r] | g[4 * r + 1];
		u8 bot = g[4 * r + 2] | g[4 * r + 3];
		for (unsigned i = 0; i < 8; i++) {
			bool t = top & (0x80 >> i), b = bot & (0x80 >> i);
			u8 ch = t && b ? CP437_FULL
				: t    ? CP437_UPPER
				: b    ? CP437_LOWER
				       : ' ';
			vga_cell(x + i, y + r, (char)ch, attr);
		}
	}
}

static void vga_big_size(unsigned scale, unsigned *w, unsigned *h)
{
	*w = 8;
	*h = 4;
}

static void vga_describe(char *buf, size_t cap)
{
	ksnprintf(buf, cap, "VGA text %ux%u", VGA_COLS, VGA_ROWS);
}

static const struct screen_ops vga_ops = {
	.name = "VGA text",
	.cols = VGA_COLS,
	.rows = VGA_ROWS,
	.putc = vga_putc,
	.cell = vga_cell,
	.big = vga_big,
	.clear = vga_clear,
	.big_size = vga_big_size,
	.describe = vga_describe,
};

/* A VGA answers at its CRTC: the cursor location register reads back
 * what was written (IBM VGA technical reference, CRT controller
 * registers). Where no VGA decodes the ports they read 0xff (QEMU without
 * -vga, a headless board), and text written to 0xb8000 would go nowhere
 * at the price of an I/O access a character. */
static bool crtc_answers(void)
{
	bool ok;
	u8 old;

	outb(CRTC_INDEX, CRTC_CURSOR_LO);
	old = inb(CRTC_DATA);
	outb(CRTC_DATA, 0x5a);
	ok = inb(CRTC_INDEX) == CRTC_CURSOR_LO && inb(CRTC_DATA) == 0x5a;
	outb(CRTC_DATA, 0xa5);
	ok = ok && inb(CRTC_DATA) == 0xa5;
	outb(CRTC_DATA, old);
	return ok;
}

const struct screen_ops *vga_init(void)
{
	if (!crtc_answers())
		return NULL;
	vga_clear(VGA_ATTR);
	/* Hide the hardware cursor (cursor start register, bit 5). */
	outb(CRTC_INDEX, CRTC_CURSOR);
	outb(CRTC_DATA, CRTC_CURSOR_OFF);
	return &vga_ops;
}
