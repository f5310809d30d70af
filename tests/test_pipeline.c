/*
 * test_pipeline.c - pipelines against numpy: every sink (export to .npy, .blz and
 * .tif, pixel series, temporal reductions, whole-stack statistics) of a stack processed
 * by subtract / divide / scale / offset / abs / clamp stages with range, image and
 * sliding references.
 *
 * Each case writes one stack (T 37, 13 x 19, chunks 5 x 8 x 16, integers so medians
 * are exact) as a cache and as .npy; numpy applies the same formulas in float64
 * (sliding references by a direct reduction of every window) and stores the
 * processed stack as float32. Exports (.npy, .blz, multi-page .tif) and pixel series
 * must equal it bit for bit (NaN where numpy has NaN); reductions of it must match
 * numpy's reductions of the
 * float32 stack (exact for min, max, median, argmax; 1e-12 for mean, 1e-10 for std),
 * for 1 and 2 threads and for a budget small enough to force several strips or
 * groups; so must its whole-stack statistics (NaN count, min, max and percentiles
 * exact, the same bits for any thread count and budget).
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blitz/blitz.h"
#include "blitz/image_io.h"
#include "blitz/pipeline.h"
#include "ingest/source.h"
#include "test_reduce_fixture.h"
#include "testutil.h"

enum { T = 37, H = 13, W = 19, PX = 3, PY = 2 };

/* A pipeline in both languages: blitz reference strings and numpy specs. */
typedef struct pipe_case {
    const char *sub, *div;          /* blitz references or NULL */
    const char *py_sub, *py_div;    /* numpy specs ("None" when NULL) */
    double asub, adiv, scale, offset;
    int abs;
    const char *py_clamp;           /* "None" or "(lo, hi)" */
    double lo, hi;
    blz_frame_range frames;
    int nan_every;
    int inf_every;                  /* every inf_every-th value +inf, the next -inf */
    uint32_t max;
    bool frames_only;               /* check the frames, not the reductions */
    bool extremes_only;             /* one export, then min and max only */
} pipe_case;

static const char reference_program[] =
    "import numpy as np, warnings\n"
    "warnings.simplefilter('ignore')\n"
    "d = '%s'; start, stop, step = %lld, %lld, %lld\n"
    "sub, asub, div, adiv = %s, %.17g, %s, %.17g\n"
    "scale, offset, absv, clamp = %.17g, %.17g, %d, %s\n"
    "full = np.load(d + '/stack.npy').astype(np.float64)\n"
    "x = full[start:(full.shape[0] if stop < 0 else stop):step]\n"
    "T = x.shape[0]\n"
    "fn = {'mean': np.mean, 'sum': np.sum, 'min': np.min, 'max': np.max, 'std': np.std,\n"
    "      'var': np.var, 'median': np.nanmedian}\n"
    "def geom(kind, W, lag):\n"
    "    if kind == 'blitz': return lag + 1, lag + 1, T - lag - W\n"
    "    if kind == 'centred': return W // 2, 0, T - W + 1\n"
    "    return W - 1, 0, T - W + 1\n"
    "slides = [s for s in (sub, div) if s is not None and s[0] == 'slide']\n"
    "o0, s0, N = (0, 0, T) if not slides else geom(slides[0][1], slides[0][3], slides[0][4])\n"
    "def ref(spec):\n"
    "    if spec[0] == 'slide':\n"
    "        W, f = spec[3], fn[spec[2]]\n"
    "        return np.stack([f(x[s0 + n:s0 + n + W], 0) for n in range(N)])\n"
    "    if spec[0] == 'range':\n"
    "        r = fn[spec[1]](full[spec[2]:(full.shape[0] if spec[3] < 0 else spec[3])], 0)\n"
    "    else:\n"
    "        r = np.load(spec[1]).astype(np.float64)\n"
    "    return np.broadcast_to(r, (N,) + x.shape[1:])\n"
    "v = x[o0:o0 + N].copy()\n"
    "if sub is not None: v = v - asub * ref(sub)\n"
    "if div is not None:\n"
    "    den = adiv * ref(div) + (1 - adiv)\n"
    "    q = np.where(den == 0, 0.0, v / np.where(den == 0, 1.0, den))\n"
    "    v = np.where(np.isfinite(q), q, 0.0)\n"
    "v = v * scale + offset\n"
    "if absv: v = np.abs(v)\n"
    "if clamp is not None: v = np.clip(v, clamp[0], clamp[1])\n"
    "p = v.astype(np.float32).astype(np.float64)\n"
    "frames = (start + (o0 + np.arange(N)) * step).astype(np.float64)\n"
    "np.save(d + '/P.npy', p); np.save(d + '/frames.npy', frames)\n"
    "for name in ('mean', 'min', 'max', 'std', 'median'): np.save(d + '/R_' + name + '.npy', fn[name](p, 0))\n"
    "np.save(d + '/R_argmax.npy', frames[np.argmax(p, 0)])\n"
    "v = p[~np.isnan(p)]\n"
    "np.save(d + '/S.npy', np.array([np.isnan(p).sum(), v.min(), v.max(), v.mean(), v.std()]\n"
    "                               + list(np.percentile(v, %s))))\n";

