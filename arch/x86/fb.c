/* Framebuffer text console: the 8x16 font on the loader's linear RGB
 * framebuffer (multiboot2 tag 8; under UEFI the GOP mode that GRUB's
 * efi_gop driver reports).
 *
 * The framebuffer is mapped write-combining (the kernel's PAT, mm.h): the
 * CPU merges the glyph stores into bursts instead of sending each one to
 * the graphics device on its own, as uncached memory does. Without the PAT
 * it is uncached. Reads of it are slow either way, so the console never
 * reads it back. It keeps two grids of cells, what should be on the screen
 * and what was drawn, and draws only the cells that differ. Scrolling
 * moves the wanted grid up by half the screen at once (a "jump scroll"):
 * redrawing costs about the same for one line or many. Write-combined
 * stores may wait in the CPU's buffers; an SFENCE after each line, each
 * cell and each redraw sends them (SDM vol. 3A 12.3.1), so what the kernel
 * printed last is on the screen even if it then halts.
 *
 * Pixel layout: multiboot2 gives the colour field positions, but boot_info
 * keeps only the depth, so 32 and 24 bpp are taken as x8r8g8b8 / r8g8b8
 * (what UEFI GOP and VBE modes use in practice) and 16 bpp as r5g6b5. A
 * board with red and blue swapped would show red text in blue. */
#include "arch/x86/console.h"
#include "arch/x86/mm.h"
#include "boot/bootinfo.h"
#include "lib/printf.h"
#include "lib/string.h"

#define FB_MAX_COLS  256
#define FB_MAX_ROWS  128
#define CELL_UNKNOWN 0xffff /* drawn over (large type) or never drawn */
#define TEXT_ATTR    0x07

static struct {
	volatile u8 *base;
	hpa_t pa;
	u32 pitch, width, height, bytespp;
	unsigned scale; /* pixels per font pixel */
	unsigned col, row;
	struct screen_ops ops;
} fb;

/* Cells: attribute << 8 | character. */
static u16 want[FB_MAX_ROWS][FB_MAX_COLS], shown[FB_MAX_ROWS][FB_MAX_COLS];

static const u32 palette[16] = {
	0x000000, 0x0000aa, 0x00aa00, 0x00aaaa, 0xaa0000, 0xaa00aa,
	0xaa5500, 0xaaaaaa, 0x555555, 0x5555ff, 0x55ff55, 0x55ffff,
	0xff5555, 0xff55ff, 0xffff55, 0xffffff,
};

static u32 pixel(u32 rgb)
{
	if (fb.bytespp != 2)
		return rgb;
	return (rgb >> 8 & 0xf800) | (rgb >> 5 & 0x07e0) | (rgb >> 3 & 0x1f);
}

static void put(volatile u8 *line, unsigned x, u32 v)
{
	switch (fb.bytespp) {
	case 4:
		((volatile u32 *)line)[x] = v;
		break;
	case 3:
		line[3 * x] = (u8)v;
		line[3 * x + 1] = (u8)(v >> 8);
		line[3 * x + 2] = (u8)(v >> 16);
		break;
	default:
		((volatile u16 *)line)[x] = (u16)v;
		break;
	}
}

/* One row of a glyph at 32 bpp and scale 1, the common case: two pixels
 * per 64-bit store. pair[i]: bit 1 of i is the left pixel, bit 0 the
 * right one. */
static void row32(volatile u8 *line, unsigned px, u8 bits, const u64 *pair)
{
	volatile u64 *p = (volatile u64 *)(line + 4 * px);

	p[0] = pair[bits >> 6 & 3];
	p[1] = pair[bits >> 4 & 3];
	p[2] = pair[bits >> 2 & 3];
	p[3] = pair[bits & 3];
}

/* Any depth and scale: each font pixel as @s pixels (no division per
 * pixel: TCG runs a divide as a helper call). */
static void row_any(volatile u8 *line, unsigned px, u8 bits, u32 fg, u32 bg,
		    unsigned s)
{
	for (unsigned i = 0, x = px; i < 8; i++) {
		u32 v = bits & (0x80 >> i) ? fg : bg;
		for (unsigned j = 0; j < s; j++)
			put(line, x++, v);
	}
}

/* Glyph @c with its top left corner at pixel (px, py), each font pixel
 * drawn as a square of @s pixels. */
static void draw_glyph(unsigned px, unsigned py, char c, u8 attr, unsigned s)
{
	const u8 *g = font_glyph(c);
	u32 fg = pixel(palette[attr & 15]), bg = pixel(palette[attr >> 4 & 7]);
	volatile u8 *line = fb.base + (u64)py * fb.pitch;
	const u64 pair[4] = { bg | (u64)bg << 32, bg | (u64)fg << 32,
			      fg | (u64)bg << 32, fg | (u64)fg << 32 };
	bool fast = fb.bytespp == 4 && s == 1;

	for (unsigned r = 0; r < 16; r++) {
		for (unsigned k = 0; k < s; k++, line += fb.pitch) {
			if (fast)
				row32(line, px, g[r], pair);
			else
				row_any(line, px, g[r], fg, bg, s);
		}
	}
}

/* Drain the write-combining buffers to the framebuffer. */
static void fb_flush(void)
{
	asm volatile("sfence" ::: "memory");
}

static void sync_cell(unsigned x, unsigned y)
{
	u16 v = want[y][x];

	if (shown[y][x] == v)
		return;
	draw_glyph(x * 8 * fb.scale, y * 16 * fb.scale, (char)(v & 0xff),
		   (u8)(v >> 8), fb.scale);
	shown[y][x] = v;
}

