/*
 * workers.h - what the query's parallel loops share: a loop over items on a number of
 * threads that stops at the first failure and returns it with its message, and one
 * chunk decode buffer per thread.
 */
#ifndef BLITZ_QUERY_WORKERS_H
#define BLITZ_QUERY_WORKERS_H

#include <stdbool.h>
#include <stdint.h>

#include "blitz/cache.h"

/* One item of a parallel loop: its status. */
typedef int (*blz_item_fn)(const void *ctx, int64_t i);

/* Items 0..items-1 on threads threads, one at a time each (one thread when items < 2);
 * the first failure stops the items not yet started and is returned with its
 * message. */
int blz_run_items(int threads, int64_t items, blz_item_fn item, const void *ctx);

/* Per-thread decode buffers: none when no chunk of the cache is compressed. */
typedef struct blz_decode_buffers {
    blz_chunk_buf **bufs;
    int count;
} blz_decode_buffers;

/* Whether some chunk of the cache is stored compressed (and needs a decode buffer). */
bool blz_cache_has_compressed(const blz_cache *cache);

/* count buffers (0: none, for a cache of raw chunks); BLZ_ERR_NOMEM with a message
 * naming the cache. */
int blz_decode_buffers_alloc(const blz_cache *cache, int count, blz_decode_buffers *d);
void blz_decode_buffers_free(blz_decode_buffers *d);

/* The calling OpenMP thread's buffer (NULL when every chunk is raw). */
blz_chunk_buf *blz_decode_buffers_mine(const blz_decode_buffers *d);

#endif
