/* Formatted printing into a buffer. Supports %d %i %u %x %X %p %s %c %%,
 * the length modifiers l, ll, z, flags '-' and '0', a width and '*'. */
#ifndef LIB_PRINTF_H
#define LIB_PRINTF_H

#include <stdarg.h>
#include "lib/types.h"

int kvsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
__attribute__((format(printf, 3, 4))) int ksnprintf(char *buf, size_t size,
						    const char *fmt, ...);

/* "yes" or "no", for reports. */
static inline const char *yes_no(u64 v)
{
	return v ? "yes" : "no";
}

#endif
