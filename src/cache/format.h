/*
 * format.h - the on-disk layout of a blitz cache, version 1 (docs/FORMAT.md).
 *
 * Constants for every field offset, the decoded header, little-endian load/store
 * helpers, and the (de)serialisation and validation of the header and of index
 * entries. Both the writer and the reader go through these functions, so the two
 * cannot disagree about the format, and every limit a reader enforces lives here.
 */
#ifndef BLITZ_CACHE_FORMAT_H
#define BLITZ_CACHE_FORMAT_H

#include <stdint.h>
#include <string.h>

#include "blitz/cache.h"

#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "blitz maps float32 little-endian chunks in place and needs a little-endian host"
#endif

#define BLZ_MAGIC "\x89" "BLZ\r\n\x1a\n"
enum {
    BLZ_MAGIC_SIZE = 8,
    BLZ_FORMAT_MAJOR = 1,
    BLZ_FORMAT_MINOR = 1,            /* 1.1: the index entries' int_limit */
    BLZ_HEADER_BLOCK = 4096,        /* header block size written by this version */
    BLZ_HEADER_BLOCK_MAX = 65536,   /* largest header block a reader accepts */
    BLZ_HEADER_USED = 256,          /* meaningful bytes at the start of the header block */
    BLZ_HEADER_SUM_OFFSET = 248,    /* XXH3-64 of bytes 0..247 */
    BLZ_CHUNK_ALIGN = 4096,
    BLZ_SECTION_ALIGN = 8,
    BLZ_INDEX_ENTRY = 32,
    BLZ_FRAME_ENTRY = 16,
    BLZ_SAMPLE_FLOAT32 = 1
};

/* Limits of format version 1. */
#define BLZ_MAX_CHANNELS 4
#define BLZ_MAX_SIDE (1u << 20)
#define BLZ_MAX_FRAMES ((uint64_t)1 << 40)      /* exclusive */
#define BLZ_MAX_CHUNK_BYTES ((uint64_t)256 << 20)

/* A compressed chunk is kept when stored * 10 <= raw * 9 (it saves at least 10%). */
#define BLZ_KEEP_NUM 9
#define BLZ_KEEP_DEN 10

/* One section (index, frame table, metadata) as the header describes it. */
typedef struct blz_section {
    uint64_t offset, size, checksum;
} blz_section;

/* The meaningful fields of the header block. */
typedef struct blz_header {
    uint16_t major, minor;
    uint32_t header_size;
    uint64_t required_flags, optional_flags;
    uint64_t frames;
    uint32_t height, width, channels, sample_type;
    uint32_t ct, th, tw;
    uint64_t chunks;
    blz_section index, frame_table, metadata;
    uint64_t file_size;
} blz_header;

static inline uint16_t blz_load16(const unsigned char *p) { uint16_t v; memcpy(&v, p, 2); return v; }
static inline uint32_t blz_load32(const unsigned char *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static inline uint64_t blz_load64(const unsigned char *p) { uint64_t v; memcpy(&v, p, 8); return v; }
static inline void blz_store16(unsigned char *p, uint16_t v) { memcpy(p, &v, 2); }
static inline void blz_store32(unsigned char *p, uint32_t v) { memcpy(p, &v, 4); }
static inline void blz_store64(unsigned char *p, uint64_t v) { memcpy(p, &v, 8); }

/* XXH3-64 with seed 0, the checksum of every part of the file. */
uint64_t blz_hash(const void *data, size_t size);

/* Fill layout from a geometry and frame count, enforcing the version 1 limits
 * (BLZ_ERR_RANGE naming what, prefixed by what). frames may be 0 for a writer that
 * has not received frames yet. */
int blz_layout_make(blz_layout *layout, const char *what, uint64_t frames, uint32_t height,
                    uint32_t width, uint32_t channels, uint32_t ct, uint32_t th, uint32_t tw);

/* Serialise header into the BLZ_HEADER_USED first bytes of out (checksum included). */
void blz_header_encode(const blz_header *header, unsigned char out[BLZ_HEADER_USED]);

/* Decode and check the header block of a file of file_size bytes at map: magic,
 * version, header checksum, feature flags, sample type, geometry limits, section
 * bounds and the file size. Fills header and layout. */
int blz_header_decode(const unsigned char *map, uint64_t file_size, const char *path,
                      blz_header *header, blz_layout *layout);

/* Serialise / decode one 32-byte index entry. */
void blz_entry_encode(const blz_chunk_entry *entry, unsigned char out[BLZ_INDEX_ENTRY]);
void blz_entry_decode(const unsigned char in[BLZ_INDEX_ENTRY], blz_chunk_entry *entry);

/* Check entry id of a file against the layout: known codec, alignment, bounds (after
 * the header block, ending at or before end, starting at or after previous_end) and
 * stored size. */
int blz_entry_check(const blz_chunk_entry *entry, int64_t id, const blz_layout *layout,
                    uint64_t header_size, uint64_t previous_end, uint64_t end,
                    const char *path);

#endif
