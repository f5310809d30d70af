/*
 * tiff_write.c - 32-bit float TIFF files (SAMPLEFORMAT_IEEEFP, one page, gray or RGB,
 * contiguous samples), written through libtiff into an atomic temporary file.
 */
#include <stdlib.h>
#include <tiffio.h>
#include <unistd.h>

#include "blitz/image_io.h"
#include "core/atomic_file.h"
#include "core/error_internal.h"

static int set_fields(TIFF *tif, int32_t height, int32_t width, int32_t channels)
{
    return TIFFSetField(tif, TIFFTAG_IMAGEWIDTH, (uint32_t)width)
           && TIFFSetField(tif, TIFFTAG_IMAGELENGTH, (uint32_t)height)
           && TIFFSetField(tif, TIFFTAG_SAMPLESPERPIXEL, (uint16_t)channels)
           && TIFFSetField(tif, TIFFTAG_BITSPERSAMPLE, (uint16_t)32)
           && TIFFSetField(tif, TIFFTAG_SAMPLEFORMAT, SAMPLEFORMAT_IEEEFP)
           && TIFFSetField(tif, TIFFTAG_PHOTOMETRIC,
                           channels == 3 ? PHOTOMETRIC_RGB : PHOTOMETRIC_MINISBLACK)
           && TIFFSetField(tif, TIFFTAG_PLANARCONFIG, PLANARCONFIG_CONTIG)
           && TIFFSetField(tif, TIFFTAG_COMPRESSION, COMPRESSION_NONE)
           && TIFFSetField(tif, TIFFTAG_ROWSPERSTRIP, TIFFDefaultStripSize(tif, 0));
}

/* Rows converted to float32 one at a time. */
static int write_rows(TIFF *tif, const double *values, int32_t height, size_t row_values)
{
    float *row = malloc(row_values * sizeof *row);
    if (!row)
        return 0;
    int ok = 1;
    for (int32_t y = 0; ok && y < height; y++) {
        for (size_t i = 0; i < row_values; i++)
            row[i] = (float)values[(size_t)y * row_values + i];
        ok = TIFFWriteScanline(tif, row, (uint32_t)y, 0) == 1;
    }
    free(row);
    return ok;
}

int blz_tiff_write_float(const char *path, const double *values, int32_t height,
                         int32_t width, int32_t channels)
{
    if (height < 1 || width < 1 || (channels != 1 && channels != 3))
        return blz_fail(BLZ_ERR_INVALID, "%s: cannot write a %dx%dx%d TIFF", path, height,
                        width, channels);
    blz_atomic_file f;
    int st = blz_atomic_open(&f, path);
    if (st != BLZ_OK)
        return st;
    int fd = dup(f.fd); /* TIFFClose closes the descriptor it was given */
    TIFF *tif = fd >= 0 ? TIFFFdOpen(fd, path, "w") : NULL;
    if (!tif) {
        if (fd >= 0)
            close(fd);
        blz_atomic_abort(&f);
        return blz_fail(BLZ_ERR_CREATE, "%s: libtiff cannot start the file", path);
    }
    int ok = set_fields(tif, height, width, channels)
             && write_rows(tif, values, height, (size_t)width * (size_t)channels);
    ok = TIFFFlush(tif) == 1 && ok;
    TIFFClose(tif);
    if (!ok) {
        blz_atomic_abort(&f);
        return blz_fail(BLZ_ERR_IO, "%s: libtiff failed to write the image", path);
    }
    return blz_atomic_commit(&f);
}
