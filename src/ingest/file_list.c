/*
 * file_list.c - listing, glob expansion and natural sorting of image-sequence inputs.
 *
 * A folder contributes its regular, non-hidden files with an image extension; every
 * other entry is counted as ignored. A glob pattern contributes its matches except
 * folders. Both are natural-sorted. An explicit list is kept in the given order. Each
 * file is stat'ed once, for the identity (total size, newest mtime).
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "blitz/error.h"
#include "core/error_internal.h"
#include "ingest/file_list.h"

static const char *const image_extensions[] = { "png", "jpg", "jpeg", "bmp", "tif", "tiff" };

const char *blz_file_extension(const char *path)
{
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    const char *dot = strrchr(base, '.');
    return dot && dot != base ? dot + 1 : "";
}

int blz_has_image_extension(const char *name)
{
    const char *ext = blz_file_extension(name);
    for (size_t i = 0; i < sizeof image_extensions / sizeof image_extensions[0]; i++)
        if (strcasecmp(ext, image_extensions[i]) == 0)
            return 1;
    return 0;
}

int blz_is_glob_pattern(const char *path)
{
    return strpbrk(path, "*?[") != NULL;
}

/* Compare the digit runs starting at *pa and *pb by value and advance past them. */
static int compare_numbers(const char **pa, const char **pb)
{
    const char *a = *pa, *b = *pb;
    while (*a == '0')
        a++;
    while (*b == '0')
        b++;
    size_t len_a = 0, len_b = 0;
    while (isdigit((unsigned char)a[len_a]))
        len_a++;
    while (isdigit((unsigned char)b[len_b]))
        len_b++;
    *pa = a + len_a;
    *pb = b + len_b;
    if (len_a != len_b)
        return len_a < len_b ? -1 : 1;
    return memcmp(a, b, len_a);
}

int blz_natural_compare(const char *a, const char *b)
{
    const char *pa = a, *pb = b;
    while (*pa && *pb) {
        if (isdigit((unsigned char)*pa) && isdigit((unsigned char)*pb)) {
            int c = compare_numbers(&pa, &pb);
            if (c)
                return c;
            continue;
        }
        int ca = tolower((unsigned char)*pa), cb = tolower((unsigned char)*pb);
        if (ca != cb)
            return ca < cb ? -1 : 1;
        pa++;
        pb++;
    }
    if (*pa || *pb)
        return *pa ? 1 : -1;
    return strcmp(a, b);
}

static int compare_paths(const void *x, const void *y)
{
    return blz_natural_compare(*(char *const *)x, *(char *const *)y);
}

/* Append a copy of path and account for its size and mtime. */
static int append_file(blz_file_list *list, size_t *cap, const char *path, const struct stat *st)
{
    if (list->n == *cap) {
        size_t new_cap = *cap ? *cap * 2 : 64;
        char **grown = realloc(list->paths, new_cap * sizeof *grown);
        if (!grown)
            return blz_fail(BLZ_ERR_NOMEM, "%s: out of memory listing files", path);
        list->paths = grown;
        *cap = new_cap;
    }
    char *copy = strdup(path);
    if (!copy)
        return blz_fail(BLZ_ERR_NOMEM, "%s: out of memory listing files", path);
    list->paths[list->n++] = copy;
    list->total_bytes += (int64_t)st->st_size;
    int64_t mtime = (int64_t)st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec;
    if (mtime > list->newest_mtime_ns)
        list->newest_mtime_ns = mtime;
    return BLZ_OK;
}

static int stat_input(const char *path, struct stat *st)
{
    if (stat(path, st) != 0)
        return blz_fail(errno == ENOENT ? BLZ_ERR_NOENT : BLZ_ERR_IO, "%s: %s", path,
                        strerror(errno));
    return BLZ_OK;
}

/* Whether a folder entry belongs to the sequence; counts it as ignored otherwise. */
static int folder_entry_is_image(blz_file_list *list, const char *name, const char *path,
                                 struct stat *st)
{
    if (name[0] == '.' || !blz_has_image_extension(name) || stat(path, st) != 0 ||
        !S_ISREG(st->st_mode)) {
        list->files_ignored++;
        return 0;
    }
    return 1;
}

