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
    bool fast_quotients;           /* blz_fast_quotient() is exact for every denominator
                                      and subtracted term (see there) */
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

/* v, or 0 when v is infinite or NaN. Integer operations on the bits: under the default
 * trapping-math rules GCC does not vectorise a loop that selects on a floating-point
 * comparison. */
static inline double blz_finite_or_zero(double v)
{
    const uint64_t exponent = UINT64_C(0x7ff0000000000000);
    uint64_t bits;
    memcpy(&bits, &v, sizeof bits);
    bits &= -(uint64_t)((bits & exponent) != exponent);
    memcpy(&v, &bits, sizeof v);
    return v;
}

/* Subtract and divide: x - sub_term, divided by den when dividing (a zero
 * denominator, or any other non-finite quotient, gives 0). */
static inline double blz_stage_core(double x, double sub_term, bool divides, double den)
{
    double v = x - sub_term;
    return divides ? blz_finite_or_zero(v / den) : v;
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

/* v / den rounded to double exactly as the division rounds it, from inv, the rounded
 * reciprocal of den, by multiplications only (a division costs several times more).
 * q = v * inv is within 1.5 units in the last place of v / den; a Newton-Raphson step
 * with fused multiply-adds (r = v - den * q, then q + r * inv) brings it within one
 * unit, and from there a second step gives the correctly rounded quotient (Markstein's
 * theorem: r is then exact and q + r * inv rounds to the nearest double of v / den).
 * That needs every intermediate to stay in double's normal range: it holds for
 * denominators and subtracted terms of magnitude 0 or 2^-400 to 2^400
 * (blz_fast_quotient_fits), and for non-finite ones the result is not finite either.
 * Vector loops compile it to five multiply(-add)s. */
static inline double blz_fast_quotient(double v, double den, double inv)
{
    double q = v * inv;
    q = fma(fma(-q, den, v), inv, q);
    return fma(fma(-q, den, v), inv, q);
}

/* Whether blz_fast_quotient() is exact for a denominator and a subtracted term. */
static inline bool blz_fast_quotient_fits(double den, double sub_term)
{
    double d = fabs(den), s = fabs(sub_term);
    bool den_fits = (d >= 0x1p-400 && d <= 0x1p400) || d == 0.0 || d != d;
    bool sub_fits = (s >= 0x1p-400 && s <= 0x1p400) || s == 0.0 || s != s || s == INFINITY;
    return den_fits && sub_fits;
}

/* Apply the stages with fixed references to rows of n samples: row r starts at
 * src + r * stride (dst likewise; dst and src do not overlap), and its reference
 * values at ref_offset + r * ref_stride (indices into the H x W x C image). Without
 * scale, offset, abs or clamp the quotients are computed through the reciprocals
 * (blz_fast_quotient) when st->fast_quotients: every sample comes out as
 * blz_stage_value() gives it. */
void blz_stages_apply_rows(const blz_stages *st, float *dst, const float *src, size_t rows,
                           size_t n, size_t stride, size_t ref_offset, size_t ref_stride);

/* The envelope: a min or max reduction of the processed samples taken from the raw
 * samples' extremes. With fixed references every stage maps a value's samples
 * monotonically (subtract; divide by a fixed denominator of either sign; scale of
 * either sign and offset; clamp; each rounding), except that a division turns
 * non-finite samples into 0, and abs folds the line (the maximum of |y| over a range
 * is still at one of its ends, the minimum is not). So the largest processed sample
 * is the processed value of the largest or of the smallest raw sample that is not
 * special (NaN; with a division, any non-finite sample), or of a special one: three
 * candidates, computed exactly by blz_stage_value(). The division is monotonic only
 * while no quotient overflows: st->fast_quotients guarantees it. The extreme's value is
 * exact; when both +0 and -0 occur it may be the other zero than a frame-by-frame
 * fold would keep. */

/* Whether a reduction op of pipeline p may take the envelope (ignoring the reference
 * values, which blz_stages_envelope() adds): min or max, fixed references, some stage,
 * and no abs for min. */
bool blz_envelope_applies(const blz_pipeline *p, int op);

/* Whether the prepared stages take the envelope for op. */
bool blz_stages_envelope(const blz_stages *st, int op);

/* The min or max (op) of a value's processed samples, NaN ignored or propagated, from
 * the largest (hi) and smallest (lo) of its raw samples that are not special (hi < lo:
 * none) and whether any sample was special; ref is the value's index in the
 * reference images. */
double blz_stages_envelope_extreme(const blz_stages *st, int op, bool ignore_nan, double hi,
                                   double lo, bool special, size_t ref);

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

/* The plan of blz_reduce_staged() through stages of pipeline p, made without them:
 * options->ram_budget is what the references and the stages' scratch leave (reduce.c,
 * for pipeline_plan.c). */
int blz_reduce_pipeline_plan(const blz_cache *cache, const blz_reduce_options *options,
                             const blz_pipeline *p, blz_plan *plan);

/* A reduction of the processed frames (reduce.c); options->frames must be the frames
 * the stages were prepared with. */
int blz_reduce_staged(const blz_cache *cache, const blz_reduce_options *options,
                      const blz_stages *stages, double *out);

#endif
