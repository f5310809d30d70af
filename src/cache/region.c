/*
 * region.c - blz_cache_read_region: a rectangle of one frame, assembled from tiles.
 *
 * The rectangle is clipped against each tile of the frame's time block that it
 * touches; each tile's chunk is read once (decoded into buf if compressed) and its rows
 * copied into place.
 */
#include <string.h>

#include "cache/reader.h"
#include "core/error_internal.h"

static int check_region(const blz_cache *c, int64_t t, int32_t x0, int32_t y0, int32_t w,
                        int32_t h)
{
    const blz_layout *l = &c->layout;
    if (t < 0 || t >= l->frames || x0 < 0 || y0 < 0 || w < 1 || h < 1 || x0 > l->width - w ||
        y0 > l->height - h)
        return blz_fail(BLZ_ERR_INVALID, "%s: region %dx%d at (%d, %d) of frame %lld is outside "
                        "the %dx%d x %lld frames", c->path, w, h, x0, y0, (long long)t,
                        l->width, l->height, (long long)l->frames);
    return BLZ_OK;
}

static int32_t min32(int32_t a, int32_t b) { return a < b ? a : b; }
static int32_t max32(int32_t a, int32_t b) { return a > b ? a : b; }

/* Copy the part of tile (ty, tx) inside the region from chunk values. */
static void copy_tile(const blz_layout *l, const float *chunk, int32_t tl, int32_t ty,
                      int32_t tx, int32_t x0, int32_t y0, int32_t w, int32_t h, float *dst)
{
    const size_t C = (size_t)l->channels;
    int32_t ya = max32(y0, ty * l->th), yb = min32(y0 + h, (ty + 1) * l->th);
    int32_t xa = max32(x0, tx * l->tw), xb = min32(x0 + w, (tx + 1) * l->tw);
    for (int32_t y = ya; y < yb; y++) {
        const float *src = chunk + (((size_t)tl * (size_t)l->th + (size_t)(y - ty * l->th)) *
                                        (size_t)l->tw + (size_t)(xa - tx * l->tw)) * C;
        memcpy(dst + ((size_t)(y - y0) * (size_t)w + (size_t)(xa - x0)) * C, src,
               (size_t)(xb - xa) * C * sizeof *dst);
    }
}

int blz_cache_read_region(const blz_cache *c, int64_t t, int32_t x0, int32_t y0, int32_t w,
                          int32_t h, blz_chunk_buf *buf, float *dst)
{
    int st = check_region(c, t, x0, y0, w, h);
    if (st < 0)
        return st;
    const blz_layout *l = &c->layout;
    const int64_t tb = t / l->ct;
    const int32_t tl = (int32_t)(t % l->ct);
    for (int32_t ty = y0 / l->th; ty <= (y0 + h - 1) / l->th; ty++)
        for (int32_t tx = x0 / l->tw; tx <= (x0 + w - 1) / l->tw; tx++) {
            const float *chunk;
            if ((st = blz_cache_chunk(c, blz_chunk_id(l, tb, ty, tx), buf, &chunk)) < 0)
                return st;
            copy_tile(l, chunk, tl, ty, tx, x0, y0, w, h, dst);
        }
    return BLZ_OK;
}
