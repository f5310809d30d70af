/*
 * query_mpi.h - blitz-query spread over the ranks of an MPI job (mpirun -np N), or run
 * by this one process: the computing subcommands call these instead of the library.
 *
 * Under MPI every rank opens the same cache, takes a band of tile rows (a cache view;
 * bands hold near-equal stored bytes) and runs the ordinary engine on it under its own
 * budget; rank 0 gathers the image rows or combines the statistics and traces, and
 * alone writes or prints results. Ranks left without a band when N exceeds the tile
 * rows compute nothing but join every collective. Each phase that can fail ends with
 * an agreement on the status, so one failing rank stops the whole job with one
 * message, printed by rank 0 and naming the rank. Built without MPI (or started
 * without mpirun) the same calls run the query in this process alone.
 *
 * Every function returns the process exit code: 0, or a sysexits code after the
 * message has been printed.
 */
#ifndef BLITZ_TOOLS_QUERY_MPI_H
#define BLITZ_TOOLS_QUERY_MPI_H

#include <stdbool.h>

#include "blitz/pipeline.h"
#include "blitz/query.h"

/* Join the MPI job when started by mpirun and the command spreads over ranks (no MPI
 * start-up otherwise); a command that does not spread runs on rank 0 alone. Returns
 * whether this process runs the command; when not, *code is its exit code. End with
 * query_mpi_end(), which passes the command's exit code through. */
bool query_mpi_start(int *argc, char ***argv, bool spreads, int *code);
int query_mpi_end(int code);

/* Whether this process prints results and writes files (rank 0, or alone). */
bool query_mpi_root(void);

/* Agree on a library status of this process: 0 when every rank has BLZ_OK, else the
 * exit code of the first failing rank, whose message rank 0 prints. */
int query_mpi_agree(int status);

/* The reduction of blz_reduce() (pipeline NULL) or blz_pipeline_reduce(): the whole
 * image in out on the root (out is not touched elsewhere). */
int query_mpi_reduce(const blz_cache *cache, const blz_pipeline *pipeline,
                     const blz_reduce_options *options, double *out);

/* blz_stats_compute(): exact count, NaN count, min, max and percentiles; mean and std
 * merged from the bands in double (Chan et al.). Valid on the root. */
int query_mpi_stats(const blz_cache *cache, const blz_stats_options *options,
                    blz_stats *stats);

/* blz_pipeline_stats(), computed by rank 0 alone (the others wait for its status). */
int query_mpi_pipeline_stats(const blz_cache *cache, const blz_pipeline *pipeline,
                             const blz_run_options *run, const blz_stats_options *options,
                             blz_stats *stats);

/* blz_pipeline_roi() with ROIs in whole-frame coordinates; out valid on the root. */
int query_mpi_roi(const blz_cache *cache, const blz_pipeline *pipeline,
                  const blz_run_options *run, const blz_roi *rois, int nrois,
                  const int *stats, int nstats, double *out);

#endif
