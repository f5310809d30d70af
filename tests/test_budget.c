/*
 * test_budget.c - the page-budget scheduler keeps resident memory under the budget.
 *
 * A 64 MiB cache is reduced with --ram-budget 16M in a child process: the child
 * resets its peak RSS (/proc/self/clear_refs, "5"), runs the query, and compares its
 * VmHWM with the RSS before the query. The growth must stay under the budget plus a
 * slack of 4 MiB for what the budget does not model (OpenMP worker stacks, malloc
 * arenas, page-table and fault-around granularity). Streaming, gathering and stats
 * are each checked, on raw and on shuffle-lz4 chunks. A compressed cache's bands are
 * planned from the pages its chunks take as stored.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "blitz/blitz.h"
#include "blitz/query.h"
#include "test_reduce_fixture.h"
#include "testutil.h"

enum { T = 256, SIDE = 256 };
static const size_t budget = (size_t)16 << 20, slack = (size_t)4 << 20;

/* A /proc/self/status field in bytes. */
static size_t status_kib(const char *field)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    size_t kib = 0, n = strlen(field);
    while (f && fgets(line, sizeof line, f))
        if (strncmp(line, field, n) == 0 && line[n] == ':')
            kib = strtoull(line + n + 1, NULL, 10);
    if (f)
        fclose(f);
    return kib * 1024;
}

static void reset_peak(void)
{
    FILE *f = fopen("/proc/self/clear_refs", "w");
    if (f) {
        fputs("5", f);
        fclose(f);
    }
}

/* In a child: run op (0 = stats) under the budget; exit 0 if the peak growth fits.
 * The result image is allocated before the baseline but only touched by the query. */
static int measure_in_child(const char *path, int op)
{
    pid_t pid = fork();
    if (pid == 0) {
        blz_cache *c;
        if (blz_cache_open(&c, path, 0) != BLZ_OK)
            _exit(2);
        double *out = malloc(blz_cache_layout(c)->frame_values * sizeof *out);
        reset_peak();
        size_t base = status_kib("VmRSS");
        int st;
        if (op == 0) {
            blz_stats_options o = blz_stats_defaults();
            o.ram_budget = budget;
            blz_stats s;
            st = blz_stats_compute(c, &o, &s);
        } else {
            blz_reduce_options o = blz_reduce_defaults(op);
            o.ram_budget = budget;
            st = blz_reduce(c, &o, out);
        }
        size_t peak = status_kib("VmHWM");
        fprintf(stderr, "%s: RSS %zu KiB before, peak %zu KiB, growth %zu KiB (budget %zu KiB)\n",
                op ? blz_op_name(op) : "stats", base >> 10, peak >> 10, (peak - base) >> 10,
                budget >> 10);
        _exit(st != BLZ_OK ? 3 : peak - base <= budget + slack ? 0 : 1);
    }
    int status;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* The plan of op under the budget, which must release bands behind it and fit. */
static blz_plan plan_under_budget(blz_cache *c, int op)
{
    blz_reduce_options o = blz_reduce_defaults(op);
    o.ram_budget = budget;
    blz_plan plan;
    ck_assert_int_eq(blz_reduce_plan(c, &o, &plan), BLZ_OK);
    ck_assert_int_eq(plan.release_behind, 1);
    ck_assert_uint_le(plan.total_bytes, budget);
    return plan;
}

/* The stack of every test here, written with codec to path. */
static void write_stack(const char *path, int codec)
{
    rf_stack s = rf_stack_make(T, SIDE, SIDE, 1, 4095, 0, 42);
    ck_assert_int_eq(rf_write_cache(&s, path, 32, 64, 64, codec), BLZ_OK);
    rf_stack_free(&s);
}

/* Streaming, gathering and stats stay under the budget, on raw and compressed chunks. */
START_TEST(test_resident_memory_under_budget)
{
    static const int codecs[] = { BLZ_CODEC_RAW, BLZ_CODEC_SHUFFLE_LZ4 };
    char *dir = tu_tmpdir();
    char *path = tu_fmt("%s/big.blz", dir);
    write_stack(path, codecs[_i]);
    blz_cache *c = rf_open(path);
    const int ops[] = { BLZ_OP_MEAN, BLZ_OP_STD, BLZ_OP_MEDIAN, 0 };
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
        if (ops[i])
            plan_under_budget(c, ops[i]);
        ck_assert_msg(measure_in_child(path, ops[i]) == 0,
                      "%s: resident memory grew past the budget (see stderr)",
                      ops[i] ? blz_op_name(ops[i]) : "stats");
    }
    blz_cache_close(c);
    tu_rmtree(dir);
    free(path);
    free(dir);
}
END_TEST

