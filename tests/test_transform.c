/*
 * test_transform.c - geometry transforms checked against numpy.
 *
 * The reference resize is written independently of the library's weight tables: each
 * source pixel is repeated D times along an axis (a grid of 1/D pixel), and output pixel
 * d is the mean of S consecutive fine samples, which is exactly the area average over
 * [d*S/D, (d+1)*S/D). Crop, transpose and flips are numpy slicing and must match
 * exactly; resized values match to float rounding.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blitz/blitz.h"
#include "ingest/transform.h"
#include "testutil.h"

/* One case: a w x h x c source with pattern seed, the geometry, and the resized size
 * the reference should use (rw x rh). */
typedef struct tcase {
    int32_t w, h, c;
    blz_geometry g;
    int32_t rw, rh;
    int32_t out_w, out_h;
} tcase;

static const char *reference_py =
    "import numpy as np, sys\n"
    "d = sys.argv\n"
    "w, h, c, rw, rh, cx, cy, cw, ch, tr, fx, fy, exact = map(int, d[3:16])\n"
    "def area(a, axis, D):\n"
    "    S = a.shape[axis]\n"
    "    fine = np.repeat(a, D, axis=axis)\n"
    "    shape = list(fine.shape); shape[axis:axis + 1] = [D, S]\n"
    "    return fine.reshape(shape).mean(axis=axis + 1)\n"
    "src = np.fromfile(d[1], dtype='<f4').reshape(h, w, c).astype(np.float64)\n"
    "r = area(area(src, 0, rh), 1, rw)\n"
    "if cw > 0: r = r[cy:cy + ch, cx:cx + cw]\n"
    "if tr: r = r.transpose(1, 0, 2)\n"
    "if fx: r = r[:, ::-1]\n"
    "if fy: r = r[::-1]\n"
    "got = np.fromfile(d[2], dtype='<f4')\n"
    "if got.size != r.size: sys.exit('size %d != %d' % (got.size, r.size))\n"
    "got = got.reshape(r.shape)\n"
    "ok = np.array_equal(got, r.astype(np.float32)) if exact else "
    "np.allclose(got, r, rtol=2e-6, atol=2e-5)\n"
    "if not ok: sys.exit('max difference %g' % np.abs(got - r).max())\n";

static void write_floats(const char *path, const float *v, size_t n)
{
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(v, sizeof *v, n, f), n);
    ck_assert_int_eq(fclose(f), 0);
}

/* Transform a pattern frame and compare with numpy; exact when no resize happens. */
static void check_case(const tcase *k, uint32_t seed)
{
    ck_assert_msg(tu_have_numpy(), "numpy is needed through /usr/bin/python3");
    char *dir = tu_tmpdir();
    char *in = tu_fmt("%s/in.f32", dir), *out = tu_fmt("%s/out.f32", dir);
    char *py = tu_fmt("%s/ref.py", dir);
    const size_t n_in = (size_t)k->w * k->h * k->c;
    float *src = malloc(n_in * sizeof *src);
    tu_fill_ints(src, n_in, seed, 1000);
    blz_transform *t;
    ck_assert_int_eq(blz_transform_create(&t, k->w, k->h, k->c, &k->g), BLZ_OK);
    int32_t ow, oh;
    blz_transform_output_size(t, &ow, &oh);
    ck_assert_int_eq(ow, k->out_w);
    ck_assert_int_eq(oh, k->out_h);
    const size_t n_out = (size_t)ow * oh * k->c;
    float *dst = malloc(n_out * sizeof *dst);
    blz_transform_apply(t, src, dst);
    /* a second frame through the same plan must give the same result */
    float *again = malloc(n_out * sizeof *again);
    blz_transform_apply(t, src, again);
    ck_assert(memcmp(dst, again, n_out * sizeof *dst) == 0);
    write_floats(in, src, n_in);
    write_floats(out, dst, n_out);
    FILE *f = fopen(py, "w");
    fputs(reference_py, f);
    fclose(f);
    const int exact = k->rw == k->w && k->rh == k->h;
    ck_assert_int_eq(tu_sh("/usr/bin/python3 %s %s %s %d %d %d %d %d %d %d %d %d %d %d %d %d",
                           py, in, out, k->w, k->h, k->c, k->rw, k->rh, k->g.crop_x,
                           k->g.crop_y, k->g.crop_w, k->g.crop_h, k->g.transpose,
                           k->g.flip_x, k->g.flip_y, exact), 0);
    blz_transform_free(t);
    free(src);
    free(dst);
    free(again);
    free(in);
    free(out);
    free(py);
    tu_rmtree(dir);
    free(dir);
}

START_TEST(identity_copies)
{
    const tcase k = { .w = 7, .h = 5, .c = 1, .rw = 7, .rh = 5, .out_w = 7, .out_h = 5 };
    check_case(&k, 1);
}
END_TEST

