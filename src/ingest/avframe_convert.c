/*
 * avframe_convert.c - decoded FFmpeg frames to float32 rows at native depth.
 *
 * The pixel-format descriptor says where each component lives (plane, byte step,
 * offset, shift, depth, endianness); plain loops read component rows into floats from
 * it, then combine them (gray formula, R,G,B interleave) and rescale (limited-range
 * luma); the hot loops carry omp simd, as -O2 alone does not vectorise them.
 * swscale is used only where the loops cannot read the samples themselves:
 * YUV to R,G,B, and exotic formats (see avframe_convert.h for the value scales).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libavutil/pixdesc.h>
#include <libswscale/swscale.h>

#include "blitz/error.h"
#include "core/checked.h"
#include "core/error_internal.h"
#include "ingest/avframe_convert.h"

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define HOST_BIG_ENDIAN 1
#else
#define HOST_BIG_ENDIAN 0
#endif

static const char *const kind_names[] = { "gray", "color", "yuv" };

blz_pixel_layout blz_layout_of_frame(const AVFrame *frame)
{
    blz_pixel_layout layout = {
        .format = (enum AVPixelFormat)frame->format,
        .width = frame->width,
        .height = frame->height,
        .range = frame->color_range,
        .colorspace = frame->colorspace,
    };
    return layout;
}

int blz_layout_equal(const blz_pixel_layout *a, const blz_pixel_layout *b)
{
    return a->format == b->format && a->width == b->width && a->height == b->height &&
           a->range == b->range && a->colorspace == b->colorspace;
}

static int is_xyz(const AVPixFmtDescriptor *d)
{
    return strncmp(d->name, "xyz", 3) == 0;
}

static blz_sample_kind kind_of(const AVPixFmtDescriptor *d)
{
    if ((d->flags & (AV_PIX_FMT_FLAG_RGB | AV_PIX_FMT_FLAG_PAL)) || is_xyz(d))
        return BLZ_SAMPLES_COLOR;
    return d->nb_components <= 2 ? BLZ_SAMPLES_GRAY : BLZ_SAMPLES_YUV;
}

/* Whether one component is stored in a way the row loaders read. */
static int component_readable(const AVPixFmtDescriptor *d, const AVComponentDescriptor *c)
{
    if (d->flags & AV_PIX_FMT_FLAG_FLOAT)
        return c->depth == 32 && c->shift == 0;
    if (c->depth == 8)
        return c->shift == 0;
    return c->depth > 8 && c->depth + c->shift <= 16;
}

/* Whether the row loaders read this format directly (no swscale). */
static int directly_readable(const AVPixFmtDescriptor *d, blz_sample_kind kind)
{
    if (d->flags & (AV_PIX_FMT_FLAG_BITSTREAM | AV_PIX_FMT_FLAG_BAYER) || is_xyz(d))
        return 0;
    if (d->flags & AV_PIX_FMT_FLAG_PAL)
        return 1;
    int used = kind == BLZ_SAMPLES_COLOR ? 3 : 1;
    for (int i = 0; i < used; i++)
        if (d->comp[i].depth != d->comp[0].depth || !component_readable(d, &d->comp[i]))
            return 0;
    return 1;
}

static void set_rescale(blz_convert_plan *plan, double offset, double gain, int depth)
{
    plan->rescale = 1;
    plan->offset = offset;
    plan->gain = gain;
    plan->max_value = (double)((1u << depth) - 1);
}

/* Limited-range luma of depth bits to the full scale 0..2^depth - 1. */
static void set_luma_expansion(blz_convert_plan *plan, int depth)
{
    double k = (double)(1u << (depth - 8));
    set_rescale(plan, 16.0 * k, (double)((1u << depth) - 1) / (219.0 * k), depth);
}

static int check_size(const blz_pixel_layout *layout, const char *path)
{
    size_t values;
    if (layout->width <= 0 || layout->height <= 0)
        return blz_fail(BLZ_ERR_FORMAT, "%s: invalid frame size %dx%d", path, layout->width,
                        layout->height);
    if (!blz_mul3_size((size_t)layout->width, (size_t)layout->height, 3, &values) ||
        !blz_mul_size(values, sizeof(float), &values))
        return blz_fail(BLZ_ERR_RANGE, "%s: frame size %dx%d too large", path, layout->width,
                        layout->height);
    return BLZ_OK;
}

