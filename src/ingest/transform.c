/*
 * transform.c - area resize, crop, transpose and flips of float frames.
 *
 * The resize is area averaging (as OpenCV's INTER_AREA when shrinking): output pixel d
 * along an axis of S source and D output pixels covers the source interval
 * [d*S/D, (d+1)*S/D), and its value is the mean of the source pixels weighted by how
 * much of each lies in that interval. In two dimensions the overlap of a pixel is the
 * product of its overlaps along each axis, so the resize is separable: for each output
 * row, the source rows it covers are combined (a vectorisable pass over the columns the
 * crop window needs), then that row is resampled horizontally. Overlaps are
 * computed in integers (units of 1/(S*D) pixel), so integer factors give exact block
 * means up to float rounding. The weights are planned once, for the cropped window only.
 */
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "core/checked.h"
#include "core/error_internal.h"
#include "ingest/transform.h"

/* Resampling weights along one axis for a window of output samples. */
typedef struct axis_taps {
    int32_t n;         /* output samples in the window */
    int32_t *first;    /* first source sample of each output sample */
    int32_t *count;    /* number of source samples of each output sample */
    int32_t *offset;   /* index of its first weight in weight[] */
    float *weight;
    int32_t src_lo;    /* source samples used: src_lo .. src_hi - 1 */
    int32_t src_hi;
} axis_taps;

struct blz_transform {
    int32_t src_w, src_h, channels;
    int resize;                  /* 1 when the resized size differs from the source */
    int32_t crop_x, crop_y, crop_w, crop_h;   /* window in resized coordinates */
    int transpose, flip_x, flip_y;
    int32_t out_w, out_h;
    axis_taps cols, rows;        /* resize weights for the window (when resize) */
    float *column_sum;           /* one row of vertically combined source pixels */
    float *stage;                /* the cropped frame before orientation (when needed) */
};

static void taps_free(axis_taps *a)
{
    free(a->first);
    free(a->count);
    free(a->offset);
    free(a->weight);
}

/* Weights of output samples first_out .. first_out + n - 1 of an axis resized from src
 * to dst samples. */
static int taps_plan(axis_taps *a, int32_t src, int32_t dst, int32_t first_out, int32_t n)
{
    const int64_t taps_max = (int64_t)src / dst + 2;
    size_t n_weights;
    if (!blz_mul_size((size_t)n, (size_t)taps_max, &n_weights))
        return blz_fail(BLZ_ERR_RANGE, "resize: %d x %lld weights overflow", n,
                        (long long)taps_max);
    a->n = n;
    a->first = malloc((size_t)n * sizeof *a->first);
    a->count = malloc((size_t)n * sizeof *a->count);
    a->offset = malloc((size_t)n * sizeof *a->offset);
    a->weight = malloc(n_weights * sizeof *a->weight);
    if (!a->first || !a->count || !a->offset || !a->weight)
        return blz_fail(BLZ_ERR_NOMEM, "resize: no memory for %zu weights", n_weights);
    int32_t used = 0;
    for (int32_t i = 0; i < n; i++) {
        const int64_t d = first_out + i;
        const int64_t lo = d * src, hi = (d + 1) * src;    /* in units of 1/dst pixel */
        const int64_t s0 = lo / dst, s1 = (hi - 1) / dst;  /* source samples touched */
        a->first[i] = (int32_t)s0;
        a->count[i] = (int32_t)(s1 - s0 + 1);
        a->offset[i] = used;
        for (int64_t s = s0; s <= s1; s++) {
            const int64_t overlap = (hi < (s + 1) * dst ? hi : (s + 1) * dst) -
                                    (lo > s * dst ? lo : s * dst);
            a->weight[used++] = (float)((double)overlap / (double)src);
        }
    }
    a->src_lo = a->first[0];
    a->src_hi = a->first[n - 1] + a->count[n - 1];
    return BLZ_OK;
}

void blz_transform_free(blz_transform *t)
{
    if (!t)
        return;
    taps_free(&t->cols);
    taps_free(&t->rows);
    free(t->column_sum);
    free(t->stage);
    free(t);
}

/* The resized size from scale or size; the source size when neither is set. */
static int resized_size(const blz_geometry *g, int32_t w, int32_t h, int32_t *rw, int32_t *rh)
{
    const int by_scale = g->scale != 0, by_size = g->size_w != 0 || g->size_h != 0;
    if (by_scale && by_size)
        return blz_fail(BLZ_ERR_INVALID, "resize: give a scale or a size, not both");
    if (by_size) {
        if (g->size_w <= 0 || g->size_h <= 0)
            return blz_fail(BLZ_ERR_INVALID, "resize: size %dx%d is not positive",
                            g->size_w, g->size_h);
        *rw = g->size_w;
        *rh = g->size_h;
        return BLZ_OK;
    }
    if (!by_scale) {
        *rw = w;
        *rh = h;
        return BLZ_OK;
    }
    const double sw = round(w * g->scale), sh = round(h * g->scale);
    if (!(g->scale > 0) || !isfinite(g->scale) || sw > INT32_MAX || sh > INT32_MAX)
        return blz_fail(BLZ_ERR_INVALID, "resize: scale %g is out of range", g->scale);
    *rw = sw < 1 ? 1 : (int32_t)sw;
    *rh = sh < 1 ? 1 : (int32_t)sh;
    return BLZ_OK;
}

