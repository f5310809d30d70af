/*
 * test_images.c - the image-sequence source and its file listing.
 *
 * PNG/BMP fixtures are written by the ffmpeg command line from raw frames the test
 * makes (values known exactly); palette and JPEG files are checked against ffmpeg's
 * own rgb24 / gray decodes. Listing: natural order (frame2 before frame10), numbering
 * gaps, stray files, globs and explicit lists; refusals name the offending file.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blitz/error.h"
#include "ingest/file_list.h"
#include "ingest/source.h"
#include "testutil.h"

enum { W = 24, H = 16 };

/* Each test gets a fresh folder (tu_dir); the fixtures need the ffmpeg command line. */
static void setup(void)
{
    ck_assert(tu_have_ffmpeg());
    tu_dir_setup();
}

static blz_source_options default_options(void)
{
    blz_source_options o = { .stream = -1 };
    return o;
}

static void spit(const char *path, const void *data, size_t size)
{
    FILE *f = fopen(path, "wb");
    ck_assert(f && fwrite(data, 1, size, f) == size);
    fclose(f);
}

/* Write one image file (format chosen by ffmpeg from the extension) from raw pixels. */
static void make_image(const char *path, const char *pix_fmt, const void *raw, size_t size,
                       int w, int h)
{
    char *raw_path = tu_fmt("%s.raw", path);
    spit(raw_path, raw, size);
    ck_assert_int_eq(tu_sh("ffmpeg -v error -y -f rawvideo -pix_fmt %s -s %dx%d -i %s "
                           "-frames:v 1 %s", pix_fmt, w, h, raw_path, path), 0);
    remove(raw_path);
    free(raw_path);
}

/* ffmpeg's decode of an image to pix_fmt. */
static unsigned char *ffmpeg_decode(const char *image, const char *pix_fmt, size_t *n)
{
    char *out = tu_fmt("%s/ref.raw", tu_dir);
    ck_assert_int_eq(tu_sh("ffmpeg -v error -y -i %s -f rawvideo -pix_fmt %s %s", image,
                           pix_fmt, out), 0);
    unsigned char *data = tu_slurp(out, n);
    remove(out);
    free(out);
    return data;
}

static unsigned pattern(int frame, int i, unsigned modulus)
{
    return (unsigned)((frame * 7919u + (unsigned)i * 37u + 3u) % modulus);
}

/* A gray16 PNG whose pixels are pattern(seed, i). */
static void make_gray16(const char *path, int seed)
{
    uint16_t raw[W * H];
    for (int i = 0; i < W * H; i++)
        raw[i] = (uint16_t)pattern(seed, i, 65536);
    make_image(path, "gray16le", raw, sizeof raw, W, H);
}

/* Open inputs and check every frame against expected seeds (gray16 pattern). */
static void expect_gray16_sequence(const char *const *inputs, size_t n_inputs, const int *seeds,
                                   size_t n_seeds, int threads)
{
    blz_source_options o = default_options();
    o.threads = threads;
    blz_source *s;
    ck_assert_msg(blz_images_open(&s, inputs, n_inputs, &o) == 0, "%s", blz_errmsg());
    ck_assert_int_eq(s->info.frames_hint, (int64_t)n_seeds);
    blz_frame f;
    for (size_t k = 0; k < n_seeds; k++) {
        ck_assert_int_eq(blz_source_next(s, true, &f), 1);
        ck_assert_int_eq(f.index, (int64_t)k);
        ck_assert(f.timestamp != f.timestamp); /* NaN */
        for (int i = 0; i < W * H; i++)
            ck_assert_float_eq(f.values[i], (float)pattern(seeds[k], i, 65536));
    }
    ck_assert_int_eq(blz_source_next(s, true, &f), 0);
    blz_source_close(s);
}

