/*
 * test_cache_util.h - fixtures shared by the cache suites: deterministic frames and
 * small caches written through the public writer API.
 *
 * Frame t of a fixture is either pseudo-random integers (incompressible to plain LZ4)
 * or a smooth integer ramp (compressible), so each test knows every value it wrote and
 * can rebuild it with tcu_frame() as an independent reference.
 */
#ifndef BLITZ_TESTS_CACHE_UTIL_H
#define BLITZ_TESTS_CACHE_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include "blitz/blitz.h"

enum tcu_kind { TCU_RANDOM = 0, TCU_SMOOTH = 1 };

/* Values of frame t (n = H * W * C values). */
void tcu_frame(float *v, size_t n, int64_t t, int kind);

/* Source index and timestamp the fixtures record for frame t (frame 3 has no time). */
int64_t tcu_source_index(int64_t t);
double tcu_timestamp(int64_t t);

/* Write frames 0..frames-1 of kind with options to path, plus metadata
 * "source" = "fixture" and "note" = "grüße". Returns the writer's status. */
int tcu_write(const char *path, const blz_writer_options *o, int64_t frames, int kind);

/* Write bytes to path (replacing it); 0 on success. */
int tcu_spit(const char *path, const unsigned char *bytes, size_t size);

#endif
