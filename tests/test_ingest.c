/*
 * test_ingest.c - the ingest driver end to end: input -> blz_ingest -> cache -> reader.
 *
 * Inputs are made here: .npy arrays by numpy with a pattern the test also computes in a
 * plain loop, a 16-bit TIFF by the ffmpeg command line whose raw decode is the
 * reference. The cache read back through blz_cache_read_region must equal the source
 * exactly (frame selection, crop, transpose and flips only move values). Failures
 * (budget, existing output, cancellation, a bad TIFF page mid-stream, written here with
 * libtiff) must leave nothing at
 * the output path and no temporary file in the folder.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <tiffio.h>

#include "blitz/blitz.h"
#include "testutil.h"

enum { T = 10, H = 13, W = 11 };

/* Value of the THW uint16 test array at (t, y, x). */
static float pattern(int64_t t, int y, int x)
{
    return (float)(((t * H + y) * W + x) * 37 % 1009);
}

typedef struct fixture {
    char *dir, *npy, *cache;
} fixture;

static fixture make_fixture(void)
{
    ck_assert_msg(tu_have_numpy(), "numpy is needed through /usr/bin/python3");
    fixture fx = { tu_tmpdir(), NULL, NULL };
    fx.npy = tu_fmt("%s/stack.npy", fx.dir);
    fx.cache = tu_fmt("%s/out.blz", fx.dir);
    ck_assert_int_eq(tu_sh("/usr/bin/python3 -c \"import numpy as np; "
                           "np.save('%s', (np.arange(%d) * 37 %% 1009).astype('<u2')"
                           ".reshape(%d, %d, %d))\"", fx.npy, T * H * W, T, H, W), 0);
    return fx;
}

static void drop_fixture(fixture *fx)
{
    tu_rmtree(fx->dir);
    free(fx->dir);
    free(fx->npy);
    free(fx->cache);
}

/* Values of n floats that differ from their expected values (counted, so that a
 * mismatch is reported once rather than asserting every value). */
static size_t count_differences(const float *got, const float *want, size_t n)
{
    size_t bad = 0;
    for (size_t i = 0; i < n; i++)
        bad += got[i] != want[i];
    return bad;
}

/* Read frame t of an open cache into a malloc'd buffer. */
static float *read_frame(const blz_cache *c, int64_t t)
{
    const blz_layout *l = blz_cache_layout(c);
    float *v = malloc(l->frame_values * sizeof *v);
    blz_chunk_buf *buf = blz_chunk_buf_alloc(c);
    ck_assert_msg(blz_cache_read_region(c, t, 0, 0, l->width, l->height, buf, v) == BLZ_OK,
                  "%s", blz_errmsg());
    blz_chunk_buf_free(buf);
    return v;
}

static int ingest_one(const char *input, const char *output, const blz_ingest_options *o,
                      blz_ingest_report *r)
{
    const char *inputs[] = { input };
    return blz_ingest(inputs, 1, output, o, r);
}

