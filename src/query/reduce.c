/*
 * reduce.c - the public temporal reductions: options, plan, and running a reduction
 * through the scheduler (streaming accumulators, or gathered groups and exact
 * selection for median and percentiles), optionally through pipeline stages: a min or
 * max through fixed references folds the raw samples' envelope and applies the stages
 * to its candidates (stages.h); other streaming reductions take fixed subtract and
 * divide references inside the fold, or stage each chunk into a per-thread buffer
 * before folding it (gathered series are processed in place); sliding references
 * gather each pixel's series, process it into per-thread scratch and reduce that.
 */
#include <math.h>
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
#include "query/series.h"
#include "query/stages.h"

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
    const blz_stages *stages;  /* NULL: plain reduction */
    bool gathers;
    blz_selection sel;
    blz_plan plan;
} reduction;

/* Whether a streaming reduction folds the stages in with the values (fixed subtract
 * and divide references only), rather than staging each chunk into a buffer first. */
static bool fuses(const blz_stages *s)
{
    return s && !s->sliding && !s->post;
}

size_t blz_reduce_stage_scratch(const blz_stages *s, int op)
{
    if (!s)
        return 0;
    if (s->sliding)
        return (size_t)s->geom.outputs * (sizeof(float) + 2 * sizeof(double))
               + blz_stage_windows_bytes(s);
    return blz_accum_streams(op) && !fuses(s) ? s->layout->chunk_bytes : 0;
}

/* The accumulators a streaming reduction through the stages of pipeline p (NULL:
 * none) is planned for: the envelope's wherever it may apply, whatever the reference
 * values turn out to be, so that a plan made before they are computed is the run's. */
static int planned_accum_op(const blz_reduce_options *o, const blz_pipeline *p)
{
    return p && blz_envelope_applies(p, o->op) ? BLZ_ACCUM_ENVELOPE : o->op;
}

/* A reduction's plan through stages (NULL: none), its accumulators those of pipeline
 * p (the stages' own, or the pipeline a plan is made for). */
static int prepare(reduction *r, const blz_cache *cache, const blz_reduce_options *o,
                   const blz_stages *stages, const blz_pipeline *p)
{
    r->cache = cache;
    r->layout = blz_cache_layout(cache);
    r->options = o;
    r->stages = stages;
    r->gathers = !blz_accum_streams(o->op) || (stages && stages->sliding);
    int st = check_options(cache, o);
    if (st == BLZ_OK)
        st = blz_selection_resolve(r->layout, &o->frames, blz_cache_path(cache), &r->sel);
    if (st != BLZ_OK)
        return st;
    blz_sched_needs needs = { .gather = r->gathers, .threads = o->threads,
                              .budget = stages ? stages->budget : o->ram_budget };
    if (!blz_mul_size(r->layout->frame_values, sizeof(double), &needs.result_bytes))
        return blz_fail(BLZ_ERR_RANGE, "%s: result image size overflows", blz_cache_path(cache));
    if (needs.gather)
        needs.scratch_per_thread = BLZ_SELECT_COUNTS * sizeof(uint32_t);
    else
        needs.accum_per_value = blz_accum_bytes_per_value(planned_accum_op(o, p),
                                                          ignores_nan(o));
    needs.scratch_per_thread += blz_reduce_stage_scratch(stages, o->op);
    return blz_sched_plan(cache, &r->sel, &needs, &r->plan);
}

int blz_reduce_plan(const blz_cache *cache, const blz_reduce_options *options, blz_plan *plan)
{
    return blz_reduce_pipeline_plan(cache, options, NULL, plan);
}

int blz_reduce_pipeline_plan(const blz_cache *cache, const blz_reduce_options *options,
                             const blz_pipeline *pipeline, blz_plan *plan)
{
    reduction r;
    int st = prepare(&r, cache, options, NULL, pipeline);
    if (st == BLZ_OK)
        *plan = r.plan;
    return st;
}

/* ---- streaming ---- */

