/*
 * sections.h - serialising the index, the frame table and the metadata at the end of
 * a cache, and the header that describes them.
 */
#ifndef BLITZ_CACHE_SECTIONS_H
#define BLITZ_CACHE_SECTIONS_H

#include <stdint.h>

#include "cache/format.h"
#include "cache/meta.h"
#include "core/atomic_file.h"
#include "cache/sink.h"

/* Write the three sections after the last chunk (8-aligned, in order), then the header
 * (geometry from layout) at offset 0. frame_table holds layout->frames 16-byte entries. */
int blz_sections_write(blz_atomic_file *out, const blz_layout *layout, const blz_sink *sink,
                       const unsigned char *frame_table, const blz_meta *meta);

#endif
