/*
 * chunk.c - reading one chunk: in place for raw chunks, decoded for the others.
 *
 * A raw chunk is a pointer into the read-only mapping (chunks start on 4096-byte
 * boundaries, so the floats are aligned). lz4 and shuffle-lz4 chunks are decoded with
 * LZ4_decompress_safe into the caller's per-thread blz_chunk_buf; a reader that takes
 * byte planes gets a shuffle-lz4 chunk before its unshuffle. With BLZ_OPEN_VERIFY
 * every read first checks the stored bytes against the index checksum, and the values
 * against the index's integer claim.
 */
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "cache/codec.h"
#include "cache/int_limit.h"
#include "cache/reader.h"
#include "cache/shuffle.h"
#include "core/checked.h"
#include "core/error_internal.h"

enum { BUF_ALIGN = 64 };

size_t blz_chunk_buf_bytes(const blz_cache *c)
{
    return 2 * c->layout.chunk_bytes;   /* chunk_bytes <= 256 MiB: no overflow */
}

blz_chunk_buf *blz_chunk_buf_alloc(const blz_cache *c)
{
    blz_chunk_buf *buf = calloc(1, sizeof *buf);
    size_t bytes;
    uint64_t aligned;
    if (!buf || !blz_align_u64(c->layout.chunk_bytes, BUF_ALIGN, &aligned)) {
        free(buf);
        return NULL;
    }
    bytes = (size_t)aligned;
    buf->bytes = c->layout.chunk_bytes;
    buf->decoded = aligned_alloc(BUF_ALIGN, bytes);
    buf->scratch = aligned_alloc(BUF_ALIGN, bytes);
    if (!buf->decoded || !buf->scratch) {
        blz_chunk_buf_free(buf);
        return NULL;
    }
    return buf;
}

void blz_chunk_buf_free(blz_chunk_buf *buf)
{
    if (!buf)
        return;
    free(buf->decoded);
    free(buf->scratch);
    free(buf);
}

static int entry_of(const blz_cache *c, int64_t id, const blz_chunk_entry **e)
{
    if (id < 0 || id >= c->layout.chunks)
        return blz_fail(BLZ_ERR_INVALID, "%s: chunk %lld outside 0..%lld", c->path,
                        (long long)id, (long long)c->layout.chunks - 1);
    *e = &c->entries[id];
    return BLZ_OK;
}

static int verify_entry(const blz_cache *c, int64_t id, const blz_chunk_entry *e)
{
    if (blz_hash(c->map + e->offset, e->stored_size) != e->checksum)
        return blz_fail(BLZ_ERR_CHECKSUM, "%s: chunk %lld at offset %llu: checksum mismatch",
                        c->path, (long long)id, (unsigned long long)e->offset);
    return BLZ_OK;
}

int blz_cache_verify_chunk(const blz_cache *c, int64_t id)
{
    const blz_chunk_entry *e = NULL;
    int st = entry_of(c, id, &e);
    return st < 0 ? st : verify_entry(c, id, e);
}

/* Decode chunk id into buf: to its values, or to byte planes when planes_ok and the
 * chunk is shuffle-lz4 (*planes set, else NULL). */
static int decode(const blz_cache *c, int64_t id, const blz_chunk_entry *e, blz_chunk_buf *buf,
                  bool planes_ok, const unsigned char **planes)
{
    if (!buf || buf->bytes != c->layout.chunk_bytes)
        return blz_fail(BLZ_ERR_INVALID, "%s: chunk %lld is %s-coded and needs a chunk buffer "
                        "made for this cache", c->path, (long long)id, blz_codec_name(e->codec));
    const unsigned char *stored = c->map + e->offset;
    *planes = planes_ok && e->codec == BLZ_CODEC_SHUFFLE_LZ4 ? buf->scratch : NULL;
    bool ok = *planes ? blz_codec_decompress(stored, e->stored_size, buf->bytes, buf->scratch)
                      : blz_codec_decode(stored, e->stored_size, e->codec, buf->bytes,
                                         buf->decoded, buf->scratch);
    if (!ok)
        return blz_fail(BLZ_ERR_FORMAT, "%s: chunk %lld at offset %llu: %s data do not decode "
                        "to %zu bytes", c->path, (long long)id, (unsigned long long)e->offset,
                        blz_codec_name(e->codec), c->layout.chunk_bytes);
    return BLZ_OK;
}

