/*
 * test_video.c - the video source against independent references.
 *
 * Fixtures are made in a temporary folder with the ffmpeg command line: lossless FFV1
 * / PNG-in-MKV files from raw frames written by the test (values known exactly), and
 * lossy h264 files checked against ffmpeg's own gray / rgb24 / yuv420p decodes. Frame
 * counts and timestamps of a variable-frame-rate file are checked against ffprobe.
 * Truncated and damaged files must fail (or, with skip_bad, keep what ffprobe can
 * decode and describe the damage); good files of many codecs and containers must not.
 */
#include <check.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blitz/error.h"
#include "ingest/source.h"
#include "testutil.h"

enum { W = 32, H = 24, FRAMES = 6 };

/* Every frame of a source, copied out. */
typedef struct decoded {
    float *values;   /* frames * per_frame */
    double *timestamps;
    int64_t *indices;
    size_t frames, per_frame;
    blz_source_info info;
    size_t n_skipped;
    char damage[sizeof ((blz_source_info *)0)->damage]; /* info.damage at the end */
} decoded;

static blz_source_options default_options(void)
{
    blz_source_options o = { .stream = -1 };
    return o;
}

/* Decode every frame of path; returns the status of the open or of the last next (0 at
 * the end). Frames delivered before a failure are kept. */
static int decode_all(const char *path, const blz_source_options *o, decoded *out)
{
    memset(out, 0, sizeof *out);
    blz_source *s;
    int rc = blz_video_open(&s, path, o);
    if (rc != BLZ_OK)
        return rc;
    out->info = s->info;
    out->per_frame = (size_t)s->info.width * s->info.height * s->info.channels;
    size_t cap = 0;
    blz_frame f;
    while ((rc = blz_source_next(s, true, &f)) == 1) {
        if (out->frames == cap) {
            cap = cap ? 2 * cap : 16;
            out->values = realloc(out->values, cap * out->per_frame * sizeof(float));
            out->timestamps = realloc(out->timestamps, cap * sizeof(double));
            out->indices = realloc(out->indices, cap * sizeof(int64_t));
            ck_assert(out->values && out->timestamps && out->indices);
        }
        memcpy(out->values + out->frames * out->per_frame, f.values,
               out->per_frame * sizeof(float));
        out->timestamps[out->frames] = f.timestamp;
        out->indices[out->frames] = f.index;
        out->frames++;
    }
    out->n_skipped = s->n_skipped;
    memcpy(out->damage, s->info.damage, sizeof out->damage);
    blz_source_close(s);
    return rc;
}

static void decoded_free(decoded *d)
{
    free(d->values);
    free(d->timestamps);
    free(d->indices);
}

static void spit(const char *path, const void *data, size_t size)
{
    FILE *f = fopen(path, "wb");
    ck_assert(f && fwrite(data, 1, size, f) == size);
    fclose(f);
}

/* A distinct value for each frame and pixel, below modulus. */
static unsigned pattern(int frame, int y, int x, unsigned modulus)
{
    return (unsigned)((frame * 7919u + (unsigned)y * 131u + (unsigned)x * 17u + 5u) % modulus);
}

/* Each test gets a fresh folder (tu_dir); the fixtures need the ffmpeg command line. */
static void setup(void)
{
    ck_assert(tu_have_ffmpeg());
    tu_dir_setup();
}

/* Raw gray16le frames with pattern values, encoded to FFV1. */
START_TEST(test_gray16_ffv1_exact)
{
    uint16_t raw[FRAMES][H][W];
    for (int f = 0; f < FRAMES; f++)
        for (int y = 0; y < H; y++)
            for (int x = 0; x < W; x++)
                raw[f][y][x] = (uint16_t)pattern(f, y, x, 65536);
    char *raw_path = tu_fmt("%s/g16.raw", tu_dir), *video = tu_fmt("%s/g16.mkv", tu_dir);
    spit(raw_path, raw, sizeof raw);
    ck_assert_int_eq(tu_sh("ffmpeg -v error -f rawvideo -pix_fmt gray16le -s %dx%d -r 25 "
                           "-i %s -c:v ffv1 %s", W, H, raw_path, video), 0);
    blz_source_options o = default_options();
    decoded d;
    ck_assert_int_eq(decode_all(video, &o, &d), 0);
    ck_assert_int_eq(d.frames, FRAMES);
    ck_assert_int_eq(d.info.width, W);
    ck_assert_int_eq(d.info.height, H);
    ck_assert_int_eq(d.info.bit_depth, 16);
    ck_assert_int_eq(d.info.channels, 1);
    ck_assert_str_eq(d.info.codec, "ffv1");
    ck_assert_str_eq(d.info.pixel_format, "gray16le");
    ck_assert_str_eq(d.info.kind, "video");
    ck_assert_int_eq(d.info.frames_hint, -1); /* MKV stores no frame count */
    ck_assert_double_eq_tol(d.info.fps_hint, 25.0, 1e-9);
    ck_assert_ptr_nonnull(strstr(d.info.identity, "size="));
    for (int f = 0; f < FRAMES; f++) {
        ck_assert_int_eq(d.indices[f], f);
        ck_assert_double_eq_tol(d.timestamps[f], f / 25.0, 1e-9);
        for (int y = 0; y < H; y++)
            for (int x = 0; x < W; x++)
                ck_assert_float_eq(d.values[(size_t)f * W * H + (size_t)y * W + x],
                                   (float)raw[f][y][x]);
    }
    decoded_free(&d);
    free(raw_path);
    free(video);
}
END_TEST

