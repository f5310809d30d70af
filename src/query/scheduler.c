/*
 * scheduler.c - the page-budget scheduler: plans strips, bands and gather groups that
 * fit a memory budget, and walks the cache accordingly with OpenMP.
 *
 * Resident memory is counted as: the result image, the accumulators of one strip (or
 * the gather buffer of one group, or one slice buffer per thread), per-thread decode
 * buffers and scratch, and the mapped pages of the band being processed. Prefetching
 * the next band (WILLNEED) only fills the page cache, which is not part of the
 * process's resident set; releasing a band (DONTNEED) unmaps its pages from the
 * process, and is skipped when the whole selection fits in the budget (it costs time
 * and buys nothing then).
 */
#include "query/scheduler.h"

#include <omp.h>
#include <stdbool.h>
#include <stdlib.h>

#include "core/checked.h"
#include "core/error_internal.h"
#include "query/transpose.h"
#include "query/workers.h"

enum { PAGE_BYTES = 4096 };

/* Largest gather buffer worth having: a bigger one only costs first-touch page faults
 * (about 2 s per GiB on a VM) and cache misses, while the walk over smaller groups
 * costs one prefetch call per time block and group. */
static const size_t GATHER_TARGET_BYTES = (size_t)32 << 20;

/* Saturating arithmetic for budget sums: an overflow means "too big", never a wrap. */
static size_t sat_mul(size_t a, size_t b)
{
    size_t r;
    return blz_mul_size(a, b, &r) ? r : SIZE_MAX;
}

static size_t sat_add(size_t a, size_t b)
{
    size_t r;
    return blz_add_size(a, b, &r) ? r : SIZE_MAX;
}

static size_t page_round(uint64_t bytes)
{
    return (size_t)((bytes + PAGE_BYTES - 1) / PAGE_BYTES * PAGE_BYTES);
}

/* Bytes of mapping one chunk can occupy: chunks start on page boundaries. */
static size_t chunk_span(const blz_layout *l)
{
    return page_round(l->chunk_bytes);
}

/* Bytes of mapping the stored chunks ids first .. end - 1 occupy. */
static size_t stored_span(const blz_cache *cache, int64_t first, int64_t end)
{
    size_t bytes = 0;
    for (int64_t id = first; id < end; id++) {
        blz_chunk_entry e;
        bytes = sat_add(bytes, blz_cache_chunk_entry(cache, id, &e) == BLZ_OK
                                   ? page_round(e.stored_size)
                                   : chunk_span(blz_cache_layout(cache)));
    }
    return bytes;
}

/* Bytes of mapping all the chunks of the selected time blocks occupy, as stored:
 * compressed chunks take fewer pages than chunk_span(). */
static size_t selection_span(const blz_cache *cache, const blz_selection *sel)
{
    const blz_layout *l = blz_cache_layout(cache);
    size_t bytes = 0;
    for (int64_t tb = blz_selection_next_block(sel, 0); tb <= sel->last_block;
         tb = blz_selection_next_block(sel, tb + 1))
        bytes = sat_add(bytes, stored_span(cache, blz_chunk_id(l, tb, 0, 0),
                                           blz_chunk_id(l, tb + 1, 0, 0)));
    return bytes;
}

/* The most bytes of mapping one selected time block of a group of tiles occupies, as
 * stored: what a band needs per time block. Groups are rows tile rows by cols tile
 * columns (a strip: all columns; a gather group: one tile row). */
static size_t group_block_span(const blz_cache *cache, const blz_selection *sel,
                               int32_t rows, int32_t cols)
{
    const blz_layout *l = blz_cache_layout(cache);
    size_t most = 0;
    for (int64_t tb = blz_selection_next_block(sel, 0); tb <= sel->last_block;
         tb = blz_selection_next_block(sel, tb + 1))
        for (int32_t ty0 = 0; ty0 < l->ny; ty0 += rows)
            for (int32_t tx0 = 0; tx0 < l->nx; tx0 += cols) {
                int32_t tx1 = tx0 + cols < l->nx ? tx0 + cols : l->nx;
                size_t bytes = 0;
                for (int32_t ty = ty0; ty < ty0 + rows && ty < l->ny; ty++)
                    bytes = sat_add(bytes, stored_span(cache, blz_chunk_id(l, tb, ty, tx0),
                                                       blz_chunk_id(l, tb, ty, tx1)));
                most = bytes > most ? bytes : most;
            }
    return most;
}

