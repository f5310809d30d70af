/*
 * query_opts.c - shared options of the computing subcommands, and --explain output.
 */
#include "query_opts.h"

#include <stdio.h>

#include "common.h"

query_opts query_opts_defaults(void)
{
    return (query_opts){ .frames = { 0, -1, 1 }, .budget = tool_default_budget() };
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
    default:
        return 1;
    }
}

int query_open(const char *path, blz_cache **cache)
{
    int st = blz_cache_open(cache, path, 0);
    return st == BLZ_OK ? 0 : tool_report(st);
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