START_TEST(integer_factor_is_block_mean)
{
    const tcase half = { .w = 12, .h = 8, .c = 1, .g = { .scale = 0.5 }, .rw = 6, .rh = 4,
                         .out_w = 6, .out_h = 4 };
    check_case(&half, 2);
    const tcase third = { .w = 12, .h = 9, .c = 3, .g = { .size_w = 4, .size_h = 3 },
                          .rw = 4, .rh = 3, .out_w = 4, .out_h = 3 };
    check_case(&third, 3);
    /* block means of integers by a power of two are exact in float */
    float src[16], dst[4];
    for (int i = 0; i < 16; i++)
        src[i] = (float)i;
    blz_transform *t;
    const blz_geometry g = { .scale = 0.5 };
    ck_assert_int_eq(blz_transform_create(&t, 4, 4, 1, &g), BLZ_OK);
    blz_transform_apply(t, src, dst);
    ck_assert_float_eq(dst[0], (0 + 1 + 4 + 5) / 4.0f);
    ck_assert_float_eq(dst[3], (10 + 11 + 14 + 15) / 4.0f);
    blz_transform_free(t);
}
END_TEST

START_TEST(fractional_factor_is_area_weighted)
{
    const tcase a = { .w = 10, .h = 7, .c = 1, .g = { .size_w = 4, .size_h = 3 },
                      .rw = 4, .rh = 3, .out_w = 4, .out_h = 3 };
    check_case(&a, 4);
    const tcase b = { .w = 13, .h = 11, .c = 3, .g = { .scale = 0.7 }, .rw = 9, .rh = 8,
                      .out_w = 9, .out_h = 8 };
    check_case(&b, 5);
    const tcase up = { .w = 5, .h = 4, .c = 1, .g = { .size_w = 8, .size_h = 6 },
                       .rw = 8, .rh = 6, .out_w = 8, .out_h = 6 };
    check_case(&up, 6);
}
END_TEST

START_TEST(crop_after_resize)
{
    const tcase k = { .w = 20, .h = 15, .c = 3,
                      .g = { .size_w = 7, .size_h = 6, .crop_x = 2, .crop_y = 1,
                             .crop_w = 4, .crop_h = 5 },
                      .rw = 7, .rh = 6, .out_w = 4, .out_h = 5 };
    check_case(&k, 7);
}
END_TEST

START_TEST(crop_transpose_flips_exact)
{
    for (int m = 0; m < 8; m++) {
        const tcase k = { .w = 9, .h = 6, .c = 1 + 2 * (m & 1),
                          .g = { .crop_x = 1, .crop_y = 2, .crop_w = 5, .crop_h = 3,
                                 .transpose = (m >> 2) & 1, .flip_x = m & 1,
                                 .flip_y = (m >> 1) & 1 },
                          .rw = 9, .rh = 6,
                          .out_w = (m >> 2) & 1 ? 3 : 5, .out_h = (m >> 2) & 1 ? 5 : 3 };
        check_case(&k, 10 + (uint32_t)m);
    }
    const tcase whole = { .w = 4, .h = 3, .c = 1, .g = { .transpose = 1, .flip_y = 1 },
                          .rw = 4, .rh = 3, .out_w = 3, .out_h = 4 };
    check_case(&whole, 20);
}
END_TEST

START_TEST(resize_then_orient)
{
    const tcase k = { .w = 16, .h = 10, .c = 3,
                      .g = { .scale = 0.5, .crop_x = 1, .crop_y = 0, .crop_w = 6,
                             .crop_h = 4, .transpose = 1, .flip_x = 1 },
                      .rw = 8, .rh = 5, .out_w = 4, .out_h = 6 };
    check_case(&k, 21);
}
END_TEST

START_TEST(invalid_geometry_refused)
{
    blz_transform *t;
    const blz_geometry outside = { .crop_x = 5, .crop_y = 0, .crop_w = 6, .crop_h = 2 };
    ck_assert_int_eq(blz_transform_create(&t, 10, 4, 1, &outside), BLZ_ERR_INVALID);
    ck_assert_ptr_null(t);
    ck_assert_ptr_nonnull(strstr(blz_errmsg(), "crop 5,0,6,2"));
    /* the crop is in resized coordinates: inside the source, outside the resized frame */
    const blz_geometry resized = { .scale = 0.5, .crop_w = 6, .crop_h = 2 };
    ck_assert_int_eq(blz_transform_create(&t, 10, 4, 1, &resized), BLZ_ERR_INVALID);
    const blz_geometry both = { .scale = 0.5, .size_w = 3, .size_h = 3 };
    ck_assert_int_eq(blz_transform_create(&t, 10, 4, 1, &both), BLZ_ERR_INVALID);
    const blz_geometry negative = { .scale = -1 };
    ck_assert_int_eq(blz_transform_create(&t, 10, 4, 1, &negative), BLZ_ERR_INVALID);
    const blz_geometry half_size = { .size_w = 3 };
    ck_assert_int_eq(blz_transform_create(&t, 10, 4, 1, &half_size), BLZ_ERR_INVALID);
}
END_TEST

static Suite *transform_suite(void)
{
    Suite *s = suite_create("transform");
    TCase *tc = tcase_create("geometry");
    tcase_add_test(tc, identity_copies);
    tcase_add_test(tc, integer_factor_is_block_mean);
    tcase_add_test(tc, fractional_factor_is_area_weighted);
    tcase_add_test(tc, crop_after_resize);
    tcase_add_test(tc, crop_transpose_flips_exact);
    tcase_add_test(tc, resize_then_orient);
    tcase_add_test(tc, invalid_geometry_refused);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run_suite(transform_suite());
}
