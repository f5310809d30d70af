/*
 * stats.c - whole-stack statistics: count, NaN count, min, max, mean, std and exact
 * percentiles, in at most two passes of a feeder over the values (see stats.h).
 *
 * Pass 1 folds every group into its part's running (count, mean, M2) by Chan's merge
 * of a two-pass group partial, and counts the top 16 bits of every value's sortable
 * key into a per-thread histogram. Parts are merged in order at the end, so the
 * figures do not depend on the thread count. The histogram names the 16-bit bucket
 * holding each rank a percentile needs; pass 2 counts the low 16 bits of the values in
 * those buckets only, which pins each rank to an exact float. Memory: 512 KiB per
 * thread and per bucket of interest, never a copy of the data.
 */
#include "query/stats.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/checked.h"
#include "core/error_internal.h"
#include "query/select.h"

enum { BUCKETS = 65536 };

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

struct blz_stats_acc {
    partial *parts;
    uint64_t *hist;             /* per thread: BUCKETS (pass 1) or slots x BUCKETS */
    size_t hist_per_thread;
    bool counting;              /* pass 2 */
    uint64_t *top;              /* pass 2: pass 1's total histogram */
    int16_t *slot_of_bucket;    /* pass 2: bucket -> slot, -1 if none */
    int slots;
};

/* Group partial, first pass: count, sum, min, max, NaNs, top-bits histogram. */
typedef struct group_scan {
    double sum, count, min, max;
    uint64_t nans;
    uint64_t *hist;
} group_scan;

