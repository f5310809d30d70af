/*
 * test_pipeline_plan.c - the plans of pipeline runs (what --explain prints) hold to the
 * runs. For reductions, statistics and exports (.blz, .npy, PNG sequence) with range,
 * image, shared and sliding references: the passes come in the order the run makes
 * them and each reference is said to come from where the run takes it; the reference
 * images planned are the bytes the prepared stages hold; the smallest budget a plan
 * accepts is the smallest the run accepts (a byte less fails both with
 * BLZ_ERR_BUDGET); and a walk's planned bytes are exactly what the frame walk needs for
 * the planned strip height (a byte less gives a row less).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blitz/blitz.h"
#include "blitz/pipeline.h"
#include "query/framewalk.h"
#include "query/stages.h"
#include "test_reduce_fixture.h"
#include "testutil.h"

enum { T = 13, H = 24, W = 20 };
enum sink { REDUCE, STATS, EXPORT };

typedef struct plan_case {
    enum sink sink;
    int op;                  /* REDUCE */
    const char *sub, *div;   /* references (NULL: off); "IMAGE" is the fixture's .npy */
    const char *out;         /* EXPORT: file or folder/ name */
    int sources[2];          /* expected subtract and divide sources */
    int roles[BLZ_PIPELINE_MAX_PASSES + 1];  /* expected passes, 0-terminated */
    int images;              /* reference images held */
} plan_case;

typedef struct fixture {
    char *dir, *image;
    blz_cache *cache;
    blz_pipeline p;
    const plan_case *pc;
} fixture;

static blz_reference reference(const fixture *f, const char *text)
{
    blz_reference r = { 0 };
    if (text)
        ck_assert_int_eq(blz_reference_parse(strcmp(text, "IMAGE") ? text : f->image, &r),
                         BLZ_OK);
    return r;
}

static char *out_path(const fixture *f)
{
    return tu_fmt("%s/%s", f->dir, f->pc->out);
}

static int plan_with(const fixture *f, size_t budget, blz_pipeline_plan *plan)
{
    blz_run_options run = blz_run_defaults();
    run.ram_budget = budget;
    run.threads = 2;
    blz_stats_options so = blz_stats_defaults();
    blz_reduce_options ro = blz_reduce_defaults(f->pc->op);
    ro.ram_budget = budget;
    ro.threads = 2;
    if (f->pc->sink == REDUCE)
        return blz_pipeline_reduce_plan(f->cache, &f->p, &ro, plan);
    if (f->pc->sink == STATS)
        return blz_pipeline_stats_plan(f->cache, &f->p, &run, &so, plan);
    char *out = out_path(f);
    int st = blz_pipeline_export_plan(f->cache, &f->p, &run, out, NULL, plan);
    free(out);
    return st;
}

/* The run itself under budget (its output removed). */
static int run_with(const fixture *f, size_t budget)
{
    blz_run_options run = blz_run_defaults();
    run.ram_budget = budget;
    run.threads = 2;
    if (f->pc->sink == REDUCE) {
        blz_reduce_options ro = blz_reduce_defaults(f->pc->op);
        ro.ram_budget = budget;
        ro.threads = 2;
        double out[H * W];
        return blz_pipeline_reduce(f->cache, &f->p, &ro, out);
    }
    if (f->pc->sink == STATS) {
        blz_stats_options so = blz_stats_defaults();
        blz_stats s;
        return blz_pipeline_stats(f->cache, &f->p, &run, &so, &s);
    }
    char *out = out_path(f);
    blz_png_sequence_options png = blz_png_sequence_defaults();
    double range[2];
    size_t n = strlen(out);
    int st = out[n - 1] == '/' ? blz_pipeline_export_png(f->cache, &f->p, &run, out, &png, range)
                               : blz_pipeline_export(f->cache, &f->p, &run, out, "");
    tu_rmtree(out);
    free(out);
    return st;
}

static void check_passes(const fixture *f, const blz_pipeline_plan *plan)
{
    const plan_case *pc = f->pc;
    ck_assert_int_eq(plan->subtract_source, pc->sources[0]);
    ck_assert_int_eq(plan->divide_source, pc->sources[1]);
    int n = 0;
    while (pc->roles[n])
        n++;
    ck_assert_int_eq(plan->npasses, n);
    for (int k = 0; k < n; k++)
        ck_assert_int_eq(plan->passes[k].role, pc->roles[k]);
}

/* The images the prepared stages hold, and each walk's bytes for its strip height. */
static void check_against_stages(const fixture *f, const blz_pipeline_plan *plan)
{
    blz_stages st;
    blz_frame_range all = { 0, -1, 1 };
    ck_assert_int_eq(blz_stages_prepare(&st, f->cache, &f->p, &all, (size_t)1 << 30, 2),
                     BLZ_OK);
    ck_assert_uint_eq(plan->images_bytes, st.held_bytes);
    ck_assert_uint_eq(plan->images_bytes, (size_t)f->pc->images * H * W * sizeof(double));
    ck_assert_int_eq(plan->outputs, st.geom.outputs);
    blz_region region = { 0, 0, W, H };
    for (int k = 0; k < plan->npasses; k++) {
        const blz_pass_plan *p = &plan->passes[k];
        if (p->role < BLZ_PASS_STATS_FIGURES)
            continue;
        int32_t rows = -1;
        blz_walk_options w = { .budget = p->walk_bytes, .threads = p->threads };
        ck_assert_int_eq(blz_frame_walk_rows(&st, &region, &w, &rows), BLZ_OK);
        ck_assert_int_eq(rows, p->strip_rows);
        w.budget--;
        int rc = blz_frame_walk_rows(&st, &region, &w, &rows);
        ck_assert_int_eq(rows, p->strip_rows - 1);
        ck_assert_int_eq(rc, rows ? BLZ_OK : BLZ_ERR_BUDGET);
    }
    blz_stages_free(&st);
}

