/*
 * query_reduce.c - the temporal reduction subcommands of blitz-query: mean, sum, min,
 * max, std, var, median, percentile, argmin, argmax. Each reduces the selected frames
 * of a cache to one image written to -o (.npy, .tif or .png by extension), through
 * the pipeline stages when any is given.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blitz/image_io.h"
#include "common.h"
#include "query_cmds.h"
#include "query_mpi.h"
#include "query_opts.h"

static const char usage_text[] =
    "usage: blitz-query OP CACHE -o OUT [options]\n"
    "  OP: mean sum min max std var median percentile argmin argmax\n"
    "  -o, --output OUT      result image: .npy (float32), .tif (float32), .png (8-bit\n"
    "                        preview); repeat -o to write several from one computation\n"
    "  --frames START:STOP[:STEP]  frames to reduce (STOP exclusive; default all)\n"
    "  --p P                 percentile 0..100 (percentile only)\n"
    "  --nan propagate|ignore  NaN policy (default propagate; ignore for median/percentile)\n"
    "  --ddof N              std/var divisor n - N (default 0)\n"
    "  --double              .npy output as float64\n"
    "  --clip LOW,HIGH       .png clip percentiles (default 0.35,99.65)\n"
    "  --colormap NAME       .png colormap: gray viridis magma inferno (default gray)\n"
    "  --ram-budget SIZE     resident memory bound, K/M/G suffixes (default half of available)\n"
    "  --threads N           OpenMP threads\n"
    "  --explain             print the plan (every pass, with stages) and exit\n"
    "  --verify              check every chunk's checksum as it is read\n"
    "stages (applied to every frame before the reduction):\n";

typedef struct reduce_args {
    query_opts run;
    blz_reduce_options reduce;
    blz_image_options image;
    const char *outputs[8];
    int n_outputs;
    const char *cache;
    int have_p;
} reduce_args;

/* Options specific to reductions. */
static int take_reduce_option(void *args, int c, const char *arg)
{
    reduce_args *a = args;
    long long n;
    switch (c) {
    case 'o':
        if (a->n_outputs == (int)(sizeof a->outputs / sizeof a->outputs[0]))
            return tool_usage_error("too many -o outputs (at most %d)", a->n_outputs);
        a->outputs[a->n_outputs++] = arg;
        return 0;
    case 'p':
        a->have_p = 1;
        if (!tool_parse_double(arg, &a->reduce.percentile) || a->reduce.percentile < 0
            || a->reduce.percentile > 100)
            return tool_usage_error("bad percentile '%s' (0..100)", arg);
        return 0;
    case 'n':
        if (strcmp(arg, "propagate") == 0)
            a->reduce.nan_policy = BLZ_NAN_PROPAGATE;
        else if (strcmp(arg, "ignore") == 0)
            a->reduce.nan_policy = BLZ_NAN_IGNORE;
        else
            return tool_usage_error("bad --nan '%s' (propagate or ignore)", arg);
        return 0;
    case 'd':
        if (!tool_parse_int(arg, 0, 1000000, &n))
            return tool_usage_error("bad --ddof '%s'", arg);
        a->reduce.ddof = (int)n;
        return 0;
    case 'D':
        a->image.float64 = 1;
        return 0;
    case 'c':
        return query_parse_clip(arg, &a->image.clip_low, &a->image.clip_high);
    case 'm':
        return query_parse_colormap(arg, &a->image.colormap);
    default:
        return tool_usage_error("%s: unknown option", blz_op_name(a->reduce.op));
    }
}

/* Parse argv; -1 after --help. */
static int parse(int argc, char **argv, reduce_args *a)
{
    static const struct option longopts[] = {
        QUERY_SHARED_LONGOPTS, QUERY_STAGE_LONGOPTS,
        { "output", required_argument, NULL, 'o' }, { "p", required_argument, NULL, 'p' },
        { "nan", required_argument, NULL, 'n' }, { "ddof", required_argument, NULL, 'd' },
        { "double", no_argument, NULL, 'D' }, { "clip", required_argument, NULL, 'c' },
        { "colormap", required_argument, NULL, 'm' }, { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 }
    };
    const query_command cmd = { argv[0], longopts, usage_text, true, take_reduce_option };
    return query_parse(argc, argv, &cmd, &a->run, a, &a->cache);
}

static int check_args(const reduce_args *a)
{
    if (query_check_stages(&a->run) != 0)
        return EXIT_USAGE;
    if (a->reduce.op == BLZ_OP_PERCENTILE && !a->have_p)
        return tool_usage_error("percentile: --p P is needed");
    if (a->reduce.op != BLZ_OP_PERCENTILE && a->have_p)
        return tool_usage_error("%s: --p is for percentile only", blz_op_name(a->reduce.op));
    if (a->run.explain)
        return 0;
    if (a->n_outputs == 0)
        return tool_usage_error("%s: -o OUT is needed (.npy, .tif or .png)",
                                blz_op_name(a->reduce.op));
    for (int i = 0; i < a->n_outputs; i++)
        if (blz_image_format_of(a->outputs[i]) < 0)
            return tool_usage_error("%s: unknown output type (use .npy, .tif or .png)",
                                    a->outputs[i]);
    return 0;
}

static int compute_and_write(const blz_cache *cache, const reduce_args *a)
{
    const blz_layout *l = blz_cache_layout(cache);
    double *out = malloc(l->frame_values * sizeof *out);
    if (!out) {
        fprintf(stderr, "%s: out of memory for the result image\n", tool_name);
        return EXIT_SOFTWARE;
    }
    int rc = query_mpi_reduce(cache, a->run.staged ? &a->run.pipeline : NULL, &a->reduce, out);
    int st = BLZ_OK;
    for (int i = 0; rc == 0 && st == BLZ_OK && query_mpi_root() && i < a->n_outputs; i++)
        st = blz_image_write(a->outputs[i], out, l->height, l->width, l->channels, &a->image);
    free(out);
    return rc ? rc : st == BLZ_OK ? 0 : tool_report(st);
}

/* --explain: the plan of the plain reduction, or of every pass of the pipeline. */
static int explain(const blz_cache *cache, const reduce_args *a, const char *what)
{
    blz_plan plan;
    blz_pipeline_plan stages;
    int st = a->run.staged
                 ? blz_pipeline_reduce_plan(cache, &a->run.pipeline, &a->reduce, &stages)
                 : blz_reduce_plan(cache, &a->reduce, &plan);
    if (st == BLZ_OK && query_mpi_root()) {
        if (a->run.staged)
            query_print_pipeline_plan(what, cache, &a->run, &stages);
        else
            query_print_plan(what, cache, &plan);
    }
    return st == BLZ_OK ? 0 : tool_report(st);
}

int cmd_reduce(int argc, char **argv)
{
    reduce_args a = { .run = query_opts_defaults(), .image = blz_image_defaults() };
    a.reduce = blz_reduce_defaults(blz_op_from_name(argv[0]));
    int st = parse(argc, argv, &a);
    if (st == 0)
        st = check_args(&a);
    if (st != 0)
        return st < 0 ? 0 : st;
    a.reduce.frames = a.run.frames;
    a.reduce.ram_budget = a.run.budget;
    a.reduce.threads = a.run.threads;
    blz_cache *cache;
    st = query_open(&a.run, a.cache, &cache);
    if (st != 0)
        return st;
    st = a.run.explain ? explain(cache, &a, argv[0]) : compute_and_write(cache, &a);
    blz_cache_close(cache);
    return st;
}
