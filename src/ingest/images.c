/*
 * images.c - the image-sequence source: one frame per file, decoded in parallel.
 *
 * The files come from file_list (a folder or glob, natural-sorted, or a list in the
 * given order); frame i is file i, with no timestamp. Each file is read whole and
 * handed to libavcodec's decoder for its extension (png, mjpeg for jpg/jpeg, bmp,
 * tiff: first page only; multi-page stacks belong to the libtiff source), so names
 * need no escaping for a demuxer. Every file must match the first decodable one in
 * size, sample kind and depth, else BLZ_ERR_FORMAT names it.
 *
 * When a wanted frame is not decoded yet, a batch of up to 2 x threads files starting
 * there is decoded and converted concurrently (an OpenMP loop, each file with its own
 * decoder and conversion scratch) into the batch's frame slots, then delivered in
 * order. Files the caller does not want before such a batch are never decoded; a batch
 * is decoded ahead, so unwanted files inside it cost their decode. Memory: one frame
 * per slot.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <omp.h>

#include <libavcodec/avcodec.h>
#include <libavutil/pixdesc.h>

#include "blitz/error.h"
#include "core/checked.h"
#include "core/error_internal.h"
#include "ingest/avframe_convert.h"
#include "ingest/ffmpeg_log.h"
#include "ingest/file_list.h"
#include "ingest/source.h"

/* Files decoded per batch for each decoding thread. */
enum { FILES_PER_THREAD = 2 };

typedef struct image_slot {
    float *values;                /* the converted frame */
    blz_convert_plan plan;        /* plan of the file's own layout */
    blz_convert_scratch scratch;
    int status;                   /* BLZ_OK, or the failure decoding this file */
    char message[512];            /* blz_errmsg() of the failure */
    const char *codec;            /* decoder name (static string) */
} image_slot;

typedef struct images_state {
    blz_file_list files;
    blz_convert_plan reference;   /* plan of the first decodable file */
    size_t reference_file;        /* its position in the list */
    int rgb, keep_luma_range, skip_bad, threads;
    size_t frame_values;          /* floats per frame */
    image_slot *slots;
    size_t n_slots;
    size_t batch_start, batch_count; /* files held by the slots */
    size_t next;                  /* position of the next file to deliver */
} images_state;

static const AVCodec *decoder_for(const char *path)
{
    static const struct { const char *ext; enum AVCodecID id; } by_extension[] = {
        { "png", AV_CODEC_ID_PNG }, { "jpg", AV_CODEC_ID_MJPEG }, { "jpeg", AV_CODEC_ID_MJPEG },
        { "bmp", AV_CODEC_ID_BMP }, { "tif", AV_CODEC_ID_TIFF }, { "tiff", AV_CODEC_ID_TIFF },
    };
    const char *ext = blz_file_extension(path);
    for (size_t i = 0; i < sizeof by_extension / sizeof by_extension[0]; i++)
        if (strcasecmp(ext, by_extension[i].ext) == 0)
            return avcodec_find_decoder(by_extension[i].id);
    return NULL;
}

/* The whole file as one packet. */
static int read_file(const char *path, AVPacket *packet)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return blz_fail(errno == ENOENT ? BLZ_ERR_NOENT : BLZ_ERR_IO, "%s: %s", path,
                        strerror(errno));
    long size = -1;
    if (fseek(f, 0, SEEK_END) == 0)
        size = ftell(f);
    int status = BLZ_OK;
    if (size < 0 || fseek(f, 0, SEEK_SET) != 0)
        status = blz_fail(BLZ_ERR_IO, "%s: cannot size the file: %s", path, strerror(errno));
    else if (size == 0)
        status = blz_fail(BLZ_ERR_DECODE, "%s: empty file", path);
    else if (size > INT_MAX - AV_INPUT_BUFFER_PADDING_SIZE)
        status = blz_fail(BLZ_ERR_RANGE, "%s: image file of %ld bytes too large", path, size);
    else if (av_new_packet(packet, (int)size) < 0)
        status = blz_fail(BLZ_ERR_NOMEM, "%s: out of memory reading the file", path);
    else if (fread(packet->data, 1, (size_t)size, f) != (size_t)size)
        status = blz_fail(BLZ_ERR_IO, "%s: read failed", path);
    fclose(f);
    return status;
}

static int decode_failure(const char *path, int av_error)
{
    char reason[AV_ERROR_MAX_STRING_SIZE];
    av_strerror(av_error, reason, sizeof reason);
    return blz_fail(BLZ_ERR_DECODE, "%s: cannot decode the image: %s", path, reason);
}