/* Samples the loops read as they are, converting YUV to R,G,B through swscale. */
static void plan_direct(blz_convert_plan *plan, const AVPixFmtDescriptor *d, int keep_luma_range)
{
    int depth = (d->flags & AV_PIX_FMT_FLAG_PAL) ? 8 : d->comp[0].depth;
    plan->bit_depth = depth;
    plan->is_float = (d->flags & AV_PIX_FMT_FLAG_FLOAT) != 0;
    plan->read_format = plan->layout.format;
    if (plan->kind != BLZ_SAMPLES_YUV || plan->is_float)
        return;
    if (plan->channels == 3) {
        plan->read_format = depth > 8 ? AV_PIX_FMT_RGB48 : AV_PIX_FMT_RGB24;
        if (depth > 8 && depth < 16)
            set_rescale(plan, 0.0, (double)((1u << depth) - 1) / 65535.0, depth);
    } else if (!plan->full_range && !keep_luma_range) {
        set_luma_expansion(plan, depth);
    }
}

/* The deepest component of a format. */
static int max_depth(const AVPixFmtDescriptor *d)
{
    int depth = 0;
    for (int i = 0; i < d->nb_components; i++)
        if (d->comp[i].depth > depth)
            depth = d->comp[i].depth;
    return depth;
}

/* Samples the loops cannot read: swscale to an 8-bit format when no component is
 * deeper (rgb565 to rgb24 replicates bits exactly, while its path to rgb48 loses
 * ~3%), else to a 16-bit one. */
static void plan_through_swscale(blz_convert_plan *plan, const AVPixFmtDescriptor *d,
                                 int keep_luma_range)
{
    int shallow = max_depth(d) <= 8;
    plan->bit_depth = shallow ? 8 : 16;
    plan->is_float = 0;
    if (plan->kind == BLZ_SAMPLES_COLOR || plan->channels == 3) {
        plan->read_format = shallow ? AV_PIX_FMT_RGB24 : AV_PIX_FMT_RGB48;
    } else if (plan->kind == BLZ_SAMPLES_GRAY) {
        plan->read_format = shallow ? AV_PIX_FMT_GRAY8 : AV_PIX_FMT_GRAY16;
    } else {
        plan->read_format = shallow ? AV_PIX_FMT_YUV444P : AV_PIX_FMT_YUV444P16;
        if (!plan->full_range && !keep_luma_range)
            set_luma_expansion(plan, plan->bit_depth);
    }
}

int blz_convert_plan_init(blz_convert_plan *plan, const blz_pixel_layout *layout, int rgb,
                          int keep_luma_range, const char *path)
{
    const AVPixFmtDescriptor *d = av_pix_fmt_desc_get(layout->format);
    if (!d || (d->flags & AV_PIX_FMT_FLAG_HWACCEL))
        return blz_fail(BLZ_ERR_UNSUPPORTED, "%s: pixel format %s is not supported", path,
                        d ? d->name : "unknown");
    int status = check_size(layout, path);
    if (status != BLZ_OK)
        return status;
    memset(plan, 0, sizeof *plan);
    plan->layout = *layout;
    plan->kind = kind_of(d);
    plan->channels = rgb ? 3 : 1;
    plan->full_range = plan->kind == BLZ_SAMPLES_YUV &&
                       (layout->range == AVCOL_RANGE_JPEG || strncmp(d->name, "yuvj", 4) == 0);
    if (directly_readable(d, plan->kind))
        plan_direct(plan, d, keep_luma_range);
    else
        plan_through_swscale(plan, d, keep_luma_range);
    return BLZ_OK;
}

void blz_convert_plan_describe(const blz_convert_plan *p, char *buf, size_t size)
{
    snprintf(buf, size, "%d-bit %s%s", p->bit_depth, p->is_float ? "float " : "",
             kind_names[p->kind]);
}

