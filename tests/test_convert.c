/*
 * test_convert.c - AVFrame to float32 conversion, format by format.
 *
 * Frames are filled byte by byte by the test in layouts FFmpeg decoders produce
 * (big-endian 16-bit, 10-bit in the high bits, planar GBR, BGRA, float, gray+alpha,
 * limited/full-range YUV at 8, 10 and 12 bits) and the result is compared with
 * reference loops written here; the swscale fallback (rgb565) is checked for what it
 * gives: bit replication onto the 8-bit scale, as for monob (0 / 255).
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include <libavutil/frame.h>

#include "blitz/error.h"
#include "ingest/avframe_convert.h"
#include "testutil.h"

enum { W = 19, H = 7 }; /* odd sizes: no stride can hide */

static AVFrame *make_frame(enum AVPixelFormat format, enum AVColorRange range)
{
    AVFrame *f = av_frame_alloc();
    ck_assert_ptr_nonnull(f);
    f->format = format;
    f->width = W;
    f->height = H;
    f->color_range = range;
    ck_assert_int_eq(av_frame_get_buffer(f, 0), 0);
    return f;
}

static unsigned value_at(int x, int y, int plane, unsigned modulus)
{
    return (unsigned)((x * 37 + y * 101 + plane * 53 + 7) % modulus);
}

static void put16(uint8_t *p, unsigned v, int big_endian)
{
    p[big_endian ? 0 : 1] = (uint8_t)(v >> 8);
    p[big_endian ? 1 : 0] = (uint8_t)(v & 0xff);
}

/* Convert f with the given options into a fresh buffer; checks the plan's scale. */
static float *convert(const AVFrame *f, int rgb, int keep, int expect_depth)
{
    blz_pixel_layout layout = blz_layout_of_frame(f);
    blz_convert_plan plan;
    blz_convert_scratch scratch = { 0 };
    ck_assert_int_eq(blz_convert_plan_init(&plan, &layout, rgb, keep, "test"), 0);
    ck_assert_int_eq(plan.bit_depth, expect_depth);
    ck_assert_int_eq(plan.channels, rgb ? 3 : 1);
    float *out = malloc((size_t)W * H * (rgb ? 3 : 1) * sizeof *out);
    ck_assert_int_eq(blz_convert_frame(&plan, &scratch, f, out, "test"), 0);
    blz_convert_scratch_free(&scratch);
    return out;
}

static double gray_of(double r, double g, double b)
{
    return 0.299 * r + 0.587 * g + 0.114 * b;
}

START_TEST(test_gray16be)
{
    AVFrame *f = make_frame(AV_PIX_FMT_GRAY16BE, AVCOL_RANGE_UNSPECIFIED);
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++)
            put16(f->data[0] + y * f->linesize[0] + 2 * x, value_at(x, y, 0, 65536) * 13 % 65536, 1);
    float *gray = convert(f, 0, 0, 16), *rgb = convert(f, 1, 0, 16);
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
            float want = (float)(value_at(x, y, 0, 65536) * 13 % 65536);
            ck_assert_float_eq(gray[y * W + x], want);
            for (int c = 0; c < 3; c++)
                ck_assert_float_eq(rgb[3 * (y * W + x) + c], want);
        }
    free(gray);
    free(rgb);
    av_frame_free(&f);
}
END_TEST

/* p010: 10-bit luma in the high bits of 16-bit words, limited range. */
START_TEST(test_p010_luma)
{
    AVFrame *f = make_frame(AV_PIX_FMT_P010LE, AVCOL_RANGE_MPEG);
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++)
            put16(f->data[0] + y * f->linesize[0] + 2 * x, value_at(x, y, 0, 1024) << 6, 0);
    float *kept = convert(f, 0, 1, 10), *expanded = convert(f, 0, 0, 10);
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
            double v = value_at(x, y, 0, 1024);
            double want = (v - 64) * 1023.0 / 876.0;
            want = want < 0 ? 0 : want > 1023 ? 1023 : want;
            ck_assert_float_eq(kept[y * W + x], (float)v);
            ck_assert_double_eq_tol(expanded[y * W + x], want, 1e-4);
        }
    free(kept);
    free(expanded);
    av_frame_free(&f);
}
END_TEST

/* 12-bit planar YUV: bounds 256..3760 expand to 0..4095. */
START_TEST(test_yuv12_expansion)
{
    AVFrame *f = make_frame(AV_PIX_FMT_YUV422P12LE, AVCOL_RANGE_UNSPECIFIED);
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++)
            put16(f->data[0] + y * f->linesize[0] + 2 * x, value_at(x, y, 0, 4096), 0);
    float *expanded = convert(f, 0, 0, 12);
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
            double want = (value_at(x, y, 0, 4096) - 256.0) * 4095.0 / 3504.0;
            want = want < 0 ? 0 : want > 4095 ? 4095 : want;
            ck_assert_double_eq_tol(expanded[y * W + x], want, 1e-3);
        }
    free(expanded);
    av_frame_free(&f);
}
END_TEST