/* frame1, frame2, frame10 (a gap), a stray text file: natural order, exact 16-bit. */
START_TEST(test_folder_natural_order_gray16)
{
    int seeds[] = { 1, 2, 10 };
    for (size_t k = 0; k < 3; k++) {
        char *path = tu_fmt("%s/frame%d.png", tu_dir, seeds[k]);
        make_gray16(path, seeds[k]);
        free(path);
    }
    char *stray = tu_fmt("%s/notes.txt", tu_dir);
    spit(stray, "x", 1);
    const char *inputs[] = { tu_dir };
    blz_source_options o = default_options();
    blz_source *s;
    ck_assert_int_eq(blz_images_open(&s, inputs, 1, &o), 0);
    ck_assert_int_eq(s->info.files_ignored, 1);
    ck_assert_int_eq(s->info.bit_depth, 16);
    ck_assert_int_eq(s->info.width, W);
    ck_assert_int_eq(s->info.height, H);
    ck_assert_str_eq(s->info.codec, "png");
    ck_assert_str_eq(s->info.kind, "images");
    ck_assert_str_eq(s->info.pixel_format, "gray16be");
    ck_assert_int_eq(s->info.frames_hint, 3);
    ck_assert_double_eq(s->info.fps_hint, 0.0);
    ck_assert_ptr_eq(strstr(s->info.identity, "files=3 "), s->info.identity);
    blz_source_close(s);
    expect_gray16_sequence(inputs, 1, seeds, 3, 1);
    expect_gray16_sequence(inputs, 1, seeds, 3, 2);
    free(stray);
}
END_TEST

/* A glob is natural-sorted; an explicit list keeps its order. */
START_TEST(test_glob_and_list)
{
    int seeds[] = { 3, 9, 12, 100 };
    char *paths[4];
    for (size_t k = 0; k < 4; k++) {
        paths[k] = tu_fmt("%s/img_%d.png", tu_dir, seeds[k]);
        make_gray16(paths[k], seeds[k]);
    }
    char *other = tu_fmt("%s/zzz_7.png", tu_dir);
    make_gray16(other, 7);
    char *pattern_path = tu_fmt("%s/img_*.png", tu_dir);
    const char *glob_input[] = { pattern_path };
    expect_gray16_sequence(glob_input, 1, seeds, 4, 2);
    const char *list[] = { paths[3], other, paths[0] };
    int list_seeds[] = { 100, 7, 3 };
    expect_gray16_sequence(list, 3, list_seeds, 3, 2);
    char *nothing = tu_fmt("%s/none_*.png", tu_dir);
    const char *no_match[] = { nothing };
    blz_source *s;
    blz_source_options o = default_options();
    ck_assert_int_eq(blz_images_open(&s, no_match, 1, &o), BLZ_ERR_NOENT);
    ck_assert_ptr_nonnull(strstr(blz_errmsg(), nothing));
    for (size_t k = 0; k < 4; k++)
        free(paths[k]);
    free(other);
    free(pattern_path);
    free(nothing);
}
END_TEST

/* More files than one parallel batch, some not wanted: indices, NULL values, order. */
START_TEST(test_batches_and_unwanted)
{
    enum { N = 11 };
    int seeds[N];
    for (int k = 0; k < N; k++) {
        seeds[k] = 5 * k + 1;
        char *path = tu_fmt("%s/f%03d.png", tu_dir, k);
        make_gray16(path, seeds[k]);
        free(path);
    }
    const char *inputs[] = { tu_dir };
    for (int threads = 1; threads <= 3; threads++) {
        blz_source_options o = default_options();
        o.threads = threads;
        blz_source *s;
        ck_assert_int_eq(blz_images_open(&s, inputs, 1, &o), 0);
        blz_frame f;
        for (int k = 0; k < N; k++) {
            bool want = k % 3 != 1;
            ck_assert_int_eq(blz_source_next(s, want, &f), 1);
            ck_assert_int_eq(f.index, k);
            if (!want) {
                ck_assert_ptr_null(f.values);
                continue;
            }
            for (int i = 0; i < W * H; i++)
                ck_assert_float_eq(f.values[i], (float)pattern(seeds[k], i, 65536));
        }
        ck_assert_int_eq(blz_source_next(s, true, &f), 0);
        blz_source_close(s);
    }
}
END_TEST

