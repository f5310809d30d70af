/*
 * error.c - status names and the per-thread error message.
 *
 * A failing call records a one-line message in a thread-local buffer through
 * blz_fail() and returns its status code; blz_errmsg() hands the message to the
 * caller. Thread-local storage keeps messages from OpenMP workers and concurrent
 * callers apart without locks.
 */
#include <stdarg.h>
#include <stdio.h>

#include "blitz/blitz.h"
#include "core/error_internal.h"

static _Thread_local char last_message[1024];

const char *blz_strerror(int status)
{
    switch (status) {
    case BLZ_OK: return "success";
    case BLZ_ERR_NOMEM: return "out of memory";
    case BLZ_ERR_IO: return "input/output error";
    case BLZ_ERR_NOENT: return "no such input";
    case BLZ_ERR_EXISTS: return "output exists";
    case BLZ_ERR_CREATE: return "cannot create output";
    case BLZ_ERR_FORMAT: return "malformed or damaged file";
    case BLZ_ERR_CHECKSUM: return "checksum mismatch";
    case BLZ_ERR_VERSION: return "unsupported format version or feature";
    case BLZ_ERR_UNSUPPORTED: return "unsupported input";
    case BLZ_ERR_DECODE: return "decoding failed";
    case BLZ_ERR_INVALID: return "invalid argument";
    case BLZ_ERR_RANGE: return "size out of range";
    case BLZ_ERR_BUDGET: return "memory budget too small";
    case BLZ_ERR_EMPTY: return "no frames";
    case BLZ_ERR_CANCELLED: return "cancelled";
    default: return "unknown error";
    }
}

const char *blz_errmsg(void)
{
    return last_message;
}

int blz_fail(int status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(last_message, sizeof last_message, fmt, ap);
    va_end(ap);
    return status;
}

int blz_fail_again(int status)
{
    if (last_message[0] == '\0')
        blz_fail(status, "%s", blz_strerror(status));
    return status;
}

void blz_errmsg_copy(char *dst, size_t size)
{
    snprintf(dst, size, "%s", last_message);
}

void blz_errmsg_restore(const char *msg)
{
    snprintf(last_message, sizeof last_message, "%s", msg);
}

const char *blz_version(void)
{
    return PACKAGE_VERSION;
}