START_TEST(npy_roundtrip_exact)
{
    fixture fx = make_fixture();
    blz_ingest_options o;
    blz_ingest_options_init(&o);
    o.ct = 4;
    o.th = 8;
    o.tw = 8;
    blz_ingest_report r;
    ck_assert_msg(ingest_one(fx.npy, fx.cache, &o, &r) == BLZ_OK, "%s", blz_errmsg());
    ck_assert_int_eq(r.frames_written, T);
    ck_assert_int_eq(r.frames_decoded, T);
    ck_assert_int_eq(r.width, W);
    ck_assert_int_eq(r.height, H);
    ck_assert_uint_eq(r.bytes_raw, (uint64_t)T * H * W * 4);
    ck_assert_uint_gt(r.bytes_out, 0);
    ck_assert_str_eq(r.source_kind, "npy");
    blz_cache *c;
    ck_assert_int_eq(blz_cache_open(&c, fx.cache, BLZ_OPEN_VERIFY), BLZ_OK);
    const blz_layout *l = blz_cache_layout(c);
    ck_assert_int_eq(l->frames, T);
    ck_assert_int_eq(l->height, H);
    ck_assert_int_eq(l->width, W);
    ck_assert_int_eq(l->channels, 1);
    ck_assert_int_eq(l->ct, 4);
    for (int64_t t = 0; t < T; t++) {
        float *v = read_frame(c, t), want[H * W];
        for (int y = 0; y < H; y++)
            for (int x = 0; x < W; x++)
                want[y * W + x] = pattern(t, y, x);
        ck_assert_uint_eq(count_differences(v, want, H * W), 0);
        free(v);
        int64_t index;
        double ts;
        ck_assert_int_eq(blz_cache_frame_info(c, t, &index, &ts), BLZ_OK);
        ck_assert_int_eq(index, t);
    }
    ck_assert_str_eq(blz_cache_meta_get(c, "source"), fx.npy);
    ck_assert_str_eq(blz_cache_meta_get(c, "source_kind"), "npy");
    ck_assert_str_eq(blz_cache_meta_get(c, "pixel_format"), "<u2");
    ck_assert_str_eq(blz_cache_meta_get(c, "bit_depth"), "16");
    ck_assert_ptr_nonnull(strstr(blz_cache_meta_get(c, "ingest_options"), "chunk=4x8x8"));
    ck_assert_ptr_nonnull(strstr(blz_cache_meta_get(c, "source_identity"), "size="));
    ck_assert_ptr_nonnull(strstr(blz_cache_meta_get(c, "tool_version"), blz_version()));
    ck_assert_ptr_null(blz_cache_meta_get(c, "skipped_frames"));
    blz_cache_close(c);
    blz_ingest_report_free(&r);
    drop_fixture(&fx);
}
END_TEST

START_TEST(frame_selection_with_step)
{
    fixture fx = make_fixture();
    blz_ingest_options o;
    blz_ingest_options_init(&o);
    o.start = 1;
    o.stop = 8;
    o.step = 3;
    blz_ingest_report r;
    ck_assert_msg(ingest_one(fx.npy, fx.cache, &o, &r) == BLZ_OK, "%s", blz_errmsg());
    ck_assert_int_eq(r.frames_written, 3);
    ck_assert_int_eq(r.frames_decoded, 8);   /* decoding stops at the stop index */
    ck_assert_int_eq(r.ct, 3);                /* the time block fits the selection */
    blz_cache *c;
    ck_assert_int_eq(blz_cache_open(&c, fx.cache, 0), BLZ_OK);
    ck_assert_int_eq(blz_cache_layout(c)->frames, 3);
    const int64_t want[] = { 1, 4, 7 };
    for (int64_t t = 0; t < 3; t++) {
        int64_t index;
        double ts;
        ck_assert_int_eq(blz_cache_frame_info(c, t, &index, &ts), BLZ_OK);
        ck_assert_int_eq(index, want[t]);
        float *v = read_frame(c, t);
        ck_assert_float_eq(v[5 * W + 3], pattern(want[t], 5, 3));
        ck_assert_float_eq(v[H * W - 1], pattern(want[t], H - 1, W - 1));
        free(v);
    }
    ck_assert_ptr_nonnull(strstr(blz_cache_meta_get(c, "ingest_options"), "frames=1:8:3"));
    blz_cache_close(c);
    o.start = 20;
    o.stop = -1;
    ck_assert_int_eq(ingest_one(fx.npy, fx.cache, &o, NULL), BLZ_ERR_EMPTY);
    drop_fixture(&fx);
}
END_TEST

