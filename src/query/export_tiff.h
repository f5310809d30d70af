/*
 * export_tiff.h - the processed frames as a multi-page 32-bit float TIFF (one page
 * per output frame, BigTIFF when the stack passes 4 GiB).
 */
#ifndef BLITZ_QUERY_EXPORT_TIFF_H
#define BLITZ_QUERY_EXPORT_TIFF_H

#include "blitz/pipeline.h"
#include "query/stages.h"

int blz_export_tiff(const blz_stages *st, const blz_run_options *o, const char *path);

#endif
