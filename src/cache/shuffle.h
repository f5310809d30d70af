/*
 * shuffle.h - byte shuffle of float32 arrays, the first stage of the shuffle-lz4 codec.
 *
 * blz_shuffle4() splits n 4-byte values into 4 planes of n bytes: all byte 0s, then all
 * byte 1s, and so on; blz_unshuffle4() puts them back. Grouping the bytes that change
 * slowly (exponent, high mantissa) lets LZ4 find runs in float data.
 */
#ifndef BLITZ_CACHE_SHUFFLE_H
#define BLITZ_CACHE_SHUFFLE_H

#include <emmintrin.h>
#include <stddef.h>

/* dst[k * n + i] = src[4 * i + k] for i < n, k < 4. src and dst must not overlap. */
void blz_shuffle4(unsigned char *restrict dst, const unsigned char *restrict src, size_t n);

/* The inverse: dst[4 * i + k] = src[k * n + i]. */
void blz_unshuffle4(unsigned char *restrict dst, const unsigned char *restrict src, size_t n);

/* The same for n values out of planes `plane` bytes apart (part of a larger chunk):
 * dst[4 * i + k] = src[k * plane + i]. */
void blz_unshuffle4_from(unsigned char *restrict dst, const unsigned char *restrict src,
                         size_t n, size_t plane);

/* A block of 16 values, 64 bytes, in four SSE2 registers (named, not an array: the
 * compiler keeps an array of registers in memory unless it unrolls every loop over it). */
typedef struct blz_byte_block {
    __m128i r0, r1, r2, r3;
} blz_byte_block;

/* Rotate the 6-bit addresses (register, byte in register) of the block's bytes left by
 * one bit: each register v is interleaved byte by byte with register v + 2. */
static inline blz_byte_block blz_rotate_round(blz_byte_block v)
{
    return (blz_byte_block){ _mm_unpacklo_epi8(v.r0, v.r2), _mm_unpackhi_epi8(v.r0, v.r2),
                             _mm_unpacklo_epi8(v.r1, v.r3), _mm_unpackhi_epi8(v.r1, v.r3) };
}

/* Four 16-byte rows, stride bytes apart, from p. */
static inline blz_byte_block blz_load_rows(const unsigned char *p, size_t stride)
{
    return (blz_byte_block){ _mm_loadu_si128((const __m128i *)(const void *)p),
                             _mm_loadu_si128((const __m128i *)(const void *)(p + stride)),
                             _mm_loadu_si128((const __m128i *)(const void *)(p + 2 * stride)),
                             _mm_loadu_si128((const __m128i *)(const void *)(p + 3 * stride)) };
}

/* Values i..i+15 out of byte planes `plane` bytes apart (p = plane 0 + i), in order:
 * r0 holds values i..i+3, r3 values i+12..i+15. */
static inline blz_byte_block blz_unshuffle_block(const unsigned char *p, size_t plane)
{
    return blz_rotate_round(blz_rotate_round(blz_load_rows(p, plane)));
}

#endif
