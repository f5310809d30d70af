/*
 * roi.c - ROI traces of the processed frames: rectangles and even-odd polygons turned
 * into runs of pixels along rows over the ROIs' bounding region, then per output frame
 * the mean, median, min, max or sum of each ROI's non-NaN values, all ROIs in one
 * pass. Sums, counts and extremes are accumulated per frame strip by strip, so the
 * region may be cut into strips; the median needs all of a frame's ROI values at once,
 * so asking for it makes the region a single strip.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "blitz/pipeline.h"
#include "cache/reader.h"
#include "core/error_internal.h"
#include "core/hot_kernel.h"
#include "core/nan_mask.h"
#include "query/framewalk.h"
#include "query/select.h"
#include "query/stages.h"

static const char *const stat_names[] = {
    [BLZ_ROI_MEAN] = "mean", [BLZ_ROI_MEDIAN] = "median", [BLZ_ROI_MIN] = "min",
    [BLZ_ROI_MAX] = "max", [BLZ_ROI_SUM] = "sum", [BLZ_ROI_COUNT] = "count",
};

const char *blz_roi_stat_name(int stat)
{
    return stat >= BLZ_ROI_MEAN && stat <= BLZ_ROI_COUNT ? stat_names[stat] : NULL;
}

int blz_roi_stat_from_name(const char *name)
{
    for (int s = BLZ_ROI_MEAN; s <= BLZ_ROI_COUNT; s++)
        if (strcmp(stat_names[s], name) == 0)
            return s;
    return -1;
}

/* Bounding box x0, y0, x1, y1 (exclusive) of a ROI's candidate pixels, after checking
 * that it lies inside the width x height frame. */
static int roi_bounds(const blz_roi *roi, int index, const blz_layout *l, const char *path,
                      int32_t box[4])
{
    if (roi->kind == BLZ_ROI_RECT) {
        if (roi->w < 1 || roi->h < 1 || roi->x < 0 || roi->y < 0
            || (int64_t)roi->x + roi->w > l->width || (int64_t)roi->y + roi->h > l->height)
            return blz_fail(BLZ_ERR_INVALID, "%s: ROI %d: rectangle %d,%d,%d,%d is not inside "
                            "the %d x %d frame", path, index + 1, roi->x, roi->y, roi->w,
                            roi->h, l->width, l->height);
        box[0] = roi->x;
        box[1] = roi->y;
        box[2] = roi->x + roi->w;
        box[3] = roi->y + roi->h;
        return BLZ_OK;
    }
    if (roi->kind != BLZ_ROI_POLYGON || roi->npoints < 3 || !roi->points)
        return blz_fail(BLZ_ERR_INVALID, "%s: ROI %d: a polygon needs at least 3 points",
                        path, index + 1);
    double lo[2] = { INFINITY, INFINITY }, hi[2] = { -INFINITY, -INFINITY };
    double limit[2] = { l->width, l->height };
    for (int i = 0; i < 2 * roi->npoints; i++) {
        double v = roi->points[i];
        if (!(v >= 0 && v <= limit[i % 2]))
            return blz_fail(BLZ_ERR_INVALID, "%s: ROI %d: polygon point %d (%g) is outside the "
                            "%d x %d frame", path, index + 1, i / 2 + 1, v, l->width, l->height);
        lo[i % 2] = fmin(lo[i % 2], v);
        hi[i % 2] = fmax(hi[i % 2], v);
    }
    box[0] = (int32_t)floor(lo[0]);
    box[1] = (int32_t)floor(lo[1]);
    box[2] = (int32_t)ceil(hi[0]);
    box[3] = (int32_t)ceil(hi[1]);
    return BLZ_OK;
}

/* A ROI's bounding box in the cache's rows: a whole-frame ROI of a view is checked
 * against the whole frame, then cut to the view's rows (possibly to nothing). */