/* Bands are sized by the pages chunks take as stored: under the same budget, a
 * compressed cache's bands hold more time blocks (streaming and gathering), its whole
 * selection maps no more than the file holds, and the smallest budget it accepts
 * counts one chunk as stored. */
START_TEST(test_bands_by_stored_size)
{
    char *dir = tu_tmpdir();
    char *raw_path = tu_fmt("%s/raw.blz", dir), *lz_path = tu_fmt("%s/lz.blz", dir);
    write_stack(raw_path, BLZ_CODEC_RAW);
    write_stack(lz_path, BLZ_CODEC_SHUFFLE_LZ4);
    blz_cache *raw = rf_open(raw_path), *lz = rf_open(lz_path);
    blz_plan raw_plan = plan_under_budget(raw, BLZ_OP_MEAN);
    blz_plan lz_plan = plan_under_budget(lz, BLZ_OP_MEAN);
    ck_assert_int_gt(lz_plan.band_blocks, raw_plan.band_blocks);
    /* gathering: a band's bytes are less than its chunks would take decoded */
    blz_plan gather = plan_under_budget(lz, BLZ_OP_MEDIAN);
    size_t decoded = (size_t)gather.band_blocks * (size_t)gather.group_tiles
                     * blz_cache_layout(lz)->chunk_bytes;
    ck_assert_uint_lt(gather.band_bytes, decoded);
    blz_reduce_options o = blz_reduce_defaults(BLZ_OP_MEAN);
    blz_plan whole;
    ck_assert_int_eq(blz_reduce_plan(lz, &o, &whole), BLZ_OK);
    ck_assert_int_eq(whole.release_behind, 0);
    ck_assert_uint_lt(whole.mapped_bytes, tu_file_size(lz_path));
    /* the smallest budget a gathering query takes leaves one chunk's pages as stored,
     * less than a decoded chunk takes */
    size_t lo = 0, hi = budget;
    o = blz_reduce_defaults(BLZ_OP_MEDIAN);
    while (hi - lo > 1) {
        o.ram_budget = lo + (hi - lo) / 2;
        if (blz_reduce_plan(lz, &o, &whole) == BLZ_OK)
            hi = o.ram_budget;
        else
            lo = o.ram_budget;
    }
    o.ram_budget = hi;
    ck_assert_int_eq(blz_reduce_plan(lz, &o, &whole), BLZ_OK);
    ck_assert_uint_lt(hi - (whole.total_bytes - whole.mapped_bytes),
                      blz_cache_layout(lz)->chunk_bytes);
    blz_cache_close(raw);
    blz_cache_close(lz);
    tu_rmtree(dir);
    free(raw_path);
    free(lz_path);
    free(dir);
}
END_TEST

static Suite *budget_suite(void)
{
    Suite *s = suite_create("budget");
    TCase *tc = tcase_create("vmhwm");
    tcase_set_timeout(tc, 600);
    tcase_add_loop_test(tc, test_resident_memory_under_budget, 0, 2);
    tcase_add_test(tc, test_bands_by_stored_size);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run_suite(budget_suite());
}
