/*
 * common.c - exit codes, messages and option parsing shared by the blitz tools.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "blitz/error.h"
#include "common.h"

const char *tool_name = "blitz";

int tool_exit_code(int status)
{
    switch (status) {
    case BLZ_OK: return 0;
    case BLZ_ERR_NOENT: return EXIT_NOINPUT;
    case BLZ_ERR_EXISTS:
    case BLZ_ERR_CREATE: return EXIT_CANTCREAT;
    case BLZ_ERR_IO: return EXIT_IOERR;
    case BLZ_ERR_INVALID:
    case BLZ_ERR_BUDGET: return EXIT_USAGE;
    case BLZ_ERR_NOMEM:
    case BLZ_ERR_CANCELLED: return EXIT_SOFTWARE;
    default: return EXIT_DATAERR;
    }
}

int tool_report(int status)
{
    const char *msg = blz_errmsg();
    fprintf(stderr, "%s: %s\n", tool_name, msg && *msg ? msg : blz_strerror(status));
    return tool_exit_code(status);
}

int tool_usage_error(const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "%s: ", tool_name);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, " (see %s --help)\n", tool_name);
    return EXIT_USAGE;
}

bool tool_parse_size(const char *s, size_t *out)
{
    char *end;
    errno = 0;
    if (!s || *s == '-' || *s == '\0')
        return false;
    double v = strtod(s, &end);
    if (errno || end == s || !(v >= 0))
        return false;
    double unit = 1;
    switch (*end) {
    case 'k': case 'K': unit = 1024.0; end++; break;
    case 'm': case 'M': unit = 1024.0 * 1024; end++; break;
    case 'g': case 'G': unit = 1024.0 * 1024 * 1024; end++; break;
    case 't': case 'T': unit = 1024.0 * 1024 * 1024 * 1024; end++; break;
    default: break;
    }
    if (*end == 'i')
        end++;
    if (*end == 'b' || *end == 'B')
        end++;
    if (*end != '\0')
        return false;
    double bytes = floor(v * unit);
    if (bytes >= 18446744073709551615.0 || bytes > (double)SIZE_MAX)
        return false;
    *out = (size_t)bytes;
    return true;
}

/* One field of a range: empty means the default. */
static bool range_field(const char *s, size_t len, int64_t dflt, int64_t *out)
{
    if (len == 0) {
        *out = dflt;
        return true;
    }
    char buf[32];
    if (len >= sizeof buf)
        return false;
    memcpy(buf, s, len);
    buf[len] = '\0';
    long long v;
    if (!tool_parse_int(buf, 0, INT64_MAX, &v))
        return false;
    *out = v;
    return true;
}

bool tool_parse_range(const char *s, int64_t *start, int64_t *stop, int64_t *step)
{
    const char *c1 = strchr(s, ':');
    if (!c1)
        return false;
    const char *c2 = strchr(c1 + 1, ':');
    const char *stop_end = c2 ? c2 : c1 + strlen(c1);
    if (!range_field(s, (size_t)(c1 - s), 0, start) ||
        !range_field(c1 + 1, (size_t)(stop_end - c1 - 1), -1, stop) ||
        !range_field(c2 ? c2 + 1 : "", c2 ? strlen(c2 + 1) : 0, 1, step))
        return false;
    return *step >= 1 && (*stop == -1 || *stop >= *start);
}

bool tool_parse_int(const char *s, long long lo, long long hi, long long *out)
{
    char *end;
    errno = 0;
    if (!s || *s == '\0')
        return false;
    long long v = strtoll(s, &end, 10);
    if (errno || *end != '\0' || v < lo || v > hi)
        return false;
    *out = v;
    return true;
}

bool tool_parse_double(const char *s, double *out)
{
    char *end;
    errno = 0;
    if (!s || *s == '\0')
        return false;
    double v = strtod(s, &end);
    if (errno || *end != '\0' || !isfinite(v))
        return false;
    *out = v;
    return true;
}

bool tool_parse_ints(const char *s, int n, long long *out)
{
    const char *p = s;
    for (int i = 0; i < n; i++) {
        char *end;
        errno = 0;
        long long v = strtoll(p, &end, 10);
        if (errno || end == p)
            return false;
        out[i] = v;
        if (i + 1 < n) {
            if (*end != ',')
                return false;
            p = end + 1;
        } else if (*end != '\0') {
            return false;
        }
    }
    return true;
}

void tool_json_string(const char *s)
{
    putchar('"');
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            printf("\\%c", *p);
        else if (*p < 0x20)
            printf("\\u%04x", *p);
        else
            putchar(*p);
    }
    putchar('"');
}

void tool_json_number(double v)
{
    if (isfinite(v))
        printf("%.17g", v);
    else
        fputs("null", stdout);
}

/* MemAvailable from /proc/meminfo in bytes, 0 when unknown. */
static size_t mem_available(void)
{
    FILE *f = fopen("/proc/meminfo", "r");
    if (!f)
        return 0;
    char line[256];
    unsigned long long kib = 0;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "MemAvailable: %llu kB", &kib) == 1)
            break;
    fclose(f);
    return (size_t)kib * 1024;
}

size_t tool_default_budget(void)
{
    const size_t floor_bytes = (size_t)256 << 20;
    size_t half = mem_available() / 2;
    return half > floor_bytes ? half : floor_bytes;
}
