/*
 * video.c - the video-file source: libavformat demuxes, libavcodec decodes, every
 * decoded frame is delivered.
 *
 * Frames are numbered by their position in the decoded stream (the decoder is flushed
 * at the end so the last frames come out too) and stamped with best_effort_timestamp
 * in seconds of the stream's time base; nothing is derived from the frame rate, so
 * variable-frame-rate files come out right. Frames the caller does not want are
 * decoded (to keep the count exact) but not converted.
 *
 * Damage never passes silently. Three kinds are told apart:
 *  - a lost frame: a packet the decoder refuses, or a frame it marks as corrupt (FFV1
 *    slice CRCs, cut packets): BLZ_ERR_DECODE naming the frame, or with skip_bad the
 *    frame is skipped and recorded in the skip list;
 *  - a truncated or damaged container: the demuxer logs it (Matroska "File ended
 *    prematurely", MOV "partial file", AVI "Packet corrupt", any demuxer error; see
 *    ffmpeg_log.h), or clearly fewer packets arrive than the container lists (stream
 *    nb_frames, MP4 / AVI; more than 2 frames and 1% short): BLZ_ERR_FORMAT, as for
 *    any malformed file;
 *  - damaged data the decoder concealed (h264 logs "error while decoding MB" and still
 *    outputs a frame): BLZ_ERR_DECODE.
 * With skip_bad the frames that decode are kept and the first container or concealed
 * damage is described in info.damage, for the driver to record.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/pixdesc.h>

#include "blitz/error.h"
#include "core/checked.h"
#include "core/error_internal.h"
#include "ingest/avframe_convert.h"
#include "ingest/ffmpeg_log.h"
#include "ingest/source.h"

/* Decoder threads when the caller leaves it to us: both cores of the target machine. */
enum { DEFAULT_DECODER_THREADS = 2 };

/* What decode_one found. */
enum { DECODED_FRAME = 1, DECODED_END = 0 };

typedef struct video_state {
    char *path;
    AVFormatContext *format;
    AVCodecContext *decoder;
    AVPacket *packet;
    AVFrame *frame;
    int stream;
    AVRational time_base;
    int64_t next_index;          /* position of the next decoded (or lost) frame */
    int flushed;                 /* the end of the file reached, the decoder drained */
    int64_t packets;             /* packets of the stream read from the container */
    blz_ffmpeg_watch watch;      /* what FFmpeg logged about this file */
    unsigned demuxer_seen;       /* demuxer / decoder messages already acted on */
    unsigned decoder_seen;
    struct stat file;            /* size and mtime, for the identity */
    int skip_bad, rgb, keep_luma_range;
    blz_convert_plan reference;  /* plan of the stream's declared layout */
    blz_convert_plan current;    /* plan of the layout the last frame had */
    blz_convert_scratch scratch;
    float *values;
} video_state;

/* Fail naming the file, what failed and FFmpeg's error code; said, when not empty, is
 * what FFmpeg logged about it. */
static int ffmpeg_fail_said(int status, const char *path, const char *what, int av_error,
                            const char *said)
{
    char reason[AV_ERROR_MAX_STRING_SIZE];
    av_strerror(av_error, reason, sizeof reason);
    if (*said)
        return blz_fail(status, "%s: %s: %s (FFmpeg: %s)", path, what, reason, said);
    return blz_fail(status, "%s: %s: %s", path, what, reason);
}

static int ffmpeg_fail(int status, const char *path, const char *what, int av_error)
{
    return ffmpeg_fail_said(status, path, what, av_error, "");
}

/* The first message of one side (the decoder's or the demuxer's) when that side
 * logged something not acted on yet, else ""; marks it seen. r holds the text. */
static const char *news(video_state *v, int decoder, blz_ffmpeg_report *r)
{
    blz_ffmpeg_watch_read(&v->watch, r);
    unsigned count = decoder ? r->decoder_count : r->demuxer_count;
    unsigned *seen = decoder ? &v->decoder_seen : &v->demuxer_seen;
    int fresh = count > *seen;
    *seen = count;
    return !fresh ? "" : decoder ? r->decoder : r->demuxer;
}

static const char *demuxer_news(video_state *v, blz_ffmpeg_report *r)
{
    return news(v, 0, r);
}

static const char *decoder_news(video_state *v, blz_ffmpeg_report *r)
{
    return news(v, 1, r);
}

