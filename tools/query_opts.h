/*
 * query_opts.h - what the computing subcommands of blitz-query share: the frame
 * range, memory budget, thread and --explain options, opening the cache, and the
 * printed plan.
 */
#ifndef BLITZ_TOOLS_QUERY_OPTS_H
#define BLITZ_TOOLS_QUERY_OPTS_H

#include <getopt.h>
#include <stdbool.h>
#include <stddef.h>

#include "blitz/blitz.h"
#include "blitz/query.h"

typedef struct query_opts {
    blz_frame_range frames;
    size_t budget;
    int threads;
    bool explain;
} query_opts;

/* getopt_long entries of the shared options (codes 'f', 'b', 't', 'E'). */
#define QUERY_SHARED_LONGOPTS                                                              \
    { "frames", required_argument, NULL, 'f' }, { "ram-budget", required_argument, NULL, 'b' }, \
    { "threads", required_argument, NULL, 't' }, { "explain", no_argument, NULL, 'E' }

/* Defaults: all frames, tool_default_budget(), OpenMP's thread count, no explain. */
query_opts query_opts_defaults(void);

/* Take a shared option: 0 when taken, 1 when c is not a shared option, EXIT_USAGE
 * (message printed) when its value is bad. */
int query_take_option(query_opts *o, int c, const char *arg);

/* Open path read-only; on failure prints the reason and returns the exit code. */
int query_open(const char *path, blz_cache **cache);

/* Print the plan of what on stdout (for --explain). */
void query_print_plan(const char *what, const blz_cache *cache, const blz_plan *plan);

#endif
