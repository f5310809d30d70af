/*
 * test_bands.c - the library hooks that let a query be split into bands of tile rows
 * (cache views), as blitz-query does over MPI, checked without MPI: each band runs in
 * its own thread, standing for a process.
 *
 * stats: the bands' combine_counts hook sums their histograms (barrier, sum, barrier),
 * and every band must then report exactly the whole cache's percentiles; a band that
 * fails makes every band fail, without any waiting for ever. ROI traces: whole-frame
 * rectangles and polygons on every band give counts and extremes equal to the whole
 * cache's and sums within 1e-12. A reference image is cropped to each band: the band
 * rows of the pipeline's result equal the whole result's bit for bit.
 */
#include <check.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "blitz/blitz.h"
#include "blitz/npy.h"
#include "blitz/pipeline.h"
#include "blitz/query.h"
#include "test_reduce_fixture.h"
#include "testutil.h"

enum { T = 13, H = 45, W = 37, TH = 8, BANDS = 3, BUCKET_LEN_MAX = 1 << 21 };
static const int32_t band_rows[BANDS + 1] = { 0, 2, 3, 6 };  /* tile rows; 6 = ceil(45 / 8) */

static blz_cache *make_cache(const char *dir, rf_stack *stack)
{
    *stack = rf_stack_make(T, H, W, 1, 0, 7, 42);
    char *path = tu_fmt("%s/c.blz", dir);
    ck_assert_int_eq(rf_write_cache(stack, path, 4, TH, 16, BLZ_CODEC_SHUFFLE_LZ4), BLZ_OK);
    blz_cache *c = rf_open(path);
    free(path);
    return c;
}

/* The test cache in a temporary folder, and views of its bands. */
typedef struct bands {
    char *dir;
    rf_stack stack;
    blz_cache *whole, *views[BANDS];
} bands;

static void bands_open(bands *f)
{
    f->dir = tu_tmpdir();
    f->whole = make_cache(f->dir, &f->stack);
    for (int b = 0; b < BANDS; b++)
        ck_assert_int_eq(blz_cache_open_rows(&f->views[b], f->whole, band_rows[b],
                                             band_rows[b + 1]), BLZ_OK);
}

static void bands_close(bands *f)
{
    for (int b = 0; b < BANDS; b++)
        blz_cache_close(f->views[b]);
    blz_cache_close(f->whole);
    rf_stack_free(&f->stack);
    tu_rmtree(f->dir);
    free(f->dir);
}

/* ---- stats: the bands' histograms summed between threads ---- */

typedef struct shared_counts {
    pthread_barrier_t barrier;
    pthread_mutex_t lock;
    int status;                   /* minimum of the bands' statuses */
    uint64_t *sum;
} shared_counts;

typedef struct band_job {
    shared_counts *shared;
    const blz_cache *view;
    blz_stats_options options;
    blz_stats stats;
    int result;
} band_job;

static int sum_counts(void *ctx, int status, uint64_t *counts, size_t len)
{
    shared_counts *s = ctx;
    pthread_mutex_lock(&s->lock);
    s->status = status < s->status ? status : s->status;
    pthread_mutex_unlock(&s->lock);
    pthread_barrier_wait(&s->barrier);
    int agreed = s->status;
    if (agreed == BLZ_OK) {
        pthread_mutex_lock(&s->lock);
        for (size_t i = 0; i < len; i++)
            s->sum[i] += counts[i];
        pthread_mutex_unlock(&s->lock);
        pthread_barrier_wait(&s->barrier);
        memcpy(counts, s->sum, len * sizeof *counts);
    }
    pthread_barrier_wait(&s->barrier);
    if (pthread_barrier_wait(&s->barrier) == PTHREAD_BARRIER_SERIAL_THREAD)
        memset(s->sum, 0, len * sizeof *s->sum);  /* ready for the next pass */
    pthread_barrier_wait(&s->barrier);
    return agreed;
}

