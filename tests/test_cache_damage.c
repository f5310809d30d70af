/*
 * test_cache_damage.c - damaged, truncated and hostile cache files are refused cleanly.
 *
 * A good cache is written, then altered in memory and saved as a variant: a flipped
 * byte in a chunk, the index, the header, the frame table or the metadata; truncations
 * at many points; and hostile headers and index entries. Hostile fields are patched
 * AND the affected checksums recomputed (with xxhash's own XXH3_64bits, at the offsets
 * docs/FORMAT.md gives), so the checks behind the checksums are reached. Each variant
 * must fail with the documented status and never crash (the suite also runs under
 * ASan/UBSan). An index entry's false integer claim is caught by verifying reads.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <xxhash.h>

#include "blitz/blitz.h"
#include "test_cache_util.h"
#include "testutil.h"

/* Field offsets from docs/FORMAT.md, "Header". */
enum {
    H_MAJOR = 8, H_MINOR = 10, H_BLOCK = 12, H_REQUIRED = 16, H_OPTIONAL = 24, H_FRAMES = 32,
    H_HEIGHT = 40, H_WIDTH = 44, H_CHANNELS = 48, H_SAMPLE = 52, H_CT = 56, H_TH = 60,
    H_TW = 64, H_CHUNKS = 72, H_INDEX = 80, H_FRAME_TABLE = 104, H_METADATA = 128,
    H_FILE_SIZE = 152, H_SUM = 248, ENTRY = 32
};

typedef struct fixture {
    char *dir, *path, *variant;
    unsigned char *bytes;
    size_t size;
} fixture;

static void make_fixture(fixture *f, int codec)
{
    f->dir = tu_tmpdir();
    f->path = tu_fmt("%s/good.blz", f->dir);
    f->variant = tu_fmt("%s/bad.blz", f->dir);
    blz_writer_options o = { .height = 40, .width = 50, .channels = 1, .ct = 4, .th = 16,
                             .tw = 16, .codec = codec, .threads = 2 };
    ck_assert_int_eq(tcu_write(f->path, &o, 10, TCU_SMOOTH), BLZ_OK);
    f->bytes = tu_slurp(f->path, &f->size);
    ck_assert_ptr_nonnull(f->bytes);
}

static void drop_fixture(fixture *f)
{
    free(f->bytes);
    tu_rmtree(f->dir);
    free(f->dir);
    free(f->path);
    free(f->variant);
}

static uint64_t get64(const unsigned char *p) { uint64_t v; memcpy(&v, p, 8); return v; }
static void put64(unsigned char *p, uint64_t v) { memcpy(p, &v, 8); }
static void put32(unsigned char *p, uint32_t v) { memcpy(p, &v, 4); }
static void put16(unsigned char *p, uint16_t v) { memcpy(p, &v, 2); }

static void reseal_header(unsigned char *b)
{
    put64(b + H_SUM, XXH3_64bits(b, H_SUM));
}

/* Recompute the checksum of the section described at header field at, then the header's. */
static void reseal_section(unsigned char *b, size_t at)
{
    put64(b + at + 16, XXH3_64bits(b + get64(b + at), (size_t)get64(b + at + 8)));
    reseal_header(b);
}

/* Save bytes as the variant and open it; the status. */
static int open_variant(const fixture *f, const unsigned char *bytes, size_t size,
                        unsigned flags)
{
    ck_assert_int_eq(tcu_spit(f->variant, bytes, size), 0);
    blz_cache *c;
    int st = blz_cache_open(&c, f->variant, flags);
    ck_assert(st == BLZ_OK ? c != NULL : c == NULL);
    ck_assert(st == BLZ_OK || blz_errmsg()[0] != '\0');
    blz_cache_close(c);
    return st;
}

/* A copy of the good file for patching. */
static unsigned char *copy(const fixture *f)
{
    unsigned char *b = malloc(f->size);
    memcpy(b, f->bytes, f->size);
    return b;
}

START_TEST(good_file_opens)
{
    fixture f;
    make_fixture(&f, BLZ_CODEC_SHUFFLE_LZ4);
    ck_assert_int_eq(open_variant(&f, f.bytes, f.size, BLZ_OPEN_VERIFY), BLZ_OK);
    drop_fixture(&f);
}
END_TEST

