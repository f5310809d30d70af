/*
 * export_png.c - the processed frames as a PNG sequence (blz_pipeline_export_png):
 * the value range first (given, or the clip percentiles of the whole processed stack
 * from the statistics' two walks, exact), then a walk with a whole frame per strip,
 * each frame mapped to 8 bits as the .png results are (io/map8.h) and written by
 * blz_png_write() into a folder that appears atomically (core/atomic_dir.h). The
 * budget holds the walk, one 8-bit frame and the PNG writer's buffers; any failure
 * removes the folder.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blitz/image_io.h"
#include "blitz/pipeline.h"
#include "core/atomic_dir.h"
#include "core/checked.h"
#include "core/error_internal.h"
#include "io/map8.h"
#include "io/png_write.h"
#include "query/export.h"
#include "query/stats_pipeline.h"

blz_png_sequence_options blz_png_sequence_defaults(void)
{
    return (blz_png_sequence_options){ .colormap = BLZ_CMAP_GRAY, .clip_low = 0.35,
                                       .clip_high = 99.65 };
}

/* frame_N.png, N decimal digits: the files of a sequence (what --force may replace). */
static bool sequence_file(const char *name)
{
    if (strncmp(name, "frame_", 6) != 0)
        return false;
    const char *p = name + 6;
    while (*p >= '0' && *p <= '9')
        p++;
    return p > name + 6 && strcmp(p, ".png") == 0;
}

/* The options checked, and the 8-bit mapping for the cache's channels. */
static int check_options(const blz_cache *cache, const blz_png_sequence_options *o,
                         const char *folder, blz_map8 *map)
{
    if (o->fixed_range && !(isfinite(o->range_low) && isfinite(o->range_high)
                            && o->range_low < o->range_high))
        return blz_fail(BLZ_ERR_INVALID, "%s: value range %g,%g: need finite LOW < HIGH",
                        folder, o->range_low, o->range_high);
    if (!o->fixed_range && !(o->clip_low >= 0 && o->clip_low < o->clip_high
                             && o->clip_high <= 100))
        return blz_fail(BLZ_ERR_INVALID, "%s: clip percentiles %g,%g: need 0 <= LOW < HIGH "
                        "<= 100", folder, o->clip_low, o->clip_high);
    if (blz_map8_init(map, o->colormap, blz_cache_layout(cache)->channels) != BLZ_OK) {
        char why[256];
        blz_errmsg_copy(why, sizeof why);
        return blz_fail(BLZ_ERR_INVALID, "%s: %s", folder, why);
    }
    return BLZ_OK;
}

/* Digits of the frame numbers: 6, or as many as the last one needs. */
static int digits_for(int64_t frames)
{
    int digits = snprintf(NULL, 0, "%lld", (long long)(frames - 1));
    return digits > 6 ? digits : 6;
}

typedef struct png_run {
    blz_atomic_dir dir;
    blz_map8 map;
    const blz_layout *layout;
    int digits;
    uint8_t *pixels;   /* one frame, 8-bit */
} png_run;

int blz_export_png_walk(const blz_stages *st, int colormap, int threads, blz_walk_options *w,
                        size_t *held)
{
    const blz_layout *l = st->layout;
    blz_map8 map;
    size_t frame, png;
    int rc = blz_map8_init(&map, colormap, l->channels);
    if (rc != BLZ_OK)
        return rc;
    if (!blz_mul_size(l->frame_values, map.bytes_per_value, &frame)
        || !blz_png_write_bytes(l->height, l->width, map.out_channels, &png)
        || !blz_add_size(frame, png, held))
        return blz_fail(BLZ_ERR_RANGE, "%s: PNG frame size overflows", st->path);
    if (*held >= st->budget)
        return blz_fail(BLZ_ERR_BUDGET, "%s: the memory budget cannot hold a PNG frame "
                        "(%zu bytes)", st->path, *held);
    *w = (blz_walk_options){ .budget = st->budget - *held, .threads = threads,
                             .one_strip = true };
    return BLZ_OK;
}