static int roi_box(const blz_stages *st, const blz_roi *roi, int index, int32_t box[4])
{
    const blz_cache *whole = roi->whole_frame && st->cache->parent ? st->cache->parent : NULL;
    int rc = roi_bounds(roi, index, whole ? &whole->layout : st->layout, st->path, box);
    for (int k = 1; whole && k < 4; k += 2) {
        int32_t y = box[k] - st->cache->row_offset;
        box[k] = y < 0 ? 0 : y > st->layout->height ? st->layout->height : y;
    }
    return rc;
}

/* Even-odd rule: whether (px, py) is inside the polygon. */
static bool inside_polygon(const blz_roi *roi, double px, double py)
{
    bool inside = false;
    const double *p = roi->points;
    for (int i = 0, j = roi->npoints - 1; i < roi->npoints; j = i++) {
        double xi = p[2 * i], yi = p[2 * i + 1], xj = p[2 * j], yj = p[2 * j + 1];
        if ((yi > py) != (yj > py) && px < (xj - xi) * (py - yi) / (yj - yi) + xi)
            inside = !inside;
    }
    return inside;
}

/* A run of a ROI's pixels along one row: columns x0 .. x1 - 1 of row y, both
 * relative to the region's corner. */
typedef struct roi_span {
    int32_t y, x0, x1;
} roi_span;

typedef struct roi_run {
    const blz_stages *st;
    blz_region region;
    int nrois, nstats;
    const int *stats;
    roi_span **spans;   /* per ROI: its pixels as row runs, rows in order */
    size_t *nspans;
    size_t *npixels;
    float *scratch;     /* median: the largest ROI's values */
    double *parts;      /* the figures of each run of a strip (4 per run) */
    int threads;
    uint32_t *counts;
    bool median;        /* a median is asked for: one strip */
    double *partial;    /* per output frame and ROI: sum, count, min, max */
    double *out;
} roi_run;

/* Whether pixel (x, y) of the ROI (cache rows, offset to whole-frame rows) is in it. */
static bool roi_holds(const blz_roi *roi, int32_t x, int32_t y, int32_t offset)
{
    return roi->kind == BLZ_ROI_RECT || inside_polygon(roi, x + 0.5, y + offset + 0.5);
}

/* ROI r's pixels inside box as row runs. */
static int roi_spans(roi_run *run, const blz_roi *roi, int r, const int32_t box[4])
{
    size_t rows = box[3] > box[1] ? (size_t)(box[3] - box[1]) : 0;
    size_t per_row = roi->kind == BLZ_ROI_RECT ? 1 : (size_t)(box[2] - box[0]) / 2 + 1;
    run->spans[r] = malloc((rows ? rows * per_row : 1) * sizeof **run->spans);
    if (!run->spans[r])
        return blz_fail(BLZ_ERR_NOMEM, "%s: out of memory for ROI %d", run->st->path, r + 1);
    size_t n = 0, pixels = 0;
    int32_t offset = roi->whole_frame ? run->st->cache->row_offset : 0;
    for (int32_t y = box[1]; y < box[3]; y++)
        for (int32_t x = box[0]; x < box[2]; x++) {
            if (!roi_holds(roi, x, y, offset))
                continue;
            int32_t ry = y - run->region.y0, rx = x - run->region.x0;
            roi_span *last = n ? &run->spans[r][n - 1] : NULL;
            if (last && last->y == ry && last->x1 == rx)
                last->x1++;
            else
                run->spans[r][n++] = (roi_span){ ry, rx, rx + 1 };
            pixels++;
        }
    run->nspans[r] = n;
    run->npixels[r] = pixels;
    if (pixels == 0 && !roi->whole_frame)
        return blz_fail(BLZ_ERR_INVALID, "%s: ROI %d holds no pixel centre", run->st->path,
                        r + 1);
    return BLZ_OK;
}