START_TEST(geometry_applied)
{
    fixture fx = make_fixture();
    blz_ingest_options o;
    blz_ingest_options_init(&o);
    o.geometry = (blz_geometry){ .crop_x = 2, .crop_y = 3, .crop_w = 5, .crop_h = 7,
                                 .transpose = 1, .flip_y = 1 };
    blz_ingest_report r;
    ck_assert_msg(ingest_one(fx.npy, fx.cache, &o, &r) == BLZ_OK, "%s", blz_errmsg());
    ck_assert_int_eq(r.width, 7);
    ck_assert_int_eq(r.height, 5);
    blz_cache *c;
    ck_assert_int_eq(blz_cache_open(&c, fx.cache, 0), BLZ_OK);
    for (int64_t t = 0; t < T; t += 3) {
        float *v = read_frame(c, t), want[5 * 7];
        /* out(y, x) = transposed(4 - y, x) = cropped(x, 4 - y) = src(3 + x, 2 + 4 - y) */
        for (int y = 0; y < 5; y++)
            for (int x = 0; x < 7; x++)
                want[y * 7 + x] = pattern(t, 3 + x, 6 - y);
        ck_assert_uint_eq(count_differences(v, want, 5 * 7), 0);
        free(v);
    }
    blz_cache_close(c);
    o.geometry = (blz_geometry){ .scale = 0.5 };
    ck_assert_int_eq(ingest_one(fx.npy, fx.cache, &o, &r), BLZ_ERR_EXISTS);
    o.replace = 1;
    ck_assert_msg(ingest_one(fx.npy, fx.cache, &o, &r) == BLZ_OK, "%s", blz_errmsg());
    ck_assert_int_eq(r.width, 6);   /* round(11 * 0.5) = 6 (5.5 rounds away from zero) */
    ck_assert_int_eq(r.height, 7);  /* round(13 * 0.5) = 7 */
    drop_fixture(&fx);
}
END_TEST

START_TEST(budget_fits_time_block)
{
    fixture fx = make_fixture();
    blz_ingest_options o;
    blz_ingest_options_init(&o);
    blz_writer_options wo = { .height = H, .width = W, .channels = 1, .ct = 2, .th = H,
                              .tw = W, .codec = o.codec };
    const size_t two_frames = blz_writer_memory(&wo);
    ck_assert_uint_gt(two_frames, 0);
    o.ram_budget = two_frames;
    blz_ingest_report r;
    ck_assert_msg(ingest_one(fx.npy, fx.cache, &o, &r) == BLZ_OK, "%s", blz_errmsg());
    ck_assert_int_eq(r.ct, 2);
    ck_assert_int_eq(r.frames_written, T);
    tu_sh("rm -f %s", fx.cache);
    wo.ct = 1;
    o.ram_budget = blz_writer_memory(&wo) - 1;
    ck_assert_int_eq(ingest_one(fx.npy, fx.cache, &o, &r), BLZ_ERR_BUDGET);
    ck_assert_ptr_nonnull(strstr(blz_errmsg(), "budget"));
    ck_assert(!tu_exists(fx.cache));
    ck_assert_int_eq(tu_count_entries(fx.dir), 1);
    drop_fixture(&fx);
}
END_TEST

/* Two 8-bit gray pages of different widths. */
static void write_mixed_tiff(const char *path)
{
    TIFF *tif = TIFFOpen(path, "w");
    ck_assert_ptr_nonnull(tif);
    unsigned char row[9] = { 0 };
    for (uint32_t page = 0; page < 2; page++) {
        TIFFSetField(tif, TIFFTAG_IMAGEWIDTH, 8 + page);
        TIFFSetField(tif, TIFFTAG_IMAGELENGTH, 6u);
        TIFFSetField(tif, TIFFTAG_BITSPERSAMPLE, 8);
        TIFFSetField(tif, TIFFTAG_SAMPLESPERPIXEL, 1);
        TIFFSetField(tif, TIFFTAG_PHOTOMETRIC, PHOTOMETRIC_MINISBLACK);
        for (uint32_t y = 0; y < 6; y++)
            ck_assert_int_eq(TIFFWriteScanline(tif, row, y, 0), 1);
        ck_assert_int_eq(TIFFWriteDirectory(tif), 1);
    }
    TIFFClose(tif);
}