static void *run_band_stats(void *arg)
{
    band_job *job = arg;
    job->result = blz_stats_compute(job->view, &job->options, &job->stats);
    return NULL;
}

/* Run the bands' stats in threads; bad_band (or -1) is given a bad percentile. */
static void split_stats(blz_cache *views[BANDS], const blz_stats_options *o, int bad_band,
                        band_job jobs[BANDS])
{
    shared_counts shared = { .status = BLZ_OK, .sum = calloc(BUCKET_LEN_MAX, sizeof(uint64_t)) };
    ck_assert_ptr_nonnull(shared.sum);
    pthread_barrier_init(&shared.barrier, NULL, BANDS);
    pthread_mutex_init(&shared.lock, NULL);
    pthread_t threads[BANDS];
    for (int b = 0; b < BANDS; b++) {
        jobs[b] = (band_job){ .shared = &shared, .view = views[b], .options = *o };
        jobs[b].options.combine_counts = sum_counts;
        jobs[b].options.combine_ctx = &shared;
        if (b == bad_band)
            jobs[b].options.percentiles[0] = 150;
        ck_assert_int_eq(pthread_create(&threads[b], NULL, run_band_stats, &jobs[b]), 0);
    }
    for (int b = 0; b < BANDS; b++)
        pthread_join(threads[b], NULL);
    pthread_barrier_destroy(&shared.barrier);
    pthread_mutex_destroy(&shared.lock);
    free(shared.sum);
}

START_TEST(stats_percentiles_exact_over_bands)
{
    bands f;
    bands_open(&f);
    blz_stats_options o = blz_stats_defaults();
    const double ps[] = { 0, 0.35, 12.5, 33.3, 50, 99.65, 100 };
    o.npercentiles = (int)(sizeof ps / sizeof ps[0]);
    memcpy(o.percentiles, ps, sizeof ps);
    o.threads = 1;
    blz_stats alone;
    ck_assert_int_eq(blz_stats_compute(f.whole, &o, &alone), BLZ_OK);
    band_job jobs[BANDS];
    split_stats(f.views, &o, -1, jobs);
    uint64_t nans = 0, values = 0;
    for (int b = 0; b < BANDS; b++) {
        ck_assert_int_eq(jobs[b].result, BLZ_OK);
        for (int p = 0; p < o.npercentiles; p++)
            ck_assert(jobs[b].stats.percentiles[p] == alone.percentiles[p]);
        nans += jobs[b].stats.nan_count;
        values += jobs[b].stats.values;
    }
    ck_assert_uint_eq(nans, alone.nan_count);
    ck_assert_uint_eq(values, alone.values);
    ck_assert(alone.nan_count > 0 && alone.percentiles[0] < alone.percentiles[6]);
    bands_close(&f);
}
END_TEST

START_TEST(stats_band_failure_reaches_every_band)
{
    bands f;
    bands_open(&f);
    blz_stats_options o = blz_stats_defaults();
    o.threads = 1;
    band_job jobs[BANDS];
    split_stats(f.views, &o, 1, jobs);
    for (int b = 0; b < BANDS; b++)
        ck_assert_int_eq(jobs[b].result, BLZ_ERR_INVALID);
    bands_close(&f);
}
END_TEST

/* ---- ROI traces in whole-frame coordinates ---- */

enum { NROIS = 4, NSTATS = 4 };
static const int roi_stats[NSTATS] = { BLZ_ROI_COUNT, BLZ_ROI_MIN, BLZ_ROI_MAX, BLZ_ROI_SUM };

