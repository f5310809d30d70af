/*
 * flusher.h - a background thread that hands full time blocks to the sink.
 *
 * The writer double-buffers its time block: while the caller decodes frames into one
 * block, the flusher tiles, compresses, hashes and writes the other. A failure on the
 * flusher is kept (status and message) and returned by the next submit or wait.
 */
#ifndef BLITZ_CACHE_FLUSHER_H
#define BLITZ_CACHE_FLUSHER_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "cache/sink.h"

typedef struct blz_flusher {
    blz_sink *sink;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t changed;
    bool running;          /* thread started and not joined */
    bool has_work, stop;
    const float *block;    /* the job: block, its time block number, its filled frames */
    int64_t tb;
    int32_t valid;
    int status;            /* first failure, BLZ_OK until then */
    char message[1024];
} blz_flusher;

/* Start the thread. */
int blz_flusher_start(blz_flusher *f, blz_sink *sink);

/* Wait until the previous job is done, then queue block. Returns an earlier failure
 * instead of queueing. */
int blz_flusher_submit(blz_flusher *f, const float *block, int64_t tb, int32_t valid);

/* Wait until no job is pending; the first failure so far, or BLZ_OK. */
int blz_flusher_wait(blz_flusher *f);

/* Finish the pending job, stop and join the thread, release the lock (idempotent). */
void blz_flusher_stop(blz_flusher *f);

#endif
