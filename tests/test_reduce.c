/*
 * test_reduce.c - temporal reductions and whole-stack statistics against numpy.
 *
 * Every case writes one stack as a cache (odd geometry 23 x 37, chunks 5 x 8 x 16)
 * and as a .npy file; numpy (float64) computes the reference of every op for the
 * same frame range and NaN policy, and blz_reduce must match it: exactly for min,
 * max, argmin, argmax, median and percentiles, to 1e-12 relative for mean and sum
 * (numpy sums pairwise), 1e-10 for std and var. Results must also be bitwise the same
 * for 1 and 2 threads and for a budget small enough to force strips, bands and
 * partial gather groups. Integer stacks, whose chunks claim integers and take the
 * float32 folds, are also checked bit for bit against plain loops (sum, mean) and far
 * from zero (var), mixed with chunks that cannot claim (NaN) or whose claim is too
 * large for float32 sums.
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blitz/blitz.h"
#include "blitz/pipeline.h"
#include "blitz/query.h"
#include "query/select.h"
#include "test_reduce_fixture.h"
#include "testutil.h"

static const int all_ops[] = { BLZ_OP_MEAN, BLZ_OP_SUM, BLZ_OP_MIN, BLZ_OP_MAX, BLZ_OP_STD,
                               BLZ_OP_VAR, BLZ_OP_MEDIAN, BLZ_OP_PERCENTILE, BLZ_OP_ARGMIN,
                               BLZ_OP_ARGMAX };
enum { NOPS = sizeof all_ops / sizeof all_ops[0] };

/* One comparison setup: frame range, NaN policy, ddof, percentile. */
typedef struct query_case {
    blz_frame_range frames;
    int nan_policy;
    int ddof;
    double percentile;
} query_case;

static const char reference_program[] =
    "import numpy as np, warnings\n"
    "warnings.simplefilter('ignore')\n"
    "d, start, stop, step, ignore, ddof, q = '%s', %lld, %lld, %lld, %d, %d, %.17g\n"
    "a = np.load(d + '/stack.npy').astype(np.float64)\n"
    "stop = a.shape[0] if stop < 0 else stop\n"
    "a = a[start:stop:step]\n"
    "a = a if a.ndim == 4 else a[..., None]\n"
    "nan = np.isnan(a); none = nan.all(axis=0)\n"
    "def save(name, r): np.save(d + '/ref_' + name + '.npy', np.asarray(r, dtype=np.float64))\n"
    "def arg(f, fill):\n"
    "    if ignore: return np.where(none, np.nan, f(np.where(nan, fill, a), 0) * step + start)\n"
    "    return f(a, 0) * step + start\n"
    "if ignore:\n"
    "    save('mean', np.nanmean(a, 0)); save('sum', np.where(none, np.nan, np.nansum(a, 0)))\n"
    "    save('min', np.nanmin(a, 0)); save('max', np.nanmax(a, 0))\n"
    "    save('std', np.nanstd(a, 0, ddof=ddof)); save('var', np.nanvar(a, 0, ddof=ddof))\n"
    "    save('median', np.nanmedian(a, 0)); save('percentile', np.nanpercentile(a, q, 0))\n"
    "else:\n"
    "    save('mean', np.mean(a, 0)); save('sum', np.sum(a, 0))\n"
    "    save('min', np.min(a, 0)); save('max', np.max(a, 0))\n"
    "    save('std', np.std(a, 0, ddof=ddof)); save('var', np.var(a, 0, ddof=ddof))\n"
    "    save('median', np.median(a, 0)); save('percentile', np.percentile(a, q, 0))\n"
    "save('argmin', arg(np.argmin, np.inf)); save('argmax', arg(np.argmax, -np.inf))\n";

static bool ignores(const query_case *qc, int op)
{
    if (qc->nan_policy == BLZ_NAN_DEFAULT)
        return op == BLZ_OP_MEDIAN || op == BLZ_OP_PERCENTILE;
    return qc->nan_policy == BLZ_NAN_IGNORE;
}

static void run_numpy(const char *dir, const query_case *qc, bool ignore)
{
    char *program = tu_fmt(reference_program, dir, (long long)qc->frames.start,
                           (long long)qc->frames.stop, (long long)qc->frames.step, ignore,
                           qc->ddof, qc->percentile);
    ck_assert_int_eq(tu_python(program), 0);
    free(program);
}

static double tolerance_of(int op)
{
    switch (op) {
    case BLZ_OP_MEAN:
    case BLZ_OP_SUM:
        return 1e-12;
    case BLZ_OP_STD:
    case BLZ_OP_VAR:
        return 1e-10;
    default:
        return 0.0;
    }
}

