/*
 * test_bitflips.c - hundreds of random single-bit flips in cache files.
 *
 * Each trial flips one random bit of a good cache and opens the copy. The damage must
 * be caught - by blz_cache_open (header, index, frame table, metadata checksums and
 * structure), by blz_cache_verify_chunk, or by a read with BLZ_OPEN_VERIFY - or be
 * harmless: a flip in bytes that no checksum covers (reserved or padding bytes) must
 * leave every value, frame-table entry and metadata pair exactly as written. Flips are
 * drawn from the header fields, the chunks' stored bytes and the trailing sections. Never a crash, never silently
 * different data. The counts per outcome are printed for docs/RELIABILITY.md.
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blitz/blitz.h"
#include "test_cache_util.h"
#include "testutil.h"

enum { TRIALS = 300, FRAMES = 13, HEIGHT = 23, WIDTH = 37 };

typedef struct outcome {
    int at_open, at_verify, at_read, harmless;
} outcome;

/* Every frame's values, the frame table and the metadata of a cache, for comparison. */
typedef struct snapshot {
    float *values;
    int64_t index[FRAMES];
    double time[FRAMES];
    char meta[512];
} snapshot;

static int take_snapshot(const blz_cache *c, snapshot *s)
{
    const blz_layout *l = blz_cache_layout(c);
    blz_chunk_buf *buf = blz_chunk_buf_alloc(c);
    int rc = l->frames == FRAMES && buf ? BLZ_OK : BLZ_ERR_FORMAT;
    for (int64_t t = 0; rc == BLZ_OK && t < FRAMES; t++) {
        rc = blz_cache_read_region(c, t, 0, 0, WIDTH, HEIGHT, buf,
                                   s->values + (size_t)t * l->frame_values);
        if (rc == BLZ_OK)
            rc = blz_cache_frame_info(c, t, &s->index[t], &s->time[t]);
    }
    size_t used = 0;
    s->meta[0] = '\0';
    for (size_t i = 0; rc == BLZ_OK && i < blz_cache_meta_count(c); i++) {
        const char *k, *v;
        blz_cache_meta_at(c, i, &k, &v);
        used += (size_t)snprintf(s->meta + used, sizeof s->meta - used, "%s=%s;", k, v);
    }
    blz_chunk_buf_free(buf);
    return rc;
}

static bool same_snapshot(const snapshot *a, const snapshot *b, size_t values)
{
    for (int t = 0; t < FRAMES; t++)
        if (a->index[t] != b->index[t] ||
            !(a->time[t] == b->time[t] || (isnan(a->time[t]) && isnan(b->time[t]))))
            return false;
    return !memcmp(a->values, b->values, values * sizeof(float)) && !strcmp(a->meta, b->meta);
}

/* Every chunk read with BLZ_OPEN_VERIFY succeeds? */
static int read_all_verified(const char *path)
{
    blz_cache *c;
    int rc = blz_cache_open(&c, path, BLZ_OPEN_VERIFY);
    if (rc != BLZ_OK)
        return rc;
    blz_chunk_buf *buf = blz_chunk_buf_alloc(c);
    for (int64_t id = 0; rc == BLZ_OK && id < blz_cache_layout(c)->chunks; id++) {
        const float *v;
        rc = blz_cache_chunk(c, id, buf, &v);
    }
    blz_chunk_buf_free(buf);
    blz_cache_close(c);
    return rc;
}

/* Classify one damaged copy. */
static void judge(const char *path, const snapshot *good, size_t values, outcome *o)
{
    blz_cache *c;
    if (blz_cache_open(&c, path, 0) != BLZ_OK) {
        o->at_open++;
        return;
    }
    int rc = BLZ_OK;
    for (int64_t id = 0; rc == BLZ_OK && id < blz_cache_layout(c)->chunks; id++)
        rc = blz_cache_verify_chunk(c, id);
    snapshot seen = { .values = malloc(values * sizeof(float)) };
    ck_assert_ptr_nonnull(seen.values);
    int read_rc = rc == BLZ_OK ? take_snapshot(c, &seen) : rc;
    blz_cache_close(c);
    if (rc != BLZ_OK) {
        o->at_verify++;
        ck_assert_int_ne(read_all_verified(path), BLZ_OK);
    } else if (read_all_verified(path) != BLZ_OK) {
        o->at_read++;
    } else {
        ck_assert_int_eq(read_rc, BLZ_OK);
        ck_assert_msg(same_snapshot(good, &seen, values),
                      "a bit flip went unnoticed and changed the data");
        o->harmless++;
    }
    free(seen.values);
}