static int open_container(video_state *v)
{
    if (stat(v->path, &v->file) != 0)
        return blz_fail(errno == ENOENT ? BLZ_ERR_NOENT : BLZ_ERR_IO, "%s: %s", v->path,
                        strerror(errno));
    if (!S_ISREG(v->file.st_mode))
        return blz_fail(BLZ_ERR_UNSUPPORTED, "%s: not a regular file", v->path);
    blz_ffmpeg_watch *previous = blz_ffmpeg_watch_enter(&v->watch);
    int rc = avformat_open_input(&v->format, v->path, NULL, NULL);
    const char *what = "FFmpeg cannot open it as a video";
    if (rc >= 0) {
        rc = avformat_find_stream_info(v->format, NULL);
        what = "FFmpeg cannot probe its streams";
    }
    blz_ffmpeg_watch_leave(previous);
    if (rc < 0) {
        blz_ffmpeg_report r;
        return ffmpeg_fail_said(rc == AVERROR(ENOENT) ? BLZ_ERR_NOENT : BLZ_ERR_UNSUPPORTED,
                                v->path, what, rc, demuxer_news(v, &r));
    }
    return BLZ_OK;
}

static int is_video_stream(const AVStream *st)
{
    return st->codecpar->codec_type == AVMEDIA_TYPE_VIDEO &&
           !(st->disposition & AV_DISPOSITION_ATTACHED_PIC);
}

/* The stream asked for, or the first video stream; all others are discarded. */
static int select_stream(video_state *v, int wanted)
{
    unsigned n = v->format->nb_streams;
    if (wanted >= 0 && (unsigned)wanted >= n)
        return blz_fail(BLZ_ERR_INVALID, "%s: stream %d does not exist (the file has %u)",
                        v->path, wanted, n);
    if (wanted >= 0 && !is_video_stream(v->format->streams[wanted])) {
        const AVStream *st = v->format->streams[wanted];
        const char *type = (st->disposition & AV_DISPOSITION_ATTACHED_PIC)
                               ? "an attached picture"
                               : av_get_media_type_string(st->codecpar->codec_type);
        return blz_fail(BLZ_ERR_INVALID, "%s: stream %d is %s, not video", v->path, wanted,
                        type ? type : "of unknown type");
    }
    v->stream = wanted;
    for (unsigned i = 0; v->stream < 0 && i < n; i++)
        if (is_video_stream(v->format->streams[i]))
            v->stream = (int)i;
    if (v->stream < 0)
        return blz_fail(BLZ_ERR_UNSUPPORTED, "%s: no video stream", v->path);
    for (unsigned i = 0; i < n; i++)
        if ((int)i != v->stream)
            v->format->streams[i]->discard = AVDISCARD_ALL;
    v->time_base = v->format->streams[v->stream]->time_base;
    return BLZ_OK;
}

static int open_decoder(video_state *v, int threads)
{
    const AVCodecParameters *par = v->format->streams[v->stream]->codecpar;
    const AVCodec *codec = avcodec_find_decoder(par->codec_id);
    if (!codec)
        return blz_fail(BLZ_ERR_UNSUPPORTED, "%s: no decoder for codec %s", v->path,
                        avcodec_get_name(par->codec_id));
    v->decoder = avcodec_alloc_context3(codec);
    v->packet = av_packet_alloc();
    v->frame = av_frame_alloc();
    if (!v->decoder || !v->packet || !v->frame)
        return blz_fail(BLZ_ERR_NOMEM, "%s: out of memory for the decoder", v->path);
    int rc = avcodec_parameters_to_context(v->decoder, par);
    if (rc < 0)
        return ffmpeg_fail(BLZ_ERR_UNSUPPORTED, v->path, "decoder parameters", rc);
    v->decoder->thread_count = threads > 0 ? threads : DEFAULT_DECODER_THREADS;
    v->decoder->pkt_timebase = v->time_base;
    v->decoder->opaque = &v->watch; /* its errors are recorded in the watch */
    /* Corrupt frames come out flagged rather than being withheld, so they are counted. */
    v->decoder->flags |= AV_CODEC_FLAG_OUTPUT_CORRUPT;
    rc = avcodec_open2(v->decoder, codec, NULL);
    if (rc < 0)
        return ffmpeg_fail(BLZ_ERR_UNSUPPORTED, v->path, "cannot open the decoder", rc);
    return BLZ_OK;
}

/* Whether the container holds any packet of the selected stream (consumes packets:
 * only for deciding how to fail). */
