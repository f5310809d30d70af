/*
 * framewalk.h - the processed frames of a pipeline, frame by frame, over a region of
 * the frame, for the sinks that need frame-major output (ROI traces, pixel series,
 * export).
 *
 * The region is cut into strips of rows that fit the budget. For each strip the
 * selected frames are read time block by time block (each chunk decoded once per
 * strip, its mapped pages released after the copy; the tiles of a big strip read in
 * parallel) into a block buffer, and every
 * frame is pushed through the stages in order. With sliding references the strip
 * keeps a ring of the last WINDOW input frames and the window state of each of its
 * values; output frame n is handed over as soon as its window is complete. Memory per
 * value of a strip: the block (ct floats), the output row, and when sliding the ring
 * (WINDOW floats) and the window state; so long windows give thin strips, never an
 * intermediate stack.
 */
#ifndef BLITZ_QUERY_FRAMEWALK_H
#define BLITZ_QUERY_FRAMEWALK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "query/stages.h"

/* Strips (and frames) with fewer values than this are processed by one thread: a
 * parallel region per frame costs more than it saves on small frames. */
enum { BLZ_PARALLEL_VALUES = 1 << 16 };

typedef struct blz_region {
    int32_t x0, y0, w, h;
} blz_region;

/* Output frame n, rows y0..y0+rows-1 of the region (rows x w x C values). Called on
 * the coordinating thread, strips in order and frames in order within a strip. */
typedef int (*blz_frame_sink)(void *ctx, int64_t n, int32_t y0, int32_t rows,
                              const float *values);

typedef struct blz_walk_options {
    size_t budget;       /* bytes left for the walk */
    int threads;         /* 0 = OpenMP default */
    bool one_strip;      /* the sink needs whole regions: BLZ_ERR_BUDGET when they do not fit */
} blz_walk_options;

/* Threads the walk reads chunks with under options. */
int blz_frame_walk_threads(const blz_walk_options *options);

/* Bytes the walk holds for strips of rows rows of width pixels read by threads threads:
 * a chunk buffer and a chunk per thread, and per value of a strip its block of ct
 * frames and the output (with a sliding reference, a ring of WINDOW frames and the
 * window state). */
size_t blz_frame_walk_bytes(const blz_stages *st, int32_t width, int32_t rows, int threads);

/* Rows per strip the walk would use for region under options (0 and BLZ_ERR_BUDGET
 * when not even one row fits). */
int blz_frame_walk_rows(const blz_stages *st, const blz_region *region,
                        const blz_walk_options *options, int32_t *rows);

int blz_frame_walk(const blz_stages *st, const blz_region *region,
                   const blz_walk_options *options, blz_frame_sink sink, void *ctx);

#endif
