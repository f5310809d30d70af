/*
 * frames.h - the frames a query selects (start:stop:step) and how they fall into the
 * cache's time blocks.
 *
 * The scheduler walks time blocks; these helpers say which blocks hold a selected
 * frame and which frames of a block are selected, so whole blocks without a selected
 * frame are never touched and frames between steps are skipped inside a block.
 */
#ifndef BLITZ_QUERY_FRAMES_H
#define BLITZ_QUERY_FRAMES_H

#include <stdbool.h>
#include <stdint.h>

#include "blitz/cache.h"
#include "blitz/query.h"

/* A resolved selection: start < stop <= frames, step >= 1, count >= 1. */
typedef struct blz_selection {
    int64_t start, stop, step;
    int64_t count;          /* number of selected frames */
    int64_t ct;             /* frames per time block of the cache */
    int64_t first_block;    /* time block of the first selected frame */
    int64_t last_block;     /* time block of the last selected frame */
} blz_selection;

/* Check range against the layout and resolve stop = -1; BLZ_ERR_INVALID / BLZ_ERR_EMPTY
 * with a message naming path otherwise. */
int blz_selection_resolve(const blz_layout *layout, const blz_frame_range *range,
                          const char *path, blz_selection *sel);

/* The selected frames inside time block tb: the first one (absolute frame index) and
 * how many. *count is 0 when the block holds none. */
void blz_selection_in_block(const blz_selection *sel, int64_t tb, int64_t *first,
                            int64_t *count);

/* The first time block >= tb that holds a selected frame, or last_block + 1. */
int64_t blz_selection_next_block(const blz_selection *sel, int64_t tb);

/* Number of time blocks holding a selected frame. */
int64_t blz_selection_blocks(const blz_selection *sel);

/* Position of selected frame t in the selection (0 .. count-1). */
static inline int64_t blz_selection_position(const blz_selection *sel, int64_t t)
{
    return (t - sel->start) / sel->step;
}

#endif
