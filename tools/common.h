/*
 * common.h - what the blitz command-line tools share: exit codes, messages, parsing.
 *
 * The library returns status codes; the tools turn them into one-line messages on
 * stderr ("blitz-query: FILE: what went wrong") and sysexits.h exit codes. Option
 * values that several tools accept (sizes with K/M/G suffixes, frame ranges) are
 * parsed here once.
 */
#ifndef BLITZ_TOOLS_COMMON_H
#define BLITZ_TOOLS_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* sysexits.h codes used by the tools. */
enum { EXIT_USAGE = 64, EXIT_DATAERR = 65, EXIT_NOINPUT = 66, EXIT_SOFTWARE = 70,
       EXIT_CANTCREAT = 73, EXIT_IOERR = 74 };

/* Name used as message prefix ("blitz-query"); set once by main(). */
extern const char *tool_name;

/* The sysexits code for a libblitz status. */
int tool_exit_code(int status);

/* Print "tool: <blz_errmsg() or blz_strerror(status)>" and return tool_exit_code(status). */
int tool_report(int status);

/* Print "tool: <formatted message>" and a hint to --help; return EXIT_USAGE. */
int tool_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Parse "512M", "2G", "1048576" (powers of 1024; K, M, G, T; optional trailing B). */
bool tool_parse_size(const char *s, size_t *out);

/* Parse START:STOP[:STEP] (Python slice semantics without negatives; empty fields take
 * defaults 0, end, 1). stop = -1 means "to the end". */
bool tool_parse_range(const char *s, int64_t *start, int64_t *stop, int64_t *step);

/* Parse an integer / a double, whole string, with bounds. */
bool tool_parse_int(const char *s, long long lo, long long hi, long long *out);
bool tool_parse_double(const char *s, double *out);

/* Parse N comma-separated integers ("X,Y,W,H"). */
bool tool_parse_ints(const char *s, int n, long long *out);

/* Print s as a JSON string literal / v as a JSON number (null when not finite), on
 * stdout. */
void tool_json_string(const char *s);
void tool_json_number(double v);

/* Default memory budget: a fraction of available memory (see the man pages). */
size_t tool_default_budget(void);

#endif
