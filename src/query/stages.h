/*
 * stages.h - a pipeline made ready to run: options checked, fixed references
 * computed, the input selection resolved and the output frames worked out; and the
 * per-sample stage arithmetic that every walk (chunks, gathered series, frames)
 * applies.
 *
 * A sliding reference is fed through blz_stage_windows: values are pushed in input
 * order, the output sample is computed against the current windows, then the oldest
 * value is popped (see sliding.h for the geometry).
 */
#ifndef BLITZ_QUERY_STAGES_H
#define BLITZ_QUERY_STAGES_H

#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "blitz/pipeline.h"
#include "query/frames.h"
#include "query/sliding.h"

typedef struct blz_stages {
    blz_pipeline p;
    const blz_cache *cache;
    const blz_layout *layout;
    const char *path;
    blz_selection sel;             /* input frames */
    double *sub_term;              /* fixed subtract reference times its amount, or NULL */
    double *den;                   /* fixed divide reference's denominators, or NULL */
    double *inv;                   /* their reciprocals (with den) */
    bool post;                     /* scale, offset, abs or clamp is on */
    bool sliding;                  /* a reference slides */
    blz_window_geom geom;          /* output n processes input position first_output + n */
    size_t held_bytes;             /* bytes of the reference images */
    size_t budget;                 /* what the references leave of the run's budget */
} blz_stages;

/* Check the pipeline, resolve frames, compute the fixed references under the budget
 * (each in turn). */
int blz_stages_prepare(blz_stages *st, const blz_cache *cache, const blz_pipeline *p,
                       const blz_frame_range *frames, size_t budget, int threads);
void blz_stages_free(blz_stages *st);

/* Whether the stages leave every sample unchanged. */
bool blz_stages_identity(const blz_stages *st);

/* Cache frame processed by output frame n. */
static inline int64_t blz_stages_cache_frame(const blz_stages *st, int64_t n)
{
    return st->sel.start + (st->geom.first_output + n) * st->sel.step;
}

/* The subtracted term a_s * R and the denominator a_d * R + (1 - a_d) of reference
 * values R, as numpy would compute them. */
static inline double blz_sub_term(const blz_pipeline *p, double r)
{
    return p->subtract_amount * r;
}

static inline double blz_denominator(const blz_pipeline *p, double r)
{
    return p->divide_amount * r + (1.0 - p->divide_amount);
}

/* Subtract and divide: x - sub_term, divided by den when dividing (a zero
 * denominator, or any other non-finite quotient, gives 0). */
static inline double blz_stage_core(double x, double sub_term, bool divides, double den)
{
    double v = x - sub_term;
    if (divides) {
        v = v / den;
        v = isfinite(v) ? v : 0.0;
    }
    return v;
}

/* The whole stage formula for sample x, given the subtracted term (0 without
 * subtraction) and the denominator. */
static inline float blz_stage_value(const blz_pipeline *p, double x, double sub_term, double den)
{
    double v = blz_stage_core(x, sub_term, p->divide.kind != BLZ_REF_NONE, den);
    v = v * p->scale + p->offset;
    if (p->abs)
        v = fabs(v);
    if (p->clamp)
        v = v < p->clamp_low ? p->clamp_low : v > p->clamp_high ? p->clamp_high : v;
    return (float)v;
}

/* Whether (float)q is surely the float nearest to the exact quotient, q being the
 * quotient through the reciprocal. q lies within 3 units in the last place of the
 * correctly rounded double quotient, so the two round to different floats only when a
 * rounding boundary lies that close: a half-way point between floats, whose 29 bits
 * below float precision are 1 followed by zeros. Sure: q is 0, or q is in the normal
 * float range and those 29 bits are more than 16 units from the half-way pattern.
 * Branch-free, for vector loops. */
