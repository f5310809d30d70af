/*
 * test_transpose.c - the gather's inner copy (query/transpose.c) against a plain loop:
 * every frame count and pixel-channel count from 0 to 19 (whole 8 x 8 blocks, edges
 * of each size, both at once), a frame step wider than the row, series longer than
 * the frames copied and starting mid-series, with and without a next source to fetch.
 * The values are distinct, so a value copied to the wrong place cannot go unnoticed,
 * and what lies outside the copied part of the series must stay untouched.
 */
#include <check.h>
#include <stdlib.h>

#include "query/transpose.h"
#include "testutil.h"

enum { MAX_SIZE = 19, FRAME_STEP = 37, LENGTH = 29, FIRST = 5, GUARD = -1 };

static float source[MAX_SIZE * FRAME_STEP];
static float series[MAX_SIZE * LENGTH];

static void fill_source(void)
{
    for (size_t i = 0; i < sizeof source / sizeof *source; i++)
        source[i] = (float)i + 0.25f;
}

/* Every value of the series: copied ones equal the source's, the rest GUARD. */
static void check_series(size_t frames, size_t n, const char *what)
{
    for (size_t v = 0; v < MAX_SIZE; v++)
        for (size_t k = 0; k < LENGTH; k++) {
            float want = v < n && k >= FIRST && k < FIRST + frames
                             ? source[(k - FIRST) * FRAME_STEP + v] : (float)GUARD;
            ck_assert_msg(series[v * LENGTH + k] == want,
                          "%s, %zu frames x %zu values: series %zu, position %zu is %g, "
                          "want %g", what, frames, n, v, k, series[v * LENGTH + k], want);
        }
}

static void clear_series(void)
{
    for (size_t i = 0; i < sizeof series / sizeof *series; i++)
        series[i] = (float)GUARD;
}

START_TEST(test_blocks_and_edges)
{
    fill_source();
    for (size_t frames = 0; frames <= MAX_SIZE && FIRST + frames <= LENGTH; frames++)
        for (size_t n = 0; n <= MAX_SIZE && n <= FRAME_STEP; n++) {
            clear_series();
            blz_transpose_frames(source, FRAME_STEP, frames, n, series + FIRST, LENGTH, NULL);
            check_series(frames, n, "blocks");
            clear_series();
            blz_transpose_frames(source, FRAME_STEP, frames, n, series + FIRST, LENGTH, source);
            check_series(frames, n, "blocks, fetching ahead");
            clear_series();
            blz_transpose_series(source, FRAME_STEP, frames, n, series + FIRST, LENGTH);
            check_series(frames, n, "series by series");
        }
}
END_TEST

static Suite *transpose_suite(void)
{
    Suite *s = suite_create("transpose");
    TCase *tc = tcase_create("plain loop");
    tcase_add_test(tc, test_blocks_and_edges);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run_suite(transpose_suite());
}
