/*
 * stats.c - whole-selection statistics: count, NaN count, min, max, mean, std and
 * exact percentiles, in at most two streaming passes under the memory budget.
 *
 * Pass 1 folds every chunk into its tile's running (count, mean, M2) by Chan's merge
 * of a two-pass chunk partial, and counts the top 16 bits of every value's sortable
 * key into a per-thread histogram. Tile partials are merged in tile order at the
 * end, so the figures do not depend on the thread count. The histogram names the
 * 16-bit bucket holding each rank a percentile needs; pass 2 counts the low 16 bits
 * of the values in those buckets only, which pins each rank to an exact float.
 * Memory: 512 KiB per thread and per bucket of interest, never a copy of the data.
 */
#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "blitz/query.h"
#include "core/checked.h"
#include "core/error_internal.h"
#include "query/frames.h"
#include "query/scheduler.h"
#include "query/select.h"

enum { BUCKETS = 65536, MAX_TARGETS = 2 * BLZ_STATS_MAX_PERCENTILES };

/* Sortable key of a non-NaN float: unsigned order equals numeric order. */
static inline uint32_t float_key(float x)
{
    uint32_t u;
    memcpy(&u, &x, sizeof u);
    return u & 0x80000000u ? ~u : u | 0x80000000u;
}

static float key_float(uint32_t key)
{
    uint32_t u = key & 0x80000000u ? key & 0x7fffffffu : ~key;
    float x;
    memcpy(&x, &u, sizeof x);
    return x;
}

/* Running figures of a set of values. */
typedef struct partial {
    double count, mean, m2;
    double min, max;
    uint64_t nans;
} partial;

static void partial_merge(partial *into, const partial *b)
{
    if (b->count > 0) {
        double n = into->count + b->count, delta = b->mean - into->mean;
        into->mean += delta * (b->count / n);
        into->m2 += b->m2 + delta * delta * (into->count * b->count / n);
        into->count = n;
        into->min = fmin(into->min, b->min);
        into->max = fmax(into->max, b->max);
    }
    into->nans += b->nans;
}

static const partial empty_partial = { 0, 0, 0, INFINITY, -INFINITY, 0 };

/* Calls fn(ctx, row, n) for every selected frame row of the chunk. */
typedef void (*row_visit)(void *ctx, const float *row, size_t n);

static void each_row(const blz_chunk_task *task, row_visit fn, void *ctx)
{
    size_t row_values = (size_t)task->tw * (size_t)task->channels;
    for (int64_t f = 0; f < task->frame_count; f++) {
        size_t local = (size_t)(task->local_first + f * task->step);
        for (int32_t y = 0; y < task->rows; y++)
            fn(ctx, task->values + (local * (size_t)task->th + (size_t)y) * row_values,
               (size_t)task->cols * (size_t)task->channels);
    }
}

/* Chunk partial, first pass: count, sum, min, max, NaNs, top-bits histogram. */
typedef struct chunk_scan {
    double sum, count, min, max;
    uint64_t nans;
    uint64_t *hist;
} chunk_scan;

static void scan_row(void *ctx, const float *x, size_t n)
{
    chunk_scan *s = ctx;
    double sum = 0, count = 0;
    float lo = INFINITY, hi = -INFINITY;
#pragma omp simd reduction(+ : sum, count) reduction(min : lo) reduction(max : hi)
    for (size_t i = 0; i < n; i++) {
        bool ok = x[i] == x[i];
        sum += ok ? x[i] : 0.0;
        count += ok;
        lo = fminf(lo, x[i]);
        hi = fmaxf(hi, x[i]);
    }
    for (size_t i = 0; i < n; i++)
        if (x[i] == x[i])
            s->hist[float_key(x[i]) >> 16]++;
    s->sum += sum;
    s->count += count;
    s->nans += n - (size_t)count;
    s->min = fmin(s->min, lo);
    s->max = fmax(s->max, hi);
}

