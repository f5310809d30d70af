/*
 * select_vector.h - two neighbouring ranks of a buffer of floats by vector
 * partitioning (AVX-512), for select.c.
 */
#ifndef BLITZ_QUERY_SELECT_VECTOR_H
#define BLITZ_QUERY_SELECT_VECTOR_H

#include <stdbool.h>
#include <stddef.h>

/* Floats of scratch blz_vector_ranks needs for n values. */
#define BLZ_VECTOR_RANKS_SCRATCH(n) (3 * ((n) + 16))

/* Whether the processor has AVX-512, which blz_vector_ranks needs. */
bool blz_vector_ranks_available(void);

/* Values of rank k and k + 1 (rank k again when it is the last) of v[0..n), which hold
 * no NaN and are left as they are. Only where blz_vector_ranks_available(). */
void blz_vector_ranks(const float *v, size_t n, size_t k, float *scratch, double *at_lo,
                      double *at_hi);

#endif
