/*
 * query_mpi.c - the query_mpi.h calls over Open MPI: bands of tile rows balanced by
 * stored bytes, a status agreement after every phase that can fail, rows gathered in
 * order (MPI_Gatherv), statistics merged exactly (histograms summed between the
 * passes), and ROI traces combined from each band's sums, counts and extremes.
 */
#include "query_mpi.h"

#include <math.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"

enum { MESSAGE_BYTES = 512, ROOT = 0 };

static struct {
    bool on;        /* joined an MPI job (started by mpirun) */
    int rank, size;
} job;

bool query_mpi_start(int *argc, char ***argv, bool spreads, int *code)
{
    *code = 0;
    const char *rank = getenv("OMPI_COMM_WORLD_RANK");
    if (!getenv("OMPI_COMM_WORLD_SIZE"))
        return true;  /* not started by mpirun: alone, without MPI's start-up cost */
    if (!spreads)
        return !rank || strcmp(rank, "0") == 0;  /* rank 0 alone, without MPI */
    if (MPI_Init(argc, argv) != MPI_SUCCESS) {
        fprintf(stderr, "%s: cannot join the MPI job\n", tool_name);
        *code = EXIT_SOFTWARE;
        return false;
    }
    job.on = true;
    MPI_Comm_rank(MPI_COMM_WORLD, &job.rank);
    MPI_Comm_size(MPI_COMM_WORLD, &job.size);
    return true;
}

int query_mpi_end(int code)
{
    if (job.on)
        MPI_Finalize();
    return code;
}

bool query_mpi_root(void)
{
    return job.rank == ROOT;
}