static void sync_all(void)
{
	for (unsigned y = 0; y < fb.ops.rows; y++)
		for (unsigned x = 0; x < fb.ops.cols; x++)
			sync_cell(x, y);
}

static void fill_rows(unsigned first, unsigned n, u8 attr)
{
	for (unsigned y = first; y < first + n; y++)
		for (unsigned x = 0; x < fb.ops.cols; x++)
			want[y][x] = (u16)attr << 8 | ' ';
}

static void scroll(void)
{
	unsigned n = MAX(1u, fb.ops.rows / 2), keep = fb.ops.rows - n;

	for (unsigned y = 0; y < keep; y++)
		memcpy(want[y], want[y + n], fb.ops.cols * sizeof(u16));
	fill_rows(keep, n, TEXT_ATTR);
	fb.row = keep;
	sync_all();
	fb_flush();
}

static void fb_putc(char c)
{
	if (c == '\r')
		return;
	if (c == '\n' || fb.col == fb.ops.cols) {
		fb.col = 0;
		if (++fb.row == fb.ops.rows)
			scroll();
		if (c == '\n') {
			fb_flush();
			return;
		}
	}
	want[fb.row][fb.col] = TEXT_ATTR << 8 | (u8)c;
	sync_cell(fb.col++, fb.row);
}

static void fb_cell(unsigned x, unsigned y, char c, u8 attr)
{
	if (x >= fb.ops.cols || y >= fb.ops.rows)
		return;
	want[y][x] = (u16)attr << 8 | (u8)c;
	sync_cell(x, y);
	fb_flush();
}

static void fb_clear(u8 attr)
{
	fill_rows(0, fb.ops.rows, attr);
	sync_all();
	fb_flush();
	fb.col = fb.row = 0;
}

static void fb_big(unsigned x, unsigned y, char c, unsigned scale, u8 attr)
{
	if (x + scale > fb.ops.cols || y + scale > fb.ops.rows)
		return;
	draw_glyph(x * 8 * fb.scale, y * 16 * fb.scale, c, attr,
		   scale * fb.scale);
	fb_flush();
	for (unsigned j = y; j < y + scale; j++)
		for (unsigned i = x; i < x + scale; i++)
			want[j][i] = shown[j][i] = CELL_UNKNOWN;
}

static void fb_big_size(unsigned scale, unsigned *w, unsigned *h)
{
	*w = *h = scale;
}

static const char *fb_check(const struct boot_fb *f)
{
	if (!f->present)
		return "the loader passed no framebuffer";
	if (f->type != 1)
		return f->type == 2 ? "the loader left EGA text mode"
				    : "indexed-colour framebuffer";
	if (f->bpp != 16 && f->bpp != 24 && f->bpp != 32)
		return "unsupported pixel depth";
	if (!f->addr || f->width < 320 || f->height < 200 || f->width > 8192 ||
	    f->height > 8192 || f->pitch < f->width * (f->bpp / 8u))
		return "implausible framebuffer geometry";
	return NULL;
}

/* Black out everything once, borders included (the grid may not cover the
 * last pixels), so the first sync draws every cell on a known screen. */
static void blank(void)
{
	volatile u8 *line = fb.base;

	for (u32 y = 0; y < fb.height; y++, line += fb.pitch)
		for (u32 x = 0; x < fb.width * fb.bytespp / 8; x++)
			((volatile u64 *)line)[x] = 0;
	for (u32 y = 0, rest = fb.width * fb.bytespp % 8; rest && y < fb.height;
	     y++)
		for (u32 i = 0; i < rest; i++)
			fb.base[(u64)y * fb.pitch + fb.width * fb.bytespp -
				rest + i] = 0;
	fill_rows(0, fb.ops.rows, TEXT_ATTR);
	for (unsigned y = 0; y < fb.ops.rows; y++)
		memcpy(shown[y], want[y], sizeof(want[y]));
}

static void fb_describe(char *buf, size_t cap);

const struct screen_ops *fb_init(const struct boot_fb *f, const char **why)
{
	if ((*why = fb_check(f)))
		return NULL;
	fb.base = mm_map(f->addr, (u64)f->pitch * f->height, CACHE_WC);
	if (!fb.base) {
		*why = "cannot map the framebuffer";
		return NULL;
	}
	fb.pa = f->addr;
	fb.pitch = f->pitch;
	fb.width = f->width;
	fb.height = f->height;
	fb.bytespp = f->bpp / 8u;
	/* The smallest scale whose grid fits the cell arrays (4K: 2). */
	for (fb.scale = 1; f->width / (8 * fb.scale) > FB_MAX_COLS ||
			   f->height / (16 * fb.scale) > FB_MAX_ROWS;
	     fb.scale++)
		;
	fb.ops = (struct screen_ops){
		.name = "framebuffer",
		.cols = f->width / (8 * fb.scale),
		.rows = f->height / (16 * fb.scale),
		.putc = fb_putc,
		.cell = fb_cell,
		.big = fb_big,
		.clear = fb_clear,
		.big_size = fb_big_size,
		.describe = fb_describe,
	};
	blank();
	return &fb.ops;
}

static void fb_describe(char *buf, size_t cap)
{
	ksnprintf(buf, cap,
		  "framebuffer %ux%u, %u bpp, pitch %u at 0x%lx (%s), "
		  "%ux%u cells of 8x16 at scale %u",
		  fb.width, fb.height, fb.bytespp * 8, fb.pitch, fb.pa,
		  mm_cache_type(fb.pa) == CACHE_WC ? "write-combining"
						   : "uncached",
		  fb.ops.cols, fb.ops.rows, fb.scale);
}