START_TEST(flipped_chunk_byte_is_caught)
{
    fixture f;
    make_fixture(&f, _i);
    unsigned char *b = copy(&f);
    const unsigned char *entry1 = b + get64(b + H_INDEX) + ENTRY;
    uint64_t offset = get64(entry1);
    b[offset + get64(entry1 + 8) / 2] ^= 0x10;
    ck_assert_int_eq(tcu_spit(f.variant, b, f.size), 0);
    blz_cache *c;
    ck_assert_int_eq(blz_cache_open(&c, f.variant, 0), BLZ_OK);
    ck_assert_int_eq(blz_cache_verify_chunk(c, 0), BLZ_OK);
    ck_assert_int_eq(blz_cache_verify_chunk(c, 1), BLZ_ERR_CHECKSUM);
    ck_assert_ptr_nonnull(strstr(blz_errmsg(), "chunk 1"));
    char where[64];
    snprintf(where, sizeof where, "offset %llu", (unsigned long long)offset);
    ck_assert_ptr_nonnull(strstr(blz_errmsg(), where));
    blz_cache_close(c);
    ck_assert_int_eq(blz_cache_open(&c, f.variant, BLZ_OPEN_VERIFY), BLZ_OK);
    blz_chunk_buf *buf = blz_chunk_buf_alloc(c);
    const float *v;
    ck_assert_int_eq(blz_cache_chunk(c, 0, buf, &v), BLZ_OK);
    ck_assert_int_eq(blz_cache_chunk(c, 1, buf, &v), BLZ_ERR_CHECKSUM);
    blz_chunk_buf_free(buf);
    blz_cache_close(c);
    free(b);
    drop_fixture(&f);
}
END_TEST

/* An index entry claiming integers below one less than its chunk's largest value + 1,
 * its checksums resealed: a verifying read of that chunk (as values or byte planes)
 * fails naming the claim; other chunks and reads without verification do not. */
START_TEST(false_integer_claim_is_caught)
{
    fixture f;
    make_fixture(&f, _i);
    unsigned char *b = copy(&f);
    unsigned char *entry1 = b + get64(b + H_INDEX) + ENTRY;
    uint32_t claim;
    memcpy(&claim, entry1 + 28, 4);
    ck_assert_uint_gt(claim, 1);
    put32(entry1 + 28, claim - 1);
    reseal_section(b, H_INDEX);
    ck_assert_int_eq(tcu_spit(f.variant, b, f.size), 0);
    blz_cache *c;
    const float *v;
    const unsigned char *planes;
    ck_assert_int_eq(blz_cache_open(&c, f.variant, 0), BLZ_OK);
    blz_chunk_buf *buf = blz_chunk_buf_alloc(c);
    ck_assert_int_eq(blz_cache_chunk(c, 1, buf, &v), BLZ_OK);
    blz_chunk_buf_free(buf);
    blz_cache_close(c);
    ck_assert_int_eq(blz_cache_open(&c, f.variant, BLZ_OPEN_VERIFY), BLZ_OK);
    buf = blz_chunk_buf_alloc(c);
    ck_assert_int_eq(blz_cache_chunk(c, 0, buf, &v), BLZ_OK);
    ck_assert_int_eq(blz_cache_chunk(c, 1, buf, &v), BLZ_ERR_FORMAT);
    ck_assert_ptr_nonnull(strstr(blz_errmsg(), "chunk 1"));
    ck_assert_ptr_nonnull(strstr(blz_errmsg(), "integers below"));
    ck_assert_int_eq(blz_cache_chunk_planes(c, 1, buf, &v, &planes), BLZ_ERR_FORMAT);
    ck_assert_int_eq(blz_cache_chunk_planes(c, 2, buf, &v, &planes), BLZ_OK);
    blz_chunk_buf_free(buf);
    blz_cache_close(c);
    free(b);
    drop_fixture(&f);
}
END_TEST

/* Flip one byte at offset and expect the open to fail with status. */
static void expect_flip(const fixture *f, uint64_t offset, int status)
{
    unsigned char *b = copy(f);
    b[offset] ^= 0x01;
    ck_assert_msg(open_variant(f, b, f->size, 0) == status, "flip at %llu: %s",
                  (unsigned long long)offset, blz_errmsg());
    free(b);
}

