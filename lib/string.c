/* Freestanding string helpers; glob_match is shared with the host build. */
#include "lib/string.h"

#ifndef HOST_TEST
/* REP STOSQ/MOVSQ for the 8-byte-aligned bulk, STOSB/MOVSB for the rest:
 * fast on every CPU, and under QEMU's -icount one instruction per word
 * rather than per byte (zeroing page tables is most of what the kernel
 * copies). */
void *memset(void *s, int c, size_t n)
{
	void *d = s;
	size_t words = ((uintptr_t)s & 7) ? 0 : n / 8;
	u64 pat = 0x0101010101010101ULL * (u8)c;

	asm volatile("rep stosq" : "+D"(d), "+c"(words) : "a"(pat) : "memory");
	n = ((uintptr_t)s & 7) ? n : n % 8;
	asm volatile("rep stosb" : "+D"(d), "+c"(n) : "a"(c) : "memory");
	return s;
}

void *memcpy(void *dst, const void *src, size_t n)
{
	void *d = dst;
	bool aligned = !(((uintptr_t)dst | (uintptr_t)src) & 7);
	size_t words = aligned ? n / 8 : 0;

	asm volatile("rep movsq" : "+D"(d), "+S"(src), "+c"(words)::"memory");
	n = aligned ? n % 8 : n;
	asm volatile("rep movsb" : "+D"(d), "+S"(src), "+c"(n)::"memory");
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
