/*
 * atomic_dir.c - temporary folder, checks of a target that may be replaced, atomic
 * publish (or swap) and removal of what is left behind (see atomic_dir.h).
 */
#include "core/atomic_dir.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "blitz/error.h"
#include "core/atomic_file.h"
#include "core/error_internal.h"

static bool dot_entry(const char *name)
{
    return strcmp(name, ".") == 0 || strcmp(name, "..") == 0;
}

/* Whether entry e of the open folder dir is a regular file (links not followed). */
static bool regular_file(DIR *dir, const struct dirent *e)
{
    if (e->d_type != DT_UNKNOWN)
        return e->d_type == DT_REG;
    struct stat st;
    return fstatat(dirfd(dir), e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode);
}

/* BLZ_OK when the target is absent, or is a folder of regular files that may all be
 * replaced; BLZ_ERR_EXISTS naming the obstacle otherwise. */
static int check_target(const blz_atomic_dir *d)
{
    struct stat st;
    if (lstat(d->path, &st) != 0)
        return BLZ_OK;
    if (!d->replaceable)
        return blz_fail(BLZ_ERR_EXISTS, "%s: exists (replacing it was not asked for)", d->path);
    if (!S_ISDIR(st.st_mode))
        return blz_fail(BLZ_ERR_EXISTS, "%s: exists and is not a folder; not replaced", d->path);
    DIR *dir = opendir(d->path);
    if (!dir)
        return blz_fail(BLZ_ERR_EXISTS, "%s: exists and cannot be read (%s); not replaced",
                        d->path, strerror(errno));
    int rc = BLZ_OK;
    for (struct dirent *e; rc == BLZ_OK && (e = readdir(dir));)
        if (!dot_entry(e->d_name) && (!d->replaceable(e->d_name) || !regular_file(dir, e)))
            rc = blz_fail(BLZ_ERR_EXISTS, "%s: exists and holds '%s', which this output "
                          "would not have written; not replaced", d->path, e->d_name);
    closedir(dir);
    return rc;
}

/* Remove the files of folder path that filter accepts (all when NULL), then the
 * folder: 0, or -1 with errno. */
static int remove_folder(const char *path, blz_name_filter filter)
{
    DIR *dir = opendir(path);
    if (!dir)
        return -1;
    for (struct dirent *e; (e = readdir(dir));)
        if (!dot_entry(e->d_name) && (!filter || filter(e->d_name)))
            unlinkat(dirfd(dir), e->d_name, 0);
    closedir(dir);
    return rmdir(path);
}

static int make_folder(const char *tmp, void *ctx)
{
    (void)ctx;
    return mkdir(tmp, 0777);
}

int blz_atomic_dir_open(blz_atomic_dir *d, const char *path, blz_name_filter replaceable)
{
    *d = (blz_atomic_dir){ .replaceable = replaceable };
    d->path = strdup(path);
    if (!d->path)
        return blz_fail(BLZ_ERR_NOMEM, "%s: out of memory", path);
    for (size_t n = strlen(d->path); n > 0 && d->path[n - 1] == '/'; n--)
        d->path[n - 1] = '\0';
    int rc = *d->path ? check_target(d)
                      : blz_fail(BLZ_ERR_INVALID, "'%s': no folder name", path);
    if (rc == BLZ_OK && !(d->tmp_path = blz_temp_template(d->path, &d->parent)))
        rc = blz_fail(BLZ_ERR_NOMEM, "%s: out of memory", path);
    if (rc == BLZ_OK) {
        rc = blz_temp_create(d->tmp_path, d->path, d->parent, "a folder", make_folder, NULL);
        if (rc != BLZ_OK) {
            free(d->tmp_path);
            d->tmp_path = NULL;   /* the name is not ours: never remove it */
        }
    }
    if (rc != BLZ_OK)
        blz_atomic_dir_abort(d);
    return rc;
}