/* The percentiles the statistics are checked at (also in reference_program). */
#define STATS_PERCENTILES 0, 0.35, 25, 50, 99.65, 100
static const double stats_percentiles[] = { STATS_PERCENTILES };
enum { NPCT = sizeof stats_percentiles / sizeof stats_percentiles[0], NFIGS = 5 + NPCT };
#define STRINGIFY(...) #__VA_ARGS__
#define STRING_OF(...) STRINGIFY(__VA_ARGS__)

static blz_reference parsed(const char *text)
{
    blz_reference r = { 0 };
    if (text)
        ck_assert_msg(blz_reference_parse(text, &r) == BLZ_OK, "%s: %s", text, blz_errmsg());
    return r;
}

static blz_pipeline pipeline_of(const pipe_case *pc)
{
    blz_pipeline p = blz_pipeline_defaults();
    p.subtract = parsed(pc->sub);
    p.divide = parsed(pc->div);
    p.subtract_amount = pc->asub;
    p.divide_amount = pc->adiv;
    p.scale = pc->scale;
    p.offset = pc->offset;
    p.abs = pc->abs;
    p.clamp = strcmp(pc->py_clamp, "None") != 0;
    p.clamp_low = pc->lo;
    p.clamp_high = pc->hi;
    return p;
}

static bool same(double got, double want, double tol)
{
    if (isnan(want))
        return isnan(got);
    if (got == want)
        return true;
    return fabs(got - want) <= tol * fmax(1.0, fabs(want));
}

static void expect_values(const char *what, const double *got, const double *want, size_t n,
                          double tol)
{
    for (size_t i = 0; i < n; i++)
        ck_assert_msg(same(got[i], want[i], tol), "%s[%zu]: got %.17g, numpy %.17g", what, i,
                      got[i], want[i]);
}

typedef struct fixture {
    char *dir, *cache_path;
    blz_cache *cache;
    blz_pipeline p;
    blz_run_options run;
    int64_t n;          /* output frames */
    double *P;          /* n x H x W processed by numpy */
    double *frames;     /* cache frame of each output */
} fixture;

static void setup_case(fixture *f, const pipe_case *pc)
{
    f->dir = tu_tmpdir();
    rf_stack s = rf_stack_make(T, H, W, 1, pc->max, pc->nan_every, 7);
    for (size_t i = 0; pc->inf_every > 0 && i < (size_t)T * H * W; i++)
        if (i % (size_t)pc->inf_every <= 1)
            s.values[i] = i % (size_t)pc->inf_every ? -INFINITY : INFINITY;
    f->cache_path = tu_fmt("%s/stack.blz", f->dir);
    char *npy = tu_fmt("%s/stack.npy", f->dir);
    ck_assert_int_eq(rf_write_cache(&s, f->cache_path, 5, 8, 16, BLZ_CODEC_LZ4), BLZ_OK);
    ck_assert_int_eq(rf_write_npy(&s, npy), BLZ_OK);
    free(npy);
    rf_stack_free(&s);
    char *program = tu_fmt(reference_program, f->dir, (long long)pc->frames.start,
                           (long long)pc->frames.stop, (long long)pc->frames.step, pc->py_sub,
                           pc->asub, pc->py_div, pc->adiv, pc->scale, pc->offset, pc->abs,
                           pc->py_clamp, "[" STRING_OF(STATS_PERCENTILES) "]");
    ck_assert_int_eq(tu_python(program), 0);
    free(program);
    f->cache = rf_open(f->cache_path);
    f->p = pipeline_of(pc);
    f->run = blz_run_defaults();
    f->run.frames = pc->frames;
    ck_assert_int_eq(blz_pipeline_outputs(f->cache, &f->p, &pc->frames, &f->n), BLZ_OK);
    char *path = tu_fmt("%s/frames.npy", f->dir);
    f->frames = rf_load(path, (size_t)f->n);
    free(path);
    path = tu_fmt("%s/P.npy", f->dir);
    f->P = rf_load(path, (size_t)f->n * H * W);
    free(path);
    ck_assert_ptr_nonnull(f->P);
    ck_assert_ptr_nonnull(f->frames);
}

static void teardown_case(fixture *f)
{
    blz_cache_close(f->cache);
    tu_rmtree(f->dir);
    free(f->dir);
    free(f->cache_path);
    free(f->P);
    free(f->frames);
}

static void check_frames(const fixture *f)
{
    int64_t *frames = malloc((size_t)f->n * sizeof *frames);
    ck_assert_int_eq(blz_pipeline_output_frames(f->cache, &f->p, &f->run.frames, frames), BLZ_OK);
    for (int64_t k = 0; k < f->n; k++)
        ck_assert_int_eq(frames[k], (int64_t)f->frames[k]);
    free(frames);
}

