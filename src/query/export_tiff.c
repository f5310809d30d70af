/*
 * export_tiff.c - processed frames written as a multi-page float TIFF through
 * libtiff into an atomic temporary file: each output frame comes whole from the frame
 * walk and becomes one page (SAMPLEFORMAT_IEEEFP, gray or RGB, contiguous samples).
 */
#include "query/export_tiff.h"

#include <fcntl.h>
#include <tiffio.h>
#include <unistd.h>

#include "core/atomic_file.h"
#include "core/error_internal.h"
#include "query/framewalk.h"

typedef struct tiff_run {
    TIFF *tif;
    const blz_layout *layout;
} tiff_run;

static int set_page_fields(TIFF *tif, const blz_layout *l)
{
    return TIFFSetField(tif, TIFFTAG_IMAGEWIDTH, (uint32_t)l->width)
           && TIFFSetField(tif, TIFFTAG_IMAGELENGTH, (uint32_t)l->height)
           && TIFFSetField(tif, TIFFTAG_SAMPLESPERPIXEL, (uint16_t)l->channels)
           && TIFFSetField(tif, TIFFTAG_BITSPERSAMPLE, (uint16_t)32)
           && TIFFSetField(tif, TIFFTAG_SAMPLEFORMAT, SAMPLEFORMAT_IEEEFP)
           && TIFFSetField(tif, TIFFTAG_PHOTOMETRIC,
                           l->channels == 3 ? PHOTOMETRIC_RGB : PHOTOMETRIC_MINISBLACK)
           && TIFFSetField(tif, TIFFTAG_PLANARCONFIG, PLANARCONFIG_CONTIG)
           && TIFFSetField(tif, TIFFTAG_COMPRESSION, COMPRESSION_NONE)
           && TIFFSetField(tif, TIFFTAG_SUBFILETYPE, FILETYPE_PAGE)
           && TIFFSetField(tif, TIFFTAG_ROWSPERSTRIP, TIFFDefaultStripSize(tif, 0));
}

/* One whole output frame becomes a page. */
static int page_sink(void *ctx, int64_t n, int32_t y0, int32_t rows, const float *values)
{
    (void)n;
    (void)y0;
    const tiff_run *run = ctx;
    size_t row_values = (size_t)run->layout->width * (size_t)run->layout->channels;
    int ok = set_page_fields(run->tif, run->layout);
    for (int32_t y = 0; ok && y < rows; y++)
        ok = TIFFWriteScanline(run->tif, (void *)(values + (size_t)y * row_values),
                               (uint32_t)y, 0) == 1;
    ok = ok && TIFFWriteDirectory(run->tif) == 1;
    return ok ? BLZ_OK : blz_fail(BLZ_ERR_IO, "%s: libtiff failed to write page %lld",
                                  TIFFFileName(run->tif), (long long)n);
}

int blz_export_tiff(const blz_stages *st, const blz_walk_options *w, const char *path)
{
    const blz_layout *l = st->layout;
    double bytes = (double)st->geom.outputs * (double)l->frame_values * sizeof(float);
    blz_atomic_file f;
    int rc = blz_atomic_open(&f, path);
    if (rc != BLZ_OK)
        return rc;
    /* A descriptor of its own for libtiff (TIFFClose closes it), opened for reading
     * too: linking each page's directory reads the previous one back. */
    int fd = open(f.tmp_path, O_RDWR | O_CLOEXEC);
    /* Classic TIFF offsets are 32-bit: BigTIFF beyond 4 GiB (headroom for the pages'
     * directories). */
    TIFF *tif = fd >= 0 ? TIFFFdOpen(fd, path, bytes > 4.0e9 ? "w8" : "w") : NULL;
    if (!tif) {
        if (fd >= 0)
            close(fd);
        blz_atomic_abort(&f);
        return blz_fail(BLZ_ERR_CREATE, "%s: libtiff cannot start the file", path);
    }
    tiff_run run = { tif, l };
    blz_region region = { 0, 0, l->width, l->height };
    rc = blz_frame_walk(st, &region, w, page_sink, &run);
    int flushed = TIFFFlush(tif) == 1;
    TIFFClose(tif);
    if (rc == BLZ_OK && !flushed)
        rc = blz_fail(BLZ_ERR_IO, "%s: libtiff failed to finish the file", path);
    if (rc != BLZ_OK) {
        blz_atomic_abort(&f);
        return rc;
    }
    return blz_atomic_commit(&f);
}
