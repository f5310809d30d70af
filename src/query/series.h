/*
 * series.h - any temporal reduction of one value's processed time series held in
 * memory (the gathered path of pipelines whose references slide): the streaming ops
 * computed directly in double (std/var in two passes), median and percentiles by
 * exact selection. NaN rules are those of blz_reduce().
 */
#ifndef BLITZ_QUERY_SERIES_H
#define BLITZ_QUERY_SERIES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Reduce v[0..n) (reordered by median/percentile) with op; argmin/argmax give the
 * position in v. counts is selection scratch (BLZ_SELECT_COUNTS entries). */
double blz_series_reduce(float *v, size_t n, int op, bool ignore_nan, int ddof,
                         double percentile, uint32_t *counts);

#endif