static int budget_error(const blz_cache *cache, size_t budget, size_t minimum)
{
    return blz_fail(BLZ_ERR_BUDGET,
                    "%s: memory budget of %zu bytes (%.1f MiB) is too small: this query "
                    "needs at least %zu bytes (%.1f MiB)",
                    blz_cache_path(cache), budget, budget / 1048576.0, minimum,
                    minimum / 1048576.0);
}

/* Largest strip of tile rows whose accumulators and one-block band fit. */
static int plan_stream(const blz_cache *cache, const blz_selection *sel, const blz_layout *l,
                       const blz_sched_needs *n, size_t fixed, blz_plan *p)
{
    size_t row_bytes = sat_mul(sat_mul((size_t)l->width, (size_t)l->channels),
                               n->accum_per_value);
    size_t minimum = SIZE_MAX;
    for (int32_t s = l->ny; s >= 1; s--) {
        int64_t rows = (int64_t)s * l->th < l->height ? (int64_t)s * l->th : l->height;
        size_t accum = sat_mul((size_t)rows, row_bytes);
        size_t unit = group_block_span(cache, sel, s, l->nx);
        size_t need = sat_add(sat_add(fixed, accum), unit);
        minimum = need;
        if (need > n->budget)
            continue;
        int64_t blocks = (int64_t)((n->budget - fixed - accum) / unit);
        p->band_blocks = blocks < p->time_blocks ? blocks : p->time_blocks;
        p->strip_tile_rows = s;
        p->strips = (int32_t)blz_div_ceil(l->ny, s);
        p->accum_bytes = accum;
        p->band_bytes = (size_t)p->band_blocks * unit;
        p->tiles_in_flight = (int64_t)s * l->nx < p->threads ? (int64_t)s * l->nx : p->threads;
        return BLZ_OK;
    }
    return budget_error(cache, n->budget, minimum);
}

/* Bytes of one thread's slice buffer worth aiming at: half of a core's L2 cache on
 * current x86 servers, so the slice stays there between its gathering and its
 * reduction, with room left for the selection's counts and the chunk lines passing
 * through. */
static const size_t SLICE_TARGET_BYTES = (size_t)512 << 10;

/* Slices a thread should have to pick from, so that the threads finish a group close
 * together. */
enum { SLICES_PER_THREAD = 4 };

/* Slices gathered in each thread's cache: when no chunk needs decoding and the chunks
 * of whole tiles for every selected time block fit the budget beside one slice buffer
 * per thread. Returns false (plan untouched) otherwise. */
static bool plan_slices(const blz_layout *l, const blz_sched_needs *n, size_t fixed,
                        size_t row_tile, blz_plan *p)
{
    if (p->decode_bytes > 0)
        return false;
    size_t rows = SLICE_TARGET_BYTES / row_tile;
    rows = rows < 1 ? 1 : rows > (size_t)l->th ? (size_t)l->th : rows;
    size_t buffers = sat_mul((size_t)p->threads, sat_mul(rows, row_tile));
    size_t column = sat_mul((size_t)p->time_blocks, chunk_span(l));
    size_t slices_per_tile = ((size_t)l->th + rows - 1) / rows;
    size_t tiles = ((size_t)p->threads * SLICES_PER_THREAD + slices_per_tile - 1)
                   / slices_per_tile;
    if (tiles > (size_t)l->nx)
        tiles = (size_t)l->nx;
    for (; tiles >= 1; tiles--)
        if (sat_add(sat_add(fixed, buffers), sat_mul(tiles, column)) <= n->budget)
            break;
    if (tiles == 0)
        return false;
    p->slice_rows = (int32_t)rows;
    p->group_rows = l->th;
    p->group_tiles = (int32_t)tiles;
    p->gather_bytes = buffers;
    p->band_blocks = p->time_blocks;
    p->band_bytes = tiles * column;
    p->strip_tile_rows = 1;
    p->strips = (int32_t)(l->ny * blz_div_ceil(l->nx, (int64_t)tiles));
    p->tiles_in_flight = (int64_t)tiles;
    return true;
}

