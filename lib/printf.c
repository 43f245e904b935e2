/* A small vsnprintf: enough for reports, pure, host-testable. */
#include "lib/printf.h"

struct out {
	char *buf;
	size_t size, len;
};

static void put(struct out *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

static void put_num(struct out *o, u64 v, unsigned base, bool upper, bool neg,
		    int width, char pad, bool left)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];
	int n = 0;

	do {
		tmp[n++] = digits[v % base];
		v /= base;
	} while (v);
	if (neg && pad == '0')
		put(o, '-');
	int total = n + (neg ? 1 : 0);
	for (; !left && width > total; width--)
		put(o, pad);
	if (neg && pad != '0')
		put(o, '-');
	while (n)
		put(o, tmp[--n]);
	for (; left && width > total; width--)
		put(o, ' ');
}

static void put_str(struct out *o, const char *s, int width, bool left)
{
	int n = 0;

	if (!s)
		s = "(null)";
	while (s[n])
		n++;
	for (; !left && width > n; width--)
		put(o, ' ');
	while (*s)
		put(o, *s++);
	for (; left && width > n; width--)
		put(o, ' ');
}

static u64 get_arg(va_list *ap, int lng, bool sgn, bool *neg)
{
	s64 sv;

	if (!sgn)
		return lng ? va_arg(*ap, u64) : va_arg(*ap, unsigned int);
	sv = lng ? va_arg(*ap, s64) : va_arg(*ap, int);
	*neg = sv < 0;
	return *neg ? (u64)0 - (u64)sv : (u64)sv;
}

int kvsnprintf(char *buf, size_t size, const char *fmt, va_list ap0)
{
	struct out o = { buf, size, 0 };
	va_list ap;

	va_copy(ap, ap0);
	for (; *fmt; fmt++) {
		if (*fmt != '%') {
			put(&o, *fmt);
			continue;
		}
		bool left = false, neg = false;
		char pad = ' ';
		int width = 0, lng = 0;
		for (fmt++; *fmt == '-' || *fmt == '0'; fmt++) {
			if (*fmt == '-')
				left = true;
			else
				pad = '0';
		}
		if (*fmt == '*') {
			width = va_arg(ap, int);
			if (width < 0) { /* C11 7.21.6.1: a '-' flag */
				left = true;
				width = -width;
			}
			fmt++;
		}
		for (; *fmt >= '0' && *fmt <= '9'; fmt++)
			width = width * 10 + (*fmt - '0');
		for (; *fmt == 'l' || *fmt == 'z'; fmt++)
			lng++;
		switch (*fmt) {
		case 'd':
		case 'i': {
			u64 v = get_arg(&ap, lng, true, &neg);
			put_num(&o, v, 10, false, neg, width, pad, left);
			break;
		}
		case 'u':
			put_num(&o, get_arg(&ap, lng, false, &neg), 10, false,
				false, width, pad, left);
			break;
		case 'x':
		case 'X':
			put_num(&o, get_arg(&ap, lng, false, &neg), 16,
				*fmt == 'X', false, width, pad, left);
			break;
		case 'p': { /* "0x" and the digits are padded as one field */
			char hex[24];
			ksnprintf(hex, sizeof(hex), "0x%lx",
				  (u64)(uintptr_t)va_arg(ap, void *));
			put_str(&o, hex, width, left);
			break;
		}
		case 's':
			put_str(&o, va_arg(ap, const char *), width, left);
			break;
		case 'c':
			put(&o, (char)va_arg(ap, int));
			break;
		case '%':
			put(&o, '%');
			break;
		default: /* unknown conversion: print it verbatim */
			put(&o, '%');
			if (!*fmt)
				goto done;
			put(&o, *fmt);
		}
	}
done:
	va_end(ap);
	if (size)
		buf[o.len < size ? o.len : size - 1] = 0;
	return (int)o.len;
}

int ksnprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = kvsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}