START_TEST(flipped_section_byte_is_caught)
{
    fixture f;
    make_fixture(&f, BLZ_CODEC_SHUFFLE_LZ4);
    const unsigned char *b = f.bytes;
    expect_flip(&f, get64(b + H_INDEX) + 9, BLZ_ERR_CHECKSUM);
    expect_flip(&f, get64(b + H_FRAME_TABLE) + 17, BLZ_ERR_CHECKSUM);
    expect_flip(&f, get64(b + H_METADATA) + 6, BLZ_ERR_CHECKSUM);
    expect_flip(&f, H_HEIGHT, BLZ_ERR_CHECKSUM);
    expect_flip(&f, H_FILE_SIZE + 1, BLZ_ERR_CHECKSUM);
    expect_flip(&f, 200, BLZ_ERR_CHECKSUM);          /* reserved, still covered */
    expect_flip(&f, H_SUM + 3, BLZ_ERR_CHECKSUM);
    expect_flip(&f, 2, BLZ_ERR_FORMAT);              /* magic */
    drop_fixture(&f);
}
END_TEST

START_TEST(truncations_are_refused)
{
    fixture f;
    make_fixture(&f, BLZ_CODEC_RAW);
    for (size_t size = 0; size < f.size; size += size < 5000 ? 611 : 1499) {
        int st = open_variant(&f, f.bytes, size, 0);
        ck_assert_msg(st == BLZ_ERR_FORMAT, "size %zu: %d %s", size, st, blz_errmsg());
    }
    ck_assert_int_eq(open_variant(&f, f.bytes, f.size - 1, 0), BLZ_ERR_FORMAT);
    char actual[32];
    snprintf(actual, sizeof actual, "%zu", f.size - 1);
    ck_assert_ptr_nonnull(strstr(blz_errmsg(), actual));
    unsigned char *longer = calloc(f.size + 1, 1);
    memcpy(longer, f.bytes, f.size);
    ck_assert_int_eq(open_variant(&f, longer, f.size + 1, 0), BLZ_ERR_FORMAT);
    free(longer);
    drop_fixture(&f);
}
END_TEST

typedef struct header_patch {
    size_t at;
    int width;       /* 2, 4 or 8 bytes */
    uint64_t value;  /* absolute, or added to the field when relative */
    int relative;
    int status;
} header_patch;

static const header_patch header_patches[] = {
    { H_MAJOR, 2, 2, 0, BLZ_ERR_VERSION },
    { H_MINOR, 2, 7, 0, BLZ_OK },                       /* newer minor: readable */
    { H_OPTIONAL, 8, 1u << 5, 0, BLZ_OK },              /* unknown optional flag: ignored */
    { H_REQUIRED, 8, 1, 0, BLZ_ERR_VERSION },
    { H_SAMPLE, 4, 2, 0, BLZ_ERR_UNSUPPORTED },
    { H_BLOCK, 4, 5000, 0, BLZ_ERR_FORMAT },
    { H_HEIGHT, 4, 0, 0, BLZ_ERR_RANGE },
    { H_HEIGHT, 4, (1u << 20) + 1, 0, BLZ_ERR_RANGE },
    { H_WIDTH, 4, 0xFFFFFFFFu, 0, BLZ_ERR_RANGE },
    { H_CHANNELS, 4, 5, 0, BLZ_ERR_RANGE },
    { H_CHANNELS, 4, 0, 0, BLZ_ERR_RANGE },
    { H_FRAMES, 8, 0, 0, BLZ_ERR_RANGE },
    { H_FRAMES, 8, (uint64_t)1 << 40, 0, BLZ_ERR_RANGE },
    { H_FRAMES, 8, UINT64_MAX, 0, BLZ_ERR_RANGE },
    { H_CT, 4, 0, 0, BLZ_ERR_RANGE },
    { H_CT, 4, 1u << 20, 0, BLZ_ERR_RANGE },            /* chunk of 1 GiB, past 256 MiB */
    { H_TH, 4, 0xFFFFFFFFu, 0, BLZ_ERR_RANGE },         /* product overflows 32 bits */
    { H_FRAMES, 8, 11, 0, BLZ_ERR_FORMAT },             /* frame table size disagrees */
    { H_CHUNKS, 8, 1, 1, BLZ_ERR_FORMAT },
    { H_INDEX, 8, 1u << 30, 1, BLZ_ERR_FORMAT },        /* index past the end */
    { H_INDEX, 8, 4, 1, BLZ_ERR_FORMAT },               /* misaligned section */
    { H_INDEX + 8, 8, UINT64_MAX - 64, 0, BLZ_ERR_FORMAT },
    { H_FRAME_TABLE, 8, 0, 0, BLZ_ERR_FORMAT },         /* inside the header block */
    { H_METADATA, 8, 8, 1, BLZ_ERR_FORMAT },            /* runs past the end */
    { H_METADATA + 8, 8, 0, 0, BLZ_ERR_FORMAT },
    { H_FILE_SIZE, 8, 4096, 1, BLZ_ERR_FORMAT },
};

