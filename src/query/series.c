/*
 * series.c - reducing one in-memory time series with any reduction op.
 */
#include "query/series.h"

#include <math.h>

#include "blitz/query.h"
#include "query/select.h"

/* Sum and count of the values (NaN left out when ignore_nan, else NaN on the first). */
static double series_sum(const float *v, size_t n, bool ignore_nan, size_t *count)
{
    double sum = 0.0;
    *count = 0;
    for (size_t i = 0; i < n; i++) {
        if (isnan(v[i])) {
            if (!ignore_nan)
                return NAN;
            continue;
        }
        sum += v[i];
        (*count)++;
    }
    return sum;
}

static double series_var(const float *v, size_t n, bool ignore_nan, int ddof)
{
    size_t count;
    double sum = series_sum(v, n, ignore_nan, &count);
    if (isnan(sum) || count <= (size_t)ddof)
        return NAN;
    double mean = sum / (double)count, squares = 0.0;
    for (size_t i = 0; i < n; i++)
        if (!isnan(v[i]))
            squares += ((double)v[i] - mean) * ((double)v[i] - mean);
    return squares / (double)(count - (size_t)ddof);
}

/* Position of the extreme value (the first NaN when propagating); -1 when none. */
static int64_t series_arg(const float *v, size_t n, bool want_max, bool ignore_nan)
{
    int64_t best = -1;
    for (size_t i = 0; i < n; i++) {
        if (isnan(v[i])) {
            if (!ignore_nan)
                return (int64_t)i;
            continue;
        }
        if (best < 0 || (want_max ? v[i] > v[best] : v[i] < v[best]))
            best = (int64_t)i;
    }
    return best;
}

double blz_series_reduce(float *v, size_t n, int op, bool ignore_nan, int ddof,
                         double percentile, uint32_t *counts)
{
    size_t count;
    switch (op) {
    case BLZ_OP_SUM:
    case BLZ_OP_MEAN: {
        double sum = series_sum(v, n, ignore_nan, &count);
        if (count == 0)
            return NAN;
        return op == BLZ_OP_SUM ? sum : sum / (double)count;
    }
    case BLZ_OP_VAR:
        return series_var(v, n, ignore_nan, ddof);
    case BLZ_OP_STD:
        return sqrt(series_var(v, n, ignore_nan, ddof));
    case BLZ_OP_MEDIAN:
        return blz_select_percentile(v, n, 50.0, ignore_nan, counts);
    case BLZ_OP_PERCENTILE:
        return blz_select_percentile(v, n, percentile, ignore_nan, counts);
    default: {
        bool want_max = op == BLZ_OP_MAX || op == BLZ_OP_ARGMAX;
        int64_t at = series_arg(v, n, want_max, ignore_nan);
        if (at < 0)
            return NAN;
        if (op == BLZ_OP_ARGMIN || op == BLZ_OP_ARGMAX)
            return (double)at;
        return v[at];
    }
    }
}