START_TEST(test_gray8_ffv1_exact_and_unwanted)
{
    uint8_t raw[FRAMES][H][W];
    for (int f = 0; f < FRAMES; f++)
        for (int y = 0; y < H; y++)
            for (int x = 0; x < W; x++)
                raw[f][y][x] = (uint8_t)pattern(f, y, x, 256);
    char *raw_path = tu_fmt("%s/g8.raw", tu_dir), *video = tu_fmt("%s/g8.avi", tu_dir);
    spit(raw_path, raw, sizeof raw);
    ck_assert_int_eq(tu_sh("ffmpeg -v error -f rawvideo -pix_fmt gray -s %dx%d -i %s "
                           "-c:v ffv1 %s", W, H, raw_path, video), 0);
    blz_source_options o = default_options();
    blz_source *s;
    ck_assert_int_eq(blz_video_open(&s, video, &o), 0);
    ck_assert_int_eq(s->info.bit_depth, 8);
    ck_assert_int_eq(s->info.frames_hint, FRAMES); /* AVI does store it */
    blz_frame fr;
    for (int f = 0; f < FRAMES; f++) {
        bool want = f % 2 == 1;
        ck_assert_int_eq(blz_source_next(s, want, &fr), 1);
        ck_assert_int_eq(fr.index, f);
        if (!want) {
            ck_assert_ptr_null(fr.values);
            continue;
        }
        for (int y = 0; y < H; y++)
            for (int x = 0; x < W; x++)
                ck_assert_float_eq(fr.values[y * W + x], (float)raw[f][y][x]);
    }
    ck_assert_int_eq(blz_source_next(s, true, &fr), 0);
    blz_source_close(s);
    free(raw_path);
    free(video);
}
END_TEST

/* rgb24 frames in a lossless PNG-in-MKV: gray by the formula, and R,G,B exactly. */
START_TEST(test_rgb24_gray_formula_and_rgb)
{
    uint8_t raw[FRAMES][H][W][3];
    for (int f = 0; f < FRAMES; f++)
        for (int y = 0; y < H; y++)
            for (int x = 0; x < W; x++)
                for (int c = 0; c < 3; c++)
                    raw[f][y][x][c] = (uint8_t)pattern(f + 3 * c, y, x + 11 * c, 256);
    char *raw_path = tu_fmt("%s/rgb.raw", tu_dir), *video = tu_fmt("%s/rgb.mkv", tu_dir);
    spit(raw_path, raw, sizeof raw);
    ck_assert_int_eq(tu_sh("ffmpeg -v error -f rawvideo -pix_fmt rgb24 -s %dx%d -i %s "
                           "-c:v png %s", W, H, raw_path, video), 0);
    blz_source_options o = default_options();
    decoded gray, rgb;
    ck_assert_int_eq(decode_all(video, &o, &gray), 0);
    o.rgb = 1;
    ck_assert_int_eq(decode_all(video, &o, &rgb), 0);
    ck_assert_int_eq(gray.frames, FRAMES);
    ck_assert_int_eq(rgb.frames, FRAMES);
    ck_assert_int_eq(rgb.info.channels, 3);
    ck_assert_str_eq(gray.info.pixel_format, "rgb24");
    for (int f = 0; f < FRAMES; f++)
        for (int y = 0; y < H; y++)
            for (int x = 0; x < W; x++) {
                const uint8_t *p = raw[f][y][x];
                double want = 0.299 * p[0] + 0.587 * p[1] + 0.114 * p[2];
                size_t i = (size_t)f * W * H + (size_t)y * W + x;
                ck_assert_double_eq_tol(gray.values[i], want, 1e-4);
                for (int c = 0; c < 3; c++)
                    ck_assert_float_eq(rgb.values[3 * i + (size_t)c], (float)p[c]);
            }
    decoded_free(&gray);
    decoded_free(&rgb);
    free(raw_path);
    free(video);
}
END_TEST

/* 10-bit limited-range YUV: coded luma with keep_luma_range, expanded otherwise; R,G,B
 * on the 10-bit scale. */