/* 8-bit RGB, RGBA and 16-bit RGB PNGs: gray by the formula, R,G,B exact; BMP too. */
START_TEST(test_color_formats)
{
    static const struct { const char *name, *pix_fmt; int channels, bytes; } cases[] = {
        { "rgb.png", "rgb24", 3, 1 }, { "rgba.png", "rgba", 4, 1 },
        { "rgb48.png", "rgb48le", 3, 2 }, { "bgr.bmp", "bgr24", 3, 1 },
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        int nch = cases[c].channels, bytes = cases[c].bytes;
        unsigned modulus = bytes == 2 ? 65536 : 256;
        size_t n = (size_t)W * H * nch;
        unsigned *ref = malloc(n * sizeof *ref);
        unsigned char *raw = malloc(n * (size_t)bytes);
        for (size_t i = 0; i < n; i++) {
            ref[i] = pattern((int)c, (int)i * 5 + 1, modulus);
            if (bytes == 2) {
                raw[2 * i] = (unsigned char)(ref[i] & 0xff);
                raw[2 * i + 1] = (unsigned char)(ref[i] >> 8);
            } else {
                raw[i] = (unsigned char)ref[i];
            }
        }
        char *path = tu_fmt("%s/%s", tu_dir, cases[c].name);
        make_image(path, cases[c].pix_fmt, raw, n * (size_t)bytes, W, H);
        const char *inputs[] = { path };
        int bgr = strcmp(cases[c].pix_fmt, "bgr24") == 0;
        for (int rgb = 0; rgb <= 1; rgb++) {
            blz_source_options o = default_options();
            o.rgb = rgb;
            blz_source *s;
            blz_frame f;
            ck_assert_msg(blz_images_open(&s, inputs, 1, &o) == 0, "%s", blz_errmsg());
            ck_assert_int_eq(s->info.bit_depth, 8 * bytes);
            ck_assert_int_eq(blz_source_next(s, true, &f), 1);
            for (int i = 0; i < W * H; i++) {
                const unsigned *px = ref + (size_t)i * nch;
                double r = px[bgr ? 2 : 0], g = px[1], b = px[bgr ? 0 : 2];
                if (rgb) {
                    ck_assert_float_eq(f.values[3 * i], r);
                    ck_assert_float_eq(f.values[3 * i + 1], g);
                    ck_assert_float_eq(f.values[3 * i + 2], b);
                } else {
                    ck_assert_double_eq_tol(f.values[i], 0.299 * r + 0.587 * g + 0.114 * b,
                                            1e-6 * modulus);
                }
            }
            blz_source_close(s);
        }
        free(path);
        free(raw);
        free(ref);
    }
}
END_TEST

/* A palette PNG against ffmpeg's rgb24 decode of it, through the gray formula. */
START_TEST(test_palette_png)
{
    char *path = tu_fmt("%s/pal.png", tu_dir);
    ck_assert_int_eq(tu_sh("ffmpeg -v error -f lavfi -i testsrc2=s=%dx%d -frames:v 1 "
                           "-pix_fmt pal8 %s", W, H, path), 0);
    size_t n;
    unsigned char *ref = ffmpeg_decode(path, "rgb24", &n);
    ck_assert_int_eq(n, (size_t)W * H * 3);
    const char *inputs[] = { path };
    blz_source_options o = default_options();
    blz_source *s;
    blz_frame f;
    ck_assert_int_eq(blz_images_open(&s, inputs, 1, &o), 0);
    ck_assert_str_eq(s->info.pixel_format, "pal8");
    ck_assert_int_eq(blz_source_next(s, true, &f), 1);
    for (int i = 0; i < W * H; i++) {
        const unsigned char *p = ref + 3 * i;
        ck_assert_double_eq_tol(f.values[i], 0.299 * p[0] + 0.587 * p[1] + 0.114 * p[2], 1e-4);
    }
    blz_source_close(s);
    free(ref);
    free(path);
}
END_TEST

