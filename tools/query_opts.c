/*
 * query_opts.c - shared options of the computing subcommands (frames, budget,
 * threads, pipeline stages), and --explain output.
 */
#include "query_opts.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "blitz/image_io.h"
#include "common.h"
#include "query_mpi.h"

const char query_stage_usage[] =
    "  --subtract REF        x - a*REF; REF: OP[:START:STOP] (e.g. mean:0:100), an image\n"
    "                        (.npy, .tif) or sliding[-centred|-trailing]:METHOD:WINDOW[:LAG]\n"
    "  --subtract-amount A   a in 0..1 (default 1)\n"
    "  --divide REF          x / (a*REF + 1 - a), after subtracting; 0 where undefined\n"
    "  --divide-amount A     a in 0..1 (default 1)\n"
    "  --scale S, --offset O x*S + O, after dividing\n"
    "  --abs                 absolute value, then --clamp LO,HI\n";

query_opts query_opts_defaults(void)
{
    return (query_opts){ .frames = { 0, -1, 1 }, .budget = tool_default_budget(),
                         .pipeline = blz_pipeline_defaults() };
}

/* Record option name (and value) in the description. */
static void describe(query_opts *o, const char *name, const char *arg)
{
    size_t used = strlen(o->description);
    snprintf(o->description + used, sizeof o->description - used, "%s--%s%s%s",
             used ? " " : "", name, arg ? " " : "", arg ? arg : "");
    o->staged = true;
}

static int take_reference(blz_reference *ref, const char *arg)
{
    if (blz_reference_parse(arg, ref) != BLZ_OK)
        return tool_usage_error("%s", blz_errmsg());
    return 0;
}

static int take_amount(double *amount, const char *name, const char *arg)
{
    if (!tool_parse_double(arg, amount) || !(*amount >= 0 && *amount <= 1))
        return tool_usage_error("bad --%s '%s' (0..1)", name, arg);
    return 0;
}

bool query_parse_pair(const char *arg, double *a, double *b)
{
    const char *comma = strchr(arg, ',');
    char first[64];
    if (!comma || (size_t)(comma - arg) >= sizeof first)
        return false;
    memcpy(first, arg, (size_t)(comma - arg));
    first[comma - arg] = '\0';
    return tool_parse_double(first, a) && tool_parse_double(comma + 1, b);
}

int query_parse_clip(const char *arg, double *low, double *high)
{
    if (!query_parse_pair(arg, low, high) || !(*low >= 0 && *low < *high && *high <= 100))
        return tool_usage_error("bad --clip '%s' (LOW,HIGH percentiles, 0 <= LOW < HIGH <= 100)",
                                arg);
    return 0;
}

int query_parse_colormap(const char *arg, int *colormap)
{
    *colormap = blz_colormap_from_name(arg);
    if (*colormap < 0)
        return tool_usage_error("unknown colormap '%s' (gray, viridis, magma, inferno)", arg);
    return 0;
}

static int take_clamp(blz_pipeline *p, const char *arg)
{
    if (!query_parse_pair(arg, &p->clamp_low, &p->clamp_high)
        || !(p->clamp_low <= p->clamp_high))
        return tool_usage_error("bad --clamp '%s' (LO,HI with LO <= HI)", arg);
    p->clamp = 1;
    return 0;
}

static int take_finite(double *v, const char *name, const char *arg)
{
    if (!tool_parse_double(arg, v) || !isfinite(*v))
        return tool_usage_error("bad --%s '%s' (a finite number)", name, arg);
    return 0;
}

/* Take a stage option: as query_take_option. */
static int take_stage_option(query_opts *o, int c, const char *arg)
{
    static const char *const names[] = { "subtract", "subtract-amount", "divide",
                                         "divide-amount", "scale", "offset", "abs", "clamp" };
    if (c < QOPT_SUBTRACT || c > QOPT_CLAMP)
        return 1;
    blz_pipeline *p = &o->pipeline;
    describe(o, names[c - QOPT_SUBTRACT], arg);
    switch (c) {
    case QOPT_SUBTRACT: return take_reference(&p->subtract, arg);
    case QOPT_SUBTRACT_AMOUNT: return take_amount(&p->subtract_amount, "subtract-amount", arg);
    case QOPT_DIVIDE: return take_reference(&p->divide, arg);
    case QOPT_DIVIDE_AMOUNT: return take_amount(&p->divide_amount, "divide-amount", arg);
    case QOPT_SCALE: return take_finite(&p->scale, "scale", arg);
    case QOPT_OFFSET: return take_finite(&p->offset, "offset", arg);
    case QOPT_ABS: p->abs = 1; return 0;
    default: return take_clamp(p, arg);
    }
}