static void expect_close(const double *got, const double *want, size_t n, int op)
{
    double tol = tolerance_of(op);
    for (size_t i = 0; i < n; i++) {
        if (isnan(want[i]) || isinf(want[i])) {
            ck_assert_msg(isnan(want[i]) ? isnan(got[i]) : got[i] == want[i],
                          "%s[%zu]: got %.17g, numpy %g", blz_op_name(op), i, got[i], want[i]);
            continue;
        }
        double err = fabs(got[i] - want[i]);
        ck_assert_msg(err <= tol * fmax(1.0, fabs(want[i])), "%s[%zu]: got %.17g, numpy %.17g",
                      blz_op_name(op), i, got[i], want[i]);
    }
}

static double *reduce_or_fail(blz_cache *c, const blz_reduce_options *o, size_t n)
{
    double *out = malloc(n * sizeof *out);
    ck_assert_ptr_nonnull(out);
    int st = blz_reduce(c, o, out);
    ck_assert_msg(st == BLZ_OK, "%s: %s", blz_op_name(o->op), blz_errmsg());
    return out;
}

static blz_reduce_options options_for(const query_case *qc, int op, int threads, size_t budget)
{
    blz_reduce_options o = blz_reduce_defaults(op);
    o.frames = qc->frames;
    o.nan_policy = qc->nan_policy;
    o.ddof = qc->ddof;
    o.percentile = qc->percentile;
    o.threads = threads;
    o.ram_budget = budget;
    return o;
}

/* Every op on cache against numpy, for 1 and 2 threads (bitwise equal). */
static void check_all_ops(const char *dir, const char *cache_path, const rf_stack *s,
                          const query_case *qc)
{
    blz_cache *c = rf_open(cache_path);
    size_t n = rf_frame_values(s);
    bool numpy_ignore = false;
    for (int policy = 0; policy < 2; policy++) {
        bool ignore = policy == 1;
        if (qc->nan_policy != BLZ_NAN_DEFAULT && (qc->nan_policy == BLZ_NAN_IGNORE) != ignore)
            continue;
        run_numpy(dir, qc, ignore);
        numpy_ignore = ignore;
        for (int i = 0; i < NOPS; i++) {
            int op = all_ops[i];
            if (ignores(qc, op) != numpy_ignore)
                continue;
            blz_reduce_options o = options_for(qc, op, 1, (size_t)256 << 20);
            double *one = reduce_or_fail(c, &o, n);
            o.threads = 2;
            double *two = reduce_or_fail(c, &o, n);
            ck_assert_msg(memcmp(one, two, n * sizeof *one) == 0, "%s differs with 2 threads",
                          blz_op_name(op));
            char *ref_path = tu_fmt("%s/ref_%s.npy", dir, blz_op_name(op));
            double *want = rf_load(ref_path, n);
            ck_assert_ptr_nonnull(want);
            expect_close(one, want, n, op);
            free(ref_path);
            free(want);
            free(one);
            free(two);
        }
    }
    blz_cache_close(c);
}

/* Write s as cache + npy in a fresh folder, check every op, clean up. */
static void check_stack(const rf_stack *s, int ct, int th, int tw, int codec,
                        const query_case *qc)
{
    char *dir = tu_tmpdir();
    char *cache_path = tu_fmt("%s/stack.blz", dir);
    char *npy_path = tu_fmt("%s/stack.npy", dir);
    ck_assert_int_eq(rf_write_cache(s, cache_path, ct, th, tw, codec), BLZ_OK);
    ck_assert_int_eq(rf_write_npy(s, npy_path), BLZ_OK);
    check_all_ops(dir, cache_path, s, qc);
    tu_rmtree(dir);
    free(cache_path);
    free(npy_path);
    free(dir);
}

START_TEST(test_gray_raw_all_frames)
{
    rf_stack s = rf_stack_make(13, 23, 37, 1, 50, 0, 1);
    query_case qc = { { 0, -1, 1 }, BLZ_NAN_DEFAULT, 0, 50.0 };
    check_stack(&s, 5, 8, 16, BLZ_CODEC_RAW, &qc);
    rf_stack_free(&s);
}
END_TEST

START_TEST(test_rgb_lz4_stepped_floats)
{
    rf_stack s = rf_stack_make(14, 23, 37, 3, 0, 0, 2);
    query_case qc = { { 1, 12, 3 }, BLZ_NAN_DEFAULT, 1, 37.5 };
    check_stack(&s, 5, 8, 16, BLZ_CODEC_LZ4, &qc);
    rf_stack_free(&s);
}
END_TEST