/* JPEG (full-range YUV, luma kept) against ffmpeg's gray decode: exact. */
START_TEST(test_jpeg_against_ffmpeg)
{
    for (int k = 0; k < 3; k++) {
        char *path = tu_fmt("%s/shot%d.jpg", tu_dir, k + 1);
        ck_assert_int_eq(tu_sh("ffmpeg -v error -f lavfi -i testsrc2=s=%dx%d -vf "
                               "\"trim=start_frame=%d\" -frames:v 1 %s", W, H, 5 * k, path), 0);
        free(path);
    }
    const char *inputs[] = { tu_dir };
    blz_source_options o = default_options();
    blz_source *s;
    blz_frame f;
    ck_assert_int_eq(blz_images_open(&s, inputs, 1, &o), 0);
    ck_assert_str_eq(s->info.codec, "mjpeg");
    for (int k = 0; k < 3; k++) {
        char *path = tu_fmt("%s/shot%d.jpg", tu_dir, k + 1);
        size_t n;
        unsigned char *ref = ffmpeg_decode(path, "gray", &n);
        ck_assert_int_eq(n, (size_t)W * H);
        ck_assert_int_eq(blz_source_next(s, true, &f), 1);
        for (int i = 0; i < W * H; i++)
            ck_assert_float_eq(f.values[i], ref[i]);
        free(ref);
        free(path);
    }
    blz_source_close(s);
}
END_TEST

/* A file of another size, or another depth: refused, naming it and both sizes. */
START_TEST(test_mismatches_refused)
{
    char *a = tu_fmt("%s/a1.png", tu_dir), *b = tu_fmt("%s/a2.png", tu_dir);
    char *c = tu_fmt("%s/a3.png", tu_dir);
    make_gray16(a, 1);
    make_gray16(b, 2);
    uint16_t small[(W / 2) * H] = { 0 };
    make_image(c, "gray16le", small, sizeof small, W / 2, H);
    const char *inputs[] = { tu_dir };
    blz_source_options o = default_options();
    blz_source *s;
    blz_frame f;
    ck_assert_int_eq(blz_images_open(&s, inputs, 1, &o), 0);
    ck_assert_int_eq(blz_source_next(s, true, &f), 1);
    ck_assert_int_eq(blz_source_next(s, true, &f), 1);
    ck_assert_int_eq(blz_source_next(s, true, &f), BLZ_ERR_FORMAT);
    char *sizes = tu_fmt("size %dx%d differs from %dx%d", W / 2, H, W, H);
    ck_assert_msg(strstr(blz_errmsg(), c) && strstr(blz_errmsg(), sizes), "%s", blz_errmsg());
    blz_source_close(s);
    uint8_t gray8[W * H] = { 0 };
    make_image(c, "gray", gray8, sizeof gray8, W, H);
    ck_assert_int_eq(blz_images_open(&s, inputs, 1, &o), 0);
    ck_assert_int_eq(blz_source_next(s, true, &f), 1);
    ck_assert_int_eq(blz_source_next(s, true, &f), 1);
    ck_assert_int_eq(blz_source_next(s, true, &f), BLZ_ERR_FORMAT);
    ck_assert_msg(strstr(blz_errmsg(), c) && strstr(blz_errmsg(), "8-bit gray"), "%s",
                  blz_errmsg());
    blz_source_close(s);
    free(a);
    free(b);
    free(c);
    free(sizes);
}
END_TEST

/* A truncated file: BLZ_ERR_DECODE naming it, or skipped and recorded with skip_bad. */
START_TEST(test_damaged_file)
{
    int seeds[] = { 1, 2, 3, 4 };
    char *paths[4];
    for (int k = 0; k < 4; k++) {
        paths[k] = tu_fmt("%s/p%d.png", tu_dir, k + 1);
        make_gray16(paths[k], seeds[k]);
    }
    size_t n;
    unsigned char *bytes = tu_slurp(paths[2], &n);
    spit(paths[2], bytes, n / 3);
    free(bytes);
    const char *inputs[] = { tu_dir };
    blz_source_options o = default_options();
    blz_source *s;
    blz_frame f;
    ck_assert_int_eq(blz_images_open(&s, inputs, 1, &o), 0);
    ck_assert_int_eq(blz_source_next(s, true, &f), 1);
    ck_assert_int_eq(blz_source_next(s, true, &f), 1);
    ck_assert_int_eq(blz_source_next(s, true, &f), BLZ_ERR_DECODE);
    ck_assert_ptr_nonnull(strstr(blz_errmsg(), paths[2]));
    blz_source_close(s);
    o.skip_bad = 1;
    ck_assert_int_eq(blz_images_open(&s, inputs, 1, &o), 0);
    int delivered[4], count = 0;
    while (blz_source_next(s, true, &f) == 1) {
        ck_assert_float_eq(f.values[7], (float)pattern(seeds[f.index], 7, 65536));
        delivered[count++] = (int)f.index;
    }
    ck_assert_int_eq(count, 3);
    ck_assert_int_eq(delivered[2], 3);
    ck_assert_int_eq(s->n_skipped, 1);
    ck_assert_int_eq(s->skipped[0], 2);
    blz_source_close(s);
    for (int k = 0; k < 4; k++)
        free(paths[k]);
}
END_TEST

