/* Fixed-width types and small helpers shared by the kernel and host builds.
 * Only freestanding headers are used, so this compiles both ways. */
#ifndef LIB_TYPES_H
#define LIB_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int8_t s8;
typedef int16_t s16;
typedef int32_t s32;
typedef int64_t s64;

/* Distinct address spaces (STYLE.md habit 6): host physical, guest
 * physical, I/O virtual. Plain integers, distinct names for the reader. */
typedef u64 hpa_t;
typedef u64 gpa_t;
typedef u64 iova_t;

#define BIT(n)		  (1U << (n))
#define BIT_ULL(n)	  (1ULL << (n))
#define GENMASK(h, l)	  (((~0U) << (l)) & (~0U >> (31 - (h))))
#define GENMASK_ULL(h, l) (((~0ULL) << (l)) & (~0ULL >> (63 - (h))))
/* Extract or insert a field described by a contiguous mask. */
#define FIELD_GET(mask, v)  (((v) & (mask)) / ((mask) & ~((mask) << 1)))
#define FIELD_PREP(mask, v) (((u64)(v) * ((mask) & ~((mask) << 1))) & (mask))

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
/* A macro's value as a string literal: STRINGIFY(32) is "32". */
#define STRINGIFY_(x)	 #x
#define STRINGIFY(x)	 STRINGIFY_(x)
#define ALIGN_UP(x, a)	 (((x) + ((a)-1)) & ~((u64)(a)-1))
#define ALIGN_DOWN(x, a) ((x) & ~((u64)(a)-1))
#define IS_ALIGNED(x, a) (((x) & ((u64)(a)-1)) == 0)
/* One store the compiler neither drops, splits, merges nor moves past
 * another WRITE_ONCE: for an entry hardware may fetch at any moment (its
 * present bit cleared first and set last, the rest in between). */
#define WRITE_ONCE(x, v) (*(volatile typeof(x) *)&(x) = (v))
#define MIN(a, b)	 ((a) < (b) ? (a) : (b))
#define MAX(a, b)	 ((a) > (b) ? (a) : (b))

#define PAGE_SHIFT 12
#define PAGE_SIZE  4096UL
#define SZ_1M	   0x100000ULL
#define SZ_2M	   0x200000ULL
#define SZ_1G	   0x40000000ULL

#endif