/* Gather groups: whole tiles when a tile's rows fit in half of what is left (no more
 * tiles than GATHER_TARGET_BYTES hold, at least one), else as many rows of one tile as
 * fit (whole pages of the chunk's frames when possible). A chunk is counted at the
 * pages the largest selected one takes as stored. */
static int plan_gather(const blz_cache *cache, const blz_selection *sel, const blz_layout *l,
                       const blz_sched_needs *n, size_t fixed, blz_plan *p)
{
    size_t span = group_block_span(cache, sel, 1, 1);
    size_t row_tile = sat_mul(sat_mul((size_t)l->tw * (size_t)l->channels, sizeof(float)),
                              (size_t)p->frames);
    size_t minimum = sat_add(sat_add(fixed, row_tile), span);
    if (minimum > n->budget)
        return budget_error(cache, n->budget, minimum);
    if (plan_slices(l, n, fixed, row_tile, p))
        return BLZ_OK;
    size_t avail = n->budget - fixed;
    size_t tile_bytes = sat_mul(row_tile, (size_t)l->th);
    size_t tiles = (avail / 2) / sat_add(tile_bytes, span);
    int32_t rows;
    if (tiles >= 1) {
        rows = l->th;
        size_t target_tiles = GATHER_TARGET_BYTES / tile_bytes;
        if (tiles > target_tiles)
            tiles = target_tiles > 0 ? target_tiles : 1;
        if (tiles > (size_t)l->nx)
            tiles = (size_t)l->nx;
    } else {
        size_t fit = (avail - span) / row_tile;
        if (fit > (size_t)l->th)
            fit = (size_t)l->th;
        size_t page_rows = PAGE_BYTES / ((size_t)l->tw * (size_t)l->channels * sizeof(float));
        if (page_rows > 1 && fit >= page_rows)
            fit -= fit % page_rows;
        rows = (int32_t)fit;
        tiles = 1;
    }
    p->group_rows = rows;
    p->group_tiles = (int32_t)tiles;
    p->gather_bytes = (size_t)rows * tiles * row_tile;
    size_t unit = group_block_span(cache, sel, 1, (int32_t)tiles);
    int64_t blocks = (int64_t)((avail - p->gather_bytes) / unit);
    p->band_blocks = blocks < p->time_blocks ? blocks : p->time_blocks;
    p->band_bytes = (size_t)p->band_blocks * unit;
    p->strip_tile_rows = 1;
    p->strips = (int32_t)(l->ny * blz_div_ceil(l->th, rows) * blz_div_ceil(l->nx, (int64_t)tiles));
    p->tiles_in_flight = (int64_t)tiles;
    return BLZ_OK;
}

int blz_sched_plan(const blz_cache *cache, const blz_selection *sel,
                   const blz_sched_needs *needs, blz_plan *plan)
{
    const blz_layout *l = blz_cache_layout(cache);
    *plan = (blz_plan){ 0 };
    plan->threads = needs->threads > 0 ? needs->threads : omp_get_max_threads();
    plan->frames = sel->count;
    plan->time_blocks = blz_selection_blocks(sel);
    plan->result_bytes = needs->result_bytes;
    plan->decode_bytes = blz_cache_has_compressed(cache)
                             ? sat_mul((size_t)plan->threads, blz_chunk_buf_bytes(cache)) : 0;
    plan->scratch_bytes = sat_mul((size_t)plan->threads, needs->scratch_per_thread);
    size_t fixed = sat_add(sat_add(plan->result_bytes, plan->decode_bytes), plan->scratch_bytes);
    int st = needs->gather ? plan_gather(cache, sel, l, needs, fixed, plan)
                           : plan_stream(cache, sel, l, needs, fixed, plan);
    if (st != BLZ_OK)
        return st;
    size_t whole = selection_span(cache, sel);
    if (plan->band_bytes > whole)
        plan->band_bytes = whole;
    size_t room = needs->budget - fixed - plan->accum_bytes - plan->gather_bytes;
    plan->release_behind = whole > room;
    plan->mapped_bytes = plan->release_behind ? plan->band_bytes : whole;
    plan->total_bytes = sat_add(sat_add(fixed, sat_add(plan->accum_bytes, plan->gather_bytes)),
                                plan->mapped_bytes);
    return BLZ_OK;
}

