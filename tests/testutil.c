/*
 * testutil.c - temporary folders, shell commands and reference tools for the tests.
 */
#include <check.h>
#include <dirent.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testutil.h"

static char *vfmt(const char *fmt, va_list ap)
{
    va_list copy;
    va_copy(copy, ap);
    int n = vsnprintf(NULL, 0, fmt, copy);
    va_end(copy);
    char *s = malloc((size_t)n + 1);
    if (s)
        vsnprintf(s, (size_t)n + 1, fmt, ap);
    return s;
}

char *tu_fmt(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = vfmt(fmt, ap);
    va_end(ap);
    return s;
}

char *tu_tmpdir(void)
{
    const char *base = getenv("TMPDIR");
    char *path = tu_fmt("%s/blitz-test-XXXXXX", base && *base ? base : "/tmp");
    if (path && !mkdtemp(path)) {
        free(path);
        return NULL;
    }
    return path;
}

char *tu_dir;

void tu_dir_setup(void)
{
    tu_dir = tu_tmpdir();
    ck_assert_ptr_nonnull(tu_dir);
}

void tu_dir_teardown(void)
{
    tu_rmtree(tu_dir);
    free(tu_dir);
    tu_dir = NULL;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st; (void)flag; (void)ftw;
    chmod(path, 0700);
    return remove(path);
}

void tu_rmtree(const char *path)
{
    if (path) {
        chmod(path, 0700);
        nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    }
}

static int status_of(int raw)
{
    if (raw == -1 || !WIFEXITED(raw))
        return -1;
    return WEXITSTATUS(raw);
}

int tu_sh(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *cmd = vfmt(fmt, ap);
    va_end(ap);
    int st = status_of(system(cmd));
    free(cmd);
    return st;
}

char *tu_capture(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *cmd = vfmt(fmt, ap);
    va_end(ap);
    FILE *p = popen(cmd, "r");
    free(cmd);
    if (!p)
        return NULL;
    size_t cap = 4096, len = 0;
    char *out = malloc(cap);
    size_t n;
    while (out && (n = fread(out + len, 1, cap - len - 1, p)) > 0) {
        len += n;
        if (cap - len < 2) {
            char *bigger = realloc(out, cap * 2);
            if (!bigger) {
                free(out);
                out = NULL;
                break;
            }
            out = bigger;
            cap *= 2;
        }
    }
    int st = status_of(pclose(p));
    if (out)
        out[len] = '\0';
    if (st != 0) {
        free(out);
        return NULL;
    }
    return out;
}

bool tu_have_numpy(void)
{
    return tu_sh("/usr/bin/python3 -c 'import numpy' >/dev/null 2>&1") == 0;
}

bool tu_have_ffmpeg(void)
{
    return tu_sh("ffmpeg -version >/dev/null 2>&1") == 0;
}

int tu_python(const char *program)
{
    FILE *p = popen("/usr/bin/python3 -", "w");
    if (!p)
        return -1;
    fputs(program, p);
    return status_of(pclose(p));
}

char *tu_tool(const char *name)
{
    const char *top = getenv("top_builddir");
    return tu_fmt("%s/%s", top && *top ? top : ".", name);
}

void tu_fill_ints(float *v, size_t n, uint32_t seed, uint32_t max)
{
    uint64_t x = seed * 2654435761u + 1;
    for (size_t i = 0; i < n; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        v[i] = (float)(x % ((uint64_t)max + 1));
    }
}

bool tu_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

uint64_t tu_file_size(const char *path)
{
    struct stat st;
    ck_assert_msg(stat(path, &st) == 0, "cannot stat %s", path);
    return (uint64_t)st.st_size;
}

int tu_count_entries(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return -1;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
            n++;
    closedir(d);
    return n;
}

int tu_run_suite(Suite *suite)
{
    SRunner *runner = srunner_create(suite);
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

unsigned char *tu_slurp(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    ck_assert_msg(f != NULL, "cannot open %s", path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    ck_assert_msg(n >= 0, "cannot size %s", path);
    rewind(f);
    unsigned char *data = malloc(n > 0 ? (size_t)n : 1);   /* exactly n: ASan sees overreads */
    ck_assert(data && fread(data, 1, (size_t)n, f) == (size_t)n);
    fclose(f);
    *size = (size_t)n;
    return data;
}
