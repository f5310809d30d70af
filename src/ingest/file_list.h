/*
 * file_list.h - the ordered list of files an image-sequence source reads.
 *
 * An image sequence is named by one folder (its image files, natural-sorted), one
 * glob pattern (its matches, natural-sorted, never glob's lexical order) or an
 * explicit list of paths (kept in the order given). Natural sort compares runs of
 * digits by value, so frame2 comes before frame10 and numbering gaps do not matter.
 * The list also carries an identity of the inputs (count, total size, newest mtime).
 */
#ifndef BLITZ_INGEST_FILE_LIST_H
#define BLITZ_INGEST_FILE_LIST_H

#include <stddef.h>
#include <stdint.h>

typedef struct blz_file_list {
    char **paths;          /* n malloc'd paths, in frame order */
    size_t n;
    int64_t files_ignored; /* folder entries left out because they are not images */
    int64_t total_bytes;   /* sum of the files' sizes */
    int64_t newest_mtime_ns; /* latest modification time, ns since the epoch */
} blz_file_list;

/* Build the list from inputs: one folder, one glob pattern, or n >= 1 file paths.
 * Fails with BLZ_ERR_NOENT (missing input, no match), BLZ_ERR_EMPTY (a folder without
 * images) or BLZ_ERR_NOMEM, naming the input. */
int blz_file_list_build(blz_file_list *list, const char *const *inputs, size_t n);
void blz_file_list_free(blz_file_list *list);

/* strcmp-like natural order: digit runs by value, letters case-insensitively, ties
 * broken bytewise so the order is total. */
int blz_natural_compare(const char *a, const char *b);

/* The extension of the last component of path, without the dot ("" when none). */
const char *blz_file_extension(const char *path);

/* Whether a file name has an image extension blitz reads (png jpg jpeg bmp tif tiff,
 * any case). */
int blz_has_image_extension(const char *name);

/* True when a path contains glob metacharacters (* ? [). */
int blz_is_glob_pattern(const char *path);

#endif