/* The next band: up to max selected time blocks from *next on; returns how many. */
static int64_t next_band(const blz_selection *sel, int64_t *next, int64_t max, int64_t *blocks)
{
    int64_t n = 0;
    for (int64_t tb = blz_selection_next_block(sel, *next); n < max && tb <= sel->last_block;
         tb = blz_selection_next_block(sel, tb + 1))
        blocks[n++] = tb;
    *next = n > 0 ? blocks[n - 1] + 1 : sel->last_block + 1;
    return n;
}

/* A rectangle of tiles: tile rows ty0..ty1-1, tile columns tx0..tx1-1. */
typedef struct tile_rect {
    int32_t ty0, ty1, tx0, tx1;
} tile_rect;

static void advise_band(const blz_cache *cache, const int64_t *blocks, int64_t n,
                        const tile_rect *r, int advice)
{
    const blz_layout *l = blz_cache_layout(cache);
    bool full_rows = r->tx0 == 0 && r->tx1 == l->nx;
    for (int64_t i = 0; i < n; i++) {
        if (full_rows) {
            blz_cache_advise(cache, blz_chunk_id(l, blocks[i], r->ty0, 0),
                             (int64_t)(r->ty1 - r->ty0) * l->nx, advice);
            continue;
        }
        for (int32_t ty = r->ty0; ty < r->ty1; ty++)
            blz_cache_advise(cache, blz_chunk_id(l, blocks[i], ty, r->tx0), r->tx1 - r->tx0,
                             advice);
    }
}

/* Walks the bands of a tile rectangle: prefetch next, process, release behind. */
typedef int (*band_fn)(void *ctx, const int64_t *blocks, int64_t n);

static int walk_bands(const blz_cache *cache, const blz_selection *sel, const blz_plan *plan,
                      const tile_rect *rect, band_fn process, void *ctx)
{
    int64_t *blocks = malloc(2 * (size_t)plan->band_blocks * sizeof *blocks);
    if (!blocks)
        return blz_fail(BLZ_ERR_NOMEM, "%s: out of memory for the band list",
                        blz_cache_path(cache));
    int64_t *cur = blocks, *ahead = blocks + plan->band_blocks;
    int64_t next = sel->first_block;
    int64_t n = next_band(sel, &next, plan->band_blocks, cur);
    advise_band(cache, cur, n, rect, BLZ_ADVISE_WILLNEED);
    int st = BLZ_OK;
    while (n > 0 && st == BLZ_OK) {
        int64_t n_ahead = next_band(sel, &next, plan->band_blocks, ahead);
        advise_band(cache, ahead, n_ahead, rect, BLZ_ADVISE_WILLNEED);
        st = process(ctx, cur, n);
        if (plan->release_behind)
            advise_band(cache, cur, n, rect, BLZ_ADVISE_DONTNEED);
        int64_t *t = cur;
        cur = ahead;
        ahead = t;
        n = n_ahead;
    }
    free(blocks);
    return st;
}

/* One decode buffer per planned thread, none when the plan has no decoding to do. */
static int alloc_decode_buffers(const blz_cache *cache, const blz_plan *plan,
                                blz_decode_buffers *d)
{
    return blz_decode_buffers_alloc(cache, plan->decode_bytes ? plan->threads : 0, d);
}

