/*
 * sliding.c - exact sliding-window state per value: double-double running sums for
 * mean and std, monotonic deques for min and max, sorted windows for median.
 */
#include "query/sliding.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "blitz/pipeline.h"
#include "blitz/query.h"
#include "core/checked.h"
#include "core/error_internal.h"

int blz_window_geometry(int kind, int64_t window, int64_t lag, int64_t frames,
                        const char *path, blz_window_geom *g)
{
    g->window = window;
    switch (kind) {
    case BLZ_WINDOW_BLITZ:
        g->first_output = g->first_start = lag + 1;
        g->outputs = frames - (lag + window);
        break;
    case BLZ_WINDOW_CENTRED:
        g->first_output = window / 2;
        g->first_start = 0;
        g->outputs = frames - window + 1;
        break;
    case BLZ_WINDOW_TRAILING:
        g->first_output = window - 1;
        g->first_start = 0;
        g->outputs = frames - window + 1;
        break;
    default:
        return blz_fail(BLZ_ERR_INVALID, "%s: unknown sliding window kind %d", path, kind);
    }
    if (window < 1 || lag < 0 || g->outputs < 1)
        return blz_fail(BLZ_ERR_INVALID,
                        "%s: a sliding window of %lld frames (lag %lld) does not fit in the "
                        "%lld selected frames", path, (long long)window, (long long)lag,
                        (long long)frames);
    return BLZ_OK;
}

int blz_slider_supports(int op)
{
    return op == BLZ_OP_MEAN || op == BLZ_OP_MIN || op == BLZ_OP_MAX || op == BLZ_OP_STD
           || op == BLZ_OP_MEDIAN;
}

static int uses_sums(int op)
{
    return op == BLZ_OP_MEAN || op == BLZ_OP_STD;
}

static int uses_deque(int op)
{
    return op == BLZ_OP_MIN || op == BLZ_OP_MAX;
}

size_t blz_slider_bytes_per_value(int op, int64_t window)
{
    size_t w = (size_t)window;
    if (uses_sums(op))
        return sizeof(int64_t) + 4 * sizeof(double);
    if (uses_deque(op))
        return 3 * sizeof(int64_t) + w * (sizeof(float) + sizeof(int64_t));
    return sizeof(int64_t) + w * sizeof(float);
}

static void *alloc_array(size_t n, size_t per, size_t size, int *ok)
{
    size_t bytes;
    if (!*ok || !blz_mul3_size(n, per, size, &bytes)) {
        *ok = 0;
        return NULL;
    }
    void *p = malloc(bytes ? bytes : 1);
    if (!p)
        *ok = 0;
    return p;
}

int blz_slider_init(blz_slider *s, int op, int64_t window, size_t n, const char *path)
{
    memset(s, 0, sizeof *s);
    s->op = op;
    s->window = window;
    s->n = n;
    int ok = 1;
    size_t w = (size_t)window;
    if (uses_sums(op)) {
        s->nan = alloc_array(n, 1, sizeof *s->nan, &ok);
        s->sum = alloc_array(n, 4, sizeof *s->sum, &ok);
    } else if (uses_deque(op)) {
        s->nan = alloc_array(n, 1, sizeof *s->nan, &ok);
        s->vals = alloc_array(n, w, sizeof *s->vals, &ok);
        s->idx = alloc_array(n, w, sizeof *s->idx, &ok);
        s->head = alloc_array(n, 1, sizeof *s->head, &ok);
        s->len = alloc_array(n, 1, sizeof *s->len, &ok);
    } else {
        s->vals = alloc_array(n, w, sizeof *s->vals, &ok);
        s->len = alloc_array(n, 1, sizeof *s->len, &ok);
    }
    if (!ok) {
        blz_slider_free(s);
        return blz_fail(BLZ_ERR_NOMEM, "%s: out of memory for sliding windows of %lld frames",
                        path, (long long)window);
    }
    for (size_t v = 0; v < n; v++)
        blz_slider_reset(s, v);
    return BLZ_OK;
}

void blz_slider_free(blz_slider *s)
{
    free(s->nan);
    free(s->sum);
    free(s->vals);
    free(s->idx);
    free(s->head);
    free(s->len);
    memset(s, 0, sizeof *s);
}

