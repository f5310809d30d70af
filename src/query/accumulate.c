/*
 * accumulate.c - the streaming reductions: state per value, the fold of one chunk in
 * register-sized blocks, and the final values.
 *
 * State by op (a, b, c are arrays of one double per value of the strip):
 *   sum, mean      a = running sum;                         c = count (NaN ignored)
 *   min, max       a = extreme so far
 *   std, var       a = running mean, b = sum of squared deviations; c = count (NaN
 *                  ignored)
 *   argmin/argmax  a = extreme so far, b = its frame index
 *   envelope       hi, lo = largest and smallest sample that is not special (floats),
 *                  magnitude = the bits of the largest |sample| (accumulate.h)
 * A chunk is folded BLOCK values of a row at a time: the block's state is loaded into
 * locals (registers), every selected frame of the chunk is folded into them, and the
 * state is stored back once. Each value still sees its frames in order, so the sums
 * are the same sequence of double additions as a frame-by-frame fold, independent of
 * the thread count; the lines a few blocks ahead in every frame are prefetched. Sums of
 * a chunk whose index entry claims small integers are made in float32, exactly, and
 * added once (block_sum_integers; from byte planes, fold_sum_integers_planes and
 * plane_sums.c): the conversions to double were most of the fold's cost
 * on a freshly decoded lz4 chunk. std and var take such a chunk's exact sum and sum of
 * squares in one pass (block_chan_integers). Otherwise std/var
 * without NaN handling sum each chunk's deviations from a shift close to its mean and
 * their squares (one pass, two for a tile's first chunk) and merge the chunk into the
 * running state with Chan's formula; with NaN ignored each value has its own count,
 * and its numbers are summed about its running mean (or, while it has none, the
 * chunk's first number for it) in one pass, then merged the same way. Fixed
 * subtract/divide stages are applied to the values as a block reads them (a variant
 * of every folder per kind of references), so a pipeline's reduction reads the cache
 * once. A shuffle-lz4 chunk may come as the byte planes LZ4 leaves; a block then puts
 * its values together in registers as it reads them (another variant of every
 * folder). The folds are compiled for x86-64-v4 (AVX-512), v3 (AVX2) and the
 * baseline, chosen at load time.
 */
#include "query/accumulate.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cache/shuffle.h"
#include "core/checked.h"
#include "core/error_internal.h"
#include "core/hot_kernel.h"
#include "core/nan_mask.h"
#include "query/plane_sums.h"
#include "query/stages.h"

/* Values of a row folded at once: 16 doubles are 2 AVX-512, 4 AVX2 or 8 SSE2
 * registers per state array. */
enum { BLOCK = 16 };

/* Blocks ahead whose values are prefetched (4 = 256 bytes, best of 4, 8, 16); from
 * byte planes, BLZ_PLANE_PREFETCH_FRAMES frames ahead (plane_sums.h). */
enum { PREFETCH_BLOCKS = 4 };


/* One block of a chunk row: where its state lives and where its values are. */
typedef struct block_ref {
    double *a, *b, *c;     /* state of the block's first value (unused ones NULL) */
    float *hi, *lo;        /* the same for the envelope */
    uint32_t *magnitude;
    const float *x;        /* the block's values in the chunk's first selected frame */
    const unsigned char *p; /* or their bytes in the first byte plane (FROM_PLANES) */
    size_t plane;          /* bytes from one plane to the next */
    size_t stride;         /* values from one selected frame to the next */
    int64_t frames;        /* selected frames in the chunk */
    double first_frame;    /* absolute index of the first one */
    double step;           /* selection step */
    double seen;           /* frames of the selection folded before this chunk */
    double inv_frames;     /* 1 / frames */
    double weight, cross;  /* Chan's merge: frames / (seen + frames), seen * that */
    const double *sub;     /* references of the block's first value (REFS_SUB, REFS_DIV) */
    const double *den, *inv;
} block_ref;

/* What the values go through before they are folded: nothing, the subtract stage, or
 * the divide stage (after a subtraction of sub, all zeros when there is none). */
enum { REFS_NONE, REFS_SUB, REFS_DIV, REFS_KINDS };

/* A folder's kind: its references, plus FROM_PLANES when the chunk comes as the byte
 * planes of a shuffle-lz4 chunk (blz_cache_chunk_planes) rather than as floats. */
enum { FROM_PLANES = REFS_KINDS };
enum { NONE_FROM_PLANES = REFS_NONE + FROM_PLANES, SUB_FROM_PLANES = REFS_SUB + FROM_PLANES,
       DIV_FROM_PLANES = REFS_DIV + FROM_PLANES };

/* The block's values in selected frame f of the chunk. The hardware prefetchers do not
 * follow a chunk's frames (one stream per frame, too many at once), so the lines a few
 * blocks ahead in the same frame are prefetched: 1.6x faster sums, measured. */
