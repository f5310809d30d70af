/*
 * tiff_stack.c - multi-page TIFF files as a frame source, through libtiff.
 *
 * Every page (image file directory) is a frame; a single-page TIFF is a one-frame stack.
 * Samples of 8, 16, 32 or 64 bits (unsigned, signed or float), gray (MinIsBlack, or
 * MinIsWhite, which is inverted so that larger means brighter) or RGB with any extra
 * samples (alpha is dropped), interleaved or planar, in strips or tiles, with any codec
 * libtiff was built with, classic or BigTIFF. A page is decoded into a native sample
 * buffer, then converted row by row (samples.h). All pages must have the first page's
 * size and sample format. libtiff's messages go to this source's error text, never to
 * stderr: the file is opened with its own error and warning handlers.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <tiffio.h>
#include <unistd.h>

#include "blitz/npy.h"
#include "core/checked.h"
#include "core/error_internal.h"
#include "ingest/samples.h"
#include "ingest/source.h"

/* What must be equal on every page. */
typedef struct page_format {
    uint32_t width, height;
    uint16_t bits, spp, sample_format, photometric;
} page_format;

typedef struct tiff_stack {
    TIFF *tif;
    char *path;                  /* for messages */
    char message[256];           /* libtiff's last error on this file */
    page_format first;
    int dtype;                   /* enum blz_dtype of the samples */
    int channels_in;             /* 1 gray or 3 RGB channels read from each pixel */
    int rgb;                     /* deliver R, G, B (gray repeated in all three) */
    int skip_bad;
    int64_t pages, page;         /* page count; the current directory */
    unsigned char *samples;      /* one page of native samples, planes as stored */
    size_t sample_bytes;         /* bytes per sample */
    unsigned char *tile;         /* one decoded tile */
    float *frame, *scratch;
} tiff_stack;

static int on_libtiff_error(TIFF *tif, void *user, const char *module, const char *fmt,
                            va_list ap)
{
    (void)tif;
    (void)module;
    tiff_stack *ts = user;
    vsnprintf(ts->message, sizeof ts->message, fmt, ap);
    return 1;
}

static int on_libtiff_warning(TIFF *tif, void *user, const char *module, const char *fmt,
                              va_list ap)
{
    (void)tif;
    (void)user;
    (void)module;
    (void)fmt;
    (void)ap;
    return 1;
}

static void page_format_read(TIFF *tif, page_format *f)
{
    TIFFGetFieldDefaulted(tif, TIFFTAG_IMAGEWIDTH, &f->width);
    TIFFGetFieldDefaulted(tif, TIFFTAG_IMAGELENGTH, &f->height);
    TIFFGetFieldDefaulted(tif, TIFFTAG_BITSPERSAMPLE, &f->bits);
    TIFFGetFieldDefaulted(tif, TIFFTAG_SAMPLESPERPIXEL, &f->spp);
    TIFFGetFieldDefaulted(tif, TIFFTAG_SAMPLEFORMAT, &f->sample_format);
    if (!TIFFGetField(tif, TIFFTAG_PHOTOMETRIC, &f->photometric))
        f->photometric = f->spp >= 3 ? PHOTOMETRIC_RGB : PHOTOMETRIC_MINISBLACK;
}

static char sample_kind(uint16_t sample_format)
{
    switch (sample_format) {
    case SAMPLEFORMAT_UINT: return 'u';
    case SAMPLEFORMAT_INT: return 'i';
    case SAMPLEFORMAT_IEEEFP: return 'f';
    default: return '?';
    }
}

/* Check the first page's format and derive the dtype and channels. */
static int accept_format(tiff_stack *ts)
{
    const page_format *f = &ts->first;
    if (f->width == 0 || f->height == 0 || f->width > INT32_MAX || f->height > INT32_MAX)
        return blz_fail(BLZ_ERR_FORMAT, "%s: page 0: invalid size %ux%u", ts->path,
                        f->width, f->height);
    ts->dtype = blz_samples_dtype(sample_kind(f->sample_format), f->bits);
    if (!ts->dtype)
        return blz_fail(BLZ_ERR_UNSUPPORTED, "%s: page 0: %u-bit samples of format %u are "
                        "not supported (8/16/32/64-bit integer or 32/64-bit float)",
                        ts->path, f->bits, f->sample_format);
    if (f->photometric == PHOTOMETRIC_RGB && f->spp >= 3)
        ts->channels_in = 3;
    else if ((f->photometric == PHOTOMETRIC_MINISBLACK ||
              f->photometric == PHOTOMETRIC_MINISWHITE) && f->spp >= 1)
        ts->channels_in = 1;
    else
        return blz_fail(BLZ_ERR_UNSUPPORTED, "%s: page 0: photometric interpretation %u "
                        "with %u samples per pixel is not supported (gray or RGB)",
                        ts->path, f->photometric, f->spp);
    if (f->photometric == PHOTOMETRIC_MINISWHITE && sample_kind(f->sample_format) != 'u')
        return blz_fail(BLZ_ERR_UNSUPPORTED, "%s: page 0: MinIsWhite is supported for "
                        "unsigned samples only", ts->path);
    ts->sample_bytes = f->bits / 8u;
    return BLZ_OK;
}

