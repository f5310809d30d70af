/*
 * npy.c - NumPy .npy files: parse and check headers, load arrays, write results.
 *
 * The .npy header is a Python dict literal ({'descr': '<u2', 'fortran_order': False,
 * 'shape': (10, 480, 640), }). We parse exactly the three keys we need with a small
 * hand-written scanner, never evaluate anything, and refuse object, structured and
 * non-numeric dtypes, so a pickle can never reach us. Writers go through a temporary
 * file and rename, so a result file appears whole or not at all.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "blitz/npy.h"
#include "core/checked.h"
#include "core/error_internal.h"
#include "core/atomic_file.h"

static const unsigned char npy_magic[6] = {0x93, 'N', 'U', 'M', 'P', 'Y'};

int blz_dtype_size(int dtype)
{
    switch (dtype) {
    case BLZ_DTYPE_U8: case BLZ_DTYPE_I8: return 1;
    case BLZ_DTYPE_U16: case BLZ_DTYPE_I16: return 2;
    case BLZ_DTYPE_U32: case BLZ_DTYPE_I32: case BLZ_DTYPE_F32: return 4;
    case BLZ_DTYPE_U64: case BLZ_DTYPE_I64: case BLZ_DTYPE_F64: return 8;
    default: return 0;
    }
}

const char *blz_dtype_name(int dtype)
{
    static const char *const names[] = {NULL, "uint8", "int8", "uint16", "int16", "uint32",
                                         "int32", "uint64", "int64", "float32", "float64"};
    return dtype >= BLZ_DTYPE_U8 && dtype <= BLZ_DTYPE_F64 ? names[dtype] : "unknown";
}

/* Map a descr kind letter and size to a dtype; 0 when not a plain number. */
static int dtype_from_descr(char kind, int size)
{
    switch (kind) {
    case 'u':
        return size == 1 ? BLZ_DTYPE_U8 : size == 2 ? BLZ_DTYPE_U16
             : size == 4 ? BLZ_DTYPE_U32 : size == 8 ? BLZ_DTYPE_U64 : 0;
    case 'i':
        return size == 1 ? BLZ_DTYPE_I8 : size == 2 ? BLZ_DTYPE_I16
             : size == 4 ? BLZ_DTYPE_I32 : size == 8 ? BLZ_DTYPE_I64 : 0;
    case 'f':
        return size == 4 ? BLZ_DTYPE_F32 : size == 8 ? BLZ_DTYPE_F64 : 0;
    default:
        return 0;
    }
}

/* Skip spaces; return pointer to the value after "'key':" in the dict, or NULL. */
static const char *dict_value(const char *dict, const char *end, const char *key)
{
    size_t klen = strlen(key);
    for (const char *p = dict; p + klen + 2 < end; p++) {
        if ((*p == '\'' || *p == '"') && p[klen + 1] == *p && !memcmp(p + 1, key, klen)) {
            const char *q = p + klen + 2;
            while (q < end && (*q == ' ' || *q == ':'))
                q++;
            return q < end ? q : NULL;
        }
    }
    return NULL;
}

static int parse_descr(const char *v, const char *end, const char *name, blz_npy_header *h)
{
    if (*v != '\'' && *v != '"')
        return blz_fail(BLZ_ERR_UNSUPPORTED,
                        "%s: structured .npy dtypes are not supported (plain numbers only)", name);
    char quote = *v++;
    const char *close = memchr(v, quote, (size_t)(end - v));
    if (close && close - v >= 2 && v[1] == 'O')
        return blz_fail(BLZ_ERR_UNSUPPORTED,
                        "%s: object arrays (pickles) are refused: save plain numbers", name);
    if (!close || close - v < 3 || close - v > 4)
        return blz_fail(BLZ_ERR_FORMAT, "%s: malformed dtype in .npy header", name);
    char order = v[0], kind = v[1];
    int size = atoi(v + 2);
    int dtype = dtype_from_descr(kind, size);
    if (!dtype || (order != '<' && order != '>' && order != '|' && order != '='))
        return blz_fail(BLZ_ERR_UNSUPPORTED, "%s: unsupported .npy dtype '%.*s'", name,
                        (int)(close - v), v);
    h->dtype = dtype;
    h->item_size = size;
    h->big_endian = order == '>';
    return BLZ_OK;
}

static int parse_shape(const char *v, const char *end, const char *name, blz_npy_header *h)
{
    if (*v != '(')
        return blz_fail(BLZ_ERR_FORMAT, "%s: malformed shape in .npy header", name);
    h->ndim = 0;
    const char *p = v + 1;
    for (;;) {
        while (p < end && (*p == ' ' || *p == ','))
            p++;
        if (p >= end)
            return blz_fail(BLZ_ERR_FORMAT, "%s: unterminated shape in .npy header", name);
        if (*p == ')')
            return BLZ_OK;
        if (h->ndim == BLZ_NPY_MAX_DIMS)
            return blz_fail(BLZ_ERR_UNSUPPORTED, "%s: more than %d dimensions", name,
                            BLZ_NPY_MAX_DIMS);
        int64_t d = 0;
        const char *digits = p;
        while (p < end && *p >= '0' && *p <= '9' && d <= INT64_MAX / 10 - 9)
            d = d * 10 + (*p++ - '0');
        if (p == digits || (p < end && *p >= '0' && *p <= '9'))
            return blz_fail(BLZ_ERR_FORMAT, "%s: malformed shape in .npy header", name);
        h->shape[h->ndim++] = d;
    }
}