static int has_packets(video_state *v)
{
    blz_ffmpeg_watch *previous = blz_ffmpeg_watch_enter(&v->watch);
    int ours = 0;
    while (!ours && av_read_frame(v->format, v->packet) >= 0) {
        ours = v->packet->stream_index == v->stream;
        av_packet_unref(v->packet);
    }
    blz_ffmpeg_watch_leave(previous);
    return ours;
}

static int plan_stream(video_state *v)
{
    const AVCodecParameters *par = v->format->streams[v->stream]->codecpar;
    if (par->format == AV_PIX_FMT_NONE) {
        int any = has_packets(v);
        blz_ffmpeg_report r;
        const char *said = demuxer_news(v, &r);
        if (*said) /* a file cut before its first frame decodes */
            return blz_fail(BLZ_ERR_FORMAT, "%s: truncated or damaged before its first frame "
                            "(FFmpeg: %s)", v->path, said);
        return any ? blz_fail(BLZ_ERR_UNSUPPORTED, "%s: FFmpeg cannot tell the pixel format "
                              "of stream %d", v->path, v->stream)
                   : blz_fail(BLZ_ERR_EMPTY, "%s: no video frames", v->path);
    }
    blz_pixel_layout layout = {
        .format = (enum AVPixelFormat)par->format,
        .width = par->width,
        .height = par->height,
        .range = par->color_range,
        .colorspace = par->color_space,
    };
    int status = blz_convert_plan_init(&v->reference, &layout, v->rgb, v->keep_luma_range,
                                       v->path);
    if (status != BLZ_OK)
        return status;
    v->current = v->reference;
    size_t count;
    if (!blz_mul3_size((size_t)layout.width, (size_t)layout.height, (size_t)v->reference.channels,
                       &count))
        return blz_fail(BLZ_ERR_RANGE, "%s: frame size too large", v->path);
    v->values = malloc(count * sizeof *v->values);
    if (!v->values)
        return blz_fail(BLZ_ERR_NOMEM, "%s: out of memory for a %dx%d frame", v->path,
                        layout.width, layout.height);
    return BLZ_OK;
}

static void describe(const video_state *v, blz_source_info *info)
{
    const AVStream *st = v->format->streams[v->stream];
    memset(info, 0, sizeof *info);
    info->width = v->reference.layout.width;
    info->height = v->reference.layout.height;
    info->channels = v->reference.channels;
    info->bit_depth = v->reference.bit_depth;
    info->is_float = v->reference.is_float;
    info->frames_hint = st->nb_frames > 0 ? st->nb_frames : -1;
    AVRational rate = st->avg_frame_rate.num > 0 ? st->avg_frame_rate : st->r_frame_rate;
    info->fps_hint = rate.num > 0 && rate.den > 0 ? av_q2d(rate) : 0.0;
    snprintf(info->kind, sizeof info->kind, "video");
    snprintf(info->codec, sizeof info->codec, "%s", v->decoder->codec->name);
    snprintf(info->pixel_format, sizeof info->pixel_format, "%s",
             av_get_pix_fmt_name(v->reference.layout.format));
    snprintf(info->identity, sizeof info->identity, "size=%lld mtime=%lld.%09ld",
             (long long)v->file.st_size, (long long)v->file.st_mtim.tv_sec,
             v->file.st_mtim.tv_nsec);
}

/* Hand the decoder the next packet of our stream, or the flush request at the end.
 * Demuxing failures return a status; a packet the decoder refuses is reported in
 * *refused (its FFmpeg error code, 0 when accepted). */
static int feed_decoder(video_state *v, int *refused)
{
    *refused = 0;
    for (;;) {
        blz_ffmpeg_watch *previous = blz_ffmpeg_watch_enter(&v->watch);
        int rc = av_read_frame(v->format, v->packet);
        blz_ffmpeg_watch_leave(previous);
        if (rc == AVERROR_EOF) {
            /* The flush request still drains the decoder when it fails: it then reports
             * a packet decoder threads refused earlier. */
            v->flushed = 1;
            rc = avcodec_send_packet(v->decoder, NULL);
            *refused = rc < 0 && rc != AVERROR_EOF ? rc : 0;
            return BLZ_OK;
        }
        if (rc < 0) {
            char what[64];
            snprintf(what, sizeof what, "reading past frame %lld failed",
                     (long long)v->next_index);
            blz_ffmpeg_report r;
            return ffmpeg_fail_said(rc == AVERROR(EIO) ? BLZ_ERR_IO : BLZ_ERR_FORMAT, v->path,
                                    what, rc, demuxer_news(v, &r));
        }
        int ours = v->packet->stream_index == v->stream;
        if (ours) {
            v->packets++;
            rc = avcodec_send_packet(v->decoder, v->packet);
        }
        av_packet_unref(v->packet);
        if (ours) {
            *refused = rc < 0 && rc != AVERROR(EAGAIN) ? rc : 0;
            return BLZ_OK;
        }
    }
}

