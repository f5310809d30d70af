/*
 * test_reduce_fixture.h - fixtures of the query suites: a stack of frames held in
 * memory, written both as a blitz cache (any chunk shape and codec) and as a .npy
 * file for numpy references, and numpy results loaded back for comparison.
 */
#ifndef BLITZ_TESTS_REDUCE_FIXTURE_H
#define BLITZ_TESTS_REDUCE_FIXTURE_H

#include <stdint.h>

#include "blitz/blitz.h"
#include "blitz/query.h"

typedef struct rf_stack {
    int64_t frames;
    int32_t height, width, channels;
    float *values;            /* frames x height x width x channels */
} rf_stack;

/* A stack of integers 0..max (max 0: smooth random floats) with nan_every-th value NaN
 * (0: none). Pixel 0 channel 0 is NaN in every frame when nan_every > 0. */
rf_stack rf_stack_make(int64_t frames, int32_t h, int32_t w, int32_t c, uint32_t max,
                       int nan_every, uint32_t seed);
void rf_stack_free(rf_stack *s);
size_t rf_frame_values(const rf_stack *s);

/* Write the stack as a cache at path with chunk shape and codec; returns status. */
int rf_write_cache(const rf_stack *s, const char *path, int ct, int th, int tw, int codec);

/* Write the stack as a float32 .npy (shape T,H,W or T,H,W,C). */
int rf_write_npy(const rf_stack *s, const char *path);

/* Load a .npy of doubles written by numpy; exactly n values expected. NULL on error. */
double *rf_load(const char *path, size_t n);

/* Open a cache (aborting the test on failure). */
blz_cache *rf_open(const char *path);

/* The end of a test on one cache: close it, free the stack, remove the test's folder
 * and free its path and the cache's. */
void rf_finish(blz_cache *c, rf_stack *s, char *dir, char *path);

#endif