static void patch(unsigned char *p, int width, uint64_t value)
{
    if (width == 2)
        put16(p, (uint16_t)value);
    else if (width == 4)
        put32(p, (uint32_t)value);
    else
        put64(p, value);
}

START_TEST(hostile_headers_are_refused)
{
    fixture f;
    make_fixture(&f, BLZ_CODEC_RAW);
    const header_patch *hp = &header_patches[_i];
    unsigned char *b = copy(&f);
    uint64_t old = 0;
    memcpy(&old, b + hp->at, (size_t)hp->width);
    patch(b + hp->at, hp->width, hp->relative ? old + hp->value : hp->value);
    reseal_header(b);
    int st = open_variant(&f, b, f.size, 0);
    ck_assert_msg(st == hp->status, "patch %d (field at %zu): got %d (%s), want %d", _i, hp->at,
                  st, blz_errmsg(), hp->status);
    free(b);
    drop_fixture(&f);
}
END_TEST

/* Patch field (offset within entry id, width 4 or 8) of the index, reseal, open. */
static int open_with_entry_patch(const fixture *f, int64_t id, size_t field, int width,
                                 uint64_t value)
{
    unsigned char *b = copy(f);
    patch(b + get64(b + H_INDEX) + (size_t)id * ENTRY + field, width, value);
    reseal_section(b, H_INDEX);
    int st = open_variant(f, b, f->size, 0);
    free(b);
    return st;
}

START_TEST(hostile_index_entries_are_refused)
{
    fixture f;
    make_fixture(&f, BLZ_CODEC_RAW);
    const unsigned char *e1 = f.bytes + get64(f.bytes + H_INDEX) + ENTRY;
    uint64_t off1 = get64(e1), size1 = get64(e1 + 8), index_at = get64(f.bytes + H_INDEX);
    ck_assert_int_eq(open_with_entry_patch(&f, 1, 0, 8, off1 + 8), BLZ_ERR_FORMAT);
    ck_assert_int_eq(open_with_entry_patch(&f, 1, 0, 8, 0), BLZ_ERR_FORMAT);
    ck_assert_int_eq(open_with_entry_patch(&f, 1, 0, 8, index_at), BLZ_ERR_FORMAT);
    ck_assert_int_eq(open_with_entry_patch(&f, 1, 0, 8, UINT64_MAX & ~4095ull), BLZ_ERR_FORMAT);
    ck_assert_int_eq(open_with_entry_patch(&f, 1, 0, 8, off1 - 4096), BLZ_ERR_FORMAT);
    ck_assert_int_eq(open_with_entry_patch(&f, 1, 8, 8, size1 - 1), BLZ_ERR_FORMAT);
    ck_assert_int_eq(open_with_entry_patch(&f, 1, 8, 8, UINT64_MAX), BLZ_ERR_FORMAT);
    ck_assert_int_eq(open_with_entry_patch(&f, 1, 24, 4, 3), BLZ_ERR_FORMAT);
    ck_assert_int_eq(open_with_entry_patch(&f, 1, 24, 4, BLZ_CODEC_LZ4), BLZ_OK);
    ck_assert_int_eq(open_with_entry_patch(&f, 1, 8, 8, size1 * 2), BLZ_ERR_FORMAT);
    drop_fixture(&f);
}
END_TEST

START_TEST(undecodable_lz4_chunk_is_refused_on_read)
{
    fixture f;
    make_fixture(&f, BLZ_CODEC_RAW);
    unsigned char *b = copy(&f);
    patch(b + get64(b + H_INDEX) + ENTRY + 24, 4, BLZ_CODEC_LZ4);   /* raw bytes claimed lz4 */
    reseal_section(b, H_INDEX);
    ck_assert_int_eq(tcu_spit(f.variant, b, f.size), 0);
    blz_cache *c;
    ck_assert_int_eq(blz_cache_open(&c, f.variant, 0), BLZ_OK);
    blz_chunk_buf *buf = blz_chunk_buf_alloc(c);
    const float *v;
    ck_assert_int_eq(blz_cache_chunk(c, 1, buf, &v), BLZ_ERR_FORMAT);
    blz_chunk_buf_free(buf);
    blz_cache_close(c);
    free(b);
    drop_fixture(&f);
}
END_TEST

