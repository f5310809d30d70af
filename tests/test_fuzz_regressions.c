/*
 * test_fuzz_regressions.c - replay every input the fuzzers ever found interesting.
 *
 * Inputs that crashed or misbehaved once are kept in tests/fuzz/regressions/{npy,cache}/
 * and fed to the same entry points as the fuzzers (tests/fuzz/targets.c). Each must be
 * refused or accepted with a status code; under ASan/UBSan any memory error fails the
 * run. A handful of built-in hostile inputs are always replayed as well.
 */
#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blitz/error.h"
#include "fuzz/targets.h"
#include "testutil.h"

/* Feed every file of folder to target; returns how many were replayed. */
static int replay(const char *kind, int (*target)(const uint8_t *, size_t))
{
    const char *top = getenv("top_srcdir");
    char *dir = tu_fmt("%s/tests/fuzz/regressions/%s", top ? top : ".", kind);
    DIR *d = opendir(dir);
    ck_assert_msg(d != NULL, "no folder %s", dir);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        char *path = tu_fmt("%s/%s", dir, e->d_name);
        size_t size;
        unsigned char *bytes = tu_slurp(path, &size);
        ck_assert_ptr_nonnull(bytes);
        int rc = target(bytes, size);
        ck_assert_msg(rc <= 0, "%s: status %d is not a blitz status", path, rc);
        free(bytes);
        free(path);
        n++;
    }
    closedir(d);
    free(dir);
    return n;
}

START_TEST(npy_inputs)
{
    replay("npy", blz_fuzz_npy);
    static const char *const built_in[] = {
        "", "\x93NUMPY", "\x93NUMPY\x01\x00\xff\xff", "\x93NUMPY\x02\x00\xff\xff\xff\xff{",
        "\x93NUMPY\x01\x00\x10\x00{'descr': '<f4'", "\x93NUMPY\x09\x00\x00\x00"};
    for (size_t i = 0; i < sizeof built_in / sizeof built_in[0]; i++)
        ck_assert_int_lt(blz_fuzz_npy((const uint8_t *)built_in[i], strlen(built_in[i]) + 2),
                         0);
}
END_TEST

START_TEST(cache_inputs)
{
    replay("cache", blz_fuzz_cache);
    unsigned char zeros[8192] = {0};
    ck_assert_int_lt(blz_fuzz_cache(zeros, sizeof zeros), 0);
    ck_assert_int_lt(blz_fuzz_cache(zeros, 0), 0);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("fuzz regressions");
    TCase *tc = tcase_create("replay");
    tcase_add_test(tc, npy_inputs);
    tcase_add_test(tc, cache_inputs);
    suite_add_tcase(s, tc);
    return tu_run_suite(s);
}