/* The values of chunk (tb, ty, tx), decoded into the thread's buffer if needed. */
static int load_chunk(const blz_cache *cache, const blz_decode_buffers *d, int64_t tb,
                      int32_t ty, int32_t tx, const float **values)
{
    const blz_layout *l = blz_cache_layout(cache);
    return blz_cache_chunk(cache, blz_chunk_id(l, tb, ty, tx), blz_decode_buffers_mine(d),
                           values);
}

/* ---- streaming walk ---- */

typedef struct stream_walk {
    const blz_cache *cache;
    const blz_layout *layout;
    const blz_selection *sel;
    const blz_plan *plan;
    const blz_stream_hooks *hooks;
    void *ctx;
    blz_decode_buffers decode;
    tile_rect rect;
} stream_walk;

/* Chunk (tb, ty, tx) into the task: its values, or its byte planes when the hooks
 * take them, and its integer claim. */
static int load_stream_chunk(const stream_walk *w, int64_t tb, int32_t ty, int32_t tx,
                             blz_chunk_task *task)
{
    int64_t id = blz_chunk_id(w->layout, tb, ty, tx);
    blz_chunk_entry e;
    int st = blz_cache_chunk_entry(w->cache, id, &e);
    if (st < 0)
        return st;
    task->int_limit = e.int_limit;
    if (!w->hooks->planes)
        return load_chunk(w->cache, &w->decode, tb, ty, tx, &task->values);
    return blz_cache_chunk_planes(w->cache, id, blz_decode_buffers_mine(&w->decode),
                                  &task->values, &task->planes);
}

static int stream_tile(const stream_walk *w, int32_t ty, int32_t tx, const int64_t *blocks,
                       int64_t n)
{
    const blz_layout *l = w->layout;
    blz_chunk_task task = {
        .th = l->th, .tw = l->tw, .channels = l->channels,
        .y0 = ty * l->th, .x0 = tx * l->tw,
        .tile = (int64_t)ty * l->nx + tx, .step = w->sel->step,
        .thread = omp_get_thread_num(), .plane = l->chunk_values,
    };
    task.rows = l->height - task.y0 < l->th ? l->height - task.y0 : l->th;
    task.cols = l->width - task.x0 < l->tw ? l->width - task.x0 : l->tw;
    for (int64_t i = 0; i < n; i++) {
        blz_selection_in_block(w->sel, blocks[i], &task.first_frame, &task.frame_count);
        task.local_first = task.first_frame - blocks[i] * l->ct;
        int st = load_stream_chunk(w, blocks[i], ty, tx, &task);
        if (st == BLZ_OK)
            st = w->hooks->chunk(w->ctx, &task);
        if (st != BLZ_OK)
            return st;
    }
    return BLZ_OK;
}

/* The band being walked, for its items. */
typedef struct band_at {
    const void *walk;
    const int64_t *blocks;
    int64_t n;
} band_at;

/* Tile i of the strip, through the band's blocks. */
static int stream_item(const void *ctx, int64_t i)
{
    const band_at *b = ctx;
    const stream_walk *w = b->walk;
    int32_t nx = w->layout->nx;
    return stream_tile(w, w->rect.ty0 + (int32_t)(i / nx), (int32_t)(i % nx), b->blocks, b->n);
}

static int stream_band(void *ctx, const int64_t *blocks, int64_t n)
{
    const stream_walk *w = ctx;
    band_at b = { w, blocks, n };
    return blz_run_items(w->plan->threads,
                         (int64_t)(w->rect.ty1 - w->rect.ty0) * w->layout->nx, stream_item, &b);
}

