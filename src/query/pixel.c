/*
 * pixel.c - one pixel's processed time series: a frame walk over a 1 x 1 region.
 */
#include <string.h>

#include "blitz/pipeline.h"
#include "core/error_internal.h"
#include "query/framewalk.h"
#include "query/stages.h"

typedef struct pixel_run {
    float *out;
    size_t channels;
} pixel_run;

static int pixel_sink(void *ctx, int64_t n, int32_t y0, int32_t rows, const float *values)
{
    (void)y0;
    (void)rows;
    const pixel_run *run = ctx;
    memcpy(run->out + (size_t)n * run->channels, values, run->channels * sizeof(float));
    return BLZ_OK;
}

int blz_pipeline_pixel(const blz_cache *cache, const blz_pipeline *pipeline,
                       const blz_run_options *o, int32_t x, int32_t y, float *out)
{
    const blz_layout *l = blz_cache_layout(cache);
    if (x < 0 || y < 0 || x >= l->width || y >= l->height)
        return blz_fail(BLZ_ERR_INVALID, "%s: pixel %d,%d is outside the %d x %d frame",
                        blz_cache_path(cache), x, y, l->width, l->height);
    blz_stages st;
    int rc = blz_stages_prepare(&st, cache, pipeline, &o->frames, o->ram_budget, o->threads);
    if (rc != BLZ_OK)
        return rc;
    blz_region region = { x, y, 1, 1 };
    blz_walk_options w = { .budget = st.budget, .threads = 1, .one_strip = true };
    pixel_run run = { out, (size_t)l->channels };
    rc = blz_frame_walk(&st, &region, &w, pixel_sink, &run);
    blz_stages_free(&st);
    return rc;
}
