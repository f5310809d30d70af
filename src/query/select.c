/*
 * select.c - exact percentiles of a buffer of floats.
 *
 * On processors with AVX-512 the ranks are found by vector partitioning
 * (select_vector.c), for as many values as a third of the counting scratch holds,
 * after a first pass that counts the NaN values. What follows is the portable way,
 * taken everywhere else, whose first pass also finds the range. Integer data spanning
 * at most four values per value (8- to 12-bit sources over a few hundred frames and
 * more, typically) are counted value by value and the ranks read off the counts, a
 * block of counts summed at a time. Other values are spread over up to
 * BLZ_SELECT_COUNTS buckets by a linear map of the range; the map is monotone
 * (rounding never reorders), so counting the buckets names the bucket(s) holding the
 * two ranks the interpolation needs, and only the values in those buckets are kept.
 * Where the kept part is still large (skewed data), its own range is bucketed once
 * more (a range too wide or too narrow for a float scale is not). What is left goes
 * through introselect: quickselect with median-of-three pivots, falling back to
 * heapsort of the remaining range when partitions keep coming out lopsided, so the
 * worst case stays O(n log n). The neighbour rank needed for interpolation is the
 * minimum of the part above the selected element.
 */
#include "query/select.h"

#include <math.h>

#include "core/hot_kernel.h"
#include "query/select_vector.h"

typedef struct value_scan {
    size_t nans;
    float min, max;
} value_scan;

HOT_KERNEL static value_scan scan_values(const float *v, size_t n)
{
    int32_t nans = 0;
    float lo = INFINITY, hi = -INFINITY;
#pragma omp simd reduction(+ : nans) reduction(min : lo) reduction(max : hi)
    for (size_t i = 0; i < n; i++) {
        float x = v[i];
        nans += x != x;
        lo = x < lo ? x : lo; /* comparisons, not fminf: they vectorise, NaN never wins */
        hi = x > hi ? x : hi;
    }
    return (value_scan){ (size_t)nans, lo, hi };
}

