/*
 * format.c - (de)serialisation and validation of the header and the chunk index.
 *
 * A reader calls blz_header_decode() on the mapped file before trusting any field: it
 * checks the magic, the major version, the header checksum, the feature flags, the
 * geometry limits (with overflow-checked products) and that every section lies inside
 * the file in the prescribed order. Nothing is allocated from an unchecked field.
 */
#include <lz4.h>
#include <xxh_x86dispatch.h>

#include "cache/format.h"
#include "core/checked.h"
#include "core/error_internal.h"

/* Header field offsets (docs/FORMAT.md, "Header"). */
enum {
    OFF_MAJOR = 8, OFF_MINOR = 10, OFF_HEADER_SIZE = 12, OFF_REQUIRED = 16,
    OFF_OPTIONAL = 24, OFF_FRAMES = 32, OFF_HEIGHT = 40, OFF_WIDTH = 44, OFF_CHANNELS = 48,
    OFF_SAMPLE = 52, OFF_CT = 56, OFF_TH = 60, OFF_TW = 64, OFF_CHUNKS = 72,
    OFF_INDEX = 80, OFF_FRAME_TABLE = 104, OFF_METADATA = 128, OFF_FILE_SIZE = 152
};

uint64_t blz_hash(const void *data, size_t size)
{
    return XXH3_64bits_dispatch(data, size);
}

static int check_side(const char *what, const char *name, uint32_t value, uint32_t max)
{
    if (value < 1 || value > max)
        return blz_fail(BLZ_ERR_RANGE, "%s: %s %u outside 1..%u", what, name, value, max);
    return BLZ_OK;
}

static int check_geometry(const char *what, uint64_t frames, uint32_t height, uint32_t width,
                          uint32_t channels, uint32_t ct, uint32_t th, uint32_t tw)
{
    int st;
    if ((st = check_side(what, "channels", channels, BLZ_MAX_CHANNELS)) < 0 ||
        (st = check_side(what, "height", height, BLZ_MAX_SIDE)) < 0 ||
        (st = check_side(what, "width", width, BLZ_MAX_SIDE)) < 0 ||
        (st = check_side(what, "chunk frames", ct, UINT32_MAX)) < 0 ||
        (st = check_side(what, "chunk rows", th, UINT32_MAX)) < 0 ||
        (st = check_side(what, "chunk columns", tw, UINT32_MAX)) < 0)
        return st;
    if (frames >= BLZ_MAX_FRAMES)
        return blz_fail(BLZ_ERR_RANGE, "%s: frame count %llu not below 2^40", what,
                        (unsigned long long)frames);
    return BLZ_OK;
}

int blz_layout_make(blz_layout *l, const char *what, uint64_t frames, uint32_t height,
                    uint32_t width, uint32_t channels, uint32_t ct, uint32_t th, uint32_t tw)
{
    int st = check_geometry(what, frames, height, width, channels, ct, th, tw);
    if (st < 0)
        return st;
    size_t values, bytes, tiles;
    if (!blz_mul3_size(ct, th, tw, &values) || !blz_mul_size(values, channels, &values) ||
        !blz_mul_size(values, sizeof(float), &bytes) || bytes > BLZ_MAX_CHUNK_BYTES)
        return blz_fail(BLZ_ERR_RANGE, "%s: chunk %u x %u x %u x %u exceeds 256 MiB", what,
                        ct, th, tw, channels);
    *l = (blz_layout){ .frames = (int64_t)frames, .height = (int32_t)height,
                       .width = (int32_t)width, .channels = (int32_t)channels,
                       .ct = (int32_t)ct, .th = (int32_t)th, .tw = (int32_t)tw,
                       .nt = blz_div_ceil((int64_t)frames, ct),
                       .ny = (int32_t)blz_div_ceil(height, th),
                       .nx = (int32_t)blz_div_ceil(width, tw),
                       .chunk_values = values, .chunk_bytes = bytes,
                       .frame_values = (size_t)height * width * channels };
    size_t chunks;
    if (!blz_mul_size((size_t)l->ny, (size_t)l->nx, &tiles) ||
        !blz_mul_size(tiles, (size_t)l->nt, &chunks) || chunks > INT64_MAX)
        return blz_fail(BLZ_ERR_RANGE, "%s: chunk count overflows", what);
    l->chunks = (int64_t)chunks;
    return BLZ_OK;
}

