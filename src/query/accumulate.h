/*
 * accumulate.h - per-pixel accumulators of the streaming reductions (mean, sum, min,
 * max, std, var, argmin, argmax) and how one chunk is folded into them.
 *
 * The accumulators cover one strip of pixel rows at a time. Values are folded in
 * frame order for every pixel, in double; std/var merge each chunk's mean and squared
 * deviations, summed about a value near its mean, with Chan's formula (with a count
 * per value when NaN is ignored).
 */
#ifndef BLITZ_QUERY_ACCUMULATE_H
#define BLITZ_QUERY_ACCUMULATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "blitz/cache.h"
#include "query/frames.h"
#include "query/scheduler.h"

/* Accumulator ops beyond enum blz_reduce_op: the envelope of stages.h, the largest
 * and smallest raw samples that are not special and whether any was; special are NaN
 * samples, or with _NONFINITE every non-finite one. The caller reads the state with
 * blz_accum_envelope() and turns it into values (blz_stages_envelope_extreme), not
 * blz_accum_finish(). */
enum { BLZ_ACCUM_ENVELOPE = 64, BLZ_ACCUM_ENVELOPE_NONFINITE };

typedef struct blz_accum {
    int op;                    /* enum blz_reduce_op, a streaming one, or an
                                  envelope op */
    bool ignore_nan;
    int ddof;
    int32_t width, channels;
    int32_t y0, rows;          /* the current strip */
    const blz_selection *sel;
    double *a, *b, *c;         /* per-value state; which ones depends on op */
    float *hi, *lo;            /* envelope ops: the extremes (floats, exact) */
    uint32_t *magnitude;       /* envelope ops: bits of the largest |sample| */
} blz_accum;

/* A float's bits without the sign are above these for NaN, equal for infinity. */
#define BLZ_ACCUM_INFINITY_BITS 0x7f800000u

/* Whether op is computed by streaming (else by gathering). */
bool blz_accum_streams(int op);

/* Accumulator bytes per value of a frame for op. */
size_t blz_accum_bytes_per_value(int op, bool ignore_nan);

/* Allocate state for strips of up to max_rows rows. */
int blz_accum_init(blz_accum *acc, int op, bool ignore_nan, int ddof, const blz_layout *layout,
                   const blz_selection *sel, int32_t max_rows, const char *path);
void blz_accum_free(blz_accum *acc);

/* The envelope of value i of the strip: hi < lo when no sample was ordinary. */
static inline void blz_accum_envelope(const blz_accum *acc, size_t i, double *hi, double *lo,
                                      bool *special)
{
    *hi = acc->hi[i];
    *lo = acc->lo[i];
    *special = acc->op == BLZ_ACCUM_ENVELOPE_NONFINITE
                   ? acc->magnitude[i] >= BLZ_ACCUM_INFINITY_BITS
                   : acc->magnitude[i] > BLZ_ACCUM_INFINITY_BITS;
}

/* Start a strip: reset the state for rows y0..y0+rows-1. */
void blz_accum_reset(blz_accum *acc, int32_t y0, int32_t rows);

/* Fixed references every value goes through before it is folded, fused into the fold
 * (a pipeline's subtract and divide stages without scale, offset, abs or clamp): the
 * subtracted terms, denominators and their reciprocals of blz_stages, H x W x C
 * images; NULL where there is no such stage (no reciprocals: the values are divided). */
typedef struct blz_accum_refs {
    const double *sub, *den, *inv;
} blz_accum_refs;

/* Fold the selected frames of one chunk in, through refs when not NULL. Distinct tiles
 * may be folded concurrently. */
void blz_accum_chunk(const blz_accum *acc, const blz_chunk_task *task,
                     const blz_accum_refs *refs);

/* Write the strip's results into out (the whole H x W x C image). */
void blz_accum_finish(const blz_accum *acc, double *out);

#endif