typedef struct stream_run {
    blz_accum acc;
    double *out;
    const blz_stages *stages;
    float *chunks;     /* stages not fused: one processed chunk per thread */
    size_t chunk_values;
    bool fused;        /* subtract and divide only: fused into the fold through refs */
    blz_accum_refs refs;
    bool envelope;     /* min or max (op) from the raw samples' envelope (stages.h) */
    int op;
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
    if (!s->envelope) {
        blz_accum_finish(&s->acc, s->out);
        return BLZ_OK;
    }
    const blz_accum *acc = &s->acc;
    size_t row_values = (size_t)acc->width * (size_t)acc->channels;
    size_t first = (size_t)acc->y0 * row_values, n = (size_t)acc->rows * row_values;
    for (size_t i = 0; i < n; i++) {
        double hi, lo;
        bool special;
        blz_accum_envelope(acc, i, &hi, &lo, &special);
        s->out[first + i] = blz_stages_envelope_extreme(s->stages, s->op, acc->ignore_nan,
                                                        hi, lo, special, first + i);
    }
    return BLZ_OK;
}

/* Frame f of a chunk's selection through the stages, into dst (its place in the
 * thread's chunk buffer): the tile's rows in one call. */
static void stage_frame(const stream_run *s, const blz_chunk_task *task, int64_t f, float *dst)
{
    size_t C = (size_t)task->channels, row_values = (size_t)task->tw * C;
    size_t width_values = (size_t)s->stages->layout->width * C;
    size_t local = (size_t)(task->local_first + f * task->step);
    const float *src = task->values + local * (size_t)task->th * row_values;
    size_t ref = (size_t)task->y0 * width_values + (size_t)task->x0 * C;
    blz_stages_apply_rows(s->stages, dst, src, (size_t)task->rows, (size_t)task->cols * C,
                          row_values, ref, width_values);
}

/* With stages, the selected frames of a chunk are staged into the thread's chunk
 * buffer, which is then folded in as the chunk. */
static int fold_chunk(void *ctx, const blz_chunk_task *task)
{
    stream_run *s = ctx;
    if (!s->stages || s->fused || s->envelope) {
        blz_accum_chunk(&s->acc, task, s->fused ? &s->refs : NULL);
        return BLZ_OK;
    }
    float *buf = s->chunks + (size_t)task->thread * s->chunk_values;
    size_t frame_values = (size_t)task->th * (size_t)task->tw * (size_t)task->channels;
    for (int64_t f = 0; f < task->frame_count; f++) {
        size_t local = (size_t)(task->local_first + f * task->step);
        stage_frame(s, task, f, buf + local * frame_values);
    }
    blz_chunk_task staged = *task;
    staged.values = buf;
    staged.int_limit = 0;   /* the stages' values need not be integers */
    blz_accum_chunk(&s->acc, &staged, NULL);
    return BLZ_OK;
}

static int run_streaming(const reduction *r, double *out)
{
    blz_stream_hooks hooks = { strip_begin, strip_end, fold_chunk, false };
    int32_t max_rows = r->plan.strip_tile_rows * r->layout->th;
    if (max_rows > r->layout->height)
        max_rows = r->layout->height;
    const blz_layout *l = r->layout;
    const blz_reduce_options *o = r->options;
    stream_run s = { .out = out, .stages = r->stages, .chunk_values = l->chunk_values,
                     .envelope = r->stages && blz_stages_envelope(r->stages, o->op),
                     .op = o->op };
    s.fused = !s.envelope && fuses(r->stages);
    int accum_op = !s.envelope       ? o->op
                   : r->stages->den ? BLZ_ACCUM_ENVELOPE_NONFINITE
                                    : BLZ_ACCUM_ENVELOPE;
    if (s.fused) {
        const blz_stages *st = r->stages;
        s.refs = (blz_accum_refs){ st->sub_term, st->den, st->fast_quotients ? st->inv : NULL };
    } else if (r->stages && !s.envelope) {
        s.chunks = calloc((size_t)r->plan.threads * s.chunk_values, sizeof(float));
        if (!s.chunks)
            return blz_fail(BLZ_ERR_NOMEM, "%s: out of memory for staged chunks",
                            blz_cache_path(r->cache));
    }
    hooks.planes = !s.chunks;   /* the accumulator reads byte planes; the stages do not */
    int st = blz_accum_init(&s.acc, accum_op, ignores_nan(o), o->ddof,
                            r->layout, &r->sel, max_rows, blz_cache_path(r->cache));
    if (st == BLZ_OK) {
        st = blz_sched_stream(r->cache, &r->sel, &r->plan, &hooks, &s);
        blz_accum_free(&s.acc);
    }
    free(s.chunks);
    return st;
}

/* ---- gathering ---- */

typedef struct gather_run {
    const reduction *r;
    uint32_t *counts;  /* BLZ_SELECT_COUNTS per thread */
    double *out;
    float *series;     /* sliding stages: one processed series per thread */
    double *refs;      /* sliding stages: the references' values, 2 series per thread */
    blz_stage_windows *windows;  /* sliding stages: one value's windows per thread */
} gather_run;

