/*
 * query_export.c - blitz-query export: the processed frames as a new cache (.blz,
 * metadata recording the pipeline), a float32 .npy stack, a multi-page float TIFF, or
 * a PNG sequence (OUT ending in '/': one 8-bit frame_N.png per frame, all mapping the
 * same value range to 0..255).
 */
#include <math.h>
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
    "                        (float32, frames x H x W [x C]), OUT.tif (float32 pages)\n"
    "                        or FOLDER/ (8-bit PNG sequence frame_000000.png, ...)\n"
    "  --frames START:STOP[:STEP], --ram-budget SIZE, --threads N, --explain, --verify\n"
    "                        as for the reductions\n"
    "PNG sequence (one value range for every frame):\n"
    "  --clip LOW,HIGH       percentiles of the whole processed stack mapped to 0 and 255\n"
    "                        (default 0.35,99.65; exact, two more passes over the frames)\n"
    "  --range MIN,MAX       values mapped to 0 and 255 instead (no extra pass)\n"
    "  --colormap NAME       gray frames: gray viridis magma inferno (default gray)\n"
    "  --force               replace an existing FOLDER/ holding only frame_N.png files\n"
    "stages (applied to every frame):\n";

typedef struct export_args {
    query_opts run;
    const char *output, *cache;
    blz_png_sequence_options png;
    bool png_only;   /* an option of PNG sequences was given */
    bool clip;       /* --clip was given */
} export_args;

static bool ends_with(const char *path, const char *suffix)
{
    size_t n = strlen(path), m = strlen(suffix);
    return n > m && strcasecmp(path + n - m, suffix) == 0;
}

static bool png_sequence(const char *path)
{
    return path[0] != '\0' && path[strlen(path) - 1] == '/';
}

static bool export_type_ok(const char *path)
{
    return ends_with(path, ".blz") || ends_with(path, ".npy") || ends_with(path, ".tif")
           || ends_with(path, ".tiff") || png_sequence(path);
}

static int take_range(blz_png_sequence_options *png, const char *arg)
{
    if (!query_parse_pair(arg, &png->range_low, &png->range_high)
        || !(isfinite(png->range_low) && isfinite(png->range_high)
             && png->range_low < png->range_high))
        return tool_usage_error("bad --range '%s' (MIN,MAX with MIN < MAX)", arg);
    png->fixed_range = 1;
    return 0;
}

static int take_export_option(void *args, int c, const char *arg)
{
    export_args *a = args;
    if (c != 'o')
        a->png_only = true;
    switch (c) {
    case 'o':
        a->output = arg;
        return 0;
    case 'c':
        a->clip = true;
        return query_parse_clip(arg, &a->png.clip_low, &a->png.clip_high);
    case 'r':
        return take_range(&a->png, arg);
    case 'm':
        return query_parse_colormap(arg, &a->png.colormap);
    case 'F':
        a->png.replace = 1;
        return 0;
    default:
        return tool_usage_error("export: unknown option");
    }
}

/* Parse argv; -1 after --help. */
static int parse(int argc, char **argv, export_args *a)
{
    static const struct option longopts[] = {
        QUERY_SHARED_LONGOPTS, QUERY_STAGE_LONGOPTS,
        { "output", required_argument, NULL, 'o' }, { "clip", required_argument, NULL, 'c' },
        { "range", required_argument, NULL, 'r' }, { "colormap", required_argument, NULL, 'm' },
        { "force", no_argument, NULL, 'F' }, { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 }
    };
    static const query_command cmd = { "export", longopts, usage_text, true,
                                       take_export_option };
    int st = query_parse(argc, argv, &cmd, &a->run, a, &a->cache);
    if (st != 0)
        return st;
    if (!a->output || !export_type_ok(a->output))
        return tool_usage_error("export: -o OUT.blz, OUT.npy, OUT.tif or FOLDER/ is needed");
    if (a->png_only && !png_sequence(a->output))
        return tool_usage_error("export: --clip, --range, --colormap and --force are for a "
                                "PNG sequence (-o FOLDER/)");
    if (a->clip && a->png.fixed_range)
        return tool_usage_error("export: give --clip or --range, not both");
    return query_check_stages(&a->run);
}

static int export_png(const blz_cache *cache, const export_args *a, const blz_run_options *o)
{
    double range[2];
    int64_t frames;
    int st = blz_pipeline_export_png(cache, &a->run.pipeline, o, a->output, &a->png, range);
    if (st == BLZ_OK)
        st = blz_pipeline_outputs(cache, &a->run.pipeline, &o->frames, &frames);
    if (st != BLZ_OK)
        return tool_report(st);
    printf("%s: %lld PNG frames (frame_N.png), values %.9g to %.9g mapped to 0 to 255\n",
           a->output, (long long)frames, range[0], range[1]);
    return 0;
}

/* --explain: the references' passes, the statistics' walks of a PNG sequence's range,
 * the writing walk. */
static int explain(const blz_cache *cache, const export_args *a, const blz_run_options *o)
{
    blz_pipeline_plan plan;
    int st = blz_pipeline_export_plan(cache, &a->run.pipeline, o, a->output, &a->png, &plan);
    if (st != BLZ_OK)
        return tool_report(st);
    char what[1024];
    snprintf(what, sizeof what, "export to %s", a->output);
    query_print_pipeline_plan(what, cache, &a->run, &plan);
    return 0;
}

int cmd_export(int argc, char **argv)
{
    export_args a = { .run = query_opts_defaults(), .png = blz_png_sequence_defaults() };
    int st = parse(argc, argv, &a);
    if (st != 0)
        return st < 0 ? 0 : st;
    blz_cache *cache;
    st = query_open(&a.run, a.cache, &cache);
    if (st != 0)
        return st;
    blz_run_options o = { a.run.frames, a.run.budget, a.run.threads };
    if (a.run.explain) {
        st = explain(cache, &a, &o);
    } else if (png_sequence(a.output)) {
        st = export_png(cache, &a, &o);
    } else {
        st = blz_pipeline_export(cache, &a.run.pipeline, &o, a.output, a.run.description);
        st = st == BLZ_OK ? 0 : tool_report(st);
    }
    blz_cache_close(cache);
    return st;
}
