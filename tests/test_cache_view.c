/*
 * test_cache_view.c - views of some tile rows of a cache.
 *
 * Every rectangle of tiles of a 97 x 61 cache (16 x 32 tiles: the last tile row has 13
 * rows, the last tile column 1 column) must read exactly the pixels of the whole cache
 * it covers - regions, chunks and frame table - for every codec; a reduction on a view
 * must equal those pixels of the reduction of the whole cache, bit for bit; bad
 * rectangles are refused.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "blitz/blitz.h"
#include "blitz/query.h"
#include "test_cache_util.h"
#include "testutil.h"

enum { T = 11, H = 61, W = 97 };

static blz_cache *write_and_open(const char *dir, int codec)
{
    char *path = tu_fmt("%s/c-%d.blz", dir, codec);
    blz_writer_options o = { .height = H, .width = W, .channels = 1, .ct = 4, .th = 16,
                             .tw = 32, .codec = codec };
    ck_assert_int_eq(tcu_write(path, &o, T, TCU_SMOOTH), BLZ_OK);
    blz_cache *c;
    ck_assert_int_eq(blz_cache_open(&c, path, BLZ_OPEN_VERIFY), BLZ_OK);
    free(path);
    return c;
}

static void check_view(const blz_cache *whole, int32_t ty0, int32_t ty1, int32_t tx0,
                       int32_t tx1)
{
    blz_cache *v;
    ck_assert_int_eq(blz_cache_open_tiles(&v, whole, ty0, ty1, tx0, tx1), BLZ_OK);
    const blz_layout *l = blz_cache_layout(v);
    int32_t y0 = blz_cache_row_offset(v), x0 = blz_cache_col_offset(v);
    ck_assert_int_eq(y0, ty0 * 16);
    ck_assert_int_eq(x0, tx0 * 32);
    ck_assert_int_eq(l->height, (ty1 * 16 < H ? ty1 * 16 : H) - y0);
    ck_assert_int_eq(l->width, (tx1 * 32 < W ? tx1 * 32 : W) - x0);
    ck_assert_int_eq(l->ny, ty1 - ty0);
    ck_assert_int_eq(l->nx, tx1 - tx0);
    blz_chunk_buf *bw = blz_chunk_buf_alloc(whole), *bv = blz_chunk_buf_alloc(v);
    float *a = malloc((size_t)l->frame_values * sizeof *a);
    float *b = malloc((size_t)l->frame_values * sizeof *b);
    for (int64_t t = 0; t < T; t++) {
        ck_assert_int_eq(blz_cache_read_region(v, t, 0, 0, l->width, l->height, bv, a), BLZ_OK);
        ck_assert_int_eq(blz_cache_read_region(whole, t, x0, y0, l->width, l->height, bw, b),
                         BLZ_OK);
        ck_assert(memcmp(a, b, l->frame_values * sizeof *a) == 0);
        int64_t si, sw;
        double ti, tw;
        blz_cache_frame_info(v, t, &si, &ti);
        blz_cache_frame_info(whole, t, &sw, &tw);
        ck_assert_int_eq(si, sw);
    }
    for (int64_t id = 0; id < l->chunks; id++)
        ck_assert_int_eq(blz_cache_verify_chunk(v, id), BLZ_OK);
    blz_cache_advise(v, 0, l->chunks, BLZ_ADVISE_WILLNEED);
    blz_cache_advise(v, 0, l->chunks, BLZ_ADVISE_DONTNEED);
    free(a);
    free(b);
    blz_chunk_buf_free(bw);
    blz_chunk_buf_free(bv);
    blz_cache_close(v);
}

START_TEST(views_read_like_the_whole)
{
    char *dir = tu_tmpdir();
    for (int codec = BLZ_CODEC_RAW; codec <= BLZ_CODEC_SHUFFLE_LZ4; codec++) {
        blz_cache *c = write_and_open(dir, codec);
        for (int32_t ty0 = 0; ty0 < 4; ty0++)
            for (int32_t ty1 = ty0 + 1; ty1 <= 4; ty1++) {
                check_view(c, ty0, ty1, 0, 4);
                check_view(c, ty0, ty1, ty0 % 4, 4);
                check_view(c, ty0, ty1, 1, 2);
                check_view(c, ty0, ty1, 3, 4);
            }
        blz_cache_close(c);
    }
    tu_rmtree(dir);
    free(dir);
}
END_TEST

START_TEST(reduction_on_a_view_is_those_rows)
{
    char *dir = tu_tmpdir();
    blz_cache *c = write_and_open(dir, BLZ_CODEC_LZ4);
    static const int ops[] = { BLZ_OP_MEAN, BLZ_OP_STD, BLZ_OP_MEDIAN, BLZ_OP_ARGMAX };
    double *whole = malloc(sizeof(double) * H * W), *part = malloc(sizeof(double) * H * W);
    for (size_t k = 0; k < sizeof ops / sizeof ops[0]; k++) {
        blz_reduce_options o = blz_reduce_defaults(ops[k]);
        ck_assert_int_eq(blz_reduce(c, &o, whole), BLZ_OK);
        blz_cache *v;
        ck_assert_int_eq(blz_cache_open_rows(&v, c, 1, 4), BLZ_OK);
        ck_assert_int_eq(blz_reduce(v, &o, part), BLZ_OK);
        size_t n = (size_t)blz_cache_layout(v)->frame_values;
        ck_assert(memcmp(part, whole + 16 * W, n * sizeof(double)) == 0);
        blz_cache_close(v);
        ck_assert_int_eq(blz_cache_open_tiles(&v, c, 1, 3, 1, 4), BLZ_OK);
        ck_assert_int_eq(blz_reduce(v, &o, part), BLZ_OK);
        const blz_layout *l = blz_cache_layout(v);
        for (int32_t y = 0; y < l->height; y++)
            ck_assert(memcmp(part + (size_t)y * (size_t)l->width, whole + (size_t)(16 + y) * W + 32,
                             (size_t)l->width * sizeof(double)) == 0);
        blz_cache_close(v);
    }
    free(whole);
    free(part);
    blz_cache_close(c);
    tu_rmtree(dir);
    free(dir);
}
END_TEST

START_TEST(bad_rectangles_are_refused)
{
    char *dir = tu_tmpdir();
    blz_cache *c = write_and_open(dir, BLZ_CODEC_RAW), *v;
    ck_assert_int_eq(blz_cache_open_rows(&v, c, -1, 2), BLZ_ERR_INVALID);
    ck_assert_int_eq(blz_cache_open_rows(&v, c, 2, 2), BLZ_ERR_INVALID);
    ck_assert_int_eq(blz_cache_open_rows(&v, c, 0, 5), BLZ_ERR_INVALID);
    ck_assert_int_eq(blz_cache_open_tiles(&v, c, 0, 1, 3, 3), BLZ_ERR_INVALID);
    ck_assert_int_eq(blz_cache_open_tiles(&v, c, 0, 1, 2, 5), BLZ_ERR_INVALID);
    ck_assert_int_eq(blz_cache_open_rows(&v, c, 0, 4), BLZ_OK);
    blz_cache *vv;
    ck_assert_int_eq(blz_cache_open_rows(&vv, v, 0, 1), BLZ_ERR_INVALID);
    blz_cache_close(v);
    blz_cache_close(c);
    tu_rmtree(dir);
    free(dir);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("cache views");
    TCase *tc = tcase_create("views");
    tcase_add_test(tc, views_read_like_the_whole);
    tcase_add_test(tc, reduction_on_a_view_is_those_rows);
    tcase_add_test(tc, bad_rectangles_are_refused);
    suite_add_tcase(s, tc);
    return tu_run_suite(s);
}
