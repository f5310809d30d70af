/*
 * png_write.c - 8-bit gray or RGB PNG files: zlib-compressed scanlines (filter type 0),
 * IHDR / IDAT / IEND chunks with their CRCs, written atomically.
 */
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "blitz/image_io.h"
#include "core/atomic_file.h"
#include "core/checked.h"
#include "core/error_internal.h"
#include "io/png_write.h"

static void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* One chunk: length, type, data, CRC of type and data. */
static int write_chunk(blz_atomic_file *f, const char type[4], const uint8_t *data, size_t n)
{
    uint8_t head[8], crc[4];
    put_be32(head, (uint32_t)n);
    memcpy(head + 4, type, 4);
    uLong c = crc32(0L, (const Bytef *)type, 4);
    if (n > 0) /* crc32_z(c, NULL, 0) would restart the CRC */
        c = crc32_z(c, data, n);
    put_be32(crc, (uint32_t)c);
    int st = blz_atomic_write(f, head, sizeof head);
    if (st == BLZ_OK && n > 0)
        st = blz_atomic_write(f, data, n);
    if (st == BLZ_OK)
        st = blz_atomic_write(f, crc, sizeof crc);
    return st;
}

bool blz_png_write_bytes(int32_t height, int32_t width, int32_t channels, size_t *bytes)
{
    size_t raw;
    return blz_mul_size((size_t)height, (size_t)width * (size_t)channels + 1, &raw)
           && raw <= (uLong)-1 && blz_add_size(raw, compressBound((uLong)raw), bytes);
}

/* Scanlines each preceded by filter byte 0, deflated. */
static int deflate_rows(const char *path, const uint8_t *pixels, size_t rows, size_t row_bytes,
                        uint8_t **out, size_t *out_len)
{
    size_t raw_len;
    if (!blz_mul_size(rows, row_bytes + 1, &raw_len))
        return blz_fail(BLZ_ERR_RANGE, "%s: image too large for PNG", path);
    uint8_t *raw = malloc(raw_len);
    uLongf bound = compressBound((uLong)raw_len);
    *out = malloc(bound);
    if (!raw || !*out) {
        free(raw);
        free(*out);
        return blz_fail(BLZ_ERR_NOMEM, "%s: out of memory for PNG data", path);
    }
    for (size_t y = 0; y < rows; y++) {
        raw[y * (row_bytes + 1)] = 0;
        memcpy(raw + y * (row_bytes + 1) + 1, pixels + y * row_bytes, row_bytes);
    }
    int z = compress2(*out, &bound, raw, (uLong)raw_len, 6);
    free(raw);
    if (z != Z_OK) {
        free(*out);
        return blz_fail(BLZ_ERR_NOMEM, "%s: zlib compression failed (%d)", path, z);
    }
    *out_len = bound;
    return BLZ_OK;
}

int blz_png_write(const char *path, const uint8_t *pixels, int32_t height, int32_t width,
                  int32_t channels)
{
    static const uint8_t signature[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };
    if (height < 1 || width < 1 || (channels != 1 && channels != 3))
        return blz_fail(BLZ_ERR_INVALID, "%s: cannot write a %dx%dx%d PNG", path, height,
                        width, channels);
    uint8_t ihdr[13];
    put_be32(ihdr, (uint32_t)width);
    put_be32(ihdr + 4, (uint32_t)height);
    ihdr[8] = 8;                        /* bit depth */
    ihdr[9] = channels == 3 ? 2 : 0;    /* colour type: RGB or gray */
    ihdr[10] = ihdr[11] = ihdr[12] = 0; /* deflate, adaptive filtering, no interlace */
    uint8_t *idat = NULL;
    size_t idat_len = 0;
    int st = deflate_rows(path, pixels, (size_t)height, (size_t)width * (size_t)channels, &idat,
                          &idat_len);
    if (st != BLZ_OK)
        return st;
    blz_atomic_file f;
    st = blz_atomic_open(&f, path);
    if (st == BLZ_OK) {
        st = blz_atomic_write(&f, signature, sizeof signature);
        if (st == BLZ_OK)
            st = write_chunk(&f, "IHDR", ihdr, sizeof ihdr);
        if (st == BLZ_OK)
            st = write_chunk(&f, "IDAT", idat, idat_len);
        if (st == BLZ_OK)
            st = write_chunk(&f, "IEND", NULL, 0);
        if (st == BLZ_OK)
            st = blz_atomic_commit(&f);
        else
            blz_atomic_abort(&f);
    }
    free(idat);
    return st;
}
