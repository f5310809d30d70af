/*
 * stages.c - checking a pipeline, computing its fixed references, the stage loops
 * over spans of samples and over one value's time series, and the extremes of
 * processed samples from the raw samples' envelope.
 */
#include "query/stages.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/error_internal.h"
#include "core/hot_kernel.h"
#include "query/reference.h"

blz_pipeline blz_pipeline_defaults(void)
{
    return (blz_pipeline){ .subtract_amount = 1.0, .divide_amount = 1.0, .scale = 1.0 };
}

blz_run_options blz_run_defaults(void)
{
    return (blz_run_options){ .frames = { 0, -1, 1 }, .ram_budget = (size_t)1 << 30 };
}

static int check_reference(const blz_reference *r, const char *stage, const char *path)
{
    switch (r->kind) {
    case BLZ_REF_NONE:
        return BLZ_OK;
    case BLZ_REF_RANGE:
        if (!blz_op_name(r->op) || r->op == BLZ_OP_PERCENTILE)
            return blz_fail(BLZ_ERR_INVALID, "%s: %s reference: unknown reduction %d", path,
                            stage, r->op);
        return BLZ_OK;
    case BLZ_REF_IMAGE:
        if (!r->image)
            return blz_fail(BLZ_ERR_INVALID, "%s: %s reference: no image path", path, stage);
        return BLZ_OK;
    case BLZ_REF_SLIDING:
        if (!blz_slider_supports(r->op))
            return blz_fail(BLZ_ERR_INVALID, "%s: %s reference: %s cannot slide (mean, min, "
                            "max, std, median)", path, stage,
                            blz_op_name(r->op) ? blz_op_name(r->op) : "?");
        return BLZ_OK;
    default:
        return blz_fail(BLZ_ERR_INVALID, "%s: %s reference: unknown kind %d", path, stage,
                        r->kind);
    }
}

static int check_pipeline(const blz_pipeline *p, const char *path)
{
    int st = check_reference(&p->subtract, "subtract", path);
    if (st == BLZ_OK)
        st = check_reference(&p->divide, "divide", path);
    if (st != BLZ_OK)
        return st;
    if (!(p->subtract_amount >= 0 && p->subtract_amount <= 1))
        return blz_fail(BLZ_ERR_INVALID, "%s: subtract amount %g is outside 0..1", path,
                        p->subtract_amount);
    if (!(p->divide_amount >= 0 && p->divide_amount <= 1))
        return blz_fail(BLZ_ERR_INVALID, "%s: divide amount %g is outside 0..1", path,
                        p->divide_amount);
    if (!isfinite(p->scale) || !isfinite(p->offset))
        return blz_fail(BLZ_ERR_INVALID, "%s: scale and offset must be finite", path);
    if (p->clamp && !(p->clamp_low <= p->clamp_high))
        return blz_fail(BLZ_ERR_INVALID, "%s: clamp range %g..%g is empty", path,
                        p->clamp_low, p->clamp_high);
    const blz_reference *s = &p->subtract, *d = &p->divide;
    if (s->kind == BLZ_REF_SLIDING && d->kind == BLZ_REF_SLIDING
        && (s->window_kind != d->window_kind || s->window != d->window || s->lag != d->lag))
        return blz_fail(BLZ_ERR_INVALID, "%s: the subtract and divide sliding windows must "
                        "have the same kind, length and lag", path);
    return BLZ_OK;
}

static const blz_reference *sliding_ref(const blz_pipeline *p)
{
    if (p->subtract.kind == BLZ_REF_SLIDING)
        return &p->subtract;
    return p->divide.kind == BLZ_REF_SLIDING ? &p->divide : NULL;
}

static int resolve_frames(blz_stages *st, const blz_frame_range *frames)
{
    int s = blz_selection_resolve(st->layout, frames, st->path, &st->sel);
    if (s != BLZ_OK)
        return s;
    const blz_reference *r = sliding_ref(&st->p);
    st->sliding = r != NULL;
    if (r)
        return blz_window_geometry(r->window_kind, r->window, r->lag, st->sel.count, st->path,
                                   &st->geom);
    st->geom = (blz_window_geom){ .outputs = st->sel.count };
    return BLZ_OK;
}

/* Bytes of a reference image, if the budget can hold one more. */
static int image_room(const blz_stages *st, size_t *bytes)
{
    *bytes = st->layout->frame_values * sizeof(double);
    if (st->budget <= *bytes)
        return blz_fail(BLZ_ERR_BUDGET, "%s: the budget cannot hold the reference images "
                        "(%zu bytes each)", st->path, *bytes);
    return BLZ_OK;
}

