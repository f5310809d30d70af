/*
 * test_cache_roundtrip.c - what the writer writes, the reader gives back, byte for byte.
 *
 * For every codec and a set of awkward geometries (97 x 61, a frame count that is not a
 * multiple of ct, a single frame, three channels, chunks larger than the frame, the
 * default chunk shape) each chunk is compared with a reference built by a plain loop
 * from the frames written (edge padding included), whole frames and odd regions come
 * back through blz_cache_read_region, and the frame table and metadata survive. Each
 * chunk read as byte planes (blz_cache_chunk_planes) must hold the same bits, and each
 * index entry must claim integers below the chunk's largest value + 1.
 */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "blitz/blitz.h"
#include "test_cache_util.h"
#include "testutil.h"

typedef struct geometry {
    int32_t h, w, c, ct, th, tw;
    int64_t frames;
} geometry;

static const geometry geometries[] = {
    { 97, 61, 1, 16, 32, 24, 70 },   /* odd sizes, last time block partial */
    { 40, 50, 3, 8, 16, 16, 1 },     /* a single frame, RGB */
    { 13, 11, 3, 8, 64, 64, 5 },     /* chunk larger than the frame */
    { 20, 30, 1, 0, 0, 0, 3 },       /* default chunk shape 32 x 64 x 64 */
    { 64, 64, 2, 4, 32, 32, 9 },     /* exact tiles, two channels */
};
enum { N_GEOMETRIES = sizeof geometries / sizeof geometries[0], N_CODECS = 3 };

typedef struct fixture {
    char *dir, *path;
    geometry g;
    int codec, kind;
    float *frames;   /* all frames, T * H * W * C */
    blz_cache *cache;
} fixture;

static void make_fixture(fixture *f, int combo, int kind)
{
    f->g = geometries[combo / N_CODECS];
    f->codec = combo % N_CODECS;
    f->kind = kind;
    f->dir = tu_tmpdir();
    f->path = tu_fmt("%s/rt.blz", f->dir);
    blz_writer_options o = { .height = f->g.h, .width = f->g.w, .channels = f->g.c,
                             .ct = f->g.ct, .th = f->g.th, .tw = f->g.tw, .codec = f->codec,
                             .threads = 2 };
    ck_assert_int_eq(tcu_write(f->path, &o, f->g.frames, kind), BLZ_OK);
    size_t n = (size_t)f->g.h * (size_t)f->g.w * (size_t)f->g.c;
    f->frames = malloc((size_t)f->g.frames * n * sizeof(float));
    for (int64_t t = 0; t < f->g.frames; t++)
        tcu_frame(f->frames + (size_t)t * n, n, t, kind);
    ck_assert_msg(blz_cache_open(&f->cache, f->path, BLZ_OPEN_VERIFY) == BLZ_OK, "%s",
                  blz_errmsg());
}

static void drop_fixture(fixture *f)
{
    blz_cache_close(f->cache);
    free(f->frames);
    tu_rmtree(f->dir);
    free(f->dir);
    free(f->path);
}

/* The value a chunk must hold at chunk-local (lt, ly, lx, c): the frame's or 0. */
static float expected(const fixture *f, const blz_layout *l, int64_t tb, int32_t ty,
                      int32_t tx, int32_t lt, int32_t ly, int32_t lx, int32_t c)
{
    int64_t t = tb * l->ct + lt;
    int32_t y = ty * l->th + ly, x = tx * l->tw + lx;
    if (t >= f->g.frames || y >= f->g.h || x >= f->g.w)
        return 0.0f;
    return f->frames[(((size_t)t * (size_t)f->g.h + (size_t)y) * (size_t)f->g.w + (size_t)x) *
                         (size_t)f->g.c + (size_t)c];
}

/* The integer claim chunk (tb, ty, tx) must carry: the fixtures' values are integers
 * (padding is 0), so their largest magnitude + 1. */
static uint32_t expected_claim(const fixture *f, const blz_layout *l, int64_t tb, int32_t ty,
                               int32_t tx)
{
    float largest = 0.0f;
    for (int32_t lt = 0; lt < l->ct; lt++)
        for (int32_t ly = 0; ly < l->th; ly++)
            for (int32_t lx = 0; lx < l->tw; lx++)
                for (int32_t c = 0; c < l->channels; c++)
                    largest = fmaxf(largest, fabsf(expected(f, l, tb, ty, tx, lt, ly, lx, c)));
    return (uint32_t)largest + 1;
}

