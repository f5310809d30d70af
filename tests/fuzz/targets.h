/*
 * targets.h - the fuzzed entry points, shared by the libFuzzer programs and by the
 * regression test that replays every input kept in tests/fuzz/regressions/.
 */
#ifndef BLITZ_TESTS_FUZZ_TARGETS_H
#define BLITZ_TESTS_FUZZ_TARGETS_H

#include <stddef.h>
#include <stdint.h>

/* Parse bytes as a .npy header. */
int blz_fuzz_npy(const uint8_t *data, size_t size);

/* Open bytes as a blitz cache and, if it opens, verify and read every chunk and frame. */
int blz_fuzz_cache(const uint8_t *data, size_t size);

#endif
