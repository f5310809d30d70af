/*
 * query_export.c - blitz-query export: the processed frames as a new cache (.blz,
 * metadata recording the pipeline), a float32 .npy stack or a multi-page float TIFF.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "common.h"
#include "query_cmds.h"
#include "query_opts.h"

static const char usage_text[] =
    "usage: blitz-query export CACHE -o OUT [stages] [options]\n"
    "  -o, --output OUT      OUT.blz (a cache, same chunk shape and codec), OUT.npy\n"
    "                        (float32, frames x H x W [x C]) or OUT.tif (float32 pages)\n"
    "  --frames START:STOP[:STEP], --ram-budget SIZE, --threads N  as for the reductions\n"
    "stages (applied to every frame):\n";

typedef struct export_args {
    query_opts run;
    const char *output, *cache;
} export_args;

static bool export_type_ok(const char *path)
{
    static const char *const types[] = { ".blz", ".npy", ".tif", ".tiff" };
    size_t n = strlen(path);
    for (size_t k = 0; k < sizeof types / sizeof types[0]; k++) {
        size_t m = strlen(types[k]);
        if (n > m && strcasecmp(path + n - m, types[k]) == 0)
            return true;
    }
    return false;
}

static int take_export_option(void *args, int c, const char *arg)
{
    if (c != 'o')
        return tool_usage_error("export: unknown option");
    ((export_args *)args)->output = arg;
    return 0;
}

/* Parse argv; -1 after --help. */
static int parse(int argc, char **argv, export_args *a)
{
    static const struct option longopts[] = {
        QUERY_SHARED_LONGOPTS, QUERY_STAGE_LONGOPTS,
        { "output", required_argument, NULL, 'o' }, { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 }
    };
    static const query_command cmd = { "export", longopts, usage_text, true,
                                       take_export_option };
    int st = query_parse(argc, argv, &cmd, &a->run, a, &a->cache);
    if (st != 0)
        return st;
    if (!a->output || !export_type_ok(a->output))
        return tool_usage_error("export: -o OUT.blz, OUT.npy or OUT.tif is needed");
    return query_check_stages(&a->run);
}

int cmd_export(int argc, char **argv)
{
    export_args a = { .run = query_opts_defaults() };
    int st = parse(argc, argv, &a);
    if (st != 0)
        return st < 0 ? 0 : st;
    blz_cache *cache;
    st = query_open(&a.run, a.cache, &cache);
    if (st != 0)
        return st;
    blz_run_options o = { a.run.frames, a.run.budget, a.run.threads };
    st = blz_pipeline_export(cache, &a.run.pipeline, &o, a.output, a.run.description);
    blz_cache_close(cache);
    return st == BLZ_OK ? 0 : tool_report(st);
}