void blz_slider_reset(blz_slider *s, size_t v)
{
    if (s->nan)
        s->nan[v] = 0;
    if (s->sum)
        memset(s->sum + 4 * v, 0, 4 * sizeof *s->sum);
    if (s->head)
        s->head[v] = 0;
    if (s->len)
        s->len[v] = 0;
}

/* ---- double-double arithmetic (error-free transformations) ---- */

/* hi + lo += x, exactly up to the double-double's precision. */
static inline void dd_add(double *hi, double *lo, double x)
{
    double s = *hi + x;
    double bb = s - *hi;
    double err = (*hi - (s - bb)) + (x - bb) + *lo;
    *hi = s + err;
    *lo = err - (*hi - s);
}

/* (s2 - s1^2 / n) for double-doubles s1, s2: n times the population variance. */
static double dd_centred_squares(const double *sum, double n)
{
    double h = sum[0], l = sum[1];
    double ph = h * h;
    double pl = fma(h, h, -ph) + 2.0 * h * l;
    double qh = ph / n;
    double ql = (fma(-qh, n, ph) + pl) / n;
    double d = sum[2] - qh;
    double bb = d - sum[2];
    double err = (sum[2] - (d - bb)) + (-qh - bb) + sum[3] - ql;
    return d + err;
}

/* ---- deques and sorted windows ---- */

/* Slot of the k-th deque entry (head < window and k <= window: one wrap at most, no
 * division). */
static inline size_t deque_slot(const blz_slider *s, size_t v, int64_t k)
{
    int64_t at = s->head[v] + k;
    return v * (size_t)s->window + (size_t)(at >= s->window ? at - s->window : at);
}

static void deque_push(blz_slider *s, size_t v, float x, int64_t i)
{
    int keep_max = s->op == BLZ_OP_MAX;
    while (s->len[v] > 0) {
        float back = s->vals[deque_slot(s, v, s->len[v] - 1)];
        if (keep_max ? back > x : back < x)
            break;
        s->len[v]--;
    }
    size_t slot = deque_slot(s, v, s->len[v]++);
    s->vals[slot] = x;
    s->idx[slot] = i;
}

static void deque_pop(blz_slider *s, size_t v, int64_t i)
{
    if (s->len[v] > 0 && s->idx[deque_slot(s, v, 0)] == i) {
        s->head[v] = s->head[v] + 1 == s->window ? 0 : s->head[v] + 1;
        s->len[v]--;
    }
}

/* First position in sorted[0..n) whose value is >= x. */
static size_t lower_bound(const float *sorted, size_t n, float x)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (sorted[mid] < x)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static void sorted_insert(blz_slider *s, size_t v, float x)
{
    float *w = s->vals + v * (size_t)s->window;
    size_t n = (size_t)s->len[v], at = lower_bound(w, n, x);
    memmove(w + at + 1, w + at, (n - at) * sizeof *w);
    w[at] = x;
    s->len[v]++;
}

static void sorted_remove(blz_slider *s, size_t v, float x)
{
    float *w = s->vals + v * (size_t)s->window;
    size_t n = (size_t)s->len[v], at = lower_bound(w, n, x);
    if (at == n)
        return;
    memmove(w + at, w + at + 1, (n - at - 1) * sizeof *w);
    s->len[v]--;
}

void blz_slider_push(blz_slider *s, size_t v, float x, int64_t i)
{
    if (isnan(x)) {
        if (s->nan)
            s->nan[v]++;
        return;
    }
    if (uses_sums(s->op)) {
        double d = x;
        dd_add(&s->sum[4 * v], &s->sum[4 * v + 1], d);
        if (s->op == BLZ_OP_STD)
            dd_add(&s->sum[4 * v + 2], &s->sum[4 * v + 3], d * d);
    } else if (uses_deque(s->op)) {
        deque_push(s, v, x, i);
    } else {
        sorted_insert(s, v, x);
    }
}

