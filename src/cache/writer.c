/*
 * writer.c - blz_writer: frames in, a published cache file out (blitz/writer.h).
 *
 * The writer owns two time blocks. Frames are decoded straight into the filling one
 * (blz_writer_frame_slot); when it holds ct frames it goes to the flusher thread,
 * which tiles, compresses, hashes and appends it through the sink while the caller
 * fills the other block. blz_writer_finish() flushes the partial last block, writes the
 * sections and the header (sections.c) and publishes the file (publish.c).
 */
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "blitz/writer.h"
#include "cache/flusher.h"
#include "cache/format.h"
#include "cache/meta.h"
#include "cache/sections.h"
#include "cache/sink.h"
#include "core/checked.h"
#include "core/error_internal.h"

enum { DEFAULT_CT = 32, DEFAULT_TH = 64, DEFAULT_TW = 64, BLOCK_ALIGN = 64 };

struct blz_writer {
    blz_atomic_file out;
    char *path;                    /* final name, for messages */
    blz_layout layout;             /* frames: committed so far */
    blz_sink sink;
    blz_flusher flusher;
    float *blocks[2];
    size_t block_bytes;
    int filling;                   /* block receiving frames */
    int32_t filled;                /* frames in it */
    unsigned char *frame_table;    /* 16 bytes per committed frame */
    size_t frame_cap;
    blz_meta meta;
    int status;                    /* first failure; the writer refuses work after it */
    bool finished;
};

static int chunk_side(const char *what, int32_t value, int32_t fallback, uint32_t *out)
{
    if (value < 0)
        return blz_fail(BLZ_ERR_INVALID, "%s: negative chunk size %d", what, value);
    *out = value == 0 ? (uint32_t)fallback : (uint32_t)value;
    return BLZ_OK;
}

/* Validate options into a layout (no frames yet), thread count and block size; what
 * names the output in messages. */
static int plan(const char *what, const blz_writer_options *o, blz_layout *l, int *threads,
                size_t *block_bytes)
{
    uint32_t ct = 0, th = 0, tw = 0;
    int st;
    if ((st = chunk_side(what, o->ct, DEFAULT_CT, &ct)) < 0 ||
        (st = chunk_side(what, o->th, DEFAULT_TH, &th)) < 0 ||
        (st = chunk_side(what, o->tw, DEFAULT_TW, &tw)) < 0)
        return st;
    if (o->height < 0 || o->width < 0 || o->channels < 0)
        return blz_fail(BLZ_ERR_INVALID, "%s: negative frame geometry", what);
    if (!blz_codec_name(o->codec) || o->threads < 0)
        return blz_fail(BLZ_ERR_INVALID, "%s: unknown codec %d or negative thread count",
                        what, o->codec);
    if ((st = blz_layout_make(l, what, 0, (uint32_t)o->height, (uint32_t)o->width,
                              (uint32_t)o->channels, ct, th, tw)) < 0)
        return st;
    *threads = o->threads > 0 ? o->threads : omp_get_max_threads();
    size_t bytes;
    uint64_t aligned;
    if (!blz_mul3_size(l->frame_values, (size_t)l->ct, sizeof(float), &bytes) ||
        !blz_align_u64(bytes, BLOCK_ALIGN, &aligned) || aligned > SIZE_MAX)
        return blz_fail(BLZ_ERR_RANGE, "%s: time block of %d frames overflows", what, l->ct);
    *block_bytes = (size_t)aligned;
    return BLZ_OK;
}

size_t blz_writer_memory(const blz_writer_options *options)
{
    blz_layout l;
    int threads;
    size_t block_bytes, total;
    char saved[1024];
    blz_errmsg_copy(saved, sizeof saved);
    int st = plan("writer", options, &l, &threads, &block_bytes);
    blz_errmsg_restore(saved);
    size_t sink = st == BLZ_OK ? blz_sink_memory(&l, threads) : 0;
    if (sink == 0 || !blz_mul_size(block_bytes, 2, &total) || !blz_add_size(total, sink, &total))
        return 0;
    return total;
}

static int allocate_blocks(blz_writer *w)
{
    for (int i = 0; i < 2; i++) {
        w->blocks[i] = aligned_alloc(BLOCK_ALIGN, w->block_bytes);
        if (!w->blocks[i])
            return blz_fail(BLZ_ERR_NOMEM, "%s: cannot allocate a %zu-byte time block",
                            w->path, w->block_bytes);
    }
    return BLZ_OK;
}

static int start(blz_writer *w, const char *path, const blz_writer_options *o)
{
    int threads, st;
    w->path = strdup(path);
    if (!w->path)
        return blz_fail(BLZ_ERR_NOMEM, "%s: out of memory", path);
    if ((st = plan(path, o, &w->layout, &threads, &w->block_bytes)) < 0 ||
        (st = blz_atomic_open_flags(&w->out, path, (o->flags & BLZ_WRITE_REPLACE)
                                       ? 0 : BLZ_ATOMIC_NOREPLACE)) < 0 ||
        (st = allocate_blocks(w)) < 0 ||
        (st = blz_sink_init(&w->sink, &w->out, &w->layout, o->codec, threads)) < 0)
        return st;
    return blz_flusher_start(&w->flusher, &w->sink);
}