/* The result of pixel-channel series x (count values) whose reference index is ref. */
static double reduce_value(const gather_run *run, float *x, size_t count, size_t ref,
                           int thread)
{
    const reduction *r = run->r;
    const blz_reduce_options *o = r->options;
    uint32_t *counts = run->counts + (size_t)thread * BLZ_SELECT_COUNTS;
    const blz_stages *st = r->stages;
    if (!st)
        return blz_select_percentile(x, count, percentile_of(o), ignores_nan(o), counts);
    float *series = x;
    double *refs = NULL;
    blz_stage_windows none = { 0 }, *w = &none;
    if (st->sliding) {
        series = run->series + (size_t)thread * (size_t)st->geom.outputs;
        refs = run->refs + (size_t)thread * 2 * (size_t)st->geom.outputs;
        w = &run->windows[thread];
    }
    blz_stages_series(st, w, 0, x, ref, series, refs);
    double v = blz_series_reduce(series, (size_t)st->geom.outputs, o->op, ignores_nan(o),
                                 o->ddof, percentile_of(o), counts);
    if ((o->op == BLZ_OP_ARGMIN || o->op == BLZ_OP_ARGMAX) && !isnan(v))
        v = (double)blz_stages_cache_frame(st, (int64_t)v);
    return v;
}

/* Reduce pixel-channels first..first+count-1 of gathered group g into the result. */
static void reduce_series(void *ctx, const blz_group *g, int64_t first, int64_t count, int thread)
{
    const gather_run *run = ctx;
    size_t row_values = (size_t)g->cols * (size_t)g->channels;
    size_t width_values = (size_t)run->r->layout->width * (size_t)g->channels;
    for (int64_t p = first; p < first + count; p++) {
        size_t y = (size_t)p / row_values, v = (size_t)p % row_values;
        size_t at = ((size_t)g->y0 + y) * width_values + (size_t)g->x0 * (size_t)g->channels + v;
        run->out[at] = reduce_value(run, g->values + (size_t)p * (size_t)g->count,
                                    (size_t)g->count, at, thread);
    }
}

static void free_windows(gather_run *run, int threads)
{
    for (int t = 0; run->windows && t < threads; t++)
        blz_stage_windows_free(&run->windows[t]);
    free(run->windows);
    free(run->series);
    free(run->refs);
}

/* Per-thread series and window state for sliding stages. */
static int alloc_windows(gather_run *run, const reduction *r)
{
    const blz_stages *st = r->stages;
    int threads = r->plan.threads;
    run->series = malloc((size_t)threads * (size_t)st->geom.outputs * sizeof(float));
    run->refs = malloc((size_t)threads * 2 * (size_t)st->geom.outputs * sizeof(double));
    run->windows = calloc((size_t)threads, sizeof *run->windows);
    int s = run->series && run->refs && run->windows ? BLZ_OK
            : blz_fail(BLZ_ERR_NOMEM, "%s: out of memory for sliding windows", st->path);
    for (int t = 0; s == BLZ_OK && t < threads; t++)
        s = blz_stage_windows_init(&run->windows[t], st, 1);
    return s;
}

static int run_gathering(const reduction *r, double *out)
{
    gather_run run = { .r = r, .out = out };
    run.counts = malloc((size_t)r->plan.threads * BLZ_SELECT_COUNTS * sizeof(uint32_t));
    int st = run.counts ? BLZ_OK : blz_fail(BLZ_ERR_NOMEM, "%s: out of memory for selection "
                                            "scratch", blz_cache_path(r->cache));
    if (st == BLZ_OK && r->stages && r->stages->sliding)
        st = alloc_windows(&run, r);
    if (st == BLZ_OK)
        st = blz_sched_gather(r->cache, &r->sel, &r->plan, reduce_series, &run);
    free_windows(&run, r->plan.threads);
    free(run.counts);
    return st;
}

int blz_reduce_staged(const blz_cache *cache, const blz_reduce_options *options,
                      const blz_stages *stages, double *out)
{
    reduction r;
    int st = prepare(&r, cache, options, stages, stages ? &stages->p : NULL);
    if (st != BLZ_OK)
        return st;
    return r.gathers ? run_gathering(&r, out) : run_streaming(&r, out);
}

int blz_reduce(const blz_cache *cache, const blz_reduce_options *options, double *out)
{
    return blz_reduce_staged(cache, options, NULL, out);
}