/* Export to .npy under budget; false when the budget is too small. */
static bool check_export_npy(const fixture *f, size_t budget)
{
    char *out = tu_fmt("%s/out.npy", f->dir);
    blz_run_options run = f->run;
    run.ram_budget = budget;
    remove(out);
    int st = blz_pipeline_export(f->cache, &f->p, &run, out, "test");
    if (st == BLZ_ERR_BUDGET) {
        ck_assert(!tu_exists(out));
        free(out);
        return false;
    }
    ck_assert_msg(st == BLZ_OK, "%s", blz_errmsg());
    blz_npy_header h;
    double *got;
    ck_assert_int_eq(blz_npy_load(out, &h, &got), BLZ_OK);
    ck_assert_int_eq(h.dtype, BLZ_DTYPE_F32);
    ck_assert_int_eq(h.ndim, 3);
    ck_assert_int_eq(h.shape[0], f->n);
    expect_values("export.npy", got, f->P, (size_t)f->n * H * W, 0.0);
    free(got);
    free(out);
    return true;
}

/* Exports under shrinking budgets down to the smallest that works (strips of a few
 * rows when the references allow) all give the same stack. */
static void check_export_budgets(const fixture *f)
{
    ck_assert(check_export_npy(f, (size_t)1 << 30));
    size_t budget = (size_t)600 << 10;
    while (check_export_npy(f, budget))
        budget = budget * 4 / 5;
    ck_assert_uint_lt(budget, (size_t)600 << 10);
}

static void check_export_cache(const fixture *f)
{
    char *out = tu_fmt("%s/out.blz", f->dir);
    ck_assert_msg(blz_pipeline_export(f->cache, &f->p, &f->run, out, "--test") == BLZ_OK, "%s",
                  blz_errmsg());
    blz_cache *c = rf_open(out);
    const blz_layout *l = blz_cache_layout(c);
    ck_assert_int_eq(l->frames, f->n);
    ck_assert_str_eq(blz_cache_meta_get(c, "pipeline"), "--test");
    float frame[H * W];
    double got[H * W];
    blz_chunk_buf *buf = blz_chunk_buf_alloc(c);
    for (int64_t k = 0; k < f->n; k++) {
        int64_t source;
        double ts;
        ck_assert_int_eq(blz_cache_read_region(c, k, 0, 0, W, H, buf, frame), BLZ_OK);
        ck_assert_int_eq(blz_cache_frame_info(c, k, &source, &ts), BLZ_OK);
        ck_assert_int_eq(source, (int64_t)f->frames[k]);
        for (int i = 0; i < H * W; i++)
            got[i] = frame[i];
        expect_values("export.blz", got, f->P + (size_t)k * H * W, H * W, 0.0);
    }
    blz_chunk_buf_free(buf);
    blz_cache_close(c);
    free(out);
}

/* The multi-page TIFF export, read back through the ingest's TIFF source. */
static void check_export_tiff(const fixture *f)
{
    char *out = tu_fmt("%s/out.tif", f->dir);
    ck_assert_msg(blz_pipeline_export(f->cache, &f->p, &f->run, out, "") == BLZ_OK, "%s",
                  blz_errmsg());
    blz_source_options o = { .stream = -1 };
    blz_source *src;
    ck_assert_int_eq(blz_tiff_stack_open(&src, out, &o), BLZ_OK);
    ck_assert_int_eq(src->info.is_float, 1);
    double got[H * W];
    blz_frame frame;
    for (int64_t k = 0; k < f->n; k++) {
        ck_assert_int_eq(blz_source_next(src, true, &frame), 1);
        for (int i = 0; i < H * W; i++)
            got[i] = frame.values[i];
        expect_values("export.tif", got, f->P + (size_t)k * H * W, H * W, 0.0);
    }
    ck_assert_int_eq(blz_source_next(src, true, &frame), 0);
    blz_source_close(src);
    free(out);
}

static void check_pixel(const fixture *f)
{
    float *series = malloc((size_t)f->n * sizeof *series);
    ck_assert_int_eq(blz_pipeline_pixel(f->cache, &f->p, &f->run, PX, PY, series), BLZ_OK);
    for (int64_t k = 0; k < f->n; k++)
        ck_assert_msg(same(series[k], f->P[(size_t)k * H * W + PY * W + PX], 0.0),
                      "pixel frame %lld: %g", (long long)k, series[k]);
    free(series);
}

static double *reduce_with(const fixture *f, int op, int threads, size_t budget)
{
    blz_reduce_options o = blz_reduce_defaults(op);
    o.frames = f->run.frames;
    o.threads = threads;
    o.ram_budget = budget;
    double *out = malloc(H * W * sizeof *out);
    ck_assert_msg(blz_pipeline_reduce(f->cache, &f->p, &o, out) == BLZ_OK, "%s: %s",
                  blz_op_name(op), blz_errmsg());
    return out;
}

