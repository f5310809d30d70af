/*
 * sink.h - where full time blocks go: tiled, encoded and hashed in parallel, appended.
 *
 * The sink owns per-slot buffers for a batch of tiles (one slot per OpenMP thread):
 * each batch is tiled, compressed and hashed in parallel, then appended in chunk-id
 * order, each chunk on a 4096-byte boundary, and recorded in the index it keeps.
 */
#ifndef BLITZ_CACHE_SINK_H
#define BLITZ_CACHE_SINK_H

#include <stdint.h>

#include "blitz/cache.h"
#include "cache/codec.h"
#include "core/atomic_file.h"

typedef struct blz_sink {
    blz_atomic_file *out;
    blz_layout layout;           /* geometry (frames unused) */
    int codec;
    int threads;                 /* slots per batch */
    unsigned char *slots;        /* threads x slot_bytes */
    size_t slot_bytes;           /* chunk_bytes of tile + codec scratch */
    blz_encoded *encoded;        /* per slot */
    blz_chunk_entry *made;       /* per slot: the entry but for its offset */
    blz_chunk_entry *entries;    /* the index so far */
    size_t count, cap;
    uint64_t end;                /* file offset after the last chunk */
} blz_sink;

/* Bytes of buffers a sink with this geometry and thread count holds (0 on overflow). */
size_t blz_sink_memory(const blz_layout *layout, int threads);

int blz_sink_init(blz_sink *s, blz_atomic_file *out, const blz_layout *layout, int codec,
                  int threads);

/* Encode and append time block tb, of which the first valid frames are filled. */
int blz_sink_write_block(blz_sink *s, const float *block, int64_t tb, int32_t valid);

void blz_sink_free(blz_sink *s);

#endif