HOT_KERNEL static size_t count_nans(const float *v, size_t n)
{
    int32_t nans = 0;
#pragma omp simd reduction(+ : nans)
    for (size_t i = 0; i < n; i++)
        nans += v[i] != v[i];
    return (size_t)nans;
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

/* Whether every value is an integer (such a range is then at most 2^16 wide). */
HOT_KERNEL static bool all_integers(const float *v, size_t n)
{
    int32_t integers = 1;
#pragma omp simd reduction(& : integers)
    for (size_t i = 0; i < n; i++)
        integers &= (float)(int32_t)v[i] == v[i];
    return integers != 0;
}

/* Values whose offsets or buckets are computed at once, in vectors. */
enum { BATCH = 256 };

/* Integer data are counted value by value when they span at most this many values per
 * value counted (clearing the counts then costs less than a fraction of counting), and
 * at most BLZ_SELECT_COUNTS. */
enum { COUNTING_SPAN_PER_VALUE = 4 };

/* Counts are scanned for a rank a block at a time (summed in vectors), then one by one
 * inside the block that holds it. */
enum { COUNT_BLOCK = 64 };

static inline __attribute__((always_inline)) uint32_t block_total(const uint32_t *counts)
{
    uint32_t total = 0;
#pragma omp simd reduction(+ : total)
    for (size_t i = 0; i < COUNT_BLOCK; i++)
        total += counts[i];
    return total;
}

/* The offset holding rank r, scanning from offset *at with *seen values below it (both
 * left at the rank's block, for a higher rank to go on from). */
static inline __attribute__((always_inline)) size_t
rank_offset(const uint32_t *counts, size_t r, size_t *at, size_t *seen)
{
    uint32_t total;
    while (*seen + (total = block_total(counts + *at)) <= r) {
        *seen += total;
        *at += COUNT_BLOCK;
    }
    size_t i = *at, below = *seen;
    while (below + counts[i] <= r)
        below += counts[i++];
    return i;
}

/* Offsets from min of integer values, computed together so that they vectorise. */
static inline __attribute__((always_inline)) void offsets_of(const float *v, size_t n, float min,
                                                             int32_t *out)
{
#pragma omp simd
    for (size_t i = 0; i < n; i++)
        out[i] = (int32_t)(v[i] - min);
}

/* Values of rank lo and lo + 1 (the last rank stands in for itself) of integer data
 * min..min+span-1, by counting (the counts cleared to a whole number of blocks). */
HOT_KERNEL static void ranks_by_counting(const float *v, size_t n, float min, size_t span,
                                         size_t lo, uint32_t *counts, double *at_lo,
                                         double *at_hi)
{
    size_t hi = lo + 1 < n ? lo + 1 : lo;
    size_t cleared = (span + COUNT_BLOCK - 1) / COUNT_BLOCK * COUNT_BLOCK;
    for (size_t i = 0; i < cleared; i++)
        counts[i] = 0;
    int32_t at[BATCH];
    for (size_t i0 = 0; i0 < n; i0 += BATCH) {
        size_t count = n - i0 < BATCH ? n - i0 : BATCH;
        offsets_of(v + i0, count, min, at);
        for (size_t i = 0; i < count; i++)
            counts[at[i]]++;
    }
    size_t block = 0, seen = 0;
    *at_lo = (double)min + (double)rank_offset(counts, lo, &block, &seen);
    *at_hi = (double)min + (double)rank_offset(counts, hi, &block, &seen);
}

/* Bucketing below this many values does not pay. */
enum { SMALL_SET = 64 };

/* Values per bucket on average: fewer buckets to clear and to scan for the ranks than
 * one per value, and still a handful of values kept (callgrind, 1800 12-bit integers
 * per series: 15.3 instructions per value against 20.3 with a bucket per value). */
enum { VALUES_PER_BUCKET = 4 };

/* A linear map of [min, max] onto buckets 0..last, monotone in the value, in float so
 * that it vectorises. */
typedef struct bucket_map {
    float min, scale;
    int32_t last;
} bucket_map;

/* False when the range or the scale is not finite (too wide, or subnormal-narrow). */
static bool bucket_map_make(float min, float max, int32_t buckets, bucket_map *m)
{
    float scale = (float)buckets / (max - min);
    *m = (bucket_map){ min, scale, buckets - 1 };
    return isfinite(max - min) && isfinite(scale);
}

static inline int32_t bucket_of(const bucket_map *m, float x)
{
    int32_t b = (int32_t)((x - m->min) * m->scale);
    return b < m->last ? b : m->last;
}

/* Bucket numbers of v[0..n), n <= BATCH, computed together so that they vectorise. */
static inline __attribute__((always_inline)) void buckets_of(const bucket_map *m,
                                                             const float *v, size_t n,
                                                             int32_t *out)
{
#pragma omp simd
    for (size_t i = 0; i < n; i++)
        out[i] = bucket_of(m, v[i]);
}

/* Keep in v[0..) only the values of the buckets of map holding ranks *lo and *lo + 1
 * (when there is one) of v[0..n); returns how many are kept and moves *lo to the rank
 * inside them. */
HOT_KERNEL static size_t keep_rank_buckets(float *v, size_t n, const bucket_map *m,
                                           size_t *lo, uint32_t *counts)
{
    int32_t buckets = m->last + 1;
    int32_t at[BATCH];
    for (int32_t b = 0; b < buckets; b++)
        counts[b] = 0;
    for (size_t i0 = 0; i0 < n; i0 += BATCH) {
        size_t count = n - i0 < BATCH ? n - i0 : BATCH;
        buckets_of(m, v + i0, count, at);
        for (size_t i = 0; i < count; i++)
            counts[at[i]]++;
    }
    size_t below = 0;
    int32_t first = 0;
    while (below + counts[first] <= *lo)
        below += counts[first++];
    int32_t last = first;
    size_t through = below + counts[first];
    while (*lo + 1 < n && through <= *lo + 1)
        through += counts[++last];
    uint32_t width = (uint32_t)(last - first);
    size_t kept = 0;
    for (size_t i0 = 0; i0 < n; i0 += BATCH) {
        size_t count = n - i0 < BATCH ? n - i0 : BATCH;
        buckets_of(m, v + i0, count, at);
        int32_t hits = 0;
#pragma omp simd reduction(| : hits)
        for (size_t i = 0; i < count; i++)
            hits |= (uint32_t)(at[i] - first) <= width;
        for (size_t i = 0; hits && i < count; i++)
            if ((uint32_t)(at[i] - first) <= width)
                v[kept++] = v[i0 + i];
    }
    *lo -= below;
    return kept;
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

/* Values of rank lo and lo + 1 (the last rank stands in for itself) of v[0..n), no
 * NaN, range [min, max] as scanned. */
static void ranks_of(float *v, size_t n, size_t lo, value_scan scan, uint32_t *counts,
                     blz_select_path path, double *at_lo, double *at_hi)
{
    if (path == BLZ_SELECT_BEST) {
        blz_vector_ranks(v, n, lo, (float *)(void *)counts, at_lo, at_hi);
        return;
    }
    double span = (double)scan.max - (double)scan.min + 1.0;
    if (span <= (double)n * COUNTING_SPAN_PER_VALUE && span <= BLZ_SELECT_COUNTS
        && n <= UINT32_MAX && all_integers(v, n)) {
        ranks_by_counting(v, n, scan.min, (size_t)span, lo, counts, at_lo, at_hi);
        return;
    }
    for (int pass = 0; pass < 2 && n > SMALL_SET && n <= UINT32_MAX; pass++) {
        if (pass > 0)
            scan = scan_values(v, n);
        if (scan.min == scan.max) {
            *at_lo = *at_hi = scan.min;
            return;
        }
        bucket_map map;
        size_t buckets = n / VALUES_PER_BUCKET;
        if (!bucket_map_make(scan.min, scan.max,
                             buckets < BLZ_SELECT_COUNTS ? (int32_t)buckets : BLZ_SELECT_COUNTS,
                             &map))
            break;
        size_t before = n;
        n = keep_rank_buckets(v, n, &map, &lo, counts);
        if (n <= before / 8)
            break;
    }
    blz_nth_element(v, n, lo);
    *at_lo = v[lo];
    *at_hi = lo + 1 < n ? min_of(v + lo + 1, n - lo - 1) : *at_lo;
}

double blz_select_percentile(float *v, size_t n, double q, bool ignore_nan, uint32_t *counts)
{
    return blz_select_percentile_by(v, n, q, ignore_nan, counts, BLZ_SELECT_BEST);
}

double blz_select_percentile_by(float *v, size_t n, double q, bool ignore_nan,
                                uint32_t *counts, blz_select_path path)
{
    /* The vector partition where the processor and the scratch allow it. */
    if (BLZ_VECTOR_RANKS_SCRATCH(n) > BLZ_SELECT_COUNTS || !blz_vector_ranks_available())
        path = BLZ_SELECT_PORTABLE;
    /* The vector partition needs only the NaN count, not the range. */
    value_scan scan = path == BLZ_SELECT_BEST ? (value_scan){ count_nans(v, n), 0, 0 }
                                              : scan_values(v, n);
    if (scan.nans > 0) {
        if (!ignore_nan)
            return NAN;
        n = drop_nans(v, n);
    }
    if (n == 0)
        return NAN;
    double h = (double)(n - 1) * (q / 100.0);
    size_t lo = (size_t)floor(h);
    double at_lo, at_hi;
    ranks_of(v, n, lo, scan, counts, path, &at_lo, &at_hi);
    return blz_lerp(at_lo, at_hi, h - (double)lo);
}