/* Second pass over the chunk: squared deviations from its own mean. */
typedef struct chunk_dev {
    double mean, m2;
} chunk_dev;

static void deviation_row(void *ctx, const float *x, size_t n)
{
    chunk_dev *d = ctx;
    double mean = d->mean, m2 = 0;
#pragma omp simd reduction(+ : m2)
    for (size_t i = 0; i < n; i++) {
        double e = x[i] == x[i] ? x[i] - mean : 0.0;
        m2 += e * e;
    }
    d->m2 += m2;
}

typedef struct stats_run {
    const blz_stats_options *options;
    partial *tiles;             /* one per tile of the frame */
    uint64_t *hist;             /* per thread: BUCKETS (pass 1) or targets x BUCKETS */
    size_t hist_per_thread;
    int16_t *target_of_bucket;  /* pass 2: bucket -> target slot, -1 if none */
    int targets;
} stats_run;

static int pass1_chunk(void *ctx, const blz_chunk_task *task)
{
    stats_run *run = ctx;
    chunk_scan s = { 0, 0, INFINITY, -INFINITY, 0,
                     run->hist + (size_t)task->thread * run->hist_per_thread };
    each_row(task, scan_row, &s);
    partial p = { s.count, 0, 0, s.min, s.max, s.nans };
    if (s.count > 0) {
        chunk_dev d = { s.sum / s.count, 0 };
        each_row(task, deviation_row, &d);
        p.mean = d.mean;
        p.m2 = d.m2;
    }
    partial_merge(&run->tiles[task->tile], &p);
    return BLZ_OK;
}

typedef struct bucket_count {
    uint64_t *hist;
    const int16_t *target_of_bucket;
} bucket_count;

static void count_row(void *ctx, const float *x, size_t n)
{
    const bucket_count *b = ctx;
    for (size_t i = 0; i < n; i++) {
        if (x[i] != x[i])
            continue;
        uint32_t key = float_key(x[i]);
        int slot = b->target_of_bucket[key >> 16];
        if (slot >= 0)
            b->hist[(size_t)slot * BUCKETS + (key & 0xffffu)]++;
    }
}

static int pass2_chunk(void *ctx, const blz_chunk_task *task)
{
    stats_run *run = ctx;
    bucket_count b = { run->hist + (size_t)task->thread * run->hist_per_thread,
                       run->target_of_bucket };
    each_row(task, count_row, &b);
    return BLZ_OK;
}

static int no_strip(void *ctx, int32_t y0, int32_t rows)
{
    (void)ctx;
    (void)y0;
    (void)rows;
    return BLZ_OK;
}

/* Sum the per-thread histograms into the first thread's. */
static void merge_histograms(stats_run *run, int threads, size_t len)
{
    for (int t = 1; t < threads; t++)
        for (size_t i = 0; i < len; i++)
            run->hist[i] += run->hist[(size_t)t * run->hist_per_thread + i];
}

/* The per-thread histograms summed into the first thread's, then over the processes
 * sharing the query when the caller combines them; status is this process's so far. */
static int total_histogram(stats_run *run, int threads, size_t len, int status)
{
    if (status == BLZ_OK)
        merge_histograms(run, threads, len);
    const blz_stats_options *o = run->options;
    return o->combine_counts ? o->combine_counts(o->combine_ctx, status, run->hist, len)
                             : status;
}

/* Index of the bin holding rank (0-based) in hist[0..len), and the rank inside it. */
static size_t bin_of_rank(const uint64_t *hist, size_t len, uint64_t rank, uint64_t *inside)
{
    size_t bin = 0;
    while (bin + 1 < len && hist[bin] <= rank)
        rank -= hist[bin++];
    *inside = rank;
    return bin;
}

blz_stats_options blz_stats_defaults(void)
{
    return (blz_stats_options){ .frames = { 0, -1, 1 }, .npercentiles = 2,
                                .percentiles = { 0.35, 99.65 },
                                .ram_budget = (size_t)1 << 30 };
}