/* The values mapped to 0 and 255: given, or the clip percentiles of every value. */
static int value_range(const blz_stages *st, const blz_png_sequence_options *o, int threads,
                       double range[2])
{
    if (o->fixed_range) {
        range[0] = o->range_low;
        range[1] = o->range_high;
        return BLZ_OK;
    }
    blz_stats_options so = blz_stats_defaults();
    so.npercentiles = 2;
    so.percentiles[0] = o->clip_low;
    so.percentiles[1] = o->clip_high;
    blz_stats s;
    int rc = blz_stats_staged(st, &so, threads, &s);
    range[0] = rc == BLZ_OK ? s.percentiles[0] : NAN;
    range[1] = rc == BLZ_OK ? s.percentiles[1] : NAN;
    return rc;
}

static int png_sink(void *ctx, int64_t n, int32_t y0, int32_t rows, const float *values)
{
    (void)y0;
    const png_run *run = ctx;
    const blz_layout *l = run->layout;
    size_t count = (size_t)rows * (size_t)l->width * (size_t)l->channels;
    for (size_t i = 0; i < count; i++)
        blz_map8_value(&run->map, values[i], run->pixels + i * run->map.bytes_per_value);
    char name[48];
    snprintf(name, sizeof name, "frame_%0*lld.png", run->digits, (long long)n);
    char *path = blz_atomic_dir_file(&run->dir, name);
    if (!path)
        return blz_fail(BLZ_ERR_NOMEM, "%s: out of memory", run->dir.path);
    int rc = blz_png_write(path, run->pixels, rows, l->width, run->map.out_channels);
    free(path);
    return rc;
}

/* The range, then the frames, into the open folder of run. The walk is checked
 * first: BLZ_ERR_BUDGET now rather than after the statistics. */
static int write_sequence(const blz_stages *st, const blz_run_options *o,
                          const blz_png_sequence_options *po, png_run *run, double range[2])
{
    blz_walk_options w;
    size_t held;
    int32_t rows;
    blz_region region = { 0, 0, st->layout->width, st->layout->height };
    int rc = blz_export_png_walk(st, po->colormap, o->threads, &w, &held);
    if (rc == BLZ_OK)
        rc = blz_frame_walk_rows(st, &region, &w, &rows);
    if (rc == BLZ_OK)
        rc = value_range(st, po, o->threads, range);
    if (rc != BLZ_OK)
        return rc;
    blz_map8_range(&run->map, range[0], range[1]);
    run->pixels = malloc(st->layout->frame_values * run->map.bytes_per_value);
    if (!run->pixels)
        return blz_fail(BLZ_ERR_NOMEM, "%s: out of memory for an 8-bit frame", st->path);
    rc = blz_frame_walk(st, &region, &w, png_sink, run);
    free(run->pixels);
    return rc;
}

int blz_pipeline_export_png(const blz_cache *cache, const blz_pipeline *pipeline,
                            const blz_run_options *o, const char *folder,
                            const blz_png_sequence_options *po, double range[2])
{
    png_run run = { .layout = blz_cache_layout(cache) };
    int rc = check_options(cache, po, folder, &run.map);
    if (rc == BLZ_OK)
        rc = blz_atomic_dir_open(&run.dir, folder, po->replace ? sequence_file : NULL);
    if (rc != BLZ_OK)
        return rc;
    blz_stages st;
    rc = blz_stages_prepare(&st, cache, pipeline, &o->frames, o->ram_budget, o->threads);
    if (rc == BLZ_OK) {
        run.digits = digits_for(st.geom.outputs);
        rc = write_sequence(&st, o, po, &run, range);
        blz_stages_free(&st);
    }
    if (rc != BLZ_OK) {
        blz_atomic_dir_abort(&run.dir);
        return rc;
    }
    return blz_atomic_dir_commit(&run.dir);
}