int blz_convert_plan_compatible(const blz_convert_plan *reference, const blz_convert_plan *p,
                                char *why, size_t why_size)
{
    if (p->layout.width != reference->layout.width ||
        p->layout.height != reference->layout.height) {
        snprintf(why, why_size, "size %dx%d differs from %dx%d", p->layout.width,
                 p->layout.height, reference->layout.width, reference->layout.height);
        return 0;
    }
    if (p->kind != reference->kind || p->bit_depth != reference->bit_depth ||
        p->is_float != reference->is_float) {
        char have[48], want[48];
        blz_convert_plan_describe(p, have, sizeof have);
        blz_convert_plan_describe(reference, want, sizeof want);
        snprintf(why, why_size, "%s samples differ from %s", have, want);
        return 0;
    }
    return 1;
}

/* Set up swscale (and its output frame) for the plan's layout, once per layout. */
static int prepare_swscale(const blz_convert_plan *plan, blz_convert_scratch *s, const char *path)
{
    const blz_pixel_layout *l = &plan->layout;
    if (s->converted && blz_layout_equal(&s->configured, l) &&
        s->converted->format == plan->read_format)
        return BLZ_OK;
    av_frame_free(&s->converted);
    s->sws = sws_getCachedContext(s->sws, l->width, l->height, l->format, l->width, l->height,
                                  plan->read_format, SWS_BICUBIC, NULL, NULL, NULL);
    if (!s->sws)
        return blz_fail(BLZ_ERR_UNSUPPORTED, "%s: swscale cannot convert %s to %s", path,
                        av_get_pix_fmt_name(l->format), av_get_pix_fmt_name(plan->read_format));
    int src_full = plan->kind == BLZ_SAMPLES_YUV ? plan->full_range : 1;
    int dst_full = kind_of(av_pix_fmt_desc_get(plan->read_format)) == BLZ_SAMPLES_YUV ? src_full : 1;
    const int *matrix = sws_getCoefficients((int)l->colorspace);
    if (sws_setColorspaceDetails(s->sws, matrix, src_full, sws_getCoefficients(SWS_CS_DEFAULT),
                                 dst_full, 0, 1 << 16, 1 << 16) < 0)
        return blz_fail(BLZ_ERR_UNSUPPORTED, "%s: swscale cannot set the colour range of %s",
                        path, av_get_pix_fmt_name(l->format));
    s->converted = av_frame_alloc();
    if (!s->converted)
        return blz_fail(BLZ_ERR_NOMEM, "%s: out of memory for a conversion frame", path);
    s->converted->format = plan->read_format;
    s->converted->width = l->width;
    s->converted->height = l->height;
    if (av_frame_get_buffer(s->converted, 0) < 0) {
        av_frame_free(&s->converted);
        return blz_fail(BLZ_ERR_NOMEM, "%s: out of memory for a conversion frame", path);
    }
    s->configured = *l;
    return BLZ_OK;
}

static int prepare_rows(blz_convert_scratch *s, size_t width, const char *path)
{
    if (s->rows && s->rows_width == width)
        return BLZ_OK;
    free(s->rows);
    s->rows = malloc(3 * width * sizeof *s->rows);
    s->rows_width = s->rows ? width : 0;
    if (!s->rows)
        return blz_fail(BLZ_ERR_NOMEM, "%s: out of memory for conversion rows", path);
    return BLZ_OK;
}

static inline void load_u8(const uint8_t *p, size_t step, size_t n, float *dst)
{
#pragma omp simd
    for (size_t x = 0; x < n; x++)
        dst[x] = (float)p[x * step];
}

static inline void load_u16(const uint8_t *p, size_t step, unsigned shift, unsigned mask,
                            int swap, size_t n, float *dst)
{
#pragma omp simd
    for (size_t x = 0; x < n; x++) {
        uint16_t v;
        memcpy(&v, p + x * step, sizeof v);
        if (swap)
            v = __builtin_bswap16(v);
        dst[x] = (float)((v >> shift) & mask);
    }
}

static inline void load_f32(const uint8_t *p, size_t step, int swap, size_t n, float *dst)
{
    for (size_t x = 0; x < n; x++) {
        uint32_t bits;
        memcpy(&bits, p + x * step, sizeof bits);
        if (swap)
            bits = __builtin_bswap32(bits);
        memcpy(&dst[x], &bits, sizeof bits);
    }
}

