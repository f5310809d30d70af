/*
 * export.c - the processed frames written out: a new cache through the writer (whole
 * frames in order, so the walk must hold a whole frame per strip) or a float32 .npy
 * stack (header first, then each strip of each frame written at its place, so any
 * strip height works), or a multi-page float TIFF (export_tiff.c); and the walk each
 * kind of export makes (export.h), PNG sequences' included (export_png.c). All appear
 * atomically; a failure leaves nothing behind.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "blitz/image_io.h"
#include "blitz/npy.h"
#include "blitz/pipeline.h"
#include "blitz/writer.h"
#include "core/atomic_file.h"
#include "core/error_internal.h"
#include "query/export.h"
#include "query/export_tiff.h"

static bool ends_with(const char *path, const char *suffix)
{
    size_t n = strlen(path), k = strlen(suffix);
    return n > k && strcasecmp(path + n - k, suffix) == 0;
}

static blz_region whole_frame(const blz_layout *l)
{
    return (blz_region){ 0, 0, l->width, l->height };
}

enum { KIND_CACHE, KIND_NPY, KIND_TIFF, KIND_PNG };

bool blz_export_is_sequence(const char *path)
{
    size_t n = strlen(path);
    return n > 0 && path[n - 1] == '/';
}

/* The kind of export path names, or -1. */
static int kind_of(const char *path)
{
    if (blz_export_is_sequence(path))
        return KIND_PNG;
    if (ends_with(path, ".npy"))
        return KIND_NPY;
    if (ends_with(path, ".tif") || ends_with(path, ".tiff"))
        return KIND_TIFF;
    return ends_with(path, ".blz") ? KIND_CACHE : -1;
}

/* A cache export's writer: the source's geometry, chunk shape and codec. */
static int writer_options(const blz_stages *st, int threads, blz_writer_options *wo)
{
    const blz_layout *l = st->layout;
    blz_chunk_entry first;
    int rc = blz_cache_chunk_entry(st->cache, 0, &first);
    *wo = (blz_writer_options){ .height = l->height, .width = l->width,
                                .channels = l->channels, .ct = l->ct, .th = l->th,
                                .tw = l->tw, .codec = first.codec, .threads = threads,
                                .flags = BLZ_WRITE_REPLACE };
    return rc;
}

int blz_export_walk(const blz_stages *st, const char *path, int colormap, int threads,
                    blz_walk_options *w, size_t *held)
{
    int kind = kind_of(path);
    *held = 0;
    *w = (blz_walk_options){ .budget = st->budget, .threads = threads,
                             .one_strip = kind != KIND_NPY };
    if (kind < 0)
        return blz_fail(BLZ_ERR_INVALID, "%s: unknown export type (use .blz, .npy, .tif or "
                        "a folder/)", path);
    if (kind == KIND_PNG)
        return blz_export_png_walk(st, colormap, threads, w, held);
    if (kind != KIND_CACHE)
        return BLZ_OK;
    blz_writer_options wo;
    int rc = writer_options(st, threads, &wo);
    if (rc != BLZ_OK)
        return rc;
    *held = blz_writer_memory(&wo);
    if (*held >= st->budget)
        return blz_fail(BLZ_ERR_BUDGET, "%s: the memory budget cannot hold the writer's time "
                        "blocks (%zu bytes)", path, *held);
    w->budget -= *held;
    return BLZ_OK;
}

/* ---- .npy ---- */

typedef struct npy_run {
    blz_atomic_file file;
    uint64_t data_offset;
    size_t frame_values, row_values;
} npy_run;

static int npy_sink(void *ctx, int64_t n, int32_t y0, int32_t rows, const float *values)
{
    npy_run *run = ctx;
    uint64_t at = run->data_offset
                  + ((uint64_t)n * run->frame_values + (uint64_t)y0 * run->row_values)
                    * sizeof(float);
    return blz_atomic_pwrite(&run->file, values, (size_t)rows * run->row_values * sizeof(float),
                             at);
}