static int parse_dict(const char *dict, const char *end, const char *name, blz_npy_header *h)
{
    const char *descr = dict_value(dict, end, "descr");
    const char *order = dict_value(dict, end, "fortran_order");
    const char *shape = dict_value(dict, end, "shape");
    if (!descr || !order || !shape)
        return blz_fail(BLZ_ERR_FORMAT, "%s: .npy header lacks descr, fortran_order or shape",
                        name);
    int st = parse_descr(descr, end, name, h);
    if (st == BLZ_OK)
        st = parse_shape(shape, end, name, h);
    if (st != BLZ_OK)
        return st;
    if (end - order >= 4 && !memcmp(order, "True", 4))
        h->fortran_order = 1;
    else if (end - order >= 5 && !memcmp(order, "False", 5))
        h->fortran_order = 0;
    else
        return blz_fail(BLZ_ERR_FORMAT, "%s: malformed fortran_order in .npy header", name);
    return BLZ_OK;
}

static int count_bytes(const char *name, blz_npy_header *h)
{
    uint64_t n = (uint64_t)h->item_size;
    for (int i = 0; i < h->ndim; i++)
        if (!blz_mul_u64(n, (uint64_t)h->shape[i], &n) || n > (UINT64_C(1) << 60))
            return blz_fail(BLZ_ERR_RANGE, "%s: .npy shape is impossibly large", name);
    h->data_bytes = n;
    return BLZ_OK;
}

int blz_npy_parse(const void *bytes, size_t len, const char *name, blz_npy_header *h)
{
    const unsigned char *b = bytes;
    memset(h, 0, sizeof *h);
    if (len < 10 || memcmp(b, npy_magic, sizeof npy_magic))
        return blz_fail(BLZ_ERR_FORMAT, "%s: not a .npy file (bad magic)", name);
    int major = b[6];
    size_t prefix = major == 1 ? 10 : 12;
    if (major < 1 || major > 3 || len < prefix)
        return blz_fail(BLZ_ERR_UNSUPPORTED, "%s: unsupported .npy version %d", name, major);
    uint64_t hlen = major == 1 ? (uint64_t)(b[8] | b[9] << 8)
                               : (uint64_t)b[8] | (uint64_t)b[9] << 8 |
                                 (uint64_t)b[10] << 16 | (uint64_t)b[11] << 24;
    if (hlen > len - prefix)
        return blz_fail(BLZ_ERR_FORMAT, "%s: .npy header is truncated", name);
    const char *dict = (const char *)b + prefix;
    int st = parse_dict(dict, dict + hlen, name, h);
    if (st != BLZ_OK)
        return st;
    h->data_offset = prefix + hlen;
    return count_bytes(name, h);
}

int blz_npy_read_header(const char *path, blz_npy_header *h)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return blz_fail(BLZ_ERR_NOENT, "%s: cannot open: %s", path, strerror(errno));
    enum { max_header = 65536 + 12 };
    char *buf = malloc(max_header);
    struct stat st;
    ssize_t got = buf ? pread(fd, buf, max_header, 0) : -1;
    int fst = fstat(fd, &st);
    close(fd);
    int rc;
    if (!buf)
        rc = blz_fail(BLZ_ERR_NOMEM, "%s: out of memory reading .npy header", path);
    else if (got < 0 || fst != 0)
        rc = blz_fail(BLZ_ERR_IO, "%s: cannot read: %s", path, strerror(errno));
    else
        rc = blz_npy_parse(buf, (size_t)got, path, h);
    free(buf);
    if (rc == BLZ_OK && (uint64_t)st.st_size < h->data_offset + h->data_bytes)
        rc = blz_fail(BLZ_ERR_FORMAT, "%s: .npy data truncated (%llu of %llu bytes)", path,
                      (unsigned long long)((uint64_t)st.st_size - h->data_offset),
                      (unsigned long long)h->data_bytes);
    return rc;
}

double blz_dtype_value(const void *data, int dtype, int big_endian, size_t i)
{
    int size = blz_dtype_size(dtype);
    unsigned char b[8];
    const unsigned char *src = (const unsigned char *)data + i * (size_t)size;
    for (int k = 0; k < size; k++)
        b[k] = big_endian ? src[size - 1 - k] : src[k];
    union { uint8_t u8; int8_t i8; uint16_t u16; int16_t i16; uint32_t u32; int32_t i32;
            uint64_t u64; int64_t i64; float f32; double f64; } v;
    memcpy(&v, b, (size_t)size);
    switch (dtype) {
    case BLZ_DTYPE_U8: return v.u8;
    case BLZ_DTYPE_I8: return v.i8;
    case BLZ_DTYPE_U16: return v.u16;
    case BLZ_DTYPE_I16: return v.i16;
    case BLZ_DTYPE_U32: return v.u32;
    case BLZ_DTYPE_I32: return v.i32;
    case BLZ_DTYPE_U64: return (double)v.u64;
    case BLZ_DTYPE_I64: return (double)v.i64;
    case BLZ_DTYPE_F32: return v.f32;
    default: return v.f64;
    }
}