static void check_case(const plan_case *pc)
{
    fixture f = { .dir = tu_tmpdir(), .pc = pc };
    rf_stack s = rf_stack_make(T, H, W, 1, 50, 0, 5);
    char *path = tu_fmt("%s/c.blz", f.dir);
    ck_assert_int_eq(rf_write_cache(&s, path, 4, 8, 8, BLZ_CODEC_LZ4), BLZ_OK);
    rf_stack_free(&s);
    f.image = tu_fmt("%s/ref.npy", f.dir);
    double image[H * W];
    for (int i = 0; i < H * W; i++)
        image[i] = 1 + i % 3;
    int64_t shape[2] = { H, W };
    ck_assert_int_eq(blz_npy_write(f.image, BLZ_DTYPE_F64, image, 2, shape), BLZ_OK);
    f.cache = rf_open(path);
    f.p = blz_pipeline_defaults();
    f.p.subtract = reference(&f, pc->sub);
    f.p.divide = reference(&f, pc->div);

    blz_pipeline_plan plan;
    ck_assert_msg(plan_with(&f, (size_t)1 << 30, &plan) == BLZ_OK, "%s", blz_errmsg());
    check_passes(&f, &plan);
    check_against_stages(&f, &plan);

    size_t low = 0, high = (size_t)1 << 30;   /* plan fails at low, works at high */
    while (high - low > 1) {
        size_t mid = low + (high - low) / 2;
        if (plan_with(&f, mid, &plan) == BLZ_OK)
            high = mid;
        else
            low = mid;
    }
    ck_assert_int_eq(plan_with(&f, high, &plan), BLZ_OK);
    check_against_stages(&f, &plan);
    ck_assert_int_eq(plan_with(&f, high - 1, &plan), BLZ_ERR_BUDGET);
    ck_assert_msg(run_with(&f, high) == BLZ_OK, "budget %zu: %s", high, blz_errmsg());
    ck_assert_int_eq(run_with(&f, high - 1), BLZ_ERR_BUDGET);

    blz_cache_close(f.cache);
    free(path);
    free(f.image);
    tu_rmtree(f.dir);
    free(f.dir);
}

START_TEST(test_reduce_two_range_passes)
{
    plan_case pc = { REDUCE, BLZ_OP_MAX, "mean:0:5", "median:2:9", NULL,
                     { BLZ_REF_FROM_PASS, BLZ_REF_FROM_PASS },
                     { BLZ_PASS_SUBTRACT_REF, BLZ_PASS_DIVIDE_REF, BLZ_PASS_REDUCE }, 3 };
    check_case(&pc);
}
END_TEST

START_TEST(test_reduce_sliding_and_image)
{
    plan_case pc = { REDUCE, BLZ_OP_MEDIAN, "sliding:mean:3:1", "IMAGE", NULL,
                     { BLZ_REF_FROM_WINDOW, BLZ_REF_FROM_FILE }, { BLZ_PASS_REDUCE }, 2 };
    check_case(&pc);
}
END_TEST

START_TEST(test_reduce_shared_reference)
{
    plan_case pc = { REDUCE, BLZ_OP_MEAN, "mean", "mean", NULL,
                     { BLZ_REF_FROM_PASS, BLZ_REF_FROM_SUBTRACT },
                     { BLZ_PASS_SUBTRACT_REF, BLZ_PASS_REDUCE }, 3 };
    check_case(&pc);
}
END_TEST

START_TEST(test_stats_walks)
{
    plan_case pc = { STATS, 0, "sliding-centred:max:3", "mean:0:4", NULL,
                     { BLZ_REF_FROM_WINDOW, BLZ_REF_FROM_PASS },
                     { BLZ_PASS_DIVIDE_REF, BLZ_PASS_STATS_FIGURES, BLZ_PASS_STATS_RANKS }, 2 };
    check_case(&pc);
}
END_TEST

START_TEST(test_png_sequence_walks)
{
    plan_case pc = { EXPORT, 0, "mean:0:4", NULL, "frames/", { BLZ_REF_FROM_PASS, 0 },
                     { BLZ_PASS_SUBTRACT_REF, BLZ_PASS_STATS_FIGURES, BLZ_PASS_STATS_RANKS,
                       BLZ_PASS_EXPORT }, 1 };
    check_case(&pc);
}
END_TEST

START_TEST(test_cache_and_npy_exports)
{
    plan_case blz = { EXPORT, 0, "sliding:median:4", NULL, "out.blz",
                      { BLZ_REF_FROM_WINDOW, 0 }, { BLZ_PASS_EXPORT }, 0 };
    check_case(&blz);
    plan_case npy = { EXPORT, 0, NULL, "IMAGE", "out.npy", { 0, BLZ_REF_FROM_FILE },
                      { BLZ_PASS_EXPORT }, 2 };
    check_case(&npy);
}
END_TEST

static Suite *plan_suite(void)
{
    Suite *s = suite_create("pipeline plan");
    TCase *tc = tcase_create("runs");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, test_reduce_two_range_passes);
    tcase_add_test(tc, test_reduce_sliding_and_image);
    tcase_add_test(tc, test_reduce_shared_reference);
    tcase_add_test(tc, test_stats_walks);
    tcase_add_test(tc, test_png_sequence_walks);
    tcase_add_test(tc, test_cache_and_npy_exports);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run_suite(plan_suite());
}
