/*
 * png_write.h - what writing an 8-bit PNG costs in memory, for callers that write
 * many under a budget (blz_png_write itself is declared in blitz/image_io.h).
 */
#ifndef BLITZ_IO_PNG_WRITE_H
#define BLITZ_IO_PNG_WRITE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Bytes blz_png_write() allocates for a height x width x channels image (its filtered
 * scanlines and their deflated copy); false when that overflows. */
bool blz_png_write_bytes(int32_t height, int32_t width, int32_t channels, size_t *bytes);

#endif
