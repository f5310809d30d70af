/*
 * accumulate.c - the streaming reductions: state per value, the fold of one chunk row
 * by row, and the final values.
 *
 * State by op (a, b, c are arrays of one double per value of the strip):
 *   sum, mean      a = running sum;                         c = count (NaN ignored)
 *   min, max       a = extreme so far
 *   std, var       a = running mean, b = sum of squared deviations (Welford);
 *                  c = count (NaN ignored)
 *   argmin/argmax  a = extreme so far, b = its frame index
 * The innermost loops run over the contiguous values of one chunk row and are
 * branch-free so that they vectorise.
 */
#include "query/accumulate.h"

#include <math.h>
#include <stdlib.h>

#include "core/checked.h"
#include "core/error_internal.h"

/* Where a row of values goes and which frame it belongs to. */
typedef struct row_ref {
    size_t off;        /* index of the row's first value in the strip arrays */
    size_t n;          /* values in the row */
    double frame;      /* absolute frame index */
    double inv_count;  /* 1 / (position in the selection + 1), for Welford without NaN */
} row_ref;

typedef void (*row_fn)(const blz_accum *acc, const float *x, const row_ref *r);

static inline void row_sum(const blz_accum *acc, const float *x, const row_ref *r)
{
    double *restrict a = acc->a + r->off;
#pragma omp simd
    for (size_t i = 0; i < r->n; i++)
        a[i] += x[i];
}

static inline void row_sum_ignore(const blz_accum *acc, const float *x, const row_ref *r)
{
    double *restrict a = acc->a + r->off, *restrict c = acc->c + r->off;
#pragma omp simd
    for (size_t i = 0; i < r->n; i++) {
        bool ok = x[i] == x[i];
        a[i] += ok ? x[i] : 0.0;
        c[i] += ok;
    }
}

static inline void row_welford(const blz_accum *acc, const float *x, const row_ref *r)
{
    double *restrict a = acc->a + r->off, *restrict b = acc->b + r->off;
    double inv = r->inv_count;
#pragma omp simd
    for (size_t i = 0; i < r->n; i++) {
        double d = x[i] - a[i];
        a[i] += d * inv;
        b[i] += d * (x[i] - a[i]);
    }
}

static inline void row_welford_ignore(const blz_accum *acc, const float *x, const row_ref *r)
{
    double *restrict a = acc->a + r->off, *restrict b = acc->b + r->off;
    double *restrict c = acc->c + r->off;
#pragma omp simd
    for (size_t i = 0; i < r->n; i++) {
        bool ok = x[i] == x[i];
        double v = ok ? (double)x[i] : a[i];
        c[i] += ok;
        double d = v - a[i];
        a[i] += d / (c[i] > 0.0 ? c[i] : 1.0);
        b[i] += d * (v - a[i]);
    }
}

/* Whether x replaces the extreme m: strictly better (first occurrence wins), or NaN
 * handling: propagate takes a NaN x, ignore replaces a NaN m (nothing seen yet). */
static inline bool takes(double x, double m, bool is_max, bool ignore)
{
    bool better = is_max ? x > m : x < m;
    return better || (ignore ? m != m : x != x);
}

static inline void row_extreme(const blz_accum *acc, const float *x, const row_ref *r,
                               bool is_max, bool ignore)
{
    double *restrict a = acc->a + r->off;
#pragma omp simd
    for (size_t i = 0; i < r->n; i++)
        a[i] = takes(x[i], a[i], is_max, ignore) ? x[i] : a[i];
}

/* Arg variants: propagate starts with index -1 (take the first value) and stops at a
 * NaN extreme; ignore starts with NaN and takes only non-NaN values. */
static inline void row_arg(const blz_accum *acc, const float *x, const row_ref *r,
                           bool is_max, bool ignore)
{
    double *restrict a = acc->a + r->off, *restrict b = acc->b + r->off;
    double t = r->frame;
#pragma omp simd
    for (size_t i = 0; i < r->n; i++) {
        double v = x[i];
        bool take = ignore ? v == v && takes(v, a[i], is_max, true)
                           : b[i] < 0.0 || (a[i] == a[i] && takes(v, a[i], is_max, false));
        a[i] = take ? v : a[i];
        b[i] = take ? t : b[i];
    }
}

static inline void row_min(const blz_accum *acc, const float *x, const row_ref *r)
{ row_extreme(acc, x, r, false, false); }
static inline void row_min_ignore(const blz_accum *acc, const float *x, const row_ref *r)
{ row_extreme(acc, x, r, false, true); }
static inline void row_max(const blz_accum *acc, const float *x, const row_ref *r)
{ row_extreme(acc, x, r, true, false); }
static inline void row_max_ignore(const blz_accum *acc, const float *x, const row_ref *r)
{ row_extreme(acc, x, r, true, true); }
static inline void row_argmin(const blz_accum *acc, const float *x, const row_ref *r)
{ row_arg(acc, x, r, false, false); }
static inline void row_argmin_ignore(const blz_accum *acc, const float *x, const row_ref *r)
{ row_arg(acc, x, r, false, true); }
static inline void row_argmax(const blz_accum *acc, const float *x, const row_ref *r)
{ row_arg(acc, x, r, true, false); }
static inline void row_argmax_ignore(const blz_accum *acc, const float *x, const row_ref *r)
{ row_arg(acc, x, r, true, true); }