START_TEST(test_even_count_integers_shuffle)
{
    rf_stack s = rf_stack_make(12, 23, 37, 1, 1000, 0, 3);
    query_case qc = { { 2, 10, 1 }, BLZ_NAN_DEFAULT, 0, 99.65 };
    check_stack(&s, 5, 8, 16, BLZ_CODEC_SHUFFLE_LZ4, &qc);
    rf_stack_free(&s);
}
END_TEST

START_TEST(test_one_frame)
{
    rf_stack s = rf_stack_make(1, 23, 37, 3, 255, 0, 4);
    query_case qc = { { 0, -1, 1 }, BLZ_NAN_DEFAULT, 0, 10.0 };
    check_stack(&s, 5, 8, 16, BLZ_CODEC_RAW, &qc);
    rf_stack_free(&s);
}
END_TEST

START_TEST(test_nan_propagate)
{
    rf_stack s = rf_stack_make(11, 23, 37, 1, 0, 7, 5);
    query_case qc = { { 0, -1, 2 }, BLZ_NAN_PROPAGATE, 0, 25.0 };
    check_stack(&s, 5, 8, 16, BLZ_CODEC_RAW, &qc);
    rf_stack_free(&s);
}
END_TEST

START_TEST(test_nan_ignore)
{
    rf_stack s = rf_stack_make(11, 23, 37, 3, 20, 5, 6);
    query_case qc = { { 0, -1, 1 }, BLZ_NAN_IGNORE, 1, 62.5 };
    check_stack(&s, 5, 8, 16, BLZ_CODEC_SHUFFLE_LZ4, &qc);
    rf_stack_free(&s);
}
END_TEST

/* NaN ignored on values far from 0 with a small spread (40000 + k / 4): std and var
 * must not cancel, also for pixels whose first chunks hold no number (the sums then
 * start from the first number a chunk has, not from 0), one number in all, or a NaN in
 * frame 0 only. Summed about 0, var is off by about 1e-7 here; the bound is 1e-10. */
START_TEST(test_nan_ignore_far_from_zero)
{
    rf_stack s = rf_stack_make(40, 5, 7, 1, 15, 0, 9);
    size_t plane = rf_frame_values(&s);
    for (int64_t t = 0; t < s.frames; t++) {
        float *v = s.values + (size_t)t * plane;
        for (size_t i = 0; i < plane; i++)
            v[i] = 40000.0f + v[i] / 4.0f;
        if (t < 20)
            v[1] = NAN;
        if (t != 33)
            v[2] = NAN;
        if (t == 0)
            v[3] = NAN;
    }
    query_case qc = { { 0, -1, 1 }, BLZ_NAN_IGNORE, 1, 50.0 };
    check_stack(&s, 8, 4, 4, BLZ_CODEC_LZ4, &qc);
    rf_stack_free(&s);
}
END_TEST

/* Infinities: a value with +inf or -inf in its first, a middle or its last chunk, or
 * beside NaN: every op against numpy under both NaN policies. Its std and var are NaN
 * (inf - inf): chunks summed about a shift must not turn that NaN into an infinity. */
START_TEST(test_infinities)
{
    rf_stack s = rf_stack_make(40, 5, 7, 1, 15, 0, 11);
    size_t plane = rf_frame_values(&s);
    s.values[1] = INFINITY;
    s.values[20 * plane + 2] = -INFINITY;
    s.values[39 * plane + 3] = INFINITY;
    s.values[38 * plane + 4] = INFINITY;
    s.values[39 * plane + 4] = NAN;
    for (int policy = BLZ_NAN_PROPAGATE; policy <= BLZ_NAN_IGNORE; policy++) {
        query_case qc = { { 0, -1, 1 }, policy, 0, 50.0 };
        check_stack(&s, 8, 4, 4, BLZ_CODEC_RAW, &qc);
    }
    rf_stack_free(&s);
}
END_TEST

/* Series long enough that each thread gathers a tile in slices of 2 of its 8 rows (the
 * edge tiles have 3 rows and 5 columns): every op against numpy, and the median the
 * same bits as when a small budget makes it gather groups of rows in a shared buffer. */
