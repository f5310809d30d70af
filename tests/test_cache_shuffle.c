/*
 * test_cache_shuffle.c - the vectorised byte shuffle against a plain reference loop.
 *
 * Sizes around the 16-value block (0, 1, 15, 16, 17, 31, 33, ...) exercise both the
 * vector body and the scalar tail; the bytes are pseudo-random so a misplaced byte
 * shows.
 */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cache/shuffle.h"
#include "testutil.h"

static const size_t sizes[] = { 0, 1, 3, 15, 16, 17, 31, 32, 33, 64, 1000, 4099, 65536 };

static unsigned char *random_bytes(size_t n, uint32_t seed)
{
    unsigned char *b = calloc(n ? n : 1, 1);
    uint32_t x = seed * 2654435761u + 7;
    for (size_t i = 0; i < n; i++) {
        x = x * 1103515245u + 12345u;
        b[i] = (unsigned char)(x >> 16);
    }
    return b;
}

START_TEST(shuffle_matches_reference)
{
    size_t n = sizes[_i];
    unsigned char *src = random_bytes(4 * n, (uint32_t)n);
    unsigned char *dst = malloc(4 * n + 1);
    blz_shuffle4(dst, src, n);
    size_t bad = SIZE_MAX;
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < 4; k++)
            if (bad == SIZE_MAX && dst[k * n + i] != src[4 * i + k])
                bad = 4 * i + k;
    ck_assert_msg(bad == SIZE_MAX, "n=%zu: source byte %zu misplaced", n, bad);
    free(src);
    free(dst);
}
END_TEST

START_TEST(unshuffle_matches_reference)
{
    size_t n = sizes[_i];
    unsigned char *src = random_bytes(4 * n, (uint32_t)n + 99);
    unsigned char *dst = malloc(4 * n + 1);
    blz_unshuffle4(dst, src, n);
    size_t bad = SIZE_MAX;
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < 4; k++)
            if (bad == SIZE_MAX && dst[4 * i + k] != src[k * n + i])
                bad = 4 * i + k;
    ck_assert_msg(bad == SIZE_MAX, "n=%zu: output byte %zu wrong", n, bad);
    free(src);
    free(dst);
}
END_TEST

START_TEST(round_trip_restores_bytes)
{
    size_t n = sizes[_i];
    unsigned char *src = random_bytes(4 * n, (uint32_t)n + 5);
    unsigned char *mid = malloc(4 * n + 1), *back = malloc(4 * n + 1);
    blz_shuffle4(mid, src, n);
    blz_unshuffle4(back, mid, n);
    ck_assert(n == 0 || memcmp(back, src, 4 * n) == 0);
    free(src);
    free(mid);
    free(back);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("cache_shuffle");
    TCase *tc = tcase_create("shuffle");
    int count = (int)(sizeof sizes / sizeof sizes[0]);
    tcase_add_loop_test(tc, shuffle_matches_reference, 0, count);
    tcase_add_loop_test(tc, unshuffle_matches_reference, 0, count);
    tcase_add_loop_test(tc, round_trip_restores_bytes, 0, count);
    suite_add_tcase(s, tc);
    return tu_run_suite(s);
}