static void encode_section(unsigned char *p, const blz_section *s)
{
    blz_store64(p, s->offset);
    blz_store64(p + 8, s->size);
    blz_store64(p + 16, s->checksum);
}

void blz_header_encode(const blz_header *h, unsigned char out[BLZ_HEADER_USED])
{
    memset(out, 0, BLZ_HEADER_USED);
    memcpy(out, BLZ_MAGIC, BLZ_MAGIC_SIZE);
    blz_store16(out + OFF_MAJOR, h->major);
    blz_store16(out + OFF_MINOR, h->minor);
    blz_store32(out + OFF_HEADER_SIZE, h->header_size);
    blz_store64(out + OFF_REQUIRED, h->required_flags);
    blz_store64(out + OFF_OPTIONAL, h->optional_flags);
    blz_store64(out + OFF_FRAMES, h->frames);
    blz_store32(out + OFF_HEIGHT, h->height);
    blz_store32(out + OFF_WIDTH, h->width);
    blz_store32(out + OFF_CHANNELS, h->channels);
    blz_store32(out + OFF_SAMPLE, h->sample_type);
    blz_store32(out + OFF_CT, h->ct);
    blz_store32(out + OFF_TH, h->th);
    blz_store32(out + OFF_TW, h->tw);
    blz_store64(out + OFF_CHUNKS, h->chunks);
    encode_section(out + OFF_INDEX, &h->index);
    encode_section(out + OFF_FRAME_TABLE, &h->frame_table);
    encode_section(out + OFF_METADATA, &h->metadata);
    blz_store64(out + OFF_FILE_SIZE, h->file_size);
    blz_store64(out + BLZ_HEADER_SUM_OFFSET, blz_hash(out, BLZ_HEADER_SUM_OFFSET));
}

static void decode_section(const unsigned char *p, blz_section *s)
{
    *s = (blz_section){ blz_load64(p), blz_load64(p + 8), blz_load64(p + 16) };
}

static void decode_fields(const unsigned char *p, blz_header *h)
{
    h->major = blz_load16(p + OFF_MAJOR);
    h->minor = blz_load16(p + OFF_MINOR);
    h->header_size = blz_load32(p + OFF_HEADER_SIZE);
    h->required_flags = blz_load64(p + OFF_REQUIRED);
    h->optional_flags = blz_load64(p + OFF_OPTIONAL);
    h->frames = blz_load64(p + OFF_FRAMES);
    h->height = blz_load32(p + OFF_HEIGHT);
    h->width = blz_load32(p + OFF_WIDTH);
    h->channels = blz_load32(p + OFF_CHANNELS);
    h->sample_type = blz_load32(p + OFF_SAMPLE);
    h->ct = blz_load32(p + OFF_CT);
    h->th = blz_load32(p + OFF_TH);
    h->tw = blz_load32(p + OFF_TW);
    h->chunks = blz_load64(p + OFF_CHUNKS);
    decode_section(p + OFF_INDEX, &h->index);
    decode_section(p + OFF_FRAME_TABLE, &h->frame_table);
    decode_section(p + OFF_METADATA, &h->metadata);
    h->file_size = blz_load64(p + OFF_FILE_SIZE);
}