static inline __attribute__((always_inline)) const float *
frame_values(const block_ref *r, int64_t f)
{
    const float *x = r->x + (size_t)f * r->stride;
    blz_prefetch(x, PREFETCH_BLOCKS * BLOCK * sizeof *x);
    return x;
}

/* Value i of x through the references (REFS_SUB or REFS_DIV), in double: a division
 * goes through the reciprocal where that is exact (blz_fast_quotient), else divides. */
static inline __attribute__((always_inline)) double
staged_value(const block_ref *r, const float *x, size_t i, int refs, bool divides)
{
    double v = (double)x[i] - r->sub[i];
    if (refs == REFS_SUB)
        return v;
    return blz_finite_or_zero(divides ? v / r->den[i]
                                      : blz_fast_quotient(v, r->den[i], r->inv[i]));
}

/* The block's n values of x through the references, rounded to float into staged;
 * divides as for staged_value(). */
static inline __attribute__((always_inline)) void
stage_values(const block_ref *r, const float *x, size_t n, int refs, bool divides,
             float *staged)
{
#pragma omp simd
    for (size_t i = 0; i < n; i++)
        staged[i] = (float)staged_value(r, x, i, refs, divides);
}

typedef uint32_t words4 __attribute__((vector_size(16)));
typedef uint32_t words8 __attribute__((vector_size(32)));
typedef uint32_t words16 __attribute__((vector_size(64)));

/* The block's n values in selected frame f, put together from the byte planes into
 * staged, so no unshuffled copy of the chunk is ever written. A full block is
 * unshuffled in registers and stored with one 64-byte store (AVX-512) or two 32-byte
 * ones (AVX2): the folds read it back in pieces inside one store, which the processor
 * forwards; pieces spanning two 16-byte stores would wait for them to reach the cache.
 * The planes of a chunk's frames are a multiple of 4 KiB apart and share one set of
 * the L1 cache, so the bytes two frames ahead are prefetched (3 % faster, measured). */
static inline __attribute__((always_inline)) const float *
planes_values(const block_ref *r, int64_t f, size_t n, float *staged)
{
    const unsigned char *p = r->p + (size_t)f * r->stride;
    size_t k = r->plane;
    for (size_t plane = 0; plane < 4; plane++)
        blz_prefetch(p + plane * k, BLZ_PLANE_PREFETCH_FRAMES * r->stride);
    if (n == BLOCK) {
        blz_byte_block b = blz_unshuffle_block(p, k);
        words8 lo = __builtin_shufflevector((words4)b.r0, (words4)b.r1, 0, 1, 2, 3, 4, 5, 6, 7);
        words8 hi = __builtin_shufflevector((words4)b.r2, (words4)b.r3, 0, 1, 2, 3, 4, 5, 6, 7);
        words16 v = __builtin_shufflevector(lo, hi, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12,
                                            13, 14, 15);
        memcpy(staged, &v, sizeof v);
    } else {
        blz_unshuffle4_from((unsigned char *)staged, p, n, k);
    }
    return staged;
}

/* The block's n values of selected frame f, read as the kind says and through its
 * references into staged (the values themselves without references). */
static inline __attribute__((always_inline)) const float *
block_values(const block_ref *r, int64_t f, size_t n, int kind, float *staged)
{
    int refs = kind % REFS_KINDS;
    const float *x = kind >= FROM_PLANES ? planes_values(r, f, n, staged) : frame_values(r, f);
    if (refs == REFS_NONE)
        return x;
    /* the division chosen once per block: through the reciprocals when there are some */
    if (refs == REFS_DIV && !r->inv)
        stage_values(r, x, n, refs, true, staged);
    else
        stage_values(r, x, n, refs, false, staged);
    return staged;
}

static inline __attribute__((always_inline)) void
block_sum(const block_ref *r, size_t n, int kind)
{
    float staged[BLOCK];
    double s[BLOCK];
    for (size_t i = 0; i < n; i++)
        s[i] = r->a[i];
    for (int64_t f = 0; f < r->frames; f++) {
        const float *x = block_values(r, f, n, kind, staged);
#pragma omp simd
        for (size_t i = 0; i < n; i++)
            s[i] += x[i];
    }
    for (size_t i = 0; i < n; i++)
        r->a[i] = s[i];
}

static inline __attribute__((always_inline)) void
block_sum_ignore(const block_ref *r, size_t n, int kind)
{
    float staged[BLOCK];
    double s[BLOCK], c[BLOCK];
    for (size_t i = 0; i < n; i++) {
        s[i] = r->a[i];
        c[i] = r->c[i];
    }
    for (int64_t f = 0; f < r->frames; f++) {
        const float *x = block_values(r, f, n, kind, staged);
#pragma omp simd
        for (size_t i = 0; i < n; i++) {
            s[i] += blz_nan_to_zero(x[i]);
            c[i] += blz_is_number(x[i]);
        }
    }
    for (size_t i = 0; i < n; i++) {
        r->a[i] = s[i];
        r->c[i] = c[i];
    }
}