/* A reference image is held: what is left of the budget shrinks. */
static void hold_image(blz_stages *st, size_t bytes)
{
    st->held_bytes += bytes;
    st->budget -= bytes;
}

/* A new reference image, allocated and held. */
static int new_image(blz_stages *st, double **image)
{
    size_t bytes;
    int s = image_room(st, &bytes);
    if (s != BLZ_OK)
        return s;
    *image = malloc(bytes);
    if (!*image)
        return blz_fail(BLZ_ERR_NOMEM, "%s: out of memory for a reference image", st->path);
    hold_image(st, bytes);
    return BLZ_OK;
}

static int fixed_reference(blz_stages *st, const blz_reference *r, int threads, double **image)
{
    if (r->kind != BLZ_REF_RANGE && r->kind != BLZ_REF_IMAGE)
        return BLZ_OK;
    size_t bytes;
    int s = image_room(st, &bytes);
    if (s == BLZ_OK)
        s = blz_reference_compute(st->cache, r, st->budget - bytes, threads, image);
    /* The pages the reference's pass left mapped would add to the next pass's. */
    blz_cache_advise(st->cache, 0, st->layout->chunks, BLZ_ADVISE_DONTNEED);
    if (s == BLZ_OK)
        hold_image(st, bytes);
    return s;
}

/* Whether two references give the same fixed image (so it is computed once). */
static bool same_fixed(const blz_reference *a, const blz_reference *b)
{
    if (a->kind != b->kind || (a->kind != BLZ_REF_RANGE && a->kind != BLZ_REF_IMAGE))
        return false;
    if (a->kind == BLZ_REF_IMAGE)
        return strcmp(a->image, b->image) == 0;
    return a->op == b->op && a->frames.start == b->frames.start
           && a->frames.stop == b->frames.stop && a->frames.step == b->frames.step;
}

/* The divide reference: a copy of the subtract one when they are the same. */
static int divide_reference(blz_stages *st, int threads)
{
    if (!st->sub_term || !same_fixed(&st->p.subtract, &st->p.divide))
        return fixed_reference(st, &st->p.divide, threads, &st->den);
    int s = new_image(st, &st->den);
    if (s == BLZ_OK)
        memcpy(st->den, st->sub_term, st->layout->frame_values * sizeof *st->den);
    return s;
}

/* Whether every denominator, with its subtracted term, takes blz_fast_quotient(). */
static bool fast_quotients_fit(const blz_stages *st)
{
    for (size_t i = 0; i < st->layout->frame_values; i++)
        if (!blz_fast_quotient_fits(st->den[i], st->sub_term ? st->sub_term[i] : 0.0))
            return false;
    return true;
}

/* Reference images turned into what the per-sample loops use: subtracted terms,
 * denominators and their reciprocals. */
static int to_terms(blz_stages *st)
{
    size_t n = st->layout->frame_values;
    for (size_t i = 0; st->sub_term && i < n; i++)
        st->sub_term[i] = blz_sub_term(&st->p, st->sub_term[i]);
    if (!st->den)
        return BLZ_OK;
    int s = new_image(st, &st->inv);
    if (s != BLZ_OK)
        return s;
    for (size_t i = 0; i < n; i++) {
        st->den[i] = blz_denominator(&st->p, st->den[i]);
        st->inv[i] = 1.0 / st->den[i];
    }
    st->fast_quotients = fast_quotients_fit(st);
    return BLZ_OK;
}

int blz_stages_prepare(blz_stages *st, const blz_cache *cache, const blz_pipeline *p,
                       const blz_frame_range *frames, size_t budget, int threads)
{
    memset(st, 0, sizeof *st);
    st->p = *p;
    st->cache = cache;
    st->layout = blz_cache_layout(cache);
    st->path = blz_cache_path(cache);
    st->budget = budget;
    int s = check_pipeline(p, st->path);
    if (s == BLZ_OK)
        s = resolve_frames(st, frames);
    if (s == BLZ_OK)
        s = fixed_reference(st, &p->subtract, threads, &st->sub_term);
    if (s == BLZ_OK)
        s = divide_reference(st, threads);
    if (s == BLZ_OK)
        s = to_terms(st);
    if (s != BLZ_OK) {
        blz_stages_free(st);
        return s;
    }
    st->post = p->scale != 1.0 || p->offset != 0.0 || p->abs || p->clamp;
    return BLZ_OK;
}