static int check_stats_options(const blz_cache *cache, const blz_stats_options *o)
{
    const char *path = blz_cache_path(cache);
    if (o->npercentiles < 0 || o->npercentiles > BLZ_STATS_MAX_PERCENTILES)
        return blz_fail(BLZ_ERR_INVALID, "%s: %d percentiles asked, at most %d allowed", path,
                        o->npercentiles, BLZ_STATS_MAX_PERCENTILES);
    for (int i = 0; i < o->npercentiles; i++)
        if (!(o->percentiles[i] >= 0.0 && o->percentiles[i] <= 100.0))
            return blz_fail(BLZ_ERR_INVALID, "%s: percentile %g is outside 0..100", path,
                            o->percentiles[i]);
    if (o->threads < 0)
        return blz_fail(BLZ_ERR_INVALID, "%s: thread count %d is negative", path, o->threads);
    return BLZ_OK;
}

static int stats_prepare(const blz_cache *cache, const blz_stats_options *o, blz_selection *sel,
                         blz_plan *plan)
{
    const blz_layout *l = blz_cache_layout(cache);
    int st = check_stats_options(cache, o);
    if (st == BLZ_OK)
        st = blz_selection_resolve(l, &o->frames, blz_cache_path(cache), sel);
    if (st != BLZ_OK)
        return st;
    int targets = 2 * o->npercentiles > 1 ? 2 * o->npercentiles : 1;
    blz_sched_needs needs = {
        .result_bytes = (size_t)l->ny * (size_t)l->nx * sizeof(partial),
        .scratch_per_thread = (size_t)targets * BUCKETS * sizeof(uint64_t),
        .threads = o->threads, .budget = o->ram_budget,
    };
    return blz_sched_plan(cache, sel, &needs, plan);
}

int blz_stats_plan(const blz_cache *cache, const blz_stats_options *options, blz_plan *plan)
{
    blz_selection sel;
    return stats_prepare(cache, options, &sel, plan);
}

/* After pass 1: the buckets holding the ranks each percentile needs. */
static void choose_targets(stats_run *run, uint64_t n, uint64_t ranks[][2], int slots[][2])
{
    for (int i = 0; i < BUCKETS; i++)
        run->target_of_bucket[i] = -1;
    run->targets = 0;
    for (int p = 0; p < run->options->npercentiles; p++) {
        double h = (double)(n - 1) * (run->options->percentiles[p] / 100.0);
        ranks[p][0] = (uint64_t)floor(h);
        ranks[p][1] = ranks[p][0] + 1 < n ? ranks[p][0] + 1 : ranks[p][0];
        for (int j = 0; j < 2; j++) {
            uint64_t inside;
            size_t bucket = bin_of_rank(run->hist, BUCKETS, ranks[p][j], &inside);
            if (run->target_of_bucket[bucket] < 0)
                run->target_of_bucket[bucket] = (int16_t)run->targets++;
            slots[p][j] = run->target_of_bucket[bucket];
        }
    }
}

/* After pass 2: each rank's exact value, and the interpolated percentiles. */
static void read_percentiles(const stats_run *run, const uint64_t *pass1, uint64_t n,
                             uint64_t ranks[][2], blz_stats *out)
{
    for (int p = 0; p < run->options->npercentiles; p++) {
        double at[2];
        for (int j = 0; j < 2; j++) {
            uint64_t inside, unused;
            size_t bucket = bin_of_rank(pass1, BUCKETS, ranks[p][j], &inside);
            int slot = run->target_of_bucket[bucket];
            size_t low = bin_of_rank(run->hist + (size_t)slot * BUCKETS, BUCKETS, inside, &unused);
            at[j] = key_float((uint32_t)(bucket << 16 | low));
        }
        double h = (double)(n - 1) * (run->options->percentiles[p] / 100.0);
        out->percentiles[p] = blz_lerp(at[0], at[1], h - floor(h));
    }
}