START_TEST(test_long_series_in_slices)
{
    rf_stack s = rf_stack_make(2100, 11, 13, 3, 4095, 0, 8);
    query_case qc = { { 1, -1, 1 }, BLZ_NAN_DEFAULT, 0, 50.0 };
    char *dir = tu_tmpdir();
    char *path = tu_fmt("%s/stack.blz", dir);
    ck_assert_int_eq(rf_write_cache(&s, path, 32, 8, 8, BLZ_CODEC_RAW), BLZ_OK);
    blz_cache *c = rf_open(path);
    size_t n = rf_frame_values(&s);
    blz_reduce_options sliced = options_for(&qc, BLZ_OP_MEDIAN, 2, (size_t)64 << 20);
    blz_reduce_options grouped = sliced;
    grouped.ram_budget = (size_t)2 << 20;
    blz_plan plan;
    ck_assert_int_eq(blz_reduce_plan(c, &sliced, &plan), BLZ_OK);
    ck_assert_int_eq(plan.slice_rows, 2);
    ck_assert_int_eq(blz_reduce_plan(c, &grouped, &plan), BLZ_OK);
    ck_assert_int_eq(plan.slice_rows, 0);
    double *want = reduce_or_fail(c, &grouped, n);
    double *got = reduce_or_fail(c, &sliced, n);
    ck_assert_msg(memcmp(want, got, n * sizeof *got) == 0, "sliced median differs");
    free(want);
    free(got);
    blz_cache_close(c);
    tu_rmtree(dir);
    free(path);
    free(dir);
    check_stack(&s, 32, 8, 8, BLZ_CODEC_RAW, &qc);
    rf_stack_free(&s);
}
END_TEST

/* Chunks of cache c stored with codec. */
static int64_t chunks_with(const blz_cache *c, int codec)
{
    int64_t count = 0;
    for (int64_t id = 0; id < blz_cache_layout(c)->chunks; id++) {
        blz_chunk_entry e;
        ck_assert_int_eq(blz_cache_chunk_entry(c, id, &e), BLZ_OK);
        count += e.codec == codec;
    }
    return count;
}

/* op through pipeline p (no stage: a plain reduction) on both caches: the same bits. */
static void expect_same_fold(const blz_cache *raw, const blz_cache *shuffled,
                             const blz_pipeline *p, int op, int nan_policy, size_t n)
{
    blz_reduce_options o = blz_reduce_defaults(op);
    o.frames = (blz_frame_range){ 1, -1, 2 };
    o.nan_policy = nan_policy;
    o.threads = 2;
    double *want = malloc(n * sizeof *want), *got = malloc(n * sizeof *got);
    ck_assert_msg(blz_pipeline_reduce(raw, p, &o, want) == BLZ_OK, "%s", blz_errmsg());
    ck_assert_msg(blz_pipeline_reduce(shuffled, p, &o, got) == BLZ_OK, "%s", blz_errmsg());
    size_t bad = SIZE_MAX;
    for (size_t i = 0; i < n && bad == SIZE_MAX; i++)
        if (memcmp(&want[i], &got[i], sizeof got[i]) != 0)
            bad = i;
    ck_assert_msg(bad == SIZE_MAX, "%s, nan policy %d, subtract %d, scale %g: value %zu is "
                  "%.17g from byte planes, %.17g from floats", blz_op_name(op), nan_policy,
                  p->subtract.kind, p->scale, bad, bad == SIZE_MAX ? 0 : got[bad],
                  bad == SIZE_MAX ? 0 : want[bad]);
    free(want);
    free(got);
}

/* shuffle-lz4 chunks are folded straight from their byte planes: the same stack as raw
 * and as shuffle-lz4 chunks gives the same bits for every streaming op and NaN policy,
 * plain, with fused subtract and divide references, with the envelope of min and max
 * through them, and through a scale (which stages the chunk as floats first). Rows of
 * 48 values (16 pixels x 3 channels) are whole blocks; the edge tiles' 5 pixels are not. */
START_TEST(test_codecs_fold_alike)
{
    static const int ops[] = { BLZ_OP_MEAN, BLZ_OP_SUM, BLZ_OP_MIN, BLZ_OP_MAX, BLZ_OP_STD,
                               BLZ_OP_VAR, BLZ_OP_ARGMIN, BLZ_OP_ARGMAX };
    char *dir = tu_tmpdir();
    char *raw_path = tu_fmt("%s/raw.blz", dir), *shuffled_path = tu_fmt("%s/shuffled.blz", dir);
    rf_stack s = rf_stack_make(23, 23, 37, 3, 4095, 11, 9);
    ck_assert_int_eq(rf_write_cache(&s, raw_path, 5, 8, 16, BLZ_CODEC_RAW), BLZ_OK);
    ck_assert_int_eq(rf_write_cache(&s, shuffled_path, 5, 8, 16, BLZ_CODEC_SHUFFLE_LZ4), BLZ_OK);
    blz_cache *raw = rf_open(raw_path), *shuffled = rf_open(shuffled_path);
    ck_assert_int_gt(chunks_with(shuffled, BLZ_CODEC_SHUFFLE_LZ4), 0);
    blz_pipeline pipelines[3] = { blz_pipeline_defaults(), blz_pipeline_defaults(),
                                  blz_pipeline_defaults() };
    ck_assert_int_eq(blz_reference_parse("mean:0:5", &pipelines[1].subtract), BLZ_OK);
    ck_assert_int_eq(blz_reference_parse("max:2:9", &pipelines[1].divide), BLZ_OK);
    pipelines[2].subtract = pipelines[1].subtract;
    pipelines[2].scale = 2.5;
    for (size_t p = 0; p < 3; p++)
        for (size_t k = 0; k < sizeof ops / sizeof ops[0]; k++)
            for (int policy = BLZ_NAN_PROPAGATE; policy <= BLZ_NAN_IGNORE; policy++)
                expect_same_fold(raw, shuffled, &pipelines[p], ops[k], policy,
                                 rf_frame_values(&s));
    blz_cache_close(shuffled);
    blz_cache_close(raw);
    rf_stack_free(&s);
    tu_rmtree(dir);
    free(raw_path);
    free(shuffled_path);
    free(dir);
}
END_TEST

