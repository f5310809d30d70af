/*
 * reference.c - parsing reference strings, and computing fixed references: range
 * reductions through blz_reduce(), .npy images through the npy reader, TIFF images
 * through the ingest TIFF source (first page); images are cropped to a view's rows.
 */
#include "query/reference.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "blitz/npy.h"
#include "blitz/query.h"
#include "cache/reader.h"
#include "core/checked.h"
#include "core/error_internal.h"
#include "ingest/source.h"
#include "query/sliding.h"

static int has_suffix(const char *text, const char *suffix)
{
    size_t n = strlen(text), k = strlen(suffix);
    return n > k && strcasecmp(text + n - k, suffix) == 0;
}

/* A whole-string integer >= lo from text[0..len); empty gives def. */
static int parse_field(const char *text, size_t len, long long lo, long long def, int64_t *out)
{
    if (len == 0) {
        *out = def;
        return 1;
    }
    char buf[32];
    if (len >= sizeof buf)
        return 0;
    memcpy(buf, text, len);
    buf[len] = '\0';
    char *end;
    long long v = strtoll(buf, &end, 10);
    if (*end != '\0' || end == buf || v < lo)
        return 0;
    *out = v;
    return 1;
}

/* Split text at ':' into at most max fields; returns the count, or -1 if more. */
static int split(const char *text, const char **fields, size_t *lens, int max)
{
    int n = 0;
    for (const char *p = text;; n++) {
        if (n == max)
            return -1;
        const char *colon = strchr(p, ':');
        fields[n] = p;
        lens[n] = colon ? (size_t)(colon - p) : strlen(p);
        if (!colon)
            return n + 1;
        p = colon + 1;
    }
}

static int op_of(const char *field, size_t len)
{
    char name[16];
    if (len >= sizeof name)
        return -1;
    memcpy(name, field, len);
    name[len] = '\0';
    return blz_op_from_name(name);
}

static int bad_ref(const char *text, const char *why)
{
    return blz_fail(BLZ_ERR_INVALID, "bad reference '%s': %s", text, why);
}

static int parse_sliding(const char *text, const char **f, const size_t *len, int n,
                         blz_reference *ref)
{
    static const char *const kinds[] = { "sliding", "sliding-centred", "sliding-trailing" };
    ref->kind = BLZ_REF_SLIDING;
    ref->window_kind = -1;
    for (int k = 0; k < 3; k++)
        if (len[0] == strlen(kinds[k]) && strncmp(f[0], kinds[k], len[0]) == 0)
            ref->window_kind = k;
    int max_fields = ref->window_kind == BLZ_WINDOW_BLITZ ? 4 : 3;
    if (ref->window_kind < 0 || n < 3 || n > max_fields)
        return bad_ref(text, "expected sliding:METHOD:WINDOW[:LAG], "
                             "sliding-centred:METHOD:WINDOW or sliding-trailing:METHOD:WINDOW");
    ref->op = op_of(f[1], len[1]);
    if (!blz_slider_supports(ref->op))
        return bad_ref(text, "sliding METHOD is one of mean, min, max, std, median");
    if (!parse_field(f[2], len[2], 1, -1, &ref->window) || ref->window < 1)
        return bad_ref(text, "WINDOW must be a whole number >= 1");
    ref->lag = 0;
    if (n == 4 && !parse_field(f[3], len[3], 0, 0, &ref->lag))
        return bad_ref(text, "LAG must be a whole number >= 0");
    return BLZ_OK;
}

static int parse_range(const char *text, const char **f, const size_t *len, int n,
                       blz_reference *ref)
{
    ref->kind = BLZ_REF_RANGE;
    ref->op = op_of(f[0], len[0]);
    if (ref->op == BLZ_OP_PERCENTILE)
        return bad_ref(text, "percentile needs a parameter; use median or another op");
    ref->frames = (blz_frame_range){ 0, -1, 1 };
    if (n == 2 || n > 4)
        return bad_ref(text, "expected OP:START:STOP[:STEP]");
    if (n >= 3 && (!parse_field(f[1], len[1], 0, 0, &ref->frames.start)
                   || !parse_field(f[2], len[2], 0, -1, &ref->frames.stop)
                   || (n == 4 && !parse_field(f[3], len[3], 1, 1, &ref->frames.step))))
        return bad_ref(text, "START, STOP and STEP must be whole numbers >= 0 (STEP >= 1)");
    if (ref->frames.stop >= 0 && ref->frames.stop <= ref->frames.start)
        return bad_ref(text, "STOP must be above START");
    return BLZ_OK;
}

int blz_reference_parse(const char *text, blz_reference *ref)
{
    memset(ref, 0, sizeof *ref);
    if (has_suffix(text, ".npy") || has_suffix(text, ".tif") || has_suffix(text, ".tiff")) {
        ref->kind = BLZ_REF_IMAGE;
        ref->image = text;
        return BLZ_OK;
    }
    const char *f[5];
    size_t len[5];
    int n = split(text, f, len, 5);
    if (n < 0)
        return bad_ref(text, "too many ':' fields");
    if (len[0] >= 7 && strncmp(f[0], "sliding", 7) == 0)
        return parse_sliding(text, f, len, n, ref);
    if (op_of(f[0], len[0]) > 0)
        return parse_range(text, f, len, n, ref);
    return bad_ref(text, "not a reduction (mean:0:100), a sliding window "
                         "(sliding:mean:10) nor an image (.npy, .tif)");
}

