/*
 * test_sliding.c - the sliding-window state against a direct computation of every
 * window.
 *
 * Series of 600 float32 values around a large offset (1e6 + noise in -1..1, where a
 * plain running sum of squares loses every digit of the variance) are pushed through
 * the window state for several window lengths; at every position the state's value
 * must equal the window reduced from scratch with plain loops in long double: mean to
 * 1e-12 and std to 1e-9 relative, min, max and median exactly (integer data for the
 * median's even windows); a sweep of the whole series (blz_slider_sweep, which runs a
 * series as four stretches side by side) must give the same values bit for bit, also
 * on series barely longer than the window. NaN values in the window make mean, std,
 * min and max NaN and are left out of the median. The window geometries of the three
 * kinds are checked on a small worked example.
 */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "blitz/pipeline.h"
#include "blitz/query.h"
#include "query/sliding.h"
#include "testutil.h"

enum { N = 600 };

static int cmp_float(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

/* The window x[0..w) reduced directly. */
static double direct(int op, const float *x, int64_t w)
{
    long double sum = 0, lo = INFINITY, hi = -INFINITY;
    float sorted[N];
    int64_t m = 0;
    bool nan = false;
    for (int64_t i = 0; i < w; i++) {
        if (isnan(x[i])) {
            nan = true;
            continue;
        }
        sum += x[i];
        lo = x[i] < lo ? x[i] : lo;
        hi = x[i] > hi ? x[i] : hi;
        sorted[m++] = x[i];
    }
    if (op == BLZ_OP_MEDIAN) {
        if (m == 0)
            return NAN;
        qsort(sorted, (size_t)m, sizeof *sorted, cmp_float);
        return m % 2 ? sorted[m / 2] : ((double)sorted[m / 2 - 1] + sorted[m / 2]) / 2;
    }
    if (nan)
        return NAN;
    long double mean = sum / w, squares = 0;
    for (int64_t i = 0; i < w; i++)
        squares += (x[i] - mean) * (x[i] - mean);
    switch (op) {
    case BLZ_OP_MEAN: return (double)mean;
    case BLZ_OP_STD: return (double)sqrtl(squares / w);
    case BLZ_OP_MIN: return (double)lo;
    default: return (double)hi;
    }
}

static void check_series(int op, const float *x, int64_t w, double tol)
{
    blz_slider s;
    ck_assert_int_eq(blz_slider_init(&s, op, w, 2, "test"), BLZ_OK);
    const size_t v = 1;  /* the second value's state, to catch indexing mistakes */
    double swept[N];
    blz_slider_sweep(&s, v, x, N - w + 1, swept);
    blz_slider_reset(&s, v);
    for (int64_t i = 0; i < w - 1; i++)
        blz_slider_push(&s, v, x[i], i);
    for (int64_t n = 0; n + w <= N; n++) {
        blz_slider_push(&s, v, x[n + w - 1], n + w - 1);
        double got = blz_slider_value(&s, v), want = direct(op, x + n, w);
        if (isnan(want))
            ck_assert_msg(isnan(got), "%s w %lld at %lld: %.17g, want NaN", blz_op_name(op),
                          (long long)w, (long long)n, got);
        else
            ck_assert_msg(fabs(got - want) <= tol * fabs(want), "%s w %lld at %lld: %.17g, "
                          "direct %.17g", blz_op_name(op), (long long)w, (long long)n, got, want);
        ck_assert_msg(swept[n] == got || (isnan(swept[n]) && isnan(got)), "%s w %lld at %lld: "
                      "swept %.17g, pushed %.17g", blz_op_name(op), (long long)w, (long long)n,
                      swept[n], got);
        blz_slider_pop(&s, v, x[n], n);
    }
    blz_slider_free(&s);
}

static const int64_t windows[] = { 1, 2, 3, 10, 64, 251 };
enum { NWINDOWS = sizeof windows / sizeof windows[0] };

static void offset_series(float *x, int nan_every)
{
    srand(5);
    for (int i = 0; i < N; i++)
        x[i] = 1e6f + (float)rand() / (float)RAND_MAX * 2.0f - 1.0f;
    for (int i = 3; nan_every && i < N; i += nan_every)
        x[i] = NAN;
}

START_TEST(test_mean_std_large_offset)
{
    float x[N];
    offset_series(x, 0);
    for (int k = 0; k < NWINDOWS; k++) {
        check_series(BLZ_OP_MEAN, x, windows[k], 1e-12);
        check_series(BLZ_OP_STD, x, windows[k], 1e-9);
    }
}
END_TEST

START_TEST(test_min_max_exact)
{
    float x[N];
    offset_series(x, 0);
    for (int k = 0; k < NWINDOWS; k++) {
        check_series(BLZ_OP_MIN, x, windows[k], 0.0);
        check_series(BLZ_OP_MAX, x, windows[k], 0.0);
    }
    /* Runs of equal values and a monotonic stretch. */
    for (int i = 0; i < N; i++)
        x[i] = i < 200 ? (float)(i / 7) : i < 400 ? (float)(400 - i) : (float)(i % 5);
    for (int k = 0; k < NWINDOWS; k++) {
        check_series(BLZ_OP_MIN, x, windows[k], 0.0);
        check_series(BLZ_OP_MAX, x, windows[k], 0.0);
    }
}
END_TEST

START_TEST(test_median_exact)
{
    float x[N];
    tu_fill_ints(x, N, 9, 30);
    for (int k = 0; k < NWINDOWS; k++)
        check_series(BLZ_OP_MEDIAN, x, windows[k], 0.0);
    offset_series(x, 0);
    for (int k = 0; k < NWINDOWS; k++)
        check_series(BLZ_OP_MEDIAN, x, windows[k], 0.0);
}
END_TEST

START_TEST(test_nan_in_windows)
{
    float x[N];
    offset_series(x, 17);
    static const int ops[] = { BLZ_OP_MEAN, BLZ_OP_STD, BLZ_OP_MIN, BLZ_OP_MAX, BLZ_OP_MEDIAN };
    for (int o = 0; o < 5; o++)
        for (int k = 0; k < 4; k++)
            check_series(ops[o], x, windows[k], ops[o] == BLZ_OP_STD ? 1e-9 : ops[o] == BLZ_OP_MEAN ? 1e-12 : 0.0);
}
END_TEST

/* Sweeps of series barely longer than the window: fewer outputs than stretches per
 * stretch (5 outputs in stretches of 2: the fourth stretch has none). */
START_TEST(test_sweep_short_series)
{
    float x[12];
    for (int i = 0; i < 12; i++)
        x[i] = (float)(i * 7 % 5) + 0.25f * (float)i;
    for (int64_t w = 5; w <= 12; w++) {
        blz_slider s;
        ck_assert_int_eq(blz_slider_init(&s, BLZ_OP_STD, w, 1, "test"), BLZ_OK);
        int64_t outputs = 12 - w + 1;
        double swept[12];
        blz_slider_sweep(&s, 0, x, outputs, swept);
        for (int64_t k = 0; k < outputs; k++) {
            double want = direct(BLZ_OP_STD, x + k, w);
            ck_assert_msg(fabs(swept[k] - want) <= 1e-12 * want, "w %lld at %lld: %.17g, "
                          "direct %.17g", (long long)w, (long long)k, swept[k], want);
        }
        blz_slider_free(&s);
    }
}
END_TEST

/* T = 10, W = 3: the worked example of blitz-query(1). */
START_TEST(test_geometry)
{
    blz_window_geom g;
    ck_assert_int_eq(blz_window_geometry(BLZ_WINDOW_BLITZ, 3, 2, 10, "t", &g), BLZ_OK);
    ck_assert_int_eq(g.first_output, 3);
    ck_assert_int_eq(g.first_start, 3);
    ck_assert_int_eq(g.outputs, 5);
    ck_assert_int_eq(blz_window_geometry(BLZ_WINDOW_CENTRED, 3, 0, 10, "t", &g), BLZ_OK);
    ck_assert_int_eq(g.first_output, 1);
    ck_assert_int_eq(g.first_start, 0);
    ck_assert_int_eq(g.outputs, 8);
    ck_assert_int_eq(blz_window_geometry(BLZ_WINDOW_TRAILING, 3, 0, 10, "t", &g), BLZ_OK);
    ck_assert_int_eq(g.first_output, 2);
    ck_assert_int_eq(g.outputs, 8);
    ck_assert_int_eq(blz_window_geometry(BLZ_WINDOW_BLITZ, 8, 2, 10, "t", &g), BLZ_ERR_INVALID);
    ck_assert_int_eq(blz_window_geometry(BLZ_WINDOW_TRAILING, 11, 0, 10, "t", &g),
                     BLZ_ERR_INVALID);
}
END_TEST

static Suite *sliding_suite(void)
{
    Suite *s = suite_create("sliding");
    TCase *tc = tcase_create("direct");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_mean_std_large_offset);
    tcase_add_test(tc, test_min_max_exact);
    tcase_add_test(tc, test_median_exact);
    tcase_add_test(tc, test_nan_in_windows);
    tcase_add_test(tc, test_sweep_short_series);
    tcase_add_test(tc, test_geometry);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run_suite(sliding_suite());
}
