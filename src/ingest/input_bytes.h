/*
 * input_bytes.h - how many bytes the inputs of an ingest occupy, for its report.
 */
#ifndef BLITZ_INGEST_INPUT_BYTES_H
#define BLITZ_INGEST_INPUT_BYTES_H

#include <stddef.h>
#include <stdint.h>

/* Sum of the sizes of the regular files the inputs name: files themselves, the files
 * directly inside a folder, the files a glob pattern matches. Unreadable entries count
 * as 0: the figure is informative. */
uint64_t blz_input_bytes(const char *const *inputs, size_t n_inputs);

#endif