/* Sum and mean (NaN ignored: also their counts) of value i over frames start, start +
 * step, ... by a plain loop in double. */
static void reference_sums(const rf_stack *s, int64_t start, int64_t step, bool ignore,
                           size_t i, double *sum, double *mean)
{
    double total = 0.0, count = 0.0;
    size_t n = rf_frame_values(s);
    for (int64_t t = start; t < s->frames; t += step) {
        float v = s->values[(size_t)t * n + i];
        if (ignore && isnan(v))
            continue;
        total += v;
        count += 1.0;
    }
    *sum = count > 0 ? total : NAN;
    *mean = count > 0 ? total / count : NAN;
}

/* Sums of integers are exact, so blitz must give the plain loop's bits, whichever way
 * each chunk is summed: in float32 when its index entry claims integers small enough
 * (all but the chunks with a NaN here), in double otherwise, from floats and from byte
 * planes (rows of 80 and 20 values: a whole step of the widest width and a rest; every
 * width is checked on its own in test_plane_sums.c), with NaN propagated and ignored,
 * for all frames and every third. */
START_TEST(test_integer_sums_exact)
{
    static const int codecs[] = { BLZ_CODEC_RAW, BLZ_CODEC_LZ4, BLZ_CODEC_SHUFFLE_LZ4 };
    char *dir = tu_tmpdir();
    char *path = tu_fmt("%s/stack.blz", dir);
    rf_stack s = rf_stack_make(37, 23, 100, 1, 65535, 0, 10);
    size_t n = rf_frame_values(&s);
    s.values[20 * n + 100] = NAN;   /* in time block 2 (frames 16..23) */
    s.values[33 * n + 700] = NAN;
    double *got = malloc(n * sizeof *got);
    for (size_t k = 0; k < 3; k++) {
        ck_assert_int_eq(rf_write_cache(&s, path, 8, 8, 80, codecs[k]), BLZ_OK);
        blz_cache *c = rf_open(path);
        for (int step = 1; step <= 3; step += 2)
            for (int op = 0; op < 2; op++)
                for (int ignore = 0; ignore < 2; ignore++) {
                    blz_reduce_options o = blz_reduce_defaults(op ? BLZ_OP_MEAN : BLZ_OP_SUM);
                    o.frames = (blz_frame_range){ step - 1, -1, step };
                    o.nan_policy = ignore ? BLZ_NAN_IGNORE : BLZ_NAN_PROPAGATE;
                    o.threads = 2;
                    ck_assert_msg(blz_reduce(c, &o, got) == BLZ_OK, "%s", blz_errmsg());
                    for (size_t i = 0; i < n; i++) {
                        double sum, mean;
                        reference_sums(&s, step - 1, step, ignore, i, &sum, &mean);
                        double want = op ? mean : sum;
                        ck_assert_msg(memcmp(&got[i], &want, sizeof want) == 0 ||
                                      (isnan(got[i]) && isnan(want)),
                                      "codec %d, %s, step %d, ignore %d: value %zu is %.17g, "
                                      "the plain loop's %.17g", codecs[k],
                                      op ? "mean" : "sum", step, ignore, i, got[i], want);
                    }
                }
        blz_cache_close(c);
    }
    free(got);
    rf_finish(NULL, &s, dir, path);
}
END_TEST

/* Variance of value i over frames start, start + step, ... by a plain two-pass loop in
 * double (NaN left out when ignored; NaN when a NaN is kept or too few remain). */
static double reference_var(const rf_stack *s, int64_t start, int64_t step, bool ignore,
                            int ddof, size_t i)
{
    double sum, mean, m2 = 0.0, count = 0.0;
    size_t n = rf_frame_values(s);
    reference_sums(s, start, step, ignore, i, &sum, &mean);
    for (int64_t t = start; t < s->frames; t += step) {
        float v = s->values[(size_t)t * n + i];
        if (!(ignore && isnan(v))) {
            m2 += (v - mean) * (v - mean);
            count += 1.0;
        }
    }
    return count - ddof > 0 ? m2 / (count - ddof) : NAN;
}