/* Decode the next frame into v->frame. *outcome becomes DECODED_FRAME, DECODED_END, or
 * the (negative) FFmpeg error of a packet or frame that could not be decoded. Returns
 * a status: failures that end the stream (demuxing) are not outcomes. */
static int decode_one(video_state *v, int *outcome)
{
    for (;;) {
        int rc = avcodec_receive_frame(v->decoder, v->frame);
        if (rc == 0) {
            int damaged = (v->frame->flags & AV_FRAME_FLAG_CORRUPT) || v->frame->decode_error_flags;
            *outcome = damaged ? AVERROR_INVALIDDATA : DECODED_FRAME;
            return BLZ_OK;
        }
        if (rc != AVERROR(EAGAIN) || v->flushed) {
            *outcome = rc == AVERROR_EOF || rc == AVERROR(EAGAIN) ? DECODED_END : rc;
            return BLZ_OK;
        }
        int status = feed_decoder(v, &rc);
        if (status != BLZ_OK || rc < 0) {
            *outcome = rc;
            return status;
        }
    }
}

static int deliver(video_state *v, bool want, blz_frame *frame, int64_t index)
{
    blz_pixel_layout layout = blz_layout_of_frame(v->frame);
    if (!blz_layout_equal(&layout, &v->current.layout)) {
        char why[160];
        int status = blz_convert_plan_init(&v->current, &layout, v->rgb, v->keep_luma_range,
                                           v->path);
        if (status != BLZ_OK)
            return status;
        if (!blz_convert_plan_compatible(&v->reference, &v->current, why, sizeof why))
            return blz_fail(BLZ_ERR_FORMAT, "%s: frame %lld: %s of the stream", v->path,
                            (long long)index, why);
    }
    frame->values = NULL;
    if (want) {
        int status = blz_convert_frame(&v->current, &v->scratch, v->frame, v->values, v->path);
        if (status != BLZ_OK)
            return status;
        frame->values = v->values;
    }
    frame->index = index;
    int64_t pts = v->frame->best_effort_timestamp;
    frame->timestamp = pts == AV_NOPTS_VALUE ? NAN : (double)pts * av_q2d(v->time_base);
    return 1;
}

/* Damage that costs no frame (see the top of the file): an error, or with skip_bad
 * the first one is described in info.damage and decoding goes on. */
static int pass_damage(blz_source *s, int status, const char *detail)
{
    video_state *v = s->state;
    if (!v->skip_bad)
        return blz_fail(status, "%s: %s", v->path, detail);
    if (!s->info.damage[0])
        snprintf(s->info.damage, sizeof s->info.damage, "%s", detail);
    return BLZ_OK;
}

/* Truncation or damage the demuxer logged since the last look. */
static int check_container(blz_source *s)
{
    video_state *v = s->state;
    blz_ffmpeg_report r;
    const char *said = demuxer_news(v, &r);
    if (!*said)
        return BLZ_OK;
    char detail[sizeof ((blz_source_info *)0)->damage];
    snprintf(detail, sizeof detail, "truncated or damaged file, found after %lld decoded "
             "frames (FFmpeg: %s)", (long long)v->next_index, said);
    return pass_damage(s, BLZ_ERR_FORMAT, detail);
}

/* Damage the decoder logged but concealed, noticed before delivering frame index. */
static int check_concealed(blz_source *s, int64_t index)
{
    video_state *v = s->state;
    blz_ffmpeg_report r;
    const char *said = decoder_news(v, &r);
    if (!*said)
        return BLZ_OK;
    char detail[sizeof ((blz_source_info *)0)->damage];
    snprintf(detail, sizeof detail, "damaged data concealed by the decoder, near frame %lld "
             "(FFmpeg: %s)", (long long)index, said);
    return pass_damage(s, BLZ_ERR_DECODE, detail);
}

/* Frames a container's count may overstate without the file being damaged: FFmpeg's
 * own AVI muxer lists 76 frames for 75 when an audio stream ends the file. */
