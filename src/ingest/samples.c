/*
 * samples.c - conversion of native samples to float32 pixels, gray or RGB.
 *
 * The common layouts (8-bit, native-order 16-bit unsigned and float32) get typed loops
 * the compiler can vectorise; every other dtype and byte order goes through
 * blz_dtype_value(), which reads one element of any kind.
 */
#include <stdint.h>
#include <string.h>

#include "blitz/npy.h"
#include "ingest/samples.h"

/* out[i * out_stride] = sample i (every stride-th element from data), for n samples. */
static void load_channel(const void *data, int dtype, int big_endian, size_t stride,
                         size_t n, float *out, size_t out_stride)
{
    const int native = big_endian == (__BYTE_ORDER__ == __ORDER_BIG_ENDIAN__);
    if (dtype == BLZ_DTYPE_U8) {
        const uint8_t *p = data;
        for (size_t i = 0; i < n; i++)
            out[i * out_stride] = p[i * stride];
    } else if (native && dtype == BLZ_DTYPE_U16) {
        const unsigned char *p = data;
        for (size_t i = 0; i < n; i++) {
            uint16_t v;
            memcpy(&v, p + i * stride * sizeof v, sizeof v);
            out[i * out_stride] = v;
        }
    } else if (native && dtype == BLZ_DTYPE_F32) {
        const unsigned char *p = data;
        for (size_t i = 0; i < n; i++)
            memcpy(&out[i * out_stride], p + i * stride * sizeof(float), sizeof(float));
    } else {
        for (size_t i = 0; i < n; i++)
            out[i * out_stride] = (float)blz_dtype_value(data, dtype, big_endian, i * stride);
    }
}

void blz_samples_convert_row(const blz_sample_row *row, size_t width, int rgb, float *out,
                             float *scratch)
{
    if (row->channels == 1 && rgb) {
        load_channel(row->channel[0], row->dtype, row->big_endian, row->stride, width, out, 3);
        for (size_t i = 0; i < width; i++)
            out[3 * i + 1] = out[3 * i + 2] = out[3 * i];
    } else if (row->channels == 1) {
        load_channel(row->channel[0], row->dtype, row->big_endian, row->stride, width, out, 1);
    } else if (rgb) {
        for (size_t c = 0; c < 3; c++)
            load_channel(row->channel[c], row->dtype, row->big_endian, row->stride, width,
                         out + c, 3);
    } else {
        float *g = scratch, *b = scratch + width;
        load_channel(row->channel[0], row->dtype, row->big_endian, row->stride, width, out, 1);
        load_channel(row->channel[1], row->dtype, row->big_endian, row->stride, width, g, 1);
        load_channel(row->channel[2], row->dtype, row->big_endian, row->stride, width, b, 1);
        for (size_t i = 0; i < width; i++)
            out[i] = (float)(0.299 * out[i] + 0.587 * g[i] + 0.114 * b[i]);
    }
}

int blz_samples_dtype(char kind, int bits_per_sample)
{
    static const struct { char kind; int bits; int dtype; } known[] = {
        { 'u', 8, BLZ_DTYPE_U8 },   { 'u', 16, BLZ_DTYPE_U16 }, { 'u', 32, BLZ_DTYPE_U32 },
        { 'u', 64, BLZ_DTYPE_U64 }, { 'i', 8, BLZ_DTYPE_I8 },   { 'i', 16, BLZ_DTYPE_I16 },
        { 'i', 32, BLZ_DTYPE_I32 }, { 'i', 64, BLZ_DTYPE_I64 }, { 'f', 32, BLZ_DTYPE_F32 },
        { 'f', 64, BLZ_DTYPE_F64 },
    };
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        if (known[i].kind == kind && known[i].bits == bits_per_sample)
            return known[i].dtype;
    return 0;
}
