/*
 * atomic_file.h - files that appear whole under their final name, or not at all.
 *
 * Output is written to a temporary file ".NAME.tmp-XXXXXX" in the destination folder
 * (same filesystem, so the final rename is atomic), then fsync'd, renamed over the
 * final name and the folder fsync'd. Abort (or any failure) removes the temporary
 * file. With BLZ_ATOMIC_NOREPLACE an existing file is never replaced, even in a race
 * (link + unlink instead of rename). Also: full-length pread/pwrite loops.
 */
#ifndef BLITZ_CORE_ATOMIC_FILE_H
#define BLITZ_CORE_ATOMIC_FILE_H

#include <stddef.h>
#include <stdint.h>

enum { BLZ_ATOMIC_NOREPLACE = 1 };

typedef struct blz_atomic_file {
    int fd;            /* open on the temporary file, -1 when closed */
    char *path;        /* final name */
    char *tmp_path;    /* temporary name */
    unsigned flags;
    uint64_t written;  /* bytes appended by blz_atomic_write */
} blz_atomic_file;

/* Create the temporary file for path. With BLZ_ATOMIC_NOREPLACE an existing path is
 * refused up front (BLZ_ERR_EXISTS). */
int blz_atomic_open_flags(blz_atomic_file *f, const char *path, unsigned flags);
static inline int blz_atomic_open(blz_atomic_file *f, const char *path)
{
    return blz_atomic_open_flags(f, path, 0);
}

/* Append n bytes / write n bytes at offset; failures name the final path. */
int blz_atomic_write(blz_atomic_file *f, const void *data, size_t n);
int blz_atomic_pwrite(blz_atomic_file *f, const void *data, size_t n, uint64_t offset);

/* fsync, publish under the final name, fsync the folder; frees f. On failure the
 * temporary file is removed. */
int blz_atomic_commit(blz_atomic_file *f);

/* Remove the temporary file and free f. Safe on a closed or never-opened f. */
void blz_atomic_abort(blz_atomic_file *f);

/* Read exactly n bytes at offset: 0 on success, -1 on error or short file (errno). */
int blz_pread_full(int fd, void *buf, size_t n, uint64_t offset);

#endif
