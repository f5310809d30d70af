/*
 * export_tiff.h - the processed frames as a multi-page 32-bit float TIFF (one page
 * per output frame, BigTIFF when the stack passes 4 GiB).
 */
#ifndef BLITZ_QUERY_EXPORT_TIFF_H
#define BLITZ_QUERY_EXPORT_TIFF_H

#include "query/framewalk.h"
#include "query/stages.h"

/* Write the frames of st to path, walking them under w (whole frames). */
int blz_export_tiff(const blz_stages *st, const blz_walk_options *w, const char *path);

#endif
