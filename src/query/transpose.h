/*
 * transpose.h - turning frame-major rows of a chunk into pixel-major series: the inner
 * copy of the gather that median, percentiles and sliding pipelines run on.
 */
#ifndef BLITZ_QUERY_TRANSPOSE_H
#define BLITZ_QUERY_TRANSPOSE_H

#include <stddef.h>

/* Copy frames 0..frames-1 of pixel-channels 0..n-1 into their series: the value of
 * frame k, pixel-channel v is read at src[k * frame_step + v] and written to
 * dst[v * length + k]. The sources must not overlap the series. For sources in
 * memory (a mapped chunk); next, unless NULL, is the source of the following call, of
 * the same shape, to be fetched into the cache meanwhile. */
void blz_transpose_frames(const float *src, size_t frame_step, size_t frames, size_t n,
                          float *dst, size_t length, const float *next);

/* The same copy for a source already in the cache (a decoded chunk), series by
 * series. */
void blz_transpose_series(const float *src, size_t frame_step, size_t frames, size_t n,
                          float *dst, size_t length);

#endif
