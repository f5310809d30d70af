/*
 * view.c - a cache restricted to a band of tile rows.
 *
 * A view copies the parent's description, shrinks the layout to the band and builds
 * its own index by mapping each of its chunk ids (tb, ty, tx) to the parent's
 * (tb, ty0 + ty, tx). Everything else - the mapping, the frame table, the metadata - is
 * the parent's, so a view costs one index and reads exactly the parent's bytes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cache/reader.h"
#include "core/error_internal.h"

int32_t blz_cache_row_offset(const blz_cache *c)
{
    return c->row_offset;
}

/* The band's layout: rows ty0..ty1-1 of the parent's tile grid. */
static void band_layout(const blz_layout *p, int32_t ty0, int32_t ty1, blz_layout *l)
{
    *l = *p;
    int32_t y0 = ty0 * p->th;
    int32_t y1 = ty1 * p->th < p->height ? ty1 * p->th : p->height;
    l->height = y1 - y0;
    l->ny = ty1 - ty0;
    l->chunks = l->nt * l->ny * l->nx;
    l->frame_values = (size_t)l->height * (size_t)l->width * (size_t)l->channels;
}

static int remap_index(blz_cache *v, const blz_cache *parent, int32_t ty0)
{
    v->entries = malloc((size_t)v->layout.chunks * sizeof *v->entries);
    if (!v->entries)
        return blz_fail(BLZ_ERR_NOMEM, "%s: cannot allocate a view's index", parent->path);
    for (int64_t tb = 0; tb < v->layout.nt; tb++)
        for (int32_t ty = 0; ty < v->layout.ny; ty++)
            for (int32_t tx = 0; tx < v->layout.nx; tx++)
                v->entries[blz_chunk_id(&v->layout, tb, ty, tx)] =
                    parent->entries[blz_chunk_id(&parent->layout, tb, ty0 + ty, tx)];
    return BLZ_OK;
}

int blz_cache_open_rows(blz_cache **out, const blz_cache *parent, int32_t ty0, int32_t ty1)
{
    *out = NULL;
    const blz_layout *p = &parent->layout;
    if (parent->parent)
        return blz_fail(BLZ_ERR_INVALID, "%s: a view of a view is not supported", parent->path);
    if (ty0 < 0 || ty1 <= ty0 || ty1 > p->ny)
        return blz_fail(BLZ_ERR_INVALID, "%s: tile rows %d..%d outside 0..%d", parent->path,
                        ty0, ty1 - 1, p->ny - 1);
    blz_cache *v = malloc(sizeof *v);
    if (!v)
        return blz_fail(BLZ_ERR_NOMEM, "%s: out of memory", parent->path);
    *v = *parent;
    v->parent = parent;
    v->row_offset = ty0 * p->th;
    v->entries = NULL;
    band_layout(p, ty0, ty1, &v->layout);
    size_t n = strlen(parent->path) + 32;
    v->path = malloc(n);
    if (v->path)
        snprintf(v->path, n, "%s[rows %d..%d]", parent->path, v->row_offset,
                 v->row_offset + v->layout.height - 1);
    int st = v->path ? remap_index(v, parent, ty0)
                     : blz_fail(BLZ_ERR_NOMEM, "%s: out of memory", parent->path);
    if (st != BLZ_OK) {
        blz_cache_close(v);
        return st;
    }
    *out = v;
    return BLZ_OK;
}
