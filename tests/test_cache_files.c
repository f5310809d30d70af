/*
 * test_cache_files.c - how caches meet the filesystem: read-only sharing, concurrent
 * readers, atomic publishing and clean failure.
 *
 * An unprivileged user (uid/gid 65534, in a forked child when the suite runs as root)
 * opens and reads a cache of mode 0444 in a folder of mode 0555 and nothing new appears
 * there; threads sharing one blz_cache and separate processes all read identical
 * values; an existing file is never replaced without BLZ_WRITE_REPLACE, even when it
 * appears during the write; a writer freed before finishing, or whose finish fails on
 * the file-size limit (RLIMIT_FSIZE, SIGXFSZ ignored), leaves nothing in the folder.
 */
#include <check.h>
#include <grp.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <xxhash.h>

#include "blitz/blitz.h"
#include "test_cache_util.h"
#include "testutil.h"

enum { NOBODY = 65534, READER_THREADS = 4, READER_PROCESSES = 3 };

static const blz_writer_options small = { .height = 33, .width = 47, .channels = 3, .ct = 4,
                                          .th = 16, .tw = 16, .codec = BLZ_CODEC_SHUFFLE_LZ4,
                                          .threads = 2 };

/* XXH3 over the values of every chunk in id order, read with a buffer of one's own. */
static uint64_t digest(const blz_cache *c)
{
    XXH3_state_t *state = XXH3_createState();
    XXH3_64bits_reset(state);
    blz_chunk_buf *buf = blz_chunk_buf_alloc(c);
    const blz_layout *l = blz_cache_layout(c);
    for (int64_t id = 0; id < l->chunks; id++) {
        const float *v;
        if (blz_cache_chunk(c, id, buf, &v) != BLZ_OK)
            return 0;
        XXH3_64bits_update(state, v, l->chunk_bytes);
    }
    blz_chunk_buf_free(buf);
    uint64_t h = XXH3_64bits_digest(state);
    XXH3_freeState(state);
    return h;
}

static uint64_t digest_file(const char *path)
{
    blz_cache *c;
    if (blz_cache_open(&c, path, BLZ_OPEN_VERIFY) != BLZ_OK)
        return 0;
    uint64_t h = digest(c);
    blz_cache_close(c);
    return h;
}

/* Run fn(arg) in a forked child (as uid/gid 65534 when as_nobody and root); its exit code. */
static int in_child(int (*fn)(const void *), const void *arg, bool as_nobody)
{
    pid_t pid = fork();
    if (pid == 0) {
        if (as_nobody && getuid() == 0 &&
            (setgroups(0, NULL) != 0 || setgid(NOBODY) != 0 || setuid(NOBODY) != 0))
            _exit(90);
        _exit(fn(arg));
    }
    int raw;
    waitpid(pid, &raw, 0);
    return WIFEXITED(raw) ? WEXITSTATUS(raw) : 100 + (WIFSIGNALED(raw) ? WTERMSIG(raw) : 0);
}

typedef struct shared_case {
    char *dir, *folder, *path;
    uint64_t expected;
} shared_case;

static void make_case(shared_case *k)
{
    k->dir = tu_tmpdir();
    k->folder = tu_fmt("%s/ro", k->dir);
    k->path = tu_fmt("%s/ro/stack.blz", k->dir);
    ck_assert_int_eq(mkdir(k->folder, 0755), 0);
    ck_assert_int_eq(tcu_write(k->path, &small, 9, TCU_SMOOTH), BLZ_OK);
    k->expected = digest_file(k->path);
    ck_assert_uint_ne(k->expected, 0);
}

static void drop_case(shared_case *k)
{
    tu_rmtree(k->dir);
    free(k->dir);
    free(k->folder);
    free(k->path);
}

static int read_matches(const void *arg)
{
    const shared_case *k = arg;
    return digest_file(k->path) == k->expected ? 0 : 1;
}

START_TEST(read_only_file_in_read_only_folder)
{
    shared_case k;
    make_case(&k);
    ck_assert_int_eq(chmod(k.dir, 0755), 0);
    ck_assert_int_eq(chmod(k.path, 0444), 0);
    ck_assert_int_eq(chmod(k.folder, 0555), 0);
    ck_assert_int_eq(in_child(read_matches, &k, true), 0);
    ck_assert_int_eq(tu_count_entries(k.folder), 1);
    drop_case(&k);
}
END_TEST

typedef struct reader_job {
    const blz_cache *cache;
    uint64_t result;
} reader_job;

