/*
 * stats_cache.c - whole-selection statistics of the stored frames (blz_stats_compute):
 * the scheduler streams the selected chunks under the budget, tiles in parallel, and
 * each chunk's selected rows are one group of its tile's part (stats.h does the
 * maths). The plan holds the tiles' partials as its result and the histograms as
 * per-thread scratch.
 */
#include "blitz/query.h"
#include "core/error_internal.h"
#include "query/frames.h"
#include "query/scheduler.h"
#include "query/stats.h"

typedef struct cache_feed {
    const blz_cache *cache;
    blz_selection sel;
    blz_plan plan;
    blz_stats_acc *acc;
} cache_feed;

/* Every selected frame row of a chunk (a blz_row_walk over a blz_chunk_task). */
static void chunk_rows(const void *group, blz_row_fn fn, void *ctx)
{
    const blz_chunk_task *task = group;
    size_t row_values = (size_t)task->tw * (size_t)task->channels;
    for (int64_t f = 0; f < task->frame_count; f++) {
        size_t local = (size_t)(task->local_first + f * task->step);
        for (int32_t y = 0; y < task->rows; y++)
            fn(ctx, task->values + (local * (size_t)task->th + (size_t)y) * row_values,
               (size_t)task->cols * (size_t)task->channels);
    }
}

static int fold_chunk(void *ctx, const blz_chunk_task *task)
{
    cache_feed *f = ctx;
    blz_stats_group(f->acc, (size_t)task->tile, task->thread, chunk_rows, task);
    return BLZ_OK;
}

static int no_strip(void *ctx, int32_t y0, int32_t rows)
{
    (void)ctx;
    (void)y0;
    (void)rows;
    return BLZ_OK;
}

static int walk_chunks(void *ctx, blz_stats_acc *acc)
{
    static const blz_stream_hooks hooks = { no_strip, no_strip, fold_chunk, false };
    cache_feed *f = ctx;
    f->acc = acc;
    return blz_sched_stream(f->cache, &f->sel, &f->plan, &hooks, f);
}

static int prepare(cache_feed *f, const blz_cache *cache, const blz_stats_options *o)
{
    const blz_layout *l = blz_cache_layout(cache);
    f->cache = cache;
    int st = blz_stats_check(o, blz_cache_path(cache));
    if (st == BLZ_OK)
        st = blz_selection_resolve(l, &o->frames, blz_cache_path(cache), &f->sel);
    if (st != BLZ_OK)
        return st;
    blz_sched_needs needs = {
        .result_bytes = blz_stats_held_bytes((size_t)l->ny * (size_t)l->nx),
        .scratch_per_thread = blz_stats_hist_bytes(o),
        .threads = o->threads, .budget = o->ram_budget,
    };
    return blz_sched_plan(cache, &f->sel, &needs, &f->plan);
}

int blz_stats_plan(const blz_cache *cache, const blz_stats_options *options, blz_plan *plan)
{
    cache_feed f;
    int st = prepare(&f, cache, options);
    if (st == BLZ_OK)
        *plan = f.plan;
    return st;
}

int blz_stats_compute(const blz_cache *cache, const blz_stats_options *options,
                      blz_stats *stats)
{
    const blz_layout *l = blz_cache_layout(cache);
    cache_feed f;
    int st = prepare(&f, cache, options);
    if (st != BLZ_OK)
        return blz_stats_abandon(options, st);
    blz_stats_feed feed = { (size_t)l->ny * (size_t)l->nx, f.plan.threads, walk_chunks, &f,
                            blz_cache_path(cache) };
    *stats = (blz_stats){ .frames = f.sel.count,
                          .values = (uint64_t)f.sel.count * l->frame_values };
    return blz_stats_run(options, &feed, stats);
}
