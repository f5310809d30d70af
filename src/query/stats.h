/*
 * stats.h - the maths of whole-stack statistics, for any walk that can hand the
 * values over in groups: the stored frames through the scheduler (stats_cache.c) or
 * the processed frames of a pipeline through the frame walk (stats_pipeline.c).
 *
 * A feeder walks every value once per pass and hands each group of values (a chunk's
 * selected rows, a row of a processed frame) to blz_stats_group() with the part it
 * belongs to (a tile, a frame row) and the thread it runs on. Pass 1 folds the group
 * into its part's running figures (Chan's merge of the group's own two-pass partial)
 * and counts the top 16 bits of every value's sortable key; pass 2 counts the low 16
 * bits of the values in the buckets holding the ranks the percentiles need, which
 * pins each rank to an exact float. Parts are merged in order at the end, so the
 * figures depend on how values are grouped into parts but never on the threads.
 */
#ifndef BLITZ_QUERY_STATS_H
#define BLITZ_QUERY_STATS_H

#include <stddef.h>
#include <stdint.h>

#include "blitz/query.h"

/* The accumulators of a run (partials, per-thread histograms, the pass). */
typedef struct blz_stats_acc blz_stats_acc;

/* Calls fn(ctx, row, n) for every row of values of a group. */
typedef void (*blz_row_fn)(void *ctx, const float *row, size_t n);
typedef void (*blz_row_walk)(const void *group, blz_row_fn fn, void *ctx);

/* Fold one group (its rows visited by rows(group, ...)) into part in the current pass.
 * A part is never fed from two threads at once, and its groups come in order. */
void blz_stats_group(blz_stats_acc *acc, size_t part, int thread, blz_row_walk rows,
                     const void *group);

/* A source of values: walk(ctx, acc) feeds every value once through
 * blz_stats_group(), with parts below parts and threads below threads. */
typedef struct blz_stats_feed {
    size_t parts;
    int threads;
    int (*walk)(void *ctx, blz_stats_acc *acc);
    void *ctx;
    const char *path;    /* for messages */
} blz_stats_feed;

/* Bytes of the histograms of one thread, and what a run holds besides them: the
 * partials of parts parts and pass 2's tables (SIZE_MAX when that overflows). */
size_t blz_stats_hist_bytes(const blz_stats_options *options);
size_t blz_stats_held_bytes(size_t parts);

/* Check the percentiles and thread count of options. */
int blz_stats_check(const blz_stats_options *options, const char *path);

/* A failure before the passes: told to the processes sharing the query (when
 * options->combine_counts is set) so they stop too; returns status. */
int blz_stats_abandon(const blz_stats_options *options, int status);

/* Run the passes over feed and fill stats but its frames and values fields. */
int blz_stats_run(const blz_stats_options *options, const blz_stats_feed *feed,
                  blz_stats *stats);

#endif