/* A chunk whose integer claim keeps every partial sum within 2^24 (exact_in_float())
 * has its frames summed in float32, exactly, and added to the running sums once: one
 * float addition per value instead of a conversion and a double addition. The sums are
 * those of the double fold, bit for bit, where the running sums are integers too. */
static inline __attribute__((always_inline)) void
block_sum_integers(const block_ref *r, size_t n, int kind)
{
    float staged[BLOCK], s[BLOCK];
    for (size_t i = 0; i < n; i++)
        s[i] = 0.0f;
    for (int64_t f = 0; f < r->frames; f++) {
        const float *x = block_values(r, f, n, kind, staged);
#pragma omp simd
        for (size_t i = 0; i < n; i++)
            s[i] += x[i];
    }
    for (size_t i = 0; i < n; i++)
        r->a[i] += s[i];
    if (r->c)   /* NaN ignored: integers are all numbers */
        for (size_t i = 0; i < n; i++)
            r->c[i] += (double)r->frames;
}

/* Sums over the chunk's selected frames of d = x - shift and of d^2, per value. */
static inline __attribute__((always_inline)) void
shifted_sums(const block_ref *r, size_t n, int kind, const double *shift, double *s1,
             double *s2)
{
    float staged[BLOCK];
    for (size_t i = 0; i < n; i++)
        s1[i] = s2[i] = 0.0;
    for (int64_t f = 0; f < r->frames; f++) {
        const float *x = block_values(r, f, n, kind, staged);
#pragma omp simd
        for (size_t i = 0; i < n; i++) {
            double d = x[i] - shift[i];
            s1[i] += d;
            s2[i] += d * d;
        }
    }
}

/* The chunk's mean and squared deviations, merged into the running state by Chan's
 * formula. The sums are of deviations from a shift close to the chunk's mean, so its
 * M2 = s2 - s1^2 / n does not cancel (and is kept from going below 0 by rounding): the
 * running mean for later chunks (one pass), and for a tile's first chunk its own mean,
 * found by a first pass shifted by 0. */
static inline __attribute__((always_inline)) void
block_chan(const block_ref *r, size_t n, int kind)
{
    double shift[BLOCK], s1[BLOCK], s2[BLOCK];
    for (size_t i = 0; i < n; i++)
        shift[i] = r->seen > 0 ? r->a[i] : 0.0;
    shifted_sums(r, n, kind, shift, s1, s2);
    for (size_t i = 0; i < n; i++)
        shift[i] += s1[i] * r->inv_frames;   /* the chunk's mean */
    if (r->seen == 0)
        shifted_sums(r, n, kind, shift, s1, s2);   /* about the chunk's own mean */
#pragma omp simd
    for (size_t i = 0; i < n; i++) {
        double m2 = s2[i] - s1[i] * s1[i] * r->inv_frames;
        double delta = shift[i] - r->a[i];
        r->a[i] += delta * r->weight;
        r->b[i] += (m2 < 0.0 ? 0.0 : m2) + delta * delta * r->cross;
    }
}

/* Chan's merge of one value's exact chunk sums (block_chan_integers) into its running
 * mean and M2, for na numbers folded before and nb in the chunk: weight = nb / (na +
 * nb). */
static inline __attribute__((always_inline)) void
merge_integer_sums(const block_ref *r, size_t i, float s1, double s2, double na,
                   double weight)
{
    double nb = (double)r->frames, sum = s1, delta = sum * r->inv_frames - r->a[i];
    r->a[i] += delta * weight;
    r->b[i] += (nb * s2 - sum * sum) * r->inv_frames + delta * delta * na * weight;
}

/* std/var of a chunk whose integer claim makes its sums exact (exact_in_float()): the
 * sum s1 (float32) and the sum of squares s2 (double; each square is below 2^48) are
 * integers, and n s2 - s1^2 is one below 2^48, so the chunk's M2 = (n s2 - s1^2) / n
 * is exact but for its division (by a multiplication by 1 / n, as block_chan does), in
 * one pass wherever the chunk is. Merged by Chan's formula as in block_chan, with a
 * count per value when NaN is ignored (integers are all numbers, so each gains n).
 * The two cases are separate loops: a select between r->c[i] and r->seen became masked
 * loads from a null r->c, which these processors complete only through a microcode
 * assist (12 % of the fold's perf samples sat on the two loads). */
static inline __attribute__((always_inline)) void
block_chan_integers(const block_ref *r, size_t n, int kind)
{
    float staged[BLOCK], s1[BLOCK];
    double s2[BLOCK];
    for (size_t i = 0; i < n; i++) {
        s1[i] = 0.0f;
        s2[i] = 0.0;
    }
    for (int64_t f = 0; f < r->frames; f++) {
        const float *x = block_values(r, f, n, kind, staged);
#pragma omp simd
        for (size_t i = 0; i < n; i++) {
            double d = x[i];
            s1[i] += x[i];
            s2[i] += d * d;
        }
    }
    if (r->c) {
#pragma omp simd
        for (size_t i = 0; i < n; i++) {
            double na = r->c[i], nb = (double)r->frames, weight = nb / (na + nb);
            merge_integer_sums(r, i, s1[i], s2[i], na, weight);
            r->c[i] = na + nb;
        }
    } else {
#pragma omp simd
        for (size_t i = 0; i < n; i++)
            merge_integer_sums(r, i, s1[i], s2[i], r->seen, r->weight);
    }
}