static void *read_all(void *arg)
{
    reader_job *job = arg;
    job->result = digest(job->cache);
    return NULL;
}

START_TEST(concurrent_readers_agree)
{
    shared_case k;
    make_case(&k);
    blz_cache *c;
    ck_assert_int_eq(blz_cache_open(&c, k.path, BLZ_OPEN_VERIFY), BLZ_OK);
    /* The processes are forked before the reader threads start: a fork while other
     * threads allocate can leave the child's allocator locked (AddressSanitizer's is
     * not fork-safe). Both kinds still read at the same time. */
    pid_t children[READER_PROCESSES];
    for (int i = 0; i < READER_PROCESSES; i++)
        if ((children[i] = fork()) == 0)
            _exit(read_matches(&k));
    pthread_t threads[READER_THREADS];
    reader_job jobs[READER_THREADS];
    for (int i = 0; i < READER_THREADS; i++) {
        jobs[i] = (reader_job){ c, 0 };
        ck_assert_int_eq(pthread_create(&threads[i], NULL, read_all, &jobs[i]), 0);
    }
    for (int i = 0; i < READER_THREADS; i++) {
        pthread_join(threads[i], NULL);
        ck_assert_uint_eq(jobs[i].result, k.expected);
    }
    for (int i = 0; i < READER_PROCESSES; i++) {
        int raw;
        waitpid(children[i], &raw, 0);
        ck_assert(WIFEXITED(raw) && WEXITSTATUS(raw) == 0);
    }
    blz_cache_close(c);
    drop_case(&k);
}
END_TEST

static int64_t frames_in(const char *path)
{
    blz_cache *c;
    if (blz_cache_open(&c, path, 0) != BLZ_OK)
        return -1;
    int64_t frames = blz_cache_layout(c)->frames;
    blz_cache_close(c);
    return frames;
}

START_TEST(existing_file_is_kept_without_replace)
{
    char *dir = tu_tmpdir();
    char *path = tu_fmt("%s/stack.blz", dir);
    ck_assert_int_eq(tcu_write(path, &small, 5, TCU_RANDOM), BLZ_OK);
    ck_assert_int_eq(tcu_write(path, &small, 7, TCU_RANDOM), BLZ_ERR_EXISTS);
    ck_assert_int_eq(frames_in(path), 5);
    blz_writer_options replace = small;
    replace.flags = BLZ_WRITE_REPLACE;
    ck_assert_int_eq(tcu_write(path, &replace, 7, TCU_RANDOM), BLZ_OK);
    ck_assert_int_eq(frames_in(path), 7);
    ck_assert_int_eq(tu_count_entries(dir), 1);
    tu_rmtree(dir);
    free(dir);
    free(path);
}
END_TEST

START_TEST(file_appearing_during_write_is_kept)
{
    char *dir = tu_tmpdir();
    char *path = tu_fmt("%s/stack.blz", dir);
    blz_writer *w;
    ck_assert_int_eq(blz_writer_open(&w, path, &small), BLZ_OK);
    float *frame = calloc((size_t)small.height * small.width * small.channels, sizeof *frame);
    ck_assert_int_eq(blz_writer_add_frame(w, frame, 0, 0.0), BLZ_OK);
    ck_assert_int_eq(tcu_spit(path, (const unsigned char *)"mine", 4), 0);
    ck_assert_int_eq(blz_writer_finish(w), BLZ_ERR_EXISTS);
    blz_writer_free(w);
    size_t size;
    unsigned char *kept = tu_slurp(path, &size);
    ck_assert(size == 4 && memcmp(kept, "mine", 4) == 0);
    ck_assert_int_eq(tu_count_entries(dir), 1);
    free(kept);
    free(frame);
    tu_rmtree(dir);
    free(dir);
    free(path);
}
END_TEST

START_TEST(unfinished_writer_leaves_nothing)
{
    char *dir = tu_tmpdir();
    char *path = tu_fmt("%s/stack.blz", dir);
    blz_writer *w;
    ck_assert_int_eq(blz_writer_open(&w, path, &small), BLZ_OK);
    float *frame = calloc((size_t)small.height * small.width * small.channels, sizeof *frame);
    for (int t = 0; t < 10; t++)
        ck_assert_int_eq(blz_writer_add_frame(w, frame, t, t), BLZ_OK);
    ck_assert_int_eq(blz_writer_frames(w), 10);
    ck_assert_int_eq(tu_count_entries(dir), 1);   /* the temporary file */
    blz_writer_free(w);
    ck_assert_int_eq(tu_count_entries(dir), 0);
    ck_assert_int_eq(blz_writer_open(&w, path, &small), BLZ_OK);
    ck_assert_int_eq(blz_writer_finish(w), BLZ_ERR_EMPTY);
    blz_writer_free(w);
    ck_assert_int_eq(tu_count_entries(dir), 0);
    free(frame);
    tu_rmtree(dir);
    free(dir);
    free(path);
}
END_TEST