/* Agree on this rank's exit code; the first failing rank's message is printed once. */
static int agree_code(int code, const char *message)
{
    if (!job.on) {
        if (code)
            fprintf(stderr, "%s: %s\n", tool_name, message);
        return code;
    }
    int mine = code ? job.rank : job.size, first;
    MPI_Allreduce(&mine, &first, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
    if (first == job.size)
        return 0;
    struct { int code; char message[MESSAGE_BYTES]; } failure = { code, "" };
    if (job.rank == first)
        snprintf(failure.message, sizeof failure.message, "%s", message);
    MPI_Bcast(&failure, (int)sizeof failure, MPI_BYTE, first, MPI_COMM_WORLD);
    if (job.rank == ROOT)
        fprintf(stderr, "%s: rank %d: %s\n", tool_name, first, failure.message);
    return failure.code;
}

int query_mpi_agree(int status)
{
    const char *message = blz_errmsg();
    if (status != BLZ_OK && !(message && *message))
        message = blz_strerror(status);
    return agree_code(status == BLZ_OK ? 0 : tool_exit_code(status),
                      status == BLZ_OK ? "" : message);
}

/* ---- bands ---- */

/* This rank's share: tile rows first[rank]..first[rank+1]-1 (empty for ranks beyond
 * the tile rows), its view, and a communicator of the ranks holding rows; and every
 * rank's pixel rows, for gathering. */
typedef struct band {
    int32_t *first;      /* job.size + 1 entries */
    int *row_start;      /* per rank: first pixel row */
    int *row_count;      /* per rank: pixel rows */
    blz_cache *view;     /* NULL without rows */
    MPI_Comm computing;  /* MPI_COMM_NULL without rows */
} band;

/* Stored bytes before each tile row: before[ty] for ty = 0..ny. */
static int bytes_before_rows(const blz_cache *cache, double *before)
{
    const blz_layout *l = blz_cache_layout(cache);
    for (int32_t ty = 0; ty <= l->ny; ty++)
        before[ty] = 0;
    for (int64_t tb = 0; tb < l->nt; tb++)
        for (int32_t ty = 0; ty < l->ny; ty++)
            for (int32_t tx = 0; tx < l->nx; tx++) {
                blz_chunk_entry e;
                int st = blz_cache_chunk_entry(cache, blz_chunk_id(l, tb, ty, tx), &e);
                if (st != BLZ_OK)
                    return st;
                before[ty + 1] += (double)e.stored_size;
            }
    for (int32_t ty = 0; ty < l->ny; ty++)
        before[ty + 1] += before[ty];
    return BLZ_OK;
}

/* Cut the tile rows into min(size, ny) contiguous bands of near-equal stored bytes,
 * each of at least one row. */
static int cut_bands(const blz_cache *cache, int32_t *first)
{
    const blz_layout *l = blz_cache_layout(cache);
    double *before = malloc(((size_t)l->ny + 1) * sizeof *before);
    if (!before)
        return BLZ_ERR_NOMEM;
    int st = bytes_before_rows(cache, before);
    int bands = job.size < l->ny ? job.size : l->ny;
    first[0] = 0;
    for (int k = 1; k <= job.size; k++) {
        int32_t end = k >= bands ? l->ny : first[k - 1] + 1;
        double target = before[l->ny] * k / bands;
        while (k < bands && end < l->ny - (bands - k) && before[end] < target)
            end++;
        first[k] = end;
    }
    free(before);
    return st;
}

static void band_close(band *b)
{
    if (b->view)
        blz_cache_close(b->view);
    if (b->computing != MPI_COMM_NULL)
        MPI_Comm_free(&b->computing);
    free(b->first);
    free(b->row_start);
}

/* Every rank's pixel rows from the tile rows of the bands. */
static void band_pixel_rows(const blz_cache *cache, band *b)
{
    const blz_layout *l = blz_cache_layout(cache);
    for (int r = 0; r < job.size; r++) {
        int64_t y0 = (int64_t)b->first[r] * l->th, y1 = (int64_t)b->first[r + 1] * l->th;
        b->row_start[r] = (int)(y0 < l->height ? y0 : l->height);
        b->row_count[r] = (int)(y1 < l->height ? y1 : l->height) - b->row_start[r];
    }
}

/* Open this rank's band; exit code agreed by all ranks. */
static int band_open(const blz_cache *cache, band *b)
{
    *b = (band){ .computing = MPI_COMM_NULL };
    b->first = malloc(((size_t)job.size + 1) * sizeof *b->first);
    b->row_start = malloc(2 * (size_t)job.size * sizeof *b->row_start);
    b->row_count = b->row_start ? b->row_start + job.size : NULL;
    int st = b->first && b->row_start ? cut_bands(cache, b->first) : BLZ_ERR_NOMEM;
    if (st == BLZ_OK)
        band_pixel_rows(cache, b);
    bool rows = st == BLZ_OK && b->first[job.rank] < b->first[job.rank + 1];
    if (rows)
        st = blz_cache_open_rows(&b->view, cache, b->first[job.rank], b->first[job.rank + 1]);
    int rc = query_mpi_agree(st);
    if (rc == 0)
        MPI_Comm_split(MPI_COMM_WORLD, rows ? 0 : MPI_UNDEFINED, job.rank, &b->computing);
    else
        band_close(b);
    return rc;
}

/* ---- reductions ---- */

/* Rank 0 collects every band's rows of the image, in order. */
static void gather_rows(const blz_cache *cache, const band *b, const double *part, double *out)
{
    const blz_layout *l = blz_cache_layout(cache);
    MPI_Datatype row;
    MPI_Type_contiguous(l->width * l->channels, MPI_DOUBLE, &row);
    MPI_Type_commit(&row);
    MPI_Gatherv(part, b->row_count[job.rank], row, out, b->row_count, b->row_start, row, ROOT,
                MPI_COMM_WORLD);
    MPI_Type_free(&row);
}

static int reduce_band(const band *b, const blz_pipeline *pipeline,
                       const blz_reduce_options *options, double **part)
{
    if (!b->view)
        return BLZ_OK;
    *part = malloc(blz_cache_layout(b->view)->frame_values * sizeof **part);
    if (!*part)
        return BLZ_ERR_NOMEM;
    return pipeline ? blz_pipeline_reduce(b->view, pipeline, options, *part)
                    : blz_reduce(b->view, options, *part);
}

int query_mpi_reduce(const blz_cache *cache, const blz_pipeline *pipeline,
                     const blz_reduce_options *options, double *out)
{
    if (!job.on)
        return query_mpi_agree(pipeline ? blz_pipeline_reduce(cache, pipeline, options, out)
                                        : blz_reduce(cache, options, out));
    band b;
    int rc = band_open(cache, &b);
    if (rc != 0)
        return rc;
    double *part = NULL;
    rc = query_mpi_agree(reduce_band(&b, pipeline, options, &part));
    if (rc == 0)
        gather_rows(cache, &b, part, out);
    free(part);
    band_close(&b);
    return rc;
}

/* ---- statistics ---- */

typedef struct counts_ctx {
    MPI_Comm comm;
    bool remote;  /* another rank failed while this one did not */
} counts_ctx;

/* blz_stats_options.combine_counts: sum the histograms of the computing ranks. */
static int combine_counts(void *ctx, int status, uint64_t *counts, size_t len)
{
    counts_ctx *c = ctx;
    int agreed;
    MPI_Allreduce(&status, &agreed, 1, MPI_INT, MPI_MIN, c->comm);
    if (agreed != BLZ_OK) {
        c->remote |= status == BLZ_OK;
        return agreed;
    }
    MPI_Allreduce(MPI_IN_PLACE, counts, (int)len, MPI_UINT64_T, MPI_SUM, c->comm);
    return BLZ_OK;
}

/* A band's figures: count, mean, sum of squared deviations, min, max (non-NaN
 * values), then values and NaNs. */
enum { FIG_COUNT, FIG_MEAN, FIG_M2, FIG_MIN, FIG_MAX, FIGURES };

static void band_figures(const blz_stats *s, double fig[FIGURES])
{
    double n = (double)(s->values - s->nan_count);
    fig[FIG_COUNT] = n;
    fig[FIG_MEAN] = n > 0 ? s->mean : 0;
    fig[FIG_M2] = n > 0 ? s->std * s->std * n : 0;
    fig[FIG_MIN] = n > 0 ? s->min : INFINITY;
    fig[FIG_MAX] = n > 0 ? s->max : -INFINITY;
}

/* Chan et al.'s merge of b into a. */
static void merge_figures(double a[FIGURES], const double b[FIGURES])
{
    if (b[FIG_COUNT] == 0)
        return;
    double n = a[FIG_COUNT] + b[FIG_COUNT], delta = b[FIG_MEAN] - a[FIG_MEAN];
    a[FIG_MEAN] += delta * (b[FIG_COUNT] / n);
    a[FIG_M2] += b[FIG_M2] + delta * delta * (a[FIG_COUNT] * b[FIG_COUNT] / n);
    a[FIG_COUNT] = n;
    a[FIG_MIN] = fmin(a[FIG_MIN], b[FIG_MIN]);
    a[FIG_MAX] = fmax(a[FIG_MAX], b[FIG_MAX]);
}

/* Rank 0 merges the bands' figures, in rank order, into its stats. */
static int merge_stats(const band *b, blz_stats *s)
{
    double mine[FIGURES] = { 0, 0, 0, INFINITY, -INFINITY };
    uint64_t tallies[2] = { 0, 0 };
    if (b->view) {
        band_figures(s, mine);
        tallies[0] = s->values;
        tallies[1] = s->nan_count;
    }
    double *all = job.rank == ROOT ? malloc((size_t)job.size * FIGURES * sizeof *all) : NULL;
    uint64_t total[2];
    int st = query_mpi_agree(job.rank != ROOT || all ? BLZ_OK : BLZ_ERR_NOMEM);
    if (st != 0)
        return st;
    MPI_Gather(mine, FIGURES, MPI_DOUBLE, all, FIGURES, MPI_DOUBLE, ROOT, MPI_COMM_WORLD);
    MPI_Reduce(tallies, total, 2, MPI_UINT64_T, MPI_SUM, ROOT, MPI_COMM_WORLD);
    if (job.rank == ROOT) {
        double merged[FIGURES] = { 0, 0, 0, INFINITY, -INFINITY };
        for (int r = 0; r < job.size; r++)
            merge_figures(merged, all + (size_t)r * FIGURES);
        bool any = merged[FIG_COUNT] > 0;
        s->values = total[0];
        s->nan_count = total[1];
        s->min = any ? merged[FIG_MIN] : NAN;
        s->max = any ? merged[FIG_MAX] : NAN;
        s->mean = any ? merged[FIG_MEAN] : NAN;
        s->std = any ? sqrt(merged[FIG_M2] / merged[FIG_COUNT]) : NAN;
    }
    free(all);
    return 0;
}

int query_mpi_stats(const blz_cache *cache, const blz_stats_options *options,
                    blz_stats *stats)
{
    if (!job.on)
        return query_mpi_agree(blz_stats_compute(cache, options, stats));
    band b;
    int rc = band_open(cache, &b);
    if (rc != 0)
        return rc;
    counts_ctx ctx = { b.computing, false };
    blz_stats_options o = *options;
    o.combine_counts = combine_counts;
    o.combine_ctx = &ctx;
    int st = b.view ? blz_stats_compute(b.view, &o, stats) : BLZ_OK;
    rc = query_mpi_agree(ctx.remote ? BLZ_OK : st);
    if (rc == 0)
        rc = merge_stats(&b, stats);
    band_close(&b);
    return rc;
}

int query_mpi_pipeline_stats(const blz_cache *cache, const blz_pipeline *pipeline,
                             const blz_run_options *run, const blz_stats_options *options,
                             blz_stats *stats)
{
    int st = job.rank == ROOT ? blz_pipeline_stats(cache, pipeline, run, options, stats)
                              : BLZ_OK;
    return query_mpi_agree(st);
}

/* ---- ROI traces ---- */

/* What each band reports per frame and ROI; the parts combine by sum, sum, min, max. */
enum { PART_SUM, PART_COUNT, PART_MIN, PART_MAX, PARTS };
static const int part_stats[PARTS] = { BLZ_ROI_SUM, BLZ_ROI_COUNT, BLZ_ROI_MIN, BLZ_ROI_MAX };

/* Sums, counts and extremes combine from the bands' parts; a median is computed by
 * rank 0 alone (exact, not spread). */
static bool roi_spreads(const int *stats, int nstats)
{
    for (int s = 0; s < nstats; s++)
        if (stats[s] == BLZ_ROI_MEDIAN)
            return false;
    return true;
}

/* Whether the bounding rows of a ROI (as the library computes them) meet y0..y1-1. */
static bool roi_meets_rows(const blz_roi *roi, int32_t y0, int32_t y1)
{
    double top = roi->y, bottom = (double)roi->y + roi->h;
    if (roi->kind == BLZ_ROI_POLYGON) {
        top = INFINITY;
        bottom = -INFINITY;
        for (int i = 0; i < roi->npoints; i++) {
            top = fmin(top, floor(roi->points[2 * i + 1]));
            bottom = fmax(bottom, ceil(roi->points[2 * i + 1]));
        }
    }
    return top < y1 && bottom > y0;
}

/* This band's ROIs (those meeting rows y0..y1-1, in whole-frame coordinates: the
 * library keeps their pixels in the band) and, in whole[], the index of each among
 * all ROIs. */
static int band_rois(const blz_roi *rois, int nrois, int32_t y0, int32_t y1, blz_roi *part,
                     int *whole)
{
    int n = 0;
    for (int r = 0; r < nrois; r++)
        if (roi_meets_rows(&rois[r], y0, y1)) {
            part[n] = rois[r];
            part[n].whole_frame = 1;
            whole[n++] = r;
        }
    return n;
}

/* Plane k of the parts: one value per frame and ROI. */
static double *plane(double *parts, size_t n, int k)
{
    return parts + (size_t)k * n;
}

/* This band's parts (PARTS planes of frames x nrois), neutral where a ROI misses it. */
static int roi_band_parts(const band *b, const blz_pipeline *pipeline, const blz_run_options *run,
                          const blz_roi *rois, int nrois, int64_t frames, double *parts)
{
    size_t n = (size_t)frames * (size_t)nrois;
    for (size_t i = 0; i < n; i++) {
        plane(parts, n, PART_SUM)[i] = plane(parts, n, PART_COUNT)[i] = 0;
        plane(parts, n, PART_MIN)[i] = INFINITY;
        plane(parts, n, PART_MAX)[i] = -INFINITY;
    }
    if (!b->view)
        return BLZ_OK;
    int32_t y0 = blz_cache_row_offset(b->view);
    int32_t y1 = y0 + blz_cache_layout(b->view)->height;
    blz_roi *mine = malloc((size_t)nrois * sizeof *mine);
    int *whole = malloc((size_t)nrois * sizeof *whole);
    int k = mine && whole ? band_rois(rois, nrois, y0, y1, mine, whole) : -1;
    double *got = k > 0 ? malloc((size_t)frames * (size_t)k * PARTS * sizeof *got) : NULL;
    int st = k < 0 || (k > 0 && !got) ? BLZ_ERR_NOMEM : BLZ_OK;
    if (got)
        st = blz_pipeline_roi(b->view, pipeline, run, mine, k, part_stats, PARTS, got);
    for (int64_t f = 0; st == BLZ_OK && f < frames; f++)
        for (int r = 0; r < k; r++) {
            const double *g = got + ((size_t)f * (size_t)k + (size_t)r) * PARTS;
            size_t at = (size_t)f * (size_t)nrois + (size_t)whole[r];
            for (int q = 0; g[PART_COUNT] > 0 && q < PARTS; q++)
                plane(parts, n, q)[at] = g[q];
        }
    free(got);
    free(whole);
    free(mine);
    return st;
}

/* Rank 0: the asked statistics from the combined parts. */
static void roi_finish(double *parts, int64_t frames, int nrois, const int *stats, int nstats,
                       double *out)
{
    size_t n = (size_t)frames * (size_t)nrois;
    for (size_t i = 0; i < n; i++) {
        double sum = plane(parts, n, PART_SUM)[i], count = plane(parts, n, PART_COUNT)[i];
        for (int s = 0; s < nstats; s++) {
            double v = count;
            switch (stats[s]) {
            case BLZ_ROI_MEAN: v = sum / count; break;
            case BLZ_ROI_SUM: v = sum; break;
            case BLZ_ROI_MIN: v = plane(parts, n, PART_MIN)[i]; break;
            case BLZ_ROI_MAX: v = plane(parts, n, PART_MAX)[i]; break;
            default: break;
            }
            out[i * (size_t)nstats + (size_t)s] = count > 0 || stats[s] == BLZ_ROI_COUNT ? v : NAN;
        }
    }
}

/* Combine the bands' parts on rank 0: sums and counts added, extremes kept. */
static void roi_combine(double *parts, size_t n)
{
    for (int k = PART_SUM; k < PARTS; k++) {
        MPI_Op op = k == PART_MIN ? MPI_MIN : k == PART_MAX ? MPI_MAX : MPI_SUM;
        double *p = plane(parts, n, k);
        MPI_Reduce(job.rank == ROOT ? MPI_IN_PLACE : p, p, (int)n, MPI_DOUBLE, op, ROOT,
                   MPI_COMM_WORLD);
    }
}

/* Rank 0 checks the ROIs on the whole frame as one process would (one frame, no
 * stages), since each band sees only the ROIs meeting its rows. */
static int roi_check(const blz_cache *cache, const blz_run_options *run, const blz_roi *rois,
                     int nrois)
{
    if (job.rank != ROOT)
        return BLZ_OK;
    blz_pipeline none = blz_pipeline_defaults();
    blz_run_options first = { { 0, 1, 1 }, run->ram_budget, run->threads };
    int count = BLZ_ROI_COUNT;
    double *counts = malloc((size_t)nrois * sizeof *counts);
    int st = counts ? blz_pipeline_roi(cache, &none, &first, rois, nrois, &count, 1, counts)
                    : BLZ_ERR_NOMEM;
    free(counts);
    return st;
}

static int roi_spread(const blz_cache *cache, const blz_pipeline *pipeline,
                      const blz_run_options *run, const blz_roi *rois, int nrois,
                      const int *stats, int nstats, double *out)
{
    int64_t frames;
    int rc = query_mpi_agree(blz_pipeline_outputs(cache, pipeline, &run->frames, &frames));
    size_t n = (size_t)frames * (size_t)nrois;
    if (rc == 0)
        rc = query_mpi_agree(n < INT32_MAX / PARTS ? BLZ_OK : BLZ_ERR_RANGE);
    if (rc == 0)
        rc = query_mpi_agree(roi_check(cache, run, rois, nrois));
    band b;
    if (rc != 0 || (rc = band_open(cache, &b)) != 0)
        return rc;
    double *parts = malloc(n * PARTS * sizeof *parts + 1);
    rc = query_mpi_agree(parts ? roi_band_parts(&b, pipeline, run, rois, nrois, frames, parts)
                               : BLZ_ERR_NOMEM);
    if (rc == 0) {
        roi_combine(parts, n);
        if (job.rank == ROOT)
            roi_finish(parts, frames, nrois, stats, nstats, out);
    }
    free(parts);
    band_close(&b);
    return rc;
}

int query_mpi_roi(const blz_cache *cache, const blz_pipeline *pipeline,
                  const blz_run_options *run, const blz_roi *rois, int nrois,
                  const int *stats, int nstats, double *out)
{
    if (job.on && roi_spreads(stats, nstats))
        return roi_spread(cache, pipeline, run, rois, nrois, stats, nstats, out);
    int st = job.rank == ROOT
                 ? blz_pipeline_roi(cache, pipeline, run, rois, nrois, stats, nstats, out)
                 : BLZ_OK;
    return query_mpi_agree(st);
}