/* Where the sums of a value's deviations start when NaN is ignored: its running mean,
 * or, for a value with no number folded yet, the first number among the chunk's
 * selected frames (0 when it has none), so that deviations stay near the spread of
 * the values whatever their offset. */
static inline __attribute__((always_inline)) void
ignore_shift(const block_ref *r, size_t n, int kind, double *shift)
{
    float staged[BLOCK];
    bool open[BLOCK];
    size_t left = 0;
    for (size_t i = 0; i < n; i++) {
        open[i] = r->c[i] == 0.0;
        shift[i] = open[i] ? 0.0 : r->a[i];
        left += open[i];
    }
    for (int64_t f = 0; left > 0 && f < r->frames; f++) {
        const float *x = block_values(r, f, n, kind, staged);
        for (size_t i = 0; i < n; i++)
            if (open[i] && blz_is_number(x[i])) {
                shift[i] = x[i];
                open[i] = false;
                left--;
            }
    }
}

/* The numbers among the chunk's selected frames, per value: their count nb and the
 * sums of d = x - shift and of d^2 (NaN adds nothing). */
static inline __attribute__((always_inline)) void
shifted_sums_ignore(const block_ref *r, size_t n, int kind, const double *shift,
                    double *s1, double *s2, double *nb)
{
    float staged[BLOCK];
    for (size_t i = 0; i < n; i++)
        s1[i] = s2[i] = nb[i] = 0.0;
    for (int64_t f = 0; f < r->frames; f++) {
        const float *x = block_values(r, f, n, kind, staged);
#pragma omp simd
        for (size_t i = 0; i < n; i++) {
            bool ok = blz_is_number(x[i]);
            double d = blz_keep_or_zero((double)x[i] - shift[i], ok);
            s1[i] += d;
            s2[i] += d * d;
            nb[i] += ok;
        }
    }
}

/* Chan's merge with a count per value, for NaN ignored: the chunk's numbers summed
 * about ignore_shift() in one pass, merged into the running mean, M2 and count. */
static inline __attribute__((always_inline)) void
block_chan_ignore(const block_ref *r, size_t n, int kind)
{
    double shift[BLOCK], s1[BLOCK], s2[BLOCK], nb[BLOCK];
    ignore_shift(r, n, kind, shift);
    shifted_sums_ignore(r, n, kind, shift, s1, s2, nb);
#pragma omp simd
    for (size_t i = 0; i < n; i++) {
        bool some = nb[i] > 0.0;    /* else the state stays as it is */
        double count = some ? nb[i] : 1.0, na = r->c[i];
        double inv = 1.0 / count, weight = count / (na + count);
        double m2 = s2[i] - s1[i] * s1[i] * inv;
        double delta = shift[i] + s1[i] * inv - r->a[i];
        double mean = r->a[i] + delta * weight;
        r->a[i] = some ? mean : r->a[i];
        r->b[i] += blz_keep_or_zero((m2 < 0.0 ? 0.0 : m2) + delta * delta * na * weight, some);
        r->c[i] = na + nb[i];
    }
}

/* Whether x replaces the extreme m: strictly better (first occurrence wins), or NaN
 * handling: propagate takes a NaN x, ignore replaces a NaN m (nothing seen yet). */
static inline bool takes(double x, double m, bool is_max, bool ignore)
{
    bool better = is_max ? x > m : x < m;
    return better || (ignore ? m != m : x != x);
}

static inline bool takes_float(float x, float m, bool is_max, bool ignore)
{
    bool better = is_max ? x > m : x < m;
    return better || (ignore ? m != m : x != x);
}

/* Extremes are kept in float (every candidate is a float, an infinity or NaN, so the
 * conversions are exact): twice the values per register. */
static inline __attribute__((always_inline)) void
block_extreme(const block_ref *r, size_t n, bool is_max, bool ignore, int kind)
{
    float staged[BLOCK];
    float m[BLOCK];
    for (size_t i = 0; i < n; i++)
        m[i] = (float)r->a[i];
    for (int64_t f = 0; f < r->frames; f++) {
        const float *x = block_values(r, f, n, kind, staged);
#pragma omp simd
        for (size_t i = 0; i < n; i++)
            m[i] = takes_float(x[i], m[i], is_max, ignore) ? x[i] : m[i];
    }
    for (size_t i = 0; i < n; i++)
        r->a[i] = m[i];
}

/* Arg variants: propagate starts with index -1 (take the first value) and stops at a
 * NaN extreme; ignore starts with NaN and takes only non-NaN values. */
