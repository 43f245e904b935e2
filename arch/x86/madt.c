/* MADT structures: processors, I/O APICs, interrupt source overrides. */
#include "arch/x86/madt.h"
#include "lib/errno.h"
#include "lib/string.h"

/* Decode the structure at @s of @len bytes into @c: 1 for a processor,
 * 0 for another type, -EBADMSG when too short for its type. */
static int decode(const u8 *s, u8 len, struct madt_cpu *c)
{
	switch (s[0]) {
	case MADT_LAPIC:
		if (len < MADT_LAPIC_LEN)
			return -EBADMSG;
		*c = (struct madt_cpu){ s[MADT_LAPIC_ID],
					load32(s + MADT_LAPIC_FLAGS), false };
		return 1;
	case MADT_X2APIC:
		if (len < MADT_X2APIC_LEN)
			return -EBADMSG;
		*c = (struct madt_cpu){ load32(s + MADT_X2APIC_ID),
					load32(s + MADT_X2APIC_FLAGS), true };
		return 1;
	default:
		return 0;
	}
}

/* Each structure of the table in turn to @each(s, len, ctx), which
 * returns 1 to count it, 0 to pass, or -EBADMSG (too short for its type).
 * The count, or -EBADMSG with *@bad_off at the malformed structure (0:
 * the table itself). */
static int walk(const u8 *t, size_t len,
		int (*each)(const u8 *s, u8 len, void *ctx), void *ctx,
		u32 *bad_off)
{
	unsigned n = 0;

	*bad_off = 0;
	if (len < MADT_STRUCTS || len > 0xffffffffu)
		return -EBADMSG;
	for (u32 off = MADT_STRUCTS; off < len; off += t[off + 1]) {
		int r = off + 2 <= len ? 0 : -EBADMSG;
		if (!r && (t[off + 1] < 2 || off + t[off + 1] > len))
			r = -EBADMSG;
		if (!r)
			r = each(t + off, t[off + 1], ctx);
		if (r < 0) {
			*bad_off = off;
			return r;
		}
		n += (unsigned)r;
	}
	return (int)n;
}

struct cpu_walk {
	madt_cpu_fn *fn;
	void *ctx;
};

static int each_cpu(const u8 *s, u8 len, void *ctx)
{
	struct cpu_walk *w = ctx;
	struct madt_cpu c;
	int r = decode(s, len, &c);

	if (r > 0 && w->fn)
		w->fn(&c, w->ctx);
	return r;
}

int madt_walk(const void *buf, size_t len, madt_cpu_fn *fn, void *ctx,
	      u32 *bad_off)
{
	struct cpu_walk w = { fn, ctx };

	return walk(buf, len, each_cpu, &w, bad_off);
}

/* @s is of @type and long enough for it: 1; another type: 0; too short:
 * -EBADMSG. */
static int typed(const u8 *s, u8 len, u8 type, u8 min_len)
{
	if (s[0] != type)
		return 0;
	return len < min_len ? -EBADMSG : 1;
}

struct ioapic_walk {
	struct madt_ioapic *out;
	unsigned cap, n;
};

static int each_ioapic(const u8 *s, u8 len, void *ctx)
{
	struct ioapic_walk *w = ctx;
	int r = typed(s, len, MADT_IOAPIC, MADT_IOAPIC_LEN);

	if (r <= 0)
		return r;
	if (w->n < w->cap)
		w->out[w->n] = (struct madt_ioapic){
			s[MADT_IOAPIC_ID], load32(s + MADT_IOAPIC_ADDR),
			load32(s + MADT_IOAPIC_GSI_BASE)
		};
	w->n++;
	return 1;
}

int madt_ioapics(const void *buf, size_t len, struct madt_ioapic *out,
		 unsigned cap, u32 *bad_off)
{
	struct ioapic_walk w = { out, cap, 0 };

	return walk(buf, len, each_ioapic, &w, bad_off);
}

struct iso_walk {
	u8 irq;
	u32 gsi;
	u16 flags;
};

static int each_iso(const u8 *s, u8 len, void *ctx)
{
	struct iso_walk *w = ctx;
	int r = typed(s, len, MADT_ISO, MADT_ISO_LEN);

	if (r <= 0)
		return r;
	if (s[MADT_ISO_BUS] != MADT_ISO_BUS_ISA || s[MADT_ISO_SOURCE] != w->irq)
		return 0;
	w->gsi = load32(s + MADT_ISO_GSI);
	w->flags = load16(s + MADT_ISO_FLAGS);
	return 1;
}

int madt_isa_irq(const void *buf, size_t len, u8 irq, u32 *gsi, u16 *flags,
		 u32 *bad_off)
{
	struct iso_walk w = { irq, irq, 0 };
	int n = walk(buf, len, each_iso, &w, bad_off);

	if (n < 0)
		return n;
	*gsi = w.gsi;
	*flags = w.flags;
	return n ? 1 : 0;
}

enum madt_use madt_cpu_use(u32 flags, u8 revision)
{
	if (flags & MADT_ENABLED)
		return MADT_START;
	if (revision < MADT_REV_ONLINE_CAP || (flags & MADT_ONLINE_CAP))
		return MADT_HOTPLUG;
	return MADT_UNUSABLE;
}
