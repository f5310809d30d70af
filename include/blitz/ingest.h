/*
 * blitz/ingest.h - decoding an input once into a blitz cache.
 *
 * blz_ingest() opens a video, an image sequence, a multi-page TIFF or a .npy array,
 * converts each selected frame to float32 on the source's own scale (gray or RGB),
 * applies the geometry transforms (area resize, crop, transpose, flips, in that order)
 * and streams the frames into a cache writer (writer.h). The chunk shape is fitted to
 * a memory budget. On any failure, or when the progress callback cancels, nothing is
 * left at the output path. blitz-ingest(1) documents every conversion rule.
 */
#ifndef BLITZ_INGEST_H
#define BLITZ_INGEST_H

#include <stddef.h>
#include <stdint.h>

#include "blitz/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Geometry transforms, applied in this order: resize (scale or size), crop (in resized
 * coordinates), transpose, flip_x (mirror columns), flip_y (mirror rows). */
typedef struct blz_geometry {
    double scale;              /* > 0: resize by this factor (size = round(side * scale)) */
    int32_t size_w, size_h;    /* > 0: resize to exactly size_w x size_h (not with scale) */
    int32_t crop_x, crop_y;    /* top-left corner of the crop, in resized coordinates */
    int32_t crop_w, crop_h;    /* > 0: crop to this size; 0: no crop */
    int transpose;             /* 1: swap rows and columns */
    int flip_x, flip_y;        /* 1: mirror left-right / top-bottom */
} blz_geometry;

/* Called after every decoded frame: frames written so far, frames expected (-1 when
 * unknown) and float32 bytes handed to the writer. A non-zero return cancels the
 * ingest (BLZ_ERR_CANCELLED). */
typedef int (*blz_ingest_progress_fn)(void *user, int64_t frames_done,
                                      int64_t frames_expected, uint64_t bytes_done);

typedef struct blz_ingest_options {
    /* source */
    int stream;                /* video stream index, -1 = first video stream */
    int rgb;                   /* 1: keep 3 colour channels; 0: gray */
    int keep_luma_range;       /* 1: keep limited-range luma values as coded */
    const char *axes;          /* .npy axis order ("HW", "THW", "HWC", "THWC"), NULL = guess */
    int skip_bad;              /* 1: skip undecodable frames and record them */
    /* frame selection by decoded index: start <= i < stop, (i - start) % step == 0 */
    int64_t start, stop, step; /* stop = -1: to the end */
    blz_geometry geometry;
    /* output */
    int codec;                 /* enum blz_codec */
    int32_t ct, th, tw;        /* chunk shape; 0 = default (ct fitted to the budget) */
    int threads;               /* decoding and compression threads, 0 = default */
    size_t ram_budget;         /* bytes the writer may hold; 0 = no limit */
    int replace;               /* 1: replace an existing cache at the output path */
    blz_ingest_progress_fn progress;
    void *progress_user;
} blz_ingest_options;

/* What an ingest did. skipped is malloc'd: release with blz_ingest_report_free(). */
typedef struct blz_ingest_report {
    int64_t frames_written;    /* frames in the cache */
    int64_t frames_decoded;    /* frames the source delivered (selected or not) */
    int64_t *skipped;          /* source frame indices skipped as undecodable */
    size_t n_skipped;
    int64_t files_ignored;     /* folder entries left out because they are not images */
    char damage[256];          /* with skip_bad: the first damage passed over, "" if none */
    int32_t width, height, channels;   /* output frame geometry */
    int32_t ct, th, tw;        /* chunk shape used */
    int codec;                 /* enum blz_codec */
    char source_kind[16];      /* "video", "images", "tiff", "npy" */
    uint64_t bytes_in;         /* size of the input file(s) */
    uint64_t bytes_raw;        /* float32 payload: frames * height * width * channels * 4 */
    uint64_t bytes_out;        /* size of the cache file */
    double seconds;            /* wall time of the whole ingest */
    double fps;                /* frames_decoded / seconds */
} blz_ingest_report;

/* Defaults: first stream, gray, expanded luma, all frames, no transforms, codec
 * shuffle-lz4, default chunk shape, no budget, no replace. */
void blz_ingest_options_init(blz_ingest_options *options);

/* Ingest inputs (one video, TIFF, .npy, image, folder or glob pattern, or several
 * image files) into a cache at output. report may be NULL; when given it is filled on
 * success and on failure (as far as the ingest got). */
int blz_ingest(const char *const *inputs, size_t n_inputs, const char *output,
               const blz_ingest_options *options, blz_ingest_report *report);

void blz_ingest_report_free(blz_ingest_report *report);

/* The canonical text of the options (stored in the cache as "ingest_options"), e.g.
 * "frames=0:end:1 rgb=0 ... codec=shuffle-lz4 chunk=32x64x64". Writes at most size
 * bytes, NUL-terminated; returns BLZ_ERR_RANGE if it does not fit. */
int blz_ingest_options_text(const blz_ingest_options *options, char *buf, size_t size);

#ifdef __cplusplus
}
#endif
#endif
