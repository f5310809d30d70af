/*
 * test_roi.c - ROI traces against numpy.
 *
 * A stack (gray and RGB, NaN sprinkled) minus the mean of its first 10 frames is
 * traced over a rectangle, a concave polygon, a self-intersecting polygon (even-odd:
 * each lobe is inside) and a thin triangle with fractional corners, with every
 * statistic in one pass. numpy builds the masks independently (an even-odd test with
 * a vertical ray instead of the library's horizontal one) and reduces each ROI's
 * non-NaN values per frame: sums and means must match to 1e-12, min, max and median
 * exactly. Malformed ROIs are refused with BLZ_ERR_INVALID. On a frame big enough for
 * its runs to be folded in parallel, 1 and 2 threads give the same bits.
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "blitz/blitz.h"
#include "blitz/pipeline.h"
#include "test_reduce_fixture.h"
#include "testutil.h"

enum { T = 23, H = 17, W = 21, NROIS = 4, NSTATS = 5 };

static const double arrow[] = { 1, 1, 15, 2, 8, 6, 14.5, 11, 2.25, 10 };
static const double bowtie[] = { 3, 3.2, 13, 13.1, 13, 3.3, 3, 13.4 };
static const double sliver[] = { 0.25, 16.75, 20.75, 12.5, 20.5, 16.9 };

static const blz_roi rois[NROIS] = {
    { .kind = BLZ_ROI_RECT, .x = 2, .y = 3, .w = 5, .h = 4 },
    { .kind = BLZ_ROI_POLYGON, .npoints = 5, .points = arrow },
    { .kind = BLZ_ROI_POLYGON, .npoints = 4, .points = bowtie },
    { .kind = BLZ_ROI_POLYGON, .npoints = 3, .points = sliver },
};
static const int stats[NSTATS] = { BLZ_ROI_MEAN, BLZ_ROI_MEDIAN, BLZ_ROI_MIN, BLZ_ROI_MAX,
                                   BLZ_ROI_SUM };

static const char reference_program[] =
    "import numpy as np, warnings\n"
    "warnings.simplefilter('ignore')\n"
    "d = '%s'\n"
    "x = np.load(d + '/stack.npy').astype(np.float64)\n"
    "x = x if x.ndim == 4 else x[..., None]\n"
    "p = (x - x[0:10].mean(0)).astype(np.float32).astype(np.float64)\n"
    "H, W = x.shape[1], x.shape[2]\n"
    "def polygon_mask(pts):\n"
    "    px, py = np.meshgrid(np.arange(W) + 0.5, np.arange(H) + 0.5)\n"
    "    inside = np.zeros((H, W), bool)\n"
    "    for (ax, ay), (bx, by) in zip(pts, pts[1:] + pts[:1]):\n"
    "        if ax == bx: continue\n"
    "        lo, hi = min(ax, bx), max(ax, bx)\n"
    "        spans = (px >= lo) & (px < hi)\n"
    "        y_at = ay + (by - ay) * (px - ax) / (bx - ax)\n"
    "        inside ^= spans & (y_at > py)\n"
    "    return inside\n"
    "def rect_mask(x0, y0, w, h):\n"
    "    m = np.zeros((H, W), bool); m[y0:y0 + h, x0:x0 + w] = True; return m\n"
    "pairs = lambda v: [(v[i], v[i + 1]) for i in range(0, len(v), 2)]\n"
    "masks = [rect_mask(2, 3, 5, 4), polygon_mask(pairs(%s)), polygon_mask(pairs(%s)),\n"
    "         polygon_mask(pairs(%s))]\n"
    "out = np.zeros((x.shape[0], len(masks), 5))\n"
    "for t in range(x.shape[0]):\n"
    "    for r, m in enumerate(masks):\n"
    "        v = p[t][m].ravel(); v = v[~np.isnan(v)]\n"
    "        out[t, r] = [np.mean(v), np.median(v), np.min(v), np.max(v), np.sum(v)] if v.size else [np.nan] * 5\n"
    "np.save(d + '/ref.npy', out)\n"
    "np.save(d + '/sizes.npy', np.array([m.sum() for m in masks], np.float64))\n";

static void check_channels(int channels, int codec)
{
    char *dir = tu_tmpdir();
    rf_stack s = rf_stack_make(T, H, W, channels, 90, 7, 4);
    char *cache = tu_fmt("%s/stack.blz", dir), *npy = tu_fmt("%s/stack.npy", dir);
    ck_assert_int_eq(rf_write_cache(&s, cache, 4, 8, 8, codec), BLZ_OK);
    ck_assert_int_eq(rf_write_npy(&s, npy), BLZ_OK);
    char *program = tu_fmt(reference_program, dir, "[1, 1, 15, 2, 8, 6, 14.5, 11, 2.25, 10]",
                           "[3, 3.2, 13, 13.1, 13, 3.3, 3, 13.4]",
                           "[0.25, 16.75, 20.75, 12.5, 20.5, 16.9]");
    ck_assert_int_eq(tu_python(program), 0);
    char *ref_path = tu_fmt("%s/ref.npy", dir), *sizes_path = tu_fmt("%s/sizes.npy", dir);
    double *want = rf_load(ref_path, (size_t)T * NROIS * NSTATS);
    double *sizes = rf_load(sizes_path, NROIS);
    ck_assert_ptr_nonnull(want);
    for (int r = 0; r < NROIS; r++)  /* every mask is a real, non-trivial shape */
        ck_assert(sizes[r] >= 3);
    blz_cache *c = rf_open(cache);
    blz_pipeline p = blz_pipeline_defaults();
    ck_assert_int_eq(blz_reference_parse("mean:0:10", &p.subtract), BLZ_OK);
    blz_run_options run = blz_run_defaults();
    double *got = malloc((size_t)T * NROIS * NSTATS * sizeof *got);
    ck_assert_msg(blz_pipeline_roi(c, &p, &run, rois, NROIS, stats, NSTATS, got) == BLZ_OK,
                  "%s", blz_errmsg());
    for (size_t i = 0; i < (size_t)T * NROIS * NSTATS; i++) {
        int stat = stats[i % NSTATS];
        double tol = stat == BLZ_ROI_MEAN || stat == BLZ_ROI_SUM ? 1e-12 : 0.0;
        if (isnan(want[i]))
            ck_assert_msg(isnan(got[i]), "value %zu: %g, numpy NaN", i, got[i]);
        else
            ck_assert_msg(fabs(got[i] - want[i]) <= tol * fmax(1, fabs(want[i])),
                          "frame %zu roi %zu %s: %.17g, numpy %.17g", i / (NROIS * NSTATS),
                          i / NSTATS % NROIS, blz_roi_stat_name(stat), got[i], want[i]);
    }
    free(got);
    free(want);
    free(sizes);
    blz_cache_close(c);
    rf_stack_free(&s);
    free(program);
    free(cache);
    free(npy);
    free(ref_path);
    free(sizes_path);
    tu_rmtree(dir);
    free(dir);
}

