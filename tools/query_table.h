/*
 * query_table.h - per-frame tables of the trace subcommands (roi, pixel): one row per
 * output frame, written as CSV (header row; columns frame, timestamp, then the named
 * value columns) or as a float64 .npy of the value columns (frames x columns).
 */
#ifndef BLITZ_TOOLS_QUERY_TABLE_H
#define BLITZ_TOOLS_QUERY_TABLE_H

#include <stdint.h>

#include "blitz/cache.h"

typedef struct query_table {
    int64_t rows;
    int cols;
    char **names;            /* cols column names */
    int64_t *frames;         /* cache frame of each row */
    double *values;          /* rows x cols */
} query_table;

/* Allocate a table of rows x cols (names empty); exit code on failure (message printed). */
int query_table_alloc(query_table *t, int64_t rows, int cols);
void query_table_free(query_table *t);

/* Write the table to path (.csv or .npy; NULL: CSV on stdout); timestamps come from
 * cache. Returns the exit code (message printed). Files appear whole or not at all. */
int query_table_write(const query_table *t, const blz_cache *cache, const char *path);

/* Whether path names a table format (.csv or .npy). */
int query_table_path_ok(const char *path);

#endif
