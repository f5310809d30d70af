/*
 * transpose.c - turning frame-major rows of a chunk into pixel-major series.
 *
 * The copy goes in blocks of 8 frames x 8 pixel-channels, transposed in vector
 * registers: eight loads of 8 values, 24 shuffles, eight stores of 8 values. Copied a
 * value at a time it is slow twice over. The frames of a chunk lie a multiple of 4 KiB
 * apart, so their rows share L1 cache sets and evict one another before their
 * neighbouring values are read. And each store of one value to a series touches
 * another page, so the TLB, not the copy, sets the pace. The block reads each source
 * line once and writes 32 bytes of a series at a time. Edges of fewer than 8 frames
 * or pixel-channels are copied a value at a time.
 *
 * A source already in the cache (a chunk just decoded) is better copied series by
 * series: each series of the destination is then written in one run, which matters
 * when the destination is too large for the cache.
 */
#include "query/transpose.h"

#include <string.h>

#include "core/hot_kernel.h"

enum { BLOCK = 8 };

typedef float vec8 __attribute__((vector_size(32)));

/* Lane orders of the three rounds of the 8 x 8 transpose: interleave the values of two
 * rows pair by pair, then pairs of values, then join halves. */
#define PAIRS_LO 0, 8, 1, 9, 4, 12, 5, 13
#define PAIRS_HI 2, 10, 3, 11, 6, 14, 7, 15
#define QUADS_LO 0, 1, 8, 9, 4, 5, 12, 13
#define QUADS_HI 2, 3, 10, 11, 6, 7, 14, 15
#define HALVES_LO 0, 1, 2, 3, 8, 9, 10, 11
#define HALVES_HI 4, 5, 6, 7, 12, 13, 14, 15

/* One 8 x 8 block: row k at src + k * frame_step becomes column k of the 8 series at
 * dst + v * length. The vectors are named one by one: in arrays, the compiler keeps
 * them in memory unless it unrolls every loop over them (GCC does not at -O2). */
static inline __attribute__((always_inline)) void transpose_block(const float *src,
                                                                  size_t frame_step,
                                                                  float *dst, size_t length)
{
    vec8 r0, r1, r2, r3, r4, r5, r6, r7;
    memcpy(&r0, src, sizeof r0);
    memcpy(&r1, src + frame_step, sizeof r1);
    memcpy(&r2, src + 2 * frame_step, sizeof r2);
    memcpy(&r3, src + 3 * frame_step, sizeof r3);
    memcpy(&r4, src + 4 * frame_step, sizeof r4);
    memcpy(&r5, src + 5 * frame_step, sizeof r5);
    memcpy(&r6, src + 6 * frame_step, sizeof r6);
    memcpy(&r7, src + 7 * frame_step, sizeof r7);
    vec8 a0 = __builtin_shufflevector(r0, r1, PAIRS_LO);
    vec8 a1 = __builtin_shufflevector(r0, r1, PAIRS_HI);
    vec8 a2 = __builtin_shufflevector(r2, r3, PAIRS_LO);
    vec8 a3 = __builtin_shufflevector(r2, r3, PAIRS_HI);
    vec8 a4 = __builtin_shufflevector(r4, r5, PAIRS_LO);
    vec8 a5 = __builtin_shufflevector(r4, r5, PAIRS_HI);
    vec8 a6 = __builtin_shufflevector(r6, r7, PAIRS_LO);
    vec8 a7 = __builtin_shufflevector(r6, r7, PAIRS_HI);
    /* b0..b3 hold pixel-channels (0,4), (1,5), (2,6), (3,7) of frames 0..3 in their
     * halves, b4..b7 the same of frames 4..7. */
    vec8 b0 = __builtin_shufflevector(a0, a2, QUADS_LO);
    vec8 b1 = __builtin_shufflevector(a0, a2, QUADS_HI);
    vec8 b2 = __builtin_shufflevector(a1, a3, QUADS_LO);
    vec8 b3 = __builtin_shufflevector(a1, a3, QUADS_HI);
    vec8 b4 = __builtin_shufflevector(a4, a6, QUADS_LO);
    vec8 b5 = __builtin_shufflevector(a4, a6, QUADS_HI);
    vec8 b6 = __builtin_shufflevector(a5, a7, QUADS_LO);
    vec8 b7 = __builtin_shufflevector(a5, a7, QUADS_HI);
    vec8 s0 = __builtin_shufflevector(b0, b4, HALVES_LO);
    vec8 s1 = __builtin_shufflevector(b1, b5, HALVES_LO);
    vec8 s2 = __builtin_shufflevector(b2, b6, HALVES_LO);
    vec8 s3 = __builtin_shufflevector(b3, b7, HALVES_LO);
    vec8 s4 = __builtin_shufflevector(b0, b4, HALVES_HI);
    vec8 s5 = __builtin_shufflevector(b1, b5, HALVES_HI);
    vec8 s6 = __builtin_shufflevector(b2, b6, HALVES_HI);
    vec8 s7 = __builtin_shufflevector(b3, b7, HALVES_HI);
    memcpy(dst, &s0, sizeof s0);
    memcpy(dst + length, &s1, sizeof s1);
    memcpy(dst + 2 * length, &s2, sizeof s2);
    memcpy(dst + 3 * length, &s3, sizeof s3);
    memcpy(dst + 4 * length, &s4, sizeof s4);
    memcpy(dst + 5 * length, &s5, sizeof s5);
    memcpy(dst + 6 * length, &s6, sizeof s6);
    memcpy(dst + 7 * length, &s7, sizeof s7);
}

