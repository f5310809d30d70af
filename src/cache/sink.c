/*
 * sink.c - parallel tiling, compression, hashing and integer claims of a time block,
 * ordered appends.
 *
 * Tiles are processed in batches of one per slot with `omp parallel for`; each slot
 * has its own tile and scratch buffers, so the workers share nothing. The appends run
 * on the calling thread after each batch, keeping chunks in id order in the file.
 */
#include <stdlib.h>
#include <string.h>

#include "blitz/error.h"
#include "cache/format.h"
#include "cache/int_limit.h"
#include "cache/sink.h"
#include "cache/tile.h"
#include "core/checked.h"
#include "core/error_internal.h"

enum { SLOT_ALIGN = 64 };

static bool slot_size(const blz_layout *l, size_t *out)
{
    size_t bytes;
    uint64_t aligned;
    if (!blz_add_size(l->chunk_bytes, blz_codec_scratch_bytes(l->chunk_bytes), &bytes) ||
        !blz_align_u64(bytes, SLOT_ALIGN, &aligned) || aligned > SIZE_MAX)
        return false;
    *out = (size_t)aligned;
    return true;
}

size_t blz_sink_memory(const blz_layout *l, int threads)
{
    size_t slot, total;
    if (threads < 1 || !slot_size(l, &slot) || !blz_mul_size(slot, (size_t)threads, &total))
        return 0;
    return total;
}

int blz_sink_init(blz_sink *s, blz_atomic_file *out, const blz_layout *l, int codec, int threads)
{
    *s = (blz_sink){ .out = out, .layout = *l, .codec = codec, .threads = threads,
                     .end = BLZ_HEADER_BLOCK };
    size_t total = blz_sink_memory(l, threads);
    if (total == 0 || !slot_size(l, &s->slot_bytes))
        return blz_fail(BLZ_ERR_RANGE, "%s: chunk buffers overflow", out->path);
    s->slots = aligned_alloc(SLOT_ALIGN, total);
    s->encoded = calloc((size_t)threads, sizeof *s->encoded);
    s->made = calloc((size_t)threads, sizeof *s->made);
    if (!s->slots || !s->encoded || !s->made)
        return blz_fail(BLZ_ERR_NOMEM, "%s: cannot allocate %zu bytes of chunk buffers",
                        out->path, total);
    return BLZ_OK;
}

static int reserve_entries(blz_sink *s, size_t more)
{
    size_t need;
    if (!blz_add_size(s->count, more, &need))
        return blz_fail(BLZ_ERR_RANGE, "%s: too many chunks", s->out->path);
    if (need <= s->cap)
        return BLZ_OK;
    size_t cap = s->cap ? s->cap : 64, bytes;
    while (cap < need)
        cap *= 2;
    blz_chunk_entry *grown = blz_mul_size(cap, sizeof *grown, &bytes)
                                 ? realloc(s->entries, bytes) : NULL;
    if (!grown)
        return blz_fail(BLZ_ERR_NOMEM, "%s: cannot grow the chunk index", s->out->path);
    s->entries = grown;
    s->cap = cap;
    return BLZ_OK;
}

/* Tile, encode, hash and scan for the integer claim tiles first..first+n-1 of the block
 * into slots 0..n-1. */
static void encode_batch(blz_sink *s, const float *block, int32_t valid, int64_t first,
                         int n)
{
    const blz_layout *l = &s->layout;
#pragma omp parallel for num_threads(s->threads) schedule(dynamic, 1)
    for (int j = 0; j < n; j++) {
        unsigned char *tile = s->slots + (size_t)j * s->slot_bytes;
        int64_t t = first + j;
        blz_tile_extract(l, block, valid, (int32_t)(t / l->nx), (int32_t)(t % l->nx),
                         (float *)tile);
        uint32_t int_limit = blz_int_limit((const float *)tile, l->chunk_values);
        blz_encoded *e = &s->encoded[j];
        *e = blz_codec_encode(tile, l->chunk_bytes, s->codec, tile + l->chunk_bytes);
        s->made[j] = (blz_chunk_entry){ .stored_size = e->size,
                                        .checksum = blz_hash(e->bytes, e->size),
                                        .codec = e->codec, .int_limit = int_limit };
    }
}

static int append_batch(blz_sink *s, int n)
{
    for (int j = 0; j < n; j++) {
        uint64_t offset;
        if (!blz_align_u64(s->end, BLZ_CHUNK_ALIGN, &offset))
            return blz_fail(BLZ_ERR_RANGE, "%s: file offset overflows", s->out->path);
        int st = blz_atomic_pwrite(s->out, s->encoded[j].bytes, s->encoded[j].size, offset);
        if (st < 0)
            return st;
        s->entries[s->count] = s->made[j];
        s->entries[s->count++].offset = offset;
        s->end = offset + s->encoded[j].size;
    }
    return BLZ_OK;
}

int blz_sink_write_block(blz_sink *s, const float *block, int64_t tb, int32_t valid)
{
    const int64_t tiles = (int64_t)s->layout.ny * s->layout.nx;
    if (s->count != (size_t)(tb * tiles))
        return blz_fail(BLZ_ERR_INVALID, "%s: time block %lld out of order", s->out->path,
                        (long long)tb);
    int st = reserve_entries(s, (size_t)tiles);
    for (int64_t first = 0; st == BLZ_OK && first < tiles; first += s->threads) {
        int n = tiles - first < s->threads ? (int)(tiles - first) : s->threads;
        encode_batch(s, block, valid, first, n);
        st = append_batch(s, n);
    }
    return st;
}

void blz_sink_free(blz_sink *s)
{
    free(s->slots);
    free(s->encoded);
    free(s->made);
    free(s->entries);
    *s = (blz_sink){ 0 };
}
