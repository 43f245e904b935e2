/* Freestanding string helpers. The host build uses the C library's. */
#ifndef LIB_STRING_H
#define LIB_STRING_H

#include "lib/types.h"

#ifdef HOST_TEST
#include <string.h>
#else
void *memset(void *s, int c, size_t n);
void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memchr(const void *s, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strchr(const char *s, int c);
#endif

/* Make @n bytes at @dst equal to @src (memcpy_changed) or to @c
 * (memset_changed), storing only the 8-byte words (then bytes) that
 * differ. For memory that may hold code something executed: QEMU's TCG
 * drops its translations of a page on every store into it, equal bytes or
 * not (accel/tcg/translate-all.c, tb_invalidate_phys_page_fast), and
 * translates again on the next run; a store that changes nothing is never
 * made. On hardware it leaves unchanged cache lines clean. */
void memcpy_changed(void *dst, const void *src, size_t n);
void memset_changed(void *dst, int c, size_t n);

/* How many of the @n bytes at @p, from the first, equal @c: @n when all
 * do, else the offset of the first that does not (canary and guard
 * checks over pages of memory). */
size_t mem_run(const void *p, int c, size_t n);

/* A little-endian field of a firmware table, wherever it is aligned. */
static inline u16 load16(const void *p)
{
	u16 v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static inline u32 load32(const void *p)
{
	u32 v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static inline u64 load64(const void *p)
{
	u64 v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/* Shell-style glob: '*' any run, '?' any one character. */
bool glob_match(const char *pat, const char *s);

#endif
