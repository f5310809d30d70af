/*
 * shuffle.c - vectorised 4-byte shuffle and unshuffle (SSE2, part of every x86-64 CPU).
 *
 * A block of 16 values is 64 bytes in four 16-byte registers. Number each byte by its
 * 6-bit address r1 r0 b3 b2 b1 b0 (register, byte in register). One round of byte
 * unpacks pairs register v with register v + 2 and interleaves them, which rotates
 * every address left by one bit. In a value-major block the address is i3 i2 i1 i0 k1 k0
 * (value i, byte k); in planes it is k1 k0 i3 i2 i1 i0. So shuffling is four rounds
 * (rotate by 4) and unshuffling two (rotate by 2). The tail of fewer than 16 values
 * goes through the plain loop.
 */
#include <emmintrin.h>
#include <stdint.h>

#include "cache/shuffle.h"

enum { BLOCK_VALUES = 16 };

/* Rotate the 6-bit byte addresses of the 64 bytes in v left by one. */
static inline void rotate_round(__m128i v[4])
{
    __m128i lo0 = _mm_unpacklo_epi8(v[0], v[2]);
    __m128i hi0 = _mm_unpackhi_epi8(v[0], v[2]);
    __m128i lo1 = _mm_unpacklo_epi8(v[1], v[3]);
    __m128i hi1 = _mm_unpackhi_epi8(v[1], v[3]);
    v[0] = lo0;
    v[1] = hi0;
    v[2] = lo1;
    v[3] = hi1;
}

void blz_shuffle4(unsigned char *restrict dst, const unsigned char *restrict src, size_t n)
{
    size_t blocks = n / BLOCK_VALUES;
    for (size_t b = 0; b < blocks; b++) {
        __m128i v[4];
        for (int r = 0; r < 4; r++)
            v[r] = _mm_loadu_si128((const __m128i *)(src + 64 * b + 16 * r));
        for (int round = 0; round < 4; round++)
            rotate_round(v);
        for (int k = 0; k < 4; k++)
            _mm_storeu_si128((__m128i *)(dst + k * n + 16 * b), v[k]);
    }
    for (size_t i = blocks * BLOCK_VALUES; i < n; i++)
        for (size_t k = 0; k < 4; k++)
            dst[k * n + i] = src[4 * i + k];
}

void blz_unshuffle4(unsigned char *restrict dst, const unsigned char *restrict src, size_t n)
{
    size_t blocks = n / BLOCK_VALUES;
    for (size_t b = 0; b < blocks; b++) {
        __m128i v[4];
        for (int k = 0; k < 4; k++)
            v[k] = _mm_loadu_si128((const __m128i *)(src + k * n + 16 * b));
        rotate_round(v);
        rotate_round(v);
        for (int r = 0; r < 4; r++)
            _mm_storeu_si128((__m128i *)(dst + 64 * b + 16 * r), v[r]);
    }
    for (size_t i = blocks * BLOCK_VALUES; i < n; i++)
        for (size_t k = 0; k < 4; k++)
            dst[4 * i + k] = src[k * n + i];
}
