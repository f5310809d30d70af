/*
 * atomic_dir.h - folders of files that appear whole under their final name, or not at
 * all.
 *
 * The files are written into a fresh temporary folder ".NAME.tmp-XXXXXX" next to the
 * target (same filesystem, so the final move is atomic), created with mode 0777 minus
 * the umask like any new folder (mkdtemp's 0700 would keep other users out); each file
 * is made by an atomic writer, which fsyncs it. Committing fsyncs the folder, moves it
 * to the final name without replacing anything (renameat2 RENAME_NOREPLACE) and
 * fsyncs the parent. An existing target is refused (BLZ_ERR_EXISTS), up front and at
 * the move, unless a filter of replaceable names is given: then a folder holding
 * nothing but regular files whose names pass it (an earlier output of the same kind)
 * is swapped with the new one in one step (RENAME_EXCHANGE) and removed; any other
 * target is never touched. Where the filesystem cannot do these renames (NFS), an
 * existence check and plain renames stand in, and a replaced folder is moved aside
 * first. Abort, or any failure, removes the temporary folder and everything in it.
 */
#ifndef BLITZ_CORE_ATOMIC_DIR_H
#define BLITZ_CORE_ATOMIC_DIR_H

#include <stdbool.h>

/* Whether a file of that name may be removed when its folder is replaced. */
typedef bool (*blz_name_filter)(const char *name);

typedef struct blz_atomic_dir {
    char *path;                   /* final name, without a trailing '/' */
    char *tmp_path;               /* the temporary folder, NULL once published or removed */
    char *parent;                 /* the folder of both */
    blz_name_filter replaceable;  /* NULL: an existing target is refused */
} blz_atomic_dir;

/* Create the temporary folder for path (trailing '/' allowed): BLZ_ERR_EXISTS for a
 * target that may not be replaced, BLZ_ERR_CREATE when the parent is missing or not
 * writable, BLZ_ERR_INVALID for an empty name. */
int blz_atomic_dir_open(blz_atomic_dir *d, const char *path, blz_name_filter replaceable);

/* Path of file name inside the temporary folder (malloc'd; NULL when out of memory). */
char *blz_atomic_dir_file(const blz_atomic_dir *d, const char *name);

/* fsync the folder, publish it under the final name, fsync the parent; releases d. On
 * failure the temporary folder is removed. */
int blz_atomic_dir_commit(blz_atomic_dir *d);

/* Remove the temporary folder and its files if still there, and release d. Safe to
 * call twice, and on a d that failed to open or was committed. */
void blz_atomic_dir_abort(blz_atomic_dir *d);

#endif
