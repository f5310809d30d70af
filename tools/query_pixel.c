/*
 * query_pixel.c - blitz-query pixel: one pixel's processed time series, as CSV on
 * stdout or in a file, or as .npy.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "query_cmds.h"
#include "query_opts.h"
#include "query_table.h"

static const char usage_text[] =
    "usage: blitz-query pixel CACHE --at X,Y [-o series.csv|series.npy]\n"
    "  --at X,Y              the pixel (column X, row Y, from 0)\n"
    "  -o, --output OUT      series.csv (frame, timestamp, value or r, g, b) or series.npy\n"
    "                        (float64, frames x channels); CSV on stdout without -o\n"
    "  --frames START:STOP[:STEP], --ram-budget SIZE, --threads N  as for the reductions\n"
    "stages (applied to every frame first):\n";

typedef struct pixel_args {
    query_opts run;
    long long at[2];
    int have_at;
    const char *output, *cache;
} pixel_args;

static int take_pixel_option(void *args, int c, const char *arg)
{
    pixel_args *a = args;
    switch (c) {
    case 'o':
        if (!query_table_path_ok(arg))
            return tool_usage_error("pixel: -o must name a .csv or .npy file");
        a->output = arg;
        return 0;
    case 'a':
        if (!tool_parse_ints(arg, 2, a->at) || a->at[0] < 0 || a->at[1] < 0
            || a->at[0] > INT32_MAX || a->at[1] > INT32_MAX)
            return tool_usage_error("bad --at '%s' (X,Y)", arg);
        a->have_at = 1;
        return 0;
    default:
        return tool_usage_error("pixel: unknown option");
    }
}

/* Parse argv; -1 after --help. */
static int parse(int argc, char **argv, pixel_args *a)
{
    static const struct option longopts[] = {
        QUERY_SHARED_LONGOPTS, QUERY_STAGE_LONGOPTS,
        { "output", required_argument, NULL, 'o' }, { "at", required_argument, NULL, 'a' },
        { "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 }
    };
    static const query_command cmd = { "pixel", longopts, usage_text, true,
                                       take_pixel_option };
    int st = query_parse(argc, argv, &cmd, &a->run, a, &a->cache);
    if (st != 0)
        return st;
    if (!a->have_at)
        return tool_usage_error("pixel: --at X,Y is needed");
    return query_check_stages(&a->run);
}

static int name_columns(query_table *t, int channels)
{
    static const char *const rgb[] = { "r", "g", "b" };
    for (int c = 0; c < channels; c++)
        if (!(t->names[c] = strdup(channels == 1 ? "value" : rgb[c])))
            return EXIT_SOFTWARE;
    return 0;
}

static int run_pixel(const blz_cache *cache, const pixel_args *a)
{
    blz_run_options o = { a->run.frames, a->run.budget, a->run.threads };
    int channels = blz_cache_layout(cache)->channels;
    int64_t frames;
    int st = blz_pipeline_outputs(cache, &a->run.pipeline, &o.frames, &frames);
    if (st != BLZ_OK)
        return tool_report(st);
    query_table t;
    int rc = query_table_alloc(&t, frames, channels);
    float *series = rc == 0 ? malloc((size_t)frames * (size_t)channels * sizeof *series) : NULL;
    if (rc == 0 && !series)
        rc = EXIT_SOFTWARE;
    if (rc == 0)
        rc = name_columns(&t, channels);
    if (rc == 0) {
        st = blz_pipeline_output_frames(cache, &a->run.pipeline, &o.frames, t.frames);
        if (st == BLZ_OK)
            st = blz_pipeline_pixel(cache, &a->run.pipeline, &o, (int32_t)a->at[0],
                                    (int32_t)a->at[1], series);
        for (size_t i = 0; st == BLZ_OK && i < (size_t)frames * (size_t)channels; i++)
            t.values[i] = series[i];
        rc = st == BLZ_OK ? query_table_write(&t, cache, a->output) : tool_report(st);
    }
    free(series);
    if (t.names)
        query_table_free(&t);
    return rc;
}

int cmd_pixel(int argc, char **argv)
{
    pixel_args a = { .run = query_opts_defaults() };
    int st = parse(argc, argv, &a);
    if (st != 0)
        return st < 0 ? 0 : st;
    blz_cache *cache;
    st = query_open(&a.run, a.cache, &cache);
    if (st != 0)
        return st;
    st = run_pixel(cache, &a);
    blz_cache_close(cache);
    return st;
}
