/*
 * reduce.c - the public temporal reductions: options, plan, and running a reduction
 * through the scheduler (streaming accumulators, or gathered groups and exact
 * selection for median and percentiles).
 */
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "blitz/query.h"
#include "core/checked.h"
#include "core/error_internal.h"
#include "query/accumulate.h"
#include "query/frames.h"
#include "query/scheduler.h"
#include "query/select.h"

static const char *const op_names[] = {
    [BLZ_OP_MEAN] = "mean", [BLZ_OP_SUM] = "sum", [BLZ_OP_MIN] = "min",
    [BLZ_OP_MAX] = "max", [BLZ_OP_STD] = "std", [BLZ_OP_VAR] = "var",
    [BLZ_OP_MEDIAN] = "median", [BLZ_OP_PERCENTILE] = "percentile",
    [BLZ_OP_ARGMIN] = "argmin", [BLZ_OP_ARGMAX] = "argmax",
};
enum { OP_LAST = BLZ_OP_ARGMAX };

const char *blz_op_name(int op)
{
    return op >= BLZ_OP_MEAN && op <= OP_LAST ? op_names[op] : NULL;
}

int blz_op_from_name(const char *name)
{
    for (int op = BLZ_OP_MEAN; op <= OP_LAST; op++)
        if (strcmp(op_names[op], name) == 0)
            return op;
    return -1;
}

blz_reduce_options blz_reduce_defaults(int op)
{
    return (blz_reduce_options){ .op = op, .frames = { 0, -1, 1 }, .percentile = 50.0,
                                 .ram_budget = (size_t)1 << 30 };
}

static bool ignores_nan(const blz_reduce_options *o)
{
    if (o->nan_policy == BLZ_NAN_DEFAULT)
        return o->op == BLZ_OP_MEDIAN || o->op == BLZ_OP_PERCENTILE;
    return o->nan_policy == BLZ_NAN_IGNORE;
}

static double percentile_of(const blz_reduce_options *o)
{
    return o->op == BLZ_OP_MEDIAN ? 50.0 : o->percentile;
}

static int check_options(const blz_cache *cache, const blz_reduce_options *o)
{
    const char *path = blz_cache_path(cache);
    if (!blz_op_name(o->op))
        return blz_fail(BLZ_ERR_INVALID, "%s: unknown reduction %d", path, o->op);
    if (o->nan_policy < BLZ_NAN_DEFAULT || o->nan_policy > BLZ_NAN_IGNORE)
        return blz_fail(BLZ_ERR_INVALID, "%s: unknown NaN policy %d", path, o->nan_policy);
    if (o->op == BLZ_OP_PERCENTILE && !(o->percentile >= 0.0 && o->percentile <= 100.0))
        return blz_fail(BLZ_ERR_INVALID, "%s: percentile %g is outside 0..100", path,
                        o->percentile);
    if (o->ddof < 0)
        return blz_fail(BLZ_ERR_INVALID, "%s: ddof %d is negative", path, o->ddof);
    if (o->threads < 0)
        return blz_fail(BLZ_ERR_INVALID, "%s: thread count %d is negative", path, o->threads);
    return BLZ_OK;
}

/* Options checked, selection resolved and plan made: everything a run needs. */
typedef struct reduction {
    const blz_cache *cache;
    const blz_layout *layout;
    const blz_reduce_options *options;
    blz_selection sel;
    blz_plan plan;
} reduction;

static int prepare(reduction *r, const blz_cache *cache, const blz_reduce_options *o)
{
    r->cache = cache;
    r->layout = blz_cache_layout(cache);
    r->options = o;
    int st = check_options(cache, o);
    if (st == BLZ_OK)
        st = blz_selection_resolve(r->layout, &o->frames, blz_cache_path(cache), &r->sel);
    if (st != BLZ_OK)
        return st;
    blz_sched_needs needs = { .gather = !blz_accum_streams(o->op), .threads = o->threads,
                              .budget = o->ram_budget };
    if (!blz_mul_size(r->layout->frame_values, sizeof(double), &needs.result_bytes))
        return blz_fail(BLZ_ERR_RANGE, "%s: result image size overflows", blz_cache_path(cache));
    if (needs.gather)
        needs.scratch_per_thread = BLZ_SELECT_COUNTS * sizeof(uint32_t);
    else
        needs.accum_per_value = blz_accum_bytes_per_value(o->op, ignores_nan(o));
    return blz_sched_plan(cache, &r->sel, &needs, &r->plan);
}