/* ---- images ---- */

/* Copy an H x W (broadcast) or H x W x C array of doubles into image. */
static void spread_channels(const double *src, int src_channels, const blz_layout *l,
                            double *image)
{
    size_t pixels = (size_t)l->height * (size_t)l->width;
    for (size_t p = 0; p < pixels; p++)
        for (int c = 0; c < l->channels; c++)
            image[p * (size_t)l->channels + (size_t)c]
                = src[p * (size_t)src_channels + (size_t)(src_channels == 1 ? 0 : c)];
}

static int shape_error(const char *path, const blz_layout *l, const char *got)
{
    return blz_fail(BLZ_ERR_INVALID, "%s: reference image is %s, the cache's frames are "
                    "%d x %d x %d (H x W or H x W x C needed)", path, got, l->height,
                    l->width, l->channels);
}

static int load_npy(const char *path, const blz_layout *l, double *image)
{
    blz_npy_header h;
    double *data;
    int st = blz_npy_load(path, &h, &data);
    if (st != BLZ_OK)
        return st;
    int channels = h.ndim == 3 ? (int)h.shape[2] : 1;
    if ((h.ndim != 2 && h.ndim != 3) || h.shape[0] != l->height || h.shape[1] != l->width
        || (channels != 1 && channels != l->channels)) {
        char got[96];
        int n = 0;
        for (int d = 0; d < h.ndim && n < 80; d++)
            n += snprintf(got + n, sizeof got - (size_t)n, "%s%lld", d ? " x " : "",
                          (long long)h.shape[d]);
        free(data);
        return shape_error(path, l, h.ndim ? got : "a scalar");
    }
    spread_channels(data, channels, l, image);
    free(data);
    return BLZ_OK;
}

static int load_tiff(const char *path, const blz_layout *l, double *image)
{
    blz_source_options o = { .stream = -1, .rgb = l->channels == 3 };
    blz_source *src;
    int st = blz_tiff_stack_open(&src, path, &o);
    if (st != BLZ_OK)
        return st;
    if (src->info.height != l->height || src->info.width != l->width) {
        char got[64];
        snprintf(got, sizeof got, "%d x %d", src->info.height, src->info.width);
        blz_source_close(src);
        return shape_error(path, l, got);
    }
    blz_frame frame;
    st = blz_source_next(src, true, &frame);
    if (st == 0)
        st = blz_fail(BLZ_ERR_EMPTY, "%s: reference TIFF holds no page", path);
    if (st > 0) {
        size_t n = l->frame_values;
        for (size_t i = 0; i < n; i++)
            image[i] = frame.values[i];
        st = BLZ_OK;
    }
    blz_source_close(src);
    return st;
}

/* Load a reference image of the whole frame and keep the rows of cache's band: all of
 * them, unless cache is a view of some tile rows (blz_cache_open_rows). */
static int load_image(const blz_cache *cache, const char *path, double *band)
{
    const blz_layout *whole = cache->parent ? &cache->parent->layout : &cache->layout;
    size_t bytes;
    double *image = band;
    if (cache->parent && (!blz_mul_size(whole->frame_values, sizeof *image, &bytes)
                          || !(image = malloc(bytes))))
        return blz_fail(BLZ_ERR_NOMEM, "%s: out of memory for a reference image", path);
    int st = has_suffix(path, ".npy") ? load_npy(path, whole, image)
                                      : load_tiff(path, whole, image);
    if (image != band) {
        size_t row = (size_t)whole->width * (size_t)whole->channels;
        if (st == BLZ_OK)
            memcpy(band, image + (size_t)cache->row_offset * row,
                   cache->layout.frame_values * sizeof *band);
        free(image);
    }
    return st;
}

int blz_reference_compute(const blz_cache *cache, const blz_reference *ref, size_t budget,
                          int threads, double **image)
{
    const blz_layout *l = blz_cache_layout(cache);
    size_t bytes;
    if (!blz_mul_size(l->frame_values, sizeof(double), &bytes))
        return blz_fail(BLZ_ERR_RANGE, "%s: reference image size overflows",
                        blz_cache_path(cache));
    *image = malloc(bytes);
    if (!*image)
        return blz_fail(BLZ_ERR_NOMEM, "%s: out of memory for a reference image",
                        blz_cache_path(cache));
    int st;
    if (ref->kind == BLZ_REF_RANGE) {
        blz_reduce_options o = blz_reduce_defaults(ref->op);
        o.frames = ref->frames;
        o.ram_budget = budget;
        o.threads = threads;
        st = blz_reduce(cache, &o, *image);
    } else {
        st = load_image(cache, ref->image, *image);
    }
    if (st != BLZ_OK) {
        free(*image);
        *image = NULL;
    }
    return st;
}