START_TEST(roi_whole_frame_over_bands)
{
    bands f;
    bands_open(&f);
    static const double tri[] = { 2.5, 3.2, 35.7, 10, 20, 44.5 };
    static const double bow[] = { 0, 0, 37, 45, 0, 45, 37, 0 };
    blz_roi rois[NROIS] = {
        { .kind = BLZ_ROI_RECT, .x = 3, .y = 5, .w = 20, .h = 30, .whole_frame = 1 },
        { .kind = BLZ_ROI_RECT, .x = 0, .y = 0, .w = W, .h = H, .whole_frame = 1 },
        { .kind = BLZ_ROI_POLYGON, .npoints = 3, .points = tri, .whole_frame = 1 },
        { .kind = BLZ_ROI_POLYGON, .npoints = 4, .points = bow, .whole_frame = 1 },
    };
    blz_pipeline none = blz_pipeline_defaults();
    blz_run_options run = blz_run_defaults();
    double alone[T * NROIS * NSTATS], part[T * NROIS * NSTATS];
    double sum[T * NROIS * NSTATS] = { 0 };
    ck_assert_int_eq(blz_pipeline_roi(f.whole, &none, &run, rois, NROIS, roi_stats, NSTATS, alone),
                     BLZ_OK);
    for (size_t i = 0; i < T * NROIS; i++) {
        sum[i * NSTATS + 1] = INFINITY;
        sum[i * NSTATS + 2] = -INFINITY;
    }
    for (int b = 0; b < BANDS; b++) {
        ck_assert_int_eq(blz_pipeline_roi(f.views[b], &none, &run, rois, NROIS, roi_stats, NSTATS,
                                          part), BLZ_OK);
        for (size_t i = 0; i < T * NROIS; i++) {
            const double *p = part + i * NSTATS;
            double *s = sum + i * NSTATS;
            if (p[0] == 0)
                continue;
            s[0] += p[0];
            s[1] = fmin(s[1], p[1]);
            s[2] = fmax(s[2], p[2]);
            s[3] += p[3];
        }
    }
    for (size_t i = 0; i < T * NROIS; i++) {
        const double *a = alone + i * NSTATS, *s = sum + i * NSTATS;
        ck_assert(a[0] > 0 && s[0] == a[0] && s[1] == a[1] && s[2] == a[2]);
        ck_assert(fabs(s[3] - a[3]) <= 1e-12 * fabs(a[3]));
    }
    bands_close(&f);
}
END_TEST

/* ---- reference images cropped to the band ---- */

START_TEST(reference_image_cropped_to_band)
{
    bands f;
    bands_open(&f);
    double ref[H * W];
    for (int i = 0; i < H * W; i++)
        ref[i] = 0.5 + (i % 11) * 0.25;
    char *ref_path = tu_fmt("%s/ref.npy", f.dir);
    const int64_t shape[2] = { H, W };
    ck_assert_int_eq(blz_npy_write(ref_path, BLZ_DTYPE_F64, ref, 2, shape), BLZ_OK);
    blz_pipeline p = blz_pipeline_defaults();
    ck_assert_int_eq(blz_reference_parse(ref_path, &p.divide), BLZ_OK);
    blz_reduce_options o = blz_reduce_defaults(BLZ_OP_MEDIAN);
    double alone[H * W], band[H * W];
    ck_assert_int_eq(blz_pipeline_reduce(f.whole, &p, &o, alone), BLZ_OK);
    for (int b = 0; b < BANDS; b++) {
        const blz_layout *l = blz_cache_layout(f.views[b]);
        ck_assert_int_eq(blz_pipeline_reduce(f.views[b], &p, &o, band), BLZ_OK);
        size_t first = (size_t)blz_cache_row_offset(f.views[b]) * W;
        ck_assert(memcmp(band, alone + first, l->frame_values * sizeof *band) == 0);
    }
    free(ref_path);
    bands_close(&f);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("bands");
    TCase *tc = tcase_create("bands");
    tcase_add_test(tc, stats_percentiles_exact_over_bands);
    tcase_add_test(tc, stats_band_failure_reaches_every_band);
    tcase_add_test(tc, roi_whole_frame_over_bands);
    tcase_add_test(tc, reference_image_cropped_to_band);
    suite_add_tcase(s, tc);
    return tu_run_suite(s);
}