START_TEST(test_roi_gray)
{
    check_channels(1, BLZ_CODEC_RAW);
}
END_TEST

START_TEST(test_roi_rgb)
{
    check_channels(3, BLZ_CODEC_SHUFFLE_LZ4);  /* rows unshuffled from byte planes */
}
END_TEST

/* A frame big enough for the runs to be folded in parallel (W x H >= 65536 values), of
 * floats spread over 40 binades (so that double sums round, and a change in their
 * order shows) with NaN: the traces on 1 and 2 threads are the same bits. */
START_TEST(test_roi_threads_alike)
{
    enum { BT = 6, BH = 300, BW = 256, BSTATS = 5 };
    static const double wedge[] = { 3.5, 2, 250, 40, 120, 297.5 };
    const blz_roi big[2] = {
        { .kind = BLZ_ROI_RECT, .x = 1, .y = 2, .w = 250, .h = 290 },
        { .kind = BLZ_ROI_POLYGON, .npoints = 3, .points = wedge },
    };
    const int all[BSTATS] = { BLZ_ROI_MEAN, BLZ_ROI_MIN, BLZ_ROI_MAX, BLZ_ROI_SUM,
                              BLZ_ROI_COUNT };
    char *dir = tu_tmpdir();
    char *path = tu_fmt("%s/big.blz", dir);
    rf_stack s = rf_stack_make(BT, BH, BW, 1, 0, 97, 11);
    for (size_t i = 0; i < (size_t)BT * BH * BW; i++)
        s.values[i] = ldexpf(s.values[i], (int)(i * 2654435761u % 41) - 20);
    ck_assert_int_eq(rf_write_cache(&s, path, 4, 64, 64, BLZ_CODEC_RAW), BLZ_OK);
    blz_cache *c = rf_open(path);
    blz_pipeline p = blz_pipeline_defaults();
    double traces[2][BT * 2 * BSTATS];
    for (int t = 0; t < 2; t++) {
        blz_run_options run = blz_run_defaults();
        run.threads = t + 1;
        ck_assert_msg(blz_pipeline_roi(c, &p, &run, big, 2, all, BSTATS, traces[t]) == BLZ_OK,
                      "%s", blz_errmsg());
    }
    ck_assert_mem_eq(traces[0], traces[1], sizeof traces[0]);
    ck_assert(traces[0][0] == traces[0][0] && traces[0][4] > 60000);  /* mean, count */
    rf_finish(c, &s, dir, path);
}
END_TEST