/* Bounding region of all ROIs, then each ROI's row runs. */
static int build_masks(roi_run *run, const blz_roi *rois)
{
    int32_t all[4] = { INT32_MAX, INT32_MAX, 0, 0 }, (*boxes)[4] = calloc((size_t)run->nrois,
                                                                        sizeof *boxes);
    if (!boxes)
        return blz_fail(BLZ_ERR_NOMEM, "%s: out of memory for ROIs", run->st->path);
    int rc = BLZ_OK;
    for (int r = 0; rc == BLZ_OK && r < run->nrois; r++) {
        rc = roi_box(run->st, &rois[r], r, boxes[r]);
        bool meets = boxes[r][1] < boxes[r][3] || !rois[r].whole_frame;
        for (int k = 0; rc == BLZ_OK && meets && k < 4; k++)
            all[k] = k < 2 ? (boxes[r][k] < all[k] ? boxes[r][k] : all[k])
                           : (boxes[r][k] > all[k] ? boxes[r][k] : all[k]);
    }
    if (rc == BLZ_OK && all[1] > all[3])
        rc = blz_fail(BLZ_ERR_INVALID, "%s: no ROI reaches these rows", run->st->path);
    run->region = (blz_region){ all[0], all[1], all[2] - all[0], all[3] - all[1] };
    for (int r = 0; rc == BLZ_OK && r < run->nrois; r++)
        rc = roi_spans(run, &rois[r], r, boxes[r]);
    free(boxes);
    return rc;
}

static double *partial_of(const roi_run *run, int64_t n, int r)
{
    return run->partial + ((size_t)n * (size_t)run->nrois + (size_t)r) * 4;
}

/* Values of a run folded side by side, each lane with its own sums or extremes (16
 * floats: one AVX-512 register, two AVX2 ones). */
enum { LANES = 16 };

/* Sum and count of the non-NaN values of v[0 .. m-1] into lanes 0 .. m-1 (NaN told by
 * its bits, nan_mask.h, so that the loop vectorises). */
static inline __attribute__((always_inline)) void
lane_sums(const float *v, size_t m, double *sum, uint64_t *count)
{
#pragma omp simd
    for (size_t k = 0; k < m; k++) {
        sum[k] += blz_nan_to_zero(v[k]);
        count[k] += blz_is_number(v[k]);
    }
}

/* Smallest and largest of v[0 .. m-1] into lanes 0 .. m-1 (NaN never replaces one). */
static inline __attribute__((always_inline)) void
lane_extremes(const float *v, size_t m, float *lo, float *hi)
{
#pragma omp simd
    for (size_t k = 0; k < m; k++) {
        lo[k] = v[k] < lo[k] ? v[k] : lo[k];
        hi[k] = v[k] > hi[k] ? v[k] : hi[k];
    }
}

/* The sum, count, min and max of the non-NaN values among n contiguous ones, into
 * part[0..3]. The run is folded in lanes, which are then combined in lane order: the
 * result depends on the run alone, not on the strips or the threads. */
HOT_KERNEL static void fold_run(const float *v, size_t n, double part[4])
{
    double sum[LANES] = { 0 };
    uint64_t count[LANES] = { 0 };
    float lo[LANES], hi[LANES];
    for (size_t k = 0; k < LANES; k++) {
        lo[k] = INFINITY;
        hi[k] = -INFINITY;
    }
    size_t i = 0;
    for (; i + LANES <= n; i += LANES)   /* a constant count: the lanes stay in registers */
        lane_sums(v + i, LANES, sum, count);
    lane_sums(v + i, n - i, sum, count);
    for (i = 0; i + LANES <= n; i += LANES)
        lane_extremes(v + i, LANES, lo, hi);
    lane_extremes(v + i, n - i, lo, hi);
    part[0] = part[1] = 0.0;
    part[2] = INFINITY;
    part[3] = -INFINITY;
    for (size_t k = 0; k < LANES; k++) {
        part[0] += sum[k];
        part[1] += (double)count[k];
        part[2] = lo[k] < part[2] ? lo[k] : part[2];
        part[3] = hi[k] > part[3] ? hi[k] : part[3];
    }
}

/* A run's figures added to a frame's. */
static void add_part(double *acc, const double part[4])
{
    acc[0] += part[0];
    acc[1] += part[1];
    acc[2] = part[2] < acc[2] ? part[2] : acc[2];
    acc[3] = part[3] > acc[3] ? part[3] : acc[3];
}