START_TEST(test_yuv10_luma_range)
{
    enum { CW = W / 2, CH = H / 2 };
    static uint16_t raw[FRAMES][W * H + 2 * CW * CH];
    for (int f = 0; f < FRAMES; f++) {
        for (int i = 0; i < W * H; i++)
            raw[f][i] = (uint16_t)pattern(f, i / W, i % W, 1024);
        for (int i = 0; i < 2 * CW * CH; i++)
            raw[f][W * H + i] = (uint16_t)(400 + i % 200);
    }
    char *raw_path = tu_fmt("%s/y10.raw", tu_dir), *video = tu_fmt("%s/y10.mkv", tu_dir);
    spit(raw_path, raw, sizeof raw);
    ck_assert_int_eq(tu_sh("ffmpeg -v error -f rawvideo -pix_fmt yuv420p10le -s %dx%d -i %s "
                           "-c:v ffv1 %s", W, H, raw_path, video), 0);
    blz_source_options o = default_options();
    decoded kept, expanded;
    o.keep_luma_range = 1;
    ck_assert_int_eq(decode_all(video, &o, &kept), 0);
    o.keep_luma_range = 0;
    ck_assert_int_eq(decode_all(video, &o, &expanded), 0);
    ck_assert_int_eq(kept.info.bit_depth, 10);
    ck_assert_str_eq(kept.info.pixel_format, "yuv420p10le");
    ck_assert_int_eq(expanded.frames, FRAMES);
    for (int f = 0; f < FRAMES; f++)
        for (int i = 0; i < W * H; i++) {
            double y = raw[f][i];
            double want = (y - 64.0) * 1023.0 / 876.0;
            want = want < 0 ? 0 : want > 1023 ? 1023 : want;
            size_t at = (size_t)f * W * H + (size_t)i;
            ck_assert_float_eq(kept.values[at], (float)y);
            ck_assert_double_eq_tol(expanded.values[at], want, 1e-3);
        }
    decoded_free(&kept);
    decoded_free(&expanded);
    /* R,G,B: ffmpeg's rgb48le decode on the 10-bit scale. */
    char *ref_path = tu_fmt("%s/y10-rgb48.raw", tu_dir);
    ck_assert_int_eq(tu_sh("ffmpeg -v error -i %s -f rawvideo -pix_fmt rgb48le %s", video,
                           ref_path), 0);
    size_t n;
    unsigned char *ref = tu_slurp(ref_path, &n);
    ck_assert_int_eq(n, (size_t)FRAMES * W * H * 3 * 2);
    decoded rgb;
    o.rgb = 1;
    ck_assert_int_eq(decode_all(video, &o, &rgb), 0);
    ck_assert_int_eq(rgb.info.bit_depth, 10);
    for (size_t i = 0; i < (size_t)FRAMES * W * H * 3; i++) {
        double want = (ref[2 * i] | ref[2 * i + 1] << 8) * 1023.0 / 65535.0;
        ck_assert_double_eq_tol(rgb.values[i], want, 1e-3);
    }
    decoded_free(&rgb);
    free(ref);
    free(ref_path);
    free(raw_path);
    free(video);
}
END_TEST

/* ffmpeg's raw decode of video to pix_fmt, as a malloc'd byte array of size *n. */
static unsigned char *ffmpeg_decode(const char *video, const char *pix_fmt, size_t *n)
{
    char *out = tu_fmt("%s/ref-%s.raw", tu_dir, pix_fmt);
    ck_assert_int_eq(tu_sh("ffmpeg -v error -y -i %s -f rawvideo -pix_fmt %s %s", video,
                           pix_fmt, out), 0);
    unsigned char *data = tu_slurp(out, n);
    free(out);
    return data;
}

/* h264 (or mpeg4 without libx264) against ffmpeg's own gray, rgb24 and yuv420p decodes.
 * Gray: ffmpeg rounds (Y - 16) * 255 / 219 to integers, we keep the fraction: within
 * 0.5. R,G,B: the same swscale conversion as the ffmpeg command line (bicubic, the
 * frame's matrix and range), so exact. Coded luma: exact. */
