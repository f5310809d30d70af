/*
 * query_roi.c - blitz-query roi: per-frame statistics of rectangles and polygons of
 * the processed frames, all ROIs and statistics in one pass, written as CSV or .npy.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "query_cmds.h"
#include "query_mpi.h"
#include "query_opts.h"
#include "query_table.h"

enum { MAX_ROIS = 64, MAX_STATS = 5 };

static const char usage_text[] =
    "usage: blitz-query roi CACHE (--rect X,Y,W,H | --polygon X1,Y1,X2,Y2,...)... -o OUT\n"
    "  --rect X,Y,W,H        a rectangle of pixels (repeatable)\n"
    "  --polygon X1,Y1,...   a polygon of at least 3 points; a pixel belongs when its\n"
    "                        centre is inside (even-odd rule) (repeatable)\n"
    "  --stat S[,S...]       mean median min max sum (repeatable; default mean)\n"
    "  -o, --output OUT      trace.csv (frame, timestamp, one column per ROI and stat)\n"
    "                        or trace.npy (float64, frames x columns)\n"
    "  --frames START:STOP[:STEP], --ram-budget SIZE, --threads N  as for the reductions\n"
    "stages (applied to every frame first):\n";

typedef struct roi_args {
    query_opts run;
    blz_roi rois[MAX_ROIS];
    int nrois;
    int stats[MAX_STATS];
    int nstats;
    const char *output, *cache;
} roi_args;

enum { OPT_RECT = 512, OPT_POLYGON, OPT_STAT };

static int add_rect(roi_args *a, const char *arg)
{
    long long v[4];
    if (!tool_parse_ints(arg, 4, v) || v[2] < 1 || v[3] < 1 || v[0] < 0 || v[1] < 0
        || v[0] > INT32_MAX || v[1] > INT32_MAX || v[2] > INT32_MAX || v[3] > INT32_MAX)
        return tool_usage_error("bad --rect '%s' (X,Y,W,H with W, H >= 1)", arg);
    a->rois[a->nrois++] = (blz_roi){ .kind = BLZ_ROI_RECT, .x = (int32_t)v[0],
                                     .y = (int32_t)v[1], .w = (int32_t)v[2], .h = (int32_t)v[3] };
    return 0;
}

static int add_polygon(roi_args *a, const char *arg)
{
    size_t n = 1;
    for (const char *p = arg; *p; p++)
        n += *p == ',';
    double *points = malloc(n * sizeof *points);
    if (!points)
        return EXIT_SOFTWARE;
    char *copy = strdup(arg), *save = NULL;
    size_t k = 0;
    int ok = copy != NULL;
    for (char *tok = ok ? strtok_r(copy, ",", &save) : NULL; ok && tok;
         tok = strtok_r(NULL, ",", &save))
        ok = k < n && tool_parse_double(tok, &points[k++]);
    free(copy);
    if (!ok || k != n || n % 2 || n < 6) {
        free(points);
        return tool_usage_error("bad --polygon '%s' (X1,Y1,X2,Y2,... with at least 3 points)",
                                arg);
    }
    a->rois[a->nrois++] = (blz_roi){ .kind = BLZ_ROI_POLYGON, .npoints = (int)(n / 2),
                                     .points = points };
    return 0;
}

static int add_stats(roi_args *a, const char *arg)
{
    char *copy = strdup(arg), *save = NULL;
    int st = copy ? 0 : EXIT_SOFTWARE;
    for (char *tok = copy ? strtok_r(copy, ",", &save) : NULL; st == 0 && tok;
         tok = strtok_r(NULL, ",", &save)) {
        int s = blz_roi_stat_from_name(tok);
        if (s < 0 || a->nstats == MAX_STATS)
            st = tool_usage_error("bad --stat '%s' (mean, median, min, max, sum; at most %d)",
                                  tok, MAX_STATS);
        else
            a->stats[a->nstats++] = s;
    }
    free(copy);
    return st;
}

static int take_roi_option(void *args, int c, const char *arg)
{
    roi_args *a = args;
    if ((c == OPT_RECT || c == OPT_POLYGON) && a->nrois == MAX_ROIS)
        return tool_usage_error("roi: at most %d ROIs", MAX_ROIS);
    switch (c) {
    case 'o': a->output = arg; return 0;
    case OPT_RECT: return add_rect(a, arg);
    case OPT_POLYGON: return add_polygon(a, arg);
    case OPT_STAT: return add_stats(a, arg);
    default: return tool_usage_error("roi: unknown option");
    }
}

/* Parse argv; -1 after --help. */
static int parse(int argc, char **argv, roi_args *a)
{
    static const struct option longopts[] = {
        QUERY_SHARED_LONGOPTS, QUERY_STAGE_LONGOPTS,
        { "output", required_argument, NULL, 'o' }, { "rect", required_argument, NULL, OPT_RECT },
        { "polygon", required_argument, NULL, OPT_POLYGON },
        { "stat", required_argument, NULL, OPT_STAT }, { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 }
    };
    static const query_command cmd = { "roi", longopts, usage_text, true,
                                       take_roi_option };
    int st = query_parse(argc, argv, &cmd, &a->run, a, &a->cache);
    if (st != 0)
        return st;
    if (a->nrois == 0)
        return tool_usage_error("roi: give at least one --rect or --polygon");
    if (!a->output || !query_table_path_ok(a->output))
        return tool_usage_error("roi: -o trace.csv or trace.npy is needed");
    if (a->nstats == 0)
        a->stats[a->nstats++] = BLZ_ROI_MEAN;
    return query_check_stages(&a->run);
}

static int name_columns(query_table *t, const roi_args *a)
{
    for (int r = 0; r < a->nrois; r++)
        for (int s = 0; s < a->nstats; s++) {
            char name[32];
            snprintf(name, sizeof name, "roi%d_%s", r + 1, blz_roi_stat_name(a->stats[s]));
            if (!(t->names[r * a->nstats + s] = strdup(name)))
                return EXIT_SOFTWARE;
        }
    return 0;
}

static int run_roi(const blz_cache *cache, const roi_args *a)
{
    blz_run_options o = { a->run.frames, a->run.budget, a->run.threads };
    int64_t frames;
    int st = blz_pipeline_outputs(cache, &a->run.pipeline, &o.frames, &frames);
    if (st != BLZ_OK)
        return tool_report(st);
    query_table t;
    int rc = query_table_alloc(&t, frames, a->nrois * a->nstats);
    if (rc != 0)
        return rc;
    rc = name_columns(&t, a);
    if (rc == 0) {
        st = blz_pipeline_output_frames(cache, &a->run.pipeline, &o.frames, t.frames);
        rc = st == BLZ_OK ? query_mpi_roi(cache, &a->run.pipeline, &o, a->rois, a->nrois,
                                          a->stats, a->nstats, t.values)
                          : tool_report(st);
        if (rc == 0 && query_mpi_root())
            rc = query_table_write(&t, cache, a->output);
    }
    query_table_free(&t);
    return rc;
}

int cmd_roi(int argc, char **argv)
{
    roi_args a = { .run = query_opts_defaults() };
    int st = parse(argc, argv, &a);
    if (st == 0) {
        blz_cache *cache;
        st = query_open(&a.run, a.cache, &cache);
        if (st == 0) {
            st = run_roi(cache, &a);
            blz_cache_close(cache);
        }
    }
    for (int r = 0; r < a.nrois; r++)
        free((double *)a.rois[r].points);
    return st < 0 ? 0 : st;
}
