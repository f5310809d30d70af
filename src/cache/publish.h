/*
 * publish.h - the writer's output file: a temporary beside the destination, published
 * atomically under the final name.
 *
 * The temporary ".<name>.tmp-XXXXXX" is created in the destination folder (so the final
 * rename never crosses filesystems) with mode 0666 minus the umask, like any new file.
 * Publishing fsyncs it, moves it to the final name without ever replacing an existing
 * file unless asked, and fsyncs the folder. Discarding removes it.
 */
#ifndef BLITZ_CACHE_PUBLISH_H
#define BLITZ_CACHE_PUBLISH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct blz_outfile {
    char *path;      /* final name */
    char *temp;      /* temporary name in the same folder */
    char *dir;       /* the folder */
    int fd;          /* open on temp, -1 once closed */
    bool replace;    /* replace an existing file at path */
} blz_outfile;

/* Refuse an existing path (BLZ_ERR_EXISTS unless replace) and create the temporary
 * (BLZ_ERR_CREATE when the folder is missing or not writable). */
int blz_outfile_open(blz_outfile *f, const char *path, bool replace);

/* Write all n bytes at offset (BLZ_ERR_IO naming the file and offset). */
int blz_outfile_write(blz_outfile *f, const void *data, size_t n, uint64_t offset);

/* fsync, close, move to the final name, fsync the folder. On failure the temporary is
 * gone (blz_outfile_discard still has to be called to release f). */
int blz_outfile_publish(blz_outfile *f);

/* Close and remove the temporary if it is still there; free the names. */
void blz_outfile_discard(blz_outfile *f);

#endif
