/*
 * query_mpi_solo.c - the query_mpi.h calls of a blitz-query built without MPI: the
 * query runs in this process alone, straight through the library.
 */
#include "query_mpi.h"

#include "common.h"

bool query_mpi_start(int *argc, char ***argv, bool spreads, int *code)
{
    (void)argc;
    (void)argv;
    (void)spreads;
    *code = 0;
    return true;
}

int query_mpi_end(int code)
{
    return code;
}

bool query_mpi_root(void)
{
    return true;
}

int query_mpi_agree(int status)
{
    return status == BLZ_OK ? 0 : tool_report(status);
}

int query_mpi_reduce(const blz_cache *cache, const blz_pipeline *pipeline,
                     const blz_reduce_options *options, double *out)
{
    return query_mpi_agree(pipeline ? blz_pipeline_reduce(cache, pipeline, options, out)
                                    : blz_reduce(cache, options, out));
}

int query_mpi_stats(const blz_cache *cache, const blz_stats_options *options,
                    blz_stats *stats)
{
    return query_mpi_agree(blz_stats_compute(cache, options, stats));
}

int query_mpi_pipeline_stats(const blz_cache *cache, const blz_pipeline *pipeline,
                             const blz_run_options *run, const blz_stats_options *options,
                             blz_stats *stats)
{
    return query_mpi_agree(blz_pipeline_stats(cache, pipeline, run, options, stats));
}

int query_mpi_roi(const blz_cache *cache, const blz_pipeline *pipeline,
                  const blz_run_options *run, const blz_roi *rois, int nrois,
                  const int *stats, int nstats, double *out)
{
    return query_mpi_agree(blz_pipeline_roi(cache, pipeline, run, rois, nrois, stats, nstats,
                                            out));
}
