/*
 * test_npy.c - the .npy reader and writer against numpy itself.
 *
 * numpy (/usr/bin/python3) writes arrays of every dtype, byte order and memory order
 * with values it also prints; blz_npy_load must give the same numbers. Arrays written
 * by blz_npy_write are loaded back by numpy and compared. Hostile headers are refused.
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blitz/npy.h"
#include "testutil.h"


/* numpy writes tu_dir/a.npy of dtype with values i*7 % 101 - 40 (clipped at 0 for unsigned). */
static void numpy_save(const char *dtype, const char *shape, int fortran)
{
    char *prog = tu_fmt(
        "import numpy as np\n"
        "shape=%s\n"
        "v=(np.arange(int(np.prod(shape)))*7 %% 101 - 40).reshape(shape)\n"
        "dt=np.dtype('%s')\n"
        "v=np.clip(v,0,None) if dt.kind=='u' else v\n"
        "a=v.astype(dt)\n"
        "a=np.asfortranarray(a) if %d else a\n"
        "np.save('%s/a.npy', a)\n", shape, dtype, fortran, tu_dir);
    ck_assert_int_eq(tu_python(prog), 0);
    free(prog);
}

static void check_load(const char *dtype, int expect_dtype, int fortran)
{
    numpy_save(dtype, "(3,4,5)", fortran);
    char *path = tu_fmt("%s/a.npy", tu_dir);
    blz_npy_header h;
    double *v;
    ck_assert_int_eq(blz_npy_load(path, &h, &v), BLZ_OK);
    ck_assert_int_eq(h.dtype, expect_dtype);
    ck_assert_int_eq(h.ndim, 3);
    ck_assert_int_eq(h.fortran_order, fortran);
    ck_assert(h.shape[0] == 3 && h.shape[1] == 4 && h.shape[2] == 5);
    int is_unsigned = dtype[1] == 'u';
    for (int i = 0; i < 60; i++) {
        double want = (double)(i * 7 % 101 - 40);
        if (is_unsigned && want < 0)
            want = 0;
        ck_assert_msg(v[i] == want, "%s[%d]: %g != %g", dtype, i, v[i], want);
    }
    free(v);
    free(path);
}

START_TEST(load_every_dtype)
{
    if (!tu_have_numpy())
        return;
    static const struct { const char *descr; int dtype; } cases[] = {
        {"<u1", BLZ_DTYPE_U8}, {"<i1", BLZ_DTYPE_I8}, {"<u2", BLZ_DTYPE_U16},
        {">u2", BLZ_DTYPE_U16}, {"<i2", BLZ_DTYPE_I16}, {"<i4", BLZ_DTYPE_I32},
        {"<u4", BLZ_DTYPE_U32}, {"<i8", BLZ_DTYPE_I64}, {"<f4", BLZ_DTYPE_F32},
        {">f4", BLZ_DTYPE_F32}, {"<f8", BLZ_DTYPE_F64}, {">f8", BLZ_DTYPE_F64}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        check_load(cases[i].descr, cases[i].dtype, 0);
        check_load(cases[i].descr, cases[i].dtype, 1);
    }
}
END_TEST

START_TEST(write_read_by_numpy)
{
    if (!tu_have_numpy())
        return;
    float f[2 * 3 * 2];
    double d[2 * 3 * 2];
    for (int i = 0; i < 12; i++) {
        f[i] = (float)i * 0.5f - 2.0f;
        d[i] = (double)i / 3.0;
    }
    int64_t shape[3] = {2, 3, 2};
    char *pf = tu_fmt("%s/f.npy", tu_dir), *pd = tu_fmt("%s/d.npy", tu_dir);
    ck_assert_int_eq(blz_npy_write(pf, BLZ_DTYPE_F32, f, 3, shape), BLZ_OK);
    ck_assert_int_eq(blz_npy_write(pd, BLZ_DTYPE_F64, d, 3, shape), BLZ_OK);
    char *prog = tu_fmt(
        "import numpy as np\n"
        "f=np.load('%s'); d=np.load('%s')\n"
        "assert f.dtype==np.float32 and f.shape==(2,3,2), (f.dtype, f.shape)\n"
        "assert d.dtype==np.float64 and d.shape==(2,3,2)\n"
        "i=np.arange(12).reshape(2,3,2)\n"
        "assert (f==(i.astype(np.float32)*np.float32(0.5)-2)).all()\n"
        "assert (d==i/3.0).all()\n", pf, pd);
    ck_assert_int_eq(tu_python(prog), 0);
    ck_assert_int_eq(tu_count_entries(tu_dir), 2);
    free(prog);
    free(pf);
    free(pd);
}
END_TEST

