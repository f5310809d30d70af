/*
 * input_bytes.c - the size of an ingest's inputs (files, folders, glob patterns).
 */
#include <dirent.h>
#include <glob.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "ingest/input_bytes.h"

static uint64_t file_bytes(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode) ? (uint64_t)st.st_size : 0;
}

static uint64_t folder_bytes(const char *path)
{
    DIR *d = opendir(path);
    if (!d)
        return 0;
    uint64_t sum = 0;
    char entry[4096];
    for (struct dirent *e; (e = readdir(d)) != NULL;) {
        if (snprintf(entry, sizeof entry, "%s/%s", path, e->d_name) < (int)sizeof entry)
            sum += file_bytes(entry);
    }
    closedir(d);
    return sum;
}

static uint64_t pattern_bytes(const char *pattern)
{
    glob_t g;
    uint64_t sum = 0;
    if (glob(pattern, 0, NULL, &g) == 0)
        for (size_t i = 0; i < g.gl_pathc; i++)
            sum += file_bytes(g.gl_pathv[i]);
    globfree(&g);
    return sum;
}

uint64_t blz_input_bytes(const char *const *inputs, size_t n_inputs)
{
    uint64_t sum = 0;
    for (size_t i = 0; i < n_inputs; i++) {
        struct stat st;
        if (stat(inputs[i], &st) != 0)
            sum += strpbrk(inputs[i], "*?[") ? pattern_bytes(inputs[i]) : 0;
        else
            sum += S_ISDIR(st.st_mode) ? folder_bytes(inputs[i]) : file_bytes(inputs[i]);
    }
    return sum;
}
