/*
 * stats_pipeline.h - whole-stack statistics of the processed frames of prepared
 * stages: two frame walks feeding stats.h, for blz_pipeline_stats() and for the
 * colour range of a PNG-sequence export.
 */
#ifndef BLITZ_QUERY_STATS_PIPELINE_H
#define BLITZ_QUERY_STATS_PIPELINE_H

#include "blitz/query.h"
#include "query/framewalk.h"
#include "query/stages.h"

/* How the statistics walk the frames: the threads the sink scans rows with (one for
 * frames too small to share), and the budget left for the walk once the per-thread
 * histograms and the row partials are held (BLZ_ERR_BUDGET when nothing is left). */
int blz_stats_walk_options(const blz_stages *st, const blz_stats_options *options,
                           int threads, blz_walk_options *walk);

/* The statistics (options' percentiles) of every output frame of st; threads 0 is
 * the OpenMP default. */
int blz_stats_staged(const blz_stages *st, const blz_stats_options *options, int threads,
                     blz_stats *stats);

#endif