static int parse_text(const char *dict)
{
    char buf[256];
    size_t n = strlen(dict);
    memcpy(buf, "\x93NUMPY\x01\x00", 8);
    buf[8] = (char)n;
    buf[9] = 0;
    memcpy(buf + 10, dict, n);
    blz_npy_header h;
    return blz_npy_parse(buf, 10 + n, "hostile.npy", &h);
}

START_TEST(hostile_headers)
{
    ck_assert_int_eq(parse_text("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }"),
                     BLZ_OK);
    ck_assert_int_eq(parse_text("{'descr': '|O', 'fortran_order': False, 'shape': (2,), }"),
                     BLZ_ERR_UNSUPPORTED);
    ck_assert_int_eq(parse_text("{'descr': [('a', '<f4')], 'fortran_order': False, "
                                "'shape': (2,), }"), BLZ_ERR_UNSUPPORTED);
    ck_assert_int_eq(parse_text("{'descr': '<c8', 'fortran_order': False, 'shape': (2,), }"),
                     BLZ_ERR_UNSUPPORTED);
    ck_assert_int_eq(parse_text("{'descr': '<f4', 'fortran_order': False, "
                                "'shape': (4294967296, 4294967296, 4294967296), }"),
                     BLZ_ERR_RANGE);
    ck_assert_int_eq(parse_text("{'descr': '<f4', 'fortran_order': Maybe, 'shape': (2,), }"),
                     BLZ_ERR_FORMAT);
    ck_assert_int_eq(parse_text("{'descr': '<f4', 'shape': (2,), }"), BLZ_ERR_FORMAT);
    ck_assert_int_eq(parse_text("{'descr': '<f4', 'fortran_order': False, 'shape': (2, -1), }"),
                     BLZ_ERR_FORMAT);
    blz_npy_header h;
    ck_assert_int_eq(blz_npy_parse("\x93NUMPY\x01\x00\xff\x00{'descr'", 17, "t.npy", &h),
                     BLZ_ERR_FORMAT);
    ck_assert_int_eq(blz_npy_parse("PK\x03\x04 not numpy", 16, "t.npy", &h), BLZ_ERR_FORMAT);
}
END_TEST

START_TEST(truncated_data_refused)
{
    if (!tu_have_numpy())
        return;
    numpy_save("<f4", "(10,10)", 0);
    ck_assert_int_eq(tu_sh("truncate -s -4 %s/a.npy", tu_dir), 0);
    char *path = tu_fmt("%s/a.npy", tu_dir);
    blz_npy_header h;
    ck_assert_int_eq(blz_npy_read_header(path, &h), BLZ_ERR_FORMAT);
    ck_assert_ptr_nonnull(strstr(blz_errmsg(), "a.npy"));
    free(path);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("npy");
    TCase *tc = tcase_create("npy");
    tcase_add_checked_fixture(tc, tu_dir_setup, tu_dir_teardown);
    tcase_add_test(tc, load_every_dtype);
    tcase_add_test(tc, write_read_by_numpy);
    tcase_add_test(tc, hostile_headers);
    tcase_add_test(tc, truncated_data_refused);
    suite_add_tcase(s, tc);
    return tu_run_suite(s);
}
