/*
 * tile.c - tiling: gathering a chunk's rows from whole frames, zero-padding the edges.
 *
 * Each row of a chunk is one contiguous run of a frame row (tw * C values), so the copy
 * is a memcpy per row; the edge tiles and the frames past the end of the last time
 * block are filled with zeros, as docs/FORMAT.md prescribes.
 */
#include <string.h>

#include "cache/tile.h"

void blz_tile_extract(const blz_layout *l, const float *block, int32_t valid, int32_t ty,
                      int32_t tx, float *chunk)
{
    const size_t row_values = (size_t)l->tw * (size_t)l->channels;
    const int32_t y0 = ty * l->th, x0 = tx * l->tw;
    const int32_t rows = l->height - y0 < l->th ? l->height - y0 : l->th;
    const int32_t cols = l->width - x0 < l->tw ? l->width - x0 : l->tw;
    const size_t copy = (size_t)cols * (size_t)l->channels;
    for (int32_t t = 0; t < l->ct; t++) {
        const float *frame = block + (size_t)t * l->frame_values;
        for (int32_t y = 0; y < l->th; y++) {
            float *dst = chunk + ((size_t)t * (size_t)l->th + (size_t)y) * row_values;
            size_t filled = 0;
            if (t < valid && y < rows) {
                const float *src = frame + ((size_t)(y0 + y) * (size_t)l->width + (size_t)x0) *
                                               (size_t)l->channels;
                memcpy(dst, src, copy * sizeof *dst);
                filled = copy;
            }
            memset(dst + filled, 0, (row_values - filled) * sizeof *dst);
        }
    }
}
