/*
 * map8.h - the 8-bit mapping of PNG output, shared by the previews of result images
 * and the PNG sequences of an export: value lo -> 0 and hi -> 255, linear in between
 * and clamped outside (lrint of t * 255 with t = (v - lo) * (1 / (hi - lo))), NaN as
 * lo. Gray values go through the colormap (RGB out unless it is gray); RGB values are
 * mapped channel by channel and take no colormap.
 */
#ifndef BLITZ_IO_MAP8_H
#define BLITZ_IO_MAP8_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "blitz/image_io.h"

typedef struct blz_map8 {
    double lo, scale;         /* t = (v - lo) * scale; scale 0 when hi <= lo */
    int colormap;
    int32_t out_channels;     /* 1 or 3 */
    size_t bytes_per_value;   /* out bytes per input value: 1, or 3 through a colormap */
} blz_map8;

/* The mapping for images of channels (1 or 3) values per pixel through colormap:
 * BLZ_ERR_INVALID for an unknown colormap or one given to a colour image. */
int blz_map8_init(blz_map8 *m, int colormap, int32_t channels);

/* The values mapped to 0 and 255. */
void blz_map8_range(blz_map8 *m, double lo, double hi);

/* Value v into out[0 .. bytes_per_value). */
static inline void blz_map8_value(const blz_map8 *m, double v, uint8_t *out)
{
    uint8_t rgb[3];
    blz_colormap_rgb(m->colormap, v != v ? 0.0 : (v - m->lo) * m->scale, rgb);
    memcpy(out, rgb, m->bytes_per_value);
}

#endif