static void check_reductions(const fixture *f)
{
    static const int ops[] = { BLZ_OP_MEAN, BLZ_OP_MIN, BLZ_OP_MAX, BLZ_OP_STD, BLZ_OP_MEDIAN,
                               BLZ_OP_ARGMAX };
    for (size_t k = 0; k < sizeof ops / sizeof ops[0]; k++) {
        int op = ops[k];
        char *path = tu_fmt("%s/R_%s.npy", f->dir, blz_op_name(op));
        double *want = rf_load(path, H * W);
        ck_assert_ptr_nonnull(want);
        double *one = reduce_with(f, op, 1, (size_t)1 << 30);
        double *two = reduce_with(f, op, 2, (size_t)1 << 30);
        double *tight = reduce_with(f, op, 2, (size_t)600 << 10);
        double tol = op == BLZ_OP_MEAN ? 1e-12 : op == BLZ_OP_STD ? 1e-10 : 0.0;
        expect_values(blz_op_name(op), one, want, H * W, tol);
        ck_assert_mem_eq(one, two, H * W * sizeof *one);
        ck_assert_mem_eq(one, tight, H * W * sizeof *one);
        free(want);
        free(one);
        free(two);
        free(tight);
        free(path);
    }
}

/* Min and max of the processed stack with NaN propagated and ignored, against plain
 * loops over numpy's processed stack; 1 and 2 threads and a tight budget. */
static void check_extremes(const fixture *f)
{
    double *want = malloc(H * W * sizeof *want);
    for (int op = BLZ_OP_MIN; op <= BLZ_OP_MAX; op++) {
        for (int policy = BLZ_NAN_PROPAGATE; policy <= BLZ_NAN_IGNORE; policy++) {
            for (int i = 0; i < H * W; i++) {
                double m = NAN;
                bool nan = false;
                for (int64_t k = 0; k < f->n; k++) {
                    double v = f->P[(size_t)k * H * W + (size_t)i];
                    nan |= v != v;
                    if (v == v && (m != m || (op == BLZ_OP_MAX ? v > m : v < m)))
                        m = v;
                }
                want[i] = nan && policy == BLZ_NAN_PROPAGATE ? NAN : m;
            }
            for (int run = 0; run < 3; run++) {
                blz_reduce_options o = blz_reduce_defaults(op);
                o.frames = f->run.frames;
                o.nan_policy = policy;
                o.threads = run ? 2 : 1;
                o.ram_budget = run == 2 ? (size_t)600 << 10 : (size_t)1 << 30;
                double got[H * W];
                ck_assert_msg(blz_pipeline_reduce(f->cache, &f->p, &o, got) == BLZ_OK, "%s",
                              blz_errmsg());
                expect_values(blz_op_name(op), got, want, H * W, 0.0);
            }
        }
    }
    free(want);
}

static int stats_with(const fixture *f, int threads, size_t budget, blz_stats *out)
{
    blz_stats_options o = blz_stats_defaults();
    o.npercentiles = NPCT;
    memcpy(o.percentiles, stats_percentiles, sizeof stats_percentiles);
    blz_run_options run = f->run;
    run.threads = threads;
    run.ram_budget = budget;
    return blz_pipeline_stats(f->cache, &f->p, &run, &o, out);
}

/* The processed stack's statistics against numpy's, the same bits for 1 and 2 threads
 * and for budgets down to the smallest that works (thin strips of the frames). */
static void check_stats(const fixture *f)
{
    char *path = tu_fmt("%s/S.npy", f->dir);
    double *want = rf_load(path, NFIGS);
    ck_assert_ptr_nonnull(want);
    blz_stats one, two;
    ck_assert_msg(stats_with(f, 1, (size_t)1 << 30, &one) == BLZ_OK, "%s", blz_errmsg());
    ck_assert_msg(stats_with(f, 2, (size_t)1 << 30, &two) == BLZ_OK, "%s", blz_errmsg());
    ck_assert_int_eq(one.frames, f->n);
    ck_assert_uint_eq(one.values, (uint64_t)f->n * H * W);
    const double got[NFIGS] = { (double)one.nan_count, one.min, one.max, one.mean, one.std,
                                one.percentiles[0], one.percentiles[1], one.percentiles[2],
                                one.percentiles[3], one.percentiles[4], one.percentiles[5] };
    expect_values("stats", got, want, 3, 0.0);
    expect_values("stats mean", got + 3, want + 3, 1, 1e-12);
    expect_values("stats std", got + 4, want + 4, 1, 1e-10);
    expect_values("stats percentiles", got + 5, want + 5, NPCT, 0.0);
    ck_assert_mem_eq(&one, &two, sizeof one);
    /* The smallest budget that works walks strips of one row; a little more, a few. */
    size_t low = 0, high = (size_t)1 << 30;
    while (high - low > 1) {
        size_t mid = low + (high - low) / 2;
        if (stats_with(f, 2, mid, &two) == BLZ_OK)
            high = mid;
        else
            low = mid;
    }
    for (size_t extra = 0; extra < (size_t)64 << 10; extra = extra * 4 + 1024) {
        ck_assert_msg(stats_with(f, 2, high + extra, &two) == BLZ_OK, "%s", blz_errmsg());
        ck_assert_mem_eq(&one, &two, sizeof one);
    }
    free(want);
    free(path);
}

