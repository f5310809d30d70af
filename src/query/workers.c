/*
 * workers.c - the query's parallel loops over items (first failure kept with its
 * message, later items skipped) and the per-thread chunk decode buffers they use.
 */
#include "query/workers.h"

#include <omp.h>
#include <stdlib.h>

#include "core/error_internal.h"

enum { MESSAGE_BYTES = 512 };

/* First failure among worker threads, with its message. */
typedef struct worker_status {
    int status;
    char message[MESSAGE_BYTES];
} worker_status;

static void worker_fail(worker_status *ws, int status)
{
#pragma omp critical(blz_worker_status)
    if (ws->status == BLZ_OK) {
        ws->status = status;
        blz_errmsg_copy(ws->message, sizeof ws->message);
    }
}

int blz_run_items(int threads, int64_t items, blz_item_fn item, const void *ctx)
{
    worker_status ws = { BLZ_OK, "" };
#pragma omp parallel for schedule(dynamic, 1) num_threads(threads) if (items > 1)
    for (int64_t i = 0; i < items; i++) {
        if (ws.status != BLZ_OK)
            continue;
        int st = item(ctx, i);
        if (st != BLZ_OK)
            worker_fail(&ws, st);
    }
    if (ws.status != BLZ_OK)
        blz_errmsg_restore(ws.message);
    return ws.status;
}

bool blz_cache_has_compressed(const blz_cache *cache)
{
    const blz_layout *l = blz_cache_layout(cache);
    for (int64_t id = 0; id < l->chunks; id++) {
        blz_chunk_entry e;
        if (blz_cache_chunk_entry(cache, id, &e) == BLZ_OK && e.codec != BLZ_CODEC_RAW)
            return true;
    }
    return false;
}

void blz_decode_buffers_free(blz_decode_buffers *d)
{
    for (int i = 0; i < d->count; i++)
        blz_chunk_buf_free(d->bufs[i]);
    free(d->bufs);
    d->bufs = NULL;
    d->count = 0;
}

int blz_decode_buffers_alloc(const blz_cache *cache, int count, blz_decode_buffers *d)
{
    *d = (blz_decode_buffers){ NULL, 0 };
    if (count == 0)
        return BLZ_OK;
    d->bufs = calloc((size_t)count, sizeof *d->bufs);
    for (; d->bufs && d->count < count; d->count++)
        if (!(d->bufs[d->count] = blz_chunk_buf_alloc(cache)))
            break;
    if (d->bufs && d->count == count)
        return BLZ_OK;
    blz_decode_buffers_free(d);
    return blz_fail(BLZ_ERR_NOMEM, "%s: out of memory for decode buffers",
                    blz_cache_path(cache));
}

blz_chunk_buf *blz_decode_buffers_mine(const blz_decode_buffers *d)
{
    return d->count > 0 ? d->bufs[omp_get_thread_num()] : NULL;
}
