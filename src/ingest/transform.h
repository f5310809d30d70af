/*
 * transform.h - per-frame geometry transforms: area resize, crop, transpose, flips.
 *
 * A transform is planned once per geometry (source size, channels, blz_geometry): the
 * area-averaging weights of the resize are computed for the cropped output window only,
 * so resize and crop are one resampling step. Applying it maps a source frame (rows top
 * to bottom, channels interleaved) into a destination frame of the output size, which
 * may be the cache writer's frame slot. A plan owns a scratch frame and is used by one
 * thread at a time.
 */
#ifndef BLITZ_INGEST_TRANSFORM_H
#define BLITZ_INGEST_TRANSFORM_H

#include <stdint.h>

#include "blitz/ingest.h"

typedef struct blz_transform blz_transform;

/* Plan the transform of src_w x src_h frames with channels values per pixel. Fails with
 * BLZ_ERR_INVALID for a crop outside the resized frame, conflicting or non-positive
 * sizes; messages name the option. */
int blz_transform_create(blz_transform **out, int32_t src_w, int32_t src_h,
                         int32_t channels, const blz_geometry *g);
void blz_transform_free(blz_transform *t);

/* Size of the output frames. */
void blz_transform_output_size(const blz_transform *t, int32_t *width, int32_t *height);

/* Transform one frame: src is src_w*src_h*channels values, dst receives
 * width*height*channels values. src and dst must not overlap. */
void blz_transform_apply(blz_transform *t, const float *src, float *dst);

#endif
