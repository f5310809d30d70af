/*
 * test_tiff.c - the TIFF stack source against TIFF files written here with libtiff.
 *
 * Each case writes a stack whose sample (page, y, x, c) is a known integer pattern
 * (scaled for float formats), in a given layout (strips or tiles, interleaved or planar,
 * compressed or not, classic or BigTIFF), reads it back through blz_tiff_stack_open and
 * compares every value with the pattern computed by a plain loop: exactly, since the
 * conversion only widens the samples (and gray from RGB repeats the documented
 * formula in double).
 */
#include <check.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <tiffio.h>
#include <unistd.h>

#include "blitz/blitz.h"
#include "ingest/source.h"
#include "testutil.h"

typedef struct stack_spec {
    const char *mode;          /* "w" classic, "w8" BigTIFF */
    int pages;
    uint32_t width, height;
    uint16_t spp, bits, sample_format, photometric, planar, compression;
    uint32_t tile;             /* 0: strips of 5 rows; else square tiles of this size */
} stack_spec;

static double pattern(const stack_spec *k, int page, uint32_t y, uint32_t x, int c)
{
    const double v = (page * 7919 + y * 131 + x * 17 + (uint32_t)c * 1000) % 251u +
                     (k->bits > 8 ? (page * 3 + x) * 256 : 0);
    return k->sample_format == SAMPLEFORMAT_IEEEFP ? v * 0.25 - 100
           : k->sample_format == SAMPLEFORMAT_INT ? v - 300 : v;
}

/* Store v as one sample of the spec's type at p. */
static void put_sample(const stack_spec *k, unsigned char *p, double v)
{
    if (k->sample_format == SAMPLEFORMAT_IEEEFP && k->bits == 32) {
        float f = (float)v;
        memcpy(p, &f, 4);
    } else if (k->sample_format == SAMPLEFORMAT_IEEEFP) {
        memcpy(p, &v, 8);
    } else if (k->bits == 8) {
        *p = (uint8_t)v;
    } else if (k->sample_format == SAMPLEFORMAT_INT) {
        int16_t s = (int16_t)v;
        memcpy(p, &s, 2);
    } else {
        uint16_t u = (uint16_t)v;
        memcpy(p, &u, 2);
    }
}

/* Fill a block of w x h pixels at (x0, y0) of plane `plane` (-1: all interleaved). */
static void fill_block(const stack_spec *k, int page, int plane, uint32_t x0, uint32_t y0,
                       uint32_t w, uint32_t h, unsigned char *buf)
{
    const size_t bytes = k->bits / 8u;
    const int n_c = plane < 0 ? k->spp : 1;
    memset(buf, 0, (size_t)w * h * (size_t)n_c * bytes);
    for (uint32_t y = 0; y < h && y0 + y < k->height; y++)
        for (uint32_t x = 0; x < w && x0 + x < k->width; x++)
            for (int c = 0; c < n_c; c++)
                put_sample(k, buf + (((size_t)y * w + x) * (size_t)n_c + (size_t)c) * bytes,
                           pattern(k, page, y0 + y, x0 + x, plane < 0 ? c : plane));
}

static void write_page_data(TIFF *tif, const stack_spec *k, int page, unsigned char *buf)
{
    const int planes = k->planar == PLANARCONFIG_SEPARATE ? k->spp : 1;
    for (int p = 0; p < planes; p++) {
        const int plane = planes == 1 ? -1 : p;
        if (k->tile) {
            for (uint32_t y = 0; y < k->height; y += k->tile)
                for (uint32_t x = 0; x < k->width; x += k->tile) {
                    fill_block(k, page, plane, x, y, k->tile, k->tile, buf);
                    ck_assert_int_ge(TIFFWriteTile(tif, buf, x, y, 0, (uint16_t)p), 0);
                }
        } else {
            for (uint32_t y = 0; y < k->height; y++) {
                fill_block(k, page, plane, 0, y, k->width, 1, buf);
                ck_assert_int_eq(TIFFWriteScanline(tif, buf, y, (uint16_t)p), 1);
            }
        }
    }
}

