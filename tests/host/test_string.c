/* Host tests of memcpy_changed/memset_changed: the result is the one
 * memcpy/memset would give, at any alignment and length, and a word that
 * already holds its value is never stored to (checked on a read-only page:
 * a store would fault). mem_run finds the first byte that differs
 * wherever it lies: before, in or after a 64-byte block. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <cmocka.h>

#include "lib/string.h"

#define LEN 300

static void pattern(unsigned char *p, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (unsigned char)(i * 7 + seed);
}

static void copy_matches_memcpy_at_every_alignment(void **state)
{
	unsigned char src[LEN + 16], dst[LEN + 16], want[LEN + 16];

	(void)state;
	for (size_t doff = 0; doff < 8; doff++)
		for (size_t soff = 0; soff < 8; soff++)
			for (size_t n = 0; n < LEN; n++) {
				pattern(src, sizeof(src), 3);
				pattern(dst, sizeof(dst), 100);
				/* Some words already equal, some not. */
				memcpy(dst + doff, src + soff, n / 2);
				memcpy(want, dst, sizeof(dst));
				memcpy(want + doff, src + soff, n);
				memcpy_changed(dst + doff, src + soff, n);
				assert_memory_equal(dst, want, sizeof(dst));
			}
}

static void set_matches_memset_at_every_alignment(void **state)
{
	unsigned char dst[LEN + 16], want[LEN + 16];

	(void)state;
	for (size_t off = 0; off < 8; off++)
		for (size_t n = 0; n < LEN; n++)
			for (int c = 0; c < 256; c += 85) {
				pattern(dst, sizeof(dst), (unsigned)n);
				memset(dst + off, c, n / 3);
				memcpy(want, dst, sizeof(dst));
				memset(want + off, c, n);
				memset_changed(dst + off, c, n);
				assert_memory_equal(dst, want, sizeof(dst));
			}
}

static unsigned char *read_only_page(const unsigned char *fill)
{
	long size = sysconf(_SC_PAGESIZE);
	unsigned char *p = mmap(NULL, (size_t)size, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	assert_true(p != MAP_FAILED);
	memcpy(p, fill, LEN);
	assert_int_equal(mprotect(p, (size_t)size, PROT_READ), 0);
	return p;
}

static void unchanged_bytes_are_never_stored(void **state)
{
	unsigned char src[LEN], zero[LEN] = { 0 };
	unsigned char *p;

	(void)state;
	pattern(src, LEN, 5);
	p = read_only_page(src);
	memcpy_changed(p, src, LEN);
	memcpy_changed(p + 3, src + 3, LEN - 5);
	assert_memory_equal(p, src, LEN);
	munmap(p, (size_t)sysconf(_SC_PAGESIZE));

	p = read_only_page(zero);
	memset_changed(p, 0, LEN);
	memset_changed(p + 1, 0, LEN - 2);
	assert_memory_equal(p, zero, LEN);
	munmap(p, (size_t)sysconf(_SC_PAGESIZE));
}

static void run_ends_at_the_first_other_byte(void **state)
{
	unsigned char buf[LEN + 8];

	(void)state;
	for (size_t off = 0; off < 8; off++)
		for (size_t n = 0; n <= LEN; n += (n < 140 ? 1 : 37)) {
			memset(buf, 0xa5, sizeof(buf));
			assert_int_equal(mem_run(buf + off, 0xa5, n), n);
			assert_int_equal(mem_run(buf + off, 0x5a, n), 0);
			for (size_t at = 0; at < n; at += (at < 80 ? 1 : 13)) {
				buf[off + at] = 0xa4;
				assert_int_equal(mem_run(buf + off, 0xa5, n),
						 at);
				buf[off + at] = 0xa5;
			}
		}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(copy_matches_memcpy_at_every_alignment),
		cmocka_unit_test(set_matches_memset_at_every_alignment),
		cmocka_unit_test(unchanged_bytes_are_never_stored),
		cmocka_unit_test(run_ends_at_the_first_other_byte),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
