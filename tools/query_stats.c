/*
 * query_stats.c - blitz-query stats: whole-selection figures (count, NaN count, min,
 * max, mean, std, exact percentiles) as text or JSON, of the stored frames or, with
 * stages, of the processed ones.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "query_cmds.h"
#include "query_mpi.h"
#include "query_opts.h"

static const char usage_text[] =
    "usage: blitz-query stats CACHE [stages] [options]\n"
    "  --frames START:STOP[:STEP]  frames to look at (STOP exclusive; default all)\n"
    "  --percentiles P,P,...  exact percentiles 0..100 (default 0.35,99.65; at most 16)\n"
    "  --json                print JSON instead of text\n"
    "  --ram-budget SIZE     resident memory bound, K/M/G suffixes (default half of available)\n"
    "  --threads N           OpenMP threads\n"
    "  --explain             print the plan (every pass, with stages) and exit\n"
    "  --verify              check every chunk's checksum as it is read\n"
    "NaN values are counted and otherwise left out.\n"
    "stages (the figures are of the processed frames):\n";

static int parse_percentiles(const char *s, blz_stats_options *o)
{
    char *copy = strdup(s), *save = NULL;
    if (!copy)
        return tool_usage_error("out of memory");
    o->npercentiles = 0;
    int st = 0;
    for (char *tok = strtok_r(copy, ",", &save); tok && st == 0; tok = strtok_r(NULL, ",", &save)) {
        double p;
        if (o->npercentiles == BLZ_STATS_MAX_PERCENTILES || !tool_parse_double(tok, &p)
            || p < 0 || p > 100)
            st = tool_usage_error("bad --percentiles '%s' (up to %d values 0..100)", s,
                                  BLZ_STATS_MAX_PERCENTILES);
        else
            o->percentiles[o->npercentiles++] = p;
    }
    free(copy);
    return st;
}

static void print_json(const blz_stats_options *o, const blz_stats *s)
{
    printf("{\"frames\": %lld, \"values\": %llu, \"nan_count\": %llu", (long long)s->frames,
           (unsigned long long)s->values, (unsigned long long)s->nan_count);
    const char *names[] = { "min", "max", "mean", "std" };
    const double values[] = { s->min, s->max, s->mean, s->std };
    for (int i = 0; i < 4; i++) {
        printf(", \"%s\": ", names[i]);
        tool_json_number(values[i]);
    }
    fputs(", \"percentiles\": {", stdout);
    for (int i = 0; i < o->npercentiles; i++) {
        printf("%s\"%g\": ", i ? ", " : "", o->percentiles[i]);
        tool_json_number(s->percentiles[i]);
    }
    fputs("}}\n", stdout);
}

static void print_text(const blz_stats_options *o, const blz_stats *s)
{
    printf("frames      %lld\nvalues      %llu\nnan_count   %llu\n", (long long)s->frames,
           (unsigned long long)s->values, (unsigned long long)s->nan_count);
    printf("min         %.9g\nmax         %.9g\nmean        %.9g\nstd         %.9g\n", s->min,
           s->max, s->mean, s->std);
    for (int i = 0; i < o->npercentiles; i++)
        printf("p%-10g %.9g\n", o->percentiles[i], s->percentiles[i]);
}

/* Parse argv; -1 after --help. */
typedef struct stats_args {
    blz_stats_options *options;
    bool *json;
} stats_args;

static int take_stats_option(void *args, int c, const char *arg)
{
    stats_args *a = args;
    if (c == 'j') {
        *a->json = true;
        return 0;
    }
    if (c == 'P')
        return parse_percentiles(arg, a->options);
    return tool_usage_error("stats: unknown option");
}

static int parse(int argc, char **argv, query_opts *run, blz_stats_options *o, bool *json,
                 const char **path)
{
    static const struct option longopts[] = {
        QUERY_SHARED_LONGOPTS, QUERY_STAGE_LONGOPTS,
        { "percentiles", required_argument, NULL, 'P' }, { "json", no_argument, NULL, 'j' },
        { "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 }
    };
    static const query_command cmd = { "stats", longopts, usage_text, true,
                                       take_stats_option };
    stats_args args = { o, json };
    int st = query_parse(argc, argv, &cmd, run, &args, path);
    return st == 0 ? query_check_stages(run) : st;
}

/* The figures of the stored frames, or of the processed ones with stages. */
static int compute(const blz_cache *cache, const query_opts *run, const blz_stats_options *o,
                   blz_stats *s)
{
    if (!run->staged)
        return query_mpi_stats(cache, o, s);
    blz_run_options r = { run->frames, run->budget, run->threads };
    return query_mpi_pipeline_stats(cache, &run->pipeline, &r, o, s);
}

/* --explain: the plan of the stored frames' passes, or of every pass of the pipeline. */
static int explain(const blz_cache *cache, const query_opts *run, const blz_stats_options *o)
{
    blz_run_options r = { run->frames, run->budget, run->threads };
    blz_plan plan;
    blz_pipeline_plan stages;
    int st = run->staged ? blz_pipeline_stats_plan(cache, &run->pipeline, &r, o, &stages)
                         : blz_stats_plan(cache, o, &plan);
    if (st == BLZ_OK && query_mpi_root()) {
        if (run->staged)
            query_print_pipeline_plan("stats", cache, run, &stages);
        else
            query_print_plan("stats", cache, &plan);
    }
    return st == BLZ_OK ? 0 : tool_report(st);
}

int cmd_stats(int argc, char **argv)
{
    query_opts run = query_opts_defaults();
    blz_stats_options o = blz_stats_defaults();
    bool json = false;
    const char *path = NULL;
    int st = parse(argc, argv, &run, &o, &json, &path);
    if (st != 0)
        return st < 0 ? 0 : st;
    o.frames = run.frames;
    o.ram_budget = run.budget;
    o.threads = run.threads;
    blz_cache *cache;
    st = query_open(&run, path, &cache);
    if (st != 0)
        return st;
    blz_stats s;
    if (run.explain) {
        st = explain(cache, &run, &o);
    } else {
        st = compute(cache, &run, &o, &s);
        if (st == 0 && query_mpi_root())
            (json ? print_json : print_text)(&o, &s);
    }
    blz_cache_close(cache);
    return st;
}