int blz_writer_open(blz_writer **out, const char *path, const blz_writer_options *options)
{
    *out = NULL;
    blz_writer *w = calloc(1, sizeof *w);
    if (!w)
        return blz_fail(BLZ_ERR_NOMEM, "%s: out of memory", path);
    w->out.fd = -1;
    int st = start(w, path, options);
    if (st < 0) {
        blz_writer_free(w);
        return st;
    }
    *out = w;
    return BLZ_OK;
}

/* The status a writer that cannot take more work returns. */
static int refuse(const blz_writer *w)
{
    if (w->finished)
        return blz_fail(BLZ_ERR_INVALID, "%s: writer already finished", w->path);
    return blz_fail(w->status, "%s: writer stopped after an earlier failure (%s)",
                    w->path, blz_strerror(w->status));
}

int blz_writer_set_meta(blz_writer *w, const char *key, const char *value)
{
    if (w->status < 0 || w->finished)
        return refuse(w);
    return blz_meta_set(&w->meta, key, value);
}

float *blz_writer_frame_slot(blz_writer *w)
{
    if (w->finished)
        return NULL;
    return w->blocks[w->filling] + (size_t)w->filled * w->layout.frame_values;
}

static int record_frame(blz_writer *w, int64_t source_index, double timestamp)
{
    size_t at = (size_t)w->layout.frames;
    if ((uint64_t)at + 1 >= BLZ_MAX_FRAMES)
        return blz_fail(BLZ_ERR_RANGE, "%s: more than 2^40 frames", w->path);
    if (at == w->frame_cap) {
        size_t cap = w->frame_cap ? 2 * w->frame_cap : 1024;
        unsigned char *grown = realloc(w->frame_table, cap * BLZ_FRAME_ENTRY);
        if (!grown)
            return blz_fail(BLZ_ERR_NOMEM, "%s: cannot grow the frame table", w->path);
        w->frame_table = grown;
        w->frame_cap = cap;
    }
    unsigned char *entry = w->frame_table + at * BLZ_FRAME_ENTRY;
    uint64_t bits;
    memcpy(&bits, &timestamp, sizeof bits);
    blz_store64(entry, (uint64_t)source_index);
    blz_store64(entry + 8, bits);
    w->layout.frames++;
    return BLZ_OK;
}

/* Hand the filling block (its first filled frames valid) to the flusher. */
static int submit_block(blz_writer *w)
{
    int64_t tb = (w->layout.frames - 1) / w->layout.ct;
    int st = blz_flusher_submit(&w->flusher, w->blocks[w->filling], tb, w->filled);
    w->filling ^= 1;
    w->filled = 0;
    return st;
}

int blz_writer_commit_frame(blz_writer *w, int64_t source_index, double timestamp)
{
    if (w->status < 0 || w->finished)
        return refuse(w);
    int st = record_frame(w, source_index, timestamp);
    if (st == BLZ_OK && ++w->filled == w->layout.ct)
        st = submit_block(w);
    if (st < 0)
        w->status = st;
    return st;
}

int blz_writer_add_frame(blz_writer *w, const float *values, int64_t source_index,
                         double timestamp)
{
    float *slot = blz_writer_frame_slot(w);
    if (!slot)
        return refuse(w);
    memcpy(slot, values, w->layout.frame_values * sizeof *slot);
    return blz_writer_commit_frame(w, source_index, timestamp);
}

int64_t blz_writer_frames(const blz_writer *w)
{
    return w->layout.frames;
}

static int complete(blz_writer *w)
{
    int st = w->filled > 0 ? submit_block(w) : BLZ_OK;
    if (st == BLZ_OK)
        st = blz_flusher_wait(&w->flusher);
    if (st == BLZ_OK)
        st = blz_layout_make(&w->layout, w->path, (uint64_t)w->layout.frames,
                             (uint32_t)w->layout.height, (uint32_t)w->layout.width,
                             (uint32_t)w->layout.channels, (uint32_t)w->layout.ct,
                             (uint32_t)w->layout.th, (uint32_t)w->layout.tw);
    if (st == BLZ_OK)
        st = blz_sections_write(&w->out, &w->layout, &w->sink, w->frame_table, &w->meta);
    return st == BLZ_OK ? blz_atomic_commit(&w->out) : st;
}

int blz_writer_finish(blz_writer *w)
{
    if (w->status < 0 || w->finished)
        return refuse(w);
    if (w->layout.frames == 0)
        return blz_fail(BLZ_ERR_EMPTY, "%s: no frames were added", w->path);
    int st = complete(w);
    w->finished = true;
    blz_flusher_stop(&w->flusher);
    if (st < 0) {
        w->status = st;
        char message[1024];
        blz_errmsg_copy(message, sizeof message);
        blz_atomic_abort(&w->out);
        blz_errmsg_restore(message);
    }
    return st;
}

void blz_writer_free(blz_writer *w)
{
    if (!w)
        return;
    blz_flusher_stop(&w->flusher);
    blz_atomic_abort(&w->out);
    blz_sink_free(&w->sink);
    free(w->blocks[0]);
    free(w->blocks[1]);
    free(w->frame_table);
    blz_meta_free(&w->meta);
    free(w->path);
    free(w);
}
