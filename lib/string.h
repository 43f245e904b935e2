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

/* Shell-style glob: '*' any run, '?' any one character. */
bool glob_match(const char *pat, const char *s);

#endif