/* 8-bit YUV: limited range expands, pc range and yuvj keep the values. */
START_TEST(test_yuv8_ranges)
{
    static const struct { enum AVPixelFormat fmt; enum AVColorRange range; int full; } cases[] = {
        { AV_PIX_FMT_YUV420P, AVCOL_RANGE_MPEG, 0 },
        { AV_PIX_FMT_YUV420P, AVCOL_RANGE_UNSPECIFIED, 0 },
        { AV_PIX_FMT_YUV420P, AVCOL_RANGE_JPEG, 1 },
        { AV_PIX_FMT_YUVJ420P, AVCOL_RANGE_UNSPECIFIED, 1 },
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        AVFrame *f = make_frame(cases[k].fmt, cases[k].range);
        for (int y = 0; y < H; y++)
            for (int x = 0; x < W; x++)
                f->data[0][y * f->linesize[0] + x] = (uint8_t)value_at(x, y, 0, 256);
        float *gray = convert(f, 0, 0, 8);
        for (int y = 0; y < H; y++)
            for (int x = 0; x < W; x++) {
                double v = value_at(x, y, 0, 256);
                double want = cases[k].full ? v : (v - 16) * 255.0 / 219.0;
                want = want < 0 ? 0 : want > 255 ? 255 : want;
                ck_assert_double_eq_tol(gray[y * W + x], want, 1e-4);
            }
        free(gray);
        av_frame_free(&f);
    }
}
END_TEST

/* Planar GBR: planes hold G, B, R in that order. */
START_TEST(test_gbrp_planes)
{
    AVFrame *f = make_frame(AV_PIX_FMT_GBRP, AVCOL_RANGE_UNSPECIFIED);
    for (int p = 0; p < 3; p++)
        for (int y = 0; y < H; y++)
            for (int x = 0; x < W; x++)
                f->data[p][y * f->linesize[p] + x] = (uint8_t)value_at(x, y, p, 256);
    float *gray = convert(f, 0, 0, 8), *rgb = convert(f, 1, 0, 8);
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
            double g = value_at(x, y, 0, 256), b = value_at(x, y, 1, 256);
            double r = value_at(x, y, 2, 256);
            int i = y * W + x;
            ck_assert_float_eq(rgb[3 * i], r);
            ck_assert_float_eq(rgb[3 * i + 1], g);
            ck_assert_float_eq(rgb[3 * i + 2], b);
            ck_assert_double_eq_tol(gray[i], gray_of(r, g, b), 1e-4);
        }
    free(gray);
    free(rgb);
    av_frame_free(&f);
}
END_TEST

/* Packed BGRA: byte order B, G, R, A; alpha ignored; gray by the formula. */
START_TEST(test_bgra_order)
{
    AVFrame *f = make_frame(AV_PIX_FMT_BGRA, AVCOL_RANGE_UNSPECIFIED);
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++)
            for (int c = 0; c < 4; c++)
                f->data[0][y * f->linesize[0] + 4 * x + c] = (uint8_t)value_at(x, y, c, 256);
    float *rgb = convert(f, 1, 0, 8), *gray = convert(f, 0, 0, 8);
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
            for (int c = 0; c < 3; c++)
                ck_assert_float_eq(rgb[3 * (y * W + x) + c], value_at(x, y, 2 - c, 256));
            ck_assert_double_eq_tol(gray[y * W + x], gray_of(value_at(x, y, 2, 256),
                                    value_at(x, y, 1, 256), value_at(x, y, 0, 256)), 1e-4);
        }
    free(rgb);
    free(gray);
    av_frame_free(&f);
}
END_TEST

/* Float gray: values unchanged, negative and fractional ones too. */
START_TEST(test_grayf32)
{
    AVFrame *f = make_frame(AV_PIX_FMT_GRAYF32LE, AVCOL_RANGE_UNSPECIFIED);
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
            float v = ((float)value_at(x, y, 0, 1000) - 500.0f) / 7.0f;
            memcpy(f->data[0] + y * f->linesize[0] + 4 * x, &v, sizeof v);
        }
    float *gray = convert(f, 0, 0, 32);
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++)
            ck_assert_float_eq(gray[y * W + x], ((float)value_at(x, y, 0, 1000) - 500.0f) / 7.0f);
    free(gray);
    av_frame_free(&f);
}
END_TEST

/* Gray + alpha, 16-bit: the gray samples, exact. */
START_TEST(test_ya16)
{
    AVFrame *f = make_frame(AV_PIX_FMT_YA16LE, AVCOL_RANGE_UNSPECIFIED);
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
            put16(f->data[0] + y * f->linesize[0] + 4 * x, value_at(x, y, 0, 65536) * 29 % 65536, 0);
            put16(f->data[0] + y * f->linesize[0] + 4 * x + 2, 0xffff, 0);
        }
    float *gray = convert(f, 0, 0, 16);
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++)
            ck_assert_float_eq(gray[y * W + x], (float)(value_at(x, y, 0, 65536) * 29 % 65536));
    free(gray);
    av_frame_free(&f);
}
END_TEST