/* The crop window inside the rw x rh resized frame. */
static int crop_window(blz_transform *t, const blz_geometry *g, int32_t rw, int32_t rh)
{
    if (g->crop_w == 0 && g->crop_h == 0 && g->crop_x == 0 && g->crop_y == 0) {
        t->crop_w = rw;
        t->crop_h = rh;
        return BLZ_OK;
    }
    if (g->crop_x < 0 || g->crop_y < 0 || g->crop_w <= 0 || g->crop_h <= 0 ||
        (int64_t)g->crop_x + g->crop_w > rw || (int64_t)g->crop_y + g->crop_h > rh)
        return blz_fail(BLZ_ERR_INVALID, "crop %d,%d,%d,%d lies outside the %dx%d frame",
                        g->crop_x, g->crop_y, g->crop_w, g->crop_h, rw, rh);
    t->crop_x = g->crop_x;
    t->crop_y = g->crop_y;
    t->crop_w = g->crop_w;
    t->crop_h = g->crop_h;
    return BLZ_OK;
}

/* Buffers for the resize passes and the pre-orientation frame. */
static int plan_buffers(blz_transform *t, int32_t rw, int32_t rh)
{
    size_t frame_values, pass_values;
    if (!blz_mul3_size((size_t)t->crop_w, (size_t)t->crop_h, (size_t)t->channels,
                       &frame_values))
        return blz_fail(BLZ_ERR_RANGE, "transform: %dx%d frame is too large",
                        t->crop_w, t->crop_h);
    if (t->resize) {
        int st = taps_plan(&t->cols, t->src_w, rw, t->crop_x, t->crop_w);
        if (st == BLZ_OK)
            st = taps_plan(&t->rows, t->src_h, rh, t->crop_y, t->crop_h);
        if (st != BLZ_OK)
            return st;
        if (!blz_mul_size((size_t)(t->cols.src_hi - t->cols.src_lo), (size_t)t->channels,
                          &pass_values))
            return blz_fail(BLZ_ERR_RANGE, "transform: resize buffer is too large");
        t->column_sum = malloc(pass_values * sizeof *t->column_sum);
        if (!t->column_sum)
            return blz_fail(BLZ_ERR_NOMEM, "transform: no memory for the resize buffer");
    }
    const int reframed = t->resize || t->crop_w != t->src_w || t->crop_h != t->src_h;
    if (reframed && (t->transpose || t->flip_x || t->flip_y)) {
        t->stage = malloc(frame_values * sizeof *t->stage);
        if (!t->stage)
            return blz_fail(BLZ_ERR_NOMEM, "transform: no memory for a %dx%d frame",
                            t->crop_w, t->crop_h);
    }
    return BLZ_OK;
}

int blz_transform_create(blz_transform **out, int32_t src_w, int32_t src_h,
                         int32_t channels, const blz_geometry *g)
{
    *out = NULL;
    if (src_w <= 0 || src_h <= 0 || channels <= 0)
        return blz_fail(BLZ_ERR_INVALID, "transform: invalid frame %dx%d x %d", src_w,
                        src_h, channels);
    blz_transform *t = calloc(1, sizeof *t);
    if (!t)
        return blz_fail(BLZ_ERR_NOMEM, "transform: out of memory");
    t->src_w = src_w;
    t->src_h = src_h;
    t->channels = channels;
    t->transpose = g->transpose != 0;
    t->flip_x = g->flip_x != 0;
    t->flip_y = g->flip_y != 0;
    int32_t rw = src_w, rh = src_h;
    int st = resized_size(g, src_w, src_h, &rw, &rh);
    if (st == BLZ_OK)
        st = crop_window(t, g, rw, rh);
    if (st == BLZ_OK) {
        t->resize = rw != src_w || rh != src_h;
        st = plan_buffers(t, rw, rh);
    }
    if (st != BLZ_OK) {
        blz_transform_free(t);
        return st;
    }
    t->out_w = t->transpose ? t->crop_h : t->crop_w;
    t->out_h = t->transpose ? t->crop_w : t->crop_h;
    *out = t;
    return BLZ_OK;
}

void blz_transform_output_size(const blz_transform *t, int32_t *width, int32_t *height)
{
    *width = t->out_w;
    *height = t->out_h;
}

