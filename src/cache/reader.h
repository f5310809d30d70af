/*
 * reader.h - the inside of an open cache, shared by the reader's source files.
 *
 * reader.c opens and validates; chunk.c decodes and verifies chunks; region.c
 * assembles regions of frames; view.c makes views of some tiles, which share the
 * parent's mapping, frame table and metadata and own only a remapped index. The index is copied out of the mapping on open, after
 * validation, so the bounds checked there are the bounds used later.
 */
#ifndef BLITZ_CACHE_READER_H
#define BLITZ_CACHE_READER_H

#include <stdint.h>

#include "blitz/cache.h"
#include "cache/format.h"
#include "cache/meta.h"

struct blz_cache {
    char *path;
    const unsigned char *map;       /* whole file, PROT_READ, MAP_SHARED */
    uint64_t size;
    unsigned flags;                 /* enum blz_open_flags */
    blz_header header;
    blz_layout layout;
    blz_chunk_entry *entries;       /* validated copy of the index */
    const unsigned char *frame_table;
    blz_meta meta;
    const blz_cache *parent;        /* for a view of some tiles: the whole cache */
    int32_t row_offset;             /* a view's first pixel row in the whole frame */
    int32_t col_offset;             /* a view's first pixel column in the whole frame */
};

struct blz_chunk_buf {
    size_t bytes;                   /* chunk_bytes of the cache it was made for */
    unsigned char *decoded;         /* chunk values */
    unsigned char *scratch;         /* decompressed, still shuffled */
};

#endif