START_TEST(test_h264_against_ffmpeg)
{
    enum { VW = 64, VH = 48, VFRAMES = 20 };
    const char *codec = tu_sh("ffmpeg -hide_banner -encoders 2>/dev/null | grep -q libx264") == 0
                            ? "libx264" : "mpeg4";
    char *video = tu_fmt("%s/v.mp4", tu_dir);
    ck_assert_int_eq(tu_sh("ffmpeg -v error -f lavfi -i testsrc2=s=%dx%d:r=25 -frames:v %d "
                           "-pix_fmt yuv420p -c:v %s %s", VW, VH, VFRAMES, codec, video), 0);
    size_t n_gray, n_rgb, n_yuv;
    unsigned char *ref_gray = ffmpeg_decode(video, "gray", &n_gray);
    unsigned char *ref_rgb = ffmpeg_decode(video, "rgb24", &n_rgb);
    unsigned char *ref_yuv = ffmpeg_decode(video, "yuv420p", &n_yuv);
    ck_assert_int_eq(n_gray, (size_t)VW * VH * VFRAMES);
    blz_source_options o = default_options();
    decoded gray, rgb, coded;
    ck_assert_int_eq(decode_all(video, &o, &gray), 0);
    o.keep_luma_range = 1;
    ck_assert_int_eq(decode_all(video, &o, &coded), 0);
    o.keep_luma_range = 0;
    o.rgb = 1;
    ck_assert_int_eq(decode_all(video, &o, &rgb), 0);
    ck_assert_int_eq(gray.frames, VFRAMES);
    ck_assert_int_eq(rgb.frames, VFRAMES);
    double worst_gray = 0, worst_coded = 0, worst_rgb = 0;
    for (size_t f = 0; f < VFRAMES; f++) {
        for (size_t i = 0; i < (size_t)VW * VH; i++) {
            size_t at = f * VW * VH + i;
            worst_gray = fmax(worst_gray, fabs(gray.values[at] - ref_gray[at]));
            worst_coded = fmax(worst_coded,
                               fabs(coded.values[at] - ref_yuv[f * VW * VH * 3 / 2 + i]));
        }
        for (size_t i = 0; i < (size_t)VW * VH * 3; i++)
            worst_rgb = fmax(worst_rgb, fabs(rgb.values[f * VW * VH * 3 + i] -
                                             ref_rgb[f * VW * VH * 3 + i]));
    }
    ck_assert_msg(worst_gray <= 0.5 + 1e-4, "gray differs from ffmpeg by %g", worst_gray);
    ck_assert_msg(worst_coded == 0, "coded luma differs from ffmpeg by %g", worst_coded);
    ck_assert_msg(worst_rgb == 0, "R,G,B differ from ffmpeg by %g", worst_rgb);
    decoded_free(&gray);
    decoded_free(&coded);
    decoded_free(&rgb);
    free(ref_gray);
    free(ref_rgb);
    free(ref_yuv);
    free(video);
}
END_TEST

/* Frame timestamps of a variable-frame-rate file, against ffprobe. */
START_TEST(test_vfr_timestamps)
{
    char *video = tu_fmt("%s/vfr.mkv", tu_dir);
    ck_assert_int_eq(tu_sh("ffmpeg -v error -f lavfi -i testsrc=s=%dx%d:r=10 -frames:v 12 "
                           "-vf \"setpts='(N*N+3*N)/(10*TB)'\" -fps_mode vfr -c:v ffv1 %s",
                           W, H, video), 0);
    char *probe = tu_capture("ffprobe -v error -select_streams v:0 -show_entries "
                             "frame=best_effort_timestamp_time -of csv=p=0 %s", video);
    ck_assert_ptr_nonnull(probe);
    blz_source_options o = default_options();
    decoded d;
    ck_assert_int_eq(decode_all(video, &o, &d), 0);
    ck_assert_int_eq(d.frames, 12);
    char *line = probe;
    for (size_t f = 0; f < d.frames; f++) {
        char *end;
        double want = strtod(line, &end);
        ck_assert_ptr_ne(end, line);
        ck_assert_double_eq_tol(d.timestamps[f], want, 1e-6);
        ck_assert_double_eq_tol(d.timestamps[f], (f * f + 3.0 * f) / 10.0, 1e-9);
        line = end + 1;
    }
    ck_assert_int_eq(strtod(line, NULL), 0); /* ffprobe listed no more frames */
    decoded_free(&d);
    free(probe);
    free(video);
}
END_TEST

/* An audio stream first: the video is still found; asking for the audio is refused. */
START_TEST(test_stream_selection)
{
    char *video = tu_fmt("%s/av.mkv", tu_dir);
    ck_assert_int_eq(tu_sh("ffmpeg -v error -f lavfi -i sine=d=1 -f lavfi "
                           "-i testsrc=s=%dx%d:r=10:d=1 -map 0:a -map 1:v -c:a pcm_s16le "
                           "-c:v ffv1 %s", W, H, video), 0);
    blz_source_options o = default_options();
    decoded d;
    ck_assert_int_eq(decode_all(video, &o, &d), 0);
    ck_assert_int_eq(d.frames, 10);
    decoded_free(&d);
    o.stream = 1;
    ck_assert_int_eq(decode_all(video, &o, &d), 0);
    ck_assert_int_eq(d.frames, 10);
    decoded_free(&d);
    blz_source *s;
    o.stream = 0;
    ck_assert_int_eq(blz_video_open(&s, video, &o), BLZ_ERR_INVALID);
    ck_assert_ptr_nonnull(strstr(blz_errmsg(), "stream 0 is audio"));
    ck_assert_ptr_nonnull(strstr(blz_errmsg(), video));
    o.stream = 7;
    ck_assert_int_eq(blz_video_open(&s, video, &o), BLZ_ERR_INVALID);
    ck_assert_ptr_nonnull(strstr(blz_errmsg(), "stream 7"));
    free(video);
}
END_TEST