/* Row y of component c of frame f, as floats at native depth. The common layouts
 * (planar 8/16-bit in host order) get loops with a constant step, which vectorise. */
static void load_component(const AVFrame *f, const AVPixFmtDescriptor *d, int c, int y,
                           size_t n, float *dst)
{
    const AVComponentDescriptor *comp = &d->comp[c];
    const uint8_t *p = f->data[comp->plane] + (ptrdiff_t)y * f->linesize[comp->plane] +
                       comp->offset;
    size_t step = (size_t)comp->step;
    int swap = ((d->flags & AV_PIX_FMT_FLAG_BE) != 0) != HOST_BIG_ENDIAN;
    if (d->flags & AV_PIX_FMT_FLAG_FLOAT) {
        load_f32(p, step, swap, n, dst);
    } else if (comp->depth == 8) {
        if (step == 1)
            load_u8(p, 1, n, dst);
        else
            load_u8(p, step, n, dst);
    } else {
        unsigned mask = (1u << comp->depth) - 1;
        if (step == 2 && !swap && comp->shift == 0)
            load_u16(p, 2, 0, mask, 0, n, dst);
        else
            load_u16(p, step, (unsigned)comp->shift, mask, swap, n, dst);
    }
}

/* Palette entries are native-endian 0xAARRGGBB words. */
static void load_palette(const AVFrame *f, int y, size_t n, float *r, float *g, float *b)
{
    const uint8_t *index = f->data[0] + (ptrdiff_t)y * f->linesize[0];
    const uint8_t *palette = f->data[1];
    for (size_t x = 0; x < n; x++) {
        uint32_t entry;
        memcpy(&entry, palette + 4 * (size_t)index[x], sizeof entry);
        r[x] = (float)((entry >> 16) & 0xff);
        g[x] = (float)((entry >> 8) & 0xff);
        b[x] = (float)(entry & 0xff);
    }
}

/* In float, written so that it vectorises (min/max); relative error ~1e-7. */
static void rescale_row(const blz_convert_plan *p, float *v, size_t n)
{
    const float offset = (float)p->offset, gain = (float)p->gain, top = (float)p->max_value;
#pragma omp simd
    for (size_t x = 0; x < n; x++) {
        float scaled = (v[x] - offset) * gain;
        scaled = scaled > 0.0f ? scaled : 0.0f;
        v[x] = scaled < top ? scaled : top;
    }
}

static void gray_row(const blz_convert_plan *p, blz_convert_scratch *s, const AVFrame *f,
                     const AVPixFmtDescriptor *d, int y, size_t n, float *dst)
{
    float *gray = p->channels == 1 ? dst : s->rows;
    load_component(f, d, 0, y, n, gray);
    if (p->rescale)
        rescale_row(p, gray, n);
    if (p->channels == 3)
        for (size_t x = 0; x < n; x++)
            dst[3 * x] = dst[3 * x + 1] = dst[3 * x + 2] = gray[x];
}

/* Whether R, G, B are 8-bit samples interleaved in one plane (rgb24, bgra, ...). */
static int packed_u8(const AVPixFmtDescriptor *d)
{
    const AVComponentDescriptor *c = d->comp;
    return !(d->flags & (AV_PIX_FMT_FLAG_PAL | AV_PIX_FMT_FLAG_PLANAR | AV_PIX_FMT_FLAG_FLOAT)) &&
           c[0].depth == 8 && c[0].step == c[1].step && c[0].step == c[2].step;
}

static inline void packed_u8_gray(const uint8_t *r, const uint8_t *g, const uint8_t *b,
                                  size_t step, size_t n, float *dst)
{
    for (size_t x = 0; x < n; x++)
        dst[x] = 0.299f * r[x * step] + 0.587f * g[x * step] + 0.114f * b[x * step];
}

/* The same for 4-byte pixels, vectorised (for 3-byte ones the gathers are slower than
 * the plain loop). */
static void packed_u8_gray4(const uint8_t *r, const uint8_t *g, const uint8_t *b, size_t n,
                            float *dst)
{
#pragma omp simd
    for (size_t x = 0; x < n; x++)
        dst[x] = 0.299f * r[4 * x] + 0.587f * g[4 * x] + 0.114f * b[4 * x];
}