/* Index into Fortran-ordered data of the element whose C-order index is i. */
static size_t fortran_index(const blz_npy_header *h, size_t i)
{
    size_t f = 0, stride = 1;
    size_t rest = i;
    size_t coord[BLZ_NPY_MAX_DIMS];
    for (int d = h->ndim - 1; d >= 0; d--) {
        coord[d] = rest % (size_t)h->shape[d];
        rest /= (size_t)h->shape[d];
    }
    for (int d = 0; d < h->ndim; d++) {
        f += coord[d] * stride;
        stride *= (size_t)h->shape[d];
    }
    return f;
}

int blz_npy_load(const char *path, blz_npy_header *h, double **data)
{
    *data = NULL;
    int rc = blz_npy_read_header(path, h);
    if (rc != BLZ_OK)
        return rc;
    size_t n = (size_t)(h->data_bytes / (uint64_t)h->item_size);
    size_t out_bytes;
    if (!blz_mul_size(n ? n : 1, sizeof(double), &out_bytes))
        return blz_fail(BLZ_ERR_RANGE, "%s: array too large to load", path);
    unsigned char *raw = malloc(h->data_bytes ? (size_t)h->data_bytes : 1);
    double *out = malloc(out_bytes);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (!raw || !out)
        rc = blz_fail(BLZ_ERR_NOMEM, "%s: out of memory loading %zu values", path, n);
    else if (fd < 0 || blz_pread_full(fd, raw, (size_t)h->data_bytes, h->data_offset) != 0)
        rc = blz_fail(BLZ_ERR_IO, "%s: cannot read .npy data", path);
    if (fd >= 0)
        close(fd);
    for (size_t i = 0; rc == BLZ_OK && i < n; i++)
        out[i] = blz_dtype_value(raw, h->dtype, h->big_endian,
                                 h->fortran_order ? fortran_index(h, i) : i);
    free(raw);
    if (rc != BLZ_OK) {
        free(out);
        return rc;
    }
    *data = out;
    return BLZ_OK;
}

/* The header text for a C-order little-endian float array, padded to 64 bytes. */
int blz_npy_format_header(char *buf, size_t cap, int dtype, int ndim, const int64_t *shape,
                          size_t *len)
{
    char dims[BLZ_NPY_MAX_DIMS * 24 + 4] = "";
    size_t used = 0;
    for (int i = 0; i < ndim; i++)
        used += (size_t)snprintf(dims + used, sizeof dims - used, "%lld%s",
                                 (long long)shape[i], ndim == 1 || i + 1 < ndim ? ", " : "");
    int body = snprintf(buf + 10, cap - 10, "{'descr': '<%s', 'fortran_order': False, "
                        "'shape': (%s), }", dtype == BLZ_DTYPE_F32 ? "f4" : "f8", dims);
    size_t total = 10 + (size_t)body + 1;
    size_t padded = (total + 63) / 64 * 64;
    if (padded > cap)
        return BLZ_ERR_RANGE;
    memset(buf + 10 + body, ' ', padded - total);
    buf[padded - 1] = '\n';
    memcpy(buf, npy_magic, sizeof npy_magic);
    buf[6] = 1;
    buf[7] = 0;
    buf[8] = (char)((padded - 10) & 0xff);
    buf[9] = (char)((padded - 10) >> 8);
    *len = padded;
    return BLZ_OK;
}

int blz_npy_write(const char *path, int dtype, const void *data, int ndim,
                  const int64_t *shape)
{
    if ((dtype != BLZ_DTYPE_F32 && dtype != BLZ_DTYPE_F64) || ndim < 1 ||
        ndim > BLZ_NPY_MAX_DIMS)
        return blz_fail(BLZ_ERR_INVALID, "%s: .npy output must be float32/64, 1-%d dims", path,
                        BLZ_NPY_MAX_DIMS);
    size_t bytes = (size_t)blz_dtype_size(dtype);
    for (int i = 0; i < ndim; i++)
        if (shape[i] < 0 || !blz_mul_size(bytes, (size_t)shape[i], &bytes))
            return blz_fail(BLZ_ERR_RANGE, "%s: output shape too large", path);
    char header[1024];
    size_t hlen;
    if (blz_npy_format_header(header, sizeof header, dtype, ndim, shape, &hlen) != BLZ_OK)
        return blz_fail(BLZ_ERR_RANGE, "%s: .npy header too long", path);
    blz_atomic_file f;
    int rc = blz_atomic_open(&f, path);
    if (rc == BLZ_OK)
        rc = blz_atomic_write(&f, header, hlen);
    if (rc == BLZ_OK)
        rc = blz_atomic_write(&f, data, bytes);
    return rc == BLZ_OK ? blz_atomic_commit(&f) : (blz_atomic_abort(&f), rc);
}