static int check_page_format(const tiff_stack *ts)
{
    page_format f;
    page_format_read(ts->tif, &f);
    const page_format *a = &ts->first;
    if (f.width != a->width || f.height != a->height)
        return blz_fail(BLZ_ERR_FORMAT, "%s: page %lld: size %ux%u differs from page 0 "
                        "(%ux%u)", ts->path, (long long)ts->page, f.width, f.height,
                        a->width, a->height);
    if (f.bits != a->bits || f.spp != a->spp || f.sample_format != a->sample_format ||
        f.photometric != a->photometric)
        return blz_fail(BLZ_ERR_FORMAT, "%s: page %lld: sample format (%u bits, %u samples, "
                        "format %u, photometric %u) differs from page 0", ts->path,
                        (long long)ts->page, f.bits, f.spp, f.sample_format, f.photometric);
    return BLZ_OK;
}

static int decode_failure(const tiff_stack *ts, const char *what)
{
    return blz_fail(BLZ_ERR_DECODE, "%s: page %lld: %s: %s", ts->path, (long long)ts->page,
                    what, ts->message[0] ? ts->message : "libtiff error");
}

/* Samples of plane p (0 when interleaved), row y, at the page buffer. */
static unsigned char *plane_row(const tiff_stack *ts, int contig, uint32_t p, uint32_t y)
{
    const size_t w = ts->first.width, h = ts->first.height;
    const size_t row_samples = contig ? w * ts->first.spp : w;
    return ts->samples + ((size_t)p * h + y) * row_samples * ts->sample_bytes;
}

static int read_strips(tiff_stack *ts, int contig)
{
    uint32_t rows_per_strip;
    TIFFGetFieldDefaulted(ts->tif, TIFFTAG_ROWSPERSTRIP, &rows_per_strip);
    const uint32_t h = ts->first.height;
    if (rows_per_strip == 0 || rows_per_strip > h)
        rows_per_strip = h;
    const uint32_t planes = contig ? 1 : ts->first.spp;
    const uint32_t per_plane = (h + rows_per_strip - 1) / rows_per_strip;
    const size_t row_bytes = (size_t)ts->first.width * (contig ? ts->first.spp : 1u) *
                             ts->sample_bytes;
    for (uint32_t p = 0; p < planes; p++)
        for (uint32_t s = 0; s < per_plane; s++) {
            const uint32_t y = s * rows_per_strip;
            const uint32_t rows = h - y < rows_per_strip ? h - y : rows_per_strip;
            const tmsize_t want = (tmsize_t)(rows * row_bytes);
            if (TIFFReadEncodedStrip(ts->tif, p * per_plane + s, plane_row(ts, contig, p, y),
                                     want) != want)
                return decode_failure(ts, "strip cannot be decoded");
        }
    return BLZ_OK;
}

/* Copy the part of a decoded tile at (x0, y0) that lies inside the page. */
static void place_tile(tiff_stack *ts, int contig, uint32_t p, uint32_t x0, uint32_t y0,
                       uint32_t tw, uint32_t th)
{
    const size_t pixel = (contig ? ts->first.spp : 1u) * ts->sample_bytes;
    const uint32_t w = ts->first.width - x0 < tw ? ts->first.width - x0 : tw;
    const uint32_t h = ts->first.height - y0 < th ? ts->first.height - y0 : th;
    for (uint32_t y = 0; y < h; y++)
        memcpy(plane_row(ts, contig, p, y0 + y) + x0 * pixel,
               ts->tile + (size_t)y * tw * pixel, w * pixel);
}