START_TEST(bad_destination_and_options)
{
    char *dir = tu_tmpdir();
    char *missing = tu_fmt("%s/no/such/folder/stack.blz", dir);
    blz_writer *w;
    ck_assert_int_eq(blz_writer_open(&w, missing, &small), BLZ_ERR_CREATE);
    ck_assert_ptr_null(w);
    blz_writer_options o = small;
    o.channels = 5;
    ck_assert_int_eq(blz_writer_open(&w, missing, &o), BLZ_ERR_RANGE);
    ck_assert_uint_eq(blz_writer_memory(&o), 0);
    o = small;
    o.codec = 9;
    ck_assert_int_eq(blz_writer_open(&w, missing, &o), BLZ_ERR_INVALID);
    o = small;
    o.ct = 4096;
    o.th = o.tw = 256;   /* 1 GiB chunks */
    ck_assert_int_eq(blz_writer_open(&w, missing, &o), BLZ_ERR_RANGE);
    tu_rmtree(dir);
    free(dir);
    free(missing);
}
END_TEST

static int create_in_read_only_folder(const void *arg)
{
    blz_writer *w;
    return blz_writer_open(&w, arg, &small) == BLZ_ERR_CREATE ? 0 : 1;
}

START_TEST(read_only_folder_refuses_writer)
{
    char *dir = tu_tmpdir();
    char *path = tu_fmt("%s/stack.blz", dir);
    ck_assert_int_eq(chmod(dir, 0555), 0);
    ck_assert_int_eq(in_child(create_in_read_only_folder, path, true), 0);
    ck_assert_int_eq(tu_count_entries(dir), 0);
    tu_rmtree(dir);
    free(dir);
    free(path);
}
END_TEST

START_TEST(memory_counts_both_blocks)
{
    blz_writer_options o = small;
    size_t block = (size_t)o.ct * o.height * o.width * o.channels * sizeof(float);
    size_t chunk = (size_t)o.ct * o.th * o.tw * o.channels * sizeof(float);
    size_t m = blz_writer_memory(&o);
    ck_assert_uint_ge(m, 2 * block + 2 * (size_t)o.threads * chunk);
    ck_assert_uint_le(m, 2 * block + 4 * (size_t)o.threads * chunk + 4096);
}
END_TEST

static int write_past_size_limit(const void *arg)
{
    signal(SIGXFSZ, SIG_IGN);
    struct rlimit limit = { 64 << 10, 64 << 10 };
    if (setrlimit(RLIMIT_FSIZE, &limit) != 0)
        return 91;
    blz_writer_options o = small;
    o.codec = BLZ_CODEC_RAW;
    int st = tcu_write(arg, &o, 40, TCU_RANDOM);   /* about 750 KiB */
    if (st != BLZ_ERR_IO || !strstr(blz_errmsg(), (const char *)arg))
        return 92;
    return 0;
}

START_TEST(size_limit_fails_cleanly)
{
    char *dir = tu_tmpdir();
    char *path = tu_fmt("%s/stack.blz", dir);
    ck_assert_int_eq(in_child(write_past_size_limit, path, false), 0);
    ck_assert_int_eq(tu_count_entries(dir), 0);
    tu_rmtree(dir);
    free(dir);
    free(path);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("cache_files");
    TCase *tc = tcase_create("files");
    tcase_add_test(tc, read_only_file_in_read_only_folder);
    tcase_add_test(tc, concurrent_readers_agree);
    tcase_add_test(tc, existing_file_is_kept_without_replace);
    tcase_add_test(tc, file_appearing_during_write_is_kept);
    tcase_add_test(tc, unfinished_writer_leaves_nothing);
    tcase_add_test(tc, bad_destination_and_options);
    tcase_add_test(tc, read_only_folder_refuses_writer);
    tcase_add_test(tc, memory_counts_both_blocks);
    tcase_add_test(tc, size_limit_fails_cleanly);
    suite_add_tcase(s, tc);
    return tu_run_suite(s);
}