void blz_stages_free(blz_stages *st)
{
    free(st->sub_term);
    free(st->den);
    free(st->inv);
    st->sub_term = st->den = st->inv = NULL;
}

/* Whether pipeline p leaves every sample unchanged. */
static bool pipeline_identity(const blz_pipeline *p)
{
    return p->subtract.kind == BLZ_REF_NONE && p->divide.kind == BLZ_REF_NONE
           && p->scale == 1.0 && p->offset == 0.0 && !p->abs && !p->clamp;
}

bool blz_stages_identity(const blz_stages *st)
{
    return pipeline_identity(&st->p);
}

/* Rows of samples: row r starts r * stride floats after the first in src and dst, and
 * its reference values r * ref_stride after the first. */
typedef struct rows_shape {
    size_t rows, n, stride, ref_stride;
} rows_shape;

/* src - sub. */
HOT_KERNEL static void subtract_rows(float *restrict dst, const float *restrict src,
                                     const double *restrict sub, rows_shape s)
{
    for (size_t r = 0; r < s.rows; r++, dst += s.stride, src += s.stride, sub += s.ref_stride) {
#pragma omp simd
        for (size_t i = 0; i < s.n; i++)
            dst[i] = (float)((double)src[i] - sub[i]);
    }
}

/* One row of (src - sub) / den, through the reciprocals inv when not NULL. Inlined
 * with sub, inv or both constant NULL, so that each loop has no conditional load and
 * vectorises. */
static inline __attribute__((always_inline)) void
divide_row(float *restrict d, const float *restrict x, size_t n, const double *restrict sub,
           const double *restrict den, const double *restrict inv)
{
    if (inv) {
#pragma omp simd
        for (size_t i = 0; i < n; i++)
            d[i] = (float)blz_finite_or_zero(
                blz_fast_quotient((double)x[i] - (sub ? sub[i] : 0.0), den[i], inv[i]));
    } else {
#pragma omp simd
        for (size_t i = 0; i < n; i++)
            d[i] = (float)blz_stage_core(x[i], sub ? sub[i] : 0.0, true, den[i]);
    }
}

/* (src - sub) / den (sub may be NULL), through the reciprocals inv when not NULL. */
HOT_KERNEL static void divide_rows(float *restrict dst, const float *restrict src,
                                   const double *restrict sub, const double *restrict den,
                                   const double *restrict inv, rows_shape s)
{
    for (size_t r = 0; r < s.rows; r++) {
        float *d = dst + r * s.stride;
        const float *x = src + r * s.stride;
        size_t at = r * s.ref_stride;
        if (sub && inv)
            divide_row(d, x, s.n, sub + at, den + at, inv + at);
        else if (inv)
            divide_row(d, x, s.n, NULL, den + at, inv + at);
        else if (sub)
            divide_row(d, x, s.n, sub + at, den + at, NULL);
        else
            divide_row(d, x, s.n, NULL, den + at, NULL);
    }
}

/* Scale, offset, abs or clamp: the whole formula, sample by sample. */
static void general_rows(const blz_stages *st, float *dst, const float *src, const double *sub,
                         const double *den, rows_shape s)
{
    for (size_t r = 0; r < s.rows; r++) {
        size_t at = r * s.ref_stride;
        for (size_t i = 0; i < s.n; i++)
            dst[r * s.stride + i] = blz_stage_value(&st->p, src[r * s.stride + i],
                                                    sub ? sub[at + i] : 0.0,
                                                    den ? den[at + i] : 1.0);
    }
}

void blz_stages_apply_rows(const blz_stages *st, float *dst, const float *src, size_t rows,
                           size_t n, size_t stride, size_t ref_offset, size_t ref_stride)
{
    rows_shape s = { rows, n, stride, ref_stride };
    const double *sub = st->sub_term ? st->sub_term + ref_offset : NULL;
    const double *den = st->den ? st->den + ref_offset : NULL;
    if (st->post)
        general_rows(st, dst, src, sub, den, s);
    else if (den)
        divide_rows(dst, src, sub, den, st->fast_quotients ? st->inv + ref_offset : NULL, s);
    else if (sub)
        subtract_rows(dst, src, sub, s);
    else
        for (size_t r = 0; r < rows; r++)
            memcpy(dst + r * stride, src + r * stride, n * sizeof *dst);
}

