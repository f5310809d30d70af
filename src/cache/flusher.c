/*
 * flusher.c - the writer's background flush thread (pthreads, one job at a time).
 *
 * One mutex and one condition variable guard a single job slot. The thread takes a
 * job, runs it unlocked (the sink uses OpenMP inside), records the first failure with
 * its message, and signals; the writer thread waits for the slot to empty before it
 * submits the next block or finishes, so the two blocks are never in use twice.
 */
#include <stdio.h>
#include <string.h>

#include "blitz/error.h"
#include "cache/flusher.h"
#include "core/error_internal.h"

static void run_job(blz_flusher *f)
{
    const float *block = f->block;
    int64_t tb = f->tb;
    int32_t valid = f->valid;
    bool failed_before = f->status < 0;
    pthread_mutex_unlock(&f->lock);
    int st = failed_before ? BLZ_OK : blz_sink_write_block(f->sink, block, tb, valid);
    pthread_mutex_lock(&f->lock);
    if (st < 0 && f->status == BLZ_OK) {
        f->status = st;
        blz_errmsg_copy(f->message, sizeof f->message);
    }
    f->has_work = false;
    pthread_cond_broadcast(&f->changed);
}

static void *flusher_main(void *arg)
{
    blz_flusher *f = arg;
    pthread_mutex_lock(&f->lock);
    for (;;) {
        while (!f->has_work && !f->stop)
            pthread_cond_wait(&f->changed, &f->lock);
        if (f->has_work)
            run_job(f);
        else
            break;
    }
    pthread_mutex_unlock(&f->lock);
    return NULL;
}

int blz_flusher_start(blz_flusher *f, blz_sink *sink)
{
    *f = (blz_flusher){ .sink = sink };
    pthread_mutex_init(&f->lock, NULL);
    pthread_cond_init(&f->changed, NULL);
    int err = pthread_create(&f->thread, NULL, flusher_main, f);
    if (err != 0) {
        pthread_mutex_destroy(&f->lock);
        pthread_cond_destroy(&f->changed);
        return blz_fail(BLZ_ERR_NOMEM, "%s: cannot start the flush thread: %s",
                        sink->out->path, strerror(err));
    }
    f->running = true;
    return BLZ_OK;
}

/* With the lock held: wait for the slot to empty; the recorded failure or BLZ_OK. */
static int wait_idle(blz_flusher *f)
{
    while (f->has_work)
        pthread_cond_wait(&f->changed, &f->lock);
    return f->status;
}

int blz_flusher_submit(blz_flusher *f, const float *block, int64_t tb, int32_t valid)
{
    pthread_mutex_lock(&f->lock);
    int st = wait_idle(f);
    if (st == BLZ_OK) {
        f->block = block;
        f->tb = tb;
        f->valid = valid;
        f->has_work = true;
        pthread_cond_broadcast(&f->changed);
    } else {
        blz_errmsg_restore(f->message);
    }
    pthread_mutex_unlock(&f->lock);
    return st;
}

int blz_flusher_wait(blz_flusher *f)
{
    pthread_mutex_lock(&f->lock);
    int st = wait_idle(f);
    if (st < 0)
        blz_errmsg_restore(f->message);
    pthread_mutex_unlock(&f->lock);
    return st;
}

void blz_flusher_stop(blz_flusher *f)
{
    if (!f->running)
        return;
    pthread_mutex_lock(&f->lock);
    f->stop = true;
    pthread_cond_broadcast(&f->changed);
    pthread_mutex_unlock(&f->lock);
    pthread_join(f->thread, NULL);
    pthread_mutex_destroy(&f->lock);
    pthread_cond_destroy(&f->changed);
    f->running = false;
}