static void check_case(const pipe_case *pc)
{
    fixture f;
    setup_case(&f, pc);
    check_frames(&f);
    check_pixel(&f);
    if (pc->extremes_only) {
        ck_assert(check_export_npy(&f, (size_t)1 << 30));
        check_extremes(&f);
    } else {
        check_export_budgets(&f);
        check_export_cache(&f);
        check_export_tiff(&f);
        if (!pc->frames_only)
            check_reductions(&f);
        check_stats(&f);
    }
    teardown_case(&f);
}

#define ALL_FRAMES { 0, -1, 1 }

START_TEST(test_subtract_divide_amounts_nan)
{
    pipe_case pc = { .sub = "mean:3:20", .py_sub = "('range', 'mean', 3, 20)", .asub = 0.7,
                     .div = "median:0:30", .py_div = "('range', 'median', 0, 30)",
                     .adiv = 0.6, .scale = 2, .offset = -1, .py_clamp = "None",
                     .frames = ALL_FRAMES, .nan_every = 11, .max = 60 };
    check_case(&pc);
}
END_TEST

START_TEST(test_division_by_zero_abs_clamp)
{
    pipe_case pc = { .sub = "max:0:5", .py_sub = "('range', 'max', 0, 5)", .asub = 0.5,
                     .div = "min", .py_div = "('range', 'min', 0, -1)", .adiv = 1.0,
                     .scale = 1, .offset = 0.25, .abs = 1, .py_clamp = "(0.5, 9.0)",
                     .lo = 0.5, .hi = 9.0, .frames = { 2, 35, 2 }, .nan_every = 0, .max = 4 };
    check_case(&pc);
}
END_TEST

/* The same range for both stages (computed once, used twice). */
START_TEST(test_same_reference_twice)
{
    pipe_case pc = { .sub = "mean:0:30", .py_sub = "('range', 'mean', 0, 30)", .asub = 0.5,
                     .div = "mean:0:30", .py_div = "('range', 'mean', 0, 30)", .adiv = 0.8,
                     .scale = 1, .py_clamp = "None", .frames = ALL_FRAMES, .nan_every = 0,
                     .max = 50 };
    check_case(&pc);
}
END_TEST

static const char *const sliding_methods[] = { "mean", "min", "max", "std", "median" };

/* Sliding subtract of every method for one window kind, with a divide by a range. */
static void check_sliding(const char *kind, const char *py_kind, int64_t window, int64_t lag,
                          int nan_every)
{
    for (int m = 0; m < 5; m++) {
        char *sub = lag ? tu_fmt("%s:%s:%lld:%lld", kind, sliding_methods[m], (long long)window,
                                 (long long)lag)
                        : tu_fmt("%s:%s:%lld", kind, sliding_methods[m], (long long)window);
        char *py = tu_fmt("('slide', '%s', '%s', %lld, %lld)", py_kind, sliding_methods[m],
                          (long long)window, (long long)lag);
        pipe_case pc = { .sub = sub, .py_sub = py, .asub = 1.0, .div = "mean",
                         .py_div = "('range', 'mean', 0, -1)", .adiv = 0.5, .scale = 1,
                         .py_clamp = "None", .frames = ALL_FRAMES, .nan_every = nan_every,
                         .max = 40 };
        check_case(&pc);
        free(sub);
        free(py);
    }
}

START_TEST(test_sliding_blitz_lag)
{
    check_sliding("sliding", "blitz", 6, 3, 0);
}
END_TEST

START_TEST(test_sliding_centred)
{
    check_sliding("sliding-centred", "centred", 4, 0, 0);
}
END_TEST

START_TEST(test_sliding_trailing_nan)
{
    check_sliding("sliding-trailing", "trailing", 5, 0, 13);
}
END_TEST

START_TEST(test_sliding_both_references)
{
    pipe_case pc = { .sub = "sliding:median:7", .py_sub = "('slide', 'blitz', 'median', 7, 0)",
                     .asub = 0.8, .div = "sliding:max:7",
                     .py_div = "('slide', 'blitz', 'max', 7, 0)", .adiv = 1.0, .scale = 3,
                     .py_clamp = "None", .frames = { 1, 33, 1 }, .max = 30 };
    check_case(&pc);
}
END_TEST