/* The bytes a checksum covers: the header's fields, each chunk's stored bytes, and the
 * sections after the last chunk. Flips are drawn from these, so trials are not wasted
 * on the zero padding that aligns compressed chunks to 4 KiB. */
typedef struct byte_ranges {
    size_t n;
    uint64_t start[4096], len[4096], total;
} byte_ranges;

static void add_range(byte_ranges *r, uint64_t start, uint64_t len)
{
    ck_assert_uint_lt(r->n, 4096);
    r->start[r->n] = start;
    r->len[r->n++] = len;
    r->total += len;
}

static void covered_ranges(const blz_cache *c, uint64_t size, byte_ranges *r)
{
    r->n = 0;
    r->total = 0;
    add_range(r, 0, 256);
    uint64_t end = 0;
    for (int64_t id = 0; id < blz_cache_layout(c)->chunks; id++) {
        blz_chunk_entry e;
        ck_assert_int_eq(blz_cache_chunk_entry(c, id, &e), BLZ_OK);
        add_range(r, e.offset, e.stored_size);
        if (e.offset + e.stored_size > end)
            end = e.offset + e.stored_size;
    }
    add_range(r, end, size - end);
}

static size_t pick_byte(const byte_ranges *r, uint64_t x)
{
    uint64_t k = x % r->total;
    size_t i = 0;
    while (k >= r->len[i])
        k -= r->len[i++];
    return (size_t)(r->start[i] + k);
}

static void run_trials(int codec, int kind, uint64_t seed)
{
    char *dir = tu_tmpdir();
    char *good_path = tu_fmt("%s/good.blz", dir), *bad_path = tu_fmt("%s/bad.blz", dir);
    blz_writer_options wo = { .height = HEIGHT, .width = WIDTH, .channels = 1,
                              .ct = 4, .th = 16, .tw = 16, .codec = codec };
    ck_assert_int_eq(tcu_write(good_path, &wo, FRAMES, kind), BLZ_OK);
    size_t size;
    unsigned char *bytes = tu_slurp(good_path, &size);
    ck_assert_ptr_nonnull(bytes);
    size_t values = (size_t)FRAMES * HEIGHT * WIDTH;
    snapshot good = { .values = malloc(values * sizeof(float)) };
    blz_cache *c;
    ck_assert_int_eq(blz_cache_open(&c, good_path, 0), BLZ_OK);
    ck_assert_int_eq(take_snapshot(c, &good), BLZ_OK);
    static byte_ranges covered;
    covered_ranges(c, size, &covered);
    blz_cache_close(c);

    outcome o = {0};
    uint64_t x = seed;
    for (int trial = 0; trial < TRIALS; trial++) {
        x = x * 6364136223846793005u + 1442695040888963407u;
        size_t at = pick_byte(&covered, x >> 20);
        bytes[at] ^= (unsigned char)(1u << (x >> 61));
        ck_assert_int_eq(tcu_spit(bad_path, bytes, size), 0);
        judge(bad_path, &good, values, &o);
        bytes[at] ^= (unsigned char)(1u << (x >> 61));
    }
    printf("bit flips (%s): %d trials over the %llu checked bytes of a %zu-byte cache: "
           "%d caught on open, %d by verify, %d on verified read, %d harmless\n",
           blz_codec_name(codec), TRIALS, (unsigned long long)covered.total, size, o.at_open,
           o.at_verify, o.at_read, o.harmless);
    ck_assert_int_eq(o.at_open + o.at_verify + o.at_read + o.harmless, TRIALS);
    ck_assert_int_le(o.harmless, TRIALS / 50);
    ck_assert_int_gt(o.at_open, 0);
    ck_assert_int_gt(o.at_verify, 0);
    free(good.values);
    free(bytes);
    tu_rmtree(dir);
    free(dir);
    free(good_path);
    free(bad_path);
}

START_TEST(raw_cache_flips)
{
    run_trials(BLZ_CODEC_RAW, TCU_RANDOM, 1);
}
END_TEST

START_TEST(compressed_cache_flips)
{
    run_trials(BLZ_CODEC_SHUFFLE_LZ4, TCU_SMOOTH, 2);
    run_trials(BLZ_CODEC_LZ4, TCU_SMOOTH, 3);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("bit flips");
    TCase *tc = tcase_create("flips");
    tcase_add_test(tc, raw_cache_flips);
    tcase_add_test(tc, compressed_cache_flips);
    suite_add_tcase(s, tc);
    return tu_run_suite(s);
}
