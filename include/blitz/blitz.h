/*
 * blitz/blitz.h - the whole public API of libblitz in one include.
 *
 * libblitz decodes image stacks once into chunked float32 cache files (writer.h,
 * ingest.h), reads them read-only through mmap (cache.h) and reduces them tile by tile
 * under a memory budget (query.h). Every call returns a status (error.h).
 */
#ifndef BLITZ_BLITZ_H
#define BLITZ_BLITZ_H

#include "blitz/error.h"
#include "blitz/cache.h"
#include "blitz/writer.h"
#include "blitz/ingest.h"

#include "blitz/npy.h"
#include "blitz/pipeline.h"

/* The library version, "MAJOR.MINOR.PATCH". */
const char *blz_version(void);

#endif
