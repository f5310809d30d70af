/*
 * ingest.c - the ingest driver: source -> transforms -> cache writer (blitz/ingest.h).
 *
 * blz_ingest() opens the source, plans the transform, fits the chunk shape to the memory
 * budget, opens the writer (which refuses an existing output unless asked to replace
 * it), records what the cache was made from as metadata, then streams the frames: every
 * frame is decoded, selected frames are transformed straight into the writer's frame
 * slot and committed with their source index and timestamp, and decoding stops once
 * past the stop index. Any failure or cancellation frees the writer, which removes its
 * temporary file, so nothing is left at the output path.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "blitz/blitz.h"
#include "core/error_internal.h"
#include "ingest/input_bytes.h"
#include "ingest/source.h"
#include "ingest/transform.h"

enum { DEFAULT_CT = 32, DEFAULT_SIDE = 64 };

typedef struct ingest_run {
    const char *const *inputs;
    size_t n_inputs;
    const char *output;
    blz_ingest_options o;          /* the caller's options, chunk shape resolved */
    blz_source *src;
    blz_transform *tf;
    blz_writer *w;
    blz_writer_options wo;
    int64_t expected;              /* selected frames expected, -1 when unknown */
    blz_ingest_report *r;
} ingest_run;

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int check_options(const blz_ingest_options *o)
{
    if (o->start < 0 || o->step < 1 || o->stop < -1)
        return blz_fail(BLZ_ERR_INVALID, "frame range %lld:%lld:%lld is invalid (start >= 0, "
                        "step >= 1)", (long long)o->start, (long long)o->stop,
                        (long long)o->step);
    if (!blz_codec_name(o->codec))
        return blz_fail(BLZ_ERR_INVALID, "unknown codec %d", o->codec);
    if (o->ct < 0 || o->th < 0 || o->tw < 0 || o->threads < 0)
        return blz_fail(BLZ_ERR_INVALID, "negative chunk size or thread count");
    return BLZ_OK;
}

/* Frames of the selection among `available` decoded frames. */
static int64_t selected_count(const blz_ingest_options *o, int64_t available)
{
    const int64_t end = o->stop >= 0 && o->stop < available ? o->stop : available;
    return end > o->start ? (end - o->start + o->step - 1) / o->step : 0;
}

static bool is_selected(const blz_ingest_options *o, int64_t index)
{
    return index >= o->start && (o->stop < 0 || index < o->stop) &&
           (index - o->start) % o->step == 0;
}

static int open_source(ingest_run *run)
{
    const blz_ingest_options *o = &run->o;
    const blz_source_options so = { .stream = o->stream, .rgb = o->rgb,
                                     .keep_luma_range = o->keep_luma_range, .axes = o->axes,
                                     .threads = o->threads, .skip_bad = o->skip_bad };
    int st = blz_source_open(&run->src, run->inputs, run->n_inputs, &so);
    if (st != BLZ_OK)
        return st;
    const blz_source_info *info = &run->src->info;
    snprintf(run->r->source_kind, sizeof run->r->source_kind, "%s", info->kind);
    run->expected = info->frames_hint >= 0 ? selected_count(o, info->frames_hint) : -1;
    if (run->expected == 0)
        return blz_fail(BLZ_ERR_EMPTY, "%s: the frame range selects none of its %lld frames",
                        run->inputs[0], (long long)info->frames_hint);
    return blz_transform_create(&run->tf, info->width, info->height, info->channels,
                                &o->geometry);
}

/* Chunk shape: the caller's, or 64 x 64 tiles (at most the frame) and the longest time
 * block up to 32 frames (at most the selection) whose writer fits the budget. */
static int fit_chunk(ingest_run *run)
{
    blz_ingest_options *o = &run->o;
    blz_writer_options *wo = &run->wo;
    blz_transform_output_size(run->tf, &wo->width, &wo->height);
    wo->channels = run->src->info.channels;
    wo->th = o->th ? o->th : (wo->height < DEFAULT_SIDE ? wo->height : DEFAULT_SIDE);
    wo->tw = o->tw ? o->tw : (wo->width < DEFAULT_SIDE ? wo->width : DEFAULT_SIDE);
    wo->ct = o->ct ? o->ct
             : run->expected > 0 && run->expected < DEFAULT_CT ? (int32_t)run->expected
                                                               : DEFAULT_CT;
    wo->codec = o->codec;
    wo->threads = o->threads;
    wo->flags = o->replace ? BLZ_WRITE_REPLACE : 0;
    size_t need = blz_writer_memory(wo);
    while (o->ram_budget && need > o->ram_budget && !o->ct && wo->ct > 1) {
        wo->ct--;
        need = blz_writer_memory(wo);
    }
    if (need == 0) /* the writer names the invalid option */
        return BLZ_OK;
    if (o->ram_budget && need > o->ram_budget)
        return blz_fail(BLZ_ERR_BUDGET, "%s: the memory budget of %.1f MiB is too small: "
                        "writing %dx%d frames in chunks of %dx%dx%d needs %.1f MiB",
                        run->output, o->ram_budget / 1048576.0, wo->width, wo->height,
                        wo->ct, wo->th, wo->tw, need / 1048576.0);
    o->ct = wo->ct;
    o->th = wo->th;
    o->tw = wo->tw;
    return BLZ_OK;
}