/* Bytes overwritten in the middle of an FFV1 file: its slice CRCs catch it. The default
 * stops with BLZ_ERR_DECODE naming the frame; skip_bad records the frame and goes on, so
 * delivered + skipped frames still number 30. */
START_TEST(test_corrupt_middle)
{
    char *video = tu_fmt("%s/bad.avi", tu_dir);
    ck_assert_int_eq(tu_sh("ffmpeg -v error -f lavfi -i \"testsrc2=s=64x48:r=10:d=3,"
                           "noise=alls=40:allf=t\" -pix_fmt yuv420p -c:v ffv1 -slicecrc 1 %s",
                           video), 0);
    size_t n;
    unsigned char *bytes = tu_slurp(video, &n);
    for (size_t i = 0; i < 300; i++)
        bytes[n / 2 + i] = (unsigned char)(i * 37 + 11);
    spit(video, bytes, n);
    free(bytes);
    blz_source_options o = default_options();
    decoded d;
    ck_assert_int_eq(decode_all(video, &o, &d), BLZ_ERR_DECODE);
    ck_assert_ptr_nonnull(strstr(blz_errmsg(), video));
    char *frame_name = tu_fmt("frame %zu ", d.frames);
    ck_assert_msg(strstr(blz_errmsg(), frame_name), "message \"%s\" lacks \"%s\"", blz_errmsg(),
                  frame_name);
    ck_assert_int_gt(d.frames, 0);
    ck_assert_int_lt(d.frames, 30);
    free(frame_name);
    decoded_free(&d);
    o.skip_bad = 1;
    ck_assert_int_eq(decode_all(video, &o, &d), 0);
    ck_assert_int_ge(d.n_skipped, 1);
    ck_assert_int_eq(d.frames + d.n_skipped, 30);
    ck_assert_int_eq(d.indices[d.frames - 1], 29);
    decoded_free(&d);
    free(video);
}
END_TEST

/* Frames ffprobe decodes from path (the independent count). */
static size_t ffprobe_frames(const char *path)
{
    char *out = tu_capture("ffprobe -v quiet -count_frames -select_streams v:0 -show_entries "
                           "stream=nb_read_frames -of csv=p=0 %s", path);
    ck_assert_ptr_nonnull(out);
    size_t n = strtoul(out, NULL, 10);
    free(out);
    return n;
}

/* libx264 when this ffmpeg has it, else mpeg4. */
static const char *h264_or_mpeg4(void)
{
    return tu_sh("ffmpeg -hide_banner -encoders 2>/dev/null | grep -q libx264") == 0
               ? "libx264" : "mpeg4";
}

/* A 3 s 64x48 noisy clip (so that every frame is big) in codec, plus extra options. */
static char *noisy_clip(const char *name, const char *codec, const char *extra)
{
    char *video = tu_fmt("%s/%s", tu_dir, name);
    ck_assert_int_eq(tu_sh("ffmpeg -v error -f lavfi -i \"testsrc2=s=64x48:r=10:d=3,"
                           "noise=alls=40:allf=t\" -pix_fmt yuv420p -c:v %s %s %s",
                           codec, extra, video), 0);
    return video;
}

/* Keep the first numerator/denominator of a file's bytes. */
static void cut(const char *path, size_t numerator, size_t denominator)
{
    size_t n;
    unsigned char *bytes = tu_slurp(path, &n);
    spit(path, bytes, n * numerator / denominator);
    free(bytes);
}

/* A damaged file: by default the status (message naming the file and containing
 * word); with skip_bad success, the very frames ffprobe decodes (it drops those that
 * fail, as skip_bad does), and the damage described (containing word). Returns the
 * frames delivered with skip_bad. */
static size_t expect_damage(const char *video, int status, const char *word)
{
    blz_source_options o = default_options();
    decoded d;
    ck_assert_int_eq(decode_all(video, &o, &d), status);
    ck_assert_ptr_nonnull(strstr(blz_errmsg(), video));
    ck_assert_msg(strstr(blz_errmsg(), word), "\"%s\" lacks \"%s\"", blz_errmsg(), word);
    decoded_free(&d);
    o.skip_bad = 1;
    ck_assert_int_eq(decode_all(video, &o, &d), 0);
    ck_assert_msg(strstr(d.damage, word), "damage \"%s\" lacks \"%s\"", d.damage, word);
    ck_assert_int_eq(d.frames, ffprobe_frames(video));
    size_t frames = d.frames;
    decoded_free(&d);
    return frames;
}