int blz_sched_stream(const blz_cache *cache, const blz_selection *sel, const blz_plan *plan,
                     const blz_stream_hooks *hooks, void *ctx)
{
    stream_walk w = { cache, blz_cache_layout(cache), sel, plan, hooks, ctx, { NULL, 0 },
                      { 0, 0, 0, 0 } };
    int st = alloc_decode_buffers(cache, plan, &w.decode);
    const blz_layout *l = w.layout;
    for (int32_t ty0 = 0; st == BLZ_OK && ty0 < l->ny; ty0 += plan->strip_tile_rows) {
        w.rect = (tile_rect){ ty0, ty0 + plan->strip_tile_rows, 0, l->nx };
        if (w.rect.ty1 > l->ny)
            w.rect.ty1 = l->ny;
        int32_t y0 = ty0 * l->th;
        int32_t rows = (w.rect.ty1 * l->th < l->height ? w.rect.ty1 * l->th : l->height) - y0;
        st = hooks->strip_begin(ctx, y0, rows);
        if (st == BLZ_OK)
            st = walk_bands(cache, sel, plan, &w.rect, stream_band, &w);
        if (st == BLZ_OK)
            st = hooks->strip_end(ctx, y0, rows);
    }
    blz_decode_buffers_free(&w.decode);
    return st;
}

/* ---- gather walk ---- */

typedef struct gather_walk {
    const blz_cache *cache;
    const blz_layout *layout;
    const blz_selection *sel;
    const blz_plan *plan;
    blz_decode_buffers decode;
    tile_rect rect;
    blz_group group;   /* the group walked; its values are the shared buffer (not slices) */
    float *slices;     /* slice mode: one slice buffer per thread */
    blz_series_fn reduce_series;
    void *ctx;
} gather_walk;

/* A pixel-major buffer: series of `length` values (every selected frame),
 * `row_values` pixel-channels per row of the buffer. */
typedef struct series_dest {
    float *values;
    size_t length, row_values;
} series_dest;

/* Where row ly of the first selected frame of chunk (tb, ...) is. */
static const float *selected_rows(const gather_walk *w, const float *chunk, int64_t tb, int32_t ly,
                                  int64_t *first, int64_t *count)
{
    const blz_layout *l = w->layout;
    blz_selection_in_block(w->sel, tb, first, count);
    size_t row_values = (size_t)l->tw * (size_t)l->channels;
    return chunk + ((size_t)(*first - tb * l->ct) * (size_t)l->th + (size_t)ly) * row_values;
}

/* Copy rows ly..ly+rows-1, columns 0..cols-1 of the selected frames of chunk (tb, ...)
 * to the buffer's rows 0..rows-1 from pixel-channel x_off * C on. When next is not
 * NULL, the same rows of chunk next (of block next_tb) are fetched into the cache
 * meanwhile. */
static void copy_block(const gather_walk *w, const float *chunk, int64_t tb, int32_t ly,
                       int32_t rows, int32_t cols, int32_t x_off, const series_dest *d,
                       const float *next, int64_t next_tb)
{
    const blz_layout *l = w->layout;
    int64_t first, count, next_first, next_count;
    const float *src = selected_rows(w, chunk, tb, ly, &first, &count);
    const float *ahead = next ? selected_rows(w, next, next_tb, ly, &next_first, &next_count)
                              : NULL;
    size_t k0 = (size_t)blz_selection_position(w->sel, first);
    size_t row_values = (size_t)l->tw * (size_t)l->channels, n = (size_t)cols * l->channels;
    size_t frame_step = (size_t)w->sel->step * (size_t)l->th * row_values;
    float *dst = d->values + (size_t)x_off * l->channels * d->length + k0;
    for (int32_t y = 0; y < rows; y++) {
        size_t at = (size_t)y * row_values;
        float *series = dst + (size_t)y * d->row_values * d->length;
        if (w->decode.count > 0)
            blz_transpose_series(src + at, frame_step, (size_t)count, n, series, d->length);
        else
            blz_transpose_frames(src + at, frame_step, (size_t)count, n, series, d->length,
                                 ahead ? ahead + at : NULL);
    }
}

/* Valid columns of tile column tx inside the group. */
static int32_t group_cols_in(const gather_walk *w, int32_t tx)
{
    const blz_group *g = &w->group;
    int32_t end = g->x0 + g->cols - tx * w->layout->tw;
    return end < w->layout->tw ? end : w->layout->tw;
}