static int list_folder(blz_file_list *list, const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return blz_fail(BLZ_ERR_NOENT, "%s: cannot list folder: %s", dir, strerror(errno));
    size_t cap = 0;
    int status = BLZ_OK;
    struct dirent *entry;
    while (status == BLZ_OK && (entry = readdir(d))) {
        if (strcmp(entry->d_name, ".") == 0 || strcmp(entry->d_name, "..") == 0)
            continue;
        size_t len = strlen(dir) + strlen(entry->d_name) + 2;
        char *path = malloc(len);
        if (!path) {
            status = blz_fail(BLZ_ERR_NOMEM, "%s: out of memory listing folder", dir);
            break;
        }
        snprintf(path, len, "%s/%s", dir, entry->d_name);
        struct stat st;
        if (folder_entry_is_image(list, entry->d_name, path, &st))
            status = append_file(list, &cap, path, &st);
        free(path);
    }
    closedir(d);
    if (status == BLZ_OK && list->n == 0)
        status = blz_fail(BLZ_ERR_EMPTY, "%s: folder holds no image files (png, jpg, jpeg, "
                          "bmp, tif, tiff)", dir);
    return status;
}

static int list_glob(blz_file_list *list, const char *pattern)
{
    glob_t g;
    int rc = glob(pattern, GLOB_MARK | GLOB_NOSORT, NULL, &g);
    if (rc == GLOB_NOMATCH)
        return blz_fail(BLZ_ERR_NOENT, "%s: pattern matches no file", pattern);
    if (rc != 0)
        return blz_fail(rc == GLOB_NOSPACE ? BLZ_ERR_NOMEM : BLZ_ERR_IO,
                        "%s: cannot expand pattern", pattern);
    size_t cap = 0;
    int status = BLZ_OK;
    for (size_t i = 0; status == BLZ_OK && i < g.gl_pathc; i++) {
        const char *path = g.gl_pathv[i];
        struct stat st;
        if (path[strlen(path) - 1] == '/')
            continue;
        status = stat_input(path, &st);
        if (status == BLZ_OK)
            status = append_file(list, &cap, path, &st);
    }
    globfree(&g);
    if (status == BLZ_OK && list->n == 0)
        status = blz_fail(BLZ_ERR_NOENT, "%s: pattern matches only folders", pattern);
    return status;
}

static int list_given(blz_file_list *list, const char *const *inputs, size_t n)
{
    size_t cap = 0;
    for (size_t i = 0; i < n; i++) {
        struct stat st;
        int status = stat_input(inputs[i], &st);
        if (status != BLZ_OK)
            return status;
        if (!S_ISREG(st.st_mode))
            return blz_fail(BLZ_ERR_UNSUPPORTED, "%s: not a regular file", inputs[i]);
        status = append_file(list, &cap, inputs[i], &st);
        if (status != BLZ_OK)
            return status;
    }
    return BLZ_OK;
}

static int build(blz_file_list *list, const char *const *inputs, size_t n)
{
    if (n == 0)
        return blz_fail(BLZ_ERR_INVALID, "image sequence: no input given");
    struct stat st;
    int status;
    if (n == 1 && stat(inputs[0], &st) == 0 && S_ISDIR(st.st_mode))
        status = list_folder(list, inputs[0]);
    else if (n == 1 && blz_is_glob_pattern(inputs[0]) && stat(inputs[0], &st) != 0)
        status = list_glob(list, inputs[0]);
    else
        return list_given(list, inputs, n);
    if (status == BLZ_OK)
        qsort(list->paths, list->n, sizeof *list->paths, compare_paths);
    return status;
}

int blz_file_list_build(blz_file_list *list, const char *const *inputs, size_t n)
{
    memset(list, 0, sizeof *list);
    int status = build(list, inputs, n);
    if (status != BLZ_OK)
        blz_file_list_free(list);
    return status;
}

void blz_file_list_free(blz_file_list *list)
{
    for (size_t i = 0; i < list->n; i++)
        free(list->paths[i]);
    free(list->paths);
    memset(list, 0, sizeof *list);
}
