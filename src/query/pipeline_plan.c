/*
 * pipeline_plan.c - plans of pipeline runs, for --explain, made without computing or
 * reading anything but the cache's index: the fixed references' passes and the images
 * they leave held, as blz_stages_prepare() runs and holds them, then the passes over
 * the processed frames, planned by the functions the runs themselves use
 * (blz_reduce_plan(), blz_reduce_pipeline_plan(), blz_frame_walk_rows(),
 * blz_stats_walk_options(), blz_export_walk(), blz_reduce_stage_scratch(),
 * blz_frame_walk_bytes()); the tests hold the plans to the runs' budgets.
 */
#include <omp.h>
#include <string.h>

#include "blitz/pipeline.h"
#include "core/checked.h"
#include "core/error_internal.h"
#include "query/export.h"
#include "query/stats.h"
#include "query/stats_pipeline.h"

/* The pipeline's output geometry (sliding references kept, fixed ones left out: they
 * are only planned), its budget set to what the reference images leave. */
typedef struct planner {
    blz_stages shape;
    blz_pipeline_plan *plan;
    size_t image;   /* bytes of one reference image */
} planner;

static bool fixed(const blz_reference *r)
{
    return r->kind == BLZ_REF_RANGE || r->kind == BLZ_REF_IMAGE;
}

/* Whether two fixed references give the same image (computed once, then copied). */
static bool same_image(const blz_reference *a, const blz_reference *b)
{
    if (a->kind != b->kind || !fixed(a))
        return false;
    if (a->kind == BLZ_REF_IMAGE)
        return strcmp(a->image, b->image) == 0;
    return a->op == b->op && a->frames.start == b->frames.start
           && a->frames.stop == b->frames.stop && a->frames.step == b->frames.step;
}

static blz_pass_plan *add_pass(blz_pipeline_plan *plan, int role, size_t budget)
{
    blz_pass_plan *pass = &plan->passes[plan->npasses++];
    *pass = (blz_pass_plan){ .role = role, .budget = budget };
    return pass;
}

/* One more image held from now on, if the budget has room for it. */
static int hold_image(planner *pl)
{
    if (pl->shape.budget <= pl->image)
        return blz_fail(BLZ_ERR_BUDGET, "%s: the budget cannot hold the reference images "
                        "(%zu bytes each)", pl->shape.path, pl->image);
    pl->shape.budget -= pl->image;
    pl->plan->images_bytes += pl->image;
    return BLZ_OK;
}

/* A reference: where it comes from, its pass if it has one, the image it holds. */
static int plan_reference(planner *pl, const blz_reference *r, int role, bool copied,
                          int threads, int *source)
{
    *source = r->kind == BLZ_REF_NONE      ? 0
              : r->kind == BLZ_REF_SLIDING ? BLZ_REF_FROM_WINDOW
              : copied                     ? BLZ_REF_FROM_SUBTRACT
              : r->kind == BLZ_REF_IMAGE   ? BLZ_REF_FROM_FILE
                                           : BLZ_REF_FROM_PASS;
    if (*source == 0 || *source == BLZ_REF_FROM_WINDOW)
        return BLZ_OK;
    if (*source == BLZ_REF_FROM_PASS && pl->shape.budget > pl->image) {
        blz_reduce_options o = blz_reduce_defaults(r->op);
        o.frames = r->frames;
        o.ram_budget = pl->shape.budget - pl->image;
        o.threads = threads;
        blz_pass_plan *pass = add_pass(pl->plan, role, o.ram_budget);
        int rc = blz_reduce_plan(pl->shape.cache, &o, &pass->plan);
        if (rc != BLZ_OK)
            return rc;
    }
    return hold_image(pl);
}

/* The references' passes and images, in blz_stages_prepare()'s order: subtract,
 * divide (a copy when it is the same image), then the divisors' reciprocals. */
static int plan_references(planner *pl, const blz_cache *cache, const blz_pipeline *p,
                           const blz_frame_range *frames, size_t budget, int threads,
                           blz_pipeline_plan *plan)
{
    memset(plan, 0, sizeof *plan);
    pl->plan = plan;
    pl->image = blz_cache_layout(cache)->frame_values * sizeof(double);
    blz_pipeline shape = *p;
    if (fixed(&shape.subtract))
        shape.subtract.kind = BLZ_REF_NONE;
    if (fixed(&shape.divide))
        shape.divide.kind = BLZ_REF_NONE;
    int rc = blz_stages_prepare(&pl->shape, cache, &shape, frames, budget, threads);
    if (rc != BLZ_OK)
        return rc;
    plan->outputs = pl->shape.geom.outputs;
    rc = plan_reference(pl, &p->subtract, BLZ_PASS_SUBTRACT_REF, false, threads,
                        &plan->subtract_source);
    bool copied = fixed(&p->subtract) && same_image(&p->subtract, &p->divide);
    if (rc == BLZ_OK)
        rc = plan_reference(pl, &p->divide, BLZ_PASS_DIVIDE_REF, copied, threads,
                            &plan->divide_source);
    if (rc == BLZ_OK && fixed(&p->divide))
        rc = hold_image(pl);
    if (rc != BLZ_OK)
        blz_stages_free(&pl->shape);
    return rc;
}