static void summarise(const stats_run *run, const blz_layout *l, blz_stats *out)
{
    partial all = empty_partial;
    for (int64_t t = 0; t < (int64_t)l->ny * l->nx; t++)
        partial_merge(&all, &run->tiles[t]);
    out->nan_count = all.nans;
    bool any = all.count > 0;
    out->min = any ? all.min : NAN;
    out->max = any ? all.max : NAN;
    out->mean = any ? all.mean : NAN;
    out->std = any ? sqrt(all.m2 / all.count) : NAN;
    for (int p = 0; p < run->options->npercentiles; p++)
        out->percentiles[p] = NAN;
}

static int run_percentiles(const blz_cache *cache, const blz_selection *sel,
                           const blz_plan *plan, stats_run *run, uint64_t n, blz_stats *out)
{
    static const blz_stream_hooks pass2 = { no_strip, no_strip, pass2_chunk };
    uint64_t ranks[BLZ_STATS_MAX_PERCENTILES][2];
    int slots[BLZ_STATS_MAX_PERCENTILES][2];
    uint64_t *pass1 = malloc(BUCKETS * sizeof *pass1);
    run->target_of_bucket = malloc(BUCKETS * sizeof *run->target_of_bucket);
    int st = BLZ_OK;
    if (!pass1 || !run->target_of_bucket) {
        st = blz_fail(BLZ_ERR_NOMEM, "%s: out of memory for histograms", blz_cache_path(cache));
    } else {
        memcpy(pass1, run->hist, BUCKETS * sizeof *pass1);
        choose_targets(run, n, ranks, slots);
        memset(run->hist, 0, (size_t)plan->threads * run->hist_per_thread * sizeof *run->hist);
        st = blz_sched_stream(cache, sel, plan, &pass2, run);
    }
    st = total_histogram(run, plan->threads, (size_t)run->targets * BUCKETS, st);
    if (st == BLZ_OK)
        read_percentiles(run, pass1, n, ranks, out);
    free(pass1);
    free(run->target_of_bucket);
    return st;
}

int blz_stats_compute(const blz_cache *cache, const blz_stats_options *options,
                      blz_stats *stats)
{
    static const blz_stream_hooks pass1 = { no_strip, no_strip, pass1_chunk };
    const blz_layout *l = blz_cache_layout(cache);
    blz_selection sel;
    blz_plan plan;
    int st = stats_prepare(cache, options, &sel, &plan);
    if (st != BLZ_OK)
        return options->combine_counts
                   ? options->combine_counts(options->combine_ctx, st, NULL, 0) : st;
    stats_run run = { .options = options };
    run.hist_per_thread = plan.scratch_bytes / (size_t)plan.threads / sizeof(uint64_t);
    run.tiles = malloc((size_t)l->ny * (size_t)l->nx * sizeof *run.tiles);
    run.hist = calloc((size_t)plan.threads * run.hist_per_thread, sizeof *run.hist);
    if (!run.tiles || !run.hist) {
        st = blz_fail(BLZ_ERR_NOMEM, "%s: out of memory for statistics", blz_cache_path(cache));
    } else {
        for (int64_t t = 0; t < (int64_t)l->ny * l->nx; t++)
            run.tiles[t] = empty_partial;
        st = blz_sched_stream(cache, &sel, &plan, &pass1, &run);
    }
    st = total_histogram(&run, plan.threads, run.hist ? BUCKETS : 0, st);
    if (st == BLZ_OK) {
        *stats = (blz_stats){ .frames = sel.count,
                              .values = (uint64_t)sel.count * l->frame_values };
        summarise(&run, l, stats);
        uint64_t n = 0;  /* non-NaN values of every process sharing the query */
        for (size_t b = 0; b < BUCKETS; b++)
            n += run.hist[b];
        if (n > 0 && options->npercentiles > 0)
            st = run_percentiles(cache, &sel, &plan, &run, n, stats);
    }
    free(run.tiles);
    free(run.hist);
    return st;
}