/* Replace the metadata section content (same size) and reseal. */
static int open_with_meta(const fixture *f, const unsigned char *meta, size_t n)
{
    unsigned char *b = copy(f);
    size_t at = (size_t)get64(b + H_METADATA);
    ck_assert_uint_ge(get64(b + H_METADATA + 8), n);
    memset(b + at, 0, (size_t)get64(b + H_METADATA + 8));
    memcpy(b + at, meta, n);
    reseal_section(b, H_METADATA);
    int st = open_variant(f, b, f->size, 0);
    free(b);
    return st;
}

START_TEST(hostile_metadata_is_refused)
{
    fixture f;
    make_fixture(&f, BLZ_CODEC_RAW);
    static const unsigned char huge_count[] = { 0xff, 0xff, 0xff, 0xff };
    static const unsigned char long_key[] = { 1, 0, 0, 0, 0xff, 0xff, 0, 0 };
    static const unsigned char dup_keys[] = { 2, 0, 0, 0, 1, 0, 0, 0, 'a', 1, 0, 0, 0, 'x',
                                              1, 0, 0, 0, 'a', 1, 0, 0, 0, 'y' };
    static const unsigned char bad_utf8[] = { 1, 0, 0, 0, 1, 0, 0, 0, 0xC0, 0, 0, 0, 0 };
    static const unsigned char nul_key[] = { 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0 };
    static const unsigned char no_pairs[] = { 0, 0, 0, 0 };   /* rest of the section: stray */
    ck_assert_int_eq(open_with_meta(&f, huge_count, sizeof huge_count), BLZ_ERR_FORMAT);
    ck_assert_int_eq(open_with_meta(&f, long_key, sizeof long_key), BLZ_ERR_FORMAT);
    ck_assert_int_eq(open_with_meta(&f, dup_keys, sizeof dup_keys), BLZ_ERR_FORMAT);
    ck_assert_int_eq(open_with_meta(&f, bad_utf8, sizeof bad_utf8), BLZ_ERR_FORMAT);
    ck_assert_int_eq(open_with_meta(&f, nul_key, sizeof nul_key), BLZ_ERR_FORMAT);
    ck_assert_int_eq(open_with_meta(&f, no_pairs, sizeof no_pairs), BLZ_ERR_FORMAT);
    ck_assert_ptr_nonnull(strstr(blz_errmsg(), "stray"));
    drop_fixture(&f);
}
END_TEST

START_TEST(missing_and_foreign_files)
{
    char *dir = tu_tmpdir();
    char *absent = tu_fmt("%s/absent.blz", dir);
    blz_cache *c;
    ck_assert_int_eq(blz_cache_open(&c, absent, 0), BLZ_ERR_NOENT);
    ck_assert_int_eq(blz_cache_open(&c, dir, 0), BLZ_ERR_FORMAT);
    char *fifo = tu_fmt("%s/pipe", dir);
    ck_assert_int_eq(mkfifo(fifo, 0600), 0);
    ck_assert_int_eq(blz_cache_open(&c, fifo, 0), BLZ_ERR_FORMAT);   /* refused, not waited on */
    free(fifo);
    unsigned char text[8192];
    memset(text, 'a', sizeof text);
    ck_assert_int_eq(tcu_spit(absent, text, sizeof text), 0);
    ck_assert_int_eq(blz_cache_open(&c, absent, 0), BLZ_ERR_FORMAT);
    ck_assert_ptr_nonnull(strstr(blz_errmsg(), "magic"));
    tu_rmtree(dir);
    free(dir);
    free(absent);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("cache_damage");
    TCase *tc = tcase_create("damage");
    tcase_add_test(tc, good_file_opens);
    tcase_add_loop_test(tc, flipped_chunk_byte_is_caught, BLZ_CODEC_RAW, BLZ_CODEC_SHUFFLE_LZ4 + 1);
    tcase_add_loop_test(tc, false_integer_claim_is_caught, BLZ_CODEC_RAW,
                        BLZ_CODEC_SHUFFLE_LZ4 + 1);
    tcase_add_test(tc, flipped_section_byte_is_caught);
    tcase_add_test(tc, truncations_are_refused);
    tcase_add_loop_test(tc, hostile_headers_are_refused, 0,
                        (int)(sizeof header_patches / sizeof header_patches[0]));
    tcase_add_test(tc, hostile_index_entries_are_refused);
    tcase_add_test(tc, undecodable_lz4_chunk_is_refused_on_read);
    tcase_add_test(tc, hostile_metadata_is_refused);
    tcase_add_test(tc, missing_and_foreign_files);
    suite_add_tcase(s, tc);
    return tu_run_suite(s);
}