/* A walk over the processed frames under w, its sink holding held bytes. */
static int plan_walk(blz_pipeline_plan *plan, const blz_stages *st, int role,
                     const blz_walk_options *w, size_t held)
{
    blz_region region = { 0, 0, st->layout->width, st->layout->height };
    int32_t rows;
    int rc = blz_frame_walk_rows(st, &region, w, &rows);
    if (rc != BLZ_OK)
        return rc;
    blz_pass_plan *pass = add_pass(plan, role, w->budget + held);
    pass->strip_rows = rows;
    pass->strips = (int32_t)blz_div_ceil(st->layout->height, rows);
    pass->threads = blz_frame_walk_threads(w);
    pass->walk_bytes = blz_frame_walk_bytes(st, st->layout->width, rows, pass->threads);
    pass->sink_bytes = held;
    return BLZ_OK;
}

/* The statistics' walks: figures and histogram, then (with percentiles) the counts. */
static int plan_stats(blz_pipeline_plan *plan, const blz_stages *st,
                      const blz_stats_options *o, int threads)
{
    blz_walk_options w;
    int rc = blz_stats_check(o, st->path);
    if (rc == BLZ_OK)
        rc = blz_stats_walk_options(st, o, threads, &w);
    if (rc == BLZ_OK)
        rc = plan_walk(plan, st, BLZ_PASS_STATS_FIGURES, &w, st->budget - w.budget);
    if (rc == BLZ_OK && o->npercentiles > 0)
        rc = plan_walk(plan, st, BLZ_PASS_STATS_RANKS, &w, st->budget - w.budget);
    return rc;
}

int blz_pipeline_reduce_plan(const blz_cache *cache, const blz_pipeline *pipeline,
                             const blz_reduce_options *options, blz_pipeline_plan *plan)
{
    planner pl;
    int rc = plan_references(&pl, cache, pipeline, &options->frames, options->ram_budget,
                             options->threads, plan);
    if (rc != BLZ_OK)
        return rc;
    /* The stages' scratch is taken out of the budget, which leaves the scheduler the
     * same room as the run gives it; with a sliding reference the reduction gathers
     * each pixel's series, as median does. */
    blz_reduce_options o = *options;
    o.op = pl.shape.sliding ? BLZ_OP_MEDIAN : options->op;
    int threads = options->threads > 0 ? options->threads : omp_get_max_threads();
    size_t scratch;
    if (!blz_mul_size((size_t)threads, blz_reduce_stage_scratch(&pl.shape, options->op), &scratch)
        || scratch >= pl.shape.budget) {
        blz_stages_free(&pl.shape);
        return blz_fail(BLZ_ERR_BUDGET, "%s: the budget left by the reference images cannot "
                        "hold the stages' scratch for %d thread(s)", pl.shape.path, threads);
    }
    blz_pass_plan *pass = add_pass(plan, BLZ_PASS_REDUCE, pl.shape.budget);
    o.ram_budget = pl.shape.budget - scratch;
    rc = blz_reduce_pipeline_plan(cache, &o, pipeline, &pass->plan);
    pass->envelope = blz_envelope_applies(pipeline, o.op);
    pass->plan.scratch_bytes += scratch;
    pass->plan.total_bytes += scratch;
    blz_stages_free(&pl.shape);
    return rc;
}

int blz_pipeline_stats_plan(const blz_cache *cache, const blz_pipeline *pipeline,
                            const blz_run_options *run, const blz_stats_options *options,
                            blz_pipeline_plan *plan)
{
    planner pl;
    int rc = plan_references(&pl, cache, pipeline, &run->frames, run->ram_budget,
                             run->threads, plan);
    if (rc != BLZ_OK)
        return rc;
    rc = plan_stats(plan, &pl.shape, options, run->threads);
    blz_stages_free(&pl.shape);
    return rc;
}

int blz_pipeline_export_plan(const blz_cache *cache, const blz_pipeline *pipeline,
                             const blz_run_options *run, const char *path,
                             const blz_png_sequence_options *png, blz_pipeline_plan *plan)
{
    blz_png_sequence_options po = png ? *png : blz_png_sequence_defaults();
    planner pl;
    int rc = plan_references(&pl, cache, pipeline, &run->frames, run->ram_budget,
                             run->threads, plan);
    if (rc != BLZ_OK)
        return rc;
    if (blz_export_is_sequence(path) && !po.fixed_range) {
        blz_stats_options so = blz_stats_defaults();
        so.percentiles[0] = po.clip_low;
        so.percentiles[1] = po.clip_high;
        rc = plan_stats(plan, &pl.shape, &so, run->threads);
    }
    blz_walk_options w;
    size_t held;
    if (rc == BLZ_OK)
        rc = blz_export_walk(&pl.shape, path, po.colormap, run->threads, &w, &held);
    if (rc == BLZ_OK)
        rc = plan_walk(plan, &pl.shape, BLZ_PASS_EXPORT, &w, held);
    blz_stages_free(&pl.shape);
    return rc;
}
