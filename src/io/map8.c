/*
 * map8.c - setting up the 8-bit mapping of PNG output (see map8.h).
 */
#include "io/map8.h"

#include <stdbool.h>

#include "core/error_internal.h"

int blz_map8_init(blz_map8 *m, int colormap, int32_t channels)
{
    if (!blz_colormap_name(colormap) || (channels == 3 && colormap != BLZ_CMAP_GRAY))
        return blz_fail(BLZ_ERR_INVALID, "colormap %d: only gray images take a colormap",
                        colormap);
    bool expands = colormap != BLZ_CMAP_GRAY;
    *m = (blz_map8){ .colormap = colormap, .out_channels = expands ? 3 : channels,
                     .bytes_per_value = expands ? 3 : 1 };
    return BLZ_OK;
}

void blz_map8_range(blz_map8 *m, double lo, double hi)
{
    m->lo = lo;
    m->scale = hi > lo ? 1.0 / (hi - lo) : 0.0;
}