/* The values of chunk id against its entry's integer claim (BLZ_OPEN_VERIFY). */
static int verify_claim(const blz_cache *c, int64_t id, const blz_chunk_entry *e,
                        const float *values)
{
    if (!blz_int_limit_holds(values, c->layout.chunk_values, e->int_limit))
        return blz_fail(BLZ_ERR_FORMAT, "%s: chunk %lld at offset %llu: values break the "
                        "index's claim of integers below %lu", c->path, (long long)id,
                        (unsigned long long)e->offset, (unsigned long)e->int_limit);
    return BLZ_OK;
}

/* Chunk id as values, or as byte planes when planes is not NULL and the chunk has them
 * (under BLZ_OPEN_VERIFY their values are put together in the spare buffer, for the
 * integer claim's check). */
static int read_chunk(const blz_cache *c, int64_t id, blz_chunk_buf *buf, const float **values,
                      const unsigned char **planes)
{
    const blz_chunk_entry *e = NULL;
    const unsigned char *shuffled = NULL;
    bool verify = c->flags & BLZ_OPEN_VERIFY;
    int st = entry_of(c, id, &e);
    if (st == BLZ_OK && verify)
        st = verify_entry(c, id, e);
    if (st < 0)
        return st;
    *values = NULL;
    if (e->codec == BLZ_CODEC_RAW)
        *values = (const float *)(const void *)(c->map + e->offset);
    else if ((st = decode(c, id, e, buf, planes != NULL, &shuffled)) < 0)
        return st;
    else if (!shuffled)
        *values = (const float *)(const void *)buf->decoded;
    if (planes)
        *planes = shuffled;
    if (!verify)
        return BLZ_OK;
    if (shuffled)
        blz_unshuffle4(buf->decoded, shuffled, c->layout.chunk_values);
    return verify_claim(c, id, e, *values ? *values : (const float *)(const void *)buf->decoded);
}

int blz_cache_chunk(const blz_cache *c, int64_t id, blz_chunk_buf *buf, const float **values)
{
    return read_chunk(c, id, buf, values, NULL);
}

int blz_cache_chunk_planes(const blz_cache *c, int64_t id, blz_chunk_buf *buf,
                           const float **values, const unsigned char **planes)
{
    return read_chunk(c, id, buf, values, planes);
}

static void advise_bytes(const blz_cache *c, uint64_t start, uint64_t end, int how)
{
    uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);
    start = start / page * page;
    madvise((void *)(c->map + start), (size_t)(end - start), how);
}

/* Chunks first..first+count-1 are advised in runs of neighbouring stored bytes: in a
 * whole cache that is one run, in a view of some tile rows one run per time block, so
 * the hints never touch the chunks of rows outside the view. */
void blz_cache_advise(const blz_cache *c, int64_t first, int64_t count, int advice)
{
    if (first < 0)
        first = 0;
    if (count <= 0 || first >= c->layout.chunks)
        return;
    int64_t last = count > c->layout.chunks - first ? c->layout.chunks - 1 : first + count - 1;
    int how = advice == BLZ_ADVISE_DONTNEED ? MADV_DONTNEED : MADV_WILLNEED;
    uint64_t start = c->entries[first].offset;
    uint64_t end = start + c->entries[first].stored_size;
    for (int64_t id = first + 1; id <= last; id++) {
        const blz_chunk_entry *e = &c->entries[id];
        if (e->offset > end + BLZ_CHUNK_ALIGN || e->offset < start) {
            advise_bytes(c, start, end, how);
            start = e->offset;
        }
        end = e->offset + e->stored_size;
    }
    advise_bytes(c, start, end, how);
}
