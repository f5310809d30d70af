/*
 * source.h - the frame-source interface every ingest input kind implements.
 *
 * A source turns one input (a video file, a list of image files, a multi-page TIFF,
 * a .npy array) into a stream of float32 frames on the source's own scale (8-bit
 * 0..255, 16-bit 0..65535, float unchanged), gray or RGB interleaved, rows top to
 * bottom. Geometry transforms (resize, crop, flips) are applied later by the ingest
 * driver; sources only decode and convert samples.
 *
 * Frames come in decoded order, numbered 0, 1, 2 ... by the source (index = position
 * in the decoded stream, never derived from the frame rate). The driver passes
 * want = false for frames it will not keep, so a source may skip the conversion (a
 * video must still decode them to count exactly; an image sequence can skip the file).
 */
#ifndef BLITZ_INGEST_SOURCE_H
#define BLITZ_INGEST_SOURCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What the caller asks of a source. */
typedef struct blz_source_options {
    int stream;          /* video: index of the video stream to take, -1 = the first */
    int rgb;             /* 1: deliver 3 channels (R, G, B); 0: gray */
    int keep_luma_range; /* YUV video: 1 keeps the coded luma values (16..235 for 8-bit
                            limited range); 0 expands limited range to full (default) */
    const char *axes;    /* .npy: axis order for ambiguous shapes ("THW", "HWC", "THWC"),
                            NULL = guess (documented in blitz-ingest(1)) */
    int threads;         /* decoding threads, 0 = default */
    int skip_bad;        /* 1: frames that fail to decode are skipped and recorded */
} blz_source_options;

/* What a source knows after opening. */
typedef struct blz_source_info {
    int32_t width, height;   /* native frame size */
    int32_t channels;        /* channels delivered: 1 or 3 */
    int bit_depth;           /* bits per sample of the source (8, 10, 12, 16, 32, 64) */
    int is_float;            /* 1 when the source samples are floating point */
    int64_t frames_hint;     /* expected number of frames, -1 when unknown */
    double fps_hint;         /* nominal frame rate, 0 when unknown */
    char kind[16];           /* "video", "images", "tiff", "npy" */
    char codec[64];          /* decoder or file type name, e.g. "ffv1", "png", "npy" */
    char pixel_format[64];   /* native pixel format, e.g. "gray16le", "yuv420p", "<u2" */
    char identity[160];      /* identity of the input: size and mtime of the file(s) */
    int64_t files_ignored;   /* image folders: entries left out because not images */
    char damage[256];        /* with skip_bad: the first truncation or damage the source
                                found and passed over ("" when none), for the cache's
                                metadata; without skip_bad such damage is an error */
} blz_source_info;

/* One delivered frame. values is owned by the source and valid until the next call. */
typedef struct blz_frame {
    const float *values;     /* height * width * channels values; NULL if !want */
    int64_t index;           /* position in the decoded stream, from 0 */
    double timestamp;        /* seconds; NaN when the input has no timing */
} blz_frame;

typedef struct blz_source blz_source;

typedef struct blz_source_ops {
    /* Deliver the next frame: 1 = a frame, 0 = end of input, < 0 = error status. */
    int (*next)(blz_source *s, bool want, blz_frame *frame);
    void (*close)(blz_source *s);
} blz_source_ops;

struct blz_source {
    const blz_source_ops *ops;
    void *state;             /* the kind's own context */
    blz_source_info info;
    int64_t *skipped;        /* frames skipped as undecodable (options.skip_bad) */
    size_t n_skipped, cap_skipped;
};

/* Open the right kind of source for inputs: one path (video, .npy, .tif/.tiff stack,
 * a folder of images, a glob pattern) or several image files. */
int blz_source_open(blz_source **out, const char *const *inputs, size_t n_inputs,
                    const blz_source_options *options);
int blz_source_next(blz_source *s, bool want, blz_frame *frame);
void blz_source_close(blz_source *s);

/* Record a skipped frame (for sources honouring skip_bad). */
int blz_source_note_skipped(blz_source *s, int64_t index);

/* The openers, one per kind (video.c, images.c, tiff_stack.c, npy_source.c). Each
 * fills *out with a source whose ops and info are set. */
int blz_video_open(blz_source **out, const char *path, const blz_source_options *o);
int blz_images_open(blz_source **out, const char *const *paths, size_t n,
                    const blz_source_options *o);
int blz_tiff_stack_open(blz_source **out, const char *path, const blz_source_options *o);
int blz_npy_source_open(blz_source **out, const char *path, const blz_source_options *o);

#endif
