/*
 * test_npy_source.c - the .npy frame source against arrays written by numpy.
 *
 * For each dtype, byte order, memory order and layout, numpy writes the array and,
 * independently, the frames blitz should deliver (T x H x W x C float32, with numpy's
 * own axis handling, float32 rounding and gray formula). The source must match them
 * exactly. Arrays blitz cannot read (object, structured, 1-D, 5 channels, empty,
 * damaged) must be refused with the matching status.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blitz/blitz.h"
#include "ingest/source.h"
#include "testutil.h"

static const char *writer_py =
    "import numpy as np, sys\n"
    "path, ref, dtype, order, shape, layout, rgb = sys.argv[1:8]\n"
    "shape = tuple(int(s) for s in shape.split('x'))\n"
    "v = (np.arange(int(np.prod(shape))) * 37 % 1009).astype(np.float64)\n"
    "dt = np.dtype(dtype)\n"
    "if dt.kind == 'f': v = v * 0.5 - 200.25\n"
    "elif dt.kind == 'i': v = v - 100\n"
    "if dt.itemsize == 1: v = v % 100\n"
    "a = v.reshape(shape).astype(dt)\n"
    "if order == 'F': a = np.asfortranarray(a)\n"
    "np.save(path, a)\n"
    "t = {'HW': lambda a: a[None, :, :, None], 'THW': lambda a: a[..., None],\n"
    "     'HWC': lambda a: a[None], 'THWC': lambda a: a}[layout](a).astype(np.float32)\n"
    "if t.shape[3] == 4: t = t[..., :3]\n"
    "if t.shape[3] == 3 and rgb == '0':\n"
    "    d = t.astype(np.float64)\n"
    "    t = (0.299 * d[..., 0] + 0.587 * d[..., 1] + 0.114 * d[..., 2])\n"
    "    t = t.astype(np.float32)[..., None]\n"
    "if t.shape[3] == 1 and rgb == '1': t = np.repeat(t, 3, axis=3)\n"
    "np.ascontiguousarray(t).astype('<f4').tofile(ref)\n";

typedef struct npy_case {
    const char *dtype, *order, *shape, *layout;
    const char *axes;          /* option given to the source, NULL = guess */
    int rgb;
    int frames, height, width, channels;   /* what the source must deliver */
} npy_case;

static float *read_reference(const char *path, size_t n)
{
    float *v = malloc(n * sizeof *v);
    FILE *f = fopen(path, "rb");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fread(v, sizeof *v, n, f), n);
    ck_assert_int_eq(fgetc(f), EOF);
    fclose(f);
    return v;
}

static void check_case(const npy_case *k)
{
    ck_assert_msg(tu_have_numpy(), "numpy is needed through /usr/bin/python3");
    char *dir = tu_tmpdir();
    char *py = tu_fmt("%s/w.py", dir), *npy = tu_fmt("%s/a.npy", dir);
    char *ref = tu_fmt("%s/ref.f32", dir);
    FILE *f = fopen(py, "w");
    fputs(writer_py, f);
    fclose(f);
    ck_assert_int_eq(tu_sh("/usr/bin/python3 %s %s %s '%s' %s %s %s %d", py, npy, ref,
                           k->dtype, k->order, k->shape, k->layout, k->rgb), 0);
    blz_source *s;
    const blz_source_options o = { .stream = -1, .rgb = k->rgb, .axes = k->axes };
    ck_assert_msg(blz_npy_source_open(&s, npy, &o) == BLZ_OK, "%s", blz_errmsg());
    ck_assert_int_eq(s->info.frames_hint, k->frames);
    ck_assert_int_eq(s->info.height, k->height);
    ck_assert_int_eq(s->info.width, k->width);
    ck_assert_int_eq(s->info.channels, k->channels);
    const size_t frame = (size_t)k->height * k->width * k->channels;
    float *want = read_reference(ref, frame * (size_t)k->frames);
    blz_frame fr;
    for (int t = 0; t < k->frames; t++) {
        ck_assert_int_eq(blz_source_next(s, true, &fr), 1);
        ck_assert_int_eq(fr.index, t);
        size_t bad = 0, first = 0;
        for (size_t i = 0; i < frame; i++)
            if (fr.values[i] != want[(size_t)t * frame + i] && bad++ == 0)
                first = i;
        ck_assert_msg(bad == 0, "%s %s %s: frame %d: %zu values differ, first %zu: %g != %g",
                      k->dtype, k->order, k->shape, t, bad, first, fr.values[first],
                      want[(size_t)t * frame + first]);
    }
    ck_assert_int_eq(blz_source_next(s, true, &fr), 0);
    blz_source_close(s);
    free(want);
    free(py);
    free(npy);
    free(ref);
    tu_rmtree(dir);
    free(dir);
}