/* Magic, major version and header checksum: what must hold before any field counts. */
static int check_identity(const unsigned char *map, uint64_t file_size, const char *path,
                          const blz_header *h)
{
    if (file_size < BLZ_HEADER_BLOCK)
        return blz_fail(BLZ_ERR_FORMAT, "%s: %llu bytes is too small for a blitz cache "
                        "(truncated?)", path, (unsigned long long)file_size);
    if (memcmp(map, BLZ_MAGIC, BLZ_MAGIC_SIZE) != 0)
        return blz_fail(BLZ_ERR_FORMAT, "%s: not a blitz cache (bad magic)", path);
    if (h->major != BLZ_FORMAT_MAJOR)
        return blz_fail(BLZ_ERR_VERSION, "%s: format version %u.%u, this reader reads %d.x",
                        path, h->major, h->minor, BLZ_FORMAT_MAJOR);
    uint64_t stored = blz_load64(map + BLZ_HEADER_SUM_OFFSET);
    if (blz_hash(map, BLZ_HEADER_SUM_OFFSET) != stored)
        return blz_fail(BLZ_ERR_CHECKSUM, "%s: header checksum mismatch at offset 0", path);
    return BLZ_OK;
}

/* Flags, sample type, header block size and the file size the header records. */
static int check_envelope(uint64_t file_size, const char *path, const blz_header *h)
{
    if (h->required_flags != 0)
        return blz_fail(BLZ_ERR_VERSION, "%s: unknown required feature flags 0x%llx", path,
                        (unsigned long long)h->required_flags);
    if (h->sample_type != BLZ_SAMPLE_FLOAT32)
        return blz_fail(BLZ_ERR_UNSUPPORTED, "%s: sample type %u (only 1 = float32 is known)",
                        path, h->sample_type);
    if (h->header_size < BLZ_HEADER_BLOCK || h->header_size > BLZ_HEADER_BLOCK_MAX ||
        h->header_size % BLZ_CHUNK_ALIGN != 0)
        return blz_fail(BLZ_ERR_FORMAT, "%s: header block size %u is not a multiple of 4096 "
                        "in 4096..65536", path, h->header_size);
    if (h->file_size != file_size)
        return blz_fail(BLZ_ERR_FORMAT, "%s: header says %llu bytes but the file has %llu "
                        "(truncated or appended to)", path,
                        (unsigned long long)h->file_size, (unsigned long long)file_size);
    return BLZ_OK;
}

/* A section must start 8-aligned at or after start and end inside the file. */
static int check_section(const blz_section *s, const char *name, uint64_t start,
                         uint64_t file_size, const char *path, uint64_t *end)
{
    if (s->offset % BLZ_SECTION_ALIGN != 0 || s->offset < start ||
        !blz_add_u64(s->offset, s->size, end) || *end > file_size)
        return blz_fail(BLZ_ERR_FORMAT, "%s: %s section (offset %llu, %llu bytes) misplaced: "
                        "must be 8-aligned within %llu..%llu", path, name,
                        (unsigned long long)s->offset, (unsigned long long)s->size,
                        (unsigned long long)start, (unsigned long long)file_size);
    return BLZ_OK;
}

static int check_section_size(const blz_section *s, const char *name, uint64_t count,
                              uint64_t entry, const char *path)
{
    uint64_t want;
    if (!blz_mul_u64(count, entry, &want) || s->size != want)
        return blz_fail(BLZ_ERR_FORMAT, "%s: %s section is %llu bytes, %llu entries need %llu",
                        path, name, (unsigned long long)s->size, (unsigned long long)count,
                        (unsigned long long)(count * entry));
    return BLZ_OK;
}

static int check_sections(uint64_t file_size, const char *path, const blz_header *h)
{
    uint64_t end = 0;
    int st;
    if ((st = check_section_size(&h->index, "index", h->chunks, BLZ_INDEX_ENTRY, path)) < 0 ||
        (st = check_section_size(&h->frame_table, "frame table", h->frames, BLZ_FRAME_ENTRY,
                                 path)) < 0)
        return st;
    if (h->metadata.size < 4)
        return blz_fail(BLZ_ERR_FORMAT, "%s: metadata section of %llu bytes (at least 4)",
                        path, (unsigned long long)h->metadata.size);
    if ((st = check_section(&h->index, "index", h->header_size, file_size, path, &end)) < 0 ||
        (st = check_section(&h->frame_table, "frame table", end, file_size, path, &end)) < 0 ||
        (st = check_section(&h->metadata, "metadata", end, file_size, path, &end)) < 0)
        return st;
    return BLZ_OK;
}