/* Shared buffer: copy the group's rows of chunk (tb, ty, tx) into it. */
static void gather_chunk(const gather_walk *w, const float *chunk, int64_t tb, int32_t tx)
{
    const blz_group *g = &w->group;
    series_dest d = { g->values, (size_t)g->count, (size_t)g->cols * (size_t)g->channels };
    copy_block(w, chunk, tb, g->y0 - w->rect.ty0 * w->layout->th, g->rows, group_cols_in(w, tx),
               tx * w->layout->tw - g->x0, &d, NULL, 0);
}

/* Shared buffer: chunk i of the band (time block i / tiles, tile i % tiles). */
static int gather_item(const void *ctx, int64_t i)
{
    const band_at *b = ctx;
    const gather_walk *w = b->walk;
    int32_t ntiles = w->rect.tx1 - w->rect.tx0;
    int64_t tb = b->blocks[i / ntiles];
    int32_t tx = w->rect.tx0 + (int32_t)(i % ntiles);
    const float *chunk;
    int st = load_chunk(w->cache, &w->decode, tb, w->rect.ty0, tx, &chunk);
    if (st == BLZ_OK)
        gather_chunk(w, chunk, tb, tx);
    return st;
}

static int gather_band(void *ctx, const int64_t *blocks, int64_t n)
{
    const gather_walk *w = ctx;
    band_at b = { w, blocks, n };
    return blz_run_items(w->plan->threads, n * (w->rect.tx1 - w->rect.tx0), gather_item,
                         &b);
}

/* Pixel-channels handed to one reduce_series call of a shared buffer. */
enum { SERIES_PER_CALL = 16 };

static void reduce_group(const gather_walk *w)
{
    const blz_group *g = &w->group;
    int64_t values = (int64_t)g->rows * g->cols * g->channels;
    int64_t calls = blz_div_ceil(values, SERIES_PER_CALL);
#pragma omp parallel for schedule(dynamic, 1) num_threads(w->plan->threads)
    for (int64_t i = 0; i < calls; i++) {
        int64_t first = i * SERIES_PER_CALL;
        int64_t count = values - first < SERIES_PER_CALL ? values - first : SERIES_PER_CALL;
        w->reduce_series(w->ctx, g, first, count, omp_get_thread_num());
    }
}

/* A slice: rows ly..ly+rows-1 (tile-local) of tile column tx. */
typedef struct slice_at {
    int32_t tx, ly, rows;
} slice_at;

static int32_t slices_per_tile(const gather_walk *w)
{
    return (int32_t)blz_div_ceil(w->group.rows, w->plan->slice_rows);
}

static slice_at slice_number(const gather_walk *w, int64_t i)
{
    int32_t per_tile = slices_per_tile(w);
    int32_t s = (int32_t)(i % per_tile);
    slice_at a = { w->rect.tx0 + (int32_t)(i / per_tile),
                   w->group.y0 - w->rect.ty0 * w->layout->th + s * w->plan->slice_rows,
                   w->plan->slice_rows };
    int32_t left = w->group.rows - s * w->plan->slice_rows;
    a.rows = left < a.rows ? left : a.rows;
    return a;
}

/* Slice mode: gather slice i of the group (every selected block, all mapped) into the
 * thread's buffer and reduce it. */