/* std and var of integers far from 0 with a small spread (60000 + 0..3), where M2
 * computed as a difference of large sums would lose its digits: in chunks claiming
 * integers they come from exact sums, elsewhere (chunks with a NaN) from the shifted
 * double fold; to 1e-10 of a two-pass loop (the suite's bound for std and var; M2 as
 * a difference of the sums in double is off by about 1e-6 here), for every codec,
 * policy and ddof. */
START_TEST(test_integer_variance_far_from_zero)
{
    static const int codecs[] = { BLZ_CODEC_RAW, BLZ_CODEC_LZ4, BLZ_CODEC_SHUFFLE_LZ4 };
    char *dir = tu_tmpdir();
    char *path = tu_fmt("%s/stack.blz", dir);
    rf_stack s = rf_stack_make(37, 23, 37, 1, 3, 0, 12);
    size_t n = rf_frame_values(&s);
    for (size_t i = 0; i < (size_t)s.frames * n; i++)
        s.values[i] += 60000.0f;
    s.values[20 * n + 100] = NAN;
    double *got = malloc(n * sizeof *got);
    for (size_t k = 0; k < 3; k++) {
        ck_assert_int_eq(rf_write_cache(&s, path, 8, 8, 48, codecs[k]), BLZ_OK);
        blz_cache *c = rf_open(path);
        for (int step = 1; step <= 3; step += 2)
            for (int ddof = 0; ddof < 2; ddof++)
                for (int ignore = 0; ignore < 2; ignore++) {
                    blz_reduce_options o = blz_reduce_defaults(BLZ_OP_VAR);
                    o.frames = (blz_frame_range){ step - 1, -1, step };
                    o.nan_policy = ignore ? BLZ_NAN_IGNORE : BLZ_NAN_PROPAGATE;
                    o.ddof = ddof;
                    ck_assert_msg(blz_reduce(c, &o, got) == BLZ_OK, "%s", blz_errmsg());
                    for (size_t i = 0; i < n; i++) {
                        double want = reference_var(&s, step - 1, step, ignore, ddof, i);
                        ck_assert_msg(isnan(want) ? isnan(got[i])
                                                  : fabs(got[i] - want) <= 1e-10 * want,
                                      "codec %d, step %d, ddof %d, ignore %d: var %zu is "
                                      "%.17g, the two-pass loop's %.17g", codecs[k], step,
                                      ddof, ignore, i, got[i], want);
                    }
                }
        blz_cache_close(c);
    }
    free(got);
    rf_finish(NULL, &s, dir, path);
}
END_TEST

/* Frames of 2^24 - 1, 4 and 0 at one pixel: the chunk claims integers below 2^24, too
 * large for float32 sums of its frames, and the exact sum 2^24 + 3 is no float32: it
 * must still come out exact. */
START_TEST(test_integer_claim_too_large_for_float)
{
    char *dir = tu_tmpdir();
    char *path = tu_fmt("%s/stack.blz", dir);
    rf_stack s = rf_stack_make(3, 4, 4, 1, 100, 0, 11);
    size_t n = rf_frame_values(&s);
    s.values[0] = 16777215.0f;
    s.values[n] = 4.0f;
    s.values[2 * n] = 0.0f;
    ck_assert_int_eq(rf_write_cache(&s, path, 4, 4, 4, BLZ_CODEC_LZ4), BLZ_OK);
    blz_cache *c = rf_open(path);
    blz_chunk_entry e;
    ck_assert_int_eq(blz_cache_chunk_entry(c, 0, &e), BLZ_OK);
    ck_assert_uint_eq(e.int_limit, 16777216);
    double *got = malloc(n * sizeof *got);
    blz_reduce_options o = blz_reduce_defaults(BLZ_OP_SUM);
    ck_assert_int_eq(blz_reduce(c, &o, got), BLZ_OK);
    ck_assert_double_eq(got[0], 16777219.0);
    free(got);
    rf_finish(c, &s, dir, path);
}
END_TEST

