/*
 * plane_sums.h - float32 sums over a chunk's frames straight from the byte planes of a
 * shuffle-lz4 chunk, for the sums and means of chunks whose integer claim makes such
 * sums exact (accumulate.c, exact_in_float()).
 */
#ifndef BLITZ_QUERY_PLANE_SUMS_H
#define BLITZ_QUERY_PLANE_SUMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Frames ahead whose bytes are prefetched in every plane, by every reader of byte
 * planes (best of 1, 2 and 4: a chunk's planes share an L1 set, frames apart). */
enum { BLZ_PLANE_PREFETCH_FRAMES = 2 };

/* Adds to a[0..n-1] the float32 sums over `frames` frames of n consecutive values of a
 * row, read from byte planes: byte k of the row's first value in the first frame is at
 * first[k * plane], and each next frame is stride bytes further. The float32 sums are
 * exact only under the caller's bound (frames x largest magnitude <= 2^24); the
 * additions to a are in double. */
void blz_plane_sums_row(const unsigned char *first, size_t plane, size_t stride,
                        int64_t frames, size_t n, double *a);

/* The same, `width` values at a time (16, 32 or 64), for tests of every width: returns
 * false, doing nothing, for another width or one the processor lacks instructions for. */
bool blz_plane_sums_row_at(int width, const unsigned char *first, size_t plane,
                           size_t stride, int64_t frames, size_t n, double *a);

#endif
