/*
 * publish.c - temporary output file, write loop, atomic publish and folder fsync.
 *
 * mkstemp() would create the file with mode 0600, which would keep other users of a
 * shared cache out; so the temporary is created with O_CREAT|O_EXCL, mode 0666 (the
 * umask applies) and a random suffix, retried on collision. Publishing without
 * replacement uses renameat2(RENAME_NOREPLACE), or link()+unlink() on filesystems
 * without it: either way an existing file is never replaced, even in a race.
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
#include "cache/publish.h"
#include "core/error_internal.h"

enum { SUFFIX_LEN = 6, CREATE_ATTEMPTS = 64 };

static char *copy_dirname(const char *path)
{
    char *copy = strdup(path);
    if (!copy)
        return NULL;
    char *dir = strdup(dirname(copy));
    free(copy);
    return dir;
}

static char *temp_template(const char *path, const char *dir)
{
    char *copy = strdup(path);
    if (!copy)
        return NULL;
    const char *base = basename(copy);
    size_t n = strlen(dir) + strlen(base) + SUFFIX_LEN + 16;
    char *temp = malloc(n);
    if (temp)
        snprintf(temp, n, "%s/.%s.tmp-XXXXXX", dir, base);
    free(copy);
    return temp;
}

static void random_suffix(char *x, unsigned attempt)
{
    static const char alphabet[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    unsigned char r[SUFFIX_LEN];
    if (getrandom(r, sizeof r, GRND_NONBLOCK) != (ssize_t)sizeof r)
        for (int i = 0; i < SUFFIX_LEN; i++)
            r[i] = (unsigned char)((unsigned)getpid() * 31u + attempt * 131u + (unsigned)i * 7u);
    for (int i = 0; i < SUFFIX_LEN; i++)
        x[i] = alphabet[r[i] % (sizeof alphabet - 1)];
}

static int create_temp(blz_outfile *f)
{
    char *x = f->temp + strlen(f->temp) - SUFFIX_LEN;
    for (unsigned attempt = 0; attempt < CREATE_ATTEMPTS; attempt++) {
        random_suffix(x, attempt);
        f->fd = open(f->temp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (f->fd >= 0)
            return BLZ_OK;
        if (errno != EEXIST)
            break;
    }
    int failed = errno;
    free(f->temp);
    f->temp = NULL;   /* the name is not ours: never unlink it */
    if (failed == EEXIST)
        return blz_fail(BLZ_ERR_CREATE, "%s: no free temporary name in %s", f->path, f->dir);
    return blz_fail(BLZ_ERR_CREATE, "%s: cannot create a file in %s: %s", f->path, f->dir,
                    strerror(failed));
}

int blz_outfile_open(blz_outfile *f, const char *path, bool replace)
{
    *f = (blz_outfile){ .fd = -1, .replace = replace };
    struct stat st;
    if (!replace && lstat(path, &st) == 0)
        return blz_fail(BLZ_ERR_EXISTS, "%s: exists (replacing it was not asked for)", path);
    f->path = strdup(path);
    f->dir = copy_dirname(path);
    f->temp = f->dir ? temp_template(path, f->dir) : NULL;
    if (!f->path || !f->temp)
        return blz_fail(BLZ_ERR_NOMEM, "%s: out of memory", path);
    return create_temp(f);
}

int blz_outfile_write(blz_outfile *f, const void *data, size_t n, uint64_t offset)
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

static int sync_and_close(blz_outfile *f)
{
    int sync_failed = fsync(f->fd) != 0 ? errno : 0;
    int close_failed = close(f->fd) != 0 ? errno : 0;
    f->fd = -1;
    if (sync_failed || close_failed)
        return blz_fail(BLZ_ERR_IO, "%s: cannot sync the written file: %s", f->path,
                        strerror(sync_failed ? sync_failed : close_failed));
    return BLZ_OK;
}

/* Move temp to path without replacing anything; BLZ_ERR_EXISTS when path appeared. */
static int move_exclusive(blz_outfile *f)
{
    if (renameat2(AT_FDCWD, f->temp, AT_FDCWD, f->path, RENAME_NOREPLACE) == 0)
        return BLZ_OK;
    if (errno == EINVAL || errno == ENOSYS || errno == ENOTSUP) {
        if (link(f->temp, f->path) == 0) {
            unlink(f->temp);
            return BLZ_OK;
        }
    }
    if (errno == EEXIST)
        return blz_fail(BLZ_ERR_EXISTS, "%s: appeared while writing; not replaced", f->path);
    return blz_fail(BLZ_ERR_IO, "%s: cannot publish %s: %s", f->path, f->temp, strerror(errno));
}

static int move_replacing(blz_outfile *f)
{
    if (rename(f->temp, f->path) != 0)
        return blz_fail(BLZ_ERR_IO, "%s: cannot rename %s: %s", f->path, f->temp,
                        strerror(errno));
    return BLZ_OK;
}

static int sync_dir(const blz_outfile *f)
{
    int fd = open(f->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return blz_fail(BLZ_ERR_IO, "%s: cannot open folder %s to sync it: %s", f->path,
                        f->dir, strerror(errno));
    int failed = fsync(fd) != 0 && errno != EINVAL ? errno : 0;
    close(fd);
    if (failed)
        return blz_fail(BLZ_ERR_IO, "%s: cannot sync folder %s: %s", f->path, f->dir,
                        strerror(failed));
    return BLZ_OK;
}

int blz_outfile_publish(blz_outfile *f)
{
    int st = sync_and_close(f);
    if (st == BLZ_OK)
        st = f->replace ? move_replacing(f) : move_exclusive(f);
    if (st < 0) {
        unlink(f->temp);
        return st;
    }
    free(f->temp);
    f->temp = NULL;
    return sync_dir(f);
}

void blz_outfile_discard(blz_outfile *f)
{
    if (f->fd >= 0)
        close(f->fd);
    if (f->temp)
        unlink(f->temp);
    free(f->temp);
    free(f->dir);
    free(f->path);
    *f = (blz_outfile){ .fd = -1 };
}