static bool fixed_or_none(const blz_reference *r)
{
    return r->kind == BLZ_REF_NONE || r->kind == BLZ_REF_RANGE || r->kind == BLZ_REF_IMAGE;
}

bool blz_envelope_applies(const blz_pipeline *p, int op)
{
    return (op == BLZ_OP_MAX || (op == BLZ_OP_MIN && !p->abs)) && !pipeline_identity(p)
           && fixed_or_none(&p->subtract) && fixed_or_none(&p->divide);
}

bool blz_stages_envelope(const blz_stages *st, int op)
{
    return blz_envelope_applies(&st->p, op) && (!st->den || st->fast_quotients);
}

double blz_stages_envelope_extreme(const blz_stages *st, int op, bool ignore_nan, double hi,
                                   double lo, bool special, size_t ref)
{
    double sub = st->sub_term ? st->sub_term[ref] : 0.0, den = st->den ? st->den[ref] : 1.0;
    float candidates[3];
    int n = 0;
    if (hi >= lo) {
        candidates[n++] = blz_stage_value(&st->p, hi, sub, den);
        candidates[n++] = blz_stage_value(&st->p, lo, sub, den);
    }
    if (special)
        candidates[n++] = blz_stage_value(&st->p, NAN, sub, den);
    bool any_nan = false, any = false;
    float extreme = 0.0f;
    for (int i = 0; i < n; i++) {
        float c = candidates[i];
        if (c != c) {
            any_nan = true;
        } else if (!any || (op == BLZ_OP_MAX ? c > extreme : c < extreme)) {
            extreme = c;
            any = true;
        }
    }
    return (any_nan && !ignore_nan) || !any ? NAN : extreme;
}

size_t blz_stage_windows_bytes(const blz_stages *st)
{
    size_t bytes = 0;
    if (st->p.subtract.kind == BLZ_REF_SLIDING)
        bytes += blz_slider_bytes_per_value(st->p.subtract.op, st->geom.window);
    if (st->p.divide.kind == BLZ_REF_SLIDING)
        bytes += blz_slider_bytes_per_value(st->p.divide.op, st->geom.window);
    return bytes;
}

int blz_stage_windows_init(blz_stage_windows *w, const blz_stages *st, size_t n)
{
    memset(w, 0, sizeof *w);
    w->sub_slides = st->p.subtract.kind == BLZ_REF_SLIDING;
    w->div_slides = st->p.divide.kind == BLZ_REF_SLIDING;
    int s = BLZ_OK;
    if (w->sub_slides)
        s = blz_slider_init(&w->sub, st->p.subtract.op, st->geom.window, n, st->path);
    if (s == BLZ_OK && w->div_slides)
        s = blz_slider_init(&w->div, st->p.divide.op, st->geom.window, n, st->path);
    if (s != BLZ_OK)
        blz_stage_windows_free(w);
    return s;
}

void blz_stage_windows_free(blz_stage_windows *w)
{
    if (w->sub_slides)
        blz_slider_free(&w->sub);
    if (w->div_slides)
        blz_slider_free(&w->div);
    w->sub_slides = w->div_slides = false;
}

void blz_stage_windows_reset(blz_stage_windows *w, size_t v)
{
    if (w->sub_slides)
        blz_slider_reset(&w->sub, v);
    if (w->div_slides)
        blz_slider_reset(&w->div, v);
}

void blz_stages_series(const blz_stages *st, blz_stage_windows *w, size_t v, const float *x,
                       size_t ref_offset, float *out, double *refs)
{
    const blz_window_geom *g = &st->geom;
    double *sub_refs = refs, *div_refs = refs ? refs + g->outputs : NULL;
    if (w->sub_slides)
        blz_slider_sweep(&w->sub, v, x + g->first_start, g->outputs, sub_refs);
    if (w->div_slides)
        blz_slider_sweep(&w->div, v, x + g->first_start, g->outputs, div_refs);
    double fixed_sub = st->sub_term ? st->sub_term[ref_offset] : 0.0;
    double fixed_den = st->den ? st->den[ref_offset] : 1.0;
    for (int64_t n = 0; n < g->outputs; n++) {
        double sub = w->sub_slides ? blz_sub_term(&st->p, sub_refs[n]) : fixed_sub;
        double den = w->div_slides ? blz_denominator(&st->p, div_refs[n]) : fixed_den;
        out[n] = blz_stage_value(&st->p, x[g->first_output + n], sub, den);
    }
}
