/*
 * query_cmds.h - the subcommands of blitz-query.
 *
 * Each subcommand is a function taking the arguments from its own name on
 * (argv[0] = "info", ...) and returning the process exit code; blitz-query.c lists
 * them in its table, one line each, with a one-line summary for --help.
 */
#ifndef BLITZ_TOOLS_QUERY_CMDS_H
#define BLITZ_TOOLS_QUERY_CMDS_H

typedef struct query_cmd {
    const char *name;
    const char *summary;
    int (*run)(int argc, char **argv);
} query_cmd;

/* query_info.c: describing and checking a cache. */
int cmd_info(int argc, char **argv);
int cmd_verify(int argc, char **argv);

/* query_reduce.c: the temporal reductions (argv[0] names the op). */
int cmd_reduce(int argc, char **argv);
/* query_stats.c: whole-selection statistics. */
int cmd_stats(int argc, char **argv);
/* query_roi.c, query_pixel.c, query_export.c: sinks of the processed frames. */
int cmd_roi(int argc, char **argv);
int cmd_pixel(int argc, char **argv);
int cmd_export(int argc, char **argv);

#endif
