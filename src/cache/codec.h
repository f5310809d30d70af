/*
 * codec.h - encoding and decoding of one chunk's stored bytes (raw, lz4, shuffle-lz4).
 *
 * The writer encodes a tiled chunk with the requested codec and keeps the result only
 * when it pays (stored <= 9/10 of the raw size, docs/FORMAT.md "Codecs"); otherwise
 * the chunk is stored raw. The reader decodes into a caller's buffer and insists that
 * the data decode to exactly the chunk size.
 */
#ifndef BLITZ_CACHE_CODEC_H
#define BLITZ_CACHE_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Room an encoder needs: scratch for the shuffled bytes and the LZ4 output. */
size_t blz_codec_scratch_bytes(size_t chunk_bytes);

/* The stored form of a chunk: bytes and codec actually used. */
typedef struct blz_encoded {
    const unsigned char *bytes;
    size_t size;
    int codec;
} blz_encoded;

/* Encode raw (chunk_bytes) with codec using scratch (blz_codec_scratch_bytes). The
 * result points into raw or scratch. Never fails. */
blz_encoded blz_codec_encode(const unsigned char *raw, size_t chunk_bytes, int codec,
                             unsigned char *scratch);

/* Decode stored (size bytes, codec lz4 or shuffle-lz4) into out (chunk_bytes), using
 * tmp (chunk_bytes) for shuffle-lz4. False if the data do not decode to exactly
 * chunk_bytes. */
bool blz_codec_decode(const unsigned char *stored, size_t size, int codec, size_t chunk_bytes,
                      unsigned char *out, unsigned char *tmp);

/* Only the LZ4 stage: out (chunk_bytes) receives the chunk's values for lz4, its four
 * byte planes for shuffle-lz4. False as for blz_codec_decode(). */
bool blz_codec_decompress(const unsigned char *stored, size_t size, size_t chunk_bytes,
                          unsigned char *out);

#endif