static void check_chunk(const fixture *f, const blz_layout *l, blz_chunk_buf *buf,
                        int64_t tb, int32_t ty, int32_t tx)
{
    const float *v;
    int64_t id = blz_chunk_id(l, tb, ty, tx);
    ck_assert_int_eq(blz_cache_verify_chunk(f->cache, id), BLZ_OK);
    ck_assert_int_eq(blz_cache_chunk(f->cache, id, buf, &v), BLZ_OK);
    size_t i = 0, bad = SIZE_MAX;
    for (int32_t lt = 0; lt < l->ct; lt++)
        for (int32_t ly = 0; ly < l->th; ly++)
            for (int32_t lx = 0; lx < l->tw; lx++)
                for (int32_t c = 0; c < l->channels; c++, i++)
                    if (bad == SIZE_MAX && v[i] != expected(f, l, tb, ty, tx, lt, ly, lx, c))
                        bad = i;
    ck_assert_msg(bad == SIZE_MAX, "chunk %lld value %zu: %g", (long long)id, bad,
                  bad == SIZE_MAX ? 0.0 : (double)v[bad]);
    blz_chunk_entry e;
    ck_assert_int_eq(blz_cache_chunk_entry(f->cache, id, &e), BLZ_OK);
    ck_assert_uint_eq(e.int_limit, expected_claim(f, l, tb, ty, tx));
}

/* blz_cache_chunk_planes: a shuffle-lz4 chunk as byte planes that put back together
 * (by a plain loop over the documented layout) give the bits blz_cache_chunk gives;
 * any other chunk as the same values and no planes. */
static void check_planes(const fixture *f, const blz_layout *l, blz_chunk_buf *buf, int64_t id)
{
    const float *v;
    ck_assert_int_eq(blz_cache_chunk(f->cache, id, buf, &v), BLZ_OK);
    uint32_t *want = malloc(l->chunk_bytes);
    memcpy(want, v, l->chunk_bytes);
    blz_chunk_entry e;
    ck_assert_int_eq(blz_cache_chunk_entry(f->cache, id, &e), BLZ_OK);
    const unsigned char *planes = (const unsigned char *)"not set";
    v = NULL;
    ck_assert_int_eq(blz_cache_chunk_planes(f->cache, id, buf, &v, &planes), BLZ_OK);
    size_t n = l->chunk_values, bad = SIZE_MAX;
    if (e.codec == BLZ_CODEC_SHUFFLE_LZ4) {
        ck_assert_ptr_null(v);
        ck_assert_ptr_nonnull(planes);
        for (size_t i = 0; i < n; i++) {
            uint32_t bits = 0;
            for (size_t k = 0; k < 4; k++)
                bits |= (uint32_t)planes[k * n + i] << (8 * k);
            if (bad == SIZE_MAX && bits != want[i])
                bad = i;
        }
    } else {
        ck_assert_ptr_null(planes);
        ck_assert_ptr_nonnull(v);
        if (memcmp(v, want, l->chunk_bytes) != 0)
            bad = 0;
    }
    ck_assert_msg(bad == SIZE_MAX, "chunk %lld (%s) as planes: value %zu differs", (long long)id,
                  blz_codec_name(e.codec), bad);
    free(want);
}

static void check_layout(const fixture *f, const blz_layout *l)
{
    int32_t ct = f->g.ct ? f->g.ct : 32, th = f->g.th ? f->g.th : 64, tw = f->g.tw ? f->g.tw : 64;
    ck_assert_int_eq(l->frames, f->g.frames);
    ck_assert_int_eq(l->height, f->g.h);
    ck_assert_int_eq(l->width, f->g.w);
    ck_assert_int_eq(l->channels, f->g.c);
    ck_assert_int_eq(l->ct, ct);
    ck_assert_int_eq(l->th, th);
    ck_assert_int_eq(l->tw, tw);
    ck_assert_int_eq(l->nt, (f->g.frames + ct - 1) / ct);
    ck_assert_int_eq(l->ny, (f->g.h + th - 1) / th);
    ck_assert_int_eq(l->nx, (f->g.w + tw - 1) / tw);
    ck_assert_int_eq(l->chunks, l->nt * l->ny * l->nx);
    ck_assert_uint_eq(l->chunk_bytes, (size_t)ct * th * tw * f->g.c * 4);
}

