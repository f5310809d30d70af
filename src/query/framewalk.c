/*
 * framewalk.c - processed frames strip by strip: block reads of the selected frames,
 * the stages per frame, ring buffers and window state for sliding references.
 */
#include "query/framewalk.h"

#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "cache/shuffle.h"
#include "core/checked.h"
#include "core/error_internal.h"
#include "query/workers.h"

/* One strip's buffers and state. */
typedef struct strip {
    const blz_stages *st;
    const blz_region *region;
    int32_t y0, rows;
    size_t row_values, values;  /* per region row, per strip */
    float *block;               /* ct frames of the strip */
    float *ring;                /* sliding: the last WINDOW input frames */
    float *out;                 /* the output frame's strip */
    blz_stage_windows win;
    blz_decode_buffers bufs;    /* one per thread, for compressed chunks */
    int threads;
} strip;

static size_t bytes_per_value(const blz_stages *st)
{
    size_t bytes = ((size_t)st->layout->ct + 1) * sizeof(float);
    if (st->sliding)
        bytes += (size_t)st->geom.window * sizeof(float) + blz_stage_windows_bytes(st);
    return bytes;
}

int blz_frame_walk_threads(const blz_walk_options *o)
{
    return o->threads > 0 ? o->threads : omp_get_max_threads();
}

/* Per reading thread: a decode buffer and a mapped chunk. */
static size_t per_thread_bytes(const blz_stages *st)
{
    return blz_chunk_buf_bytes(st->cache) + st->layout->chunk_bytes;
}

size_t blz_frame_walk_bytes(const blz_stages *st, int32_t width, int32_t rows, int threads)
{
    return (size_t)threads * per_thread_bytes(st)
           + (size_t)rows * (size_t)width * (size_t)st->layout->channels * bytes_per_value(st);
}

int blz_frame_walk_rows(const blz_stages *st, const blz_region *region,
                        const blz_walk_options *o, int32_t *rows)
{
    size_t fixed = (size_t)blz_frame_walk_threads(o) * per_thread_bytes(st);
    size_t row_bytes;
    *rows = 0;
    if (!blz_mul3_size((size_t)region->w * (size_t)st->layout->channels, bytes_per_value(st), 1,
                       &row_bytes))
        return blz_fail(BLZ_ERR_RANGE, "%s: strip size overflows", st->path);
    size_t avail = o->budget > fixed ? o->budget - fixed : 0;
    size_t fit = avail / row_bytes;
    size_t need = o->one_strip ? (size_t)region->h : 1;
    if (fit < need)
        return blz_fail(BLZ_ERR_BUDGET, "%s: the memory budget is too small: %zu bytes needed "
                        "for %zu row(s) of %d pixels", st->path, fixed + need * row_bytes, need,
                        region->w);
    *rows = fit < (size_t)region->h ? (int32_t)fit : region->h;
    return BLZ_OK;
}

static void strip_free(strip *s)
{
    free(s->block);
    free(s->ring);
    free(s->out);
    blz_stage_windows_free(&s->win);
    blz_decode_buffers_free(&s->bufs);
}

/* Buffers for strips of up to rows rows, allocated once for the whole walk. */
static int strip_alloc(strip *s, const blz_stages *st, const blz_region *region, int32_t rows,
                       int threads)
{
    memset(s, 0, sizeof *s);
    s->st = st;
    s->region = region;
    s->threads = threads;
    s->row_values = (size_t)region->w * (size_t)st->layout->channels;
    s->values = (size_t)rows * s->row_values;
    s->block = malloc((size_t)st->layout->ct * s->values * sizeof(float));
    s->out = malloc(s->values * sizeof(float));
    int ok = s->block && s->out;
    if (ok && st->sliding) {
        s->ring = malloc((size_t)st->geom.window * s->values * sizeof(float));
        ok = s->ring != NULL;
    }
    int rc = ok ? BLZ_OK : blz_fail(BLZ_ERR_NOMEM, "%s: out of memory for a strip of %d rows",
                                    st->path, rows);
    if (rc == BLZ_OK)
        rc = blz_decode_buffers_alloc(st->cache,
                                      blz_cache_has_compressed(st->cache) ? threads : 0,
                                      &s->bufs);
    if (rc == BLZ_OK && st->sliding)
        rc = blz_stage_windows_init(&s->win, st, s->values);
    if (rc != BLZ_OK)
        strip_free(s);
    return rc;
}

