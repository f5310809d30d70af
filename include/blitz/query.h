/*
 * blitz/query.h - temporal reductions and whole-stack statistics on a cache, under a
 * memory budget.
 *
 * A reduction turns the selected frames (start:stop:step, Python slice rules) of a
 * cache into one H x W x C image of doubles: per pixel and channel the mean, sum,
 * min, max, std, var, median, an exact percentile, or the frame index of the minimum
 * or maximum. blz_stats() reduces the whole selection to a few numbers instead.
 *
 * The page-budget scheduler keeps the process's resident memory - result image,
 * accumulators, gather buffers, decode buffers and the mapped pages of the cache -
 * under options.ram_budget for any cache size: it walks the file time block by time
 * block in bands that fit, prefetches the next band and releases the band behind.
 * Tiles are processed in parallel (OpenMP); each pixel's values are always combined
 * in frame order, so every result is the same for any number of threads.
 *
 * NaN policy: BLZ_NAN_PROPAGATE makes any NaN among a pixel's values its result (for
 * argmin/argmax: the index of the first NaN, like numpy); BLZ_NAN_IGNORE leaves NaN
 * values out (a pixel with no other value gives NaN). BLZ_NAN_DEFAULT propagates for
 * mean, sum, std, var, min, max, argmin and argmax and ignores for median and
 * percentile.
 */
#ifndef BLITZ_QUERY_H
#define BLITZ_QUERY_H

#include <stddef.h>
#include <stdint.h>

#include "blitz/cache.h"

#ifdef __cplusplus
extern "C" {
#endif

enum blz_reduce_op {
    BLZ_OP_MEAN = 1, BLZ_OP_SUM, BLZ_OP_MIN, BLZ_OP_MAX, BLZ_OP_STD, BLZ_OP_VAR,
    BLZ_OP_MEDIAN, BLZ_OP_PERCENTILE, BLZ_OP_ARGMIN, BLZ_OP_ARGMAX
};

/* Name of an op ("mean", ...) or NULL; and the reverse (-1 if unknown). */
const char *blz_op_name(int op);
int blz_op_from_name(const char *name);

enum blz_nan_policy { BLZ_NAN_DEFAULT = 0, BLZ_NAN_PROPAGATE = 1, BLZ_NAN_IGNORE = 2 };

/* Frames start, start+step, ... below stop. stop = -1 means the end of the cache. */
typedef struct blz_frame_range {
    int64_t start, stop, step;
} blz_frame_range;

typedef struct blz_reduce_options {
    int op;                  /* enum blz_reduce_op */
    blz_frame_range frames;  /* {0, -1, 1} for all frames */
    int nan_policy;          /* enum blz_nan_policy */
    int ddof;                /* std/var: divide by n - ddof (0 = population) */
    double percentile;       /* BLZ_OP_PERCENTILE: 0..100, numpy's linear interpolation */
    size_t ram_budget;       /* bytes of resident memory allowed, result included */
    int threads;             /* OpenMP threads; 0 = the OpenMP default */
} blz_reduce_options;

/* Options with the defaults above for op (all frames, default NaN policy, ddof 0,
 * 1 GiB budget, default threads). */
blz_reduce_options blz_reduce_defaults(int op);

/* How a query will run, and the resident memory it expects, by part. */
typedef struct blz_plan {
    int threads;             /* OpenMP threads */
    int64_t frames;          /* selected frames */
    int64_t time_blocks;     /* time blocks holding a selected frame */
    int64_t band_blocks;     /* time blocks per band */
    size_t band_bytes;       /* mapped bytes of one band (upper bound) */
    int32_t strip_tile_rows; /* tile rows per strip (streaming ops) */
    int32_t strips;          /* passes over the file */
    int32_t group_rows;      /* gather ops: pixel rows per gathered group */
    int32_t group_tiles;     /* gather ops: tiles per gathered group */
    int32_t slice_rows;      /* gather ops: rows of the slices each thread gathers into its
                                own buffer and reduces (raw chunks, whole selection mapped);
                                0: groups are gathered into one shared buffer */
    int64_t tiles_in_flight; /* tiles processed at once (one per thread) */
    size_t result_bytes;     /* the output image */
    size_t accum_bytes;      /* per-pixel accumulators of one strip */
    size_t gather_bytes;     /* gather buffer (median / percentile) */
    size_t decode_bytes;     /* per-thread chunk buffers for compressed chunks */
    size_t scratch_bytes;    /* per-thread histograms and selection scratch */
    size_t mapped_bytes;     /* mapped cache pages at once (the band, or the whole selection
                                when it fits and nothing needs releasing) */
    int release_behind;      /* 1 when each band's pages are released after use */
    size_t total_bytes;      /* sum of the parts */
} blz_plan;

/* The plan blz_reduce() would follow; BLZ_ERR_BUDGET (message gives the minimum) when
 * the budget cannot hold the smallest unit of work. */
int blz_reduce_plan(const blz_cache *cache, const blz_reduce_options *options,
                    blz_plan *plan);

/* Reduce the selected frames into out: H*W*C doubles, rows top to bottom, channels
 * interleaved. For argmin/argmax the values are frame indices in the cache. */
int blz_reduce(const blz_cache *cache, const blz_reduce_options *options, double *out);

/* Whole-selection statistics. NaN values are counted and otherwise left out. The
 * percentiles are exact (numpy's linear interpolation over all non-NaN values),
 * found by two radix passes over the data, never by copying it. */
#define BLZ_STATS_MAX_PERCENTILES 16

typedef struct blz_stats_options {
    blz_frame_range frames;
    int npercentiles;                              /* 0..BLZ_STATS_MAX_PERCENTILES */
    double percentiles[BLZ_STATS_MAX_PERCENTILES]; /* each 0..100 */
    size_t ram_budget;
    int threads;
    /* Optional, for a query split between processes that each take a band of tile rows
     * (blz_cache_open_rows): called after each counting pass with this process's status
     * and its counts[0..len); when every process's status is BLZ_OK it replaces counts
     * with their sum over all processes, so all of them pick the same buckets and find
     * the same exact percentiles. It returns the status agreed by all (BLZ_OK only when
     * every process succeeded). NULL: this process alone. */
    int (*combine_counts)(void *ctx, int status, uint64_t *counts, size_t len);
    void *combine_ctx;
} blz_stats_options;

typedef struct blz_stats {
    int64_t frames;          /* frames selected */
    uint64_t values;         /* values looked at (frames * H * W * C) */
    uint64_t nan_count;      /* NaN values among them */
    double min, max, mean, std;                    /* over the non-NaN values; NaN if none */
    double percentiles[BLZ_STATS_MAX_PERCENTILES]; /* for options.percentiles */
} blz_stats;

/* Defaults: all frames, percentiles 0.35 and 99.65 (ImageJ's auto-contrast), 1 GiB. */
blz_stats_options blz_stats_defaults(void);

int blz_stats_plan(const blz_cache *cache, const blz_stats_options *options, blz_plan *plan);
int blz_stats_compute(const blz_cache *cache, const blz_stats_options *options,
                      blz_stats *stats);

#ifdef __cplusplus
}
#endif
#endif
