/*
 * ingest_progress.c - the progress line of blitz-ingest.
 */
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "common.h"
#include "ingest_progress.h"

enum { PLAIN_PERIOD = 2 };          /* seconds between lines when not on a terminal */
static const double REDRAW_PERIOD = 0.1;

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

void ingest_progress_init(ingest_progress *p, bool show, volatile sig_atomic_t *stop)
{
    p->show = show;
    p->tty = isatty(STDERR_FILENO) == 1;
    p->drawn = false;
    p->done = 0;
    p->expected = -1;
    p->bytes = 0;
    p->started = p->last = now_seconds();
    p->stop = stop;
}

static void print_line(const ingest_progress *p, double elapsed)
{
    const double fps = elapsed > 0 ? p->done / elapsed : 0;
    const double mbps = elapsed > 0 ? p->bytes / elapsed / 1e6 : 0;
    char count[64], eta[32] = "";
    if (p->expected > 0)
        snprintf(count, sizeof count, "%lld/%lld frames (%.0f%%)", (long long)p->done,
                 (long long)p->expected, 100.0 * p->done / p->expected);
    else
        snprintf(count, sizeof count, "%lld frames", (long long)p->done);
    if (p->expected > p->done && fps > 0)
        snprintf(eta, sizeof eta, ", ETA %.0f s", (p->expected - p->done) / fps);
    fprintf(stderr, "%s%s: %s, %.1f fps, %.1f MB/s%s%s", p->tty ? "\r" : "", tool_name,
            count, fps, mbps, eta, p->tty ? "\033[K" : "\n");
    fflush(stderr);
}

int ingest_progress_update(void *user, int64_t done, int64_t expected, uint64_t bytes)
{
    ingest_progress *p = user;
    if (*p->stop)
        return 1;
    p->done = done;
    p->expected = expected;
    p->bytes = bytes;
    const double t = now_seconds();
    if (!p->show || t - p->last < (p->tty ? REDRAW_PERIOD : PLAIN_PERIOD))
        return 0;
    p->last = t;
    print_line(p, t - p->started);
    p->drawn = p->tty;
    return 0;
}

void ingest_progress_finish(ingest_progress *p, bool finished)
{
    if (p->show && finished) {
        p->expected = p->done;
        print_line(p, now_seconds() - p->started);
        p->drawn = p->tty;
    }
    if (p->drawn)
        fputc('\n', stderr);
    p->drawn = false;
}
