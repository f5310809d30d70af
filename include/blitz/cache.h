/*
 * blitz/cache.h - reading a blitz cache: an immutable file of chunked float32 frames.
 *
 * A cache holds T frames of H x W pixels with C channels (1 = gray, 3 = RGB), as
 * float32, cut into chunks of ct frames x th rows x tw columns. Inside a chunk the
 * values are frame-major then row-major with channels interleaved:
 *
 *     value(t, y, x, c) = chunk[((t * th + y) * tw + x) * C + c]     (chunk-local t, y, x)
 *
 * Edge chunks are padded to full size, so every chunk holds ct*th*tw*C values. Chunks
 * are numbered time block first:  id = (tb * ny + ty) * nx + tx.  docs/FORMAT.md is
 * the normative description of the file.
 *
 * A reader opens the file read-only (O_RDONLY, PROT_READ), takes no locks and writes
 * nothing anywhere, so any number of processes on any number of nodes may share one
 * cache on a read-only mount. blz_cache_open() checks the header, the index, the frame
 * table and the metadata (structure and checksums); chunk checksums are checked on
 * demand (blz_cache_verify_chunk) or on every read with BLZ_OPEN_VERIFY.
 *
 * A blz_cache is safe to share between threads once open: every read call is const.
 * Each thread decompresses into its own blz_chunk_buf.
 */
#ifndef BLITZ_CACHE_H
#define BLITZ_CACHE_H

#include <stddef.h>
#include <stdint.h>

#include "blitz/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Per-chunk storage codecs (docs/FORMAT.md, "Codecs"). */
enum blz_codec {
    BLZ_CODEC_RAW = 0,         /* float32 little-endian values as they are */
    BLZ_CODEC_LZ4 = 1,         /* LZ4 block of the raw bytes */
    BLZ_CODEC_SHUFFLE_LZ4 = 2  /* bytes split into 4 planes (byte 0 of every value, ...), then LZ4 */
};

/* Name of a codec ("raw", "lz4", "shuffle-lz4") or NULL; and the reverse (-1 if unknown). */
const char *blz_codec_name(int codec);
int blz_codec_from_name(const char *name);

/* Geometry of a cache and of its chunk grid. */
typedef struct blz_layout {
    int64_t frames;        /* T */
    int32_t height;        /* H */
    int32_t width;         /* W */
    int32_t channels;      /* C: 1 or 3 */
    int32_t ct, th, tw;    /* chunk shape: frames, rows, columns */
    int64_t nt;            /* time blocks: ceil(T / ct) */
    int32_t ny, nx;        /* tile rows ceil(H / th), tile columns ceil(W / tw) */
    int64_t chunks;        /* nt * ny * nx */
    size_t chunk_values;   /* ct * th * tw * C */
    size_t chunk_bytes;    /* chunk_values * sizeof(float) */
    size_t frame_values;   /* H * W * C */
} blz_layout;

/* Chunk id from its time block, tile row and tile column. */
static inline int64_t blz_chunk_id(const blz_layout *l, int64_t tb, int32_t ty, int32_t tx)
{
    return (tb * l->ny + ty) * (int64_t)l->nx + tx;
}

/* One entry of the chunk index. */
typedef struct blz_chunk_entry {
    uint64_t offset;       /* byte offset of the stored chunk in the file (multiple of 4096) */
    uint64_t stored_size;  /* bytes stored (== chunk_bytes for raw) */
    uint64_t checksum;     /* XXH3-64 (seed 0) of the stored bytes */
    int codec;             /* enum blz_codec */
    uint32_t int_limit;    /* 0, or every value of the chunk is an integer (-0 included) of
                              magnitude below int_limit: float32 then sums up to
                              2^24 / (int_limit - 1) of them exactly (FORMAT.md 6.1) */
} blz_chunk_entry;

typedef struct blz_cache blz_cache;
typedef struct blz_chunk_buf blz_chunk_buf;

enum blz_open_flags {
    BLZ_OPEN_VERIFY = 1u << 0  /* check each chunk's checksum every time it is read */
};

/* Open the cache at path read-only and check its header, index, frame table and
 * metadata. On success *out owns the mapping; release it with blz_cache_close(). */
int blz_cache_open(blz_cache **out, const char *path, unsigned flags);
void blz_cache_close(blz_cache *cache);

