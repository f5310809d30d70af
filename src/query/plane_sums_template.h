/*
 * plane_sums_template.h - the body of plane_sums.c for one vector width, included once
 * per width with PLANE_WIDTH (16, 32 or 64 bytes, so as many values per frame) and
 * PLANE_KERNEL (how the row function is compiled) defined (plane_sums.c).
 */
#define PW_NAME2(name, width) name##_##width
#define PW_NAME(name, width) PW_NAME2(name, width)
#define PW(name) PW_NAME(name, PLANE_WIDTH)

typedef unsigned char PW(bytes) __attribute__((vector_size(PLANE_WIDTH)));
typedef float PW(floats) __attribute__((vector_size(PLANE_WIDTH)));

/* Sums over frames frames of PLANE_WIDTH values of a row (first: their bytes in plane 0
 * of the first frame; the next frame stride bytes on), added to a[] in order; the
 * bytes `ahead` frames on are prefetched. The two rounds of interleaves of
 * blz_unshuffle_block (shuffle.h) on every 16-byte lane at once leave lane l of sum k
 * with values 16l+4k..16l+4k+3; the order is put right once, after the last frame. */
static inline __attribute__((always_inline)) void
PW(sum_planes)(const unsigned char *first, size_t plane, size_t stride, int64_t frames,
               size_t ahead, double *a)
{
    PW(floats) s0 = { 0 }, s1 = { 0 }, s2 = { 0 }, s3 = { 0 };
    for (int64_t f = 0; f < frames; f++) {
        const unsigned char *p = first + (size_t)f * stride;
        for (size_t k = 0; k < 4; k++)
            blz_prefetch(p + k * plane, ahead * stride);
        PW(bytes) p0, p1, p2, p3;
        memcpy(&p0, p, sizeof p0);
        memcpy(&p1, p + plane, sizeof p1);
        memcpy(&p2, p + 2 * plane, sizeof p2);
        memcpy(&p3, p + 3 * plane, sizeof p3);
        PW(bytes) t0 = __builtin_shufflevector(p0, p2, PW(INTERLEAVE_LO));
        PW(bytes) t1 = __builtin_shufflevector(p0, p2, PW(INTERLEAVE_HI));
        PW(bytes) t2 = __builtin_shufflevector(p1, p3, PW(INTERLEAVE_LO));
        PW(bytes) t3 = __builtin_shufflevector(p1, p3, PW(INTERLEAVE_HI));
        s0 += (PW(floats))__builtin_shufflevector(t0, t2, PW(INTERLEAVE_LO));
        s1 += (PW(floats))__builtin_shufflevector(t0, t2, PW(INTERLEAVE_HI));
        s2 += (PW(floats))__builtin_shufflevector(t1, t3, PW(INTERLEAVE_LO));
        s3 += (PW(floats))__builtin_shufflevector(t1, t3, PW(INTERLEAVE_HI));
    }
    const PW(floats) sums[4] = { s0, s1, s2, s3 };
    for (size_t m = 0; m < PLANE_WIDTH / 8; m++) {   /* values 8m..8m+7: lane m/2 of two sums */
        const PW(floats) lo = sums[m % 2 * 2], hi = sums[m % 2 * 2 + 1];
        size_t l = m / 2 * 4;
        floats8 part = { lo[l], lo[l + 1], lo[l + 2], lo[l + 3],
                         hi[l], hi[l + 1], hi[l + 2], hi[l + 3] };
        doubles8 total;
        memcpy(&total, a + 8 * m, sizeof total);
        total += __builtin_convertvector(part, doubles8);
        memcpy(a + 8 * m, &total, sizeof total);
    }
}

/* The same for the last n < PLANE_WIDTH values of a row: their bytes copied,
 * TAIL_FRAMES frames at a time, into zero-padded rows of PLANE_WIDTH, summed as above.
 * The batches' float32 sums are exact like the whole row's, so their double total is
 * too. */
static inline __attribute__((always_inline)) void
PW(sum_planes_tail)(const unsigned char *first, size_t plane, size_t stride,
                    int64_t frames, size_t n, double *a)
{
    unsigned char staged[TAIL_FRAMES][4][PLANE_WIDTH] = { { { 0 } } };
    double sums[PLANE_WIDTH] = { 0 };
    for (int64_t f0 = 0; f0 < frames; f0 += TAIL_FRAMES) {
        int64_t batch = frames - f0 < TAIL_FRAMES ? frames - f0 : TAIL_FRAMES;
        for (int64_t f = 0; f < batch; f++)
            for (size_t k = 0; k < 4; k++)
                memcpy(staged[f][k], first + (size_t)(f0 + f) * stride + k * plane, n);
        PW(sum_planes)(&staged[0][0][0], PLANE_WIDTH, 4 * PLANE_WIDTH, batch, 0, sums);
    }
    for (size_t i = 0; i < n; i++)
        a[i] += sums[i];
}

/* blz_plane_sums_row() at this width. */
PLANE_KERNEL static void
PW(plane_sums_row)(const unsigned char *first, size_t plane, size_t stride,
                   int64_t frames, size_t n, double *a)
{
    size_t i = 0;
    for (; i + PLANE_WIDTH <= n; i += PLANE_WIDTH)
        PW(sum_planes)(first + i, plane, stride, frames, BLZ_PLANE_PREFETCH_FRAMES,
                       a + i);
    if (i < n)
        PW(sum_planes_tail)(first + i, plane, stride, frames, n - i, a + i);
}

#undef PW
#undef PW_NAME
#undef PW_NAME2