/* Image references: a .npy subtracted, the same kind of image as a float TIFF divided. */
START_TEST(test_image_references)
{
    char *dir = tu_tmpdir();
    char *program = tu_fmt("import numpy as np\n"
                           "r = np.random.default_rng(3)\n"
                           "np.save('%s/sub.npy', r.integers(0, 9, (%d, %d)).astype(np.float32))\n"
                           "np.save('%s/div.npy', r.integers(0, 4, (%d, %d)).astype(np.float64) / 2)\n",
                           dir, H, W, dir, H, W);
    ck_assert_int_eq(tu_python(program), 0);
    blz_npy_header h;
    double *div;
    char *div_npy = tu_fmt("%s/div.npy", dir), *div_tif = tu_fmt("%s/div.tif", dir);
    ck_assert_int_eq(blz_npy_load(div_npy, &h, &div), BLZ_OK);
    ck_assert_int_eq(blz_tiff_write_float(div_tif, div, H, W, 1), BLZ_OK);
    char *sub = tu_fmt("%s/sub.npy", dir), *py_sub = tu_fmt("('image', '%s')", sub);
    char *py_div = tu_fmt("('image', '%s')", div_npy);
    pipe_case pc = { .sub = sub, .py_sub = py_sub, .asub = 1.0, .div = div_tif,
                     .py_div = py_div, .adiv = 0.75, .scale = 1, .py_clamp = "None",
                     .frames = ALL_FRAMES, .nan_every = 9, .max = 20 };
    check_case(&pc);
    free(div);
    free(program);
    free(div_npy);
    free(div_tif);
    free(sub);
    free(py_sub);
    free(py_div);
    tu_rmtree(dir);
    free(dir);
}
END_TEST

/* Quotients beyond float range become infinite (as numpy's cast makes them), while
 * non-finite quotients become 0: a .npy divisor holding 1e-300, 0 and ordinary values.
 * The processed frames are compared; reductions of infinities are another matter
 * (select.c interpolates the median of two infinities to NaN where numpy gives inf). */
START_TEST(test_quotients_beyond_float_range)
{
    char *dir = tu_tmpdir();
    char *program = tu_fmt("import numpy as np\n"
                           "d = np.random.default_rng(4).integers(0, 3, (%d, %d)) * 0.5\n"
                           "d[::3, ::2] = 1e-300\n"
                           "np.save('%s/div.npy', d)\n", H, W, dir);
    ck_assert_int_eq(tu_python(program), 0);
    char *div = tu_fmt("%s/div.npy", dir), *py_div = tu_fmt("('image', '%s')", div);
    pipe_case pc = { .py_sub = "None", .div = div, .py_div = py_div, .adiv = 1.0, .scale = 1,
                     .py_clamp = "None", .frames = ALL_FRAMES, .nan_every = 5, .max = 9,
                     .frames_only = true };
    check_case(&pc);
    free(program);
    free(div);
    free(py_div);
    tu_rmtree(dir);
    free(dir);
}
END_TEST

/* Quotients on and next to float rounding boundaries: frame values 0 minus a .npy
 * subtrahend of -(m * d), divided by an integer d, where m is a midpoint between two
 * floats (or a few double ulps off one). Each exported sample, and each value a
 * reduction folds, must be the float of the exact double quotient, as a plain division
 * computes it (ties to even). */
START_TEST(test_rounding_boundaries)
{
    enum { SIDE = 64, N = SIDE * SIDE };
    char *dir = tu_tmpdir();
    rf_stack s = rf_stack_make(2, SIDE, SIDE, 1, 1, 0, 1);
    memset(s.values, 0, 2 * N * sizeof *s.values);
    char *cache = tu_fmt("%s/zeros.blz", dir), *sub = tu_fmt("%s/sub.npy", dir);
    char *div = tu_fmt("%s/div.npy", dir), *out = tu_fmt("%s/out.npy", dir);
    ck_assert_int_eq(rf_write_cache(&s, cache, 2, 32, 32, BLZ_CODEC_RAW), BLZ_OK);
    double *subs = malloc(N * sizeof *subs), *dens = malloc(N * sizeof *dens);
    srand(11);
    for (int i = 0; i < N; i++) {
        float f = ldexpf(1.0f + (float)(rand() % 8388608) / 8388608.0f, rand() % 40 - 20);
        double m = (double)f + ldexp(1.0, ilogbf(f) - 24);   /* the midpoint above f */
        m = nextafter(m, i % 2 ? INFINITY : -INFINITY);
        for (int k = 0; k < i % 4; k++)
            m = nextafter(m, INFINITY);
        dens[i] = 1 + i % 7;
        subs[i] = -(m * dens[i]);
        if (i % 5 == 0)
            subs[i] = -((double)f + ldexp(1.0, ilogbf(f) - 24)) * dens[i];  /* an exact tie */
    }
    int64_t shape[2] = { SIDE, SIDE };
    ck_assert_int_eq(blz_npy_write(sub, BLZ_DTYPE_F64, subs, 2, shape), BLZ_OK);
    ck_assert_int_eq(blz_npy_write(div, BLZ_DTYPE_F64, dens, 2, shape), BLZ_OK);
    blz_cache *c = rf_open(cache);
    blz_pipeline p = blz_pipeline_defaults();
    ck_assert_int_eq(blz_reference_parse(sub, &p.subtract), BLZ_OK);
    ck_assert_int_eq(blz_reference_parse(div, &p.divide), BLZ_OK);
    blz_run_options run = blz_run_defaults();
    ck_assert_int_eq(blz_pipeline_export(c, &p, &run, out, ""), BLZ_OK);
    blz_npy_header h;
    double *got;
    ck_assert_int_eq(blz_npy_load(out, &h, &got), BLZ_OK);
    for (int t = 0; t < 2; t++)
        for (int i = 0; i < N; i++) {
            float want = (float)((0.0 - subs[i]) / dens[i]);
            ck_assert_msg((float)got[t * N + i] == want, "sample %d: %.9g, exact %.9g", i,
                          got[t * N + i], (double)want);
        }
    free(got);
    /* The same quotients fused into a reduction's fold: max over the two frames. */
    blz_reduce_options ro = blz_reduce_defaults(BLZ_OP_MAX);
    double *max = malloc(N * sizeof *max);
    ck_assert_int_eq(blz_pipeline_reduce(c, &p, &ro, max), BLZ_OK);
    for (int i = 0; i < N; i++)
        ck_assert_msg((float)max[i] == (float)((0.0 - subs[i]) / dens[i]),
                      "max, sample %d: %.9g", i, max[i]);
    free(max);
    blz_cache_close(c);
    free(subs);
    free(dens);
    rf_stack_free(&s);
    free(cache);
    free(sub);
    free(div);
    free(out);
    tu_rmtree(dir);
    free(dir);
}
END_TEST