/* A budget that forces strips / bands / sub-tile gather groups gives the same bits. */
START_TEST(test_small_budget_same_result)
{
    char *dir = tu_tmpdir();
    char *path = tu_fmt("%s/stack.blz", dir);
    rf_stack s = rf_stack_make(40, 64, 96, 1, 0, 0, 7);
    ck_assert_int_eq(rf_write_cache(&s, path, 4, 16, 32, BLZ_CODEC_RAW), BLZ_OK);
    blz_cache *c = rf_open(path);
    size_t n = rf_frame_values(&s);
    const int ops[] = { BLZ_OP_MEAN, BLZ_OP_STD, BLZ_OP_ARGMAX, BLZ_OP_MEDIAN };
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
        query_case qc = { { 1, 39, 1 }, BLZ_NAN_DEFAULT, 0, 50 };
        blz_reduce_options big = options_for(&qc, ops[i], 2, (size_t)64 << 20);
        blz_reduce_options small = big;
        /* Median: two threads' counting scratch plus room for 10 of a tile's 16 rows;
         * the others: accumulators and one band for 2 of the 4 tile rows. */
        small.ram_budget = n * sizeof(double)
                           + (ops[i] == BLZ_OP_MEDIAN ? 2 * 262144 + 60000 : 100000);
        blz_plan plan;
        ck_assert_int_eq(blz_reduce_plan(c, &small, &plan), BLZ_OK);
        ck_assert_int_eq(plan.release_behind, 1);
        ck_assert_int_lt(plan.band_blocks, plan.time_blocks);
        ck_assert_int_gt(plan.strips, 1);
        ck_assert_uint_le(plan.total_bytes, small.ram_budget);
        double *want = reduce_or_fail(c, &big, n);
        double *got = reduce_or_fail(c, &small, n);
        ck_assert_msg(memcmp(want, got, n * sizeof *got) == 0, "%s differs under a small budget",
                      blz_op_name(ops[i]));
        free(want);
        free(got);
    }
    rf_finish(c, &s, dir, path);
}
END_TEST

START_TEST(test_budget_too_small)
{
    char *dir = tu_tmpdir();
    char *path = tu_fmt("%s/stack.blz", dir);
    rf_stack s = rf_stack_make(6, 23, 37, 1, 9, 0, 8);
    ck_assert_int_eq(rf_write_cache(&s, path, 5, 8, 16, BLZ_CODEC_RAW), BLZ_OK);
    blz_cache *c = rf_open(path);
    blz_reduce_options o = blz_reduce_defaults(BLZ_OP_MEAN);
    o.ram_budget = 1000;
    double *out = malloc(rf_frame_values(&s) * sizeof *out);
    ck_assert_int_eq(blz_reduce(c, &o, out), BLZ_ERR_BUDGET);
    ck_assert_ptr_nonnull(strstr(blz_errmsg(), "needs at least"));
    o.op = BLZ_OP_MEDIAN;
    ck_assert_int_eq(blz_reduce(c, &o, out), BLZ_ERR_BUDGET);
    free(out);
    rf_finish(c, &s, dir, path);
}
END_TEST

START_TEST(test_bad_ranges)
{
    char *dir = tu_tmpdir();
    char *path = tu_fmt("%s/stack.blz", dir);
    rf_stack s = rf_stack_make(6, 5, 7, 1, 9, 0, 9);
    ck_assert_int_eq(rf_write_cache(&s, path, 5, 8, 16, BLZ_CODEC_RAW), BLZ_OK);
    blz_cache *c = rf_open(path);
    double out[35];
    const blz_frame_range bad[] = { { 6, -1, 1 }, { 0, 7, 1 }, { 3, 2, 1 }, { 0, 6, 0 },
                                    { -1, 6, 1 } };
    const int want[] = { BLZ_ERR_INVALID, BLZ_ERR_INVALID, BLZ_ERR_EMPTY, BLZ_ERR_INVALID,
                         BLZ_ERR_INVALID };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        blz_reduce_options o = blz_reduce_defaults(BLZ_OP_SUM);
        o.frames = bad[i];
        ck_assert_int_eq(blz_reduce(c, &o, out), want[i]);
        ck_assert_ptr_nonnull(strstr(blz_errmsg(), path));
    }
    rf_finish(c, &s, dir, path);
}
END_TEST

/* Exact selection against sorting, for integer (counting) and float (introselect)
 * data of many sizes, including adversarial all-equal and sorted inputs. */