static void scan_row(void *ctx, const float *x, size_t n)
{
    group_scan *s = ctx;
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

/* Second look at the group: squared deviations from its own mean. */
typedef struct group_dev {
    double mean, m2;
} group_dev;

static void deviation_row(void *ctx, const float *x, size_t n)
{
    group_dev *d = ctx;
    double mean = d->mean, m2 = 0;
#pragma omp simd reduction(+ : m2)
    for (size_t i = 0; i < n; i++) {
        double e = x[i] == x[i] ? x[i] - mean : 0.0;
        m2 += e * e;
    }
    d->m2 += m2;
}

/* Pass 2: low 16 bits of the values in the buckets of interest. */
typedef struct bucket_count {
    uint64_t *hist;
    const int16_t *slot_of_bucket;
} bucket_count;

static void count_row(void *ctx, const float *x, size_t n)
{
    const bucket_count *b = ctx;
    for (size_t i = 0; i < n; i++) {
        if (x[i] != x[i])
            continue;
        uint32_t key = float_key(x[i]);
        int slot = b->slot_of_bucket[key >> 16];
        if (slot >= 0)
            b->hist[(size_t)slot * BUCKETS + (key & 0xffffu)]++;
    }
}

void blz_stats_group(blz_stats_acc *acc, size_t part, int thread, blz_row_walk rows,
                     const void *group)
{
    uint64_t *hist = acc->hist + (size_t)thread * acc->hist_per_thread;
    if (acc->counting) {
        bucket_count b = { hist, acc->slot_of_bucket };
        rows(group, count_row, &b);
        return;
    }
    group_scan s = { 0, 0, INFINITY, -INFINITY, 0, hist };
    rows(group, scan_row, &s);
    partial p = { s.count, 0, 0, s.min, s.max, s.nans };
    if (s.count > 0) {
        group_dev d = { s.sum / s.count, 0 };
        rows(group, deviation_row, &d);
        p.mean = d.mean;
        p.m2 = d.m2;
    }
    partial_merge(&acc->parts[part], &p);
}

/* Buckets of interest: two ranks per percentile, at least one slot. */
static size_t max_slots(const blz_stats_options *o)
{
    return 2 * o->npercentiles > 1 ? 2 * (size_t)o->npercentiles : 1;
}

size_t blz_stats_hist_bytes(const blz_stats_options *o)
{
    return max_slots(o) * BUCKETS * sizeof(uint64_t);
}

size_t blz_stats_held_bytes(size_t parts)
{
    size_t bytes, tables = BUCKETS * (sizeof(uint64_t) + sizeof(int16_t));
    return blz_mul_size(parts, sizeof(partial), &bytes) && blz_add_size(bytes, tables, &bytes)
               ? bytes : SIZE_MAX;
}

blz_stats_options blz_stats_defaults(void)
{
    return (blz_stats_options){ .frames = { 0, -1, 1 }, .npercentiles = 2,
                                .percentiles = { 0.35, 99.65 },
                                .ram_budget = (size_t)1 << 30 };
}

int blz_stats_check(const blz_stats_options *o, const char *path)
{
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

int blz_stats_abandon(const blz_stats_options *o, int status)
{
    return o->combine_counts ? o->combine_counts(o->combine_ctx, status, NULL, 0) : status;
}

/* The per-thread histograms summed into the first thread's, then over the processes
 * sharing the query when the caller combines them; status is this process's so far. */
static int total_histogram(const blz_stats_options *o, blz_stats_acc *acc, int threads,
                           size_t len, int status)
{
    for (int t = 1; status == BLZ_OK && t < threads; t++)
        for (size_t i = 0; i < len; i++)
            acc->hist[i] += acc->hist[(size_t)t * acc->hist_per_thread + i];
    return o->combine_counts ? o->combine_counts(o->combine_ctx, status, acc->hist, len)
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

/* The two ranks around percentile p of n values, and p's position between them. */
static double ranks_of(double p, uint64_t n, uint64_t rank[2])
{
    double h = (double)(n - 1) * (p / 100.0);
    rank[0] = (uint64_t)floor(h);
    rank[1] = rank[0] + 1 < n ? rank[0] + 1 : rank[0];
    return h - floor(h);
}

/* After pass 1: the buckets holding the ranks each percentile needs. */
static void choose_slots(const blz_stats_options *o, blz_stats_acc *acc, uint64_t n)
{
    for (int i = 0; i < BUCKETS; i++)
        acc->slot_of_bucket[i] = -1;
    acc->slots = 0;
    for (int p = 0; p < o->npercentiles; p++) {
        uint64_t rank[2], inside;
        ranks_of(o->percentiles[p], n, rank);
        for (int j = 0; j < 2; j++) {
            size_t bucket = bin_of_rank(acc->hist, BUCKETS, rank[j], &inside);
            if (acc->slot_of_bucket[bucket] < 0)
                acc->slot_of_bucket[bucket] = (int16_t)acc->slots++;
        }
    }
}

/* After pass 2: each rank's exact value, and the interpolated percentiles. */
static void read_percentiles(const blz_stats_options *o, const blz_stats_acc *acc, uint64_t n,
                             blz_stats *out)
{
    for (int p = 0; p < o->npercentiles; p++) {
        uint64_t rank[2];
        double frac = ranks_of(o->percentiles[p], n, rank);
        double at[2];
        for (int j = 0; j < 2; j++) {
            uint64_t inside, unused;
            size_t bucket = bin_of_rank(acc->top, BUCKETS, rank[j], &inside);
            const uint64_t *low = acc->hist + (size_t)acc->slot_of_bucket[bucket] * BUCKETS;
            at[j] = key_float((uint32_t)(bucket << 16 | bin_of_rank(low, BUCKETS, inside,
                                                                    &unused)));
        }
        out->percentiles[p] = blz_lerp(at[0], at[1], frac);
    }
}

static void summarise(const blz_stats_options *o, const blz_stats_acc *acc, size_t parts,
                      blz_stats *out)
{
    partial all = empty_partial;
    for (size_t t = 0; t < parts; t++)
        partial_merge(&all, &acc->parts[t]);
    out->nan_count = all.nans;
    bool any = all.count > 0;
    out->min = any ? all.min : NAN;
    out->max = any ? all.max : NAN;
    out->mean = any ? all.mean : NAN;
    out->std = any ? sqrt(all.m2 / all.count) : NAN;
    /* With infinite values the merge's inf - inf gives NaN where numpy's mean is the
     * infinity (NaN when both signs occur); its std is NaN. */
    if (any && (isinf(all.min) || isinf(all.max))) {
        bool both = all.min == -INFINITY && all.max == INFINITY;
        out->mean = both ? NAN : all.max == INFINITY ? INFINITY : -INFINITY;
        out->std = NAN;
    }
    for (int p = 0; p < o->npercentiles; p++)
        out->percentiles[p] = NAN;
}

/* Pass 2 and the percentiles, from the total histogram of pass 1 (n values in it). */
static int run_percentiles(const blz_stats_options *o, const blz_stats_feed *feed,
                           blz_stats_acc *acc, uint64_t n, blz_stats *out)
{
    memcpy(acc->top, acc->hist, BUCKETS * sizeof *acc->top);
    choose_slots(o, acc, n);
    memset(acc->hist, 0, (size_t)feed->threads * acc->hist_per_thread * sizeof *acc->hist);
    acc->counting = true;
    int st = feed->walk(feed->ctx, acc);
    st = total_histogram(o, acc, feed->threads, (size_t)acc->slots * BUCKETS, st);
    if (st == BLZ_OK)
        read_percentiles(o, acc, n, out);
    return st;
}

/* Everything both passes need, allocated before the first (so that the second
 * reuses the first's freed buffers, not memory fragmented by new ones). */
static int acc_alloc(blz_stats_acc *acc, const blz_stats_options *o, const blz_stats_feed *feed)
{
    *acc = (blz_stats_acc){ .hist_per_thread = max_slots(o) * BUCKETS };
    acc->parts = malloc((feed->parts ? feed->parts : 1) * sizeof *acc->parts);
    acc->hist = calloc((size_t)feed->threads * acc->hist_per_thread, sizeof *acc->hist);
    acc->top = malloc(BUCKETS * sizeof *acc->top);
    acc->slot_of_bucket = malloc(BUCKETS * sizeof *acc->slot_of_bucket);
    if (!acc->parts || !acc->hist || !acc->top || !acc->slot_of_bucket)
        return blz_fail(BLZ_ERR_NOMEM, "%s: out of memory for statistics", feed->path);
    for (size_t t = 0; t < feed->parts; t++)
        acc->parts[t] = empty_partial;
    return BLZ_OK;
}

int blz_stats_run(const blz_stats_options *o, const blz_stats_feed *feed, blz_stats *stats)
{
    blz_stats_acc acc;
    int st = acc_alloc(&acc, o, feed);
    if (st == BLZ_OK)
        st = feed->walk(feed->ctx, &acc);
    st = total_histogram(o, &acc, feed->threads, acc.hist ? BUCKETS : 0, st);
    if (st == BLZ_OK) {
        summarise(o, &acc, feed->parts, stats);
        uint64_t n = 0;  /* non-NaN values of every process sharing the query */
        for (size_t b = 0; b < BUCKETS; b++)
            n += acc.hist[b];
        if (n > 0 && o->npercentiles > 0)
            st = run_percentiles(o, feed, &acc, n, stats);
    }
    free(acc.parts);
    free(acc.hist);
    free(acc.top);
    free(acc.slot_of_bucket);
    return st;
}