/* Vertical step: combine the source rows of output row i over the needed columns. */
static void combine_rows(blz_transform *t, const float *src, int32_t i)
{
    const axis_taps *a = &t->rows;
    const size_t c_n = (size_t)t->channels, src_row = (size_t)t->src_w * c_n;
    const size_t lo = (size_t)t->cols.src_lo * c_n;
    const size_t n = (size_t)(t->cols.src_hi - t->cols.src_lo) * c_n;
    const float *w = a->weight + a->offset[i];
    const float *in = src + (size_t)a->first[i] * src_row + lo;
    float *o = t->column_sum;
    for (size_t v = 0; v < n; v++)
        o[v] = w[0] * in[v];
    for (int32_t k = 1; k < a->count[i]; k++) {
        const float *p = in + (size_t)k * src_row;
        for (size_t v = 0; v < n; v++)
            o[v] += w[k] * p[v];
    }
}

/* Horizontal step: resample the combined row into one output row of c_n channels
 * (inlined with constant c_n for the common channel counts). */
static inline __attribute__((always_inline)) void
resample_row_n(const blz_transform *t, float *dst, const size_t c_n)
{
    const axis_taps *a = &t->cols;
    for (int32_t j = 0; j < a->n; j++) {
        const float *w = a->weight + a->offset[j];
        const float *p = t->column_sum + (size_t)(a->first[j] - a->src_lo) * c_n;
        for (size_t c = 0; c < c_n; c++) {
            float sum = 0;
            for (int32_t k = 0; k < a->count[j]; k++)
                sum += w[k] * p[(size_t)k * c_n + c];
            dst[(size_t)j * c_n + c] = sum;
        }
    }
}

static void resample_row(const blz_transform *t, float *dst)
{
    if (t->channels == 1)
        resample_row_n(t, dst, 1);
    else if (t->channels == 3)
        resample_row_n(t, dst, 3);
    else
        resample_row_n(t, dst, (size_t)t->channels);
}

/* Resize and crop src into the crop_w x crop_h frame dst. */
static void reframe(blz_transform *t, const float *src, float *dst)
{
    if (t->resize) {
        const size_t out_row = (size_t)t->crop_w * (size_t)t->channels;
        for (int32_t i = 0; i < t->rows.n; i++) {
            combine_rows(t, src, i);
            resample_row(t, dst + (size_t)i * out_row);
        }
        return;
    }
    const size_t c_n = (size_t)t->channels, row = (size_t)t->crop_w * c_n;
    for (int32_t y = 0; y < t->crop_h; y++)
        memcpy(dst + (size_t)y * row,
               src + ((size_t)(t->crop_y + y) * (size_t)t->src_w + (size_t)t->crop_x) * c_n,
               row * sizeof *dst);
}

/* Transpose and flip the crop_w x crop_h frame a into dst, in square blocks so that a
 * transpose reads and writes within a few cache lines at a time. Along an output row
 * the source pixel moves by a fixed step: +-1 pixel, or +-1 row when transposed. */
static inline __attribute__((always_inline)) void
orient_n(const blz_transform *t, const float *a, float *dst, const size_t c_n)
{
    enum { BLOCK = 32 };
    const ptrdiff_t row = t->crop_w;
    const ptrdiff_t along = t->transpose ? row : 1, across = t->transpose ? 1 : row;
    const ptrdiff_t step = t->flip_x ? -along : along;
    for (int32_t by = 0; by < t->out_h; by += BLOCK)
        for (int32_t bx = 0; bx < t->out_w; bx += BLOCK) {
            const int32_t x_end = bx + BLOCK < t->out_w ? bx + BLOCK : t->out_w;
            const int32_t fx0 = t->flip_x ? t->out_w - 1 - bx : bx;
            for (int32_t y = by; y < by + BLOCK && y < t->out_h; y++) {
                const int32_t fy = t->flip_y ? t->out_h - 1 - y : y;
                const float *p = a + (fx0 * along + fy * across) * (ptrdiff_t)c_n;
                float *o = dst + ((size_t)y * (size_t)t->out_w + (size_t)bx) * c_n;
                for (int32_t x = bx; x < x_end; x++, p += step * (ptrdiff_t)c_n, o += c_n)
                    for (size_t c = 0; c < c_n; c++)
                        o[c] = p[c];
            }
        }
}

static void orient(const blz_transform *t, const float *a, float *dst)
{
    if (t->channels == 1)
        orient_n(t, a, dst, 1);
    else if (t->channels == 3)
        orient_n(t, a, dst, 3);
    else
        orient_n(t, a, dst, (size_t)t->channels);
}

void blz_transform_apply(blz_transform *t, const float *src, float *dst)
{
    if (!(t->transpose || t->flip_x || t->flip_y)) {
        reframe(t, src, dst);
    } else if (t->stage) {
        reframe(t, src, t->stage);
        orient(t, t->stage, dst);
    } else {
        orient(t, src, dst);
    }
}
