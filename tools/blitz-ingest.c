/*
 * blitz-ingest.c - decode a video, image sequence, TIFF stack or .npy into a blitz cache.
 *
 * The tool parses options (ingest_args.c), installs signal handling (SIGINT and SIGTERM
 * cancel the ingest through the progress callback, so the temporary file is removed; a
 * second one terminates at once; SIGXFSZ is ignored so that a file-size limit becomes a write error), calls
 * blz_ingest() and reports: a progress line on stderr, one error line on failure, and
 * with --json a summary object on stdout. Exit codes are sysexits.h (tools/common.h),
 * 128 + the signal number when interrupted.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "blitz/blitz.h"
#include "common.h"
#include "evex_strings.h"
#include "ingest_args.h"
#include "ingest_progress.h"

static volatile sig_atomic_t stop_signal;

static void on_stop_signal(int sig)
{
    stop_signal = sig;
}

/* Catch sig unless it was ignored when the tool started (nohup, background jobs). */
static void catch_signal(int sig)
{
    struct sigaction sa;
    if (sigaction(sig, NULL, &sa) == 0 && sa.sa_handler == SIG_IGN)
        return;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop_signal;
    sa.sa_flags = SA_RESETHAND;   /* a second signal ends the process at once */
    sigemptyset(&sa.sa_mask);
    sigaction(sig, &sa, NULL);
}

static void install_signals(void)
{
    catch_signal(SIGINT);
    catch_signal(SIGTERM);
    signal(SIGXFSZ, SIG_IGN);
}

static void print_summary(const ingest_args *a, const blz_ingest_report *r)
{
    printf("{\"output\": ");
    tool_json_string(a->output);
    printf(", \"source_kind\": ");
    tool_json_string(r->source_kind);
    printf(", \"frames\": %lld, \"frames_decoded\": %lld, \"skipped\": [",
           (long long)r->frames_written, (long long)r->frames_decoded);
    for (size_t i = 0; i < r->n_skipped; i++)
        printf("%s%lld", i ? ", " : "", (long long)r->skipped[i]);
    printf("], \"damage\": ");
    tool_json_string(r->damage);
    printf(", \"files_ignored\": %lld, \"width\": %d, \"height\": %d, \"channels\": %d, "
           "\"chunk\": [%d, %d, %d], \"codec\": \"%s\", \"bytes_in\": %llu, "
           "\"bytes_raw\": %llu, \"bytes_out\": %llu, \"ratio\": %.4f, \"seconds\": %.3f, "
           "\"fps\": %.1f}\n",
           (long long)r->files_ignored, r->width, r->height, r->channels, r->ct, r->th, r->tw,
           blz_codec_name(r->codec), (unsigned long long)r->bytes_in,
           (unsigned long long)r->bytes_raw, (unsigned long long)r->bytes_out,
           r->bytes_out ? (double)r->bytes_raw / (double)r->bytes_out : 0.0, r->seconds,
           r->fps);
}

/* One line on stderr; the exit status. */
static int report_failure(int st)
{
    if (st == BLZ_ERR_EXISTS) {
        fprintf(stderr, "%s: %s; --force replaces it\n", tool_name, blz_errmsg());
        return tool_exit_code(st);
    }
    const int code = tool_report(st);
    return st == BLZ_ERR_CANCELLED && stop_signal ? 128 + stop_signal : code;
}

int main(int argc, char **argv)
{
    tool_avoid_evex_strings(argv);
    tool_name = "blitz-ingest";
    ingest_args a;
    const int parsed = ingest_args_parse(argc, argv, &a);
    if (parsed >= 0)
        return parsed;
    install_signals();
    ingest_progress progress;
    ingest_progress_init(&progress, !a.quiet, &stop_signal);
    a.options.progress = ingest_progress_update;
    a.options.progress_user = &progress;
    blz_ingest_report report;
    const int st = blz_ingest(a.inputs, a.n_inputs, a.output, &a.options, &report);
    ingest_progress_finish(&progress, st == BLZ_OK);
    int code = 0;
    if (st != BLZ_OK)
        code = report_failure(st);
    else if (a.json)
        print_summary(&a, &report);
    blz_ingest_report_free(&report);
    if (fflush(stdout) != 0 && code == 0)
        code = EXIT_IOERR;
    return code;
}
