/*
 * image_io.c - result images by file extension, and 8-bit previews: percentile
 * clipping (ImageJ's 0.35 % saturation by default) and colormaps.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "blitz/image_io.h"
#include "blitz/npy.h"
#include "core/checked.h"
#include "core/error_internal.h"
#include "io/map8.h"
#include "query/select.h"

int blz_image_format_of(const char *path)
{
    static const struct { const char *ext; int format; } kinds[] = {
        { ".npy", BLZ_IMAGE_NPY }, { ".tif", BLZ_IMAGE_TIFF }, { ".tiff", BLZ_IMAGE_TIFF },
        { ".png", BLZ_IMAGE_PNG },
    };
    const char *dot = strrchr(path, '.');
    for (size_t i = 0; dot && i < sizeof kinds / sizeof kinds[0]; i++)
        if (strcasecmp(dot, kinds[i].ext) == 0)
            return kinds[i].format;
    return -1;
}

blz_image_options blz_image_defaults(void)
{
    return (blz_image_options){ .clip_low = 0.35, .clip_high = 99.65,
                                .colormap = BLZ_CMAP_GRAY };
}

/* The clip_low and clip_high percentiles of the non-NaN values (NaN if none). */
static int clip_range(const double *values, size_t n, const blz_image_options *o, double *lo,
                      double *hi)
{
    float *copy = malloc((n ? n : 1) * sizeof *copy);
    uint32_t *counts = malloc(BLZ_SELECT_COUNTS * sizeof *counts);
    if (!copy || !counts) {
        free(copy);
        free(counts);
        return blz_fail(BLZ_ERR_NOMEM, "out of memory for a preview of %zu values", n);
    }
    for (size_t i = 0; i < n; i++)
        copy[i] = (float)values[i];
    *lo = blz_select_percentile(copy, n, o->clip_low, true, counts);
    for (size_t i = 0; i < n; i++)
        copy[i] = (float)values[i];
    *hi = blz_select_percentile(copy, n, o->clip_high, true, counts);
    free(copy);
    free(counts);
    return BLZ_OK;
}

int blz_preview_8bit(const double *values, int32_t height, int32_t width, int32_t channels,
                     const blz_image_options *o, uint8_t **out, int32_t *out_channels)
{
    if (!(o->clip_low >= 0 && o->clip_low < o->clip_high && o->clip_high <= 100))
        return blz_fail(BLZ_ERR_INVALID, "clip percentiles %g,%g: need 0 <= low < high <= 100",
                        o->clip_low, o->clip_high);
    blz_map8 map;
    int st = blz_map8_init(&map, o->colormap, channels);
    size_t n = 0;
    if (st == BLZ_OK && !blz_mul3_size((size_t)height, (size_t)width, (size_t)channels, &n))
        st = blz_fail(BLZ_ERR_RANGE, "preview size overflows");
    double lo = 0, hi = 0;
    if (st == BLZ_OK)
        st = clip_range(values, n, o, &lo, &hi);
    if (st != BLZ_OK)
        return st;
    blz_map8_range(&map, lo, hi);
    *out_channels = map.out_channels;
    *out = malloc(n * map.bytes_per_value);
    if (!*out)
        return blz_fail(BLZ_ERR_NOMEM, "out of memory for a preview of %zu values", n);
    for (size_t i = 0; i < n; i++)
        blz_map8_value(&map, values[i], *out + i * map.bytes_per_value);
    return BLZ_OK;
}

static int write_png_preview(const char *path, const double *values, int32_t height,
                             int32_t width, int32_t channels, const blz_image_options *o)
{
    uint8_t *pixels;
    int32_t out_channels;
    int st = blz_preview_8bit(values, height, width, channels, o, &pixels, &out_channels);
    if (st != BLZ_OK) {
        char why[256];
        blz_errmsg_copy(why, sizeof why);
        return blz_fail(st, "%s: %s", path, why);
    }
    st = blz_png_write(path, pixels, height, width, out_channels);
    free(pixels);
    return st;
}

static int write_npy(const char *path, const double *values, int32_t height, int32_t width,
                     int32_t channels, int float64)
{
    int64_t shape[3] = { height, width, channels };
    int ndim = channels == 1 ? 2 : 3;
    if (float64)
        return blz_npy_write(path, BLZ_DTYPE_F64, values, ndim, shape);
    size_t n = (size_t)height * (size_t)width * (size_t)channels;
    float *f = malloc(n * sizeof *f);
    if (!f)
        return blz_fail(BLZ_ERR_NOMEM, "%s: out of memory for float32 output", path);
    for (size_t i = 0; i < n; i++)
        f[i] = (float)values[i];
    int st = blz_npy_write(path, BLZ_DTYPE_F32, f, ndim, shape);
    free(f);
    return st;
}

int blz_image_write(const char *path, const double *values, int32_t height, int32_t width,
                    int32_t channels, const blz_image_options *o)
{
    size_t n;
    if (height < 1 || width < 1 || (channels != 1 && channels != 3)
        || !blz_mul3_size((size_t)height, (size_t)width, (size_t)channels, &n))
        return blz_fail(BLZ_ERR_INVALID, "%s: cannot write a %dx%dx%d image", path, height,
                        width, channels);
    switch (blz_image_format_of(path)) {
    case BLZ_IMAGE_NPY:
        return write_npy(path, values, height, width, channels, o->float64);
    case BLZ_IMAGE_TIFF:
        return blz_tiff_write_float(path, values, height, width, channels);
    case BLZ_IMAGE_PNG:
        return write_png_preview(path, values, height, width, channels, o);
    default:
        return blz_fail(BLZ_ERR_UNSUPPORTED, "%s: unknown output type (use .npy, .tif or .png)",
                        path);
    }
}
