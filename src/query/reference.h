/*
 * reference.h - the fixed reference images of a pipeline: a reduction of a frame
 * range of the cache, or an image file (.npy, float TIFF) checked against the
 * cache's frame shape.
 */
#ifndef BLITZ_QUERY_REFERENCE_H
#define BLITZ_QUERY_REFERENCE_H

#include <stddef.h>

#include "blitz/cache.h"
#include "blitz/pipeline.h"

/* Compute a RANGE or IMAGE reference as H x W x C doubles (*image malloc'd). A range
 * is reduced under budget with threads; an H x W image applies to every channel. */
int blz_reference_compute(const blz_cache *cache, const blz_reference *ref, size_t budget,
                          int threads, double **image);

#endif
