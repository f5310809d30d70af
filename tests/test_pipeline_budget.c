/*
 * test_pipeline_budget.c - pipelines keep resident memory under the page budget.
 *
 * A 64 MiB cache (256 frames of 256 x 256) goes through four pipelines with a 16 MiB
 * budget, each in a child process that resets its peak RSS (/proc/self/clear_refs,
 * "5") and compares VmHWM after the run with VmRSS before it: fixed references
 * feeding a streaming reduction, a sliding mean feeding a gathered median, a sliding
 * median exported to .npy strip by strip, whole-frame ROI traces (mean, min, max,
 * sum: strips too) against a sliding max, the whole-stack statistics of a centred
 * median subtracted, and a PNG sequence of a sliding std subtracted (its range from the
 * statistics' two walks, then whole frames). The growth must stay under the budget plus
 * the 4 MiB slack of test_budget.c (OpenMP stacks, malloc arenas, fault-around). Each
 * result must equal an unbounded run's. Under ASan the allocator's quarantine is
 * turned off for this suite (it would hold the freed buffers of earlier passes).
 */
#include <check.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "blitz/blitz.h"
#include "blitz/pipeline.h"
#include "test_reduce_fixture.h"
#include "testutil.h"

enum { T = 256, SIDE = 256, NROIS = 2, NSTATS = 4 };
static const size_t budget = (size_t)16 << 20, slack = (size_t)4 << 20;
static const size_t unbounded = (size_t)4 << 30;

enum job { REDUCE_FIXED, REDUCE_SLIDING, EXPORT_SLIDING, ROI_SLIDING, STATS_SLIDING,
           EXPORT_PNG };

static const blz_roi rois[NROIS] = {
    { .kind = BLZ_ROI_RECT, .x = 10, .y = 20, .w = 200, .h = 150 },
    { .kind = BLZ_ROI_RECT, .x = 0, .y = 0, .w = 256, .h = 256 },
};
static const int stats[NSTATS] = { BLZ_ROI_MEAN, BLZ_ROI_MIN, BLZ_ROI_MAX, BLZ_ROI_SUM };

#ifdef __SANITIZE_ADDRESS__
/* ASan keeps freed blocks resident in its quarantine; a pipeline's passes free and
 * allocate buffers one after the other, so the quarantine would be counted as the
 * library's memory. This suite measures residency, not use after free. */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
    return "quarantine_size_mb=0";
}
#endif

/* A field of /proc/self/status in bytes. */
static size_t status_bytes(const char *field)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    size_t kib = 0, n = strlen(field);
    while (f && fgets(line, sizeof line, f))
        if (strncmp(line, field, n) == 0 && line[n] == ':')
            kib = strtoull(line + n + 1, NULL, 10);
    if (f)
        fclose(f);
    return kib << 10;
}

static blz_pipeline pipeline_of(enum job job)
{
    static const char *const subtract[] = { "mean:0:64", "sliding:mean:32",
                                            "sliding-centred:median:16", "sliding:max:32",
                                            "sliding-centred:median:8", "sliding:std:8" };
    blz_pipeline p = blz_pipeline_defaults();
    ck_assert_int_eq(blz_reference_parse(subtract[job], &p.subtract), BLZ_OK);
    if (job == REDUCE_FIXED)
        ck_assert_int_eq(blz_reference_parse("median:0:64", &p.divide), BLZ_OK);
    p.divide_amount = 0.5;
    return p;
}

/* Run job with ram into out (result image, ROI traces or the .npy path). */
static int run_job(const blz_cache *c, enum job job, size_t ram, void *out)
{
    blz_pipeline p = pipeline_of(job);
    blz_run_options run = blz_run_defaults();
    run.ram_budget = ram;
    if (job == EXPORT_SLIDING)
        return blz_pipeline_export(c, &p, &run, out, "");
    if (job == EXPORT_PNG) {
        blz_png_sequence_options png = blz_png_sequence_defaults();
        double range[2];
        return blz_pipeline_export_png(c, &p, &run, out, &png, range);
    }
    if (job == STATS_SLIDING) {
        blz_stats_options so = blz_stats_defaults();
        return blz_pipeline_stats(c, &p, &run, &so, out);
    }
    if (job == ROI_SLIDING)
        return blz_pipeline_roi(c, &p, &run, rois, NROIS, stats, NSTATS, out);
    blz_reduce_options o = blz_reduce_defaults(job == REDUCE_FIXED ? BLZ_OP_MAX : BLZ_OP_MEDIAN);
    o.ram_budget = ram;
    return blz_pipeline_reduce(c, &p, &o, out);
}

