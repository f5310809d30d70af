/*
 * samples.h - native samples (any numeric dtype, either byte order) to float32 pixels.
 *
 * The TIFF and .npy sources hold decoded samples in their native type; a row of pixels
 * is described by where each channel's first sample lies and the distance between
 * consecutive pixels, which covers interleaved, planar and strided (Fortran-order)
 * layouts alike. Values keep the source's scale (8-bit 0..255, 16-bit 0..65535, float
 * unchanged); gray from RGB is 0.299 R + 0.587 G + 0.114 B computed in double.
 */
#ifndef BLITZ_INGEST_SAMPLES_H
#define BLITZ_INGEST_SAMPLES_H

#include <stddef.h>

/* A row of width pixels with 1 (gray) or 3 (R, G, B) channels to convert. */
typedef struct blz_sample_row {
    const void *channel[3];  /* first sample of each channel */
    size_t stride;           /* elements from one pixel's sample to the next pixel's */
    int dtype;               /* enum blz_dtype */
    int big_endian;          /* 1 when samples are stored big-endian */
    int channels;            /* 1 or 3 */
} blz_sample_row;

/* Convert a row into out: gray (1 value per pixel) or, when rgb, R, G, B interleaved
 * (a gray row repeated in all three). scratch holds 2 * width floats. */
void blz_samples_convert_row(const blz_sample_row *row, size_t width, int rgb, float *out,
                             float *scratch);

/* The dtype of samples of bits_per_sample bits, unsigned / signed integer or float
 * (kind 'u', 'i', 'f'); 0 when there is none. */
int blz_samples_dtype(char kind, int bits_per_sample);

#endif
