/*
 * scheduler.h - the page-budget scheduler: walks a cache's chunks so that resident
 * memory stays under a budget, and hands each chunk (streaming) or each gathered
 * group of pixels (gather) to the reduction.
 *
 * Streaming walk: per-pixel accumulators cover a strip of tile rows (the whole frame
 * when it fits). The selected time blocks are walked in bands that fit what the
 * accumulators leave of the budget; the tiles of a band are processed in parallel,
 * one thread per tile, each tile's chunks in time order, so a pixel always sees its
 * frames in order. The next band is prefetched (WILLNEED, page cache only) and the
 * band behind released (DONTNEED) unless the whole selection fits in one band.
 *
 * Gather walk: for a group of pixels (rows of one or more tiles of a tile row) the
 * values of every selected frame are copied into a pixel-major buffer, band by band,
 * then handed over for selection. When the chunks are stored raw and the group's
 * chunks of every selected time block can be mapped at once, each thread instead
 * gathers a slice of a few rows into its own buffer, small enough to stay in its
 * cache, and reduces it straight away: the series are then written and read back in
 * cache instead of through memory.
 */
#ifndef BLITZ_QUERY_SCHEDULER_H
#define BLITZ_QUERY_SCHEDULER_H

#include <stddef.h>
#include <stdint.h>

#include "blitz/cache.h"
#include "blitz/query.h"
#include "query/frames.h"

/* What a query needs besides the mapped band, for planning. */
typedef struct blz_sched_needs {
    size_t result_bytes;       /* output image */
    size_t accum_per_value;    /* streaming: accumulator bytes per value of a frame */
    size_t scratch_per_thread; /* per-thread scratch (histograms, selection counts) */
    int gather;                /* 1: gather walk (median / percentile) */
    int threads;               /* 0 = OpenMP default */
    size_t budget;
} blz_sched_needs;

/* Work out the plan; BLZ_ERR_BUDGET naming the minimum when it cannot fit. */
int blz_sched_plan(const blz_cache *cache, const blz_selection *sel,
                   const blz_sched_needs *needs, blz_plan *plan);

/* One chunk's part of a streaming walk. */
typedef struct blz_chunk_task {
    const float *values;   /* the chunk: ct x th x tw x C (NULL when planes are given) */
    const unsigned char *planes; /* or its four byte planes, plane bytes apart
                                    (blz_cache_chunk_planes), to hooks that take them */
    size_t plane;
    int32_t th, tw, channels;
    int32_t y0, x0;        /* frame position of the chunk's first pixel */
    int32_t rows, cols;    /* valid rows and columns (edge tiles are padded) */
    int64_t tile;          /* tile number in the frame: ty * nx + tx */
    int64_t first_frame;   /* first selected frame in the chunk (absolute index) */
    int64_t frame_count;   /* selected frames in the chunk */
    int64_t local_first;   /* its index inside the chunk */
    int64_t step;          /* selection step */
    uint32_t int_limit;    /* the chunk's integer claim (blz_chunk_entry), 0 for none */
    int thread;            /* OpenMP thread number, for per-thread scratch */
} blz_chunk_task;

typedef struct blz_stream_hooks {
    /* A strip of pixel rows y0..y0+rows-1 starts / ends (accumulators reset / results
     * stored). Called on the coordinating thread. */
    int (*strip_begin)(void *ctx, int32_t y0, int32_t rows);
    int (*strip_end)(void *ctx, int32_t y0, int32_t rows);
    /* Fold one chunk in. Called from worker threads; never twice at once for a tile. */
    int (*chunk)(void *ctx, const blz_chunk_task *task);
    bool planes;   /* chunk() takes shuffle-lz4 chunks as byte planes */
} blz_stream_hooks;

int blz_sched_stream(const blz_cache *cache, const blz_selection *sel, const blz_plan *plan,
                     const blz_stream_hooks *hooks, void *ctx);

/* A gathered group: pixels rows x cols from (y0, x0), values[p * count + k] is frame k
 * of the selection for pixel-channel p = ((y - y0) * cols + (x - x0)) * C + c. */
typedef struct blz_group {
    int32_t y0, x0, rows, cols, channels;
    int64_t count;
    float *values;
} blz_group;

/* Reduce pixel-channels first..first+count-1 of a gathered group. Called from worker
 * threads (thread: the OpenMP thread number), never twice for the same pixels. */
typedef void (*blz_series_fn)(void *ctx, const blz_group *group, int64_t first, int64_t count,
                              int thread);

int blz_sched_gather(const blz_cache *cache, const blz_selection *sel, const blz_plan *plan,
                     blz_series_fn reduce_series, void *ctx);

#endif
