/*
 * blitz/image_io.h - writing result images: .npy (float32 or float64), 32-bit float
 * TIFF, and 8-bit PNG previews with percentile clipping and colormaps.
 *
 * Images are H x W x C doubles (C = 1 gray or 3 RGB), rows top to bottom, channels
 * interleaved, as blz_reduce() returns them. Every file appears atomically (temporary
 * file in the same folder, fsync, rename): a failed write leaves nothing behind.
 */
#ifndef BLITZ_IMAGE_IO_H
#define BLITZ_IMAGE_IO_H

#include <stdint.h>

#include "blitz/error.h"

#ifdef __cplusplus
extern "C" {
#endif

enum blz_image_format { BLZ_IMAGE_NPY = 1, BLZ_IMAGE_TIFF = 2, BLZ_IMAGE_PNG = 3 };

/* Format from the file name's extension (.npy, .tif, .tiff, .png; any case), or -1. */
int blz_image_format_of(const char *path);

/* Colormaps for gray previews; viridis, magma and inferno follow matplotlib's tables. */
enum blz_colormap { BLZ_CMAP_GRAY = 0, BLZ_CMAP_VIRIDIS, BLZ_CMAP_MAGMA, BLZ_CMAP_INFERNO };
const char *blz_colormap_name(int colormap);
int blz_colormap_from_name(const char *name);   /* -1 if unknown */
/* Colour of position t (0..1, clamped) in colormap, as 8-bit RGB. */
void blz_colormap_rgb(int colormap, double t, uint8_t rgb[3]);

typedef struct blz_image_options {
    int float64;        /* .npy: write float64 instead of float32 */
    double clip_low;    /* .png: percentiles mapped to 0 and 255 (default 0.35, 99.65) */
    double clip_high;
    int colormap;       /* .png of a gray image: enum blz_colormap */
} blz_image_options;

blz_image_options blz_image_defaults(void);

/* Write an image in the format its extension names. */
int blz_image_write(const char *path, const double *values, int32_t height, int32_t width,
                    int32_t channels, const blz_image_options *options);

/* The individual writers. */
int blz_tiff_write_float(const char *path, const double *values, int32_t height,
                         int32_t width, int32_t channels);
int blz_png_write(const char *path, const uint8_t *pixels, int32_t height, int32_t width,
                  int32_t channels);

/* The 8-bit preview of an image: values clipped at the options' percentiles (of the
 * non-NaN values of all channels), scaled to 0..255, NaN as 0; gray images through
 * the colormap (3 channels out unless gray). *out is malloc'd, *out_channels 1 or 3. */
int blz_preview_8bit(const double *values, int32_t height, int32_t width, int32_t channels,
                     const blz_image_options *options, uint8_t **out, int32_t *out_channels);

#ifdef __cplusplus
}
#endif
#endif
