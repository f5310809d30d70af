/*
 * select.c - exact percentiles of a buffer of floats.
 *
 * A first vectorisable pass finds the NaN count, the range and whether every value
 * is an integer. Integer data spanning a small range (8- and 16-bit sources) are
 * counted into a histogram and the ranks read off it, in O(n). Other data go through
 * introselect: quickselect with median-of-three pivots, falling back to heapsort of
 * the remaining range when partitions keep coming out lopsided, so the worst case
 * stays O(n log n). The neighbour rank needed for interpolation is the minimum of
 * the part above the selected element.
 */
#include "query/select.h"

#include <math.h>

typedef struct value_scan {
    size_t nans;
    float min, max;
    bool integers;
} value_scan;

static value_scan scan_values(const float *v, size_t n)
{
    const float limit = 16777216.0f; /* 2^24: beyond it every float is an integer */
    int32_t nans = 0;
    float lo = INFINITY, hi = -INFINITY;
#pragma omp simd reduction(+ : nans) reduction(min : lo) reduction(max : hi)
    for (size_t i = 0; i < n; i++) {
        float x = v[i];
        nans += x != x;
        lo = x < lo ? x : lo; /* comparisons, not fminf: they vectorise, NaN never wins */
        hi = x > hi ? x : hi;
    }
    int32_t integers = nans == 0 && lo >= -limit && hi <= limit;
    if (integers) {
#pragma omp simd reduction(& : integers)
        for (size_t i = 0; i < n; i++)
            integers &= (float)(int32_t)v[i] == v[i];
    }
    return (value_scan){ (size_t)nans, lo, hi, integers != 0 };
}

/* Move the non-NaN values to the front; returns how many there are. */
static size_t drop_nans(float *v, size_t n)
{
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (v[i] == v[i])
            v[m++] = v[i];
    return m;
}

/* Values of rank lo and hi (lo <= hi) of integer data min..min+span-1, by counting. */
static void ranks_by_counting(const float *v, size_t n, float min, size_t span, size_t lo,
                              size_t hi, uint32_t *counts, double *at_lo, double *at_hi)
{
    for (size_t i = 0; i < span; i++)
        counts[i] = 0;
    for (size_t i = 0; i < n; i++)
        counts[(size_t)(v[i] - min)]++;
    size_t seen = 0, bin = 0;
    while (seen + counts[bin] <= lo)
        seen += counts[bin++];
    *at_lo = (double)min + (double)bin;
    while (seen + counts[bin] <= hi)
        seen += counts[bin++];
    *at_hi = (double)min + (double)bin;
}

static void swap_values(float *a, float *b)
{
    float t = *a;
    *a = *b;
    *b = t;
}

static void sift_down(float *v, size_t root, size_t n)
{
    for (;;) {
        size_t child = 2 * root + 1;
        if (child >= n)
            return;
        if (child + 1 < n && v[child + 1] > v[child])
            child++;
        if (!(v[child] > v[root]))
            return;
        swap_values(&v[root], &v[child]);
        root = child;
    }
}

static void heap_sort(float *v, size_t n)
{
    for (size_t i = n / 2; i-- > 0;)
        sift_down(v, i, n);
    for (size_t end = n; end-- > 1;) {
        swap_values(&v[0], &v[end]);
        sift_down(v, 0, end);
    }
}

/* Median of v[a], v[b], v[c] moved to v[a]. */
static void median_to_front(float *v, size_t a, size_t b, size_t c)
{
    if (v[b] < v[a])
        swap_values(&v[a], &v[b]);
    if (v[c] < v[b])
        swap_values(&v[b], &v[c]);
    if (v[b] < v[a])
        swap_values(&v[a], &v[b]);
    swap_values(&v[a], &v[b]);
}

/* Hoare partition of v[0..n) around the pivot v[0]; returns the split j: v[0..j] <=
 * pivot <= v[j+1..n). */
static size_t partition(float *v, size_t n)
{
    float pivot = v[0];
    size_t i = 0, j = n;
    for (;;) {
        do
            i++;
        while (i < n && v[i] < pivot);
        do
            j--;
        while (v[j] > pivot);
        if (i >= j)
            break;
        swap_values(&v[i], &v[j]);
    }
    swap_values(&v[0], &v[j]);
    return j;
}

void blz_nth_element(float *v, size_t n, size_t k)
{
    int depth = 2;
    for (size_t m = n; m > 1; m >>= 1)
        depth += 2;
    while (n > 16) {
        if (depth-- == 0) {
            heap_sort(v, n);
            return;
        }
        median_to_front(v, 0, n / 2, n - 1);
        size_t j = partition(v, n);
        if (j == k)
            return;
        if (k < j) {
            n = j;
        } else {
            v += j + 1;
            n -= j + 1;
            k -= j + 1;
        }
    }
    for (size_t i = 1; i < n; i++) /* insertion sort of the small rest */
        for (size_t j = i; j > 0 && v[j] < v[j - 1]; j--)
            swap_values(&v[j], &v[j - 1]);
}

static float min_of(const float *v, size_t n)
{
    float m = v[0];
#pragma omp simd reduction(min : m)
    for (size_t i = 1; i < n; i++)
        m = v[i] < m ? v[i] : m;
    return m;
}

double blz_select_percentile(float *v, size_t n, double q, bool ignore_nan, uint32_t *counts)
{
    value_scan scan = scan_values(v, n);
    if (scan.nans > 0) {
        if (!ignore_nan)
            return NAN;
        n = drop_nans(v, n);
    }
    if (n == 0)
        return NAN;
    double h = (double)(n - 1) * (q / 100.0);
    size_t lo = (size_t)floor(h);
    size_t hi = lo + 1 < n ? lo + 1 : lo;
    double t = h - (double)lo, at_lo, at_hi;
    double span = (double)scan.max - (double)scan.min + 1.0;
    if (scan.integers && span <= BLZ_SELECT_COUNTS && span <= 2.0 * (double)n + 64.0
        && n <= UINT32_MAX) {
        ranks_by_counting(v, n, scan.min, (size_t)span, lo, hi, counts, &at_lo, &at_hi);
    } else {
        blz_nth_element(v, n, lo);
        at_lo = v[lo];
        at_hi = hi > lo ? min_of(v + lo + 1, n - lo - 1) : at_lo;
    }
    return blz_lerp(at_lo, at_hi, t);
}