static inline __attribute__((always_inline)) void
block_arg(const block_ref *r, size_t n, bool is_max, bool ignore, int kind)
{
    float staged[BLOCK];
    double m[BLOCK], at[BLOCK];
    for (size_t i = 0; i < n; i++) {
        m[i] = r->a[i];
        at[i] = r->b[i];
    }
    for (int64_t f = 0; f < r->frames; f++) {
        const float *x = block_values(r, f, n, kind, staged);
        double t = r->first_frame + (double)f * r->step;
#pragma omp simd
        for (size_t i = 0; i < n; i++) {
            double v = x[i];
            bool take = ignore ? v == v && takes(v, m[i], is_max, true)
                               : at[i] < 0.0 || (m[i] == m[i] && takes(v, m[i], is_max, false));
            m[i] = take ? v : m[i];
            at[i] = take ? t : at[i];
        }
    }
    for (size_t i = 0; i < n; i++) {
        r->a[i] = m[i];
        r->b[i] = at[i];
    }
}

/* The envelope's state is floats and the largest magnitude's bits, 16 values to a
 * vector: a NaN was seen when those bits exceed infinity's, a non-finite sample when
 * they reach them. Bits, not comparisons of floats, pick the samples: a comparison
 * selecting values keeps GCC from vectorising under the default trapping-math rules. */
static inline __attribute__((always_inline)) void
block_envelope(const block_ref *r, size_t n, int kind, bool nonfinite)
{
    float staged[BLOCK];
    float hi[BLOCK], lo[BLOCK];
    uint32_t magnitude[BLOCK];
    for (size_t i = 0; i < n; i++) {
        hi[i] = r->hi[i];
        lo[i] = r->lo[i];
        magnitude[i] = r->magnitude[i];
    }
    for (int64_t f = 0; f < r->frames; f++) {
        const float *x = block_values(r, f, n, kind, staged);
#pragma omp simd
        for (size_t i = 0; i < n; i++) {
            uint32_t bits;
            memcpy(&bits, &x[i], sizeof bits);
            bits &= 0x7fffffffu;
            magnitude[i] = bits > magnitude[i] ? bits : magnitude[i];
            bool ordinary = nonfinite ? bits < BLZ_ACCUM_INFINITY_BITS
                                      : bits <= BLZ_ACCUM_INFINITY_BITS;
            hi[i] = (ordinary & (x[i] > hi[i])) ? x[i] : hi[i];
            lo[i] = (ordinary & (x[i] < lo[i])) ? x[i] : lo[i];
        }
    }
    for (size_t i = 0; i < n; i++) {
        r->hi[i] = hi[i];
        r->lo[i] = lo[i];
        r->magnitude[i] = magnitude[i];
    }
}

static inline __attribute__((always_inline)) void
block_envelope_nan(const block_ref *r, size_t n, int kind)
{
    block_envelope(r, n, kind, false);
}

static inline __attribute__((always_inline)) void
block_envelope_nonfinite(const block_ref *r, size_t n, int kind)
{
    block_envelope(r, n, kind, true);
}

/* block_<op>: the extreme and arg kernels with their direction and NaN policy fixed. */
#define BLOCK_VARIANT(name, kernel, is_max, ignore) \
    static inline __attribute__((always_inline)) void \
    block_##name(const block_ref *r, size_t n, int kind) \
    { kernel(r, n, is_max, ignore, kind); }
BLOCK_VARIANT(min, block_extreme, false, false)
BLOCK_VARIANT(min_ignore, block_extreme, false, true)
BLOCK_VARIANT(max, block_extreme, true, false)
BLOCK_VARIANT(max_ignore, block_extreme, true, true)
BLOCK_VARIANT(argmin, block_arg, false, false)
BLOCK_VARIANT(argmin_ignore, block_arg, false, true)
BLOCK_VARIANT(argmax, block_arg, true, false)
BLOCK_VARIANT(argmax_ignore, block_arg, true, true)
#undef BLOCK_VARIANT

typedef void (*block_fn)(const block_ref *r, size_t n, int kind);

/* Where the references of the block at value offset off start (NULL: none; a missing
 * subtrahend before a division reads zeros). */
static const double no_subtrahend[BLOCK];

static void point_refs(block_ref *r, const blz_accum_refs *refs, size_t off)
{
    r->sub = refs->sub ? refs->sub + off : refs->den ? no_subtrahend : NULL;
    r->den = refs->den ? refs->den + off : NULL;
    r->inv = refs->inv ? refs->inv + off : NULL;
}

/* Offset in the strip's state arrays of the first value of the chunk's row y. */
static size_t state_offset(const blz_accum *acc, const blz_chunk_task *task, int32_t y)
{
    return ((size_t)(task->y0 + y - acc->y0) * (size_t)acc->width + (size_t)task->x0)
           * (size_t)task->channels;
}

/* Every valid row of the chunk, BLOCK values at a time through fn (inlined per op;
 * full blocks with a constant count so that their loops unroll into registers). */