/* rgb565 goes through swscale to rgb24: bits replicated onto the 8-bit scale. */
START_TEST(test_rgb565_fallback)
{
    AVFrame *f = make_frame(AV_PIX_FMT_RGB565LE, AVCOL_RANGE_UNSPECIFIED);
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++)
            put16(f->data[0] + y * f->linesize[0] + 2 * x, value_at(x, y, 0, 65536) * 97 % 65536, 0);
    float *rgb = convert(f, 1, 0, 8), *gray = convert(f, 0, 0, 8);
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
            unsigned word = value_at(x, y, 0, 65536) * 97 % 65536;
            unsigned r5 = word >> 11, g6 = (word >> 5) & 63, b5 = word & 31;
            double r = r5 << 3 | r5 >> 2, g = g6 << 2 | g6 >> 4, b = b5 << 3 | b5 >> 2;
            const float *px = rgb + 3 * (y * W + x);
            ck_assert_float_eq(px[0], r);
            ck_assert_float_eq(px[1], g);
            ck_assert_float_eq(px[2], b);
            ck_assert_double_eq_tol(gray[y * W + x], gray_of(r, g, b), 1e-4);
        }
    free(rgb);
    free(gray);
    av_frame_free(&f);
}
END_TEST

/* monob (1 bit per pixel, 1 = black) goes through swscale to gray8: 0 or 255. */
START_TEST(test_monob_fallback)
{
    AVFrame *f = make_frame(AV_PIX_FMT_MONOBLACK, AVCOL_RANGE_UNSPECIFIED);
    for (int y = 0; y < H; y++)
        for (int i = 0; i < (W + 7) / 8; i++)
            f->data[0][y * f->linesize[0] + i] = (uint8_t)value_at(i, y, 0, 256);
    float *gray = convert(f, 0, 0, 8);
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
            unsigned bit = value_at(x / 8, y, 0, 256) >> (7 - x % 8) & 1;
            ck_assert_float_eq(gray[y * W + x], bit ? 255.0f : 0.0f);
        }
    free(gray);
    av_frame_free(&f);
}
END_TEST

START_TEST(test_plan_compatibility)
{
    blz_pixel_layout a = { AV_PIX_FMT_GRAY16BE, W, H, AVCOL_RANGE_UNSPECIFIED, AVCOL_SPC_UNSPECIFIED };
    blz_pixel_layout b = a, c = a, d = a;
    b.format = AV_PIX_FMT_GRAY16LE; /* same samples, other byte order: fine */
    c.width = W + 1;
    d.format = AV_PIX_FMT_GRAY8;
    blz_convert_plan pa, pb, pc, pd;
    ck_assert_int_eq(blz_convert_plan_init(&pa, &a, 0, 0, "a"), 0);
    ck_assert_int_eq(blz_convert_plan_init(&pb, &b, 0, 0, "b"), 0);
    ck_assert_int_eq(blz_convert_plan_init(&pc, &c, 0, 0, "c"), 0);
    ck_assert_int_eq(blz_convert_plan_init(&pd, &d, 0, 0, "d"), 0);
    char why[160];
    ck_assert(blz_convert_plan_compatible(&pa, &pb, why, sizeof why));
    ck_assert(!blz_convert_plan_compatible(&pa, &pc, why, sizeof why));
    ck_assert_str_eq(why, "size 20x7 differs from 19x7");
    ck_assert(!blz_convert_plan_compatible(&pa, &pd, why, sizeof why));
    ck_assert_str_eq(why, "8-bit gray samples differ from 16-bit gray");
    blz_pixel_layout hw = a;
    hw.format = AV_PIX_FMT_VAAPI;
    ck_assert_int_eq(blz_convert_plan_init(&pa, &hw, 0, 0, "hw.mkv"), BLZ_ERR_UNSUPPORTED);
    ck_assert_ptr_nonnull(strstr(blz_errmsg(), "hw.mkv"));
}
END_TEST

static Suite *convert_suite(void)
{
    Suite *s = suite_create("convert");
    TCase *tc = tcase_create("formats");
    tcase_add_test(tc, test_gray16be);
    tcase_add_test(tc, test_p010_luma);
    tcase_add_test(tc, test_yuv12_expansion);
    tcase_add_test(tc, test_yuv8_ranges);
    tcase_add_test(tc, test_gbrp_planes);
    tcase_add_test(tc, test_bgra_order);
    tcase_add_test(tc, test_grayf32);
    tcase_add_test(tc, test_ya16);
    tcase_add_test(tc, test_rgb565_fallback);
    tcase_add_test(tc, test_monob_fallback);
    tcase_add_test(tc, test_plan_compatibility);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run_suite(convert_suite());
}
