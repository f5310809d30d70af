/*
 * blitz/error.h - status codes shared by every libblitz call.
 *
 * Every function that can fail returns an int status: BLZ_OK (0) on success or one of
 * the negative BLZ_ERR_* codes below. blz_strerror() names a code; blz_errmsg() gives
 * the detail of the last failure on the calling thread (which file, frame, chunk or
 * byte offset, and why), in the spirit of SQLite's sqlite3_errmsg(). The library never
 * prints, aborts or exits: reporting is the caller's job.
 */
#ifndef BLITZ_ERROR_H
#define BLITZ_ERROR_H

#ifdef __cplusplus
extern "C" {
#endif

enum blz_status {
    BLZ_OK = 0,
    BLZ_ERR_NOMEM = -1,       /* an allocation failed */
    BLZ_ERR_IO = -2,          /* read, write, map, sync or rename failed (disk full, EIO, ...) */
    BLZ_ERR_NOENT = -3,       /* an input does not exist or cannot be opened for reading */
    BLZ_ERR_EXISTS = -4,      /* the output exists and replacing it was not asked for */
    BLZ_ERR_CREATE = -5,      /* the output cannot be created (permissions, missing folder) */
    BLZ_ERR_FORMAT = -6,      /* a file is malformed, truncated or damaged */
    BLZ_ERR_CHECKSUM = -7,    /* stored bytes do not match their checksum */
    BLZ_ERR_VERSION = -8,     /* a newer major version or an unknown required feature */
    BLZ_ERR_UNSUPPORTED = -9, /* an input kind, codec, pixel format or dtype blitz cannot read */
    BLZ_ERR_DECODE = -10,     /* a frame failed to decode */
    BLZ_ERR_INVALID = -11,    /* an argument or option value is out of its domain */
    BLZ_ERR_RANGE = -12,      /* sizes that overflow, or dimensions beyond the format's limits */
    BLZ_ERR_BUDGET = -13,     /* the memory budget is too small for the smallest unit of work */
    BLZ_ERR_EMPTY = -14,      /* an input holds no frames */
    BLZ_ERR_CANCELLED = -15   /* the caller's progress callback asked to stop */
};

/* A static English name for a status code ("checksum mismatch"); never NULL. */
const char *blz_strerror(int status);

/* The detail of the last failure on this thread: a one-line message naming the problem
 * and the file (and frame, chunk or offset where known). Valid until the next failing
 * libblitz call on the same thread; "" when none has failed. */
const char *blz_errmsg(void);

#ifdef __cplusplus
}
#endif
#endif
