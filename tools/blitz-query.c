/*
 * blitz-query.c - the blitz-query command: dispatch to a subcommand.
 *
 * "blitz-query COMMAND [OPTIONS] CACHE ..." runs the subcommand of that name from the
 * table below; --help lists them, --version prints the library version, and an unknown
 * command is a usage error (exit 64). Subcommands live in their own files. Under mpirun
 * the reductions, stats and roi spread over the ranks; the others run on rank 0 alone
 * (query_mpi.h).
 */
#include <stdio.h>
#include <string.h>

#include "blitz/blitz.h"
#include "common.h"
#include "evex_strings.h"
#include "query_cmds.h"
#include "query_mpi.h"

static const query_cmd commands[] = {
    { "info", "describe a cache: geometry, chunk grid, codecs, frames, metadata", cmd_info },
    { "verify", "check every chunk against its checksum (exit 65 if any is damaged)",
      cmd_verify },
    { "mean", "per-pixel mean of the selected frames", cmd_reduce },
    { "sum", "per-pixel sum", cmd_reduce },
    { "min", "per-pixel minimum", cmd_reduce },
    { "max", "per-pixel maximum", cmd_reduce },
    { "std", "per-pixel standard deviation (--ddof)", cmd_reduce },
    { "var", "per-pixel variance (--ddof)", cmd_reduce },
    { "median", "per-pixel exact median", cmd_reduce },
    { "percentile", "per-pixel exact percentile --p P", cmd_reduce },
    { "argmin", "frame index of each pixel's minimum", cmd_reduce },
    { "argmax", "frame index of each pixel's maximum", cmd_reduce },
    { "stats", "whole-selection min, max, mean, std, exact percentiles (after stages)",
      cmd_stats },
    { "roi", "per-frame statistics of rectangles and polygons (after stages)", cmd_roi },
    { "pixel", "one pixel's time series (after stages)", cmd_pixel },
    { "export", "the processed frames as .blz, .npy, float TIFF or a PNG sequence (DIR/)",
      cmd_export },
};
enum { N_COMMANDS = sizeof commands / sizeof commands[0] };

static int help(void)
{
    printf("usage: blitz-query COMMAND [OPTIONS] CACHE ...   (--help, --version)\n"
           "Query a blitz cache (made by blitz-ingest) tile by tile. Commands:\n");
    for (int i = 0; i < N_COMMANDS; i++)
        printf("  %-10s %s\n", commands[i].name, commands[i].summary);
    printf("'blitz-query COMMAND --help' describes a command's options; see blitz-query(1).\n");
    return 0;
}

int main(int argc, char **argv)
{
    tool_avoid_evex_strings(argv);
    tool_name = "blitz-query";
    if (argc < 2)
        return tool_usage_error("no command given");
    const char *name = argv[1];
    if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0)
        return help();
    if (strcmp(name, "--version") == 0) {
        printf("blitz-query %s\n", blz_version());
        return 0;
    }
    for (int i = 0; i < N_COMMANDS; i++)
        if (strcmp(name, commands[i].name) == 0) {
            int (*run)(int, char **) = commands[i].run;
            int code;
            bool spreads = run == cmd_reduce || run == cmd_stats || run == cmd_roi;
            if (!query_mpi_start(&argc, &argv, spreads, &code))
                return code;
            return query_mpi_end(run(argc - 1, argv + 1));
        }
    return tool_usage_error("unknown command '%s'", name);
}