/* An FFV1 AVI (with slice CRCs) cut at 60%: the AVI demuxer reports the cut packet
 * (BLZ_ERR_FORMAT); with skip_bad the frames before it come out, the cut one is
 * skipped and the damage noted. */
START_TEST(test_truncated)
{
    char *video = noisy_clip("cut.avi", "ffv1", "-slicecrc 1");
    cut(video, 6, 10);
    size_t kept = expect_damage(video, BLZ_ERR_FORMAT, "Packet corrupt");
    ck_assert_int_gt(kept, 0);
    ck_assert_int_lt(kept, 30);
    free(video);
}
END_TEST

/* MKV cut in half, FFV1 and h264 (mpeg4): the Matroska demuxer only warns "File ended
 * prematurely" and reports a normal end: that must be an error. */
START_TEST(test_truncated_mkv)
{
    const char *codecs[] = { "ffv1", h264_or_mpeg4() };
    for (size_t i = 0; i < 2; i++) {
        char *video = noisy_clip("half.mkv", codecs[i], "");
        cut(video, 1, 2);
        size_t kept = expect_damage(video, BLZ_ERR_FORMAT, "ended prematurely");
        ck_assert_msg(kept > 0 && kept < 30, "%s: %zu frames kept", codecs[i], kept);
        ck_assert_int_eq(tu_sh("rm %s", video), 0);
        free(video);
    }
}
END_TEST

/* MP4 with its index at the front (faststart) cut at 60%: the index lists samples
 * past the end of the file, which the MOV demuxer reports as corrupt packets. */
START_TEST(test_truncated_mp4_faststart)
{
    char *video = noisy_clip("cut.mp4", h264_or_mpeg4(), "-movflags +faststart");
    cut(video, 6, 10);
    size_t kept = expect_damage(video, BLZ_ERR_FORMAT, "corrupt");
    ck_assert_int_lt(kept, 30);
    free(video);
}
END_TEST

/* An MJPEG AVI cut exactly before a frame's chunk: no packet is damaged and the
 * demuxer says nothing, but the header lists more frames than the file holds. */
START_TEST(test_truncated_avi_count)
{
    char *video = noisy_clip("count.avi", "mjpeg", "-pix_fmt yuvj420p");
    size_t n;
    unsigned char *bytes = tu_slurp(video, &n);
    const unsigned char *movi = memmem(bytes, n, "movi", 4), *chunk = movi;
    ck_assert_ptr_nonnull(movi);
    for (int frame = 0; frame <= 20; frame++) {
        chunk = memmem(chunk + 1, n - (size_t)(chunk + 1 - bytes), "00dc", 4);
        ck_assert_ptr_nonnull(chunk);
    }
    spit(video, bytes, (size_t)(chunk - bytes)); /* frames 0..19 and the tag of 20 */
    free(bytes);
    size_t kept = expect_damage(video, BLZ_ERR_FORMAT, "lists 30 frames");
    ck_assert_int_eq(kept, 20);
    free(video);
}
END_TEST

/* Garbage in the middle of an h264 stream: the decoder conceals it and logs errors,
 * and may flag frames as corrupt (which frames depends on the decoder threads'
 * timing). The ffmpeg command line (the reference) reports errors for that file and
 * none for the intact one. */
START_TEST(test_concealed_damage)
{
    if (strcmp(h264_or_mpeg4(), "libx264") != 0)
        return;
    char *video = noisy_clip("conceal.mkv", "libx264", "-g 10");
    char *said = tu_capture("ffmpeg -v error -i %s -f null - 2>&1", video);
    ck_assert_str_eq(said, "");
    free(said);
    size_t n;
    unsigned char *bytes = tu_slurp(video, &n);
    for (size_t i = 0; i < 400; i++)
        bytes[n / 2 + i] = (unsigned char)(i * 37 + 11);
    spit(video, bytes, n);
    free(bytes);
    said = tu_capture("ffmpeg -v error -i %s -f null - 2>&1", video);
    ck_assert_ptr_nonnull(strstr(said, "h264"));
    free(said);
    blz_source_options o = default_options();
    decoded d;
    ck_assert_int_eq(decode_all(video, &o, &d), BLZ_ERR_DECODE);
    ck_assert_ptr_nonnull(strstr(blz_errmsg(), video));
    decoded_free(&d);
    o.skip_bad = 1; /* frames flagged corrupt are skipped, concealed ones kept and noted */
    ck_assert_int_eq(decode_all(video, &o, &d), 0);
    ck_assert_int_eq(d.frames + d.n_skipped, 30);
    ck_assert_msg(strstr(d.damage, "concealed") || d.n_skipped > 0, "damage \"%s\"", d.damage);
    decoded_free(&d);
    free(video);
}
END_TEST

