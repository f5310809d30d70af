/*
 * testutil.h - helpers shared by the Check suites.
 *
 * Each test works in its own temporary folder, makes its fixtures there (with the
 * library, the ffmpeg command line or numpy through /usr/bin/python3), and removes it.
 * References come from independent code: numpy, ffmpeg, or plain loops in the test.
 */
#ifndef BLITZ_TESTS_TESTUTIL_H
#define BLITZ_TESTS_TESTUTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Make a fresh temporary folder (under $TMPDIR or /tmp); returns a malloc'd path. */
char *tu_tmpdir(void);
/* A checked fixture (tcase_add_checked_fixture(tc, tu_dir_setup, tu_dir_teardown))
 * giving each test a fresh temporary folder, tu_dir, removed after the test. */
extern char *tu_dir;
void tu_dir_setup(void);
void tu_dir_teardown(void);
/* Remove a folder and everything below it. */
void tu_rmtree(const char *path);
/* printf into a malloc'd string. */
char *tu_fmt(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Run a shell command; returns its exit status (or -1 if it died on a signal). */
int tu_sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Run a shell command and capture its stdout (malloc'd); NULL on failure. */
char *tu_capture(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* True when Debian's numpy is usable through /usr/bin/python3 / ffmpeg is on PATH. */
bool tu_have_numpy(void);
bool tu_have_ffmpeg(void);
/* Run a Python program with /usr/bin/python3 (numpy importable); returns exit status. */
int tu_python(const char *program);
/* Path of a built tool, e.g. tu_tool("blitz-query") -> "$top_builddir/blitz-query". */
char *tu_tool(const char *name);
/* Fill n floats with a deterministic pseudo-random pattern from seed (integers 0..max). */
void tu_fill_ints(float *v, size_t n, uint32_t seed, uint32_t max);
/* Run a Check suite (and free it); the process exit status: 0 when all passed. */
struct Suite;
int tu_run_suite(struct Suite *suite);
/* A whole file in memory (malloc'd, *size bytes); fails the running test when the file
 * cannot be read. */
unsigned char *tu_slurp(const char *path, size_t *size);
/* Whether a file exists. */
bool tu_exists(const char *path);
/* Size of a file in bytes; fails the running test when it cannot be stat'ed. */
uint64_t tu_file_size(const char *path);
/* Number of entries in a folder (excluding . and ..). */
int tu_count_entries(const char *dir);

#endif