static int gather_slice(const void *ctx, int64_t i)
{
    const band_at *band = ctx;
    const gather_walk *w = band->walk;
    const int64_t *blocks = band->blocks;
    int64_t n = band->n;
    const blz_layout *l = w->layout;
    const blz_group *g = &w->group;
    int thread = omp_get_thread_num();
    slice_at at = slice_number(w, i);
    blz_group slice = { .y0 = w->rect.ty0 * l->th + at.ly, .x0 = at.tx * l->tw,
                        .rows = at.rows, .cols = group_cols_in(w, at.tx),
                        .channels = g->channels, .count = g->count };
    slice.values = w->slices + (size_t)thread * (size_t)w->plan->slice_rows * (size_t)l->tw
                                   * (size_t)l->channels * (size_t)g->count;
    series_dest d = { slice.values, (size_t)g->count, (size_t)slice.cols * (size_t)g->channels };
    const float *chunk, *ahead = NULL;
    int st = load_chunk(w->cache, &w->decode, blocks[0], w->rect.ty0, at.tx, &chunk);
    for (int64_t b = 0; b < n && st == BLZ_OK; b++, chunk = ahead) {
        if (b + 1 < n)
            st = load_chunk(w->cache, &w->decode, blocks[b + 1], w->rect.ty0, at.tx, &ahead);
        if (st == BLZ_OK)
            copy_block(w, chunk, blocks[b], at.ly, at.rows, slice.cols, 0, &d,
                       b + 1 < n ? ahead : NULL, b + 1 < n ? blocks[b + 1] : 0);
    }
    if (st != BLZ_OK)
        return st;
    w->reduce_series(w->ctx, &slice, 0, (int64_t)slice.rows * slice.cols * slice.channels,
                     thread);
    return BLZ_OK;
}

/* Slice mode's one band (every selected block): the slices of the group's tiles. */
static int slice_band(void *ctx, const int64_t *blocks, int64_t n)
{
    const gather_walk *w = ctx;
    band_at b = { w, blocks, n };
    return blz_run_items(w->plan->threads,
                         (int64_t)(w->rect.tx1 - w->rect.tx0) * slices_per_tile(w),
                         gather_slice, &b);
}

static int gather_groups(gather_walk *w)
{
    const blz_layout *l = w->layout;
    const blz_plan *p = w->plan;
    band_fn band = p->slice_rows > 0 ? slice_band : gather_band;
    for (int32_t ty = 0; ty < l->ny; ty++) {
        int32_t tile_rows = l->height - ty * l->th < l->th ? l->height - ty * l->th : l->th;
        for (int32_t r0 = 0; r0 < tile_rows; r0 += p->group_rows) {
            for (int32_t tx0 = 0; tx0 < l->nx; tx0 += p->group_tiles) {
                w->rect = (tile_rect){ ty, ty + 1, tx0, tx0 + p->group_tiles };
                if (w->rect.tx1 > l->nx)
                    w->rect.tx1 = l->nx;
                blz_group *g = &w->group;
                g->y0 = ty * l->th + r0;
                g->rows = tile_rows - r0 < p->group_rows ? tile_rows - r0 : p->group_rows;
                g->x0 = tx0 * l->tw;
                g->cols = (w->rect.tx1 * l->tw < l->width ? w->rect.tx1 * l->tw : l->width) - g->x0;
                int st = walk_bands(w->cache, w->sel, p, &w->rect, band, w);
                if (st != BLZ_OK)
                    return st;
                if (p->slice_rows == 0)
                    reduce_group(w);
            }
        }
    }
    return BLZ_OK;
}

int blz_sched_gather(const blz_cache *cache, const blz_selection *sel, const blz_plan *plan,
                     blz_series_fn reduce_series, void *ctx)
{
    const blz_layout *l = blz_cache_layout(cache);
    gather_walk w = { .cache = cache, .layout = l, .sel = sel, .plan = plan,
                      .reduce_series = reduce_series, .ctx = ctx };
    w.group.channels = l->channels;
    w.group.count = sel->count;
    float *buffer = malloc(plan->gather_bytes);
    if (!buffer)
        return blz_fail(BLZ_ERR_NOMEM, "%s: out of memory for a %zu-byte gather buffer",
                        blz_cache_path(cache), plan->gather_bytes);
    if (plan->slice_rows > 0)
        w.slices = buffer;
    else
        w.group.values = buffer;
    int st = alloc_decode_buffers(cache, plan, &w.decode);
    if (st == BLZ_OK) {
        st = gather_groups(&w);
        blz_decode_buffers_free(&w.decode);
    }
    free(buffer);
    return st;
}
