/*
 * blitz/writer.h - writing a blitz cache, frame by frame.
 *
 * Frames arrive in order and their number need not be known ahead. The writer keeps one
 * time block (ct frames) in memory; when it is full the block is cut into chunks, each
 * compressed and hashed in parallel (OpenMP), and appended to a temporary file in the
 * destination folder. blz_writer_finish() writes the index, frame table, metadata and
 * header, fsyncs, renames the file to its final name and fsyncs the folder. A writer
 * freed before finishing, or a failed finish, removes its temporary file: an
 * interrupted or failed write never leaves a file under the final name, and an
 * existing cache is replaced only when BLZ_WRITE_REPLACE is given.
 */
#ifndef BLITZ_WRITER_H
#define BLITZ_WRITER_H

#include <stddef.h>
#include <stdint.h>

#include "blitz/cache.h"

#ifdef __cplusplus
extern "C" {
#endif

enum blz_write_flags {
    BLZ_WRITE_REPLACE = 1u << 0  /* replace an existing file at the final path */
};

typedef struct blz_writer_options {
    int32_t height, width, channels;  /* frame geometry; channels 1 or 3 */
    int32_t ct, th, tw;               /* chunk shape; 0 picks the default (32 x 64 x 64) */
    int codec;                        /* enum blz_codec; compressed chunks that do not shrink
                                         are stored raw */
    int threads;                      /* OpenMP threads for compression; 0 = default */
    unsigned flags;                   /* enum blz_write_flags */
} blz_writer_options;

typedef struct blz_writer blz_writer;

/* Memory the writer holds for given options (time block + compression buffers), so a
 * caller can fit its chunk shape to a budget. 0 when the options are invalid. */
size_t blz_writer_memory(const blz_writer_options *options);

/* Create the temporary file beside path and prepare to receive frames. */
int blz_writer_open(blz_writer **out, const char *path, const blz_writer_options *options);

/* Add a metadata pair (UTF-8, no NUL inside); written by blz_writer_finish(). */
int blz_writer_set_meta(blz_writer *w, const char *key, const char *value);

/* The H*W*C float buffer for the next frame, rows top to bottom, channels
 * interleaved; fill it then call blz_writer_commit_frame(). Lets a decoder convert
 * straight into the writer's time block with no extra copy. */
float *blz_writer_frame_slot(blz_writer *w);
int blz_writer_commit_frame(blz_writer *w, int64_t source_index, double timestamp);

/* Copy a frame in and commit it: blz_writer_frame_slot + memcpy + commit. */
int blz_writer_add_frame(blz_writer *w, const float *values, int64_t source_index,
                         double timestamp);

/* Frames committed so far. */
int64_t blz_writer_frames(const blz_writer *w);

/* Flush the last block, write the index, frame table, metadata and header, fsync, and
 * publish the file under its final name. At least one frame must have been added. */
int blz_writer_finish(blz_writer *w);

/* Release the writer; if it was not finished, remove its temporary file. */
void blz_writer_free(blz_writer *w);

#ifdef __cplusplus
}
#endif
#endif