static const npy_case cases[] = {
    { "u1", "C", "7x6", "HW", NULL, 0, 1, 7, 6, 1 },
    { "<u2", "F", "4x7x6", "THW", NULL, 0, 4, 7, 6, 1 },
    { ">u2", "C", "3x5x6", "THW", NULL, 0, 3, 5, 6, 1 },
    { "<i2", "C", "3x5x6", "THW", NULL, 0, 3, 5, 6, 1 },
    { ">i2", "F", "3x5x6", "THW", NULL, 0, 3, 5, 6, 1 },
    { "i1", "C", "2x5x6", "THW", NULL, 0, 2, 5, 6, 1 },
    { "<u4", "C", "2x5x6", "THW", NULL, 0, 2, 5, 6, 1 },
    { "<i4", "F", "2x5x6", "THW", NULL, 0, 2, 5, 6, 1 },
    { "<i8", "C", "2x5x6", "THW", NULL, 0, 2, 5, 6, 1 },
    { "<f4", "F", "4x7x6", "THW", NULL, 0, 4, 7, 6, 1 },
    { ">f4", "C", "2x7x6", "THW", NULL, 0, 2, 7, 6, 1 },
    { ">f8", "C", "3x5x6", "THW", NULL, 0, 3, 5, 6, 1 },
    { "<f8", "F", "2x5x6x3", "THWC", NULL, 1, 2, 5, 6, 3 },
    { "<f8", "C", "2x5x6x3", "THWC", NULL, 0, 2, 5, 6, 1 },
    { "u1", "C", "5x6x3", "HWC", NULL, 1, 1, 5, 6, 3 },
    { "u1", "F", "5x6x4", "HWC", NULL, 1, 1, 5, 6, 3 },
    { "<u2", "C", "2x5x6x4", "THWC", NULL, 0, 2, 5, 6, 1 },
    { "<u2", "C", "2x5x6x1", "THWC", NULL, 0, 2, 5, 6, 1 },
    { "u1", "C", "4x5x3", "THW", "THW", 0, 4, 5, 3, 1 },
    { "u1", "C", "5x6x3", "HWC", "HWC", 0, 1, 5, 6, 1 },
    { "<u2", "F", "3x5x6", "THW", NULL, 1, 3, 5, 6, 3 },
};

START_TEST(numpy_arrays_read_exactly)
{
    check_case(&cases[_i]);
}
END_TEST

/* Run a numpy statement that saves to a.npy, then open it with the given axes. */
static int open_made(const char *statement, const char *axes)
{
    char *dir = tu_tmpdir();
    char *npy = tu_fmt("%s/a.npy", dir);
    ck_assert_int_eq(tu_sh("cd %s && /usr/bin/python3 -c \"import numpy as np; %s\"", dir,
                           statement), 0);
    blz_source *s;
    const blz_source_options o = { .stream = -1, .axes = axes };
    const int st = blz_npy_source_open(&s, npy, &o);
    if (st == BLZ_OK)
        blz_source_close(s);
    else
        ck_assert_ptr_nonnull(strstr(blz_errmsg(), "a.npy"));
    free(npy);
    tu_rmtree(dir);
    free(dir);
    return st;
}

START_TEST(unreadable_arrays_refused)
{
    ck_assert_msg(tu_have_numpy(), "numpy is needed through /usr/bin/python3");
    ck_assert_int_ne(open_made("np.save('a.npy', np.array([{}, 1], dtype=object), "
                               "allow_pickle=True)", NULL), BLZ_OK);
    ck_assert_int_ne(open_made("np.save('a.npy', np.zeros((2, 3), dtype=[('a', 'u1'), "
                               "('b', 'f4')]))", NULL), BLZ_OK);
    ck_assert_int_eq(open_made("np.save('a.npy', np.zeros(5, 'u1'))", NULL),
                     BLZ_ERR_UNSUPPORTED);
    ck_assert_int_eq(open_made("np.save('a.npy', np.zeros((2, 3, 4, 5), 'u1'))", NULL),
                     BLZ_ERR_UNSUPPORTED);
    ck_assert_int_eq(open_made("np.save('a.npy', np.zeros((0, 3, 4), 'u1'))", NULL),
                     BLZ_ERR_EMPTY);
    ck_assert_int_eq(open_made("np.save('a.npy', np.zeros((2, 3, 4), 'u1'))", "THWC"),
                     BLZ_ERR_INVALID);
    ck_assert_int_eq(open_made("np.save('a.npy', np.zeros((2, 3, 4), 'u1'))", "TWW"),
                     BLZ_ERR_INVALID);
    ck_assert_int_eq(open_made("np.save('a.npy', np.zeros((9, 8, 7), 'u2')); "
                               "open('a.npy', 'r+b').truncate(200)", NULL), BLZ_ERR_FORMAT);
    ck_assert_int_eq(open_made("open('a.npy', 'wb').write(b'\\x93NUMPY\\x01\\x00\\x10\\x00{"
                               "garbage}     \\n')", NULL), BLZ_ERR_FORMAT);
}
END_TEST

static Suite *npy_source_suite(void)
{
    Suite *s = suite_create("npy_source");
    TCase *tc = tcase_create("arrays");
    tcase_add_loop_test(tc, numpy_arrays_read_exactly, 0,
                        (int)(sizeof cases / sizeof cases[0]));
    tcase_add_test(tc, unreadable_arrays_refused);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run_suite(npy_source_suite());
}