/* Min and max of processed stacks holding NaN and infinities, through each shape of
 * pipeline the envelope (stages.h) takes or declines: divisors of both signs, zero and
 * NaN with a negative scale (the envelope of the finite samples), a subtraction with
 * abs and clamp (max by the envelope of the samples that are not NaN; min declines),
 * and infinite divisors (declined: the samples are divided). */
START_TEST(test_extremes_with_infinities)
{
    char *dir = tu_tmpdir();
    char *program = tu_fmt("import numpy as np\n"
                           "r = np.random.default_rng(5)\n"
                           "np.save('%s/sub.npy', (r.integers(-20, 20, (%d, %d)) / 4)"
                           ".astype(np.float32))\n"
                           "d = r.integers(-3, 4, (%d, %d)) * 0.5\n"
                           "d[0, :4] = np.nan\n"
                           "np.save('%s/div.npy', d)\n"
                           "d[1, :3] = np.inf; d[2, :3] = -np.inf\n"
                           "np.save('%s/infdiv.npy', d)\n", dir, H, W, H, W, dir, dir);
    ck_assert_int_eq(tu_python(program), 0);
    char *sub = tu_fmt("%s/sub.npy", dir), *py_sub = tu_fmt("('image', '%s')", sub);
    char *div = tu_fmt("%s/div.npy", dir), *py_div = tu_fmt("('image', '%s')", div);
    char *infdiv = tu_fmt("%s/infdiv.npy", dir), *py_infdiv = tu_fmt("('image', '%s')", infdiv);
    pipe_case both = { .sub = sub, .py_sub = py_sub, .asub = 1.0, .div = div, .py_div = py_div,
                       .adiv = 1.0, .scale = -1.5, .offset = 2, .py_clamp = "None",
                       .frames = ALL_FRAMES, .nan_every = 7, .inf_every = 11, .max = 30,
                       .extremes_only = true };
    check_case(&both);
    pipe_case folded = { .sub = sub, .py_sub = py_sub, .asub = 0.5, .py_div = "None",
                         .scale = 1, .abs = 1, .py_clamp = "(0.5, 12.0)", .lo = 0.5,
                         .hi = 12.0, .frames = { 1, 36, 3 }, .nan_every = 9, .inf_every = 13,
                         .max = 20, .extremes_only = true };
    check_case(&folded);
    pipe_case infinite = both;
    infinite.div = infdiv;
    infinite.py_div = py_infdiv;
    check_case(&infinite);
    free(program);
    free(sub);
    free(py_sub);
    free(div);
    free(py_div);
    free(infdiv);
    free(py_infdiv);
    tu_rmtree(dir);
    free(dir);
}
END_TEST

