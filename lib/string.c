/* Freestanding string helpers; glob_match is shared with the host build. */
#include "lib/string.h"

#ifndef HOST_TEST
/* Aligned 64-byte blocks as eight 8-byte moves, then bytes. Under QEMU's
 * TCG every iteration of a REP STOS or REP MOVS is emulated on its own
 * (REP STOSQ measured 0.85 ms a MiB under -icount shift=10, this loop
 * 0.15 ms); a block is one translated loop body. On hardware either keeps
 * up with the caches for the page-sized fills and copies the kernel does
 * (zeroing page tables and guest RAM is most of it). The attribute keeps
 * the compiler from turning the loops back into calls to themselves. */
#define NO_LIBCALL __attribute__((optimize("no-tree-loop-distribute-patterns")))

NO_LIBCALL void *memset(void *s, int c, size_t n)
{
	u8 *d = s;
	u64 pat = 0x0101010101010101ULL * (u8)c;

	for (; n && ((uintptr_t)d & 7); n--)
		*d++ = (u8)c;
	for (; n >= 64; n -= 64, d += 64) {
		u64 *w = (u64 *)d;

		w[0] = pat, w[1] = pat, w[2] = pat, w[3] = pat;
		w[4] = pat, w[5] = pat, w[6] = pat, w[7] = pat;
	}
	for (; n; n--)
		*d++ = (u8)c;
	return s;
}

NO_LIBCALL void *memcpy(void *dst, const void *src, size_t n)
{
	u8 *d = dst;
	const u8 *s = src;

	if (!(((uintptr_t)d | (uintptr_t)s) & 7)) {
		for (; n >= 64; n -= 64, d += 64, s += 64) {
			u64 *w = (u64 *)d;
			const u64 *r = (const u64 *)s;

			w[0] = r[0], w[1] = r[1], w[2] = r[2], w[3] = r[3];
			w[4] = r[4], w[5] = r[5], w[6] = r[6], w[7] = r[7];
		}
	}
	for (; n; n--)
		*d++ = *s++;
	return dst;
}

void *memmove(void *dst, const void *src, size_t n)
{
	u8 *d = dst;
	const u8 *s = src;

	if (d < s)
		return memcpy(dst, src, n);
	while (n--)
		d[n] = s[n];
	return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const u8 *x = a, *y = b;

	for (; n; n--, x++, y++)
		if (*x != *y)
			return *x - *y;
	return 0;
}

size_t strlen(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

int strncmp(const char *a, const char *b, size_t n)
{
	for (; n; n--, a++, b++) {
		if (*a != *b)
			return (u8)*a - (u8)*b;
		if (!*a)
			break;
	}
	return 0;
}

int strcmp(const char *a, const char *b)
{
	return strncmp(a, b, (size_t)-1);
}

char *strchr(const char *s, int c)
{
	for (; *s; s++)
		if (*s == (char)c)
			return (char *)s;
	return c ? NULL : (char *)s;
}
#endif

static inline u64 ld64(const u8 *p)
{
	u64 v;

	__builtin_memcpy(&v, p, 8);
	return v;
}

/* The @words 8-byte words at @d := those at @s (@s NULL: @want), storing
 * only the ones that differ. */
static void words_each(u8 *d, const u8 *s, u64 want, size_t words)
{
	for (; words; words--, d += 8, s = s ? s + 8 : NULL) {
		u64 v = s ? ld64(s) : want;

		if (ld64(d) != v)
			__builtin_memcpy(d, &v, 8);
	}
}

/* Whether the 64 bytes at @d differ from those at @s, or (@s NULL) from
 * eight @want words; unrolled into straight-line loads and one branch.
 * Over memory that mostly holds the wanted bytes already (a guest's RAM
 * between two VMs) about half the instructions of the word loop, and
 * under TCG, which runs every one, about half the time. */
static inline __attribute__((always_inline)) bool block_differs(const u8 *d,
								const u8 *s,
								u64 want)
{
	u64 diff = 0;

#pragma GCC unroll 8
	for (unsigned i = 0; i < 64; i += 8)
		diff |= ld64(d + i) ^ (s ? ld64(s + i) : want);
	return diff != 0;
}

/* words_each() by blocks of eight words: one that holds them all
 * already costs its loads and a branch. */
static inline __attribute__((always_inline)) void words_changed(u8 *d,
								const u8 *s,
								u64 want,
								size_t words)
{
	for (; words >= 8; words -= 8, d += 64, s = s ? s + 64 : NULL)
		if (block_differs(d, s, want))
			words_each(d, s, want, 8);
	words_each(d, s, want, words);
}

void memcpy_changed(void *dst, const void *src, size_t n)
{
	u8 *d = dst;
	const u8 *s = src;

	words_changed(dst, src, 0, n / 8);
	for (d += n & ~7UL, s += n & ~7UL, n &= 7; n; n--, d++, s++)
		if (*d != *s)
			*d = *s;
}

void memset_changed(void *dst, int c, size_t n)
{
	u8 *d = dst;

	words_changed(dst, NULL, 0x0101010101010101ULL * (u8)c, n / 8);
	for (d += n & ~7UL, n &= 7; n; n--, d++)
		if (*d != (u8)c)
			*d = (u8)c;
}

/* Bytes up to the first 8-byte boundary, then 64-byte blocks each tested
 * with one branch (block_differs), then words and bytes to find where
 * the run ends. A byte loop runs about 3.5 instructions a byte, every one
 * of them emulated under TCG; a block about a third of an instruction a
 * byte. */
size_t mem_run(const void *p, int c, size_t n)
{
	const u8 *b = p;
	u64 want = 0x0101010101010101ULL * (u8)c;
	size_t i = 0;

	for (; i < n && ((uintptr_t)(b + i) & 7); i++)
		if (b[i] != (u8)c)
			return i;
	for (; n - i >= 64 && !block_differs(b + i, NULL, want); i += 64)
		;
	for (; n - i >= 8 && ld64(b + i) == want; i += 8)
		;
	for (; i < n && b[i] == (u8)c; i++)
		;
	return i;
}

bool glob_match(const char *pat, const char *s)
{
	const char *star = NULL, *resume = NULL;

	while (*s) {
		if (*pat == '*') {
			star = pat++;
			resume = s;
		} else if (*pat == '?' || *pat == *s) {
			pat++;
			s++;
		} else if (star) {
			pat = star + 1;
			s = ++resume;
		} else {
			return false;
		}
	}
	while (*pat == '*')
		pat++;
	return !*pat;
}

void *memchr(const void *s, int c, size_t n)
{
	const u8 *p = s;

	for (size_t i = 0; i < n; i++)
		if (p[i] == (u8)c)
			return (void *)(p + i);
	return NULL;
}