void blz_slider_pop(blz_slider *s, size_t v, float x, int64_t i)
{
    if (isnan(x)) {
        if (s->nan)
            s->nan[v]--;
        return;
    }
    if (uses_sums(s->op)) {
        double d = x;
        dd_add(&s->sum[4 * v], &s->sum[4 * v + 1], -d);
        if (s->op == BLZ_OP_STD)
            dd_add(&s->sum[4 * v + 2], &s->sum[4 * v + 3], -(d * d));
    } else if (uses_deque(s->op)) {
        deque_pop(s, v, i);
    } else {
        sorted_remove(s, v, x);
    }
}

static double sorted_median(const blz_slider *s, size_t v)
{
    const float *w = s->vals + v * (size_t)s->window;
    int64_t n = s->len[v];
    if (n == 0)
        return NAN;
    if (n % 2)
        return w[n / 2];
    return ((double)w[n / 2 - 1] + (double)w[n / 2]) * 0.5;
}

/* Mean or std of a window of n values from its double-double sums. */
static inline double sums_value(const double *sum, int op, double n)
{
    if (op == BLZ_OP_MEAN)
        return (sum[0] + sum[1]) / n;
    double squares = dd_centred_squares(sum, n);
    return squares > 0 ? sqrt(squares / n) : 0.0;
}

double blz_slider_value(const blz_slider *s, size_t v)
{
    if (s->op == BLZ_OP_MEDIAN)
        return sorted_median(s, v);
    if (s->nan[v] > 0)
        return NAN;
    if (uses_sums(s->op))
        return sums_value(s->sum + 4 * v, s->op, (double)s->window);
    return s->vals[deque_slot(s, v, 0)];
}

/* Running sums of one stretch of a sweep: double-double sum (and sum of squares) and
 * NaN count of the current window. */
typedef struct sums_lane {
    double sum[4];
    int64_t nan;
} sums_lane;

static inline void lane_add(sums_lane *l, double d, double sign, bool squares)
{
    if (d != d) {
        l->nan += (int64_t)sign;
        return;
    }
    dd_add(&l->sum[0], &l->sum[1], sign * d);
    if (squares)
        dd_add(&l->sum[2], &l->sum[3], sign * (d * d));
}

/* Stretches of outputs swept side by side: each dd_add waits for the previous one, so a
 * single running sum is bound by latency; four independent ones overlap. Each stretch
 * first sums its own first window, which costs more additions but not more time: the
 * four fills overlap too. */
enum { LANES = 4 };

/* Mean and std swept with the running sums and NaN count in locals. Each window's sum
 * is exact (the double-double holds it without rounding), so stretches started at
 * different places give the same values as pushing and popping one at a time. */
static void sweep_sums(const blz_slider *s, const float *x, int64_t outputs, double *ref)
{
    bool squares = s->op == BLZ_OP_STD;
    int64_t W = s->window;
    double n = (double)W;
    int lanes = outputs >= LANES ? LANES : 1;
    int64_t stretch = (outputs + lanes - 1) / lanes;
    sums_lane lane[LANES] = { 0 };
    for (int64_t i = 0; i < W - 1; i++)   /* the fills, side by side too */
        for (int j = 0; j < lanes && j * stretch < outputs; j++)
            lane_add(&lane[j], x[j * stretch + i], 1.0, squares);
    for (int64_t t = 0; t < stretch; t++) {
        for (int j = 0; j < lanes; j++) {
            int64_t k = j * stretch + t;
            if (k >= outputs)
                continue;
            lane_add(&lane[j], x[k + W - 1], 1.0, squares);
            ref[k] = lane[j].nan > 0 ? NAN : sums_value(lane[j].sum, s->op, n);
            lane_add(&lane[j], x[k], -1.0, squares);
        }
    }
}

void blz_slider_sweep(blz_slider *s, size_t v, const float *x, int64_t outputs, double *ref)
{
    if (uses_sums(s->op)) {
        sweep_sums(s, x, outputs, ref);
        return;
    }
    blz_slider_reset(s, v);
    for (int64_t i = 0; i < s->window - 1; i++)
        blz_slider_push(s, v, x[i], i);
    for (int64_t k = 0; k < outputs; k++) {
        int64_t last = k + s->window - 1;
        blz_slider_push(s, v, x[last], last);
        ref[k] = blz_slider_value(s, v);
        blz_slider_pop(s, v, x[k], k);
    }
}
