/*
 * view.c - a cache restricted to a rectangle of tiles.
 *
 * A view copies the parent's description, shrinks the layout to the rectangle and
 * builds its own index by mapping each of its chunk ids (tb, ty, tx) to the parent's
 * (tb, ty0 + ty, tx0 + tx). Everything else - the mapping, the frame table, the
 * metadata - is the parent's, so a view costs one index and reads exactly the parent's
 * bytes.
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

int32_t blz_cache_col_offset(const blz_cache *c)
{
    return c->col_offset;
}

/* Pixels first .. end-1 covered by tiles t0..t1-1 of side `side` along an axis of n. */
static int32_t span(int32_t t0, int32_t t1, int32_t side, int32_t n)
{
    int32_t end = t1 * side < n ? t1 * side : n;
    return end - t0 * side;
}

static void view_layout(const blz_layout *p, int32_t ty0, int32_t ty1, int32_t tx0,
                        int32_t tx1, blz_layout *l)
{
    *l = *p;
    l->height = span(ty0, ty1, p->th, p->height);
    l->width = span(tx0, tx1, p->tw, p->width);
    l->ny = ty1 - ty0;
    l->nx = tx1 - tx0;
    l->chunks = l->nt * l->ny * l->nx;
    l->frame_values = (size_t)l->height * (size_t)l->width * (size_t)l->channels;
}

static int remap_index(blz_cache *v, const blz_cache *parent, int32_t ty0, int32_t tx0)
{
    v->entries = malloc((size_t)v->layout.chunks * sizeof *v->entries);
    if (!v->entries)
        return blz_fail(BLZ_ERR_NOMEM, "%s: cannot allocate a view's index", parent->path);
    for (int64_t tb = 0; tb < v->layout.nt; tb++)
        for (int32_t ty = 0; ty < v->layout.ny; ty++)
            for (int32_t tx = 0; tx < v->layout.nx; tx++)
                v->entries[blz_chunk_id(&v->layout, tb, ty, tx)] =
                    parent->entries[blz_chunk_id(&parent->layout, tb, ty0 + ty, tx0 + tx)];
    return BLZ_OK;
}

static int check_rectangle(const blz_cache *parent, int32_t ty0, int32_t ty1, int32_t tx0,
                           int32_t tx1)
{
    const blz_layout *p = &parent->layout;
    if (parent->parent)
        return blz_fail(BLZ_ERR_INVALID, "%s: a view of a view is not supported", parent->path);
    if (ty0 < 0 || ty1 <= ty0 || ty1 > p->ny)
        return blz_fail(BLZ_ERR_INVALID, "%s: tile rows %d..%d outside 0..%d", parent->path,
                        ty0, ty1 - 1, p->ny - 1);
    if (tx0 < 0 || tx1 <= tx0 || tx1 > p->nx)
        return blz_fail(BLZ_ERR_INVALID, "%s: tile columns %d..%d outside 0..%d",
                        parent->path, tx0, tx1 - 1, p->nx - 1);
    return BLZ_OK;
}

/* "PATH[rows a..b, columns c..d]" for messages. */
static char *view_name(const blz_cache *parent, const blz_cache *v)
{
    size_t n = strlen(parent->path) + 64;
    char *name = malloc(n);
    if (name)
        snprintf(name, n, "%s[rows %d..%d, columns %d..%d]", parent->path, v->row_offset,
                 v->row_offset + v->layout.height - 1, v->col_offset,
                 v->col_offset + v->layout.width - 1);
    return name;
}

int blz_cache_open_tiles(blz_cache **out, const blz_cache *parent, int32_t ty0, int32_t ty1,
                         int32_t tx0, int32_t tx1)
{
    *out = NULL;
    int st = check_rectangle(parent, ty0, ty1, tx0, tx1);
    if (st != BLZ_OK)
        return st;
    blz_cache *v = malloc(sizeof *v);
    if (!v)
        return blz_fail(BLZ_ERR_NOMEM, "%s: out of memory", parent->path);
    *v = *parent;
    v->parent = parent;
    v->row_offset = ty0 * parent->layout.th;
    v->col_offset = tx0 * parent->layout.tw;
    v->entries = NULL;
    view_layout(&parent->layout, ty0, ty1, tx0, tx1, &v->layout);
    v->path = view_name(parent, v);
    st = v->path ? remap_index(v, parent, ty0, tx0)
                 : blz_fail(BLZ_ERR_NOMEM, "%s: out of memory", parent->path);
    if (st != BLZ_OK) {
        blz_cache_close(v);
        return st;
    }
    *out = v;
    return BLZ_OK;
}

int blz_cache_open_rows(blz_cache **out, const blz_cache *parent, int32_t ty0, int32_t ty1)
{
    return blz_cache_open_tiles(out, parent, ty0, ty1, 0, parent->layout.nx);
}
