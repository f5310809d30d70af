/*
 * npy_source.c - a NumPy .npy array as a frame source, read through a read-only mapping.
 *
 * The array's axes are named T (frames), H (rows), W (columns) and C (channels). By
 * default a 2-D array is HW (one frame), a 3-D array is HWC (one colour frame) when its
 * last dimension is 3 or 4 and THW otherwise, and a 4-D array is THWC; the axes option
 * overrides the guess. C may be 1 (gray), 3 (RGB) or 4 (RGBA, alpha dropped). Elements
 * are addressed through per-axis strides, so C and Fortran order (element (i, j, k) at
 * i + j*n0 + k*n0*n1) and either byte order are read in place. Values are kept as they
 * are, converted to float32 (float64 rounded to nearest).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <fcntl.h>
#include <unistd.h>

#include "blitz/npy.h"
#include "core/checked.h"
#include "core/error_internal.h"
#include "ingest/samples.h"
#include "ingest/source.h"

enum { AX_T, AX_H, AX_W, AX_C, AXES };

typedef struct npy_source {
    char *path;
    blz_npy_header h;
    const unsigned char *map;    /* the whole file, read-only */
    size_t map_bytes;
    int64_t size[AXES];          /* extent of each logical axis (1 when absent) */
    size_t stride[AXES];         /* elements between neighbours along each axis */
    int channels_in;             /* 1 or 3 channels read (alpha is never read) */
    int rgb;
    int64_t next;                /* next frame to deliver */
    float *frame, *scratch;
} npy_source;

/* The axes of an array of ndim dimensions when none are given. */
static const char *guess_axes(const blz_npy_header *h)
{
    if (h->ndim == 2)
        return "HW";
    if (h->ndim == 3)
        return h->shape[2] == 3 || h->shape[2] == 4 ? "HWC" : "THW";
    return h->ndim == 4 ? "THWC" : NULL;
}

/* Name every dimension after axes and set sizes and element strides. */
static int assign_axes(npy_source *ns, const char *axes)
{
    const blz_npy_header *h = &ns->h;
    static const char names[] = "THWC";
    if (!axes)
        return blz_fail(BLZ_ERR_UNSUPPORTED, "%s: a %d-dimensional array is not an image "
                        "stack (2 to 4 dimensions)", ns->path, h->ndim);
    if ((int)strlen(axes) != h->ndim || !strchr(axes, 'H') || !strchr(axes, 'W'))
        return blz_fail(BLZ_ERR_INVALID, "%s: axes \"%s\" do not fit a %d-dimensional "
                        "array (HW, THW, HWC, THWC)", ns->path, axes, h->ndim);
    for (int a = 0; a < AXES; a++)
        ns->size[a] = 1;
    size_t step = 1;
    for (int k = 0; k < h->ndim; k++) {
        const int d = h->fortran_order ? k : h->ndim - 1 - k;
        const char *at = strchr(names, axes[d]);
        if (!at || strchr(axes + d + 1, axes[d]))
            return blz_fail(BLZ_ERR_INVALID, "%s: axes \"%s\": each of T, H, W, C at most "
                            "once", ns->path, axes);
        ns->size[at - names] = h->shape[d];
        ns->stride[at - names] = step;
        step *= (size_t)h->shape[d];   /* bounded by data_bytes, checked by the parser */
    }
    return BLZ_OK;
}

static int check_shape(npy_source *ns)
{
    const int64_t c = ns->size[AX_C];
    if (c != 1 && c != 3 && c != 4)
        return blz_fail(BLZ_ERR_UNSUPPORTED, "%s: %lld channels (1, 3 or 4 are read)",
                        ns->path, (long long)c);
    if (ns->size[AX_H] > INT32_MAX || ns->size[AX_W] > INT32_MAX)
        return blz_fail(BLZ_ERR_RANGE, "%s: frames of %lldx%lld are too large", ns->path,
                        (long long)ns->size[AX_W], (long long)ns->size[AX_H]);
    if (ns->size[AX_T] == 0 || ns->size[AX_H] == 0 || ns->size[AX_W] == 0)
        return blz_fail(BLZ_ERR_EMPTY, "%s: the array holds no pixels", ns->path);
    ns->channels_in = c == 1 ? 1 : 3;
    return BLZ_OK;
}

