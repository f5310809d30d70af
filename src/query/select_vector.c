/*
 * select_vector.c - two neighbouring ranks of a buffer of floats by vector partitioning,
 * on processors with AVX-512.
 *
 * Each pass splits the values around a pivot (the median of the first, middle and last
 * of them) 16 at a time: two comparisons give the masks of the values below and above
 * it, and compress instructions pack each side into its own buffer; values equal to the
 * pivot are only counted. The rank is then among those below, among the equal ones
 * (done), or among those above, and the next pass reads that side. What is left at
 * VECTOR values or fewer is ranked directly: a value's rank is the count of values
 * below it, a comparison of the whole rest against it. The neighbour rank needed for
 * interpolation is the smallest value above the part the rank is in: the pivot of the
 * last pass that went below it, or the least value of a side. Unlucky pivots (a pass
 * that drops less than an eighth, too often) hand the part to introselect, so the worst
 * case stays O(n log n).
 */
#include "query/select_vector.h"

#include <immintrin.h>
#include <math.h>

#include "query/select.h"

enum { VECTOR = 16 };

/* Passes that drop less than an eighth of their values allowed before introselect. */
enum { LOPSIDED_PASSES = 8 };

#define AVX512 __attribute__((target("avx512f")))

/* Values of x (lanes in mask `valid`) below and above p appended to below[*nb] and
 * above[*na] (each written a whole vector on). */
AVX512 static inline void split_vector(__m512 x, __m512 p, __mmask16 valid, float *below,
                                       size_t *nb, float *above, size_t *na)
{
    __mmask16 lt = _mm512_mask_cmp_ps_mask(valid, x, p, _CMP_LT_OQ);
    __mmask16 gt = _mm512_mask_cmp_ps_mask(valid, x, p, _CMP_GT_OQ);
    _mm512_storeu_ps(below + *nb, _mm512_maskz_compress_ps(lt, x));
    _mm512_storeu_ps(above + *na, _mm512_maskz_compress_ps(gt, x));
    *nb += (size_t)__builtin_popcount(lt);
    *na += (size_t)__builtin_popcount(gt);
}

/* Lanes 0..n-1 of a vector (n <= VECTOR). */
static inline __mmask16 first_lanes(size_t n)
{
    return (__mmask16)((1u << n) - 1);
}

/* The values of part[0..n) below pivot go to below[], those above to above[] (each
 * written up to VECTOR - 1 values past its end); their counts returned through
 * n_below, n_above. */
AVX512 static void partition(const float *part, size_t n, float pivot, float *below,
                             size_t *n_below, float *above, size_t *n_above)
{
    __m512 p = _mm512_set1_ps(pivot);
    size_t nb = 0, na = 0, i = 0;
    for (; i + VECTOR <= n; i += VECTOR)
        split_vector(_mm512_loadu_ps(part + i), p, first_lanes(VECTOR), below, &nb, above, &na);
    if (i < n)
        split_vector(_mm512_maskz_loadu_ps(first_lanes(n - i), part + i), p,
                     first_lanes(n - i), below, &nb, above, &na);
    *n_below = nb;
    *n_above = na;
}

AVX512 static float least_of(const float *v, size_t n)
{
    __m512 m = _mm512_set1_ps(INFINITY);
    for (size_t i = 0; i < n; i += VECTOR) {
        __mmask16 valid = first_lanes(n - i < VECTOR ? n - i : VECTOR);
        m = _mm512_mask_min_ps(m, valid, m, _mm512_maskz_loadu_ps(valid, v + i));
    }
    return _mm512_reduce_min_ps(m);
}

/* Value of rank k of part[0..n), n <= VECTOR: the value with fewer than k + 1 values
 * below it and at least k + 1 at or below it. */
AVX512 static float rank_in_vector(const float *part, size_t n, size_t k)
{
    __mmask16 valid = first_lanes(n);
    __m512 x = _mm512_maskz_loadu_ps(valid, part);
    for (size_t i = 0;; i++) {
        __m512 p = _mm512_set1_ps(part[i]);
        size_t lt = (size_t)__builtin_popcount(_mm512_mask_cmp_ps_mask(valid, x, p, _CMP_LT_OQ));
        size_t le = (size_t)__builtin_popcount(_mm512_mask_cmp_ps_mask(valid, x, p, _CMP_LE_OQ));
        if (lt <= k && k < le)
            return part[i];
    }
}

static float median_of_three(float a, float b, float c)
{
    float lo = a < b ? a : b, hi = a < b ? b : a;
    return c < lo ? lo : c > hi ? hi : c;
}

/* Ranks k and k + 1 of part[0..n) by introselect (the second ignored when `last`),
 * the smallest value above the part being `next`. */
static void ranks_by_introselect(float *part, size_t n, size_t k, bool last, float next,
                                 double *at_lo, double *at_hi)
{
    blz_nth_element(part, n, k);
    float hi = next;
    for (size_t i = k + 1; i < n; i++)
        hi = part[i] < hi ? part[i] : hi;
    *at_lo = part[k];
    *at_hi = last ? *at_lo : hi;
}

AVX512 static void vector_ranks(const float *v, size_t n, size_t k, float *scratch,
                                double *at_lo, double *at_hi)
{
    bool last = k + 1 >= n;
    size_t room = n + VECTOR;
    float *buf[3] = { scratch, scratch + room, scratch + 2 * room };
    int at = -1;           /* the part is v (-1) or buf[at] */
    float next = INFINITY; /* the smallest value above the part, once a pass went below */
    int lopsided = 0;
    while (n > VECTOR) {
        const float *part = at < 0 ? v : buf[at];
        int low = at == 0 ? 1 : 0, high = at == 2 ? 1 : 2; /* the two other buffers */
        float pivot = median_of_three(part[0], part[n / 2], part[n - 1]);
        size_t nb, na;
        partition(part, n, pivot, buf[low], &nb, buf[high], &na);
        size_t ne = n - nb - na, kept;
        if (k < nb) {
            next = pivot;
            at = low;
            kept = nb;
        } else if (k < nb + ne) {
            *at_lo = pivot;
            *at_hi = last || k + 1 < nb + ne ? pivot : na > 0 ? least_of(buf[high], na) : next;
            return;
        } else {
            k -= nb + ne;
            at = high;
            kept = na;
        }
        lopsided += kept > n - n / 8;
        n = kept;
        if (lopsided > LOPSIDED_PASSES) {
            ranks_by_introselect(buf[at], n, k, last, next, at_lo, at_hi);
            return;
        }
    }
    const float *part = at < 0 ? v : buf[at];
    *at_lo = rank_in_vector(part, n, k);
    *at_hi = last ? *at_lo : k + 1 < n ? rank_in_vector(part, n, k + 1) : next;
}

bool blz_vector_ranks_available(void)
{
    return __builtin_cpu_supports("avx512f");
}

void blz_vector_ranks(const float *v, size_t n, size_t k, float *scratch, double *at_lo,
                      double *at_hi)
{
    vector_ranks(v, n, k, scratch, at_lo, at_hi);
}