enum { COUNT_SLACK_FRAMES = 2, COUNT_SLACK_PERCENT = 1 };

/* Clearly fewer packets than the container lists (MP4 and AVI state a frame count):
 * the file is cut short. */
static int check_count(blz_source *s)
{
    video_state *v = s->state;
    int64_t listed = v->format->streams[v->stream]->nb_frames;
    int64_t slack = listed / 100 * COUNT_SLACK_PERCENT;
    if (slack < COUNT_SLACK_FRAMES)
        slack = COUNT_SLACK_FRAMES;
    if (listed <= 0 || v->packets + slack >= listed)
        return BLZ_OK;
    char detail[160];
    snprintf(detail, sizeof detail, "truncated file: the container lists %lld frames, "
             "only %lld are present", (long long)listed, (long long)v->packets);
    return pass_damage(s, BLZ_ERR_FORMAT, detail);
}

/* The end of the stream: 0, or the damage found last, or BLZ_ERR_EMPTY. */
static int finish(blz_source *s)
{
    video_state *v = s->state;
    int status = check_concealed(s, v->next_index - 1);
    if (status == BLZ_OK)
        status = check_count(s);
    if (status == BLZ_OK && v->next_index == 0)
        status = blz_fail(BLZ_ERR_EMPTY, "%s: no video frames", v->path);
    return status;
}

/* Frame index could not be decoded (outcome: FFmpeg's error): an error, or skipped
 * and recorded with skip_bad. */
static int lose_frame(blz_source *s, int64_t index, int outcome)
{
    video_state *v = s->state;
    blz_ffmpeg_report r;
    const char *said = decoder_news(v, &r);
    if (v->skip_bad)
        return blz_source_note_skipped(s, index);
    char what[64];
    snprintf(what, sizeof what, "frame %lld cannot be decoded", (long long)index);
    return ffmpeg_fail_said(BLZ_ERR_DECODE, v->path, what, outcome, said);
}

static int video_next(blz_source *s, bool want, blz_frame *frame)
{
    video_state *v = s->state;
    for (;;) {
        int outcome;
        int status = decode_one(v, &outcome);
        if (status == BLZ_OK)
            status = check_container(s);
        if (status != BLZ_OK)
            return status;
        if (outcome == DECODED_END)
            return finish(s);
        int64_t index = v->next_index++;
        if (outcome == DECODED_FRAME) {
            status = check_concealed(s, index);
            if (status == BLZ_OK)
                status = deliver(v, want, frame, index);
            av_frame_unref(v->frame);
            return status;
        }
        av_frame_unref(v->frame);
        status = lose_frame(s, index, outcome);
        if (status != BLZ_OK)
            return status;
    }
}

static void free_state(video_state *v)
{
    if (!v)
        return;
    avcodec_free_context(&v->decoder);
    avformat_close_input(&v->format);
    blz_ffmpeg_watch_stop(&v->watch);
    av_packet_free(&v->packet);
    av_frame_free(&v->frame);
    blz_convert_scratch_free(&v->scratch);
    free(v->values);
    free(v->path);
    free(v);
}

static void video_close(blz_source *s)
{
    free_state(s->state);
    s->state = NULL;
}

static const blz_source_ops video_ops = { video_next, video_close };

static int open_state(video_state *v, const blz_source_options *o)
{
    int status = open_container(v);
    if (status == BLZ_OK)
        status = select_stream(v, o->stream);
    if (status == BLZ_OK)
        status = open_decoder(v, o->threads);
    if (status == BLZ_OK)
        status = plan_stream(v);
    return status;
}

int blz_video_open(blz_source **out, const char *path, const blz_source_options *o)
{
    *out = NULL;
    blz_ffmpeg_silence();
    video_state *v = calloc(1, sizeof *v);
    blz_source *s = calloc(1, sizeof *s);
    if (v)
        v->path = strdup(path);
    if (!v || !s || !v->path) {
        free_state(v);
        free(s);
        return blz_fail(BLZ_ERR_NOMEM, "%s: out of memory opening the video", path);
    }
    blz_ffmpeg_watch_start(&v->watch);
    v->skip_bad = o->skip_bad;
    v->rgb = o->rgb;
    v->keep_luma_range = o->keep_luma_range;
    int status = open_state(v, o);
    if (status != BLZ_OK) {
        free_state(v);
        free(s);
        return status;
    }
    s->ops = &video_ops;
    s->state = v;
    describe(v, &s->info);
    *out = s;
    return BLZ_OK;
}
