/*
 * blitz/pipeline.h - fused processing pipelines: per-sample stages applied to the
 * frames of a cache on the fly, feeding a temporal reduction, ROI traces, a pixel's
 * time series or an export, without ever materialising an intermediate stack.
 *
 * Stages, in this order (each optional):
 *   subtract   x <- x - a_s * R_s                        (a_s = subtract_amount, 0..1)
 *   divide     x <- x / (a_d * R_d + (1 - a_d))          (a_d = divide_amount, 0..1);
 *              a zero denominator gives 0, and so does any NaN or Inf the division
 *              produces (a NaN sample divided becomes 0)
 *   scale      x <- x * scale
 *   offset     x <- x + offset
 *   abs        x <- |x|
 *   clamp      x <- min(max(x, clamp_low), clamp_high)   (NaN stays NaN)
 * computed in double and stored as float32. Both references are computed from the
 * INPUT frames, never from the subtracted ones.
 *
 * A reference is a reduction of a frame range of the same cache ("mean:0:100"), an
 * image file (.npy or float TIFF of H x W or H x W x C), or a sliding window over the
 * selected frames ("sliding:median:50:10"). A sliding window changes which frames come
 * out (see blz_window_kind); when both references slide they must share the window
 * kind, length and lag. Sliding references are exact at every frame: running sums of
 * mean and std are kept with error-free (double-double) arithmetic, min and max with
 * monotonic deques, median with a sorted window per pixel.
 */
#ifndef BLITZ_PIPELINE_H
#define BLITZ_PIPELINE_H

#include <stddef.h>
#include <stdint.h>

#include "blitz/cache.h"
#include "blitz/query.h"

