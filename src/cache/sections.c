/*
 * sections.c - the tail of a cache (index, frame table, metadata) and its header.
 *
 * Called once by blz_writer_finish() after the last chunk is on disk. The header is
 * written last, so a file whose writing stopped early has no valid header (and would
 * in any case never be published under its final name).
 */
#include <stdlib.h>

#include "blitz/error.h"
#include "cache/sections.h"
#include "core/checked.h"
#include "core/error_internal.h"

/* Write size bytes at *offset (8-aligned first), record the section, advance *offset. */
static int write_section(blz_atomic_file *out, const unsigned char *data, uint64_t size,
                         uint64_t *offset, blz_section *section)
{
    uint64_t at, end;
    if (!blz_align_u64(*offset, BLZ_SECTION_ALIGN, &at) || !blz_add_u64(at, size, &end))
        return blz_fail(BLZ_ERR_RANGE, "%s: file offset overflows", out->path);
    *section = (blz_section){ at, size, blz_hash(data, size) };
    *offset = end;
    return blz_atomic_pwrite(out, data, size, at);
}

static int write_index(blz_atomic_file *out, const blz_sink *sink, uint64_t *offset,
                       blz_section *section)
{
    size_t bytes;
    unsigned char *index = blz_mul_size(sink->count, BLZ_INDEX_ENTRY, &bytes)
                               ? malloc(bytes ? bytes : 1) : NULL;
    if (!index)
        return blz_fail(BLZ_ERR_NOMEM, "%s: cannot allocate the index", out->path);
    for (size_t i = 0; i < sink->count; i++)
        blz_entry_encode(&sink->entries[i], index + i * BLZ_INDEX_ENTRY);
    int st = write_section(out, index, bytes, offset, section);
    free(index);
    return st;
}

static int write_meta(blz_atomic_file *out, const blz_meta *meta, uint64_t *offset,
                      blz_section *section)
{
    size_t bytes = blz_meta_encoded_size(meta);
    unsigned char *data = malloc(bytes);
    if (!data)
        return blz_fail(BLZ_ERR_NOMEM, "%s: cannot allocate the metadata", out->path);
    blz_meta_encode(meta, data);
    int st = write_section(out, data, bytes, offset, section);
    free(data);
    return st;
}

static blz_header header_for(const blz_layout *l, uint64_t chunks)
{
    return (blz_header){ .major = BLZ_FORMAT_MAJOR, .minor = BLZ_FORMAT_MINOR,
                         .header_size = BLZ_HEADER_BLOCK, .frames = (uint64_t)l->frames,
                         .height = (uint32_t)l->height, .width = (uint32_t)l->width,
                         .channels = (uint32_t)l->channels, .sample_type = BLZ_SAMPLE_FLOAT32,
                         .ct = (uint32_t)l->ct, .th = (uint32_t)l->th, .tw = (uint32_t)l->tw,
                         .chunks = chunks };
}

int blz_sections_write(blz_atomic_file *out, const blz_layout *l, const blz_sink *sink,
                       const unsigned char *frame_table, const blz_meta *meta)
{
    blz_header h = header_for(l, sink->count);
    uint64_t offset = sink->end;
    int st;
    if ((st = write_index(out, sink, &offset, &h.index)) < 0 ||
        (st = write_section(out, frame_table, (uint64_t)l->frames * BLZ_FRAME_ENTRY, &offset,
                            &h.frame_table)) < 0 ||
        (st = write_meta(out, meta, &offset, &h.metadata)) < 0)
        return st;
    h.file_size = offset;
    unsigned char block[BLZ_HEADER_USED];
    blz_header_encode(&h, block);
    return blz_atomic_pwrite(out, block, sizeof block, 0);
}
