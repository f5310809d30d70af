/*
 * codec.c - chunk codecs: LZ4 block compression, optionally after a byte shuffle.
 *
 * Only LZ4_compress_default and LZ4_decompress_safe are used: the block format has no
 * frame header, so the stored size in the index and the chunk size from the header
 * are the whole contract. Decoding never reads or writes outside its buffers, whatever
 * the stored bytes hold.
 */
#include <lz4.h>
#include <stdbool.h>
#include <string.h>

#include "cache/codec.h"
#include "cache/format.h"
#include "cache/shuffle.h"

static const char *const codec_names[] = { "raw", "lz4", "shuffle-lz4" };
enum { CODEC_COUNT = sizeof codec_names / sizeof codec_names[0] };

const char *blz_codec_name(int codec)
{
    return codec >= 0 && codec < CODEC_COUNT ? codec_names[codec] : NULL;
}

int blz_codec_from_name(const char *name)
{
    for (int c = 0; c < CODEC_COUNT; c++)
        if (strcmp(name, codec_names[c]) == 0)
            return c;
    return -1;
}

size_t blz_codec_scratch_bytes(size_t chunk_bytes)
{
    return chunk_bytes + (size_t)LZ4_compressBound((int)chunk_bytes);
}

blz_encoded blz_codec_encode(const unsigned char *raw, size_t chunk_bytes, int codec,
                             unsigned char *scratch)
{
    blz_encoded kept = { raw, chunk_bytes, BLZ_CODEC_RAW };
    if (codec != BLZ_CODEC_LZ4 && codec != BLZ_CODEC_SHUFFLE_LZ4)
        return kept;
    const unsigned char *input = raw;
    unsigned char *packed = scratch + chunk_bytes;
    if (codec == BLZ_CODEC_SHUFFLE_LZ4) {
        blz_shuffle4(scratch, raw, chunk_bytes / 4);
        input = scratch;
    }
    int bound = LZ4_compressBound((int)chunk_bytes);
    int size = LZ4_compress_default((const char *)input, (char *)packed, (int)chunk_bytes,
                                    bound);
    if (size > 0 && (uint64_t)size * BLZ_KEEP_DEN <= (uint64_t)chunk_bytes * BLZ_KEEP_NUM)
        kept = (blz_encoded){ packed, (size_t)size, codec };
    return kept;
}

bool blz_codec_decompress(const unsigned char *stored, size_t size, size_t chunk_bytes,
                          unsigned char *out)
{
    int n = LZ4_decompress_safe((const char *)stored, (char *)out, (int)size,
                                (int)chunk_bytes);
    return n >= 0 && (size_t)n == chunk_bytes;
}

bool blz_codec_decode(const unsigned char *stored, size_t size, int codec, size_t chunk_bytes,
                      unsigned char *out, unsigned char *tmp)
{
    bool shuffled = codec == BLZ_CODEC_SHUFFLE_LZ4;
    if (!blz_codec_decompress(stored, size, chunk_bytes, shuffled ? tmp : out))
        return false;
    if (shuffled)
        blz_unshuffle4(out, tmp, chunk_bytes / 4);
    return true;
}
