/*
 * test_outputs.c - result images read back by independent readers: .npy by numpy,
 * float TIFF by libtiff, PNG decoded by Python's zlib (filter 0 scanlines, CRCs
 * checked) and by the ffmpeg command line; colormap anchors against matplotlib's
 * table values; nothing left behind when a write fails.
 */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <tiffio.h>

#include "blitz/blitz.h"
#include "blitz/image_io.h"
#include "testutil.h"

enum { H = 5, W = 7 };

static void ramp(double *v, int channels)
{
    for (int i = 0; i < H * W * channels; i++)
        v[i] = i * 0.5 - 3.25;
}

START_TEST(test_npy_float32_and_float64)
{
    char *dir = tu_tmpdir();
    double v[H * W * 3];
    ramp(v, 3);
    v[4] = NAN;
    blz_image_options o = blz_image_defaults();
    for (int f64 = 0; f64 <= 1; f64++) {
        o.float64 = f64;
        char *path = tu_fmt("%s/out%d.npy", dir, f64);
        ck_assert_int_eq(blz_image_write(path, v, H, W, 3, &o), BLZ_OK);
        char *check = tu_fmt("import numpy as np, math\n"
                             "a = np.load('%s')\n"
                             "assert a.shape == (%d, %d, 3) and a.dtype == np.%s, (a.shape, a.dtype)\n"
                             "assert math.isnan(a[0, 1, 1]) and a[4, 6, 2] == %.17g\n",
                             path, H, W, f64 ? "float64" : "float32", v[H * W * 3 - 1]);
        ck_assert_int_eq(tu_python(check), 0);
        free(check);
        free(path);
    }
    tu_rmtree(dir);
    free(dir);
}
END_TEST

START_TEST(test_tiff_read_back)
{
    char *dir = tu_tmpdir();
    for (int channels = 1; channels <= 3; channels += 2) {
        double v[H * W * 3];
        ramp(v, channels);
        char *path = tu_fmt("%s/out.tif", dir);
        ck_assert_int_eq(blz_tiff_write_float(path, v, H, W, channels), BLZ_OK);
        TIFF *tif = TIFFOpen(path, "r");
        ck_assert_ptr_nonnull(tif);
        uint32_t w, h;
        uint16_t spp, bps, fmt;
        TIFFGetField(tif, TIFFTAG_IMAGEWIDTH, &w);
        TIFFGetField(tif, TIFFTAG_IMAGELENGTH, &h);
        TIFFGetField(tif, TIFFTAG_SAMPLESPERPIXEL, &spp);
        TIFFGetField(tif, TIFFTAG_BITSPERSAMPLE, &bps);
        TIFFGetField(tif, TIFFTAG_SAMPLEFORMAT, &fmt);
        ck_assert_uint_eq(w, W);
        ck_assert_uint_eq(h, H);
        ck_assert_uint_eq(spp, (unsigned)channels);
        ck_assert_uint_eq(bps, 32);
        ck_assert_uint_eq(fmt, SAMPLEFORMAT_IEEEFP);
        float row[W * 3];
        for (uint32_t y = 0; y < h; y++) {
            ck_assert_int_eq(TIFFReadScanline(tif, row, y, 0), 1);
            for (int i = 0; i < W * channels; i++)
                ck_assert_float_eq(row[i], (float)v[y * W * channels + (uint32_t)i]);
        }
        TIFFClose(tif);
        free(path);
    }
    tu_rmtree(dir);
    free(dir);
}
END_TEST

/* PNG through Python's zlib: chunk CRCs, then the pixels of filter-0 scanlines. */
static const char png_check[] =
    "import zlib, struct, sys\n"
    "b = open('%s', 'rb').read()\n"
    "assert b[:8] == b'\\x89PNG\\r\\n\\x1a\\n'\n"
    "i, idat = 8, b''\n"
    "while i < len(b):\n"
    "    n, = struct.unpack('>I', b[i:i+4]); t = b[i+4:i+8]; d = b[i+8:i+8+n]\n"
    "    crc, = struct.unpack('>I', b[i+8+n:i+12+n])\n"
    "    assert zlib.crc32(t + d) == crc, t\n"
    "    if t == b'IHDR': w, h, depth, ctype = struct.unpack('>IIBB', d[:10])\n"
    "    if t == b'IDAT': idat += d\n"
    "    i += 12 + n\n"
    "c = 3 if ctype == 2 else 1\n"
    "raw = zlib.decompress(idat)\n"
    "px = lambda x, y: tuple(raw[y*(w*c+1)+1+x*c : y*(w*c+1)+1+x*c+c])\n"
    "want = %s\n"
    "for (x, y), v in want.items():\n"
    "    assert px(x, y) == v, (x, y, px(x, y), v)\n";