int blz_header_decode(const unsigned char *map, uint64_t file_size, const char *path,
                      blz_header *h, blz_layout *layout)
{
    int st;
    if (file_size >= BLZ_HEADER_BLOCK)
        decode_fields(map, h);
    if ((st = check_identity(map, file_size, path, h)) < 0 ||
        (st = check_envelope(file_size, path, h)) < 0)
        return st;
    if (h->frames < 1)
        return blz_fail(BLZ_ERR_RANGE, "%s: frame count 0", path);
    if ((st = blz_layout_make(layout, path, h->frames, h->height, h->width, h->channels,
                              h->ct, h->th, h->tw)) < 0)
        return st;
    if (h->chunks != (uint64_t)layout->chunks)
        return blz_fail(BLZ_ERR_FORMAT, "%s: header counts %llu chunks, the geometry makes %lld",
                        path, (unsigned long long)h->chunks, (long long)layout->chunks);
    return check_sections(file_size, path, h);
}

void blz_entry_encode(const blz_chunk_entry *e, unsigned char out[BLZ_INDEX_ENTRY])
{
    blz_store64(out, e->offset);
    blz_store64(out + 8, e->stored_size);
    blz_store64(out + 16, e->checksum);
    blz_store32(out + 24, (uint32_t)e->codec);
    blz_store32(out + 28, e->int_limit);
}

void blz_entry_decode(const unsigned char in[BLZ_INDEX_ENTRY], blz_chunk_entry *e)
{
    uint32_t codec = blz_load32(in + 24);
    *e = (blz_chunk_entry){ .offset = blz_load64(in), .stored_size = blz_load64(in + 8),
                            .checksum = blz_load64(in + 16),
                            .codec = codec > BLZ_CODEC_SHUFFLE_LZ4 ? -1 : (int)codec,
                            .int_limit = blz_load32(in + 28) };
}

static int check_stored_size(const blz_chunk_entry *e, int64_t id, const blz_layout *l,
                             const char *path)
{
    uint64_t bound = (uint64_t)LZ4_compressBound((int)l->chunk_bytes);
    bool ok = e->codec == BLZ_CODEC_RAW ? e->stored_size == l->chunk_bytes
                                        : e->stored_size >= 1 && e->stored_size <= bound;
    if (!ok)
        return blz_fail(BLZ_ERR_FORMAT, "%s: chunk %lld at offset %llu: stored size %llu "
                        "impossible for codec %s and %zu-byte chunks", path, (long long)id,
                        (unsigned long long)e->offset, (unsigned long long)e->stored_size,
                        blz_codec_name(e->codec), l->chunk_bytes);
    return BLZ_OK;
}

int blz_entry_check(const blz_chunk_entry *e, int64_t id, const blz_layout *l,
                    uint64_t header_size, uint64_t previous_end, uint64_t end, const char *path)
{
    if (e->codec < 0)
        return blz_fail(BLZ_ERR_FORMAT, "%s: chunk %lld: unknown codec", path, (long long)id);
    uint64_t stop;
    if (e->offset % BLZ_CHUNK_ALIGN != 0 || e->offset < header_size ||
        e->offset < previous_end || !blz_add_u64(e->offset, e->stored_size, &stop) ||
        stop > end)
        return blz_fail(BLZ_ERR_FORMAT, "%s: chunk %lld at offset %llu (%llu bytes) misplaced: "
                        "must be 4096-aligned, in order, within %llu..%llu", path, (long long)id,
                        (unsigned long long)e->offset, (unsigned long long)e->stored_size,
                        (unsigned long long)(previous_end > header_size ? previous_end
                                                                        : header_size),
                        (unsigned long long)end);
    return check_stored_size(e, id, l, path);
}
