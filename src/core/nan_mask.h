/*
 * nan_mask.h - NaN told apart by the bits of a float, for loops that must vectorise.
 *
 * Selecting a value by a comparison of floats (x == x ? x : 0) is control flow to GCC
 * under the default trapping-math rules, and keeps the loop around it scalar; the same
 * choice made with integer operations on the bits vectorises.
 */
#ifndef BLITZ_CORE_NAN_MASK_H
#define BLITZ_CORE_NAN_MASK_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

/* Whether x is a number (not NaN). */
static inline bool blz_is_number(float x)
{
    uint32_t bits;
    memcpy(&bits, &x, sizeof bits);
    return (bits & 0x7fffffffu) <= 0x7f800000u;
}

/* x, or +0 when x is NaN. */
static inline float blz_nan_to_zero(float x)
{
    uint32_t bits;
    memcpy(&bits, &x, sizeof bits);
    bits &= blz_is_number(x) ? ~0u : 0u;
    float y;
    memcpy(&y, &bits, sizeof y);
    return y;
}

/* d where keep, else +0: a select made on the bits, which vectorises. */
static inline double blz_keep_or_zero(double d, bool keep)
{
    uint64_t bits;
    memcpy(&bits, &d, sizeof bits);
    bits &= -(uint64_t)keep;
    memcpy(&d, &bits, sizeof d);
    return d;
}

#endif