/* In a child: run job under the budget into out; exit 0 if the peak growth fits. out
 * is the export's path, or a result buffer shared with the parent, mapped before the
 * baseline but only touched by the job. */
static int measure_in_child(const char *path, enum job job, void *out)
{
    pid_t pid = fork();
    if (pid == 0) {
        blz_cache *c;
        if (blz_cache_open(&c, path, 0) != BLZ_OK)
            _exit(2);
        FILE *f = fopen("/proc/self/clear_refs", "w");
        if (f) {
            fputs("5", f);
            fclose(f);
        }
        size_t base = status_bytes("VmRSS");
        int st = run_job(c, job, budget, out);
        size_t peak = status_bytes("VmHWM");
        fprintf(stderr, "job %d: RSS %zu KiB before, peak growth %zu KiB (budget %zu KiB)%s%s\n",
                job, base >> 10, (peak - base) >> 10, budget >> 10, st ? ": " : "",
                st ? blz_errmsg() : "");
        _exit(st != BLZ_OK ? 3 : peak - base <= budget + slack ? 0 : 1);
    }
    int status;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void check_job(enum job job)
{
    char *dir = tu_tmpdir();
    rf_stack s = rf_stack_make(T, SIDE, SIDE, 1, 1000, 0, 3);
    char *path = tu_fmt("%s/big.blz", dir);
    ck_assert_int_eq(rf_write_cache(&s, path, 16, 64, 64, BLZ_CODEC_RAW), BLZ_OK);
    rf_stack_free(&s);
    size_t bytes = job == ROI_SLIDING     ? (size_t)T * NROIS * NSTATS * sizeof(double)
                   : job == STATS_SLIDING ? sizeof(blz_stats)
                                          : (size_t)SIDE * SIDE * sizeof(double);
    bool file = job == EXPORT_SLIDING || job == EXPORT_PNG;
    const char *ext = job == EXPORT_PNG ? "/" : ".npy";
    void *bounded = file ? tu_fmt("%s/bounded%s", dir, ext)
                         : mmap(NULL, bytes, PROT_READ | PROT_WRITE,
                                MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    ck_assert_ptr_ne(bounded, MAP_FAILED);
    void *free_run = file ? tu_fmt("%s/free%s", dir, ext) : calloc(1, bytes);
    ck_assert_int_eq(measure_in_child(path, job, bounded), 0);
    blz_cache *c = rf_open(path);
    ck_assert_int_eq(run_job(c, job, unbounded, free_run), BLZ_OK);
    if (file)
        ck_assert_int_eq(tu_sh("diff -r '%s' '%s'", (char *)bounded, (char *)free_run), 0);
    else
        ck_assert_mem_eq(bounded, free_run, bytes);
    blz_cache_close(c);
    if (file)
        free(bounded);
    else
        munmap(bounded, bytes);
    free(free_run);
    free(path);
    tu_rmtree(dir);
    free(dir);
}

START_TEST(test_fixed_references_reduce)
{
    check_job(REDUCE_FIXED);
}
END_TEST

START_TEST(test_sliding_reduce)
{
    check_job(REDUCE_SLIDING);
}
END_TEST

START_TEST(test_sliding_export)
{
    check_job(EXPORT_SLIDING);
}
END_TEST

START_TEST(test_sliding_roi)
{
    check_job(ROI_SLIDING);
}
END_TEST

START_TEST(test_sliding_stats)
{
    check_job(STATS_SLIDING);
}
END_TEST

START_TEST(test_sliding_png_sequence)
{
    check_job(EXPORT_PNG);
}
END_TEST

static Suite *budget_suite(void)
{
    Suite *s = suite_create("pipeline budget");
    TCase *tc = tcase_create("vmhwm");
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, test_fixed_references_reduce);
    tcase_add_test(tc, test_sliding_reduce);
    tcase_add_test(tc, test_sliding_export);
    tcase_add_test(tc, test_sliding_roi);
    tcase_add_test(tc, test_sliding_stats);
    tcase_add_test(tc, test_sliding_png_sequence);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run_suite(budget_suite());
}