/* Three deflate-compressed 8-bit pages whose second page's data is garbage. */
static void write_damaged_tiff(const char *path)
{
    TIFF *tif = TIFFOpen(path, "w");
    ck_assert_ptr_nonnull(tif);
    unsigned char row[16];
    for (uint32_t page = 0; page < 3; page++) {
        TIFFSetField(tif, TIFFTAG_IMAGEWIDTH, 16u);
        TIFFSetField(tif, TIFFTAG_IMAGELENGTH, 8u);
        TIFFSetField(tif, TIFFTAG_BITSPERSAMPLE, 8);
        TIFFSetField(tif, TIFFTAG_SAMPLESPERPIXEL, 1);
        TIFFSetField(tif, TIFFTAG_PHOTOMETRIC, PHOTOMETRIC_MINISBLACK);
        TIFFSetField(tif, TIFFTAG_COMPRESSION, COMPRESSION_ADOBE_DEFLATE);
        TIFFSetField(tif, TIFFTAG_ROWSPERSTRIP, 8u);
        for (uint32_t y = 0; y < 8; y++) {
            for (int x = 0; x < 16; x++)
                row[x] = (unsigned char)(page * 50 + y * 16 + (uint32_t)x);
            ck_assert_int_eq(TIFFWriteScanline(tif, row, y, 0), 1);
        }
        ck_assert_int_eq(TIFFWriteDirectory(tif), 1);
    }
    TIFFClose(tif);
    tif = TIFFOpen(path, "r");
    ck_assert_int_eq(TIFFSetDirectory(tif, 1), 1);
    uint64_t *offsets, *counts;
    ck_assert_int_eq(TIFFGetField(tif, TIFFTAG_STRIPOFFSETS, &offsets), 1);
    ck_assert_int_eq(TIFFGetField(tif, TIFFTAG_STRIPBYTECOUNTS, &counts), 1);
    const long at = (long)offsets[0], n = (long)counts[0];
    TIFFClose(tif);
    FILE *f = fopen(path, "r+b");
    ck_assert_int_eq(fseek(f, at, SEEK_SET), 0);
    for (long i = 0; i < n; i++)
        fputc(0xff, f);
    fclose(f);
}

START_TEST(undecodable_page_fails_or_is_skipped)
{
    fixture fx = make_fixture();
    char *tif = tu_fmt("%s/damaged.tif", fx.dir);
    write_damaged_tiff(tif);
    blz_ingest_options o;
    blz_ingest_options_init(&o);
    ck_assert_int_eq(ingest_one(tif, fx.cache, &o, NULL), BLZ_ERR_DECODE);
    ck_assert_ptr_nonnull(strstr(blz_errmsg(), "damaged.tif: page 1"));
    ck_assert(!tu_exists(fx.cache));
    o.skip_bad = 1;
    blz_ingest_report r;
    ck_assert_msg(ingest_one(tif, fx.cache, &o, &r) == BLZ_OK, "%s", blz_errmsg());
    ck_assert_int_eq(r.frames_written, 2);
    ck_assert_uint_eq(r.n_skipped, 1);
    ck_assert_int_eq(r.skipped[0], 1);
    blz_cache *c;
    ck_assert_int_eq(blz_cache_open(&c, fx.cache, 0), BLZ_OK);
    ck_assert_str_eq(blz_cache_meta_get(c, "skipped_frames"), "1");
    int64_t index;
    double ts;
    ck_assert_int_eq(blz_cache_frame_info(c, 1, &index, &ts), BLZ_OK);
    ck_assert_int_eq(index, 2);
    float *v = read_frame(c, 1);
    ck_assert_float_eq(v[3 * 16 + 5], 100 + 3 * 16 + 5);
    free(v);
    blz_cache_close(c);
    blz_ingest_report_free(&r);
    free(tif);
    drop_fixture(&fx);
}
END_TEST

static int cancel_at_three(void *user, int64_t done, int64_t expected, uint64_t bytes)
{
    int *calls = user;
    ++*calls;
    ck_assert_int_eq(expected, T);
    ck_assert_uint_eq(bytes, (uint64_t)done * H * W * 4);
    return done >= 3;
}