/* The input paths, one per line. */
static char *joined_inputs(const ingest_run *run)
{
    size_t len = 1;
    for (size_t i = 0; i < run->n_inputs; i++)
        len += strlen(run->inputs[i]) + 1;
    char *s = malloc(len), *p = s;
    for (size_t i = 0; s && i < run->n_inputs; i++)
        p += sprintf(p, "%s%s", i ? "\n" : "", run->inputs[i]);
    if (s)
        *p = '\0';
    return s;
}

/* Open the writer; geometry the cache format cannot hold is the input's problem, so
 * the message names the input as well as the limit. */
static int open_writer(ingest_run *run)
{
    int st = blz_writer_open(&run->w, run->output, &run->wo);
    if (st == BLZ_ERR_RANGE) {
        char detail[768];
        blz_errmsg_copy(detail, sizeof detail);
        st = blz_fail(st, "%s: cannot be cached: %s", run->inputs[0], detail);
    }
    return st;
}

static int set_source_meta(ingest_run *run)
{
    const blz_source_info *info = &run->src->info;
    char options[512], version[64], depth[16], ignored[24], fps[32];
    char *source = joined_inputs(run);
    if (!source)
        return blz_fail(BLZ_ERR_NOMEM, "%s: out of memory", run->output);
    snprintf(version, sizeof version, "blitz-ingest %s", blz_version());
    snprintf(depth, sizeof depth, "%d", info->bit_depth);
    snprintf(ignored, sizeof ignored, "%lld", (long long)info->files_ignored);
    snprintf(fps, sizeof fps, "%.17g", info->fps_hint);
    int st = blz_ingest_options_text(&run->o, options, sizeof options);
    const struct { const char *key, *value; } pairs[] = {
        { "source", source },
        { "source_kind", info->kind },
        { "codec", info->codec },
        { "pixel_format", info->pixel_format },
        { "bit_depth", depth },
        { "ingest_options", options },
        { "tool_version", version },
        { "source_identity", info->identity },
        { "files_ignored", info->files_ignored > 0 ? ignored : NULL },
        { "frame_rate", info->fps_hint > 0 ? fps : NULL },
    };
    for (size_t i = 0; st == BLZ_OK && i < sizeof pairs / sizeof pairs[0]; i++)
        if (pairs[i].value)
            st = blz_writer_set_meta(run->w, pairs[i].key, pairs[i].value);
    free(source);
    return st;
}

/* "3,17,42": the frames the source skipped as undecodable. */
/* What --skip-bad passed over: the skipped frames and any damage the source noted. */
static int set_skipped_meta(ingest_run *run)
{
    const blz_source *s = run->src;
    if (s->info.damage[0]) {
        int st = blz_writer_set_meta(run->w, "damage", s->info.damage);
        if (st != BLZ_OK)
            return st;
    }
    if (s->n_skipped == 0)
        return BLZ_OK;
    char *text = malloc(s->n_skipped * 21 + 1), *p = text;
    if (!text)
        return blz_fail(BLZ_ERR_NOMEM, "%s: out of memory", run->output);
    for (size_t i = 0; i < s->n_skipped; i++)
        p += sprintf(p, "%s%lld", i ? "," : "", (long long)s->skipped[i]);
    *p = '\0';
    int st = blz_writer_set_meta(run->w, "skipped_frames", text);
    free(text);
    return st;
}

static int write_frame(ingest_run *run, const blz_frame *f)
{
    float *slot = blz_writer_frame_slot(run->w);
    if (!slot || !f->values)
        return blz_fail(BLZ_ERR_INVALID, "%s: frame %lld: no %s", run->output,
                        (long long)f->index, slot ? "converted values" : "writer slot");
    blz_transform_apply(run->tf, f->values, slot);
    int st = blz_writer_commit_frame(run->w, f->index, f->timestamp);
    if (st == BLZ_OK) {
        run->r->frames_written++;
        run->r->bytes_raw += (uint64_t)run->wo.width * (uint64_t)run->wo.height *
                             (uint64_t)run->wo.channels * sizeof(float);
    }
    return st;
}