static int compare_floats(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

START_TEST(test_select_against_sort)
{
    static uint32_t counts[BLZ_SELECT_COUNTS];
    for (size_t n = 1; n < 400; n += 7) {
        for (int kind = 0; kind < 4; kind++) {
            float *v = malloc(n * sizeof *v), *sorted = malloc(n * sizeof *v);
            tu_fill_ints(v, n, (uint32_t)n, kind == 0 ? 30 : 1000000);
            for (size_t i = 0; i < n; i++)
                v[i] = kind == 1 ? v[i] / 7.0f : kind == 2 ? 5.0f : kind == 3 ? (float)i : v[i];
            memcpy(sorted, v, n * sizeof *v);
            qsort(sorted, n, sizeof *v, compare_floats);
            for (double q = 0; q <= 100; q += 12.5) {
                float *work = malloc(n * sizeof *v);
                memcpy(work, v, n * sizeof *v);
                double h = (double)(n - 1) * (q / 100.0);
                size_t lo = (size_t)floor(h), hi = lo + 1 < n ? lo + 1 : lo;
                double want = blz_lerp(sorted[lo], sorted[hi], h - floor(h));
                ck_assert_double_eq(blz_select_percentile(work, n, q, false, counts), want);
                free(work);
            }
            free(v);
            free(sorted);
        }
    }
}
END_TEST

static const char stats_program[] =
    "import numpy as np\n"
    "d = '%s'\n"
    "a = np.load(d + '/stack.npy').astype(np.float64)[%lld:%lld:%lld].ravel()\n"
    "v = a[~np.isnan(a)]\n"
    "r = [np.isnan(a).sum(), v.min(), v.max(), v.mean(), v.std()] + "
    "list(np.percentile(v, [0.35, 50, 99.65, 100]))\n"
    "np.save(d + '/ref_stats.npy', np.array(r, dtype=np.float64))\n";

START_TEST(test_stats_against_numpy)
{
    char *dir = tu_tmpdir();
    char *path = tu_fmt("%s/stack.blz", dir);
    char *npy = tu_fmt("%s/stack.npy", dir);
    rf_stack s = rf_stack_make(17, 23, 37, 3, 0, 11, 10);
    ck_assert_int_eq(rf_write_cache(&s, path, 5, 8, 16, BLZ_CODEC_LZ4), BLZ_OK);
    ck_assert_int_eq(rf_write_npy(&s, npy), BLZ_OK);
    char *program = tu_fmt(stats_program, dir, 2LL, 17LL, 2LL);
    ck_assert_int_eq(tu_python(program), 0);
    char *ref = tu_fmt("%s/ref_stats.npy", dir);
    double *want = rf_load(ref, 9);
    ck_assert_ptr_nonnull(want);
    blz_cache *c = rf_open(path);
    blz_stats_options o = blz_stats_defaults();
    o.frames = (blz_frame_range){ 2, 17, 2 };
    o.npercentiles = 4;
    const double ps[] = { 0.35, 50, 99.65, 100 };
    memcpy(o.percentiles, ps, sizeof ps);
    for (int threads = 1; threads <= 2; threads++) {
        o.threads = threads;
        blz_stats st;
        ck_assert_msg(blz_stats_compute(c, &o, &st) == BLZ_OK, "%s", blz_errmsg());
        ck_assert_int_eq(st.frames, 8);
        ck_assert_uint_eq(st.values, 8u * rf_frame_values(&s));
        ck_assert_double_eq((double)st.nan_count, want[0]);
        ck_assert_double_eq(st.min, want[1]);
        ck_assert_double_eq(st.max, want[2]);
        ck_assert_double_eq_tol(st.mean, want[3], 1e-12 * fabs(want[3]));
        ck_assert_double_eq_tol(st.std, want[4], 1e-10 * want[4]);
        for (int i = 0; i < 4; i++)
            ck_assert_double_eq(st.percentiles[i], want[5 + i]);
    }
    blz_cache_close(c);
    rf_stack_free(&s);
    tu_rmtree(dir);
    free(want);
    free(ref);
    free(program);
    free(npy);
    free(path);
    free(dir);
}
END_TEST

static Suite *reduce_suite(void)
{
    Suite *s = suite_create("reduce");
    TCase *tc = tcase_create("numpy");
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, test_gray_raw_all_frames);
    tcase_add_test(tc, test_rgb_lz4_stepped_floats);
    tcase_add_test(tc, test_even_count_integers_shuffle);
    tcase_add_test(tc, test_one_frame);
    tcase_add_test(tc, test_nan_propagate);
    tcase_add_test(tc, test_nan_ignore);
    tcase_add_test(tc, test_nan_ignore_far_from_zero);
    tcase_add_test(tc, test_infinities);
    tcase_add_test(tc, test_stats_against_numpy);
    tcase_add_test(tc, test_long_series_in_slices);
    suite_add_tcase(s, tc);
    TCase *plain = tcase_create("plain");
    tcase_add_test(plain, test_small_budget_same_result);
    tcase_add_test(plain, test_codecs_fold_alike);
    tcase_add_test(plain, test_integer_sums_exact);
    tcase_add_test(plain, test_integer_claim_too_large_for_float);
    tcase_add_test(plain, test_integer_variance_far_from_zero);
    tcase_add_test(plain, test_budget_too_small);
    tcase_add_test(plain, test_bad_ranges);
    tcase_add_test(plain, test_select_against_sort);
    suite_add_tcase(s, plain);
    return s;
}

int main(void)
{
    return tu_run_suite(reduce_suite());
}
