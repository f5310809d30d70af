/*
 * test_int_limit.c - the integer claim a writer stores for a chunk (blz_int_limit) and
 * the check a verifying reader makes of it (blz_int_limit_holds), against plain loops.
 *
 * Integers in several ranges, at lengths around the vector widths, with one value at
 * the start, middle or end replaced by something that must change the answer: a
 * fraction, a fraction just below 2^23, NaN, infinities, -0, 2^23, 2^24 (the largest
 * magnitude claimed) and just above it, a huge integer, a subnormal.
 */
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "cache/int_limit.h"
#include "testutil.h"

static const size_t lengths[] = { 1, 3, 15, 16, 17, 33, 64, 1000, 4099 };
enum { N_LENGTHS = sizeof lengths / sizeof lengths[0] };

/* The claim by its definition: the largest magnitude + 1 when every value is an
 * integer of magnitude at most 2^24, else 0. */
static uint32_t reference_limit(const float *v, size_t n)
{
    double largest = 0.0;
    for (size_t i = 0; i < n; i++) {
        double a = fabs((double)v[i]);
        if (!(a <= 16777216.0) || a != floor(a))
            return 0;
        largest = a > largest ? a : largest;
    }
    return (uint32_t)largest + 1;
}

/* Whether every value is an integer of magnitude below limit, by its definition. */
static bool reference_holds(const float *v, size_t n, uint32_t limit)
{
    for (size_t i = 0; limit != 0 && i < n; i++) {
        double a = fabs((double)v[i]);
        if (!(a < (double)limit) || a != floor(a))
            return false;
    }
    return true;
}

static const float specials[] = { 0.5f, -2.75f, 8388607.5f, NAN, INFINITY, -INFINITY, -0.0f,
                                  8388608.0f, -16777216.0f, 16777218.0f, 3e9f, 1e-45f,
                                  4095.0f, -65535.0f };
enum { N_SPECIALS = sizeof specials / sizeof specials[0] };

START_TEST(claims_match_definition)
{
    size_t n = lengths[_i];
    float *v = malloc(n * sizeof *v);
    for (uint32_t range = 1; range <= 65536; range *= 16) {
        tu_fill_ints(v, n, (uint32_t)n + range, range - 1);
        for (size_t i = 0; i < n; i += 3)
            v[i] = -v[i];
        ck_assert_uint_eq(blz_int_limit(v, n), reference_limit(v, n));
        ck_assert_uint_ne(blz_int_limit(v, n), 0);
        size_t places[] = { 0, n / 2, n - 1 };
        for (size_t k = 0; k < N_SPECIALS; k++)
            for (size_t p = 0; p < 3; p++) {
                size_t at = places[p];
                float kept = v[at];
                v[at] = specials[k];
                ck_assert_msg(blz_int_limit(v, n) == reference_limit(v, n),
                              "n=%zu, %g at %zu: claim %u, by definition %u", n,
                              (double)specials[k], at, blz_int_limit(v, n),
                              reference_limit(v, n));
                v[at] = kept;
            }
    }
    free(v);
}
END_TEST

/* Limits at and around the largest magnitude, 0 (no claim) and beyond 2^24, where
 * limit - 1 is not a float32 (2^25 + 2 holds below 2^25 + 3 but not below 2^25 + 2). */
START_TEST(holds_matches_definition)
{
    size_t n = lengths[_i];
    float *v = malloc(n * sizeof *v);
    tu_fill_ints(v, n, (uint32_t)n, 4095);
    uint32_t claim = blz_int_limit(v, n);
    const uint32_t limits[] = { 0, 1, claim - 1, claim, claim + 1, 4096, UINT32_MAX };
    for (size_t k = 0; k < sizeof limits / sizeof limits[0]; k++)
        ck_assert_msg(blz_int_limit_holds(v, n, limits[k]) == reference_holds(v, n, limits[k]),
                      "n=%zu, limit %u", n, limits[k]);
    v[n / 2] = 33554434.0f;   /* 2^25 + 2 */
    const uint32_t big[] = { 33554433, 33554434, 33554435, 33554436 };
    for (size_t k = 0; k < sizeof big / sizeof big[0]; k++)
        ck_assert_msg(blz_int_limit_holds(v, n, big[k]) == reference_holds(v, n, big[k]),
                      "n=%zu, limit %u", n, big[k]);
    v[n - 1] = 0.25f;
    ck_assert(!blz_int_limit_holds(v, n, UINT32_MAX));
    ck_assert(blz_int_limit_holds(v, n, 0));
    free(v);
}
END_TEST

static Suite *int_limit_suite(void)
{
    Suite *s = suite_create("int_limit");
    TCase *tc = tcase_create("core");
    tcase_add_loop_test(tc, claims_match_definition, 0, N_LENGTHS);
    tcase_add_loop_test(tc, holds_matches_definition, 0, N_LENGTHS);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run_suite(int_limit_suite());
}