const blz_layout *blz_cache_layout(const blz_cache *cache);
const char *blz_cache_path(const blz_cache *cache);
uint64_t blz_cache_file_size(const blz_cache *cache);
/* Format version the file was written with. */
void blz_cache_version(const blz_cache *cache, int *major, int *minor);

/* The index entry of chunk id (0 <= id < chunks). */
int blz_cache_chunk_entry(const blz_cache *cache, int64_t id, blz_chunk_entry *entry);

/* Source frame number and timestamp in seconds (NaN when unknown) of frame t. */
int blz_cache_frame_info(const blz_cache *cache, int64_t t, int64_t *source_index,
                         double *timestamp);

/* Metadata: UTF-8 key/value pairs in the order written. blz_cache_meta_get() returns
 * the value of key, or NULL when absent. */
size_t blz_cache_meta_count(const blz_cache *cache);
int blz_cache_meta_at(const blz_cache *cache, size_t i, const char **key, const char **value);
const char *blz_cache_meta_get(const blz_cache *cache, const char *key);

/* A per-thread buffer for decoded chunks (room for a decompressed and an unshuffled
 * chunk). blz_chunk_buf_bytes() is what it costs, for memory budgets. */
blz_chunk_buf *blz_chunk_buf_alloc(const blz_cache *cache);
void blz_chunk_buf_free(blz_chunk_buf *buf);
size_t blz_chunk_buf_bytes(const blz_cache *cache);

/* The values of chunk id. A raw chunk is returned as a pointer into the read-only
 * mapping (no copy; buf may be NULL when the caller knows the chunk is raw); any other
 * codec is decoded into buf and *values points there, valid until buf's next use. */
int blz_cache_chunk(const blz_cache *cache, int64_t id, blz_chunk_buf *buf,
                    const float **values);

/* As blz_cache_chunk(), but a shuffle-lz4 chunk is left as its four byte planes: then
 * *values is NULL and *planes points into buf, valid until buf's next use. Plane k
 * (k = 0..3, n = chunk_values bytes each) holds byte k of every value, least
 * significant first: value i's bits are planes[i] | planes[n + i] << 8 |
 * planes[2n + i] << 16 | planes[3n + i] << 24 (docs/FORMAT.md, "Codecs"). For other
 * chunks *planes is NULL. A reader that folds values as it reads them so skips the
 * copy of the unshuffle. */
int blz_cache_chunk_planes(const blz_cache *cache, int64_t id, blz_chunk_buf *buf,
                           const float **values, const unsigned char **planes);

/* Check chunk id's stored bytes against its checksum. */
int blz_cache_verify_chunk(const blz_cache *cache, int64_t id);

/* Copy the region x0..x0+w-1, y0..y0+h-1 of frame t into dst (h rows of w*C values),
 * assembled from its tiles. buf is as for blz_cache_chunk. */
int blz_cache_read_region(const blz_cache *cache, int64_t t, int32_t x0, int32_t y0,
                          int32_t w, int32_t h, blz_chunk_buf *buf, float *dst);

/* A view of the tiles in tile rows ty0..ty1-1 and tile columns tx0..tx1-1 of an open
 * cache, itself a cache: its frames are those tiles' pixels, its chunk ids are
 * renumbered, and every call above works on it. It shares the parent's mapping, frame
 * table and metadata (close it before the parent). Queries use views to read only the
 * tiles a region needs, and to split a query between processes (a band of rows each).
 * blz_cache_open_rows() is the view of whole tile rows. blz_cache_row_offset() and
 * blz_cache_col_offset() give the view's first pixel row and column in the whole frame
 * (0 for a whole cache). */
int blz_cache_open_tiles(blz_cache **out, const blz_cache *parent, int32_t ty0, int32_t ty1,
                         int32_t tx0, int32_t tx1);
int blz_cache_open_rows(blz_cache **out, const blz_cache *parent, int32_t ty0, int32_t ty1);
int32_t blz_cache_row_offset(const blz_cache *cache);
int32_t blz_cache_col_offset(const blz_cache *cache);

/* Page-cache hints for the stored bytes of chunks first..first+count-1: prefetch
 * (WILLNEED) or release the process's mapped pages (DONTNEED). Hints only: failure
 * to apply them is not an error. */
enum blz_advice { BLZ_ADVISE_WILLNEED = 1, BLZ_ADVISE_DONTNEED = 2 };
void blz_cache_advise(const blz_cache *cache, int64_t first, int64_t count, int advice);

#ifdef __cplusplus
}
#endif
#endif
