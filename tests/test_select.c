/*
 * test_select.c - exact percentiles (query/select.c) against sorting, on the value
 * distributions that take each of its paths: small-span integers and 12-bit integers
 * over more than a quarter of their span (counting), wide integers, and 12-bit ones
 * over fewer values, and uniform floats (one bucketing pass), rare huge outliers (a second pass
 * over the kept bucket), infinities, ranges too wide or too narrow for a float scale
 * (no bucketing), all-equal values, more values than buckets, and NaN handling; and
 * orders that defeat the vector partition's pivots. Both the best way the processor
 * offers (vector partitioning with AVX-512) and the portable one are checked. The
 * reference is a plain qsort and numpy's interpolation rule, compared exactly.
 */
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "query/select.h"
#include "testutil.h"

static uint32_t counts[BLZ_SELECT_COUNTS];

/* A small deterministic generator (xorshift), so the data do not depend on libc. */
static uint32_t next_random(uint32_t *state)
{
    uint32_t x = *state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return *state = x;
}

static float unit_random(uint32_t *state)
{
    return (float)(next_random(state) >> 8) / 16777216.0f;
}

enum kind {
    SMALL_INTS, TWELVE_BIT, WIDE_INTS, UNIFORM, OUTLIERS, INFINITIES, FULL_RANGE, SUBNORMAL,
    EQUAL, KINDS
};

static float value_of(int kind, uint32_t *s)
{
    switch (kind) {
    case SMALL_INTS:
        return (float)(next_random(s) % 200);
    case TWELVE_BIT:
        return (float)(next_random(s) % 4096) + 100.0f;
    case WIDE_INTS:
        return (float)(next_random(s) % 65536) - 1000.0f;
    case UNIFORM:
        return unit_random(s) * 2.0f - 0.5f;
    case OUTLIERS:
        return next_random(s) % 64 == 0 ? 1e30f : unit_random(s);
    case INFINITIES:
        return next_random(s) % 16 == 0 ? (next_random(s) % 2 ? INFINITY : -INFINITY)
                                        : (float)(next_random(s) % 1000);
    case FULL_RANGE:
        return next_random(s) % 2 ? -3e38f : 3e38f * unit_random(s);
    case SUBNORMAL:
        return 1e-42f * (float)(next_random(s) % 7);
    default:
        return 42.5f;
    }
}

static int compare_floats(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

/* numpy's percentile of the sorted non-NaN values. */
static double reference(const float *sorted, size_t n, double q)
{
    if (n == 0)
        return NAN;
    double h = (double)(n - 1) * (q / 100.0);
    size_t lo = (size_t)floor(h), hi = lo + 1 < n ? lo + 1 : lo;
    return blz_lerp(sorted[lo], sorted[hi], h - floor(h));
}

/* Every q of a set against the sorted copy. */
static void check_all_q(const float *v, size_t n, bool ignore_nan, const char *what)
{
    float *sorted = malloc(n * sizeof *v), *work = malloc(n * sizeof *v);
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (v[i] == v[i])
            sorted[m++] = v[i];
    qsort(sorted, m, sizeof *v, compare_floats);
    static const double qs[] = { 0, 0.1, 12.5, 33.3, 50, 66.7, 99, 99.9, 100 };
    static const char *const paths[] = { "best", "portable" };
    for (int path = BLZ_SELECT_BEST; path <= BLZ_SELECT_PORTABLE; path++)
        for (size_t k = 0; k < sizeof qs / sizeof qs[0]; k++) {
            memcpy(work, v, n * sizeof *v);
            memset(counts, 0xff, sizeof counts); /* scratch holds anything between calls */
            double want = ignore_nan || m == n ? reference(sorted, m, qs[k]) : NAN;
            double got = blz_select_percentile_by(work, n, qs[k], ignore_nan, counts,
                                                  (blz_select_path)path);
            ck_assert_msg(got == want || (isnan(got) && isnan(want)),
                          "%s, n %zu, q %g, %s way: got %.17g, sorting gives %.17g", what, n,
                          qs[k], paths[path], got, want);
        }
    free(sorted);
    free(work);
}

START_TEST(test_every_kind_against_sort)
{
    static const char *const names[KINDS] = { "small integers", "12-bit integers",
                                              "wide integers", "uniform",
                                              "outliers", "infinities", "full range",
                                              "subnormal", "equal" };
    static const size_t sizes[] = { 1, 2, 3, 63, 64, 65, 100, 257, 1000, 1800, 4099 };
    uint32_t state = 12345;
    for (int kind = 0; kind < KINDS; kind++) {
        for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
            size_t n = sizes[s];
            float *v = malloc(n * sizeof *v);
            for (size_t i = 0; i < n; i++)
                v[i] = value_of(kind, &state);
            check_all_q(v, n, false, names[kind]);
            free(v);
        }
    }
}
END_TEST