int blz_reduce_plan(const blz_cache *cache, const blz_reduce_options *options, blz_plan *plan)
{
    reduction r;
    int st = prepare(&r, cache, options);
    if (st == BLZ_OK)
        *plan = r.plan;
    return st;
}

/* ---- streaming ---- */

typedef struct stream_run {
    blz_accum acc;
    double *out;
} stream_run;

static int strip_begin(void *ctx, int32_t y0, int32_t rows)
{
    blz_accum_reset(&((stream_run *)ctx)->acc, y0, rows);
    return BLZ_OK;
}

static int strip_end(void *ctx, int32_t y0, int32_t rows)
{
    (void)y0;
    (void)rows;
    stream_run *s = ctx;
    blz_accum_finish(&s->acc, s->out);
    return BLZ_OK;
}

static int fold_chunk(void *ctx, const blz_chunk_task *task)
{
    blz_accum_chunk(&((stream_run *)ctx)->acc, task);
    return BLZ_OK;
}

static int run_streaming(const reduction *r, double *out)
{
    static const blz_stream_hooks hooks = { strip_begin, strip_end, fold_chunk };
    int32_t max_rows = r->plan.strip_tile_rows * r->layout->th;
    if (max_rows > r->layout->height)
        max_rows = r->layout->height;
    stream_run s = { .out = out };
    int st = blz_accum_init(&s.acc, r->options->op, ignores_nan(r->options), r->options->ddof,
                            r->layout, &r->sel, max_rows, blz_cache_path(r->cache));
    if (st != BLZ_OK)
        return st;
    st = blz_sched_stream(r->cache, &r->sel, &r->plan, &hooks, &s);
    blz_accum_free(&s.acc);
    return st;
}

/* ---- gathering ---- */

typedef struct gather_run {
    const reduction *r;
    uint32_t *counts;  /* BLZ_SELECT_COUNTS per thread */
    double *out;
} gather_run;

static int select_group(void *ctx, const blz_group *g)
{
    const gather_run *run = ctx;
    const reduction *r = run->r;
    double q = percentile_of(r->options);
    bool ignore = ignores_nan(r->options);
    size_t row_values = (size_t)g->cols * (size_t)g->channels;
    int64_t values = (int64_t)g->rows * (int64_t)row_values;
    size_t width_values = (size_t)r->layout->width * (size_t)g->channels;
#pragma omp parallel for schedule(dynamic, 16) num_threads(r->plan.threads)
    for (int64_t p = 0; p < values; p++) {
        uint32_t *counts = run->counts + (size_t)omp_get_thread_num() * BLZ_SELECT_COUNTS;
        size_t y = (size_t)p / row_values, v = (size_t)p % row_values;
        double result = blz_select_percentile(g->values + (size_t)p * (size_t)g->count,
                                              (size_t)g->count, q, ignore, counts);
        run->out[((size_t)g->y0 + y) * width_values + (size_t)g->x0 * (size_t)g->channels + v]
            = result;
    }
    return BLZ_OK;
}

static int run_gathering(const reduction *r, double *out)
{
    gather_run run = { r, NULL, out };
    run.counts = malloc((size_t)r->plan.threads * BLZ_SELECT_COUNTS * sizeof(uint32_t));
    if (!run.counts)
        return blz_fail(BLZ_ERR_NOMEM, "%s: out of memory for selection scratch",
                        blz_cache_path(r->cache));
    int st = blz_sched_gather(r->cache, &r->sel, &r->plan, select_group, &run);
    free(run.counts);
    return st;
}

int blz_reduce(const blz_cache *cache, const blz_reduce_options *options, double *out)
{
    reduction r;
    int st = prepare(&r, cache, options);
    if (st != BLZ_OK)
        return st;
    return blz_accum_streams(options->op) ? run_streaming(&r, out) : run_gathering(&r, out);
}
