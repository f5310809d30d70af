/*
 * frames.c - resolving a frame range against a cache and mapping it onto time blocks.
 */
#include "query/frames.h"

#include "core/checked.h"
#include "core/error_internal.h"

int blz_selection_resolve(const blz_layout *layout, const blz_frame_range *range,
                          const char *path, blz_selection *sel)
{
    int64_t stop = range->stop < 0 ? layout->frames : range->stop;
    if (range->step < 1)
        return blz_fail(BLZ_ERR_INVALID, "%s: frame step %lld: must be 1 or more", path,
                        (long long)range->step);
    if (range->start < 0 || range->start >= layout->frames)
        return blz_fail(BLZ_ERR_INVALID, "%s: first frame %lld: the cache has frames 0..%lld",
                        path, (long long)range->start, (long long)layout->frames - 1);
    if (stop > layout->frames)
        return blz_fail(BLZ_ERR_INVALID, "%s: stop frame %lld: past the last frame (%lld frames)",
                        path, (long long)stop, (long long)layout->frames);
    if (stop <= range->start)
        return blz_fail(BLZ_ERR_EMPTY, "%s: frames %lld:%lld select no frame", path,
                        (long long)range->start, (long long)stop);
    sel->start = range->start;
    sel->stop = stop;
    sel->step = range->step;
    sel->count = blz_div_ceil(stop - range->start, range->step);
    sel->ct = layout->ct;
    sel->first_block = sel->start / sel->ct;
    sel->last_block = (sel->start + (sel->count - 1) * sel->step) / sel->ct;
    return BLZ_OK;
}

void blz_selection_in_block(const blz_selection *sel, int64_t tb, int64_t *first,
                            int64_t *count)
{
    int64_t lo = tb * sel->ct, hi = lo + sel->ct;
    if (hi > sel->stop)
        hi = sel->stop;
    int64_t t = sel->start;
    if (lo > t)
        t = sel->start + blz_div_ceil(lo - sel->start, sel->step) * sel->step;
    *first = t;
    *count = t < hi ? blz_div_ceil(hi - t, sel->step) : 0;
}

int64_t blz_selection_next_block(const blz_selection *sel, int64_t tb)
{
    if (tb < sel->first_block)
        return sel->first_block;
    if (tb > sel->last_block)
        return sel->last_block + 1;
    int64_t first, count;
    blz_selection_in_block(sel, tb, &first, &count);
    if (count > 0)
        return tb;
    /* The next selected frame after block tb's start decides the block. */
    return first / sel->ct <= sel->last_block ? first / sel->ct : sel->last_block + 1;
}

int64_t blz_selection_blocks(const blz_selection *sel)
{
    if (sel->step <= sel->ct) {
        /* Every block between the first and last holds a selected frame. */
        return sel->last_block - sel->first_block + 1;
    }
    /* With steps longer than a block each selected frame lies in its own block. */
    return sel->count;
}