/* Orders that make the first, middle and last values poor pivots: sorted either way
 * (the best pivots), an organ pipe and a sawtooth (a pass then drops only the pivot's
 * run, until introselect takes over), one value apart from the rest, two values. */
START_TEST(test_orders_against_sort)
{
    static const char *const names[] = { "ascending", "descending", "organ pipe",
                                          "sawtooth", "one apart", "two values" };
    enum { ORDERS = sizeof names / sizeof names[0] };
    static const size_t sizes[] = { 16, 17, 33, 1000, 1801 };
    for (int order = 0; order < ORDERS; order++)
        for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
            size_t n = sizes[s];
            float *v = malloc(n * sizeof *v);
            for (size_t i = 0; i < n; i++) {
                size_t pipe = i < n / 2 ? i : n - 1 - i;
                float by_order[ORDERS] = { (float)i, (float)(n - i), (float)pipe,
                                           (float)(i % 7), i == n / 3 ? -1.0f : 5.0f,
                                           (float)(i % 2) };
                v[i] = by_order[order];
            }
            check_all_q(v, n, false, names[order]);
            free(v);
        }
}
END_TEST

/* More values than buckets: the bucket count is capped at BLZ_SELECT_COUNTS. */
START_TEST(test_more_values_than_buckets)
{
    size_t n = 3 * (size_t)BLZ_SELECT_COUNTS + 17;
    float *v = malloc(n * sizeof *v);
    uint32_t state = 99;
    for (size_t i = 0; i < n; i++)
        v[i] = unit_random(&state) * unit_random(&state);
    check_all_q(v, n, false, "many values");
    free(v);
}
END_TEST

/* NaN: propagated by default, left out when ignored, and NaN when nothing is left. */
START_TEST(test_nan_policies)
{
    size_t n = 1500;
    float *v = malloc(n * sizeof *v);
    uint32_t state = 7;
    for (size_t i = 0; i < n; i++)
        v[i] = next_random(&state) % 5 == 0 ? NAN : unit_random(&state);
    check_all_q(v, n, false, "NaN propagated");
    check_all_q(v, n, true, "NaN ignored");
    for (size_t i = 0; i < n; i++)
        v[i] = NAN;
    check_all_q(v, n, true, "only NaN");
    free(v);
}
END_TEST

/* numpy's median of values with infinite middle values: the mean of the two middle
 * values (np.median([2, 1, inf, inf]) == inf, np.median([-inf, inf]) is NaN). */
START_TEST(test_infinite_medians)
{
    uint32_t *scratch = malloc(BLZ_SELECT_COUNTS * sizeof *scratch);
    float a[] = { INFINITY, INFINITY }, b[] = { 2, 1, INFINITY, INFINITY },
          c[] = { -INFINITY, INFINITY }, d[] = { 1, -INFINITY, 3, -INFINITY };
    ck_assert(blz_select_percentile(a, 2, 50, false, scratch) == INFINITY);
    ck_assert(blz_select_percentile(b, 4, 50, false, scratch) == INFINITY);
    ck_assert(isnan(blz_select_percentile(c, 2, 50, false, scratch)));
    ck_assert(blz_select_percentile(d, 4, 50, false, scratch) == -INFINITY);
    free(scratch);
}
END_TEST

static Suite *select_suite(void)
{
    Suite *s = suite_create("select");
    TCase *tc = tcase_create("sort");
    tcase_add_test(tc, test_every_kind_against_sort);
    tcase_add_test(tc, test_orders_against_sort);
    tcase_add_test(tc, test_more_values_than_buckets);
    tcase_add_test(tc, test_nan_policies);
    tcase_add_test(tc, test_infinite_medians);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run_suite(select_suite());
}