/* Decode the file's single image into frame. */
static int decode_file(const char *path, AVFrame *frame, const char **codec_name)
{
    const AVCodec *codec = decoder_for(path);
    if (!codec)
        return blz_fail(BLZ_ERR_UNSUPPORTED, "%s: not an image file blitz reads (png, jpg, "
                        "jpeg, bmp, tif, tiff)", path);
    *codec_name = codec->name;
    AVPacket *packet = av_packet_alloc();
    AVCodecContext *decoder = avcodec_alloc_context3(codec);
    int status = packet && decoder ? BLZ_OK
                                   : blz_fail(BLZ_ERR_NOMEM, "%s: out of memory for a decoder", path);
    if (status == BLZ_OK)
        status = read_file(path, packet);
    if (status == BLZ_OK) {
        decoder->thread_count = 1;
        int rc = avcodec_open2(decoder, codec, NULL);
        if (rc == 0)
            rc = avcodec_send_packet(decoder, packet);
        if (rc == 0)
            rc = avcodec_send_packet(decoder, NULL);
        if (rc == 0)
            rc = avcodec_receive_frame(decoder, frame);
        if (rc < 0)
            status = decode_failure(path, rc == AVERROR_EOF ? AVERROR_INVALIDDATA : rc);
    }
    avcodec_free_context(&decoder);
    av_packet_free(&packet);
    return status;
}

/* Decode path and, unless reference is NULL, check it against it and convert it. */
static int load_image(const images_state *st, const char *path, image_slot *slot,
                      const blz_convert_plan *reference)
{
    AVFrame *frame = av_frame_alloc();
    if (!frame)
        return blz_fail(BLZ_ERR_NOMEM, "%s: out of memory for a frame", path);
    int status = decode_file(path, frame, &slot->codec);
    if (status == BLZ_OK) {
        blz_pixel_layout layout = blz_layout_of_frame(frame);
        status = blz_convert_plan_init(&slot->plan, &layout, st->rgb, st->keep_luma_range, path);
    }
    char why[160];
    if (status == BLZ_OK && reference &&
        !blz_convert_plan_compatible(reference, &slot->plan, why, sizeof why))
        status = blz_fail(BLZ_ERR_FORMAT, "%s: %s of the first file %s", path, why,
                          st->files.paths[st->reference_file]);
    if (status == BLZ_OK && reference)
        status = blz_convert_frame(&slot->plan, &slot->scratch, frame, slot->values, path);
    av_frame_free(&frame);
    return status;
}

/* Decode files first .. first + count - 1 into the slots, concurrently. */
static void decode_batch(images_state *st, size_t first)
{
    size_t count = st->files.n - first;
    if (count > st->n_slots)
        count = st->n_slots;
    st->batch_start = first;
    st->batch_count = count;
#pragma omp parallel for num_threads(st->threads) schedule(dynamic, 1)
    for (size_t j = 0; j < count; j++) {
        image_slot *slot = &st->slots[j];
        slot->status = load_image(st, st->files.paths[first + j], slot, &st->reference);
        if (slot->status != BLZ_OK)
            blz_errmsg_copy(slot->message, sizeof slot->message);
    }
}

static int in_batch(const images_state *st, size_t i)
{
    return i >= st->batch_start && i - st->batch_start < st->batch_count;
}

static int images_next(blz_source *s, bool want, blz_frame *frame)
{
    images_state *st = s->state;
    for (; st->next < st->files.n; st->next++) {
        size_t i = st->next;
        frame->index = (int64_t)i;
        frame->timestamp = NAN;
        frame->values = NULL;
        if (!want) {
            st->next++;
            return 1;
        }
        if (!in_batch(st, i))
            decode_batch(st, i);
        const image_slot *slot = &st->slots[i - st->batch_start];
        if (slot->status == BLZ_ERR_DECODE && st->skip_bad) {
            int status = blz_source_note_skipped(s, (int64_t)i);
            if (status != BLZ_OK)
                return status;
            continue;
        }
        if (slot->status != BLZ_OK) {
            blz_errmsg_restore(slot->message);
            return slot->status;
        }
        frame->values = slot->values;
        st->next++;
        return 1;
    }
    return 0;
}

static void free_state(images_state *st)
{
    if (!st)
        return;
    for (size_t i = 0; st->slots && i < st->n_slots; i++) {
        free(st->slots[i].values);
        blz_convert_scratch_free(&st->slots[i].scratch);
    }
    free(st->slots);
    blz_file_list_free(&st->files);
    free(st);
}

