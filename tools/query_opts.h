/*
 * query_opts.h - what the computing subcommands of blitz-query share: the frame
 * range, memory budget, thread and --explain options, the pipeline stages (--subtract,
 * --divide, --scale, --offset, --abs, --clamp), opening the cache, and the printed
 * plan.
 */
#ifndef BLITZ_TOOLS_QUERY_OPTS_H
#define BLITZ_TOOLS_QUERY_OPTS_H

#include <getopt.h>
#include <stdbool.h>
#include <stddef.h>

#include "blitz/blitz.h"
#include "blitz/pipeline.h"
#include "blitz/query.h"

typedef struct query_opts {
    blz_frame_range frames;
    size_t budget;
    int threads;
    bool explain;
    bool verify;             /* check every chunk's checksum as it is read */
    blz_pipeline pipeline;
    bool staged;             /* a stage option was given */
    char description[1024];  /* the stage options as given, for provenance */
} query_opts;

/* Option codes of the stages (above any character). */
enum { QOPT_SUBTRACT = 256, QOPT_SUBTRACT_AMOUNT, QOPT_DIVIDE, QOPT_DIVIDE_AMOUNT, QOPT_SCALE,
       QOPT_OFFSET, QOPT_ABS, QOPT_CLAMP };

/* getopt_long entries of the shared options (codes 'f', 'b', 't', 'E', 'V'). */
#define QUERY_SHARED_LONGOPTS                                                              \
    { "frames", required_argument, NULL, 'f' }, { "ram-budget", required_argument, NULL, 'b' }, \
    { "threads", required_argument, NULL, 't' }, { "explain", no_argument, NULL, 'E' },     \
    { "verify", no_argument, NULL, 'V' }

/* getopt_long entries of the stage options. */
#define QUERY_STAGE_LONGOPTS                                                               \
    { "subtract", required_argument, NULL, QOPT_SUBTRACT },                                \
    { "subtract-amount", required_argument, NULL, QOPT_SUBTRACT_AMOUNT },                  \
    { "divide", required_argument, NULL, QOPT_DIVIDE },                                    \
    { "divide-amount", required_argument, NULL, QOPT_DIVIDE_AMOUNT },                      \
    { "scale", required_argument, NULL, QOPT_SCALE },                                      \
    { "offset", required_argument, NULL, QOPT_OFFSET }, { "abs", no_argument, NULL, QOPT_ABS }, \
    { "clamp", required_argument, NULL, QOPT_CLAMP }

/* Help lines of the stage options. */
extern const char query_stage_usage[];

/* Defaults: all frames, tool_default_budget(), OpenMP's thread count, no explain. */
query_opts query_opts_defaults(void);

/* Take a shared or stage option: 0 when taken, 1 when c is not a shared option, EXIT_USAGE
 * (message printed) when its value is bad. */
int query_take_option(query_opts *o, int c, const char *arg);

/* A subcommand's own options: 0 when taken, else the exit code (usage error printed). */
typedef int (*query_option_fn)(void *args, int c, const char *arg);

/* What a subcommand's command line is made of. */
typedef struct query_command {
    const char *name;                 /* for messages */
    const struct option *longopts;    /* its own, the shared and (if any) the stage options */
    const char *usage;                /* --help text */
    bool stages;                      /* --help also lists the stage options */
    query_option_fn take;             /* its own options */
} query_command;

/* Parse argv: shared and stage options into o, the command's own through
 * cmd->take(args, ...), the one CACHE argument into *cache. Returns 0, -1 after --help
 * (printed), or an exit code (usage error printed). */
int query_parse(int argc, char **argv, const query_command *cmd, query_opts *o, void *args,
                const char **cache);

/* "A,B": two numbers. */
bool query_parse_pair(const char *arg, double *a, double *b);

/* The options of PNG output: --clip LOW,HIGH percentiles and --colormap NAME. 0, or
 * EXIT_USAGE (message printed). */
int query_parse_clip(const char *arg, double *low, double *high);
int query_parse_colormap(const char *arg, int *colormap);

/* Whether the stage amounts were given without their stage: usage error printed. */
int query_check_stages(const query_opts *o);

/* Open path read-only (checking every chunk read with --verify); on failure prints the reason and returns the exit code. */
int query_open(const query_opts *o, const char *path, blz_cache **cache);

/* Print the plan of what on stdout (for --explain). */
void query_print_plan(const char *what, const blz_cache *cache, const blz_plan *plan);

/* Print the plan of what run with o's stages (for --explain): each reference and where
 * it comes from, the budget split, and every pass in order. */
void query_print_pipeline_plan(const char *what, const blz_cache *cache, const query_opts *o,
                               const blz_pipeline_plan *plan);

#endif