/* Decode until the end of the input or past the stop index. Frames are asked for
 * unconverted when the next index is not selected; with skip_bad the next index is not
 * known in advance (undecodable frames are passed over), so every frame is converted. */
static int stream_frames(ingest_run *run)
{
    const blz_ingest_options *o = &run->o;
    blz_ingest_report *r = run->r;
    int64_t next = 0;
    for (;;) {
        blz_frame f;
        const bool want = o->skip_bad || is_selected(o, next);
        int st = blz_source_next(run->src, want, &f);
        if (st <= 0)
            return st;
        r->frames_decoded++;
        next = f.index + 1;
        if (is_selected(o, f.index) && (st = write_frame(run, &f)) != BLZ_OK)
            return st;
        if (o->progress && o->progress(o->progress_user, r->frames_written, run->expected,
                                       r->bytes_raw))
            return blz_fail(BLZ_ERR_CANCELLED, "%s: cancelled after %lld frames", run->output,
                            (long long)r->frames_written);
        if (o->stop >= 0 && next >= o->stop)
            return BLZ_OK;
    }
}

static int copy_skipped(ingest_run *run)
{
    const blz_source *s = run->src;
    if (s->n_skipped == 0)
        return BLZ_OK;
    run->r->skipped = malloc(s->n_skipped * sizeof *run->r->skipped);
    if (!run->r->skipped)
        return blz_fail(BLZ_ERR_NOMEM, "%s: out of memory", run->output);
    memcpy(run->r->skipped, s->skipped, s->n_skipped * sizeof *s->skipped);
    run->r->n_skipped = s->n_skipped;
    return BLZ_OK;
}

static int run_ingest(ingest_run *run)
{
    int st = open_source(run);
    if (st == BLZ_OK) st = fit_chunk(run);
    if (st == BLZ_OK) st = open_writer(run);
    if (st == BLZ_OK) st = set_source_meta(run);
    if (st == BLZ_OK) st = stream_frames(run);
    if (st == BLZ_OK && run->r->frames_written == 0)
        st = blz_fail(BLZ_ERR_EMPTY, "%s: the frame range selects none of the %lld decoded "
                      "frames", run->inputs[0], (long long)run->r->frames_decoded);
    if (st == BLZ_OK) st = set_skipped_meta(run);
    if (st == BLZ_OK) st = copy_skipped(run);
    if (st == BLZ_OK) st = blz_writer_finish(run->w);
    return st;
}

static void fill_report(const ingest_run *run, double started)
{
    blz_ingest_report *r = run->r;
    if (run->src) {
        r->files_ignored = run->src->info.files_ignored;
        snprintf(r->damage, sizeof r->damage, "%s", run->src->info.damage);
        r->channels = run->src->info.channels;
    }
    r->width = run->wo.width;
    r->height = run->wo.height;
    r->ct = run->o.ct;
    r->th = run->o.th;
    r->tw = run->o.tw;
    r->codec = run->o.codec;
    r->bytes_in = blz_input_bytes(run->inputs, run->n_inputs);
    r->seconds = now_seconds() - started;
    r->fps = r->seconds > 0 ? r->frames_decoded / r->seconds : 0;
}

int blz_ingest(const char *const *inputs, size_t n_inputs, const char *output,
               const blz_ingest_options *options, blz_ingest_report *report)
{
    const double started = now_seconds();
    blz_ingest_report scratch;
    blz_ingest_report *r = report ? report : &scratch;
    memset(r, 0, sizeof *r);
    int st = check_options(options);
    if (st != BLZ_OK)
        return st;
    ingest_run run = { .inputs = inputs, .n_inputs = n_inputs, .output = output,
                       .o = *options, .r = r };
    st = run_ingest(&run);
    fill_report(&run, started);
    struct stat out;
    if (st == BLZ_OK && stat(output, &out) == 0)
        r->bytes_out = (uint64_t)out.st_size;
    blz_writer_free(run.w);
    blz_transform_free(run.tf);
    blz_source_close(run.src);
    if (!report)
        blz_ingest_report_free(&scratch);
    return st;
}

void blz_ingest_report_free(blz_ingest_report *report)
{
    if (!report)
        return;
    free(report->skipped);
    report->skipped = NULL;
    report->n_skipped = 0;
}