int query_check_stages(const query_opts *o)
{
    const blz_pipeline *p = &o->pipeline;
    if (p->subtract.kind == BLZ_REF_NONE && p->subtract_amount != 1.0)
        return tool_usage_error("--subtract-amount needs --subtract");
    if (p->divide.kind == BLZ_REF_NONE && p->divide_amount != 1.0)
        return tool_usage_error("--divide-amount needs --divide");
    return 0;
}

int query_take_option(query_opts *o, int c, const char *arg)
{
    long long n;
    switch (c) {
    case 'f':
        if (!tool_parse_range(arg, &o->frames.start, &o->frames.stop, &o->frames.step))
            return tool_usage_error("bad frame range '%s' (START:STOP[:STEP], STOP >= START)",
                                    arg);
        return 0;
    case 'b':
        if (!tool_parse_size(arg, &o->budget) || o->budget == 0)
            return tool_usage_error("bad memory budget '%s' (e.g. 512M, 4G)", arg);
        return 0;
    case 't':
        if (!tool_parse_int(arg, 1, 1024, &n))
            return tool_usage_error("bad thread count '%s' (1..1024)", arg);
        o->threads = (int)n;
        return 0;
    case 'E':
        o->explain = true;
        return 0;
    case 'V':
        o->verify = true;
        return 0;
    default:
        return take_stage_option(o, c, arg);
    }
}

int query_parse(int argc, char **argv, const query_command *cmd, query_opts *o, void *args,
                const char **cache)
{
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "o:h", cmd->longopts, NULL)) != -1) {
        if (c == 'h') {
            fputs(cmd->usage, stdout);
            if (cmd->stages)
                fputs(query_stage_usage, stdout);
            return -1;
        }
        if (c == '?' || c == ':')
            return tool_usage_error("%s: unknown option or missing value '%s'", cmd->name,
                                    argv[optind - 1]);
        int st = query_take_option(o, c, optarg);
        if (st == 1)
            st = cmd->take(args, c, optarg);
        if (st != 0)
            return st;
    }
    if (argc - optind != 1)
        return tool_usage_error("%s: expected one CACHE argument", cmd->name);
    *cache = argv[optind];
    return 0;
}

int query_open(const query_opts *o, const char *path, blz_cache **cache)
{
    int st = blz_cache_open(cache, path, o->verify ? BLZ_OPEN_VERIFY : 0);
    int rc = query_mpi_agree(st);  /* every rank of an MPI job opened it */
    if (rc != 0 && st == BLZ_OK)
        blz_cache_close(*cache);
    return rc;
}

static double mib(size_t bytes)
{
    return (double)bytes / 1048576.0;
}

void query_print_plan(const char *what, const blz_cache *cache, const blz_plan *p)
{
    const blz_layout *l = blz_cache_layout(cache);
    printf("plan for %s on %s\n", what, blz_cache_path(cache));
    printf("  frames          %lld selected, in %lld time blocks of %d\n", (long long)p->frames,
           (long long)p->time_blocks, l->ct);
    printf("  band            %lld time blocks, %.1f MiB mapped at most\n",
           (long long)p->band_blocks, mib(p->band_bytes));
    if (p->group_rows > 0)
        printf("  gather groups   %d rows x %d tiles, %d groups (passes over the file)\n",
               p->group_rows, p->group_tiles, p->strips);
    else
        printf("  strips          %d tile rows each, %d strips (passes over the file)\n",
               p->strip_tile_rows, p->strips);
    printf("  tiles in flight %lld, threads %d, band release %s\n", (long long)p->tiles_in_flight,
           p->threads, p->release_behind ? "after each band" : "not needed (all fits)");
    printf("  resident memory %.1f MiB expected:\n", mib(p->total_bytes));
    printf("    result        %.1f MiB\n", mib(p->result_bytes));
    printf("    accumulators  %.1f MiB\n", mib(p->accum_bytes));
    printf("    gather buffer %.1f MiB\n", mib(p->gather_bytes));
    printf("    decode        %.1f MiB\n", mib(p->decode_bytes));
    printf("    scratch       %.1f MiB\n", mib(p->scratch_bytes));
    printf("    mapped cache  %.1f MiB\n", mib(p->mapped_bytes));
}