/* With no stage, an exported cache holds exactly the original values. */
START_TEST(test_export_identity)
{
    char *dir = tu_tmpdir();
    rf_stack s = rf_stack_make(T, H, W, 3, 0, 5, 11);
    char *in = tu_fmt("%s/in.blz", dir), *out = tu_fmt("%s/out.blz", dir);
    ck_assert_int_eq(rf_write_cache(&s, in, 4, 8, 8, BLZ_CODEC_SHUFFLE_LZ4), BLZ_OK);
    blz_cache *c = rf_open(in);
    blz_pipeline p = blz_pipeline_defaults();
    blz_run_options run = blz_run_defaults();
    ck_assert_int_eq(blz_pipeline_export(c, &p, &run, out, ""), BLZ_OK);
    blz_cache *e = rf_open(out);
    ck_assert_int_eq(blz_cache_layout(e)->frames, T);
    ck_assert_int_eq(blz_cache_layout(e)->channels, 3);
    size_t n = rf_frame_values(&s);
    float *frame = malloc(n * sizeof *frame);
    blz_chunk_buf *buf = blz_chunk_buf_alloc(e);
    for (int64_t t = 0; t < T; t++) {
        ck_assert_int_eq(blz_cache_read_region(e, t, 0, 0, W, H, buf, frame), BLZ_OK);
        ck_assert_mem_eq(frame, s.values + (size_t)t * n, n * sizeof *frame);
    }
    blz_chunk_buf_free(buf);
    free(frame);
    blz_cache_close(e);
    blz_cache_close(c);
    rf_stack_free(&s);
    free(in);
    free(out);
    tu_rmtree(dir);
    free(dir);
}
END_TEST

/* Frames large enough for the statistics to scan rows on several threads: the same
 * bits for 1 and 3 threads, and numpy's figures. */
START_TEST(test_stats_threads)
{
    enum { BT = 4, BH = 260, BW = 256 };
    char *dir = tu_tmpdir();
    rf_stack s = rf_stack_make(BT, BH, BW, 1, 0, 7, 5);
    char *path = tu_fmt("%s/big.blz", dir), *npy = tu_fmt("%s/big.npy", dir);
    ck_assert_int_eq(rf_write_cache(&s, path, 3, 64, 64, BLZ_CODEC_LZ4), BLZ_OK);
    ck_assert_int_eq(rf_write_npy(&s, npy), BLZ_OK);
    char *program = tu_fmt("import numpy as np\n"
                           "x = np.load('%s').astype(np.float64)\n"
                           "p = (x - x[0:2].mean(0)).astype(np.float32).astype(np.float64)\n"
                           "v = p[~np.isnan(p)]\n"
                           "np.save('%s/S.npy', np.array([np.isnan(p).sum(), v.min(), v.max(),\n"
                           "        v.mean(), v.std()] + list(np.percentile(v, [0.35, 99.65]))))\n",
                           npy, dir);
    ck_assert_int_eq(tu_python(program), 0);
    char *ref = tu_fmt("%s/S.npy", dir);
    double *want = rf_load(ref, 7);
    ck_assert_ptr_nonnull(want);
    blz_cache *c = rf_open(path);
    blz_pipeline p = blz_pipeline_defaults();
    ck_assert_int_eq(blz_reference_parse("mean:0:2", &p.subtract), BLZ_OK);
    blz_stats_options o = blz_stats_defaults();
    blz_run_options run = blz_run_defaults();
    blz_stats one, three;
    run.threads = 1;
    ck_assert_msg(blz_pipeline_stats(c, &p, &run, &o, &one) == BLZ_OK, "%s", blz_errmsg());
    run.threads = 3;
    ck_assert_msg(blz_pipeline_stats(c, &p, &run, &o, &three) == BLZ_OK, "%s", blz_errmsg());
    ck_assert_mem_eq(&one, &three, sizeof one);
    const double got[7] = { (double)one.nan_count, one.min, one.max, one.mean, one.std,
                            one.percentiles[0], one.percentiles[1] };
    expect_values("stats", got, want, 3, 0.0);
    expect_values("stats mean", got + 3, want + 3, 1, 1e-12);
    expect_values("stats std", got + 4, want + 4, 1, 1e-10);
    expect_values("stats percentiles", got + 5, want + 5, 2, 0.0);
    blz_cache_close(c);
    rf_stack_free(&s);
    free(want);
    free(ref);
    free(program);
    free(npy);
    free(path);
    tu_rmtree(dir);
    free(dir);
}
END_TEST

static Suite *pipeline_suite(void)
{
    Suite *s = suite_create("pipeline");
    TCase *tc = tcase_create("numpy");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, test_subtract_divide_amounts_nan);
    tcase_add_test(tc, test_division_by_zero_abs_clamp);
    tcase_add_test(tc, test_same_reference_twice);
    tcase_add_test(tc, test_sliding_blitz_lag);
    tcase_add_test(tc, test_sliding_centred);
    tcase_add_test(tc, test_sliding_trailing_nan);
    tcase_add_test(tc, test_sliding_both_references);
    tcase_add_test(tc, test_image_references);
    tcase_add_test(tc, test_quotients_beyond_float_range);
    tcase_add_test(tc, test_rounding_boundaries);
    tcase_add_test(tc, test_extremes_with_infinities);
    tcase_add_test(tc, test_export_identity);
    tcase_add_test(tc, test_stats_threads);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    if (!tu_have_numpy()) {
        fprintf(stderr, "numpy not available: skipping\n");
        return 77;
    }
    return tu_run_suite(pipeline_suite());
}