/* The non-NaN values of v[0 .. n-1] appended to kept; returns how many. */
static size_t keep_values(const float *v, size_t n, float *kept)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (!isnan(v[i]))
            kept[k++] = v[i];
    return k;
}

/* The first of ROI r's runs at or below region row y (runs are in row order). */
static size_t first_run_from(const roi_run *run, int r, int32_t y)
{
    size_t lo = 0, hi = run->nspans[r];
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (run->spans[r][mid].y < y)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* Where run sp's n values are in a strip starting at region row first. */
static const float *run_values(const roi_run *run, const roi_span *sp, const float *values,
                               int32_t first, size_t *n)
{
    size_t C = (size_t)run->st->layout->channels;
    *n = (size_t)(sp->x1 - sp->x0) * C;
    return values + ((size_t)(sp->y - first) * (size_t)run->region.w + (size_t)sp->x0) * C;
}

/* Fold ROI r's values in this strip (rows y0..y0+rows-1 of the frame) into acc; with a
 * median asked for, also gather them into the scratch (returns how many). The runs of
 * a big strip are folded in parallel into their own figures, which are then added in
 * order, as one thread does. */
static size_t fold_strip(const roi_run *run, int r, const float *values, int32_t y0,
                         int32_t rows, double *acc)
{
    int32_t first = y0 - run->region.y0;
    size_t a = first_run_from(run, r, first), b = first_run_from(run, r, first + rows);
    size_t strip_values = (size_t)rows * (size_t)run->region.w;
    bool parallel = !run->median && run->threads > 1 && strip_values >= BLZ_PARALLEL_VALUES;
#pragma omp parallel for num_threads(run->threads) schedule(static) if (parallel)
    for (size_t i = a; i < b; i++) {
        size_t n;
        const float *v = run_values(run, &run->spans[r][i], values, first, &n);
        fold_run(v, n, run->parts + 4 * (i - a));
    }
    for (size_t i = a; i < b; i++)
        add_part(acc, run->parts + 4 * (i - a));
    size_t kept = 0;
    for (size_t i = a; run->median && i < b; i++) {
        size_t n;
        const float *v = run_values(run, &run->spans[r][i], values, first, &n);
        kept += keep_values(v, n, run->scratch + kept);
    }
    return kept;
}

/* The statistics of one frame and ROI from its accumulated values. */
static void finish_stats(const roi_run *run, const double *acc, double *dst)
{
    double count = acc[1];
    for (int s = 0; s < run->nstats; s++)
        switch (run->stats[s]) {
        case BLZ_ROI_MEAN: dst[s] = count ? acc[0] / count : NAN; break;
        case BLZ_ROI_SUM: dst[s] = count ? acc[0] : NAN; break;
        case BLZ_ROI_MIN: dst[s] = count ? acc[2] : NAN; break;
        case BLZ_ROI_MAX: dst[s] = count ? acc[3] : NAN; break;
        case BLZ_ROI_COUNT: dst[s] = count; break;
        default: break;  /* the median is stored by the sink */
        }
}

static int roi_sink(void *ctx, int64_t n, int32_t y0, int32_t rows, const float *values)
{
    const roi_run *run = ctx;
    for (int r = 0; r < run->nrois; r++) {
        double *acc = partial_of(run, n, r);
        if (y0 == run->region.y0) {
            acc[0] = acc[1] = 0;
            acc[2] = INFINITY;
            acc[3] = -INFINITY;
        }
        size_t kept = fold_strip(run, r, values, y0, rows, acc);
        double *dst = run->out + ((size_t)n * (size_t)run->nrois + (size_t)r) * (size_t)run->nstats;
        for (int s = 0; run->median && s < run->nstats; s++)
            if (run->stats[s] == BLZ_ROI_MEDIAN)
                dst[s] = blz_select_percentile(run->scratch, kept, 50.0, true, run->counts);
    }
    return BLZ_OK;
}

static void roi_run_free(roi_run *run)
{
    for (int r = 0; run->spans && r < run->nrois; r++)
        free(run->spans[r]);
    free(run->spans);
    free(run->nspans);
    free(run->npixels);
    free(run->scratch);
    free(run->parts);
    free(run->counts);
    free(run->partial);
}

static int check_stats(const int *stats, int nstats, int nrois, const char *path)
{
    if (nrois < 1 || nstats < 1)
        return blz_fail(BLZ_ERR_INVALID, "%s: at least one ROI and one statistic are needed",
                        path);
    for (int s = 0; s < nstats; s++)
        if (!blz_roi_stat_name(stats[s]))
            return blz_fail(BLZ_ERR_INVALID, "%s: unknown ROI statistic %d", path, stats[s]);
    return BLZ_OK;
}

static int run_rois(roi_run *run, const blz_roi *rois, const blz_run_options *o)
{
    run->spans = calloc((size_t)run->nrois, sizeof *run->spans);
    run->nspans = calloc((size_t)run->nrois, sizeof *run->nspans);
    run->npixels = calloc((size_t)run->nrois, sizeof *run->npixels);
    run->counts = malloc(BLZ_SELECT_COUNTS * sizeof *run->counts);
    if (!run->spans || !run->nspans || !run->npixels || !run->counts)
        return blz_fail(BLZ_ERR_NOMEM, "%s: out of memory for ROIs", run->st->path);
    int rc = build_masks(run, rois);
    if (rc != BLZ_OK)
        return rc;
    size_t largest = 0, most_runs = 1, held = 0;
    for (int r = 0; r < run->nrois; r++) {
        largest = run->npixels[r] > largest ? run->npixels[r] : largest;
        most_runs = run->nspans[r] > most_runs ? run->nspans[r] : most_runs;
        held += run->nspans[r] * sizeof(roi_span);
    }
    size_t scratch_values = run->median ? largest * (size_t)run->st->layout->channels : 1;
    size_t partial_values = (size_t)run->st->geom.outputs * (size_t)run->nrois * 4;
    run->scratch = malloc(scratch_values * sizeof(float));
    run->partial = malloc(partial_values * sizeof(double));
    run->parts = malloc(most_runs * 4 * sizeof(double));
    if (!run->scratch || !run->partial || !run->parts)
        return blz_fail(BLZ_ERR_NOMEM, "%s: out of memory for ROI values", run->st->path);
    held += scratch_values * sizeof(float) + (partial_values + most_runs * 4) * sizeof(double)
            + BLZ_SELECT_COUNTS * sizeof(uint32_t);
    blz_walk_options w = { .budget = run->st->budget > held ? run->st->budget - held : 0,
                           .threads = o->threads, .one_strip = run->median };
    run->threads = blz_frame_walk_threads(&w);
    rc = blz_frame_walk(run->st, &run->region, &w, roi_sink, run);
    for (int64_t n = 0; rc == BLZ_OK && n < run->st->geom.outputs; n++)
        for (int r = 0; r < run->nrois; r++)
            finish_stats(run, partial_of(run, n, r),
                         run->out + ((size_t)n * (size_t)run->nrois + (size_t)r)
                                    * (size_t)run->nstats);
    return rc;
}

int blz_pipeline_roi(const blz_cache *cache, const blz_pipeline *pipeline,
                     const blz_run_options *run_options, const blz_roi *rois, int nrois,
                     const int *stats, int nstats, double *out)
{
    int rc = check_stats(stats, nstats, nrois, blz_cache_path(cache));
    if (rc != BLZ_OK)
        return rc;
    blz_stages st;
    rc = blz_stages_prepare(&st, cache, pipeline, &run_options->frames,
                            run_options->ram_budget, run_options->threads);
    if (rc != BLZ_OK)
        return rc;
    roi_run run = { .st = &st, .nrois = nrois, .nstats = nstats, .stats = stats, .out = out };
    for (int s = 0; s < nstats; s++)
        run.median |= stats[s] == BLZ_ROI_MEDIAN;
    rc = run_rois(&run, rois, run_options);
    roi_run_free(&run);
    blz_stages_free(&st);
    return rc;
}