/* Copy the strip's part of chunk (tb, ty, tx) for the count selected frames from first
 * (on any thread: each tile has its own part of the block). A shuffle-lz4 chunk's rows
 * are unshuffled from its byte planes straight into the block, never into a copy of
 * the whole chunk first. */
static int read_tile(const strip *s, int64_t tb, int32_t ty, int32_t tx, int64_t first,
                     int64_t count)
{
    const blz_layout *l = s->st->layout;
    const blz_region *r = s->region;
    int64_t id = blz_chunk_id(l, tb, ty, tx);
    const float *vals;
    const unsigned char *planes;
    int rc = blz_cache_chunk_planes(s->st->cache, id, blz_decode_buffers_mine(&s->bufs), &vals,
                                    &planes);
    if (rc != BLZ_OK)
        return rc;
    int32_t ya = ty * l->th > s->y0 ? ty * l->th : s->y0;
    int32_t yb = (ty + 1) * l->th < s->y0 + s->rows ? (ty + 1) * l->th : s->y0 + s->rows;
    int32_t xa = tx * l->tw > r->x0 ? tx * l->tw : r->x0;
    int32_t xb = (tx + 1) * l->tw < r->x0 + r->w ? (tx + 1) * l->tw : r->x0 + r->w;
    size_t C = (size_t)l->channels, n = (size_t)(xb - xa) * C;
    for (int64_t k = 0; k < count; k++) {
        size_t local = (size_t)(first - tb * l->ct + k * s->st->sel.step);
        for (int32_t y = ya; y < yb; y++) {
            size_t at = ((local * (size_t)l->th + (size_t)(y - ty * l->th)) * (size_t)l->tw
                         + (size_t)(xa - tx * l->tw)) * C;
            float *dst = s->block + (size_t)k * s->values
                         + ((size_t)(y - s->y0) * (size_t)r->w + (size_t)(xa - r->x0)) * C;
            if (planes)
                blz_unshuffle4_from((unsigned char *)dst, planes + at, n, l->chunk_values);
            else
                memcpy(dst, vals + at, n * sizeof(float));
        }
    }
    blz_cache_advise(s->st->cache, id, 1, BLZ_ADVISE_DONTNEED);
    return BLZ_OK;
}

/* The tiles of one time block a strip reads: rows x cols tiles from (ty0, tx0). */
typedef struct block_read {
    const strip *s;
    int64_t tb, first, count;
    int32_t ty0, tx0, cols;
} block_read;

static int read_item(const void *ctx, int64_t i)
{
    const block_read *b = ctx;
    return read_tile(b->s, b->tb, b->ty0 + (int32_t)(i / b->cols), b->tx0 + (int32_t)(i % b->cols),
                     b->first, b->count);
}

/* The strip's part of time block tb, its tiles read in parallel when the strip is big
 * enough to pay for a parallel region. */
static int read_block(const strip *s, int64_t tb, int64_t first, int64_t count)
{
    const blz_layout *l = s->st->layout;
    const blz_region *r = s->region;
    int32_t ty0 = s->y0 / l->th, ty1 = (s->y0 + s->rows - 1) / l->th + 1;
    int32_t tx0 = r->x0 / l->tw, tx1 = (r->x0 + r->w - 1) / l->tw + 1;
    block_read b = { s, tb, first, count, ty0, tx0, tx1 - tx0 };
    int threads = s->values >= BLZ_PARALLEL_VALUES ? s->threads : 1;
    return blz_run_items(threads, (int64_t)(ty1 - ty0) * b.cols, read_item, &b);
}

/* Reference index of strip row r's first value. */
static size_t ref_of_row(const strip *s, int32_t r)
{
    const blz_layout *l = s->st->layout;
    return ((size_t)(s->y0 + r) * (size_t)l->width + (size_t)s->region->x0)
           * (size_t)l->channels;
}

