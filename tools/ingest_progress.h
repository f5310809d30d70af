/*
 * ingest_progress.h - blitz-ingest's progress line on stderr, and cancellation.
 *
 * On a terminal one line is redrawn in place (frames, fps, MB/s, ETA when the total is
 * known); otherwise a plain line is printed every two seconds. A last line gives the
 * totals of a finished ingest. The same callback
 * cancels the ingest once a signal handler has set the stop flag.
 */
#ifndef BLITZ_TOOLS_INGEST_PROGRESS_H
#define BLITZ_TOOLS_INGEST_PROGRESS_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

typedef struct ingest_progress {
    bool show;                     /* false with --quiet */
    bool tty;                      /* stderr is a terminal: redraw one line */
    bool drawn;                    /* a redrawn line is on screen */
    double started, last;          /* seconds (monotonic) */
    int64_t done, expected;        /* as last reported */
    uint64_t bytes;
    volatile sig_atomic_t *stop;   /* non-zero: cancel */
} ingest_progress;

void ingest_progress_init(ingest_progress *p, bool show, volatile sig_atomic_t *stop);

/* A blz_ingest_progress_fn; user is the ingest_progress. */
int ingest_progress_update(void *user, int64_t done, int64_t expected, uint64_t bytes);

/* Print the final state of a finished ingest (unless quiet) and end the line. */
void ingest_progress_finish(ingest_progress *p, bool finished);

#endif
