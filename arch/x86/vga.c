/* VGA text mode, 80x25 at 0xb8000, light grey on black. */
#include "arch/x86/console.h"
#include "arch/x86/cpu.h"
#include "lib/string.h"

#define VGA_COLS 80
#define VGA_ROWS 25
#define VGA_ATTR 0x0700

static volatile u16 *const vga = (volatile u16 *)0xb8000;
static unsigned row, col;

static void vga_scroll(void)
{
	for (unsigned i = 0; i < (VGA_ROWS - 1) * VGA_COLS; i++)
		vga[i] = vga[i + VGA_COLS];
	for (unsigned i = 0; i < VGA_COLS; i++)
		vga[(VGA_ROWS - 1) * VGA_COLS + i] = VGA_ATTR | ' ';
}

void vga_init(void)
{
	for (unsigned i = 0; i < VGA_ROWS * VGA_COLS; i++)
		vga[i] = VGA_ATTR | ' ';
	row = col = 0;
	/* Hide the hardware cursor (CRTC register 0x0a, bit 5). */
	outb(0x3d4, 0x0a);
	outb(0x3d5, 0x20);
}

void vga_putc(char c)
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
	vga[row * VGA_COLS + col++] = VGA_ATTR | (u8)c;
}
