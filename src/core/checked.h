/*
 * checked.h - size arithmetic that cannot overflow silently.
 *
 * Every product of dimensions that sizes an allocation, an offset or a loop bound goes
 * through these helpers; they return false instead of wrapping, so a hostile header
 * with absurd dimensions becomes BLZ_ERR_RANGE rather than a small allocation followed
 * by a large write.
 */
#ifndef BLITZ_CORE_CHECKED_H
#define BLITZ_CORE_CHECKED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

static inline bool blz_mul_size(size_t a, size_t b, size_t *out)
{
    return !__builtin_mul_overflow(a, b, out);
}

static inline bool blz_add_size(size_t a, size_t b, size_t *out)
{
    return !__builtin_add_overflow(a, b, out);
}

static inline bool blz_mul_u64(uint64_t a, uint64_t b, uint64_t *out)
{
    return !__builtin_mul_overflow(a, b, out);
}

static inline bool blz_add_u64(uint64_t a, uint64_t b, uint64_t *out)
{
    return !__builtin_add_overflow(a, b, out);
}

/* a * b * c with overflow check. */
static inline bool blz_mul3_size(size_t a, size_t b, size_t c, size_t *out)
{
    size_t ab;
    return blz_mul_size(a, b, &ab) && blz_mul_size(ab, c, out);
}

/* Ceiling division for positive operands. */
static inline int64_t blz_div_ceil(int64_t a, int64_t b)
{
    return (a + b - 1) / b;
}

/* Round x up to a multiple of the power of two a; false on overflow. */
static inline bool blz_align_u64(uint64_t x, uint64_t a, uint64_t *out)
{
    uint64_t y;
    if (__builtin_add_overflow(x, a - 1, &y))
        return false;
    *out = y & ~(a - 1);
    return true;
}

#endif
