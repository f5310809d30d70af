/*
 * source_open.c - choosing the frame source for the inputs.
 *
 * Dispatch by path: several paths, a folder or a glob pattern (containing * ? or [ and
 * not naming an existing file) are an image sequence; one file is chosen by extension,
 * case-insensitive: .npy is an array, .tif/.tiff a libtiff stack, .png .jpg .jpeg .bmp
 * a one-image sequence, anything else a video for FFmpeg. A missing input fails with
 * BLZ_ERR_NOENT and an empty file with BLZ_ERR_EMPTY, both naming the path, before any
 * decoder sees it. Each opener callocs the blz_source and sets its ops, state and info.
 * This file reaches the FFmpeg-based openers, so it lives in libblitz_ffmpeg.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "blitz/error.h"
#include "core/error_internal.h"
#include "ingest/source.h"

enum input_kind { KIND_IMAGES, KIND_NPY, KIND_TIFF, KIND_VIDEO };

static int has_extension(const char *path, const char *const *exts)
{
    const char *slash = strrchr(path, '/');
    const char *dot = strrchr(slash ? slash : path, '.');
    if (!dot)
        return 0;
    for (size_t i = 0; exts[i]; i++)
        if (strcasecmp(dot + 1, exts[i]) == 0)
            return 1;
    return 0;
}

/* The kind of a single existing regular file. */
static enum input_kind file_kind(const char *path)
{
    static const char *const npy[] = { "npy", NULL };
    static const char *const tiff[] = { "tif", "tiff", NULL };
    static const char *const images[] = { "png", "jpg", "jpeg", "bmp", NULL };
    if (has_extension(path, npy))
        return KIND_NPY;
    if (has_extension(path, tiff))
        return KIND_TIFF;
    if (has_extension(path, images))
        return KIND_IMAGES;
    return KIND_VIDEO;
}

/* Classify one input path; fills st when the path exists. */
static int single_kind(const char *path, struct stat *st, enum input_kind *kind)
{
    if (stat(path, st) != 0) {
        if (strpbrk(path, "*?[")) {
            *kind = KIND_IMAGES;
            return BLZ_OK;
        }
        return blz_fail(BLZ_ERR_NOENT, "%s: no such file or folder", path);
    }
    if (S_ISDIR(st->st_mode)) {
        *kind = KIND_IMAGES;
        return BLZ_OK;
    }
    if (!S_ISREG(st->st_mode))
        return blz_fail(BLZ_ERR_UNSUPPORTED, "%s: not a regular file or folder", path);
    if (st->st_size == 0)
        return blz_fail(BLZ_ERR_EMPTY, "%s: empty file", path);
    *kind = file_kind(path);
    return BLZ_OK;
}

int blz_source_open(blz_source **out, const char *const *inputs, size_t n_inputs,
                    const blz_source_options *options)
{
    static const blz_source_options defaults = { .stream = -1 };
    const blz_source_options *o = options ? options : &defaults;
    *out = NULL;
    if (n_inputs == 0)
        return blz_fail(BLZ_ERR_INVALID, "no input given");
    if (n_inputs > 1)
        return blz_images_open(out, inputs, n_inputs, o);
    struct stat st;
    enum input_kind kind;
    int rc = single_kind(inputs[0], &st, &kind);
    if (rc != BLZ_OK)
        return rc;
    switch (kind) {
    case KIND_NPY: rc = blz_npy_source_open(out, inputs[0], o); break;
    case KIND_TIFF: rc = blz_tiff_stack_open(out, inputs[0], o); break;
    case KIND_IMAGES: rc = blz_images_open(out, inputs, 1, o); break;
    default: rc = blz_video_open(out, inputs[0], o); break;
    }
    if (rc == BLZ_OK && (*out)->info.identity[0] == '\0' && S_ISREG(st.st_mode))
        snprintf((*out)->info.identity, sizeof (*out)->info.identity,
                 "size=%lld mtime=%lld.%09ld", (long long)st.st_size,
                 (long long)st.st_mtim.tv_sec, (long)st.st_mtim.tv_nsec);
    return rc;
}
