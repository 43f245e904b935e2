/* VGA text mode, 80x25 at 0xb8000: one u16 per cell, the attribute in the
 * high byte, a code page 437 character in the low byte. */
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

static volatile u16 *const vga = (volatile u16 *)0xb8000;
static unsigned row, col;

static void vga_scroll(void)
{
	for (unsigned i = 0; i < (VGA_ROWS - 1) * VGA_COLS; i++)
		vga[i] = vga[i + VGA_COLS];
	for (unsigned i = 0; i < VGA_COLS; i++)
		vga[(VGA_ROWS - 1) * VGA_COLS + i] = VGA_ATTR << 8 | ' ';
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
	vga[row * VGA_COLS + col++] = VGA_ATTR << 8 | (u8)c;
}

static void vga_cell(unsigned x, unsigned y, char c, u8 attr)
{
	if (x < VGA_COLS && y < VGA_ROWS)
		vga[y * VGA_COLS + x] = (u16)attr << 8 | (u8)c;
}

static void vga_clear(u8 attr)
{
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

const struct screen_ops *vga_init(void)
{
	vga_clear(VGA_ATTR);
	/* Hide the hardware cursor (CRTC register 0x0a, bit 5). */
	outb(0x3d4, 0x0a);
	outb(0x3d5, 0x20);
	return &vga_ops;
}