static void images_close(blz_source *s)
{
    free_state(s->state);
    s->state = NULL;
}

static const blz_source_ops images_ops = { images_next, images_close };

/* The first file that decodes sets the reference plan (with skip_bad, undecodable
 * files before it are passed over here and recorded when delivered). */
static int plan_from_first_image(images_state *st, const char **codec)
{
    image_slot probe = { 0 };
    int status = BLZ_ERR_EMPTY;
    for (st->reference_file = 0; st->reference_file < st->files.n; st->reference_file++) {
        status = load_image(st, st->files.paths[st->reference_file], &probe, NULL);
        if (status != BLZ_ERR_DECODE || !st->skip_bad)
            break;
    }
    if (status == BLZ_ERR_DECODE)
        return blz_fail(BLZ_ERR_EMPTY, "%s: none of the %zu files decodes", st->files.paths[0],
                        st->files.n);
    st->reference = probe.plan;
    *codec = probe.codec;
    return status;
}

static int allocate_slots(images_state *st)
{
    size_t per_frame = (size_t)st->reference.layout.width * (size_t)st->reference.layout.height;
    if (!blz_mul_size(per_frame, (size_t)st->reference.channels, &st->frame_values))
        return blz_fail(BLZ_ERR_RANGE, "%s: frame size too large", st->files.paths[0]);
    st->n_slots = (size_t)st->threads * FILES_PER_THREAD;
    st->slots = calloc(st->n_slots, sizeof *st->slots);
    if (!st->slots)
        return blz_fail(BLZ_ERR_NOMEM, "%s: out of memory for frame slots", st->files.paths[0]);
    for (size_t i = 0; i < st->n_slots; i++) {
        st->slots[i].values = malloc(st->frame_values * sizeof(float));
        if (!st->slots[i].values)
            return blz_fail(BLZ_ERR_NOMEM, "%s: out of memory for %zu frames of %dx%d",
                            st->files.paths[0], st->n_slots, st->reference.layout.width,
                            st->reference.layout.height);
    }
    return BLZ_OK;
}

static void describe(const images_state *st, const char *codec, blz_source_info *info)
{
    const blz_file_list *files = &st->files;
    memset(info, 0, sizeof *info);
    info->width = st->reference.layout.width;
    info->height = st->reference.layout.height;
    info->channels = st->reference.channels;
    info->bit_depth = st->reference.bit_depth;
    info->is_float = st->reference.is_float;
    info->frames_hint = (int64_t)files->n;
    info->files_ignored = files->files_ignored;
    snprintf(info->kind, sizeof info->kind, "images");
    snprintf(info->codec, sizeof info->codec, "%s", codec);
    snprintf(info->pixel_format, sizeof info->pixel_format, "%s",
             av_get_pix_fmt_name(st->reference.layout.format));
    snprintf(info->identity, sizeof info->identity, "files=%zu size=%lld mtime=%lld.%09lld",
             files->n, (long long)files->total_bytes,
             (long long)(files->newest_mtime_ns / 1000000000),
             (long long)(files->newest_mtime_ns % 1000000000));
}

static int open_state(images_state *st, const char *const *paths, size_t n, const char **codec)
{
    int status = blz_file_list_build(&st->files, paths, n);
    if (status == BLZ_OK)
        status = plan_from_first_image(st, codec);
    if (status == BLZ_OK)
        status = allocate_slots(st);
    return status;
}

int blz_images_open(blz_source **out, const char *const *paths, size_t n,
                    const blz_source_options *o)
{
    *out = NULL;
    blz_ffmpeg_silence();
    images_state *st = calloc(1, sizeof *st);
    blz_source *s = calloc(1, sizeof *s);
    if (!st || !s) {
        free(st);
        free(s);
        return blz_fail(BLZ_ERR_NOMEM, "%s: out of memory opening the image sequence",
                        n ? paths[0] : "images");
    }
    st->rgb = o->rgb;
    st->keep_luma_range = o->keep_luma_range;
    st->skip_bad = o->skip_bad;
    st->threads = o->threads > 0 ? o->threads : omp_get_max_threads();
    const char *codec = "";
    int status = open_state(st, paths, n, &codec);
    if (status != BLZ_OK) {
        free_state(st);
        free(s);
        return status;
    }
    s->ops = &images_ops;
    s->state = st;
    describe(st, codec, &s->info);
    *out = s;
    return BLZ_OK;
}