START_TEST(failures_leave_nothing)
{
    fixture fx = make_fixture();
    blz_ingest_options o;
    blz_ingest_options_init(&o);
    int calls = 0;
    o.progress = cancel_at_three;
    o.progress_user = &calls;
    o.ct = 2;
    ck_assert_int_eq(ingest_one(fx.npy, fx.cache, &o, NULL), BLZ_ERR_CANCELLED);
    ck_assert_int_eq(calls, 3);
    ck_assert(!tu_exists(fx.cache));
    ck_assert_int_eq(tu_count_entries(fx.dir), 1);
    /* a TIFF whose second page differs fails mid-stream, after the writer opened */
    char *tif = tu_fmt("%s/mixed.tif", fx.dir);
    write_mixed_tiff(tif);
    blz_ingest_options_init(&o);
    ck_assert_int_eq(ingest_one(tif, fx.cache, &o, NULL), BLZ_ERR_FORMAT);
    ck_assert_ptr_nonnull(strstr(blz_errmsg(), "page 1"));
    ck_assert(!tu_exists(fx.cache));
    ck_assert_int_eq(tu_count_entries(fx.dir), 2);
    const char *missing[] = { "/nonexistent/blitz/input.npy" };
    ck_assert_int_eq(blz_ingest(missing, 1, fx.cache, &o, NULL), BLZ_ERR_NOENT);
    ck_assert_ptr_nonnull(strstr(blz_errmsg(), "/nonexistent/blitz/input.npy"));
    free(tif);
    drop_fixture(&fx);
}
END_TEST

START_TEST(tiff_from_ffmpeg_matches_raw_decode)
{
    ck_assert_msg(tu_have_ffmpeg(), "the ffmpeg command line is needed");
    char *dir = tu_tmpdir();
    char *tif = tu_fmt("%s/in.tif", dir), *raw = tu_fmt("%s/ref.raw", dir);
    char *cache = tu_fmt("%s/out.blz", dir);
    ck_assert_int_eq(tu_sh("ffmpeg -v error -f lavfi -i testsrc2=s=40x24 -frames:v 1 "
                           "-pix_fmt gray16le %s && ffmpeg -v error -i %s -f rawvideo "
                           "-pix_fmt gray16le %s", tif, tif, raw), 0);
    blz_ingest_options o;
    blz_ingest_options_init(&o);
    o.codec = BLZ_CODEC_LZ4;
    blz_ingest_report r;
    const char *inputs[] = { tif };
    ck_assert_msg(blz_ingest(inputs, 1, cache, &o, &r) == BLZ_OK, "%s", blz_errmsg());
    ck_assert_str_eq(r.source_kind, "tiff");
    blz_cache *c;
    ck_assert_int_eq(blz_cache_open(&c, cache, BLZ_OPEN_VERIFY), BLZ_OK);
    ck_assert_int_eq(blz_cache_layout(c)->frames, 1);
    float *v = read_frame(c, 0);
    FILE *f = fopen(raw, "rb");
    uint16_t ref[40 * 24];
    ck_assert_uint_eq(fread(ref, 2, 40 * 24, f), 40 * 24);
    fclose(f);
    int distinct = 0;
    float want[40 * 24];
    for (int i = 0; i < 40 * 24; i++) {
        want[i] = ref[i];
        distinct += i > 0 && ref[i] != ref[i - 1];
    }
    ck_assert_uint_eq(count_differences(v, want, 40 * 24), 0);
    ck_assert_int_gt(distinct, 10);
    free(v);
    blz_cache_close(c);
    free(tif);
    free(raw);
    free(cache);
    tu_rmtree(dir);
    free(dir);
}
END_TEST

/* The first bytes of a raw file, malloc'd. */
static unsigned char *read_raw(const char *path, size_t bytes)
{
    unsigned char *v = malloc(bytes);
    FILE *f = fopen(path, "rb");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fread(v, 1, bytes, f), bytes);
    fclose(f);
    return v;
}