/* Every selected frame, every valid row of the chunk, through fn (inlined per op). */
static inline __attribute__((always_inline)) void
fold_chunk(const blz_accum *acc, const blz_chunk_task *task, row_fn fn)
{
    size_t C = (size_t)task->channels;
    size_t row_values = (size_t)task->tw * C;
    row_ref r = { .n = (size_t)task->cols * C };
    for (int64_t f = 0; f < task->frame_count; f++) {
        int64_t t = task->first_frame + f * task->step;
        size_t local = (size_t)(task->local_first + f * task->step);
        r.frame = (double)t;
        r.inv_count = 1.0 / (double)(blz_selection_position(acc->sel, t) + 1);
        for (int32_t y = 0; y < task->rows; y++) {
            const float *x = task->values + (local * (size_t)task->th + (size_t)y) * row_values;
            r.off = ((size_t)(task->y0 + y - acc->y0) * (size_t)acc->width
                     + (size_t)task->x0) * C;
            fn(acc, x, &r);
        }
    }
}

#define FOLDER(name) \
    static void fold_##name(const blz_accum *acc, const blz_chunk_task *task) \
    { fold_chunk(acc, task, row_##name); }
FOLDER(sum) FOLDER(sum_ignore) FOLDER(welford) FOLDER(welford_ignore)
FOLDER(min) FOLDER(min_ignore) FOLDER(max) FOLDER(max_ignore)
FOLDER(argmin) FOLDER(argmin_ignore) FOLDER(argmax) FOLDER(argmax_ignore)
#undef FOLDER

typedef void (*fold_fn)(const blz_accum *acc, const blz_chunk_task *task);

/* Per streaming op: which state arrays it keeps (propagate / ignore) and its folders. */
enum { ARRAY_A = 1, ARRAY_B = 2, ARRAY_C = 4 };

typedef struct op_kind {
    int op;
    unsigned arrays, arrays_ignore;
    fold_fn fold, fold_ignore;
} op_kind;

static const op_kind op_kinds[] = {
    { BLZ_OP_MEAN, ARRAY_A, ARRAY_A | ARRAY_C, fold_sum, fold_sum_ignore },
    { BLZ_OP_SUM, ARRAY_A, ARRAY_A | ARRAY_C, fold_sum, fold_sum_ignore },
    { BLZ_OP_MIN, ARRAY_A, ARRAY_A, fold_min, fold_min_ignore },
    { BLZ_OP_MAX, ARRAY_A, ARRAY_A, fold_max, fold_max_ignore },
    { BLZ_OP_STD, ARRAY_A | ARRAY_B, ARRAY_A | ARRAY_B | ARRAY_C, fold_welford,
      fold_welford_ignore },
    { BLZ_OP_VAR, ARRAY_A | ARRAY_B, ARRAY_A | ARRAY_B | ARRAY_C, fold_welford,
      fold_welford_ignore },
    { BLZ_OP_ARGMIN, ARRAY_A | ARRAY_B, ARRAY_A | ARRAY_B, fold_argmin, fold_argmin_ignore },
    { BLZ_OP_ARGMAX, ARRAY_A | ARRAY_B, ARRAY_A | ARRAY_B, fold_argmax, fold_argmax_ignore },
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

size_t blz_accum_bytes_per_value(int op, bool ignore_nan)
{
    const op_kind *k = kind_of(op);
    return k ? (size_t)__builtin_popcount(ignore_nan ? k->arrays_ignore : k->arrays)
                   * sizeof(double)
             : 0;
}

int blz_accum_init(blz_accum *acc, int op, bool ignore_nan, int ddof, const blz_layout *layout,
                   const blz_selection *sel, int32_t max_rows, const char *path)
{
    *acc = (blz_accum){ .op = op, .ignore_nan = ignore_nan, .ddof = ddof,
                        .width = layout->width, .channels = layout->channels, .sel = sel };
    const op_kind *k = kind_of(op);
    unsigned arrays = ignore_nan ? k->arrays_ignore : k->arrays;
    size_t values;
    if (!blz_mul3_size((size_t)max_rows, (size_t)layout->width, (size_t)layout->channels,
                       &values))
        return blz_fail(BLZ_ERR_RANGE, "%s: accumulator size overflows", path);
    double **slots[3] = { &acc->a, &acc->b, &acc->c };
    for (int i = 0; i < 3; i++) {
        if (!(arrays & (1u << i)))
            continue;
        *slots[i] = calloc(values ? values : 1, sizeof(double));
        if (!*slots[i]) {
            blz_accum_free(acc);
            return blz_fail(BLZ_ERR_NOMEM, "%s: out of memory for %zu accumulators", path,
                            values);
        }
    }
    return BLZ_OK;
}

void blz_accum_free(blz_accum *acc)
{
    free(acc->a);
    free(acc->b);
    free(acc->c);
    acc->a = acc->b = acc->c = NULL;
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
    bool is_extreme = acc->op == BLZ_OP_MIN || acc->op == BLZ_OP_MAX;
    bool is_arg = acc->op == BLZ_OP_ARGMIN || acc->op == BLZ_OP_ARGMAX;
    double start = acc->op == BLZ_OP_MIN || acc->op == BLZ_OP_ARGMIN ? INFINITY : -INFINITY;
    fill(acc->a, n, (is_extreme || is_arg) && acc->ignore_nan ? NAN
                    : is_extreme || is_arg ? start : 0.0);
    fill(acc->b, n, is_arg ? (acc->ignore_nan ? NAN : -1.0) : 0.0);
    fill(acc->c, n, 0.0);
}

void blz_accum_chunk(const blz_accum *acc, const blz_chunk_task *task)
{
    const op_kind *k = kind_of(acc->op);
    (acc->ignore_nan ? k->fold_ignore : k->fold)(acc, task);
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