/* Intact files of several codecs and containers (with audio, B-frames, an edit list,
 * variable frame rate): no damage reported, every frame ffprobe sees. */
START_TEST(test_no_false_alarm)
{
    const char *h264 = h264_or_mpeg4();
    char *made[] = {
        tu_fmt("-c:v mpeg4 -c:a aac a.mp4"), tu_fmt("-c:v mpeg4 -c:a mp3 a.avi"),
        tu_fmt("-c:v %s -bf 3 -c:a aac b.mp4", h264), tu_fmt("-c:v %s -c:a aac b.mkv", h264),
        tu_fmt("-c:v %s -c:a mp3 b.avi", h264), tu_fmt("-c:v ffv1 -c:a mp3 c.avi"),
        tu_fmt("-c:v ffv1 -c:a aac c.mkv"), tu_fmt("-c:v mjpeg -pix_fmt yuvj420p -c:a mp3 d.avi"),
        tu_fmt("-c:v mjpeg -pix_fmt yuvj420p -c:a aac d.mp4"),
        tu_fmt("-c:v mjpeg -pix_fmt yuvj420p -c:a aac d.mkv"),
    };
    enum { MADE = sizeof made / sizeof *made };
    char *videos[MADE + 3];
    for (size_t i = 0; i < MADE; i++) {
        ck_assert_int_eq(tu_sh("cd %s && ffmpeg -v error -f lavfi -i testsrc2=s=64x48:r=25:d=1 "
                               "-f lavfi -i sine=d=1.2 -shortest %s", tu_dir, made[i]), 0);
        videos[i] = tu_fmt("%s/%s", tu_dir, strrchr(made[i], ' ') + 1);
        free(made[i]);
    }
    videos[MADE] = tu_fmt("%s/edit.mp4", tu_dir); /* starts between keyframes: an edit list */
    ck_assert_int_eq(tu_sh("ffmpeg -v error -ss 0.5 -i %s/b.mp4 -c copy %s", tu_dir,
                           videos[MADE]), 0);
    videos[MADE + 1] = tu_fmt("%s/vfr.mp4", tu_dir);
    videos[MADE + 2] = tu_fmt("%s/vfr.mkv", tu_dir);
    for (size_t i = MADE + 1; i < MADE + 3; i++)
        ck_assert_int_eq(tu_sh("ffmpeg -v error -f lavfi -i testsrc=s=%dx%d:r=10 -frames:v 12 "
                               "-vf \"setpts='(N*N+3*N)/(10*TB)'\" -fps_mode vfr -c:v %s %s",
                               W, H, h264, videos[i]), 0);
    blz_source_options o = default_options();
    for (size_t i = 0; i < MADE + 3; i++) {
        decoded d;
        int status = decode_all(videos[i], &o, &d);
        ck_assert_msg(status == 0, "%s: %s", videos[i], blz_errmsg());
        ck_assert_uint_eq(d.frames, ffprobe_frames(videos[i]));
        decoded_free(&d);
        o.skip_bad = 1;
        ck_assert_int_eq(decode_all(videos[i], &o, &d), 0);
        ck_assert_msg(d.damage[0] == '\0', "%s: %s", videos[i], d.damage);
        ck_assert_uint_eq(d.n_skipped, 0);
        o.skip_bad = 0;
        decoded_free(&d);
        free(videos[i]);
    }
}
END_TEST

/* One decoding job of test_log_threads: a video (or, with images, a folder of image
 * files decoded with skip_bad, whose parallel decoders log errors of their own). */
typedef struct log_job {
    const char *path;
    int images;
    int status[3];        /* of each of three runs */
    size_t frames[3];
} log_job;

static void *run_log_job(void *arg)
{
    log_job *job = arg;
    blz_source_options o = default_options();
    o.skip_bad = job->images;
    for (int run = 0; run < 3; run++) {
        blz_source *s = NULL;
        int rc = job->images ? blz_source_open(&s, &job->path, 1, &o)
                             : blz_video_open(&s, job->path, &o);
        blz_frame f;
        size_t frames = 0;
        if (rc == BLZ_OK)
            while ((rc = blz_source_next(s, true, &f)) == 1)
                frames++;
        if (s)
            blz_source_close(s);
        job->status[run] = rc;
        job->frames[run] = frames;
    }
    return NULL;
}

/* FFmpeg's log callback is process-wide: messages must reach only the source they
 * concern. A damaged video, two intact ones and an image folder with corrupt files
 * (decoded in parallel by OpenMP threads) run at the same time, three times each. */
