/*
 * ingest_args.h - the command line of blitz-ingest, parsed into ingest options.
 */
#ifndef BLITZ_TOOLS_INGEST_ARGS_H
#define BLITZ_TOOLS_INGEST_ARGS_H

#include <stdbool.h>
#include <stddef.h>

#include "blitz/ingest.h"

typedef struct ingest_args {
    const char *const *inputs;   /* points into argv */
    size_t n_inputs;
    const char *output;
    blz_ingest_options options;
    bool quiet, json;
} ingest_args;

/* Parse argv into a. Returns -1 to go on with the ingest, or an exit status when the
 * tool is done: 0 after --help or --version, EXIT_USAGE after a one-line message. */
int ingest_args_parse(int argc, char **argv, ingest_args *a);

#endif