static int map_file(npy_source *ns)
{
    int fd = open(ns->path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return blz_fail(BLZ_ERR_NOENT, "%s: cannot open for reading", ns->path);
    ns->map_bytes = (size_t)(ns->h.data_offset + ns->h.data_bytes);
    void *map = mmap(NULL, ns->map_bytes, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (map == MAP_FAILED)
        return blz_fail(BLZ_ERR_IO, "%s: cannot map %zu bytes", ns->path, ns->map_bytes);
    ns->map = map;
    if (!ns->h.fortran_order)
        madvise(map, ns->map_bytes, MADV_SEQUENTIAL);
    return BLZ_OK;
}

static int allocate_frame(npy_source *ns)
{
    size_t values;
    const size_t w = (size_t)ns->size[AX_W];
    if (!blz_mul3_size(w, (size_t)ns->size[AX_H], ns->rgb ? 3u : 1u, &values))
        return blz_fail(BLZ_ERR_RANGE, "%s: frames are too large", ns->path);
    ns->frame = malloc(values * sizeof *ns->frame);
    ns->scratch = malloc(2 * w * sizeof *ns->scratch);
    if (!ns->frame || !ns->scratch)
        return blz_fail(BLZ_ERR_NOMEM, "%s: no memory for a frame", ns->path);
    return BLZ_OK;
}

static void convert_frame(npy_source *ns, int64_t t)
{
    const unsigned char *data = ns->map + ns->h.data_offset;
    const size_t item = (size_t)ns->h.item_size, w = (size_t)ns->size[AX_W];
    const size_t out_row = w * (ns->rgb ? 3u : 1u);
    for (int64_t y = 0; y < ns->size[AX_H]; y++) {
        const size_t base = (size_t)t * ns->stride[AX_T] + (size_t)y * ns->stride[AX_H];
        blz_sample_row row = { .stride = ns->stride[AX_W], .dtype = ns->h.dtype,
                               .big_endian = ns->h.big_endian, .channels = ns->channels_in };
        for (int c = 0; c < ns->channels_in; c++)
            row.channel[c] = data + (base + (size_t)c * ns->stride[AX_C]) * item;
        blz_samples_convert_row(&row, w, ns->rgb, ns->frame + (size_t)y * out_row,
                                ns->scratch);
    }
}

/* In C order a frame is one contiguous run: give its pages back once converted. */
static void release_frame(const npy_source *ns, int64_t t)
{
    if (ns->h.fortran_order || ns->size[AX_T] == 1)
        return;
    const size_t page = (size_t)sysconf(_SC_PAGESIZE);
    const size_t frame_bytes = ns->stride[AX_T] * (size_t)ns->h.item_size;
    const size_t lo = (size_t)ns->h.data_offset + (size_t)t * frame_bytes;
    const size_t first = (lo + page - 1) / page * page, end = (lo + frame_bytes) / page * page;
    if (end > first)
        madvise((void *)(ns->map + first), end - first, MADV_DONTNEED);
}

static int npy_next(blz_source *s, bool want, blz_frame *frame)
{
    npy_source *ns = s->state;
    if (ns->next >= ns->size[AX_T])
        return 0;
    const int64_t t = ns->next++;
    if (want) {
        convert_frame(ns, t);
        release_frame(ns, t);
    }
    *frame = (blz_frame){ .values = want ? ns->frame : NULL, .index = t, .timestamp = NAN };
    return 1;
}

static void npy_close(blz_source *s)
{
    npy_source *ns = s->state;
    if (!ns)
        return;
    if (ns->map)
        munmap((void *)ns->map, ns->map_bytes);
    free(ns->frame);
    free(ns->scratch);
    free(ns->path);
    free(ns);
    s->state = NULL;
}

static const blz_source_ops npy_ops = { npy_next, npy_close };

static void describe(blz_source_info *info, const npy_source *ns)
{
    const blz_npy_header *h = &ns->h;
    info->width = (int32_t)ns->size[AX_W];
    info->height = (int32_t)ns->size[AX_H];
    info->channels = ns->rgb ? 3 : 1;
    info->bit_depth = h->item_size * 8;
    info->is_float = h->dtype == BLZ_DTYPE_F32 || h->dtype == BLZ_DTYPE_F64;
    info->frames_hint = ns->size[AX_T];
    snprintf(info->kind, sizeof info->kind, "npy");
    snprintf(info->codec, sizeof info->codec, "npy");
    snprintf(info->pixel_format, sizeof info->pixel_format, "%c%c%d%s",
             h->item_size == 1 ? '|' : h->big_endian ? '>' : '<', blz_dtype_name(h->dtype)[0],
             h->item_size, h->fortran_order ? " fortran" : "");
}

static int open_array(npy_source *ns, const blz_source_options *o)
{
    int st = blz_npy_read_header(ns->path, &ns->h);
    if (st != BLZ_OK)
        return st;
    if (ns->h.data_bytes == 0)
        return blz_fail(BLZ_ERR_EMPTY, "%s: the array holds no pixels", ns->path);
    st = assign_axes(ns, o->axes ? o->axes : guess_axes(&ns->h));
    if (st == BLZ_OK)
        st = check_shape(ns);
    if (st != BLZ_OK)
        return st;
    ns->rgb = o->rgb != 0;
    st = map_file(ns);
    return st == BLZ_OK ? allocate_frame(ns) : st;
}

int blz_npy_source_open(blz_source **out, const char *path, const blz_source_options *o)
{
    *out = NULL;
    blz_source *s = calloc(1, sizeof *s);
    npy_source *ns = calloc(1, sizeof *ns);
    if (!s || !ns) {
        free(s);
        free(ns);
        return blz_fail(BLZ_ERR_NOMEM, "%s: out of memory", path);
    }
    s->ops = &npy_ops;
    s->state = ns;
    ns->path = strdup(path);
    int st = ns->path ? open_array(ns, o) : blz_fail(BLZ_ERR_NOMEM, "%s: out of memory", path);
    if (st != BLZ_OK) {
        blz_source_close(s);
        return st;
    }
    describe(&s->info, ns);
    *out = s;
    return BLZ_OK;
}