/* Chunks by codec, for the "compression really happens" checks. */
static void count_codecs(const fixture *f, int64_t counts[N_CODECS])
{
    memset(counts, 0, N_CODECS * sizeof counts[0]);
    const blz_layout *l = blz_cache_layout(f->cache);
    for (int64_t id = 0; id < l->chunks; id++) {
        blz_chunk_entry e;
        ck_assert_int_eq(blz_cache_chunk_entry(f->cache, id, &e), BLZ_OK);
        ck_assert_uint_eq(e.offset % 4096, 0);
        ck_assert(e.codec == BLZ_CODEC_RAW || e.codec == f->codec);
        counts[e.codec]++;
    }
}

static void check_all_chunks(int combo, int kind)
{
    fixture f;
    make_fixture(&f, combo, kind);
    const blz_layout *l = blz_cache_layout(f.cache);
    check_layout(&f, l);
    blz_chunk_buf *buf = blz_chunk_buf_alloc(f.cache);
    for (int64_t tb = 0; tb < l->nt; tb++)
        for (int32_t ty = 0; ty < l->ny; ty++)
            for (int32_t tx = 0; tx < l->nx; tx++)
                check_chunk(&f, l, buf, tb, ty, tx);
    for (int64_t id = 0; id < l->chunks; id++)
        check_planes(&f, l, buf, id);
    int64_t counts[N_CODECS];
    count_codecs(&f, counts);
    if (kind == TCU_SMOOTH && f.codec != BLZ_CODEC_RAW)
        ck_assert_msg(counts[f.codec] > 0, "no chunk stored as %s", blz_codec_name(f.codec));
    blz_chunk_buf_free(buf);
    drop_fixture(&f);
}

START_TEST(chunks_random) { check_all_chunks(_i, TCU_RANDOM); }
END_TEST

START_TEST(chunks_smooth) { check_all_chunks(_i, TCU_SMOOTH); }
END_TEST

static void check_region(const fixture *f, blz_chunk_buf *buf, int64_t t, int32_t x0,
                         int32_t y0, int32_t w, int32_t h)
{
    const int32_t C = f->g.c;
    float *dst = malloc((size_t)w * (size_t)h * (size_t)C * sizeof *dst);
    ck_assert_int_eq(blz_cache_read_region(f->cache, t, x0, y0, w, h, buf, dst), BLZ_OK);
    const float *frame = f->frames + (size_t)t * (size_t)f->g.h * (size_t)f->g.w * (size_t)C;
    int32_t bad_x = -1, bad_y = -1;
    for (int32_t y = 0; y < h; y++)
        for (int32_t x = 0; x < w * C; x++)
            if (bad_y < 0 && dst[(size_t)y * (size_t)w * (size_t)C + (size_t)x] !=
                                 frame[(size_t)(y0 + y) * (size_t)f->g.w * (size_t)C +
                                       (size_t)x0 * (size_t)C + (size_t)x]) {
                bad_x = x;
                bad_y = y;
            }
    ck_assert_msg(bad_y < 0, "frame %lld region value (%d, %d)", (long long)t, bad_x, bad_y);
    free(dst);
}

START_TEST(regions_match_frames)
{
    fixture f;
    make_fixture(&f, _i, TCU_SMOOTH);
    blz_chunk_buf *buf = blz_chunk_buf_alloc(f.cache);
    for (int64_t t = 0; t < f.g.frames; t++)
        check_region(&f, buf, t, 0, 0, f.g.w, f.g.h);
    check_region(&f, buf, f.g.frames - 1, f.g.w / 3, f.g.h / 2, f.g.w - f.g.w / 3,
                 f.g.h - f.g.h / 2);
    check_region(&f, buf, 0, f.g.w - 1, f.g.h - 1, 1, 1);
    float one;
    ck_assert_int_eq(blz_cache_read_region(f.cache, f.g.frames, 0, 0, 1, 1, buf, &one),
                     BLZ_ERR_INVALID);
    ck_assert_int_eq(blz_cache_read_region(f.cache, 0, f.g.w, 0, 1, 1, buf, &one),
                     BLZ_ERR_INVALID);
    ck_assert_int_eq(blz_cache_read_region(f.cache, 0, 0, 0, f.g.w, f.g.h + 1, buf, &one),
                     BLZ_ERR_INVALID);
    blz_chunk_buf_free(buf);
    drop_fixture(&f);
}
END_TEST