/* Pixel-channels v0..v1-1, series by series. */
static void transpose_values(const float *src, size_t frame_step, size_t frames, size_t v0,
                             size_t v1, float *dst, size_t length)
{
    for (size_t v = v0; v < v1; v++)
        for (size_t k = 0; k < frames; k++)
            dst[v * length + k] = src[k * frame_step + v];
}

void blz_transpose_series(const float *src, size_t frame_step, size_t frames, size_t n,
                          float *dst, size_t length)
{
    transpose_values(src, frame_step, frames, 0, n, dst, length);
}

/* Values per cache line. */
enum { LINE_VALUES = 64 / sizeof(float) };

/* Ask for the lines of pixel-channels v..v+LINE_VALUES-1 of every frame of the next
 * source while this one is copied. */
static inline void prefetch_line(const float *next, size_t frame_step, size_t frames, size_t v)
{
    for (size_t k = 0; k < frames; k++)
        __builtin_prefetch(next + k * frame_step + v);
}

/* Static: clang resolves a target_clones function only inside its own file. */
HOT_KERNEL static void transpose_frames(const float *src, size_t frame_step, size_t frames,
                                        size_t n, float *dst, size_t length, const float *next)
{
    size_t whole_frames = frames / BLOCK * BLOCK, whole_values = n / BLOCK * BLOCK;
    for (size_t v0 = 0; v0 < whole_values; v0 += LINE_VALUES) {
        size_t v1 = v0 + LINE_VALUES < whole_values ? v0 + LINE_VALUES : whole_values;
        if (next)
            prefetch_line(next, frame_step, frames, v0);
        for (size_t k = 0; k < whole_frames; k += BLOCK)
            for (size_t v = v0; v < v1; v += BLOCK)
                transpose_block(src + k * frame_step + v, frame_step, dst + v * length + k,
                                length);
    }
    transpose_values(src, frame_step, whole_frames, whole_values, n, dst, length);
    transpose_values(src + whole_frames * frame_step, frame_step, frames - whole_frames, 0, n,
                     dst + whole_frames, length);
}

void blz_transpose_frames(const float *src, size_t frame_step, size_t frames, size_t n,
                          float *dst, size_t length, const float *next)
{
    transpose_frames(src, frame_step, frames, n, dst, length, next);
}
