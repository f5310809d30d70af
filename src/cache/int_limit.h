/*
 * int_limit.h - a chunk's integer claim (FORMAT.md section 6, int_limit): whether every
 * value is an integer, and a bound on its magnitude.
 */
#ifndef BLITZ_CACHE_INT_LIMIT_H
#define BLITZ_CACHE_INT_LIMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The largest magnitude the reference writer claims: float32 holds every integer up to
 * 2^24, so a claim above it could never let a reader sum in float32. */
#define BLZ_INT_CLAIM_MAX 16777216.0f

/* The claim a writer stores for these n values: their largest magnitude plus 1 when
 * every one is an integer (-0 included) of magnitude at most BLZ_INT_CLAIM_MAX, else 0
 * (no claim). */
uint32_t blz_int_limit(const float *values, size_t n);

/* Whether the claim limit holds for these n values: limit is 0 (no claim), or every
 * value is an integer of magnitude below limit. */
bool blz_int_limit_holds(const float *values, size_t n, uint32_t limit);

#endif