START_TEST(test_png_gray_clip_and_ffmpeg)
{
    char *dir = tu_tmpdir();
    char *path = tu_fmt("%s/out.png", dir);
    double v[H * W];
    for (int i = 0; i < H * W; i++)
        v[i] = i;                /* 0..34; clip at 0 % and 100 %: 0 -> 0, 34 -> 255 */
    v[1] = NAN;
    blz_image_options o = blz_image_defaults();
    o.clip_low = 0;
    o.clip_high = 100;
    ck_assert_int_eq(blz_image_write(path, v, H, W, 1, &o), BLZ_OK);
    /* value 17 -> 17/34*255 = 127.5 -> 128 (lrint rounds half to even) */
    char *program = tu_fmt(png_check, path,
                           "{(0,0): (0,), (1,0): (0,), (6,4): (255,), (3,2): (128,)}");
    ck_assert_int_eq(tu_python(program), 0);
    if (tu_have_ffmpeg()) {
        char *gray = tu_capture("ffmpeg -v error -i '%s' -f rawvideo -pix_fmt gray - | od -An -tu1 -v",
                                path);
        ck_assert_ptr_nonnull(gray);
        int first, second;
        ck_assert_int_eq(sscanf(gray, "%d %d", &first, &second), 2);
        ck_assert_int_eq(first, 0);
        ck_assert_int_eq(second, 0);
        free(gray);
    }
    free(program);
    free(path);
    tu_rmtree(dir);
    free(dir);
}
END_TEST

START_TEST(test_png_colormap_rgb)
{
    char *dir = tu_tmpdir();
    char *path = tu_fmt("%s/out.png", dir);
    double v[H * W];
    for (int i = 0; i < H * W; i++)
        v[i] = i;
    blz_image_options o = blz_image_defaults();
    o.clip_low = 0;
    o.clip_high = 100;
    o.colormap = BLZ_CMAP_VIRIDIS;
    ck_assert_int_eq(blz_image_write(path, v, H, W, 1, &o), BLZ_OK);
    /* viridis ends, matplotlib: (0.267004, 0.004874, 0.329415), (0.993248, 0.906157, 0.143936) */
    char *program = tu_fmt(png_check, path, "{(0,0): (68,1,84), (6,4): (253,231,37)}");
    ck_assert_int_eq(tu_python(program), 0);
    free(program);
    uint8_t rgb[3];
    blz_colormap_rgb(BLZ_CMAP_MAGMA, 128.0 / 255.0, rgb); /* magma[128] */
    ck_assert_int_eq(rgb[0], lrint(0.716387 * 255));
    ck_assert_int_eq(rgb[1], lrint(0.214982 * 255));
    ck_assert_int_eq(rgb[2], lrint(0.475290 * 255));
    blz_colormap_rgb(BLZ_CMAP_INFERNO, 1.0, rgb);
    ck_assert_int_eq(rgb[2], lrint(0.644924 * 255));
    ck_assert_int_eq(blz_colormap_from_name("jet"), -1);
    o.colormap = BLZ_CMAP_MAGMA;
    ck_assert_int_eq(blz_image_write(path, v, H, 1, 3, &o), BLZ_ERR_INVALID);
    free(path);
    tu_rmtree(dir);
    free(dir);
}
END_TEST

START_TEST(test_failed_write_leaves_nothing)
{
    char *dir = tu_tmpdir();
    double v[H * W];
    ramp(v, 1);
    blz_image_options o = blz_image_defaults();
    char *bad = tu_fmt("%s/out.jpg", dir);
    ck_assert_int_eq(blz_image_write(bad, v, H, W, 1, &o), BLZ_ERR_UNSUPPORTED);
    o.clip_low = 50;
    o.clip_high = 10;
    char *png = tu_fmt("%s/out.png", dir);
    ck_assert_int_eq(blz_image_write(png, v, H, W, 1, &o), BLZ_ERR_INVALID);
    char *missing = tu_fmt("%s/no/such/out.tif", dir);
    ck_assert_int_ne(blz_tiff_write_float(missing, v, H, W, 1), BLZ_OK);
    ck_assert_int_eq(tu_count_entries(dir), 0);
    free(bad);
    free(png);
    free(missing);
    tu_rmtree(dir);
    free(dir);
}
END_TEST

static Suite *outputs_suite(void)
{
    Suite *s = suite_create("outputs");
    TCase *tc = tcase_create("formats");
    tcase_add_test(tc, test_npy_float32_and_float64);
    tcase_add_test(tc, test_tiff_read_back);
    tcase_add_test(tc, test_png_gray_clip_and_ffmpeg);
    tcase_add_test(tc, test_png_colormap_rgb);
    tcase_add_test(tc, test_failed_write_leaves_nothing);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run_suite(outputs_suite());
}