static void write_stack(const char *path, const stack_spec *k)
{
    TIFF *tif = TIFFOpen(path, k->mode);
    ck_assert_ptr_nonnull(tif);
    const uint32_t block = k->tile ? k->tile : k->width;
    const size_t rows = k->tile ? k->tile : 1;
    unsigned char *buf = malloc((size_t)block * rows * k->spp * k->bits / 8);
    for (int page = 0; page < k->pages; page++) {
        TIFFSetField(tif, TIFFTAG_IMAGEWIDTH, k->width);
        TIFFSetField(tif, TIFFTAG_IMAGELENGTH, k->height);
        TIFFSetField(tif, TIFFTAG_BITSPERSAMPLE, k->bits);
        TIFFSetField(tif, TIFFTAG_SAMPLESPERPIXEL, k->spp);
        TIFFSetField(tif, TIFFTAG_SAMPLEFORMAT, k->sample_format);
        TIFFSetField(tif, TIFFTAG_PHOTOMETRIC, k->photometric);
        TIFFSetField(tif, TIFFTAG_PLANARCONFIG, k->planar);
        TIFFSetField(tif, TIFFTAG_COMPRESSION, k->compression);
        if (k->spp == 4 || k->spp == 2) {
            const uint16_t alpha = EXTRASAMPLE_UNASSALPHA;
            TIFFSetField(tif, TIFFTAG_EXTRASAMPLES, 1, &alpha);
        }
        if (k->tile) {
            TIFFSetField(tif, TIFFTAG_TILEWIDTH, k->tile);
            TIFFSetField(tif, TIFFTAG_TILELENGTH, k->tile);
        } else {
            TIFFSetField(tif, TIFFTAG_ROWSPERSTRIP, 5u);
        }
        write_page_data(tif, k, page, buf);
        ck_assert_int_eq(TIFFWriteDirectory(tif), 1);
    }
    TIFFClose(tif);
    free(buf);
}

/* The expected value of output channel c of pixel (y, x) on page. */
static float expected(const stack_spec *k, int page, uint32_t y, uint32_t x, int c, int rgb)
{
    double v;
    if (k->photometric == PHOTOMETRIC_RGB && !rgb)
        v = 0.299 * (float)pattern(k, page, y, x, 0) +
            0.587 * (float)pattern(k, page, y, x, 1) +
            0.114 * (float)pattern(k, page, y, x, 2);
    else
        v = pattern(k, page, y, x, k->photometric == PHOTOMETRIC_RGB ? c : 0);
    if (k->photometric == PHOTOMETRIC_MINISWHITE)
        v = ldexp(1.0, k->bits) - 1 - v;
    return (float)v;
}

/* Write the stack, read it back and compare every value. */
static void check_stack(const stack_spec *k, int rgb)
{
    char *dir = tu_tmpdir();
    char *path = tu_fmt("%s/stack.tif", dir);
    write_stack(path, k);
    blz_source *s;
    const blz_source_options o = { .stream = -1, .rgb = rgb };
    ck_assert_msg(blz_tiff_stack_open(&s, path, &o) == BLZ_OK, "%s", blz_errmsg());
    const int channels = rgb ? 3 : 1;
    ck_assert_int_eq(s->info.width, (int)k->width);
    ck_assert_int_eq(s->info.height, (int)k->height);
    ck_assert_int_eq(s->info.channels, channels);
    ck_assert_int_eq(s->info.bit_depth, k->bits);
    ck_assert_int_eq(s->info.frames_hint, k->pages);
    ck_assert_str_eq(s->info.kind, "tiff");
    blz_frame f;
    for (int page = 0; page < k->pages; page++) {
        ck_assert_msg(blz_source_next(s, true, &f) == 1, "%s", blz_errmsg());
        ck_assert_int_eq(f.index, page);
        ck_assert(isnan(f.timestamp));
        size_t bad = 0;
        char first[128] = "";
        for (uint32_t y = 0; y < k->height; y++)
            for (uint32_t x = 0; x < k->width; x++)
                for (int c = 0; c < channels; c++) {
                    const float got = f.values[((size_t)y * k->width + x) * channels + c];
                    const float want = expected(k, page, y, x, c, rgb);
                    if (got != want && bad++ == 0)
                        snprintf(first, sizeof first, "(%u,%u) c%d: %g != %g", x, y, c,
                                 got, want);
                }
        ck_assert_msg(bad == 0, "page %d: %zu values differ, first %s", page, bad, first);
    }
    ck_assert_int_eq(blz_source_next(s, true, &f), 0);
    blz_source_close(s);
    free(path);
    tu_rmtree(dir);
    free(dir);
}

START_TEST(gray16_multipage_lzw_strips)
{
    const stack_spec k = { "w", 3, 37, 23, 1, 16, SAMPLEFORMAT_UINT, PHOTOMETRIC_MINISBLACK,
                           PLANARCONFIG_CONTIG, COMPRESSION_LZW, 0 };
    check_stack(&k, 0);
    check_stack(&k, 1);   /* gray repeated in R, G, B */
}
END_TEST

