/*
 * stats_pipeline.c - whole-stack statistics of the processed frames: the frame walk
 * hands over each output frame strip by strip, and every row of it is one group of
 * that row's part (stats.h does the maths). Parts are frame rows, so the figures
 * depend neither on the threads nor on the strip height the budget allows; rows of a
 * large strip are scanned in parallel with per-thread histograms.
 */
#include "query/stats_pipeline.h"

#include <omp.h>

#include "blitz/pipeline.h"
#include "core/checked.h"
#include "core/error_internal.h"
#include "query/stats.h"

typedef struct frame_feed {
    const blz_stages *st;
    blz_region region;
    blz_walk_options walk;
    size_t row_values;
    blz_stats_acc *acc;
} frame_feed;

typedef struct span {
    const float *values;
    size_t n;
} span;

/* One row of values (a blz_row_walk over a span). */
static void span_rows(const void *group, blz_row_fn fn, void *ctx)
{
    const span *s = group;
    fn(ctx, s->values, s->n);
}

static int fold_strip(void *ctx, int64_t n, int32_t y0, int32_t rows, const float *values)
{
    (void)n;
    const frame_feed *f = ctx;
#pragma omp parallel for num_threads(f->walk.threads) if (f->walk.threads > 1)
    for (int32_t r = 0; r < rows; r++) {
        span s = { values + (size_t)r * f->row_values, f->row_values };
        blz_stats_group(f->acc, (size_t)(y0 + r), omp_get_thread_num(), span_rows, &s);
    }
    return BLZ_OK;
}

static int walk_frames(void *ctx, blz_stats_acc *acc)
{
    frame_feed *f = ctx;
    f->acc = acc;
    return blz_frame_walk(f->st, &f->region, &f->walk, fold_strip, f);
}

int blz_stats_walk_options(const blz_stages *st, const blz_stats_options *o, int threads,
                           blz_walk_options *w)
{
    const blz_layout *l = st->layout;
    int n = threads > 0 ? threads : omp_get_max_threads();
    if (l->frame_values < BLZ_PARALLEL_VALUES)
        n = 1;
    size_t hist, held;
    if (!blz_mul_size((size_t)n, blz_stats_hist_bytes(o), &hist)
        || !blz_add_size(hist, blz_stats_held_bytes((size_t)l->height), &held)
        || held >= st->budget)
        return blz_fail(BLZ_ERR_BUDGET, "%s: the memory budget cannot hold the statistics' "
                        "histograms (%zu bytes for %d thread(s))", st->path, hist, n);
    *w = (blz_walk_options){ .budget = st->budget - held, .threads = n };
    return BLZ_OK;
}

int blz_stats_staged(const blz_stages *st, const blz_stats_options *o, int threads,
                     blz_stats *stats)
{
    const blz_layout *l = st->layout;
    frame_feed f = { .st = st, .region = { 0, 0, l->width, l->height },
                     .row_values = (size_t)l->width * (size_t)l->channels };
    int rc = blz_stats_check(o, st->path);
    if (rc == BLZ_OK)
        rc = blz_stats_walk_options(st, o, threads, &f.walk);
    if (rc != BLZ_OK)
        return blz_stats_abandon(o, rc);
    blz_stats_feed feed = { (size_t)l->height, f.walk.threads, walk_frames, &f, st->path };
    *stats = (blz_stats){ .frames = st->geom.outputs,
                          .values = (uint64_t)st->geom.outputs * l->frame_values };
    return blz_stats_run(o, &feed, stats);
}

int blz_pipeline_stats(const blz_cache *cache, const blz_pipeline *pipeline,
                       const blz_run_options *run, const blz_stats_options *options,
                       blz_stats *stats)
{
    blz_stages st;
    int rc = blz_stages_prepare(&st, cache, pipeline, &run->frames, run->ram_budget,
                                run->threads);
    if (rc != BLZ_OK)
        return blz_stats_abandon(options, rc);
    rc = blz_stats_staged(&st, options, run->threads, stats);
    blz_stages_free(&st);
    return rc;
}
