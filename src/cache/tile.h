/*
 * tile.h - cutting one chunk out of a time block of whole frames.
 */
#ifndef BLITZ_CACHE_TILE_H
#define BLITZ_CACHE_TILE_H

#include <stdint.h>

#include "blitz/cache.h"

/* Copy tile (ty, tx) of the time block (ct frames of H*W*C values, the first valid of
 * them filled) into chunk (layout->chunk_values), in chunk order; rows and columns past
 * the frame edge and frames from valid on are zero. */
void blz_tile_extract(const blz_layout *layout, const float *block, int32_t valid,
                      int32_t ty, int32_t tx, float *chunk);

#endif