static inline __attribute__((always_inline)) void
fold_chunk(const blz_accum *acc, const blz_chunk_task *task, const blz_accum_refs *refs,
           block_fn fn, int kind)
{
    size_t C = (size_t)task->channels;
    size_t row_values = (size_t)task->tw * C, n = (size_t)task->cols * C;
    size_t frame_values = (size_t)task->th * row_values;
    block_ref r = {
        .stride = (size_t)task->step * frame_values,
        .frames = task->frame_count,
        .first_frame = (double)task->first_frame,
        .step = (double)task->step,
        .seen = (double)blz_selection_position(acc->sel, task->first_frame),
    };
    r.inv_frames = 1.0 / (double)r.frames;
    r.weight = (double)r.frames / (r.seen + (double)r.frames);
    r.cross = r.seen * (double)r.frames / (r.seen + (double)r.frames);
    size_t first = (size_t)task->local_first * frame_values;   /* value offset */
    r.plane = task->plane;
    for (int32_t y = 0; y < task->rows; y++) {
        size_t off = state_offset(acc, task, y);
        size_t ref_off = ((size_t)(task->y0 + y) * (size_t)acc->width + (size_t)task->x0) * C;
        for (size_t i = 0; i < n; i += BLOCK) {
            r.a = acc->a ? acc->a + off + i : NULL;
            r.b = acc->b ? acc->b + off + i : NULL;
            r.c = acc->c ? acc->c + off + i : NULL;
            r.hi = acc->hi ? acc->hi + off + i : NULL;
            r.lo = acc->lo ? acc->lo + off + i : NULL;
            r.magnitude = acc->magnitude ? acc->magnitude + off + i : NULL;
            size_t at = first + (size_t)y * row_values + i;
            if (kind >= FROM_PLANES)
                r.p = task->planes + at;
            else
                r.x = task->values + at;
            if (kind % REFS_KINDS != REFS_NONE)
                point_refs(&r, refs, ref_off + i);
            if (n - i >= BLOCK)
                fn(&r, BLOCK, kind);
            else
                fn(&r, n - i, kind);
        }
    }
}

typedef void (*fold_fn)(const blz_accum *acc, const blz_chunk_task *task,
                        const blz_accum_refs *refs);

