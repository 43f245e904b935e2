/* MADT processor structures. */
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

int madt_walk(const void *buf, size_t len, madt_cpu_fn *fn, void *ctx,
	      u32 *bad_off)
{
	const u8 *t = buf;
	unsigned n = 0;

	*bad_off = 0;
	if (len < MADT_STRUCTS || len > 0xffffffffu)
		return -EBADMSG;
	for (u32 off = MADT_STRUCTS; off < len; off += t[off + 1]) {
		struct madt_cpu c;
		int r = off + 2 <= len ? 0 : -EBADMSG;
		if (!r && (t[off + 1] < 2 || off + t[off + 1] > len))
			r = -EBADMSG;
		if (!r)
			r = decode(t + off, t[off + 1], &c);
		if (r < 0) {
			*bad_off = off;
			return r;
		}
		if (r && fn)
			fn(&c, ctx);
		n += r;
	}
	return (int)n;
}

enum madt_use madt_cpu_use(u32 flags, u8 revision)
{
	if (flags & MADT_ENABLED)
		return MADT_START;
	if (revision < MADT_REV_ONLINE_CAP || (flags & MADT_ONLINE_CAP))
		return MADT_HOTPLUG;
	return MADT_UNUSABLE;
}