char *blz_atomic_dir_file(const blz_atomic_dir *d, const char *name)
{
    size_t n = strlen(d->tmp_path) + strlen(name) + 2;
    char *file = malloc(n);
    if (file)
        snprintf(file, n, "%s/%s", d->tmp_path, name);
    return file;
}

static bool no_such_rename(int err)
{
    return err == EINVAL || err == ENOSYS || err == ENOTSUP;
}

/* Without RENAME_EXCHANGE: the target moved aside, the new folder moved in (the target
 * put back if that fails); tmp_path then names the folder set aside. */
static int swap_by_moves(blz_atomic_dir *d)
{
    size_t n = strlen(d->tmp_path) + 8;
    char *aside = malloc(n);
    if (!aside)
        return blz_fail(BLZ_ERR_NOMEM, "%s: out of memory", d->path);
    snprintf(aside, n, "%s-old", d->tmp_path);
    int failed = rename(d->path, aside) != 0 ? errno : 0;
    if (!failed && rename(d->tmp_path, d->path) != 0) {
        failed = errno;
        rename(aside, d->path);
    }
    if (failed) {
        free(aside);
        return blz_fail(BLZ_ERR_IO, "%s: cannot replace it with %s: %s", d->path, d->tmp_path,
                        strerror(failed));
    }
    free(d->tmp_path);
    d->tmp_path = aside;
    return BLZ_OK;
}

/* Swap the new folder with the target, then remove the replaced one's files. */
static int replace(blz_atomic_dir *d)
{
    if (renameat2(AT_FDCWD, d->tmp_path, AT_FDCWD, d->path, RENAME_EXCHANGE) != 0) {
        if (!no_such_rename(errno))
            return blz_fail(BLZ_ERR_IO, "%s: cannot replace it with %s: %s", d->path,
                            d->tmp_path, strerror(errno));
        int rc = swap_by_moves(d);
        if (rc != BLZ_OK)
            return rc;
    }
    char *old = d->tmp_path;
    d->tmp_path = NULL;   /* the replaced folder: only its replaceable files go */
    int rc = remove_folder(old, d->replaceable) == 0
                 ? BLZ_OK
                 : blz_fail(BLZ_ERR_IO, "%s: written, but the folder it replaced (now %s) "
                            "cannot be removed: %s", d->path, old, strerror(errno));
    free(old);
    return rc;
}

/* Move the temporary folder to the target, replacing it only when allowed. */
static int publish(blz_atomic_dir *d)
{
    int failed = 0;
    if (renameat2(AT_FDCWD, d->tmp_path, AT_FDCWD, d->path, RENAME_NOREPLACE) != 0) {
        failed = errno;
        struct stat st;
        if (no_such_rename(failed) && lstat(d->path, &st) != 0)
            failed = rename(d->tmp_path, d->path) == 0 ? 0 : errno;
    }
    if (failed == EEXIST || failed == ENOTEMPTY || no_such_rename(failed)) {
        int rc = check_target(d);
        return rc == BLZ_OK ? replace(d) : rc;
    }
    if (failed)
        return blz_fail(BLZ_ERR_IO, "%s: cannot publish %s: %s", d->path, d->tmp_path,
                        strerror(failed));
    free(d->tmp_path);
    d->tmp_path = NULL;
    return BLZ_OK;
}

int blz_atomic_dir_commit(blz_atomic_dir *d)
{
    int rc = blz_fsync_folder(d->tmp_path, d->path);
    if (rc == BLZ_OK)
        rc = publish(d);
    if (rc == BLZ_OK)
        rc = blz_fsync_folder(d->parent, d->path);
    blz_atomic_dir_abort(d);
    return rc;
}

void blz_atomic_dir_abort(blz_atomic_dir *d)
{
    if (d->tmp_path)
        remove_folder(d->tmp_path, NULL);
    free(d->tmp_path);
    free(d->parent);
    free(d->path);
    *d = (blz_atomic_dir){ 0 };
}