/* fold_<op>[kind]: the op's folder for each kind of references. */
#define FOLDER(name, kind) \
    HOT_KERNEL static void fold_##name##_##kind(const blz_accum *acc, \
                                                const blz_chunk_task *task, \
                                                const blz_accum_refs *refs) \
    { fold_chunk(acc, task, refs, block_##name, kind); }
#define FOLDERS(name) \
    FOLDER(name, REFS_NONE) FOLDER(name, REFS_SUB) FOLDER(name, REFS_DIV) \
    FOLDER(name, NONE_FROM_PLANES) FOLDER(name, SUB_FROM_PLANES) \
    FOLDER(name, DIV_FROM_PLANES) \
    static const fold_fn fold_##name[] = { fold_##name##_REFS_NONE, fold_##name##_REFS_SUB, \
                                           fold_##name##_REFS_DIV, \
                                           fold_##name##_NONE_FROM_PLANES, \
                                           fold_##name##_SUB_FROM_PLANES, \
                                           fold_##name##_DIV_FROM_PLANES };
FOLDERS(sum) FOLDERS(sum_ignore) FOLDERS(chan) FOLDERS(chan_ignore)
FOLDERS(min) FOLDERS(min_ignore) FOLDERS(max) FOLDERS(max_ignore)
FOLDERS(argmin) FOLDERS(argmin_ignore) FOLDERS(argmax) FOLDERS(argmax_ignore)
#undef FOLDERS
/* The envelope and the folds of integer chunks take the raw samples only (the sums'
 * byte planes: fold_sum_integers_planes). */
#define PLAIN_FOLDER(name) \
    FOLDER(name, REFS_NONE) FOLDER(name, NONE_FROM_PLANES) \
    static const fold_fn fold_##name[] = { fold_##name##_REFS_NONE, NULL, NULL, \
                                           fold_##name##_NONE_FROM_PLANES };
PLAIN_FOLDER(envelope_nan) PLAIN_FOLDER(envelope_nonfinite) PLAIN_FOLDER(chan_integers)
FOLDER(sum_integers, REFS_NONE)
#undef PLAIN_FOLDER
#undef FOLDER

/* Per streaming op: which state arrays it keeps (propagate / ignore) and its folders;
 * the envelope keeps hi, lo and magnitude. */
enum { ARRAY_A = 1, ARRAY_B = 2, ARRAY_C = 4, ARRAY_ENVELOPE = 8 };

typedef struct op_kind {
    int op;
    unsigned arrays, arrays_ignore;
    const fold_fn *fold, *fold_ignore;
} op_kind;

static const op_kind op_kinds[] = {
    { BLZ_OP_MEAN, ARRAY_A, ARRAY_A | ARRAY_C, fold_sum, fold_sum_ignore },
    { BLZ_OP_SUM, ARRAY_A, ARRAY_A | ARRAY_C, fold_sum, fold_sum_ignore },
    { BLZ_OP_MIN, ARRAY_A, ARRAY_A, fold_min, fold_min_ignore },
    { BLZ_OP_MAX, ARRAY_A, ARRAY_A, fold_max, fold_max_ignore },
    { BLZ_OP_STD, ARRAY_A | ARRAY_B, ARRAY_A | ARRAY_B | ARRAY_C, fold_chan,
      fold_chan_ignore },
    { BLZ_OP_VAR, ARRAY_A | ARRAY_B, ARRAY_A | ARRAY_B | ARRAY_C, fold_chan,
      fold_chan_ignore },
    { BLZ_OP_ARGMIN, ARRAY_A | ARRAY_B, ARRAY_A | ARRAY_B, fold_argmin, fold_argmin_ignore },
    { BLZ_OP_ARGMAX, ARRAY_A | ARRAY_B, ARRAY_A | ARRAY_B, fold_argmax, fold_argmax_ignore },
    { BLZ_ACCUM_ENVELOPE, ARRAY_ENVELOPE, ARRAY_ENVELOPE, fold_envelope_nan,
      fold_envelope_nan },
    { BLZ_ACCUM_ENVELOPE_NONFINITE, ARRAY_ENVELOPE, ARRAY_ENVELOPE, fold_envelope_nonfinite,
      fold_envelope_nonfinite },
};

static const op_kind *kind_of(int op)
{
    for (size_t i = 0; i < sizeof op_kinds / sizeof op_kinds[0]; i++)
        if (op_kinds[i].op == op)
            return &op_kinds[i];
    return NULL;
}

bool blz_accum_streams(int op)
{
    return kind_of(op) != NULL;
}

static size_t bytes_per_value(unsigned arrays)
{
    size_t envelope = 2 * sizeof(float) + sizeof(uint32_t);
    return (size_t)__builtin_popcount(arrays & (ARRAY_A | ARRAY_B | ARRAY_C)) * sizeof(double)
           + (arrays & ARRAY_ENVELOPE ? envelope : 0);
}

size_t blz_accum_bytes_per_value(int op, bool ignore_nan)
{
    const op_kind *k = kind_of(op);
    return k ? bytes_per_value(ignore_nan ? k->arrays_ignore : k->arrays) : 0;
}

/* A zeroed state array of n entries of size bytes if arrays has want, else NULL. */
static void *state_array(unsigned arrays, unsigned want, size_t n, size_t size)
{
    return arrays & want ? calloc(n ? n : 1, size) : NULL;
}

int blz_accum_init(blz_accum *acc, int op, bool ignore_nan, int ddof, const blz_layout *layout,
                   const blz_selection *sel, int32_t max_rows, const char *path)
{
    *acc = (blz_accum){ .op = op, .ignore_nan = ignore_nan, .ddof = ddof,
                        .width = layout->width, .channels = layout->channels, .sel = sel };
    const op_kind *k = kind_of(op);
    unsigned arrays = ignore_nan ? k->arrays_ignore : k->arrays;
    size_t n;
    if (!blz_mul3_size((size_t)max_rows, (size_t)layout->width, (size_t)layout->channels, &n))
        return blz_fail(BLZ_ERR_RANGE, "%s: accumulator size overflows", path);
    acc->a = state_array(arrays, ARRAY_A, n, sizeof *acc->a);
    acc->b = state_array(arrays, ARRAY_B, n, sizeof *acc->b);
    acc->c = state_array(arrays, ARRAY_C, n, sizeof *acc->c);
    acc->hi = state_array(arrays, ARRAY_ENVELOPE, n, sizeof *acc->hi);
    acc->lo = state_array(arrays, ARRAY_ENVELOPE, n, sizeof *acc->lo);
    acc->magnitude = state_array(arrays, ARRAY_ENVELOPE, n, sizeof *acc->magnitude);
    bool envelope = arrays & ARRAY_ENVELOPE;
    if ((arrays & ARRAY_A && !acc->a) || (arrays & ARRAY_B && !acc->b)
        || (arrays & ARRAY_C && !acc->c)
        || (envelope && (!acc->hi || !acc->lo || !acc->magnitude))) {
        blz_accum_free(acc);
        return blz_fail(BLZ_ERR_NOMEM, "%s: out of memory for %zu accumulators", path, n);
    }
    return BLZ_OK;
}

void blz_accum_free(blz_accum *acc)
{
    free(acc->a);
    free(acc->b);
    free(acc->c);
    free(acc->hi);
    free(acc->lo);
    free(acc->magnitude);
    acc->a = acc->b = acc->c = NULL;
    acc->hi = acc->lo = NULL;
    acc->magnitude = NULL;
}

static void fill(double *v, size_t n, double value)
{
    if (v)
        for (size_t i = 0; i < n; i++)
            v[i] = value;
}

void blz_accum_reset(blz_accum *acc, int32_t y0, int32_t rows)
{
    size_t n = (size_t)rows * (size_t)acc->width * (size_t)acc->channels;
    acc->y0 = y0;
    acc->rows = rows;
    if (acc->hi) {
        for (size_t i = 0; i < n; i++) {
            acc->hi[i] = -INFINITY;
            acc->lo[i] = INFINITY;
            acc->magnitude[i] = 0;
        }
        return;
    }
    bool is_extreme = acc->op == BLZ_OP_MIN || acc->op == BLZ_OP_MAX;
    bool is_arg = acc->op == BLZ_OP_ARGMIN || acc->op == BLZ_OP_ARGMAX;
    double start = acc->op == BLZ_OP_MIN || acc->op == BLZ_OP_ARGMIN ? INFINITY : -INFINITY;
    fill(acc->a, n, (is_extreme || is_arg) && acc->ignore_nan ? NAN
                    : is_extreme || is_arg ? start : 0.0);
    fill(acc->b, n, is_arg ? (acc->ignore_nan ? NAN : -1.0) : 0.0);
    fill(acc->c, n, 0.0);
}

/* block_sum_integers for a chunk given as byte planes, row by row (plane_sums.h). */
static void fold_sum_integers_planes(const blz_accum *acc, const blz_chunk_task *task)
{
    size_t C = (size_t)task->channels;
    size_t row_values = (size_t)task->tw * C, n = (size_t)task->cols * C;
    size_t stride = (size_t)task->step * (size_t)task->th * row_values;
    const unsigned char *first = task->planes + (size_t)task->local_first * (size_t)task->th
                                                    * row_values;
    for (int32_t y = 0; y < task->rows; y++) {
        size_t off = state_offset(acc, task, y);
        blz_plane_sums_row(first + (size_t)y * row_values, task->plane, stride,
                           task->frame_count, n, acc->a + off);
        for (size_t j = 0; acc->c && j < n; j++)   /* NaN ignored: integers are numbers */
            acc->c[off + j] += (double)task->frame_count;
    }
}

/* Whether the op sums the chunk's raw values (sum, mean, std, var) and the chunk's
 * integer claim makes float32 sums of its selected frames exact: n integers of
 * magnitude at most L - 1 never sum beyond n (L - 1), and float32 holds every integer
 * up to 2^24. */
static bool exact_in_float(const blz_accum *acc, const blz_chunk_task *task, int kind)
{
    int op = acc->op;
    return (op == BLZ_OP_MEAN || op == BLZ_OP_SUM || op == BLZ_OP_STD || op == BLZ_OP_VAR)
           && kind % REFS_KINDS == REFS_NONE && task->int_limit != 0
           && (uint64_t)task->frame_count * (task->int_limit - 1) <= (uint64_t)1 << 24;
}

/* The fold of a chunk exact_in_float() accepts. */
static void fold_integers(const blz_accum *acc, const blz_chunk_task *task,
                          const blz_accum_refs *refs, int kind)
{
    if (acc->op == BLZ_OP_STD || acc->op == BLZ_OP_VAR)
        fold_chan_integers[kind](acc, task, refs);
    else if (task->planes)
        fold_sum_integers_planes(acc, task);
    else
        fold_sum_integers_REFS_NONE(acc, task, refs);
}

void blz_accum_chunk(const blz_accum *acc, const blz_chunk_task *task,
                     const blz_accum_refs *refs)
{
    const op_kind *k = kind_of(acc->op);
    int kind = !refs ? REFS_NONE : refs->den ? REFS_DIV : refs->sub ? REFS_SUB : REFS_NONE;
    if (task->planes)
        kind += FROM_PLANES;
    if (exact_in_float(acc, task, kind))
        fold_integers(acc, task, refs, kind);
    else
        (acc->ignore_nan ? k->fold_ignore : k->fold)[kind](acc, task, refs);
}

/* Final value of one entry from its state and count. */
static double final_value(const blz_accum *acc, size_t i, double count)
{
    double n = acc->c ? acc->c[i] : count;
    switch (acc->op) {
    case BLZ_OP_SUM:
        return n > 0 ? acc->a[i] : NAN;
    case BLZ_OP_MEAN:
        return n > 0 ? acc->a[i] / n : NAN;
    case BLZ_OP_VAR:
    case BLZ_OP_STD: {
        double dof = n - acc->ddof;
        double var = dof > 0 ? acc->b[i] / dof : NAN;
        return acc->op == BLZ_OP_STD ? sqrt(var) : var;
    }
    case BLZ_OP_ARGMIN:
    case BLZ_OP_ARGMAX:
        return acc->b[i];
    default:
        return acc->a[i];
    }
}

void blz_accum_finish(const blz_accum *acc, double *out)
{
    size_t n = (size_t)acc->rows * (size_t)acc->width * (size_t)acc->channels;
    double *dst = out + (size_t)acc->y0 * (size_t)acc->width * (size_t)acc->channels;
    double count = (double)acc->sel->count;
    for (size_t i = 0; i < n; i++)
        dst[i] = final_value(acc, i, count);
}
