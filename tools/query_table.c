/*
 * query_table.c - writing the per-frame tables of blitz-query's trace subcommands as
 * CSV (through a temporary file renamed into place) or as .npy.
 */
#include "query_table.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "blitz/npy.h"
#include "common.h"

static int ends_with(const char *path, const char *suffix)
{
    size_t n = strlen(path), k = strlen(suffix);
    return n > k && strcasecmp(path + n - k, suffix) == 0;
}

int query_table_path_ok(const char *path)
{
    return ends_with(path, ".csv") || ends_with(path, ".npy");
}

int query_table_alloc(query_table *t, int64_t rows, int cols)
{
    t->rows = rows;
    t->cols = cols;
    t->names = calloc((size_t)cols, sizeof *t->names);
    t->frames = malloc((size_t)rows * sizeof *t->frames);
    t->values = malloc((size_t)rows * (size_t)cols * sizeof *t->values);
    if (t->names && t->frames && t->values)
        return 0;
    query_table_free(t);
    fprintf(stderr, "%s: out of memory for a table of %lld frames\n", tool_name, (long long)rows);
    return EXIT_SOFTWARE;
}

void query_table_free(query_table *t)
{
    for (int c = 0; t->names && c < t->cols; c++)
        free(t->names[c]);
    free(t->names);
    free(t->frames);
    free(t->values);
    memset(t, 0, sizeof *t);
}

static int print_csv(const query_table *t, const blz_cache *cache, FILE *f)
{
    fputs("frame,timestamp", f);
    for (int c = 0; c < t->cols; c++)
        fprintf(f, ",%s", t->names[c]);
    fputc('\n', f);
    for (int64_t r = 0; r < t->rows; r++) {
        int64_t source;
        double ts;
        int st = blz_cache_frame_info(cache, t->frames[r], &source, &ts);
        if (st != BLZ_OK)
            return tool_report(st);
        fprintf(f, "%lld,", (long long)t->frames[r]);
        if (!isnan(ts))
            fprintf(f, "%.9g", ts);
        for (int c = 0; c < t->cols; c++)
            fprintf(f, ",%.17g", t->values[(size_t)r * (size_t)t->cols + (size_t)c]);
        fputc('\n', f);
    }
    return 0;
}

/* CSV into a temporary file beside path, renamed over it when complete. */
static int write_csv_file(const query_table *t, const blz_cache *cache, const char *path)
{
    size_t n = strlen(path);
    char *tmp = malloc(n + 16);
    if (!tmp)
        return EXIT_SOFTWARE;
    snprintf(tmp, n + 16, "%s.tmp-XXXXXX", path);
    int fd = mkstemp(tmp);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (!f) {
        fprintf(stderr, "%s: %s: cannot create the output\n", tool_name, path);
        if (fd >= 0) {
            close(fd);
            unlink(tmp);
        }
        free(tmp);
        return EXIT_CANTCREAT;
    }
    int st = print_csv(t, cache, f);
    int io = fflush(f) != 0 || fsync(fileno(f)) != 0;
    io |= fclose(f) != 0;
    if (st == 0 && io) {
        fprintf(stderr, "%s: %s: write failed\n", tool_name, path);
        st = EXIT_IOERR;
    }
    if (st == 0 && rename(tmp, path) != 0) {
        fprintf(stderr, "%s: %s: cannot rename the output into place\n", tool_name, path);
        st = EXIT_CANTCREAT;
    }
    if (st != 0)
        unlink(tmp);
    free(tmp);
    return st;
}

int query_table_write(const query_table *t, const blz_cache *cache, const char *path)
{
    if (!path) {
        int st = print_csv(t, cache, stdout);
        return st != 0 ? st : fflush(stdout) == 0 ? 0 : EXIT_IOERR;
    }
    if (ends_with(path, ".csv"))
        return write_csv_file(t, cache, path);
    int64_t shape[2] = { t->rows, t->cols };
    int st = blz_npy_write(path, BLZ_DTYPE_F64, t->values, 2, shape);
    return st == BLZ_OK ? 0 : tool_report(st);
}