START_TEST(frame_table_and_metadata_survive)
{
    fixture f;
    make_fixture(&f, _i * N_CODECS + _i % N_CODECS, TCU_RANDOM);
    for (int64_t t = 0; t < f.g.frames; t++) {
        int64_t source;
        double ts;
        ck_assert_int_eq(blz_cache_frame_info(f.cache, t, &source, &ts), BLZ_OK);
        ck_assert_int_eq(source, tcu_source_index(t));
        if (t == 3)
            ck_assert(isnan(ts));
        else
            ck_assert(ts == tcu_timestamp(t));
    }
    int64_t s;
    double ts;
    ck_assert_int_eq(blz_cache_frame_info(f.cache, f.g.frames, &s, &ts), BLZ_ERR_INVALID);
    ck_assert_uint_eq(blz_cache_meta_count(f.cache), 2);
    const char *key, *value;
    ck_assert_int_eq(blz_cache_meta_at(f.cache, 1, &key, &value), BLZ_OK);
    ck_assert_str_eq(key, "note");
    ck_assert_str_eq(value, "grüße");
    ck_assert_str_eq(blz_cache_meta_get(f.cache, "source"), "fixture");
    ck_assert_ptr_null(blz_cache_meta_get(f.cache, "absent"));
    int major, minor;
    blz_cache_version(f.cache, &major, &minor);
    ck_assert_int_eq(major, 1);
    ck_assert_int_eq(minor, 1);
    size_t size;
    unsigned char *bytes = tu_slurp(f.path, &size);
    ck_assert_uint_eq(blz_cache_file_size(f.cache), size);
    free(bytes);
    drop_fixture(&f);
}
END_TEST

START_TEST(raw_chunks_are_zero_copy)
{
    fixture f;
    make_fixture(&f, 0 * N_CODECS + BLZ_CODEC_RAW, TCU_RANDOM);
    const float *a, *b;
    ck_assert_int_eq(blz_cache_chunk(f.cache, 1, NULL, &a), BLZ_OK);
    ck_assert_int_eq(blz_cache_chunk(f.cache, 1, NULL, &b), BLZ_OK);
    ck_assert_ptr_eq(a, b);
    ck_assert_uint_eq((uintptr_t)a % 4096, 0);
    blz_chunk_entry e;
    ck_assert_int_eq(blz_cache_chunk_entry(f.cache, 1, &e), BLZ_OK);
    ck_assert_uint_eq(e.stored_size, blz_cache_layout(f.cache)->chunk_bytes);
    blz_cache_advise(f.cache, 0, 1000, BLZ_ADVISE_WILLNEED);
    blz_cache_advise(f.cache, 1, 2, BLZ_ADVISE_DONTNEED);
    ck_assert_int_eq(blz_cache_chunk(f.cache, 1, NULL, &b), BLZ_OK);
    ck_assert(memcmp(a, b, e.stored_size) == 0);
    drop_fixture(&f);
}
END_TEST

START_TEST(compressed_chunk_needs_a_buffer)
{
    fixture f;
    make_fixture(&f, 0 * N_CODECS + BLZ_CODEC_SHUFFLE_LZ4, TCU_SMOOTH);
    const float *v;
    blz_chunk_entry e;
    int64_t id = 0;
    while (blz_cache_chunk_entry(f.cache, id, &e) == BLZ_OK && e.codec == BLZ_CODEC_RAW)
        id++;
    ck_assert_int_eq(e.codec, BLZ_CODEC_SHUFFLE_LZ4);
    ck_assert_int_eq(blz_cache_chunk(f.cache, id, NULL, &v), BLZ_ERR_INVALID);
    ck_assert_int_eq(blz_cache_chunk(f.cache, -1, NULL, &v), BLZ_ERR_INVALID);
    drop_fixture(&f);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("cache_roundtrip");
    TCase *tc = tcase_create("roundtrip");
    tcase_set_timeout(tc, 300);
    int combos = N_GEOMETRIES * N_CODECS;
    tcase_add_loop_test(tc, chunks_random, 0, combos);
    tcase_add_loop_test(tc, chunks_smooth, 0, combos);
    tcase_add_loop_test(tc, regions_match_frames, 0, combos);
    tcase_add_loop_test(tc, frame_table_and_metadata_survive, 0, N_GEOMETRIES);
    tcase_add_test(tc, raw_chunks_are_zero_copy);
    tcase_add_test(tc, compressed_chunk_needs_a_buffer);
    suite_add_tcase(s, tc);
    return tu_run_suite(s);
}