/* Frame i's strip (x) through fixed references to the sink; without any stage, x
 * itself. */
static int fixed_frame(strip *s, const float *x, int64_t i, blz_frame_sink sink, void *ctx)
{
    if (blz_stages_identity(s->st))
        return sink(ctx, i, s->y0, s->rows, x);
#pragma omp parallel for num_threads(s->threads) if (s->values >= BLZ_PARALLEL_VALUES)
    for (int32_t r = 0; r < s->rows; r++) {
        size_t at = (size_t)r * s->row_values;
        blz_stages_apply_rows(s->st, s->out + at, x + at, 1, s->row_values, 0, ref_of_row(s, r),
                              0);
    }
    return sink(ctx, i, s->y0, s->rows, s->out);
}

static int sliding_frame(strip *s, const float *x, int64_t i, blz_frame_sink sink, void *ctx)
{
    const blz_window_geom *g = &s->st->geom;
    if (i < g->first_start)
        return BLZ_OK;
    size_t W = (size_t)g->window;
    int64_t n = i - g->first_start - g->window + 1;
    bool emits = n >= 0 && n < g->outputs;
    const float *shown = emits ? s->ring + (size_t)(g->first_output + n) % W * s->values : NULL;
    const float *leaving = emits ? s->ring + (size_t)(g->first_start + n) % W * s->values : NULL;
    memcpy(s->ring + (size_t)i % W * s->values, x, s->values * sizeof(float));
#pragma omp parallel for num_threads(s->threads) if (s->values >= BLZ_PARALLEL_VALUES)
    for (int32_t r = 0; r < s->rows; r++) {
        size_t ref = ref_of_row(s, r);
        for (size_t c = 0; c < s->row_values; c++) {
            size_t v = (size_t)r * s->row_values + c;
            blz_stage_windows_push(&s->win, v, x[v], i);
            if (!emits)
                continue;
            s->out[v] = blz_stage_windows_output(&s->win, s->st, v, shown[v], ref + c);
            blz_stage_windows_pop(&s->win, v, leaving[v], g->first_start + n);
        }
    }
    return emits ? sink(ctx, n, s->y0, s->rows, s->out) : BLZ_OK;
}

static int walk_strip(strip *s, blz_frame_sink sink, void *ctx)
{
    const blz_selection *sel = &s->st->sel;
    int rc = BLZ_OK;
    for (int64_t tb = sel->first_block; rc == BLZ_OK && tb <= sel->last_block;
         tb = blz_selection_next_block(sel, tb + 1)) {
        int64_t first, count;
        blz_selection_in_block(sel, tb, &first, &count);
        rc = read_block(s, tb, first, count);
        for (int64_t k = 0; rc == BLZ_OK && k < count; k++) {
            const float *x = s->block + (size_t)k * s->values;
            int64_t i = blz_selection_position(sel, first + k * sel->step);
            rc = s->st->sliding ? sliding_frame(s, x, i, sink, ctx)
                                : fixed_frame(s, x, i, sink, ctx);
        }
    }
    return rc;
}

int blz_frame_walk(const blz_stages *st, const blz_region *region,
                   const blz_walk_options *o, blz_frame_sink sink, void *ctx)
{
    int32_t rows;
    int rc = blz_frame_walk_rows(st, region, o, &rows);
    strip s;
    if (rc == BLZ_OK)
        rc = strip_alloc(&s, st, region, rows, blz_frame_walk_threads(o));
    if (rc != BLZ_OK)
        return rc;
    for (int32_t y0 = region->y0; rc == BLZ_OK && y0 < region->y0 + region->h; y0 += rows) {
        s.y0 = y0;
        s.rows = region->y0 + region->h - y0 < rows ? region->y0 + region->h - y0 : rows;
        s.values = (size_t)s.rows * s.row_values;
        for (size_t v = 0; st->sliding && v < s.values; v++)
            blz_stage_windows_reset(&s.win, v);
        rc = walk_strip(&s, sink, ctx);
    }
    strip_free(&s);
    return rc;
}
