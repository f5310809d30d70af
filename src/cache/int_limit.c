/*
 * int_limit.c - a chunk's integer claim: the writer's scan that makes it and the
 * check that a verifying reader makes of it.
 *
 * Camera and video data are integers, and float32 sums of integers are exact while
 * they stay within 2^24: a reader that trusts the claim sums such a chunk's frames in
 * float32 (query/accumulate.c), a fraction of the work of converting every value to
 * double. The scan is one pass over the chunk in the writer's threads, in the same
 * cache as its tiling; an integer test needs no conversion: a magnitude below 2^23
 * plus 2^23 rounds to an integer, and takes it back exactly only when it was one.
 */
#include "cache/int_limit.h"

#include <math.h>

#include "core/hot_kernel.h"

/* 2^23: every float32 of at least this magnitude is an integer. */
static const float ALL_INTEGERS = 8388608.0f;

/* Whether every value is an integer of magnitude at most cap (NaN is not), with the
 * largest magnitude in *largest. */
HOT_KERNEL static bool scan(const float *values, size_t n, float cap, float *largest)
{
    int ok = 1;
    float most = 0.0f;
#pragma omp simd reduction(&:ok) reduction(max:most)
    for (size_t i = 0; i < n; i++) {
        float a = fabsf(values[i]);
        float rounded = (a + ALL_INTEGERS) - ALL_INTEGERS;
        ok &= (a <= cap) & ((a >= ALL_INTEGERS) | (rounded == a));
        most = a > most ? a : most;
    }
    *largest = most;
    return ok;
}

uint32_t blz_int_limit(const float *values, size_t n)
{
    float largest;
    return scan(values, n, BLZ_INT_CLAIM_MAX, &largest) ? (uint32_t)largest + 1 : 0;
}

bool blz_int_limit_holds(const float *values, size_t n, uint32_t limit)
{
    if (limit == 0)
        return true;
    /* the largest float32 at most limit - 1 (limit - 1 itself may not be one) */
    float cap = (float)(limit - 1);
    if ((double)cap > (double)(limit - 1))
        cap = nextafterf(cap, 0.0f);
    float largest;
    return scan(values, n, cap, &largest);
}