START_TEST(test_log_threads)
{
    const char *codec = h264_or_mpeg4();
    char *damaged = noisy_clip("damaged.mkv", codec, "-g 10");
    char *good = noisy_clip("good.mkv", codec, "-g 10");
    size_t n;
    unsigned char *bytes = tu_slurp(damaged, &n);
    for (size_t i = 0; i < 400; i++)
        bytes[n / 2 + i] = (unsigned char)(i * 37 + 11);
    spit(damaged, bytes, n);
    free(bytes);
    char *folder = tu_fmt("%s/png", tu_dir);
    ck_assert_int_eq(tu_sh("mkdir %s && ffmpeg -v error -f lavfi -i \"testsrc2=s=64x48:r=10:"
                           "d=2,noise=alls=40:allf=t\" %s/%%03d.png", folder, folder), 0);
    for (int i = 2; i <= 20; i += 3) {
        char *png = tu_fmt("%s/%03d.png", folder, i);
        bytes = tu_slurp(png, &n);
        memset(bytes + n / 2, 0x5a, 64);
        spit(png, bytes, n);
        free(bytes);
        free(png);
    }
    log_job jobs[] = { { .path = damaged }, { .path = good }, { .path = good },
                       { .path = folder, .images = 1 } };
    enum { JOBS = sizeof jobs / sizeof *jobs };
    pthread_t threads[JOBS];
    for (int j = 0; j < JOBS; j++)
        ck_assert_int_eq(pthread_create(&threads[j], NULL, run_log_job, &jobs[j]), 0);
    for (int j = 0; j < JOBS; j++)
        pthread_join(threads[j], NULL);
    for (int run = 0; run < 3; run++) {
        ck_assert_int_eq(jobs[0].status[run], BLZ_ERR_DECODE);
        for (int j = 1; j <= 2; j++) {
            ck_assert_int_eq(jobs[j].status[run], 0);
            ck_assert_uint_eq(jobs[j].frames[run], 30);
        }
        ck_assert_int_eq(jobs[3].status[run], 0);
        ck_assert_uint_eq(jobs[3].frames[run], 13); /* 20 files, 7 of them corrupt */
    }
    free(damaged);
    free(good);
    free(folder);
}
END_TEST

START_TEST(test_unreadable_inputs)
{
    blz_source_options o = default_options();
    blz_source *s;
    char *missing = tu_fmt("%s/missing.mkv", tu_dir), *text = tu_fmt("%s/notes.txt", tu_dir);
    char *audio = tu_fmt("%s/audio.wav", tu_dir), *novideo = tu_fmt("%s/empty.avi", tu_dir);
    ck_assert_int_eq(blz_video_open(&s, missing, &o), BLZ_ERR_NOENT);
    ck_assert_ptr_nonnull(strstr(blz_errmsg(), missing));
    spit(text, "not a video at all\n", 19);
    ck_assert_int_eq(blz_video_open(&s, text, &o), BLZ_ERR_UNSUPPORTED);
    ck_assert_ptr_nonnull(strstr(blz_errmsg(), text));
    ck_assert_int_eq(tu_sh("ffmpeg -v error -f lavfi -i sine=d=0.2 %s", audio), 0);
    ck_assert_int_eq(blz_video_open(&s, audio, &o), BLZ_ERR_UNSUPPORTED);
    ck_assert_ptr_nonnull(strstr(blz_errmsg(), "no video stream"));
    ck_assert_int_eq(tu_sh("ffmpeg -v error -f lavfi -i testsrc=s=%dx%d -frames:v 0 "
                           "-c:v ffv1 %s", W, H, novideo), 0);
    ck_assert_int_eq(blz_video_open(&s, novideo, &o), BLZ_ERR_EMPTY);
    ck_assert_ptr_nonnull(strstr(blz_errmsg(), novideo));
    free(missing);
    free(text);
    free(audio);
    free(novideo);
}
END_TEST

static Suite *video_suite(void)
{
    Suite *s = suite_create("video");
    TCase *tc = tcase_create("decode");
    tcase_add_checked_fixture(tc, setup, tu_dir_teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_gray16_ffv1_exact);
    tcase_add_test(tc, test_gray8_ffv1_exact_and_unwanted);
    tcase_add_test(tc, test_rgb24_gray_formula_and_rgb);
    tcase_add_test(tc, test_yuv10_luma_range);
    tcase_add_test(tc, test_h264_against_ffmpeg);
    tcase_add_test(tc, test_vfr_timestamps);
    tcase_add_test(tc, test_stream_selection);
    tcase_add_test(tc, test_corrupt_middle);
    tcase_add_test(tc, test_truncated);
    tcase_add_test(tc, test_truncated_mkv);
    tcase_add_test(tc, test_truncated_mp4_faststart);
    tcase_add_test(tc, test_truncated_avi_count);
    tcase_add_test(tc, test_concealed_damage);
    tcase_add_test(tc, test_no_false_alarm);
    tcase_add_test(tc, test_log_threads);
    tcase_add_test(tc, test_unreadable_inputs);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run_suite(video_suite());
}