static int read_tiles(tiff_stack *ts, int contig)
{
    uint32_t tw, th;
    TIFFGetField(ts->tif, TIFFTAG_TILEWIDTH, &tw);
    TIFFGetField(ts->tif, TIFFTAG_TILELENGTH, &th);
    const tmsize_t tile_bytes = TIFFTileSize(ts->tif);
    size_t need;
    if (tw == 0 || th == 0 || tile_bytes <= 0 ||
        !blz_mul3_size((size_t)tw * th, contig ? ts->first.spp : 1u, ts->sample_bytes,
                       &need) || need != (size_t)tile_bytes)
        return blz_fail(BLZ_ERR_FORMAT, "%s: page %lld: invalid tile size %ux%u", ts->path,
                        (long long)ts->page, tw, th);
    unsigned char *tile = realloc(ts->tile, need);
    if (!tile)
        return blz_fail(BLZ_ERR_NOMEM, "%s: no memory for a %ux%u tile", ts->path, tw, th);
    ts->tile = tile;
    const uint32_t planes = contig ? 1 : ts->first.spp;
    for (uint32_t p = 0; p < planes; p++)
        for (uint32_t y = 0; y < ts->first.height; y += th)
            for (uint32_t x = 0; x < ts->first.width; x += tw) {
                const uint32_t id = TIFFComputeTile(ts->tif, x, y, 0, (uint16_t)p);
                if (TIFFReadEncodedTile(ts->tif, id, ts->tile, tile_bytes) != tile_bytes)
                    return decode_failure(ts, "tile cannot be decoded");
                place_tile(ts, contig, p, x, y, tw, th);
            }
    return BLZ_OK;
}

/* Convert the page buffer into the float frame. */
static void convert_page(tiff_stack *ts, int contig)
{
    const page_format *f = &ts->first;
    const size_t w = f->width, out_row = w * (ts->rgb ? 3u : 1u);
    for (uint32_t y = 0; y < f->height; y++) {
        blz_sample_row row = { .stride = contig ? f->spp : 1u, .dtype = ts->dtype,
                               .big_endian = __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__,
                               .channels = ts->channels_in };
        for (int c = 0; c < ts->channels_in; c++)
            row.channel[c] = contig ? plane_row(ts, 1, 0, y) + (size_t)c * ts->sample_bytes
                                    : plane_row(ts, 0, (uint32_t)c, y);
        blz_samples_convert_row(&row, w, ts->rgb, ts->frame + y * out_row, ts->scratch);
    }
    if (f->photometric == PHOTOMETRIC_MINISWHITE) {
        const double white = ldexp(1.0, f->bits) - 1;
        const size_t n = out_row * f->height;
        for (size_t i = 0; i < n; i++)
            ts->frame[i] = (float)(white - ts->frame[i]);
    }
}

static int read_page(tiff_stack *ts)
{
    uint16_t planar;
    TIFFGetFieldDefaulted(ts->tif, TIFFTAG_PLANARCONFIG, &planar);
    const int contig = planar != PLANARCONFIG_SEPARATE || ts->first.spp == 1;
    ts->message[0] = '\0';
    int st = TIFFIsTiled(ts->tif) ? read_tiles(ts, contig) : read_strips(ts, contig);
    if (st == BLZ_OK)
        convert_page(ts, contig);
    return st;
}

/* Make the next page current (page 0 is current after opening). */
static int advance(tiff_stack *ts)
{
    if (++ts->page >= ts->pages)
        return 0;
    ts->message[0] = '\0';
    if (!TIFFReadDirectory(ts->tif))
        return blz_fail(BLZ_ERR_FORMAT, "%s: page %lld: cannot read the directory: %s",
                        ts->path, (long long)ts->page,
                        ts->message[0] ? ts->message : "libtiff error");
    int st = check_page_format(ts);
    return st == BLZ_OK ? 1 : st;
}

static int tiff_next(blz_source *s, bool want, blz_frame *frame)
{
    tiff_stack *ts = s->state;
    for (;;) {
        if (ts->page >= ts->pages)
            return 0;
        const int64_t index = ts->page;
        int st = want ? read_page(ts) : BLZ_OK;
        if (st == BLZ_ERR_DECODE && ts->skip_bad) {
            st = blz_source_note_skipped(s, index);
            if (st == BLZ_OK)
                st = advance(ts);
            if (st < 0)
                return st;
            continue;
        }
        if (st != BLZ_OK)
            return st;
        *frame = (blz_frame){ .values = want ? ts->frame : NULL, .index = index,
                              .timestamp = NAN };
        st = advance(ts);
        return st < 0 ? st : 1;
    }
}

static void tiff_close(blz_source *s)
{
    tiff_stack *ts = s->state;
    if (!ts)
        return;
    if (ts->tif)
        TIFFClose(ts->tif);
    free(ts->samples);
    free(ts->tile);
    free(ts->frame);
    free(ts->scratch);
    free(ts->path);
    free(ts);
    s->state = NULL;
}

