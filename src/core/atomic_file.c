/*
 * atomic_file.c - temporary file, fsync, rename, folder fsync (see atomic_file.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "blitz/error.h"
#include "core/atomic_file.h"
#include "core/error_internal.h"

/* The folder part of path (malloc'd): "." for a bare name. */
static char *folder_of(const char *path)
{
    char *copy = strdup(path);
    if (!copy)
        return NULL;
    char *dir = strdup(dirname(copy));
    free(copy);
    return dir;
}

/* ".NAME.tmp-XXXXXX" beside path (malloc'd). */
static char *temp_name(const char *path)
{
    char *copy = strdup(path);
    char *dir = folder_of(path);
    char *out = NULL;
    if (copy && dir) {
        const char *base = basename(copy);
        size_t n = strlen(dir) + strlen(base) + 16;
        out = malloc(n);
        if (out)
            snprintf(out, n, "%s/.%s.tmp-XXXXXX", dir, base);
    }
    free(copy);
    free(dir);
    return out;
}

static int create_error(const char *path, int err)
{
    if (err == ENOENT || err == ENOTDIR)
        return blz_fail(BLZ_ERR_CREATE, "%s: cannot create: the folder does not exist", path);
    if (err == ENOSPC || err == EDQUOT || err == EIO)
        return blz_fail(BLZ_ERR_IO, "%s: cannot create: %s", path, strerror(err));
    return blz_fail(BLZ_ERR_CREATE, "%s: cannot create: %s", path, strerror(err));
}

int blz_atomic_open_flags(blz_atomic_file *f, const char *path, unsigned flags)
{
    memset(f, 0, sizeof *f);
    f->fd = -1;
    f->flags = flags;
    struct stat st;
    if ((flags & BLZ_ATOMIC_NOREPLACE) && lstat(path, &st) == 0)
        return blz_fail(BLZ_ERR_EXISTS, "%s: exists (use --force to replace it)", path);
    f->path = strdup(path);
    f->tmp_path = temp_name(path);
    if (!f->path || !f->tmp_path) {
        blz_atomic_abort(f);
        return blz_fail(BLZ_ERR_NOMEM, "%s: out of memory", path);
    }
    f->fd = mkostemp(f->tmp_path, O_CLOEXEC);
    if (f->fd < 0) {
        int err = errno;
        free(f->tmp_path);
        f->tmp_path = NULL;
        blz_atomic_abort(f);
        return create_error(path, err);
    }
    fchmod(f->fd, 0644);
    return BLZ_OK;
}

int blz_atomic_pwrite(blz_atomic_file *f, const void *data, size_t n, uint64_t offset)
{
    const char *p = data;
    while (n > 0) {
        ssize_t w = pwrite(f->fd, p, n, (off_t)offset);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return blz_fail(BLZ_ERR_IO, "%s: write failed at byte %llu: %s", f->path,
                            (unsigned long long)offset, w < 0 ? strerror(errno) : "no space");
        p += w;
        n -= (size_t)w;
        offset += (uint64_t)w;
    }
    return BLZ_OK;
}

int blz_atomic_write(blz_atomic_file *f, const void *data, size_t n)
{
    int rc = blz_atomic_pwrite(f, data, n, f->written);
    if (rc == BLZ_OK)
        f->written += n;
    return rc;
}

static int sync_folder(const char *path)
{
    char *dir = folder_of(path);
    int fd = dir ? open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
    free(dir);
    if (fd < 0)
        return -1;
    int rc = fsync(fd);
    close(fd);
    return rc;
}

static int publish(blz_atomic_file *f)
{
    if (!(f->flags & BLZ_ATOMIC_NOREPLACE))
        return rename(f->tmp_path, f->path);
    if (link(f->tmp_path, f->path) != 0)
        return -1;
    unlink(f->tmp_path);
    return 0;
}

int blz_atomic_commit(blz_atomic_file *f)
{
    int rc = BLZ_OK;
    if (fsync(f->fd) != 0)
        rc = blz_fail(BLZ_ERR_IO, "%s: fsync failed: %s", f->path, strerror(errno));
    if (rc == BLZ_OK && close(f->fd) != 0)
        rc = blz_fail(BLZ_ERR_IO, "%s: close failed: %s", f->path, strerror(errno));
    f->fd = -1;
    if (rc == BLZ_OK && publish(f) != 0)
        rc = errno == EEXIST
                 ? blz_fail(BLZ_ERR_EXISTS, "%s: appeared while writing; not replaced", f->path)
                 : blz_fail(BLZ_ERR_IO, "%s: cannot publish: %s", f->path, strerror(errno));
    if (rc == BLZ_OK) {
        free(f->tmp_path);
        f->tmp_path = NULL;
        sync_folder(f->path);
    }
    blz_atomic_abort(f);
    return rc;
}

void blz_atomic_abort(blz_atomic_file *f)
{
    if (f->fd >= 0)
        close(f->fd);
    if (f->tmp_path)
        unlink(f->tmp_path);
    free(f->tmp_path);
    free(f->path);
    f->fd = -1;
    f->tmp_path = NULL;
    f->path = NULL;
}

int blz_pread_full(int fd, void *buf, size_t n, uint64_t offset)
{
    char *p = buf;
    while (n > 0) {
        ssize_t r = pread(fd, p, n, (off_t)offset);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            if (r == 0)
                errno = EIO;
            return -1;
        }
        p += r;
        n -= (size_t)r;
        offset += (uint64_t)r;
    }
    return 0;
}