START_TEST(video_selection_matches_ffmpeg_decode)
{
    ck_assert_msg(tu_have_ffmpeg(), "the ffmpeg command line is needed");
    char *dir = tu_tmpdir();
    char *video = tu_fmt("%s/v.mkv", dir), *raw = tu_fmt("%s/ref.gray", dir);
    char *cache = tu_fmt("%s/v.blz", dir);
    enum { VW = 48, VH = 32, VT = 12 };
    ck_assert_int_eq(tu_sh("ffmpeg -v error -f lavfi -i testsrc2=s=%dx%d:r=25 -frames:v %d "
                           "-c:v ffv1 -pix_fmt gray %s && ffmpeg -v error -i %s -f rawvideo "
                           "-pix_fmt gray %s", VW, VH, VT, video, video, raw), 0);
    unsigned char *ref = read_raw(raw, (size_t)VW * VH * VT);
    blz_ingest_options o;
    blz_ingest_options_init(&o);
    o.start = 2;
    o.stop = 9;
    o.step = 3;
    blz_ingest_report r;
    const char *inputs[] = { video };
    ck_assert_msg(blz_ingest(inputs, 1, cache, &o, &r) == BLZ_OK, "%s", blz_errmsg());
    ck_assert_str_eq(r.source_kind, "video");
    blz_cache *c;
    ck_assert_int_eq(blz_cache_open(&c, cache, BLZ_OPEN_VERIFY), BLZ_OK);
    ck_assert_int_eq(blz_cache_layout(c)->frames, 3);
    double previous = -1;
    for (int64_t t = 0; t < 3; t++) {
        int64_t index;
        double ts;
        ck_assert_int_eq(blz_cache_frame_info(c, t, &index, &ts), BLZ_OK);
        ck_assert_int_eq(index, 2 + 3 * t);
        ck_assert_double_gt(ts, previous);
        previous = ts;
        float *v = read_frame(c, t);
        const unsigned char *frame = ref + (size_t)index * VW * VH;
        float want[VW * VH];
        for (int i = 0; i < VW * VH; i++)
            want[i] = frame[i];
        ck_assert_uint_eq(count_differences(v, want, VW * VH), 0);
        free(v);
    }
    blz_cache_close(c);
    free(ref);
    free(video);
    free(raw);
    free(cache);
    tu_rmtree(dir);
    free(dir);
}
END_TEST

START_TEST(image_folder_records_ignored_files)
{
    ck_assert_msg(tu_have_ffmpeg(), "the ffmpeg command line is needed");
    char *dir = tu_tmpdir();
    char *cache = tu_fmt("%s/out.blz", dir), *shots = tu_fmt("%s/shots", dir);
    ck_assert_int_eq(tu_sh("mkdir %s && cd %s && ffmpeg -v error -f lavfi -i "
                           "testsrc2=s=16x8 -frames:v 3 -pix_fmt gray f%%d.png && "
                           "echo notes > notes.txt", shots, shots), 0);
    blz_ingest_options o;
    blz_ingest_options_init(&o);
    blz_ingest_report r;
    const char *inputs[] = { shots };
    ck_assert_msg(blz_ingest(inputs, 1, cache, &o, &r) == BLZ_OK, "%s", blz_errmsg());
    ck_assert_int_eq(r.frames_written, 3);
    ck_assert_int_eq(r.files_ignored, 1);
    blz_cache *c;
    ck_assert_int_eq(blz_cache_open(&c, cache, 0), BLZ_OK);
    ck_assert_str_eq(blz_cache_meta_get(c, "source_kind"), "images");
    ck_assert_str_eq(blz_cache_meta_get(c, "files_ignored"), "1");
    blz_cache_close(c);
    free(cache);
    free(shots);
    tu_rmtree(dir);
    free(dir);
}
END_TEST

static Suite *ingest_suite(void)
{
    Suite *s = suite_create("ingest");
    TCase *tc = tcase_create("driver");
    tcase_add_test(tc, npy_roundtrip_exact);
    tcase_add_test(tc, frame_selection_with_step);
    tcase_add_test(tc, geometry_applied);
    tcase_add_test(tc, budget_fits_time_block);
    tcase_add_test(tc, failures_leave_nothing);
    tcase_add_test(tc, undecodable_page_fails_or_is_skipped);
    tcase_add_test(tc, tiff_from_ffmpeg_matches_raw_decode);
    tcase_add_test(tc, video_selection_matches_ffmpeg_decode);
    tcase_add_test(tc, image_folder_records_ignored_files);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run_suite(ingest_suite());
}
