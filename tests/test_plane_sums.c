/*
 * test_plane_sums.c - float32 sums over frames from byte planes (plane_sums.h) at every
 * width the processor runs (16, 32 and 64 values at a time), bit for bit against a
 * plain loop that puts each value's bytes together and sums it in float32.
 *
 * Rows of 1 to 200 values (whole steps, a rest, or only a rest), 1 to 40 frames (a
 * rest of fewer than 16 frames is copied in batches of 16), planes and frames spaced
 * as in a chunk or with gaps, integers of either sign, added to running sums that are
 * not zero. The rows end at the end of their allocation, so a read past them would be
 * seen by the sanitized build.
 */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "query/plane_sums.h"
#include "testutil.h"

static const int widths[] = { 16, 32, 64 };
enum { N_WIDTHS = sizeof widths / sizeof widths[0] };

/* The byte planes of `frames` frames of n values: byte k of value i of frame f at
 * f * stride + k * plane + i, the last frame's last plane ending the allocation. */
static unsigned char *make_planes(const float *v, size_t n, int64_t frames, size_t plane,
                                  size_t stride)
{
    size_t bytes = (size_t)(frames - 1) * stride + 3 * plane + n;
    unsigned char *p = malloc(bytes);
    memset(p, 0xA5, bytes);   /* bytes between rows: nonsense if ever summed */
    for (int64_t f = 0; f < frames; f++)
        for (size_t i = 0; i < n; i++) {
            uint32_t bits;
            memcpy(&bits, &v[(size_t)f * n + i], sizeof bits);
            for (size_t k = 0; k < 4; k++)
                p[(size_t)f * stride + k * plane + i] = (unsigned char)(bits >> (8 * k));
        }
    return p;
}

START_TEST(sums_match_plain_loop)
{
    int width = widths[_i];
    static const size_t gaps[] = { 0, 3 };
    for (size_t n = 1; n <= 200; n += n < 70 ? 1 : 13)
        for (int64_t frames = 1; frames <= 40; frames += frames < 18 ? 1 : 11)
            for (size_t g = 0; g < 2; g++) {
                size_t plane = n + gaps[g], stride = 4 * plane + 5 * gaps[g];
                float *v = malloc((size_t)frames * n * sizeof *v);
                tu_fill_ints(v, (size_t)frames * n, (uint32_t)(n * 41 + (size_t)frames), 4095);
                for (size_t i = 0; i < (size_t)frames * n; i += 3)
                    v[i] = -v[i];
                unsigned char *p = make_planes(v, n, frames, plane, stride);
                double *got = malloc(n * sizeof *got), *want = malloc(n * sizeof *want);
                for (size_t i = 0; i < n; i++) {
                    float s = 0.0f;
                    for (int64_t f = 0; f < frames; f++)
                        s += v[(size_t)f * n + i];
                    got[i] = 1000.0 * (double)i;
                    want[i] = got[i] + (double)s;
                }
                if (!blz_plane_sums_row_at(width, p, plane, stride, frames, n, got)) {
                    free(v), free(p), free(got), free(want);
                    return;   /* the processor lacks this width's instructions */
                }
                for (size_t i = 0; i < n; i++)
                    ck_assert_msg(got[i] == want[i], "width %d, n %zu, %lld frames, gap %zu: "
                                  "value %zu is %.17g, the plain loop's %.17g", width, n,
                                  (long long)frames, gaps[g], i, got[i], want[i]);
                free(v), free(p), free(got), free(want);
            }
}
END_TEST

START_TEST(widths_are_known)
{
    const unsigned char planes[4] = { 0, 0, 0x80, 0x3f };   /* one value, 1.0f */
    double a = 0.0;
    ck_assert(blz_plane_sums_row_at(16, planes, 1, 4, 1, 1, &a));   /* the baseline: always */
    ck_assert(a == 1.0);
    ck_assert(!blz_plane_sums_row_at(8, planes, 1, 4, 1, 1, &a));
    ck_assert(!blz_plane_sums_row_at(128, planes, 1, 4, 1, 1, &a));
    ck_assert(a == 1.0);
}
END_TEST

static Suite *plane_sums_suite(void)
{
    Suite *s = suite_create("plane_sums");
    TCase *tc = tcase_create("core");
    tcase_add_loop_test(tc, sums_match_plain_loop, 0, N_WIDTHS);
    tcase_add_test(tc, widths_are_known);
    tcase_set_timeout(tc, 60);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run_suite(plane_sums_suite());
}
