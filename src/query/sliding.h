/*
 * sliding.h - exact sliding-window reductions, one window per value (pixel-channel):
 * the window geometry of each kind, and the per-value state that values are pushed
 * into and popped out of in frame order.
 *
 * mean keeps the window's sum, std also its sum of squares, as double-double numbers
 * updated with error-free transformations (TwoSum; a float's square is exact in
 * double), so the running sums never drift and cost O(1) per frame whatever the
 * window. min and max keep a monotonic deque (amortised O(1)). median keeps the
 * window's values sorted (binary search, memmove: O(window) bytes moved per frame).
 * NaN: mean, std, min and max give NaN while a NaN is in the window; median leaves
 * NaN values out (NaN when the window holds nothing else).
 */
#ifndef BLITZ_QUERY_SLIDING_H
#define BLITZ_QUERY_SLIDING_H

#include <stddef.h>
#include <stdint.h>

/* Where the windows fall among T input positions: output n processes position
 * first_output + n against the window first_start + n .. first_start + n + window-1. */
typedef struct blz_window_geom {
    int64_t window;
    int64_t first_output, first_start;
    int64_t outputs;     /* number of output frames (>= 1) */
} blz_window_geom;

/* Geometry of kind (enum blz_window_kind) for T input frames; BLZ_ERR_INVALID naming
 * path when no frame has a full window. */
int blz_window_geometry(int kind, int64_t window, int64_t lag, int64_t frames,
                        const char *path, blz_window_geom *geom);

/* Window state of n values. */
typedef struct blz_slider {
    int op;                  /* BLZ_OP_MEAN, MIN, MAX, STD or MEDIAN */
    int64_t window;
    size_t n;
    int64_t *nan;            /* mean, std, min, max: NaN values in the window */
    double *sum;             /* mean, std: hi, lo of the sum, hi, lo of the sum of squares */
    float *vals;             /* min, max: deque values; median: sorted values (window each) */
    int64_t *idx;            /* min, max: deque positions (window each) */
    int64_t *head, *len;     /* deque ring head and length; median: count in vals */
} blz_slider;

/* Whether op can slide. */
int blz_slider_supports(int op);

/* State bytes per value for op and window. */
size_t blz_slider_bytes_per_value(int op, int64_t window);

int blz_slider_init(blz_slider *s, int op, int64_t window, size_t n, const char *path);
void blz_slider_free(blz_slider *s);

/* Empty value v's window. */
void blz_slider_reset(blz_slider *s, size_t v);

/* Add x (input position i) to value v's window / remove the oldest value, which was
 * x at position i. */
void blz_slider_push(blz_slider *s, size_t v, float x, int64_t i);
void blz_slider_pop(blz_slider *s, size_t v, float x, int64_t i);

/* The reduction of value v's window (which holds s->window values). */
double blz_slider_value(const blz_slider *s, size_t v);

/* The window swept over a whole series: ref[k] is the reduction of x[k .. k + window -
 * 1] for k < outputs, the same values as pushing, reading and popping one at a time
 * (mean and std keep their running sums in locals; the others use value v's state,
 * reset first). */
void blz_slider_sweep(blz_slider *s, size_t v, const float *x, int64_t outputs, double *ref);

#endif