static const blz_source_ops tiff_ops = { tiff_next, tiff_close };

static int open_tiff(tiff_stack *ts)
{
    if (access(ts->path, R_OK) != 0)
        return blz_fail(BLZ_ERR_NOENT, "%s: cannot open for reading", ts->path);
    TIFFOpenOptions *opts = TIFFOpenOptionsAlloc();
    if (!opts)
        return blz_fail(BLZ_ERR_NOMEM, "%s: out of memory", ts->path);
    TIFFOpenOptionsSetErrorHandlerExtR(opts, on_libtiff_error, ts);
    TIFFOpenOptionsSetWarningHandlerExtR(opts, on_libtiff_warning, ts);
    ts->tif = TIFFOpenExt(ts->path, "r", opts);
    TIFFOpenOptionsFree(opts);
    if (!ts->tif)
        return blz_fail(BLZ_ERR_FORMAT, "%s: not a readable TIFF file: %s", ts->path,
                        ts->message[0] ? ts->message : "libtiff error");
    return BLZ_OK;
}

/* Buffers for one page of samples and one float frame. */
static int allocate_frame(tiff_stack *ts)
{
    const page_format *f = &ts->first;
    size_t pixels, sample_bytes, frame_values;
    if (!blz_mul_size(f->width, f->height, &pixels) ||
        !blz_mul3_size(pixels, f->spp, ts->sample_bytes, &sample_bytes) ||
        !blz_mul_size(pixels, ts->rgb ? 3u : 1u, &frame_values))
        return blz_fail(BLZ_ERR_RANGE, "%s: %ux%u pages are too large", ts->path, f->width,
                        f->height);
    ts->samples = malloc(sample_bytes);
    ts->frame = malloc(frame_values * sizeof *ts->frame);
    ts->scratch = malloc(2 * (size_t)f->width * sizeof *ts->scratch);
    if (!ts->samples || !ts->frame || !ts->scratch)
        return blz_fail(BLZ_ERR_NOMEM, "%s: no memory for a %ux%u page", ts->path, f->width,
                        f->height);
    return BLZ_OK;
}

static void describe(blz_source_info *info, const tiff_stack *ts)
{
    const page_format *f = &ts->first;
    info->width = (int32_t)f->width;
    info->height = (int32_t)f->height;
    info->channels = ts->rgb ? 3 : 1;
    info->bit_depth = f->bits;
    info->is_float = f->sample_format == SAMPLEFORMAT_IEEEFP;
    info->frames_hint = ts->pages;
    snprintf(info->kind, sizeof info->kind, "tiff");
    uint16_t compression = COMPRESSION_NONE;
    TIFFGetFieldDefaulted(ts->tif, TIFFTAG_COMPRESSION, &compression);
    const TIFFCodec *codec = TIFFFindCODEC(compression);
    snprintf(info->codec, sizeof info->codec, "tiff/%s", codec ? codec->name : "unknown");
    const char *colour = ts->channels_in == 3 ? (f->spp > 3 ? "rgba" : "rgb")
                         : f->photometric == PHOTOMETRIC_MINISWHITE ? "miniswhite" : "gray";
    snprintf(info->pixel_format, sizeof info->pixel_format, "%s%s%u%s", colour,
             f->sample_format == SAMPLEFORMAT_IEEEFP ? "f"
             : f->sample_format == SAMPLEFORMAT_INT ? "s" : "",
             f->bits, TIFFIsBigEndian(ts->tif) ? "be" : "le");
}

int blz_tiff_stack_open(blz_source **out, const char *path, const blz_source_options *o)
{
    *out = NULL;
    blz_source *s = calloc(1, sizeof *s);
    tiff_stack *ts = calloc(1, sizeof *ts);
    if (!s || !ts) {
        free(s);
        free(ts);
        return blz_fail(BLZ_ERR_NOMEM, "%s: out of memory", path);
    }
    s->ops = &tiff_ops;
    s->state = ts;
    ts->skip_bad = o->skip_bad;
    ts->path = strdup(path);
    int st = ts->path ? open_tiff(ts) : blz_fail(BLZ_ERR_NOMEM, "%s: out of memory", path);
    if (st == BLZ_OK) {
        ts->pages = TIFFNumberOfDirectories(ts->tif);
        page_format_read(ts->tif, &ts->first);
        st = accept_format(ts);
    }
    if (st == BLZ_OK) {
        ts->rgb = o->rgb != 0;
        st = allocate_frame(ts);
    }
    if (st != BLZ_OK) {
        blz_source_close(s);
        return st;
    }
    describe(&s->info, ts);
    *out = s;
    return BLZ_OK;
}