static inline bool blz_quotient_sure(double q)
{
    enum { BELOW = 29, MARGIN = 16 };
    uint64_t bits;
    memcpy(&bits, &q, sizeof bits);
    uint64_t below = bits & ((UINT64_C(1) << BELOW) - 1);
    uint64_t half = UINT64_C(1) << (BELOW - 1);
    double a = fabs(q);
    /* & and |, not && and ||: every comparison is evaluated, so the loop has no branch
     * under the default trapping-math rules. */
    bool far = below - (half - MARGIN) > 2 * MARGIN;
    return (q == 0.0) | (far & (a >= 0x1p-126) & (a < 0x1p127));
}

/* Apply the stages with fixed references to rows of n samples: row r starts at
 * src + r * stride (dst likewise; dst and src do not overlap), and its reference
 * values at ref_offset + r * ref_stride (indices into the H x W x C image). Without
 * scale, offset, abs or clamp the quotients are computed by multiplying with the
 * reciprocal in a branch-free, vectorised loop, and the rare results that could round
 * otherwise than the exact division (near a float rounding boundary, non-finite, tiny)
 * are redone by the exact formula: every sample comes out as blz_stage_value() gives
 * it. */
void blz_stages_apply_rows(const blz_stages *st, float *dst, const float *src, size_t rows,
                           size_t n, size_t stride, size_t ref_offset, size_t ref_stride);

/* Sliding state of the references that slide, for n values. */
typedef struct blz_stage_windows {
    blz_slider sub, div;
    bool sub_slides, div_slides;
} blz_stage_windows;

/* State bytes per value of the sliding references. */
size_t blz_stage_windows_bytes(const blz_stages *st);
int blz_stage_windows_init(blz_stage_windows *w, const blz_stages *st, size_t n);
void blz_stage_windows_free(blz_stage_windows *w);
void blz_stage_windows_reset(blz_stage_windows *w, size_t v);

static inline void blz_stage_windows_push(blz_stage_windows *w, size_t v, float x, int64_t i)
{
    if (w->sub_slides)
        blz_slider_push(&w->sub, v, x, i);
    if (w->div_slides)
        blz_slider_push(&w->div, v, x, i);
}

static inline void blz_stage_windows_pop(blz_stage_windows *w, size_t v, float x, int64_t i)
{
    if (w->sub_slides)
        blz_slider_pop(&w->sub, v, x, i);
    if (w->div_slides)
        blz_slider_pop(&w->div, v, x, i);
}

/* Sample x of value v (reference index ref_offset) processed against the current
 * windows and the fixed references. */
static inline float blz_stage_windows_output(const blz_stage_windows *w,
                                             const blz_stages *st, size_t v, float x,
                                             size_t ref_offset)
{
    double sub = w->sub_slides ? blz_sub_term(&st->p, blz_slider_value(&w->sub, v))
                 : st->sub_term ? st->sub_term[ref_offset] : 0.0;
    double den = w->div_slides ? blz_denominator(&st->p, blz_slider_value(&w->div, v))
                 : st->den ? st->den[ref_offset] : 1.0;
    return blz_stage_value(&st->p, x, sub, den);
}

/* Process one value's whole input series x (sel.count samples) into out
 * (geom.outputs samples); w is state for at least value v, reset here, and refs room
 * for the sliding references' values (2 x geom.outputs doubles; NULL without sliding
 * references). */
void blz_stages_series(const blz_stages *st, blz_stage_windows *w, size_t v, const float *x,
                       size_t ref_offset, float *out, double *refs);

/* Per-thread scratch the stages add to a reduction with op (reduce.c): a processed
 * series, its window state and the references' values (sliding references), a
 * processed chunk (streaming through scale, offset, abs or clamp), or nothing
 * (subtract and divide fused into the fold; gathered series processed in place). */
size_t blz_reduce_stage_scratch(const blz_stages *stages, int op);

/* A reduction of the processed frames (reduce.c); options->frames must be the frames
 * the stages were prepared with. */
int blz_reduce_staged(const blz_cache *cache, const blz_reduce_options *options,
                      const blz_stages *stages, double *out);

#endif