START_TEST(rgb8_as_rgb_and_gray)
{
    const stack_spec k = { "w", 2, 19, 11, 3, 8, SAMPLEFORMAT_UINT, PHOTOMETRIC_RGB,
                           PLANARCONFIG_CONTIG, COMPRESSION_NONE, 0 };
    check_stack(&k, 1);
    check_stack(&k, 0);
    const stack_spec rgba = { "w", 2, 19, 11, 4, 8, SAMPLEFORMAT_UINT, PHOTOMETRIC_RGB,
                              PLANARCONFIG_CONTIG, COMPRESSION_PACKBITS, 0 };
    check_stack(&rgba, 1);
}
END_TEST

START_TEST(float32_and_float64)
{
    const stack_spec f32 = { "w", 2, 13, 9, 1, 32, SAMPLEFORMAT_IEEEFP, PHOTOMETRIC_MINISBLACK,
                             PLANARCONFIG_CONTIG, COMPRESSION_ADOBE_DEFLATE, 0 };
    check_stack(&f32, 0);
    const stack_spec f64 = { "w", 2, 13, 9, 1, 64, SAMPLEFORMAT_IEEEFP, PHOTOMETRIC_MINISBLACK,
                             PLANARCONFIG_CONTIG, COMPRESSION_NONE, 0 };
    check_stack(&f64, 0);
    const stack_spec s16 = { "w", 2, 13, 9, 1, 16, SAMPLEFORMAT_INT, PHOTOMETRIC_MINISBLACK,
                             PLANARCONFIG_CONTIG, COMPRESSION_NONE, 0 };
    check_stack(&s16, 0);
}
END_TEST

START_TEST(bigtiff)
{
    const stack_spec k = { "w8", 3, 21, 17, 1, 16, SAMPLEFORMAT_UINT, PHOTOMETRIC_MINISBLACK,
                           PLANARCONFIG_CONTIG, COMPRESSION_NONE, 0 };
    check_stack(&k, 0);
}
END_TEST

START_TEST(tiled_and_planar)
{
    const stack_spec gray = { "w", 2, 37, 23, 1, 16, SAMPLEFORMAT_UINT, PHOTOMETRIC_MINISBLACK,
                              PLANARCONFIG_CONTIG, COMPRESSION_ADOBE_DEFLATE, 16 };
    check_stack(&gray, 0);
    const stack_spec planar = { "w", 2, 37, 23, 3, 8, SAMPLEFORMAT_UINT, PHOTOMETRIC_RGB,
                                PLANARCONFIG_SEPARATE, COMPRESSION_NONE, 16 };
    check_stack(&planar, 1);
    const stack_spec strips = { "w", 2, 20, 12, 3, 16, SAMPLEFORMAT_UINT, PHOTOMETRIC_RGB,
                                PLANARCONFIG_SEPARATE, COMPRESSION_LZW, 0 };
    check_stack(&strips, 0);
}
END_TEST

START_TEST(miniswhite_is_inverted)
{
    const stack_spec k = { "w", 1, 10, 6, 1, 8, SAMPLEFORMAT_UINT, PHOTOMETRIC_MINISWHITE,
                           PLANARCONFIG_CONTIG, COMPRESSION_NONE, 0 };
    check_stack(&k, 0);
    check_stack(&k, 1);
}
END_TEST

START_TEST(unwanted_pages_are_skipped)
{
    char *dir = tu_tmpdir();
    char *path = tu_fmt("%s/stack.tiff", dir);
    const stack_spec k = { "w", 3, 8, 4, 1, 8, SAMPLEFORMAT_UINT, PHOTOMETRIC_MINISBLACK,
                           PLANARCONFIG_CONTIG, COMPRESSION_NONE, 0 };
    write_stack(path, &k);
    blz_source *s;
    const blz_source_options o = { .stream = -1 };
    ck_assert_int_eq(blz_tiff_stack_open(&s, path, &o), BLZ_OK);
    blz_frame f;
    ck_assert_int_eq(blz_source_next(s, false, &f), 1);
    ck_assert_ptr_null(f.values);
    ck_assert_int_eq(blz_source_next(s, false, &f), 1);
    ck_assert_int_eq(blz_source_next(s, true, &f), 1);
    ck_assert_int_eq(f.index, 2);
    ck_assert_float_eq(f.values[9], expected(&k, 2, 1, 1, 0, 0));
    ck_assert_int_eq(blz_source_next(s, true, &f), 0);
    blz_source_close(s);
    free(path);
    tu_rmtree(dir);
    free(dir);
}
END_TEST