#ifdef __cplusplus
extern "C" {
#endif

enum blz_ref_kind { BLZ_REF_NONE = 0, BLZ_REF_RANGE, BLZ_REF_IMAGE, BLZ_REF_SLIDING };

/* Sliding windows over the T selected frames x[0..T-1], window length W:
 *   BLITZ     (lag L) output n = x[L+1+n] against R[n] = reduce(x[L+1+n .. L+n+W]),
 *             n = 0 .. T-(L+W)-1
 *   CENTRED   output t against reduce(x[t - W/2 .. t - W/2 + W-1]), t = W/2 .. T-W+W/2
 *   TRAILING  output t against reduce(x[t-W+1 .. t]), t = W-1 .. T-1
 * Only frames with a full window come out. */
enum blz_window_kind { BLZ_WINDOW_BLITZ = 0, BLZ_WINDOW_CENTRED, BLZ_WINDOW_TRAILING };

typedef struct blz_reference {
    int kind;                /* enum blz_ref_kind */
    int op;                  /* RANGE: any op but percentile; SLIDING: mean min max std median */
    blz_frame_range frames;  /* RANGE: frames reduced (stop -1 = end) */
    const char *image;       /* IMAGE: path of the .npy / .tif image (not copied) */
    int window_kind;         /* SLIDING: enum blz_window_kind */
    int64_t window, lag;     /* SLIDING: window length >= 1, lag >= 0 (BLITZ kind only) */
} blz_reference;

/* Parse a reference: "OP[:START:STOP[:STEP]]" (a reduction of that frame range, all
 * frames without one), "sliding:METHOD:WINDOW[:LAG]", "sliding-centred:METHOD:WINDOW",
 * "sliding-trailing:METHOD:WINDOW", or a path ending in .npy, .tif or .tiff (ref->image
 * then points into text). BLZ_ERR_INVALID with a message otherwise. */
int blz_reference_parse(const char *text, blz_reference *ref);

typedef struct blz_pipeline {
    blz_reference subtract, divide;        /* kind BLZ_REF_NONE: stage off */
    double subtract_amount, divide_amount; /* 0..1, default 1 */
    double scale, offset;                  /* default 1, 0 */
    int abs;                               /* 1: absolute value */
    int clamp;                             /* 1: clamp to clamp_low..clamp_high */
    double clamp_low, clamp_high;
} blz_pipeline;

/* No stage, amounts 1, scale 1, offset 0. */
blz_pipeline blz_pipeline_defaults(void);

/* What every pipeline run shares. References are computed first, once, each under
 * ram_budget; the main pass then runs under what they leave of it. */
typedef struct blz_run_options {
    blz_frame_range frames;  /* input frames; sliding windows run over these */
    size_t ram_budget;
    int threads;             /* 0 = OpenMP default */
} blz_run_options;

blz_run_options blz_run_defaults(void);

/* Number of frames the pipeline puts out for the selected input frames. */
int blz_pipeline_outputs(const blz_cache *cache, const blz_pipeline *pipeline,
                         const blz_frame_range *frames, int64_t *count);

/* Cache frame each output frame n stands for (the frame processed), for n < count. */
int blz_pipeline_output_frames(const blz_cache *cache, const blz_pipeline *pipeline,
                               const blz_frame_range *frames, int64_t *cache_frames);

/* A temporal reduction of the processed frames (options->frames selects the input
 * frames). argmin/argmax give cache frame indices. */
int blz_pipeline_reduce(const blz_cache *cache, const blz_pipeline *pipeline,
                        const blz_reduce_options *options, double *out);

/* ROI traces. A rectangle (x, y, w, h) or a polygon of npoints vertices (points = x0,
 * y0, x1, y1, ... in pixel coordinates, pixel (x, y) covering [x, x+1) x [y, y+1)); a
 * pixel belongs to a polygon when its centre (x + 0.5, y + 0.5) is inside by the
 * even-odd rule. Statistics are over the ROI's pixels and channels; NaN values are
 * left out (a frame with none gives NaN). */
enum blz_roi_kind { BLZ_ROI_RECT = 1, BLZ_ROI_POLYGON };
enum blz_roi_stat { BLZ_ROI_MEAN = 1, BLZ_ROI_MEDIAN, BLZ_ROI_MIN, BLZ_ROI_MAX, BLZ_ROI_SUM,
                    BLZ_ROI_COUNT /* non-NaN values: what a mean of several parts needs */ };

typedef struct blz_roi {
    int kind;
    int32_t x, y, w, h;      /* RECT */
    int npoints;             /* POLYGON: >= 3 */
    const double *points;    /* POLYGON: 2 * npoints coordinates */
    int whole_frame;         /* 1: coordinates in the whole frame of a cache view
                                (blz_cache_open_rows); only its pixels in the view's rows
                                count, and it may hold none (statistics then NaN, count 0) */
} blz_roi;

const char *blz_roi_stat_name(int stat);
int blz_roi_stat_from_name(const char *name);   /* -1 if unknown */

/* out[(n * nrois + r) * nstats + s]: statistic stats[s] of ROI r in output frame n. */
int blz_pipeline_roi(const blz_cache *cache, const blz_pipeline *pipeline,
                     const blz_run_options *run, const blz_roi *rois, int nrois,
                     const int *stats, int nstats, double *out);

/* out[n * C + c]: pixel (x, y)'s processed value in output frame n, channel c. */
int blz_pipeline_pixel(const blz_cache *cache, const blz_pipeline *pipeline,
                       const blz_run_options *run, int32_t x, int32_t y, float *out);

/* Whole-stack statistics of the processed frames, as blz_stats_compute() gives them for
 * the stored ones: count, NaN count (NaN values are counted, never ranked), min, max,
 * mean, std and exact percentiles, from two walks over the processed frames (figures
 * and a histogram, then counts inside the buckets holding the ranks). run gives the
 * frames, budget and threads; options the percentiles and combine_counts (its frames,
 * ram_budget and threads are not used). stats->frames counts output frames. Every
 * figure but mean and std is exact; none depends on the thread count. */
int blz_pipeline_stats(const blz_cache *cache, const blz_pipeline *pipeline,
                       const blz_run_options *run, const blz_stats_options *options,
                       blz_stats *stats);

/* Export the processed frames to path: a cache (.blz, same chunk shape, metadata
 * recording the pipeline under "pipeline" and the source under "pipeline.source"), a
 * float32 .npy stack (T x H x W or T x H x W x C, written strip by strip) or a
 * multi-page float32 TIFF (.tif, .tiff; BigTIFF beyond 4 GiB). The file appears
 * atomically; description is stored as the "pipeline" metadata of a cache. */
int blz_pipeline_export(const blz_cache *cache, const blz_pipeline *pipeline,
                        const blz_run_options *run, const char *path,
                        const char *description);

/* A PNG sequence: one 8-bit PNG per output frame, named frame_000000.png,
 * frame_000001.png, ... by output frame (6 digits, more when the count needs them), in
 * a folder that appears whole or not at all (written as a hidden temporary folder next
 * to it, files fsynced, then renamed). Every frame maps the same two values to 0 and
 * 255 (a movie must not flicker), linearly and clamped, NaN as the low end; gray
 * frames go through the colormap, RGB frames are written as RGB (as blz_image_write()
 * makes a .png). */
typedef struct blz_png_sequence_options {
    int colormap;                /* enum blz_colormap of blitz/image_io.h; gray frames only */
    double clip_low, clip_high;  /* percentiles of the whole processed stack (all channels)
                                    mapped to 0 and 255, found exactly before writing */
    int fixed_range;             /* 1: range_low and range_high are mapped to 0 and 255
                                    instead, and no statistics are computed */
    double range_low, range_high;
    int replace;                 /* 1: an existing folder holding nothing but frame_N.png
                                    files is replaced; anything else is never touched */
} blz_png_sequence_options;

/* Gray, clip 0.35 and 99.65 (ImageJ's saturation, as .png results), no fixed range,
 * no replacing. */
blz_png_sequence_options blz_png_sequence_defaults(void);

/* Export the processed frames as a PNG sequence into folder (a trailing '/' is fine).
 * range[0] and range[1] receive the values mapped to 0 and 255 (NaN when the stack
 * holds no number). Without a fixed range, two walks over the processed frames find
 * the clip percentiles (blz_pipeline_stats()) before the writing walk, which needs a
 * whole frame per strip; the references are computed once for all three. An existing
 * folder that may not be replaced is BLZ_ERR_EXISTS. */
int blz_pipeline_export_png(const blz_cache *cache, const blz_pipeline *pipeline,
                            const blz_run_options *run, const char *folder,
                            const blz_png_sequence_options *options, double range[2]);

/* How a pipeline run will go, for explaining it (blitz-query --explain): the fixed
 * references first, each by a reduction pass of its own or read from its file, held as
 * images from then on; then the passes over the processed frames, under what the
 * images leave of the budget. Planning computes nothing and reads nothing but the
 * cache's index (image files are not opened). */
enum blz_ref_source {
    BLZ_REF_FROM_PASS = 1,   /* a reduction pass over the cache */
    BLZ_REF_FROM_FILE,       /* an image file */
    BLZ_REF_FROM_SUBTRACT,   /* the divide reference is the subtract one's image, copied */
    BLZ_REF_FROM_WINDOW      /* sliding: computed inside the passes over the frames */
};

enum blz_pass_role {
    BLZ_PASS_SUBTRACT_REF = 1, BLZ_PASS_DIVIDE_REF,  /* reference reductions: plan */
    BLZ_PASS_REDUCE,         /* the reduction of the processed frames, fused: plan */
    BLZ_PASS_STATS_FIGURES,  /* frame walk: statistics' figures and histogram */
    BLZ_PASS_STATS_RANKS,    /* frame walk: statistics' counts around the ranks */
    BLZ_PASS_EXPORT          /* frame walk: writing an export */
};

typedef struct blz_pass_plan {
    int role;                /* enum blz_pass_role */
    size_t budget;           /* bytes the pass runs under */
    blz_plan plan;           /* reductions: the scheduler's plan */
    int envelope;            /* reductions: a min or max that folds each pixel's largest
                                and smallest raw sample and applies the stages to them at
                                the end (where the reference values allow; stages.h) */
    int32_t strip_rows;      /* walks: rows per strip */
    int32_t strips;          /* walks: strips, each reading the selected frames */
    int threads;             /* walks */
    size_t walk_bytes;       /* walks: chunk buffers and a strip's frames, at most */
    size_t sink_bytes;       /* walks: what the sink holds (histograms, writer, PNG frame) */
} blz_pass_plan;

enum { BLZ_PIPELINE_MAX_PASSES = 5 };

typedef struct blz_pipeline_plan {
    int subtract_source, divide_source;  /* enum blz_ref_source; 0: stage off */
    size_t images_bytes;     /* reference images (and reciprocals) held after their passes */
    int64_t outputs;         /* output frames */
    int npasses;
    blz_pass_plan passes[BLZ_PIPELINE_MAX_PASSES];  /* in the order they run */
} blz_pipeline_plan;

/* The plans of blz_pipeline_reduce(), blz_pipeline_stats() and of the exports
 * (png: a PNG sequence's options, NULL for the defaults or another kind of export);
 * BLZ_ERR_BUDGET as the run would fail. */
int blz_pipeline_reduce_plan(const blz_cache *cache, const blz_pipeline *pipeline,
                             const blz_reduce_options *options, blz_pipeline_plan *plan);
int blz_pipeline_stats_plan(const blz_cache *cache, const blz_pipeline *pipeline,
                            const blz_run_options *run, const blz_stats_options *options,
                            blz_pipeline_plan *plan);
int blz_pipeline_export_plan(const blz_cache *cache, const blz_pipeline *pipeline,
                             const blz_run_options *run, const char *path,
                             const blz_png_sequence_options *png, blz_pipeline_plan *plan);

#ifdef __cplusplus
}
#endif
#endif
