/*
 * export.h - how each kind of export walks the processed frames, shared by the
 * exports and their plans (--explain): what the sink holds besides the walk (the cache
 * writer's time blocks; an 8-bit frame and the PNG writer's buffers) and the walk's
 * options under what that leaves of the stages' budget. A .npy takes any strip height;
 * a cache, a TIFF and a PNG sequence need whole frames.
 */
#ifndef BLITZ_QUERY_EXPORT_H
#define BLITZ_QUERY_EXPORT_H

#include <stdbool.h>
#include <stddef.h>

#include "query/framewalk.h"
#include "query/stages.h"

/* Whether path names a PNG sequence (a folder: it ends in '/'). */
bool blz_export_is_sequence(const char *path);

/* The walk of an export to path (colormap: a PNG sequence's); BLZ_ERR_INVALID for an
 * unknown kind, BLZ_ERR_BUDGET when the sink's buffers leave nothing. */
int blz_export_walk(const blz_stages *st, const char *path, int colormap, int threads,
                    blz_walk_options *walk, size_t *held);

/* The PNG sequence's part of blz_export_walk() (export_png.c). */
int blz_export_png_walk(const blz_stages *st, int colormap, int threads,
                        blz_walk_options *walk, size_t *held);

#endif
