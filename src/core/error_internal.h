/*
 * error_internal.h - how library code reports failures.
 *
 *     return blz_fail(BLZ_ERR_FORMAT, "%s: chunk %lld: stored size past end of file", path, id);
 *
 * blz_fail() formats the thread's message and returns the status, so a failure is
 * reported and propagated in one statement. Messages start with the file they concern.
 * Work done on OpenMP threads copies its message out with blz_errmsg_copy() and the
 * coordinating thread puts it back with blz_errmsg_restore().
 */
#ifndef BLITZ_CORE_ERROR_INTERNAL_H
#define BLITZ_CORE_ERROR_INTERNAL_H

#include <stddef.h>

#if defined(__GNUC__)
#define BLZ_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define BLZ_PRINTF(a, b)
#endif

/* Record a formatted message for this thread and return status. */
int blz_fail(int status, const char *fmt, ...) BLZ_PRINTF(2, 3);

/* Return status, recording its generic name only if no message was recorded. */
int blz_fail_again(int status);

/* Copy this thread's message into dst / set it from msg (for OpenMP workers). */
void blz_errmsg_copy(char *dst, size_t size);
void blz_errmsg_restore(const char *msg);

#endif
