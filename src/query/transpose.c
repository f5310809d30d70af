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

/* One 8 x 8 block: row k at src + k * frame_step becomes column k of the 8 series at
 * dst + v * length. Interleave pairs of rows, then pairs of pairs, then halves. */
static inline __attribute__((always_inline)) void transpose_block(const float *src,
                                                                  size_t frame_step,
                                                                  float *dst, size_t length)
{
    vec8 r[BLOCK], a[BLOCK], b[BLOCK];
    for (int k = 0; k < BLOCK; k++)
        memcpy(&r[k], src + (size_t)k * frame_step, sizeof r[k]);
    for (int k = 0; k < BLOCK; k += 2) {
        a[k] = __builtin_shufflevector(r[k], r[k + 1], 0, 8, 1, 9, 4, 12, 5, 13);
        a[k + 1] = __builtin_shufflevector(r[k], r[k + 1], 2, 10, 3, 11, 6, 14, 7, 15);
    }
    for (int k = 0; k < BLOCK; k += 4)
        for (int j = 0; j < 2; j++) {
            b[k + j] = __builtin_shufflevector(a[k + j], a[k + j + 2], 0, 1, 8, 9, 4, 5, 12, 13);
            b[k + j + 2] = __builtin_shufflevector(a[k + j], a[k + j + 2], 2, 3, 10, 11, 6, 7,
                                                   14, 15);
        }
    /* b[0..3] hold pixel-channels (0,4), (2,6), (1,5), (3,7) of frames 0..3 in their
     * halves, b[4..7] the same of frames 4..7. */
    static const int order[4] = { 0, 2, 1, 3 };
    for (int i = 0; i < 4; i++) {
        vec8 lo = __builtin_shufflevector(b[i], b[i + 4], 0, 1, 2, 3, 8, 9, 10, 11);
        vec8 hi = __builtin_shufflevector(b[i], b[i + 4], 4, 5, 6, 7, 12, 13, 14, 15);
        memcpy(dst + (size_t)order[i] * length, &lo, sizeof lo);
        memcpy(dst + (size_t)(order[i] + 4) * length, &hi, sizeof hi);
    }
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

HOT_KERNEL void blz_transpose_frames(const float *src, size_t frame_step, size_t frames,
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