START_TEST(differing_page_refused)
{
    char *dir = tu_tmpdir();
    char *path = tu_fmt("%s/mixed.tif", dir);
    const stack_spec a = { "w", 1, 8, 4, 1, 8, SAMPLEFORMAT_UINT, PHOTOMETRIC_MINISBLACK,
                           PLANARCONFIG_CONTIG, COMPRESSION_NONE, 0 };
    write_stack(path, &a);
    const stack_spec b = { "a", 1, 9, 4, 1, 8, SAMPLEFORMAT_UINT, PHOTOMETRIC_MINISBLACK,
                           PLANARCONFIG_CONTIG, COMPRESSION_NONE, 0 };
    write_stack(path, &b);
    blz_source *s;
    const blz_source_options o = { .stream = -1 };
    ck_assert_int_eq(blz_tiff_stack_open(&s, path, &o), BLZ_OK);
    ck_assert_int_eq(s->info.frames_hint, 2);
    blz_frame f;
    ck_assert_int_eq(blz_source_next(s, true, &f), BLZ_ERR_FORMAT);
    ck_assert_ptr_nonnull(strstr(blz_errmsg(), "page 1"));
    ck_assert_ptr_nonnull(strstr(blz_errmsg(), "mixed.tif"));
    blz_source_close(s);
    free(path);
    tu_rmtree(dir);
    free(dir);
}
END_TEST

START_TEST(broken_file_refused_silently)
{
    char *dir = tu_tmpdir();
    char *path = tu_fmt("%s/bad.tif", dir), *err = tu_fmt("%s/stderr", dir);
    ck_assert_int_eq(tu_sh("printf 'II*\\000garbage, not a directory' > %s", path), 0);
    fflush(stderr);
    const int saved = dup(2), fd = open(err, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    dup2(fd, 2);
    blz_source *s;
    const blz_source_options o = { .stream = -1 };
    const int st = blz_tiff_stack_open(&s, path, &o);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    close(fd);
    ck_assert_int_eq(st, BLZ_ERR_FORMAT);
    ck_assert_ptr_null(s);
    ck_assert_ptr_nonnull(strstr(blz_errmsg(), "bad.tif"));
    FILE *e = fopen(err, "r");
    ck_assert_int_eq(fgetc(e), EOF);
    fclose(e);
    free(path);
    free(err);
    tu_rmtree(dir);
    free(dir);
}
END_TEST

START_TEST(dispatch_by_extension)
{
    char *dir = tu_tmpdir();
    char *tif = tu_fmt("%s/STACK.TIFF", dir), *empty = tu_fmt("%s/e.tif", dir);
    char *missing = tu_fmt("%s/none.tif", dir);
    const stack_spec k = { "w", 2, 8, 4, 1, 16, SAMPLEFORMAT_UINT, PHOTOMETRIC_MINISBLACK,
                           PLANARCONFIG_CONTIG, COMPRESSION_NONE, 0 };
    write_stack(tif, &k);
    blz_source *s;
    const char *one[] = { tif };
    ck_assert_int_eq(blz_source_open(&s, one, 1, NULL), BLZ_OK);
    ck_assert_str_eq(s->info.kind, "tiff");
    ck_assert_ptr_nonnull(strstr(s->info.identity, "size="));
    blz_source_close(s);
    ck_assert_int_eq(tu_sh(": > %s", empty), 0);
    one[0] = empty;
    ck_assert_int_eq(blz_source_open(&s, one, 1, NULL), BLZ_ERR_EMPTY);
    ck_assert_ptr_nonnull(strstr(blz_errmsg(), "e.tif"));
    one[0] = missing;
    ck_assert_int_eq(blz_source_open(&s, one, 1, NULL), BLZ_ERR_NOENT);
    ck_assert_ptr_nonnull(strstr(blz_errmsg(), "none.tif"));
    ck_assert_int_eq(blz_source_open(&s, one, 0, NULL), BLZ_ERR_INVALID);
    free(tif);
    free(empty);
    free(missing);
    tu_rmtree(dir);
    free(dir);
}
END_TEST

static Suite *tiff_suite(void)
{
    Suite *s = suite_create("tiff");
    TCase *tc = tcase_create("stacks");
    tcase_add_test(tc, gray16_multipage_lzw_strips);
    tcase_add_test(tc, rgb8_as_rgb_and_gray);
    tcase_add_test(tc, float32_and_float64);
    tcase_add_test(tc, bigtiff);
    tcase_add_test(tc, tiled_and_planar);
    tcase_add_test(tc, miniswhite_is_inverted);
    tcase_add_test(tc, unwanted_pages_are_skipped);
    tcase_add_test(tc, differing_page_refused);
    tcase_add_test(tc, broken_file_refused_silently);
    tcase_add_test(tc, dispatch_by_extension);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run_suite(tiff_suite());
}
