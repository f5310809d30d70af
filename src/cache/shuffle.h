/*
 * shuffle.h - byte shuffle of float32 arrays, the first stage of the shuffle-lz4 codec.
 *
 * blz_shuffle4() splits n 4-byte values into 4 planes of n bytes: all byte 0s, then all
 * byte 1s, and so on; blz_unshuffle4() puts them back. Grouping the bytes that change
 * slowly (exponent, high mantissa) lets LZ4 find runs in float data.
 */
#ifndef BLITZ_CACHE_SHUFFLE_H
#define BLITZ_CACHE_SHUFFLE_H

#include <stddef.h>

/* dst[k * n + i] = src[4 * i + k] for i < n, k < 4. src and dst must not overlap. */
void blz_shuffle4(unsigned char *restrict dst, const unsigned char *restrict src, size_t n);

/* The inverse: dst[4 * i + k] = src[k * n + i]. */
void blz_unshuffle4(unsigned char *restrict dst, const unsigned char *restrict src, size_t n);

#endif
