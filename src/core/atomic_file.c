/*
 * atomic_file.c - temporary file, write loops, atomic publish and folder fsync
 * (see atomic_file.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "blitz/error.h"
#include "core/atomic_file.h"
#include "core/error_internal.h"

static char *copy_dirname(const char *path)
{
    char *copy = strdup(path);
    if (!copy)
        return NULL;
    char *dir = strdup(dirname(copy));
    free(copy);
    return dir;
}

char *blz_temp_template(const char *path, char **dir)
{
    *dir = copy_dirname(path);
    if (!*dir)
        return NULL;
    char *copy = strdup(path);
    if (!copy)
        return NULL;
    const char *base = basename(copy);
    size_t n = strlen(*dir) + strlen(base) + BLZ_TEMP_SUFFIX_LEN + 16;
    char *temp = malloc(n);
    if (temp)
        snprintf(temp, n, "%s/.%s.tmp-XXXXXX", *dir, base);
    free(copy);
    return temp;
}

static void random_suffix(char *x, unsigned attempt)
{
    static const char alphabet[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    unsigned char r[BLZ_TEMP_SUFFIX_LEN];
    if (getrandom(r, sizeof r, GRND_NONBLOCK) != (ssize_t)sizeof r)
        for (int i = 0; i < BLZ_TEMP_SUFFIX_LEN; i++)
            r[i] = (unsigned char)((unsigned)getpid() * 31u + attempt * 131u + (unsigned)i * 7u);
    for (int i = 0; i < BLZ_TEMP_SUFFIX_LEN; i++)
        x[i] = alphabet[r[i] % (sizeof alphabet - 1)];
}

int blz_temp_create(char *tmp, const char *path, const char *dir, const char *what,
                    int (*make)(const char *tmp, void *ctx), void *ctx)
{
    char *x = tmp + strlen(tmp) - BLZ_TEMP_SUFFIX_LEN;
    for (unsigned attempt = 0; attempt < BLZ_TEMP_ATTEMPTS; attempt++) {
        random_suffix(x, attempt);
        if (make(tmp, ctx) == 0)
            return BLZ_OK;
        if (errno != EEXIST)
            break;
    }
    int failed = errno;
    if (failed == EEXIST)
        return blz_fail(BLZ_ERR_CREATE, "%s: no free temporary name in %s", path, dir);
    if (failed == ENOSPC || failed == EDQUOT || failed == EIO)
        return blz_fail(BLZ_ERR_IO, "%s: cannot create %s in %s: %s", path, what, dir,
                        strerror(failed));
    return blz_fail(BLZ_ERR_CREATE, "%s: cannot create %s in %s: %s", path, what, dir,
                    failed == ENOENT ? "the folder does not exist" : strerror(failed));
}

static int open_temp(const char *tmp, void *ctx)
{
    int *fd = ctx;
    *fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    return *fd >= 0 ? 0 : -1;
}

static int create_temp(blz_atomic_file *f)
{
    int rc = blz_temp_create(f->tmp_path, f->path, f->dir, "a file", open_temp, &f->fd);
    if (rc != BLZ_OK) {
        free(f->tmp_path);
        f->tmp_path = NULL;   /* the name is not ours: never unlink it */
    }
    return rc;
}

int blz_atomic_open_flags(blz_atomic_file *f, const char *path, unsigned flags)
{
    *f = (blz_atomic_file){ .fd = -1, .flags = flags };
    struct stat st;
    if ((flags & BLZ_ATOMIC_NOREPLACE) && lstat(path, &st) == 0)
        return blz_fail(BLZ_ERR_EXISTS, "%s: exists (replacing it was not asked for)", path);
    f->path = strdup(path);
    f->tmp_path = blz_temp_template(path, &f->dir);
    if (!f->path || !f->tmp_path) {
        blz_atomic_abort(f);
        return blz_fail(BLZ_ERR_NOMEM, "%s: out of memory", path);
    }
    int rc = create_temp(f);
    if (rc != BLZ_OK)
        blz_atomic_abort(f);
    return rc;
}

int blz_atomic_pwrite(blz_atomic_file *f, const void *data, size_t n, uint64_t offset)
{
    const unsigned char *p = data;
    while (n > 0) {
        ssize_t done = pwrite(f->fd, p, n, (off_t)offset);
        if (done < 0 && errno == EINTR)
            continue;
        if (done <= 0)
            return blz_fail(BLZ_ERR_IO, "%s: write of %zu bytes at offset %llu failed: %s",
                            f->path, n, (unsigned long long)offset,
                            done < 0 ? strerror(errno) : "nothing written");
        p += done;
        n -= (size_t)done;
        offset += (uint64_t)done;
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

static int sync_and_close(blz_atomic_file *f)
{
    int sync_failed = fsync(f->fd) != 0 ? errno : 0;
    int close_failed = close(f->fd) != 0 ? errno : 0;
    f->fd = -1;
    if (sync_failed || close_failed)
        return blz_fail(BLZ_ERR_IO, "%s: cannot sync the written file: %s", f->path,
                        strerror(sync_failed ? sync_failed : close_failed));
    return BLZ_OK;
}

/* Move the temporary to path without replacing anything. */
static int move_exclusive(blz_atomic_file *f)
{
    if (renameat2(AT_FDCWD, f->tmp_path, AT_FDCWD, f->path, RENAME_NOREPLACE) == 0)
        return BLZ_OK;
    if ((errno == EINVAL || errno == ENOSYS || errno == ENOTSUP) &&
        link(f->tmp_path, f->path) == 0) {
        unlink(f->tmp_path);
        return BLZ_OK;
    }
    if (errno == EEXIST)
        return blz_fail(BLZ_ERR_EXISTS, "%s: appeared while writing; not replaced", f->path);
    return blz_fail(BLZ_ERR_IO, "%s: cannot publish %s: %s", f->path, f->tmp_path,
                    strerror(errno));
}

static int move_replacing(blz_atomic_file *f)
{
    if (rename(f->tmp_path, f->path) != 0)
        return blz_fail(BLZ_ERR_IO, "%s: cannot rename %s: %s", f->path, f->tmp_path,
                        strerror(errno));
    return BLZ_OK;
}

int blz_fsync_folder(const char *dir, const char *path)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return blz_fail(BLZ_ERR_IO, "%s: cannot open folder %s to sync it: %s", path, dir,
                        strerror(errno));
    int failed = fsync(fd) != 0 && errno != EINVAL ? errno : 0;
    close(fd);
    if (failed)
        return blz_fail(BLZ_ERR_IO, "%s: cannot sync folder %s: %s", path, dir,
                        strerror(failed));
    return BLZ_OK;
}

int blz_atomic_commit(blz_atomic_file *f)
{
    int rc = sync_and_close(f);
    if (rc == BLZ_OK)
        rc = (f->flags & BLZ_ATOMIC_NOREPLACE) ? move_exclusive(f) : move_replacing(f);
    if (rc == BLZ_OK) {
        free(f->tmp_path);
        f->tmp_path = NULL;
        rc = blz_fsync_folder(f->dir, f->path);
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
    free(f->dir);
    free(f->path);
    *f = (blz_atomic_file){ .fd = -1 };
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
