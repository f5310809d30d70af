/*
 * avframe_convert.h - decoded FFmpeg frames to float32 at the source's native depth.
 *
 * A plan describes how frames of one pixel layout (format, size, range, colour
 * matrix) become float32, gray or R,G,B interleaved:
 *   - gray and RGB samples are read at native depth with plain loops: 8-bit 0..255,
 *     10-bit 0..1023, 16-bit 0..65535, float unchanged; gray from colour is
 *     0.299 R + 0.587 G + 0.114 B (in float); palettes are looked up first;
 *   - from YUV, gray is the luma plane read directly. Limited-range luma is expanded to
 *     the full scale like the ffmpeg command line and OpenCV do it:
 *     (Y - 16 k) * (2^d - 1) / (219 k), k = 2^(d - 8), clamped to 0..2^d - 1 (so 8-bit
 *     gives (Y - 16) * 255 / 219 and 10-bit (Y - 64) * 1023 / 876). Full-range sources
 *     (yuvj formats, color_range pc) and keep_luma_range keep the coded values;
 *   - R,G,B from YUV goes through swscale to rgb24 (8-bit) or rgb48 (deeper, then
 *     rescaled to 0..2^d - 1), with the frame's colour matrix and range;
 *   - formats the loops cannot read (bit-packed like rgb565 or monob, mixed component
 *     depths, half floats, XYZ, Bayer) go through swscale first: to gray8, rgb24 or
 *     yuv444p when no component is deeper than 8 bits (delivered on the 8-bit scale),
 *     else to gray16, rgb48 or yuv444p16 (16-bit scale); bit_depth says which.
 * Alpha is ignored. A scratch holds the per-thread swscale state and row buffers, so
 * several threads can convert with one plan each using its own scratch.
 */
#ifndef BLITZ_INGEST_AVFRAME_CONVERT_H
#define BLITZ_INGEST_AVFRAME_CONVERT_H

#include <stddef.h>

#include <libavutil/frame.h>
#include <libavutil/pixfmt.h>

/* What kind of samples a layout carries; sources of different kinds do not mix. */
typedef enum blz_sample_kind {
    BLZ_SAMPLES_GRAY,  /* gray (with or without alpha) */
    BLZ_SAMPLES_COLOR, /* RGB(A), BGR, palette */
    BLZ_SAMPLES_YUV    /* luma + chroma */
} blz_sample_kind;

/* The pixel layout of a frame: what a plan is made for. */
typedef struct blz_pixel_layout {
    enum AVPixelFormat format;
    int width, height;
    enum AVColorRange range;
    enum AVColorSpace colorspace;
} blz_pixel_layout;

typedef struct blz_convert_plan {
    blz_pixel_layout layout;
    blz_sample_kind kind;
    int channels;                   /* delivered: 1 gray, 3 R,G,B */
    int bit_depth;                  /* scale of the delivered values */
    int is_float;
    enum AVPixelFormat read_format; /* layout.format, or what swscale makes first */
    int full_range;                 /* YUV luma coded on the full scale */
    int rescale;                    /* apply v' = clamp((v - offset) * gain, 0, max_value) */
    double offset, gain, max_value;
} blz_convert_plan;

typedef struct blz_convert_scratch {
    struct SwsContext *sws;
    AVFrame *converted;             /* swscale output, NULL until needed */
    blz_pixel_layout configured;    /* the layout sws was set up for */
    float *rows;                    /* 3 rows of width floats */
    size_t rows_width;
} blz_convert_scratch;

/* The layout of a decoded frame. */
blz_pixel_layout blz_layout_of_frame(const AVFrame *frame);
int blz_layout_equal(const blz_pixel_layout *a, const blz_pixel_layout *b);

/* Make the plan for a layout; path names the input in messages. BLZ_ERR_UNSUPPORTED for
 * hardware or unknown formats, BLZ_ERR_RANGE for absurd sizes. */
int blz_convert_plan_init(blz_convert_plan *plan, const blz_pixel_layout *layout, int rgb,
                          int keep_luma_range, const char *path);

/* Whether frames planned by p can join a stack started by reference (same size,
 * sample kind, depth, float-ness); when not, writes why into why. */
int blz_convert_plan_compatible(const blz_convert_plan *reference, const blz_convert_plan *p,
                                char *why, size_t why_size);

/* A printable description of a plan's samples, e.g. "16-bit gray". */
void blz_convert_plan_describe(const blz_convert_plan *p, char *buf, size_t size);

/* Convert one frame (of the plan's layout) into out (height * width * channels
 * floats). BLZ_ERR_NOMEM, or BLZ_ERR_DECODE if swscale fails. */
int blz_convert_frame(const blz_convert_plan *plan, blz_convert_scratch *scratch,
                      const AVFrame *frame, float *out, const char *path);

void blz_convert_scratch_free(blz_convert_scratch *scratch);

#endif
