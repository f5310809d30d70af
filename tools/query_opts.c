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

/* A scheduled pass: bands, strips or gather groups, threads, memory by part. */
static void print_scheduled(const blz_layout *l, const blz_plan *p)
{
    printf("  frames          %lld selected, in %lld time blocks of %d\n", (long long)p->frames,
           (long long)p->time_blocks, l->ct);
    printf("  band            %lld time blocks, %.1f MiB mapped at most\n",
           (long long)p->band_blocks, mib(p->band_bytes));
    if (p->slice_rows > 0)
        printf("  gather groups   %d tiles, %d groups, in slices of %d rows per thread "
               "(gathered and reduced in its cache)\n", p->group_tiles, p->strips, p->slice_rows);
    else if (p->group_rows > 0)
        printf("  gather groups   %d rows x %d tiles, %d groups (passes over the file)\n",
               p->group_rows, p->group_tiles, p->strips);
    else
        printf("  strips          %d tile rows each, %d strips (passes over the file)\n",
               p->strip_tile_rows, p->strips);
    printf("  tiles in flight %lld, threads %d, band release %s\n", (long long)p->tiles_in_flight,
           p->threads, p->release_behind ? "after each band" : "not needed (all fits)");
    printf("  resident memory %.1f MiB expected: result %.1f, accumulators %.1f, gather buffer "
           "%.1f,\n                  decode %.1f, scratch %.1f, mapped cache %.1f MiB\n",
           mib(p->total_bytes), mib(p->result_bytes), mib(p->accum_bytes), mib(p->gather_bytes),
           mib(p->decode_bytes), mib(p->scratch_bytes), mib(p->mapped_bytes));
}

void query_print_plan(const char *what, const blz_cache *cache, const blz_plan *p)
{
    printf("plan for %s on %s\n", what, blz_cache_path(cache));
    print_scheduled(blz_cache_layout(cache), p);
}

/* What a reference is: "median of frames 0:100", "image bg.npy", ... */
static void describe_reference(const blz_reference *r, char *text, size_t size)
{
    static const char *const windows[] = { "BLITZ's", "centred", "trailing" };
    const char *op = blz_op_name(r->op) ? blz_op_name(r->op) : "?";
    const blz_frame_range *f = &r->frames;
    char stop[24] = "", step[24] = "";
    if (f->stop >= 0)
        snprintf(stop, sizeof stop, "%lld", (long long)f->stop);
    if (f->step != 1)
        snprintf(step, sizeof step, ":%lld", (long long)f->step);
    if (r->kind == BLZ_REF_IMAGE)
        snprintf(text, size, "image %s", r->image);
    else if (r->kind == BLZ_REF_SLIDING && r->window_kind == BLZ_WINDOW_BLITZ)
        snprintf(text, size, "sliding %s of %lld frames, %s window, lag %lld", op,
                 (long long)r->window, windows[r->window_kind], (long long)r->lag);
    else if (r->kind == BLZ_REF_SLIDING)
        snprintf(text, size, "sliding %s of %lld frames, %s window", op, (long long)r->window,
                 windows[r->window_kind]);
    else if (f->start == 0 && f->stop < 0 && f->step == 1)
        snprintf(text, size, "%s of all frames", op);
    else
        snprintf(text, size, "%s of frames %lld:%s%s", op, (long long)f->start, stop, step);
}

static void print_reference(const char *stage, const blz_reference *r, int source)
{
    static const char *const sources[] = {
        [BLZ_REF_FROM_PASS] = "a pass of its own, first",
        [BLZ_REF_FROM_FILE] = "read from its file",
        [BLZ_REF_FROM_SUBTRACT] = "the subtract image, copied",
        [BLZ_REF_FROM_WINDOW] = "slides along with the frames",
    };
    char text[512];
    if (source == 0)
        return;
    describe_reference(r, text, sizeof text);
    printf("  %-9s %s: %s\n", stage, text, sources[source]);
}

/* A walk over the processed frames: strips, threads, memory. */
static void print_walk(const blz_pass_plan *p)
{
    printf("  strips          %d rows each, %d strips (each reads the selected frames)\n",
           p->strip_rows, p->strips);
    printf("  threads         %d\n", p->threads);
    printf("  resident memory %.1f MiB expected: walk buffers %.1f, %s %.1f MiB\n",
           mib(p->walk_bytes + p->sink_bytes), mib(p->walk_bytes),
           p->role == BLZ_PASS_EXPORT ? "output buffers" : "histograms and row figures",
           mib(p->sink_bytes));
}

static void print_pass(const char *what, int k, const blz_pass_plan *p, const blz_layout *l)
{
    static const char *const roles[] = {
        [BLZ_PASS_SUBTRACT_REF] = "the subtract reference",
        [BLZ_PASS_DIVIDE_REF] = "the divide reference",
        [BLZ_PASS_REDUCE] = "of the processed frames, the stages fused into it",
        [BLZ_PASS_STATS_FIGURES] = "statistics of the processed frames: figures, histogram",
        [BLZ_PASS_STATS_RANKS] = "statistics of the processed frames: the ranks' buckets",
        [BLZ_PASS_EXPORT] = "the processed frames written out",
    };
    if (p->role == BLZ_PASS_REDUCE && p->envelope)
        printf("pass %d: %s of the processed frames, from each pixel's largest and smallest "
               "raw sample (the stages applied to them at the end), under %.1f MiB\n", k + 1,
               what, mib(p->budget));
    else if (p->role == BLZ_PASS_REDUCE)
        printf("pass %d: %s %s, under %.1f MiB\n", k + 1, what, roles[p->role], mib(p->budget));
    else
        printf("pass %d: %s, under %.1f MiB\n", k + 1, roles[p->role], mib(p->budget));
    if (p->role <= BLZ_PASS_REDUCE)
        print_scheduled(l, &p->plan);
    else
        print_walk(p);
}

void query_print_pipeline_plan(const char *what, const blz_cache *cache, const query_opts *o,
                               const blz_pipeline_plan *plan)
{
    printf("plan for %s on %s %s%s\n", what, blz_cache_path(cache),
           o->staged ? "with stages " : "(no stage)", o->description);
    print_reference("subtract", &o->pipeline.subtract, plan->subtract_source);
    print_reference("divide", &o->pipeline.divide, plan->divide_source);
    printf("  budget    %.1f MiB: reference images %.1f MiB, passes over the %lld processed "
           "frames %.1f MiB\n", mib(o->budget), mib(plan->images_bytes),
           (long long)plan->outputs, mib(o->budget - plan->images_bytes));
    for (int k = 0; k < plan->npasses; k++)
        print_pass(what, k, &plan->passes[k], blz_cache_layout(cache));
}
