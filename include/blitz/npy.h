/*
 * blitz/npy.h - NumPy .npy files: header parsing, reading as double, writing.
 *
 * blitz reads .npy arrays as an ingest source and as reference images, and writes
 * query results as .npy. Only plain numeric arrays are accepted: object dtypes,
 * structured dtypes and pickles are refused. Versions 1.0, 2.0 and 3.0 of the format
 * are read; 1.0 is written (2.0 when the header needs it).
 */
#ifndef BLITZ_NPY_H
#define BLITZ_NPY_H

#include <stddef.h>
#include <stdint.h>

#include "blitz/error.h"

#ifdef __cplusplus
extern "C" {
#endif

enum blz_dtype {
    BLZ_DTYPE_U8 = 1, BLZ_DTYPE_I8, BLZ_DTYPE_U16, BLZ_DTYPE_I16, BLZ_DTYPE_U32,
    BLZ_DTYPE_I32, BLZ_DTYPE_U64, BLZ_DTYPE_I64, BLZ_DTYPE_F32, BLZ_DTYPE_F64
};

#define BLZ_NPY_MAX_DIMS 8

typedef struct blz_npy_header {
    int dtype;                       /* enum blz_dtype */
    int item_size;                   /* bytes per element */
    int big_endian;                  /* 1 when the data are big-endian ('>') */
    int fortran_order;               /* 1 for column-major data */
    int ndim;
    int64_t shape[BLZ_NPY_MAX_DIMS];
    uint64_t data_offset;            /* byte offset of the first element */
    uint64_t data_bytes;             /* product(shape) * item_size */
} blz_npy_header;

/* Parse a header from the first len bytes of a file (len >= data_offset needed; 64 KiB
 * always suffices). name is used in error messages. */
int blz_npy_parse(const void *bytes, size_t len, const char *name, blz_npy_header *h);

/* Read the header of the file at path and check that the file holds all the data. */
int blz_npy_read_header(const char *path, blz_npy_header *h);

/* Load a whole array as doubles in C order (Fortran-order files are transposed).
 * *data is malloc'd; the caller frees it. */
int blz_npy_load(const char *path, blz_npy_header *h, double **data);

/* Write an array of float32 (dtype BLZ_DTYPE_F32) or float64 (BLZ_DTYPE_F64) values in
 * C order. The file appears atomically (temporary file, fsync, rename); an existing
 * file at path is replaced. */
int blz_npy_write(const char *path, int dtype, const void *data, int ndim,
                  const int64_t *shape);

/* The version 1.0 header of a C-order little-endian float32 / float64 array of shape,
 * as blz_npy_write() writes it: *len bytes (a multiple of 64) into buf (cap bytes;
 * 1024 always suffice), for writers that stream the data after it. */
int blz_npy_format_header(char *buf, size_t cap, int dtype, int ndim, const int64_t *shape,
                          size_t *len);

/* Element value i of raw little- or big-endian data of dtype, as double. */
double blz_dtype_value(const void *data, int dtype, int big_endian, size_t i);
int blz_dtype_size(int dtype);
const char *blz_dtype_name(int dtype);

#ifdef __cplusplus
}
#endif
#endif
