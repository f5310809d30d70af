/*
 * plane_sums.c - float32 sums over a chunk's frames straight from the byte planes LZ4
 * leaves of a shuffle-lz4 chunk, without putting the chunk's floats back together in
 * memory. Each frame's bytes of 16, 32 or 64 values of a row are put together in
 * registers by two rounds of in-lane byte interleaves (8 per frame, where the 16-value
 * blocks of the other folds take 22 per 16 values) and added as floats; the sums go to
 * the caller's double sums once, after the last frame. As many values at a time as the
 * processor's vectors shuffle bytes in one instruction: 64 with AVX-512's byte
 * instructions (x86-64-v4), 32 with AVX2 (v3), 16 on the baseline. The same code at
 * each width (plane_sums_template.h), each compiled only for its level, chosen at run
 * time: a compiler turns a shuffle wider than the vectors into byte moves.
 */
#include "query/plane_sums.h"

#include <stdbool.h>
#include <string.h>

#include "core/hot_kernel.h"

/* Frames copied at once for a row's last values (plane_sums_template.h). */
enum { TAIL_FRAMES = 16 };

typedef float floats8 __attribute__((vector_size(32)));
typedef double doubles8 __attribute__((vector_size(64)));

/* Byte interleaves of two vectors, in each 16-byte lane: the lane's low (LO) or high
 * (HI) 8 bytes of the first, each followed by the same byte of the second. */
#define PAIR(width, i) (i), (width) + (i)
#define HALF_LANE(width, b) PAIR(width, b), PAIR(width, (b) + 1), PAIR(width, (b) + 2), \
    PAIR(width, (b) + 3), PAIR(width, (b) + 4), PAIR(width, (b) + 5), \
    PAIR(width, (b) + 6), PAIR(width, (b) + 7)
#define INTERLEAVE_LO_16 HALF_LANE(16, 0)
#define INTERLEAVE_HI_16 HALF_LANE(16, 8)
#define INTERLEAVE_LO_32 HALF_LANE(32, 0), HALF_LANE(32, 16)
#define INTERLEAVE_HI_32 HALF_LANE(32, 8), HALF_LANE(32, 24)
#define INTERLEAVE_LO_64 HALF_LANE(64, 0), HALF_LANE(64, 16), HALF_LANE(64, 32), \
    HALF_LANE(64, 48)
#define INTERLEAVE_HI_64 HALF_LANE(64, 8), HALF_LANE(64, 24), HALF_LANE(64, 40), \
    HALF_LANE(64, 56)

#define PLANE_WIDTH 16
#define PLANE_KERNEL
#include "query/plane_sums_template.h"
#undef PLANE_WIDTH
#undef PLANE_KERNEL

#define PLANE_WIDTH 32
#define PLANE_KERNEL BLZ_TARGET_V3
#include "query/plane_sums_template.h"
#undef PLANE_WIDTH
#undef PLANE_KERNEL

#define PLANE_WIDTH 64
#define PLANE_KERNEL BLZ_TARGET_V4
#include "query/plane_sums_template.h"
#undef PLANE_WIDTH
#undef PLANE_KERNEL

bool blz_plane_sums_row_at(int width, const unsigned char *first, size_t plane,
                           size_t stride, int64_t frames, size_t n, double *a)
{
    if (width == 64 && blz_has_v4())
        plane_sums_row_64(first, plane, stride, frames, n, a);
    else if (width == 32 && blz_has_v3())
        plane_sums_row_32(first, plane, stride, frames, n, a);
    else if (width == 16)
        plane_sums_row_16(first, plane, stride, frames, n, a);
    else
        return false;
    return true;
}

void blz_plane_sums_row(const unsigned char *first, size_t plane, size_t stride,
                        int64_t frames, size_t n, double *a)
{
    if (!blz_plane_sums_row_at(64, first, plane, stride, frames, n, a) &&
        !blz_plane_sums_row_at(32, first, plane, stride, frames, n, a))
        blz_plane_sums_row_at(16, first, plane, stride, frames, n, a);
}