static inline void packed_u8_rgb(const uint8_t *r, const uint8_t *g, const uint8_t *b,
                                 size_t step, size_t n, float *dst)
{
#pragma omp simd
    for (size_t x = 0; x < n; x++) {
        dst[3 * x] = r[x * step];
        dst[3 * x + 1] = g[x * step];
        dst[3 * x + 2] = b[x * step];
    }
}

/* Packed 8-bit R, G, B straight to gray or R,G,B in one pass. */
static void packed_u8_row(const AVFrame *f, const AVPixFmtDescriptor *d, int channels, int y,
                          size_t n, float *dst)
{
    const uint8_t *row = f->data[0] + (ptrdiff_t)y * f->linesize[0];
    const uint8_t *r = row + d->comp[0].offset, *g = row + d->comp[1].offset;
    const uint8_t *b = row + d->comp[2].offset;
    size_t step = (size_t)d->comp[0].step;
    if (channels == 3)
        packed_u8_rgb(r, g, b, step, n, dst);
    else if (step == 4)
        packed_u8_gray4(r, g, b, n, dst);
    else if (step == 3)
        packed_u8_gray(r, g, b, 3, n, dst);
    else
        packed_u8_gray(r, g, b, step, n, dst);
}

static void color_row(const blz_convert_plan *p, blz_convert_scratch *s, const AVFrame *f,
                      const AVPixFmtDescriptor *d, int y, size_t n, float *dst)
{
    float *r = s->rows, *g = s->rows + n, *b = s->rows + 2 * n;
    if (!p->rescale && packed_u8(d)) {
        packed_u8_row(f, d, p->channels, y, n, dst);
        return;
    }
    if (d->flags & AV_PIX_FMT_FLAG_PAL) {
        load_palette(f, y, n, r, g, b);
    } else {
        load_component(f, d, 0, y, n, r);
        load_component(f, d, 1, y, n, g);
        load_component(f, d, 2, y, n, b);
    }
    if (p->rescale) {
        rescale_row(p, r, n);
        rescale_row(p, g, n);
        rescale_row(p, b, n);
    }
    if (p->channels == 3) {
        for (size_t x = 0; x < n; x++) {
            dst[3 * x] = r[x];
            dst[3 * x + 1] = g[x];
            dst[3 * x + 2] = b[x];
        }
    } else {
#pragma omp simd
        for (size_t x = 0; x < n; x++)
            dst[x] = 0.299f * r[x] + 0.587f * g[x] + 0.114f * b[x];
    }
}

int blz_convert_frame(const blz_convert_plan *plan, blz_convert_scratch *scratch,
                      const AVFrame *frame, float *out, const char *path)
{
    const AVFrame *src = frame;
    if (plan->read_format != plan->layout.format) {
        int status = prepare_swscale(plan, scratch, path);
        if (status != BLZ_OK)
            return status;
        if (sws_scale(scratch->sws, (const uint8_t *const *)frame->data, frame->linesize, 0,
                      frame->height, scratch->converted->data,
                      scratch->converted->linesize) != frame->height)
            return blz_fail(BLZ_ERR_DECODE, "%s: swscale failed to convert %s to %s", path,
                            av_get_pix_fmt_name(plan->layout.format),
                            av_get_pix_fmt_name(plan->read_format));
        src = scratch->converted;
    }
    size_t width = (size_t)plan->layout.width;
    int status = prepare_rows(scratch, width, path);
    if (status != BLZ_OK)
        return status;
    const AVPixFmtDescriptor *d = av_pix_fmt_desc_get(plan->read_format);
    int color = kind_of(d) == BLZ_SAMPLES_COLOR;
    size_t row_values = width * (size_t)plan->channels;
    for (int y = 0; y < plan->layout.height; y++) {
        float *dst = out + (size_t)y * row_values;
        if (color)
            color_row(plan, scratch, src, d, y, width, dst);
        else
            gray_row(plan, scratch, src, d, y, width, dst);
    }
    return BLZ_OK;
}

void blz_convert_scratch_free(blz_convert_scratch *scratch)
{
    sws_freeContext(scratch->sws);
    av_frame_free(&scratch->converted);
    free(scratch->rows);
    memset(scratch, 0, sizeof *scratch);
}