START_TEST(test_listing_errors)
{
    blz_source_options o = default_options();
    blz_source *s;
    const char *inputs[] = { tu_dir };
    ck_assert_int_eq(blz_images_open(&s, inputs, 1, &o), BLZ_ERR_EMPTY);
    ck_assert_ptr_nonnull(strstr(blz_errmsg(), tu_dir));
    char *missing = tu_fmt("%s/missing.png", tu_dir);
    const char *list[] = { missing };
    ck_assert_int_eq(blz_images_open(&s, list, 1, &o), BLZ_ERR_NOENT);
    ck_assert_ptr_nonnull(strstr(blz_errmsg(), missing));
    char *odd = tu_fmt("%s/frame.xyz", tu_dir);
    spit(odd, "x", 1);
    list[0] = odd;
    ck_assert_int_eq(blz_images_open(&s, list, 1, &o), BLZ_ERR_UNSUPPORTED);
    ck_assert_ptr_nonnull(strstr(blz_errmsg(), odd));
    free(missing);
    free(odd);
}
END_TEST

static int sorts_before(const char *a, const char *b)
{
    return blz_natural_compare(a, b) < 0 && blz_natural_compare(b, a) > 0;
}

START_TEST(test_natural_compare)
{
    ck_assert(sorts_before("frame2.png", "frame10.png"));
    ck_assert(sorts_before("frame9", "frame10"));
    ck_assert(sorts_before("a/frame10.png", "b/frame2.png"));
    ck_assert(sorts_before("Frame1.png", "frame2.png"));
    ck_assert(sorts_before("img1_part2", "img1_part10"));
    ck_assert(sorts_before("img", "img0"));
    ck_assert(sorts_before("x007", "x8"));
    ck_assert(sorts_before("x007", "x07") || sorts_before("x07", "x007"));
    ck_assert_int_eq(blz_natural_compare("same10.png", "same10.png"), 0);
    ck_assert(sorts_before("99999999999999999999", "100000000000000000000"));
    ck_assert(blz_has_image_extension("A.PNG") && blz_has_image_extension("b.Tiff"));
    ck_assert(!blz_has_image_extension("notes.txt") && !blz_has_image_extension("png"));
    ck_assert_str_eq(blz_file_extension("dir.d/file.tar.gz"), "gz");
    ck_assert_str_eq(blz_file_extension("dir.d/.hidden"), "");
}
END_TEST

static Suite *images_suite(void)
{
    Suite *s = suite_create("images");
    TCase *tc = tcase_create("sequence");
    tcase_add_checked_fixture(tc, setup, tu_dir_teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_folder_natural_order_gray16);
    tcase_add_test(tc, test_glob_and_list);
    tcase_add_test(tc, test_batches_and_unwanted);
    tcase_add_test(tc, test_color_formats);
    tcase_add_test(tc, test_palette_png);
    tcase_add_test(tc, test_jpeg_against_ffmpeg);
    tcase_add_test(tc, test_mismatches_refused);
    tcase_add_test(tc, test_damaged_file);
    tcase_add_test(tc, test_listing_errors);
    tcase_add_test(tc, test_natural_compare);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run_suite(images_suite());
}
