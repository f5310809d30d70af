/*
 * pipeline.c - the public entry points of pipelines that produce a reduction, and
 * the output frame count / numbering every sink shares.
 */
#include <string.h>

#include "blitz/pipeline.h"
#include "core/error_internal.h"
#include "query/stages.h"

/* The output geometry of a pipeline without computing its references. */
static int output_geometry(const blz_cache *cache, const blz_pipeline *pipeline,
                           const blz_frame_range *frames, blz_stages *st)
{
    blz_pipeline shape = *pipeline;
    if (shape.subtract.kind != BLZ_REF_SLIDING)
        shape.subtract.kind = BLZ_REF_NONE;
    if (shape.divide.kind != BLZ_REF_SLIDING)
        shape.divide.kind = BLZ_REF_NONE;
    return blz_stages_prepare(st, cache, &shape, frames, (size_t)-1, 0);
}

int blz_pipeline_outputs(const blz_cache *cache, const blz_pipeline *pipeline,
                         const blz_frame_range *frames, int64_t *count)
{
    blz_stages st;
    int s = output_geometry(cache, pipeline, frames, &st);
    if (s == BLZ_OK)
        *count = st.geom.outputs;
    return s;
}

int blz_pipeline_output_frames(const blz_cache *cache, const blz_pipeline *pipeline,
                               const blz_frame_range *frames, int64_t *cache_frames)
{
    blz_stages st;
    int s = output_geometry(cache, pipeline, frames, &st);
    for (int64_t n = 0; s == BLZ_OK && n < st.geom.outputs; n++)
        cache_frames[n] = blz_stages_cache_frame(&st, n);
    return s;
}

int blz_pipeline_reduce(const blz_cache *cache, const blz_pipeline *pipeline,
                        const blz_reduce_options *options, double *out)
{
    blz_stages st;
    int s = blz_stages_prepare(&st, cache, pipeline, &options->frames, options->ram_budget,
                               options->threads);
    if (s != BLZ_OK)
        return s;
    s = blz_reduce_staged(cache, options, &st, out);
    blz_stages_free(&st);
    return s;
}
