/*
 * shuffle.c - vectorised 4-byte shuffle and unshuffle (SSE2, part of every x86-64 CPU).
 *
 * A block of 16 values is 64 bytes in four 16-byte registers. Number each byte by its
 * 6-bit address r1 r0 b3 b2 b1 b0 (register, byte in register). One round of byte
 * unpacks pairs register v with register v + 2 and interleaves them, which rotates
 * every address left by one bit. In a value-major block the address is i3 i2 i1 i0 k1 k0
 * (value i, byte k); in planes it is k1 k0 i3 i2 i1 i0. So shuffling is four rounds
 * (rotate by 4) and unshuffling two (rotate by 2). The tail of fewer than 16 values
 * goes through the plain loop. The block and its rounds are in shuffle.h, where the
 * streaming fold also finds them.
 */
#include <stdint.h>

#include "cache/shuffle.h"

enum { BLOCK_VALUES = 16 };

static inline void store_block(unsigned char *p, size_t stride, blz_byte_block v)
{
    _mm_storeu_si128((__m128i *)p, v.r0);
    _mm_storeu_si128((__m128i *)(p + stride), v.r1);
    _mm_storeu_si128((__m128i *)(p + 2 * stride), v.r2);
    _mm_storeu_si128((__m128i *)(p + 3 * stride), v.r3);
}

void blz_shuffle4(unsigned char *restrict dst, const unsigned char *restrict src, size_t n)
{
    size_t blocks = n / BLOCK_VALUES;
    for (size_t b = 0; b < blocks; b++) {
        blz_byte_block v = blz_load_rows(src + 64 * b, 16);
        v = blz_rotate_round(blz_rotate_round(blz_rotate_round(blz_rotate_round(v))));
        store_block(dst + 16 * b, n, v);
    }
    for (size_t i = blocks * BLOCK_VALUES; i < n; i++)
        for (size_t k = 0; k < 4; k++)
            dst[k * n + i] = src[4 * i + k];
}

void blz_unshuffle4_from(unsigned char *restrict dst, const unsigned char *restrict src,
                         size_t n, size_t plane)
{
    size_t blocks = n / BLOCK_VALUES;
    for (size_t b = 0; b < blocks; b++)
        store_block(dst + 64 * b, 16, blz_unshuffle_block(src + 16 * b, plane));
    for (size_t i = blocks * BLOCK_VALUES; i < n; i++)
        for (size_t k = 0; k < 4; k++)
            dst[4 * i + k] = src[k * plane + i];
}

void blz_unshuffle4(unsigned char *restrict dst, const unsigned char *restrict src, size_t n)
{
    blz_unshuffle4_from(dst, src, n, n);
}