static int export_npy(const blz_stages *st, const blz_walk_options *w, const char *path)
{
    const blz_layout *l = st->layout;
    int64_t shape[4] = { st->geom.outputs, l->height, l->width, l->channels };
    char header[1024];
    size_t hlen;
    if (blz_npy_format_header(header, sizeof header, BLZ_DTYPE_F32, l->channels == 1 ? 3 : 4,
                              shape, &hlen) != BLZ_OK)
        return blz_fail(BLZ_ERR_RANGE, "%s: .npy header too long", path);
    npy_run run = { .data_offset = hlen, .frame_values = l->frame_values,
                    .row_values = (size_t)l->width * (size_t)l->channels };
    int rc = blz_atomic_open(&run.file, path);
    if (rc != BLZ_OK)
        return rc;
    rc = blz_atomic_write(&run.file, header, hlen);
    blz_region region = whole_frame(l);
    if (rc == BLZ_OK)
        rc = blz_frame_walk(st, &region, w, npy_sink, &run);
    if (rc != BLZ_OK) {
        blz_atomic_abort(&run.file);
        return rc;
    }
    return blz_atomic_commit(&run.file);
}

/* ---- cache ---- */

typedef struct cache_run {
    const blz_stages *st;
    blz_writer *writer;
} cache_run;

static int cache_sink(void *ctx, int64_t n, int32_t y0, int32_t rows, const float *values)
{
    (void)y0;
    (void)rows;
    const cache_run *run = ctx;
    int64_t source;
    double timestamp;
    int rc = blz_cache_frame_info(run->st->cache, blz_stages_cache_frame(run->st, n), &source,
                                  &timestamp);
    return rc == BLZ_OK ? blz_writer_add_frame(run->writer, values, source, timestamp) : rc;
}

/* The source's metadata (but an earlier pipeline's), then this pipeline's. */
static int write_meta(blz_writer *w, const blz_cache *cache, const char *description)
{
    int rc = BLZ_OK;
    for (size_t i = 0; rc == BLZ_OK && i < blz_cache_meta_count(cache); i++) {
        const char *key, *value;
        rc = blz_cache_meta_at(cache, i, &key, &value);
        if (rc == BLZ_OK && strncmp(key, "pipeline", 8) != 0)
            rc = blz_writer_set_meta(w, key, value);
    }
    if (rc == BLZ_OK)
        rc = blz_writer_set_meta(w, "pipeline", description ? description : "");
    if (rc == BLZ_OK)
        rc = blz_writer_set_meta(w, "pipeline.source", blz_cache_path(cache));
    return rc;
}

static int export_cache(const blz_stages *st, const blz_walk_options *w, const char *path,
                        const char *description)
{
    blz_writer_options wo;
    int rc = writer_options(st, w->threads, &wo);
    cache_run run = { .st = st };
    if (rc == BLZ_OK)
        rc = blz_writer_open(&run.writer, path, &wo);
    if (rc != BLZ_OK)
        return rc;
    rc = write_meta(run.writer, st->cache, description);
    blz_region region = whole_frame(st->layout);
    if (rc == BLZ_OK)
        rc = blz_frame_walk(st, &region, w, cache_sink, &run);
    if (rc == BLZ_OK)
        rc = blz_writer_finish(run.writer);
    blz_writer_free(run.writer);
    return rc;
}

int blz_pipeline_export(const blz_cache *cache, const blz_pipeline *pipeline,
                        const blz_run_options *o, const char *path, const char *description)
{
    int kind = kind_of(path);
    if (kind < 0 || kind == KIND_PNG)
        return blz_fail(BLZ_ERR_INVALID, "%s: unknown export type (use .blz, .npy or .tif; "
                        "blz_pipeline_export_png writes PNG sequences)", path);
    blz_stages st;
    int rc = blz_stages_prepare(&st, cache, pipeline, &o->frames, o->ram_budget, o->threads);
    if (rc != BLZ_OK)
        return rc;
    blz_walk_options w;
    size_t held;
    rc = blz_export_walk(&st, path, BLZ_CMAP_GRAY, o->threads, &w, &held);
    if (rc == BLZ_OK)
        rc = kind == KIND_NPY    ? export_npy(&st, &w, path)
             : kind == KIND_TIFF ? blz_export_tiff(&st, &w, path)
                                 : export_cache(&st, &w, path, description);
    blz_stages_free(&st);
    return rc;
}
