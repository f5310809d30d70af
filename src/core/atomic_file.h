/*
 * atomic_file.h - files that appear whole under their final name, or not at all.
 *
 * Output is written to a temporary ".NAME.tmp-XXXXXX" in the destination folder (same
 * filesystem, so the final move is atomic), created with O_EXCL and mode 0666 minus the
 * umask like any new file (mkstemp's 0600 would keep other users out of a shared
 * cache). Committing fsyncs it, moves it to the final name and fsyncs the folder. With
 * BLZ_ATOMIC_NOREPLACE an existing file is refused up front and never replaced, even if
 * one appears while writing (renameat2 RENAME_NOREPLACE, or link + unlink). Abort, or
 * any failure, removes the temporary. Used by the cache writer and every output writer.
 */
#ifndef BLITZ_CORE_ATOMIC_FILE_H
#define BLITZ_CORE_ATOMIC_FILE_H

#include <stddef.h>
#include <stdint.h>

enum { BLZ_ATOMIC_NOREPLACE = 1 };

typedef struct blz_atomic_file {
    int fd;            /* open on the temporary file, -1 when closed */
    char *path;        /* final name */
    char *tmp_path;    /* temporary name, NULL once published or removed */
    char *dir;         /* the folder of both */
    unsigned flags;
    uint64_t written;  /* bytes appended by blz_atomic_write */
} blz_atomic_file;

/* Create the temporary for path: BLZ_ERR_EXISTS for an existing path under
 * BLZ_ATOMIC_NOREPLACE, BLZ_ERR_CREATE when the folder is missing or not writable. */
int blz_atomic_open_flags(blz_atomic_file *f, const char *path, unsigned flags);
static inline int blz_atomic_open(blz_atomic_file *f, const char *path)
{
    return blz_atomic_open_flags(f, path, 0);
}

/* Append n bytes / write n bytes at offset (BLZ_ERR_IO naming the file and offset). */
int blz_atomic_write(blz_atomic_file *f, const void *data, size_t n);
int blz_atomic_pwrite(blz_atomic_file *f, const void *data, size_t n, uint64_t offset);

/* fsync, publish under the final name, fsync the folder; releases f. On failure the
 * temporary is removed. */
int blz_atomic_commit(blz_atomic_file *f);

/* Remove the temporary if it is still there and release f. Safe to call twice, and
 * on an f that failed to open or was committed. */
void blz_atomic_abort(blz_atomic_file *f);

/* Temporaries, shared with atomic_dir.c: the name "DIR/.NAME.tmp-XXXXXX" for path
 * (malloc'd, NULL when out of memory), with *dir set to DIR (malloc'd, or NULL); and
 * its creation: make(tmp, ctx) (0, or -1 with errno) is tried under fresh random
 * suffixes while the name is taken. On failure the message names path, what ("a
 * file") and dir: BLZ_ERR_IO when the disk is full, else BLZ_ERR_CREATE. */
enum { BLZ_TEMP_SUFFIX_LEN = 6, BLZ_TEMP_ATTEMPTS = 64 };
char *blz_temp_template(const char *path, char **dir);
int blz_temp_create(char *tmp, const char *path, const char *dir, const char *what,
                    int (*make)(const char *tmp, void *ctx), void *ctx);

/* fsync folder dir (errors name path, the file it is for). */
int blz_fsync_folder(const char *dir, const char *path);

/* Read exactly n bytes at offset: 0 on success, -1 on error or short file (errno). */
int blz_pread_full(int fd, void *buf, size_t n, uint64_t offset);

#endif
