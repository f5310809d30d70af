/*
 * select.h - exact order statistics of a pixel's values: percentiles with numpy's
 * linear interpolation, by counting for small-range integer data and by bucketing the
 * range then introselect otherwise.
 */
#ifndef BLITZ_QUERY_SELECT_H
#define BLITZ_QUERY_SELECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Size of the counting scratch: integer data spanning at most this many values are
 * selected by counting; other data are spread over at most this many buckets. */
#define BLZ_SELECT_COUNTS 65536

/* numpy's _lerp: a + (b - a) t, evaluated from b's side when t >= 0.5. Halfway it is
 * the mean of the two, as numpy's median computes it, so that a median with an
 * infinite middle value is that infinity (numpy's percentile would give NaN there). */
static inline double blz_lerp(double a, double b, double t)
{
    if (t == 0.5)
        return (a + b) / 2;
    double diff = b - a;
    return t >= 0.5 ? b - diff * (1.0 - t) : a + diff * t;
}

/* The q-th percentile (0..100) of the n values in v, which it reorders. NaN values
 * are left out when ignore_nan (no value left gives NaN), else any NaN gives NaN.
 * counts is per-thread scratch of BLZ_SELECT_COUNTS entries. */
double blz_select_percentile(float *v, size_t n, double q, bool ignore_nan, uint32_t *counts);

/* Which way blz_select_percentile_by ranks: the best the processor offers (vector
 * partitioning with AVX-512), or the portable way every processor runs (so that tests
 * check both). */
typedef enum blz_select_path { BLZ_SELECT_BEST, BLZ_SELECT_PORTABLE } blz_select_path;

double blz_select_percentile_by(float *v, size_t n, double q, bool ignore_nan,
                                uint32_t *counts, blz_select_path path);

/* Reorder v[0..n) so that v[k] is the value of rank k, smaller-or-equal values before
 * it and greater-or-equal after (like std::nth_element). No NaN allowed. */
void blz_nth_element(float *v, size_t n, size_t k);

#endif