static int roi_status(const blz_cache *c, const blz_roi *roi, int stat)
{
    blz_pipeline p = blz_pipeline_defaults();
    blz_run_options run = blz_run_defaults();
    double out[T];
    return blz_pipeline_roi(c, &p, &run, roi, 1, &stat, 1, out);
}

START_TEST(test_bad_rois)
{
    char *dir = tu_tmpdir();
    rf_stack s = rf_stack_make(T, H, W, 1, 9, 0, 4);
    char *cache = tu_fmt("%s/stack.blz", dir);
    ck_assert_int_eq(rf_write_cache(&s, cache, 4, 8, 8, BLZ_CODEC_RAW), BLZ_OK);
    blz_cache *c = rf_open(cache);
    static const double two[] = { 1, 1, 5, 5 }, out_of_frame[] = { 1, 1, 30, 2, 4, 8 };
    static const double speck[] = { 1.1, 1.1, 1.3, 1.1, 1.2, 1.3 };
    blz_roi bad[] = {
        { .kind = BLZ_ROI_POLYGON, .npoints = 2, .points = two },
        { .kind = BLZ_ROI_POLYGON, .npoints = 3, .points = out_of_frame },
        { .kind = BLZ_ROI_POLYGON, .npoints = 3, .points = speck },
        { .kind = BLZ_ROI_RECT, .x = 18, .y = 0, .w = 5, .h = 2 },
        { .kind = BLZ_ROI_RECT, .x = 0, .y = -1, .w = 5, .h = 2 },
        { .kind = BLZ_ROI_RECT, .x = 0, .y = 0, .w = 0, .h = 2 },
    };
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++)
        ck_assert_msg(roi_status(c, &bad[k], BLZ_ROI_MEAN) == BLZ_ERR_INVALID, "ROI %zu", k);
    blz_roi fine = { .kind = BLZ_ROI_RECT, .x = 16, .y = 15, .w = 5, .h = 2 };
    ck_assert_int_eq(roi_status(c, &fine, BLZ_ROI_MEAN), BLZ_OK);
    ck_assert_int_eq(roi_status(c, &fine, 99), BLZ_ERR_INVALID);
    blz_cache_close(c);
    rf_stack_free(&s);
    free(cache);
    tu_rmtree(dir);
    free(dir);
}
END_TEST

static Suite *roi_suite(void)
{
    Suite *s = suite_create("roi");
    TCase *tc = tcase_create("numpy");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_roi_gray);
    tcase_add_test(tc, test_roi_rgb);
    tcase_add_test(tc, test_bad_rois);
    tcase_add_test(tc, test_roi_threads_alike);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    if (!tu_have_numpy()) {
        fprintf(stderr, "numpy not available: skipping\n");
        return 77;
    }
    return tu_run_suite(roi_suite());
}
