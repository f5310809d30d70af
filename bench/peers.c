/*
 * peers.c - the plain-C baselines blitz is measured against in bench/run.
 *
 *   peers read FILE      map FILE afresh and sum its float32 values with all OpenMP
 *                        threads (a user's "plain C loop over a fresh mapping")
 *   peers cold FILE      drop FILE from the page cache, then read() it sequentially
 *                        (the disk's sequential read rate)
 *   peers drop FILE      only drop FILE from the page cache (before a cold blitz run)
 *   peers lz4 CACHE      LZ4_decompress_safe every compressed chunk of a blitz cache
 *                        with all OpenMP threads (shuffled chunks are not unshuffled)
 *
 * Each prints one JSON object: {"seconds": ..., "bytes": ..., "checksum": ...}.
 */
#include <errno.h>
#include <fcntl.h>
#include <lz4.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "blitz/cache.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void report(double seconds, unsigned long long bytes, double checksum)
{
    printf("{\"seconds\": %.6f, \"bytes\": %llu, \"checksum\": %.17g}\n", seconds, bytes,
           checksum);
}

static int open_sized(const char *path, size_t *size)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
        fprintf(stderr, "peers: %s: %s\n", path, strerror(errno));
        exit(66);
    }
    *size = (size_t)st.st_size;
    return fd;
}

static int mapped_sum(const char *path)
{
    size_t size;
    double t0 = now();
    int fd = open_sized(path, &size);
    const float *v = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0);
    close(fd);
    if (v == MAP_FAILED) {
        fprintf(stderr, "peers: %s: mmap: %s\n", path, strerror(errno));
        return 74;
    }
    size_t n = size / sizeof(float);
    double total = 0;
#pragma omp parallel for simd reduction(+ : total) schedule(static)
    for (size_t i = 0; i < n; i++)
        total += v[i];
    munmap((void *)v, size);
    report(now() - t0, (unsigned long long)size, total);
    return 0;
}

/* Write back and drop FILE's pages from the page cache; returns the open descriptor. */
static int drop_cached(const char *path)
{
    size_t size;
    int fd = open_sized(path, &size);
    fdatasync(fd);
    posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
    return fd;
}

static int drop_only(const char *path)
{
    double t0 = now();
    close(drop_cached(path));
    report(now() - t0, 0, 0);
    return 0;
}

static int cold_read(const char *path)
{
    int fd = drop_cached(path);
    enum { block = 16 << 20 };
    unsigned char *buf = malloc(block);
    unsigned long long total = 0, sum = 0;
    double t0 = now();
    ssize_t r;
    while (buf && (r = read(fd, buf, block)) > 0) {
        total += (unsigned long long)r;
        sum += buf[0];
    }
    report(now() - t0, total, (double)sum);
    free(buf);
    close(fd);
    return 0;
}

static int lz4_loop(const char *path)
{
    blz_cache *c;
    if (blz_cache_open(&c, path, 0) != BLZ_OK) {
        fprintf(stderr, "peers: %s\n", blz_errmsg());
        return 65;
    }
    const blz_layout *l = blz_cache_layout(c);
    size_t size;
    int fd = open_sized(path, &size);
    const char *base = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0);
    close(fd);
    double t0 = now(), sum = 0;
    unsigned long long bytes = 0;
#pragma omp parallel reduction(+ : sum, bytes)
    {
        /* on a cache line, as blitz's decode buffers are (malloc's would start 16
         * bytes in, and more of LZ4's wide copies would straddle two lines) */
        char *out = aligned_alloc(64, (l->chunk_bytes + 63) / 64 * 64);
#pragma omp for schedule(dynamic, 4)
        for (int64_t id = 0; id < l->chunks; id++) {
            blz_chunk_entry e;
            blz_cache_chunk_entry(c, id, &e);
            if (e.codec == BLZ_CODEC_RAW || !out)
                continue;
            int got = LZ4_decompress_safe(base + e.offset, out, (int)e.stored_size,
                                          (int)l->chunk_bytes);
            sum += got > 0 ? out[0] : 0;
            bytes += l->chunk_bytes;
        }
        free(out);
    }
    report(now() - t0, bytes, sum);
    munmap((void *)base, size);
    blz_cache_close(c);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: peers read|cold|drop|lz4 FILE\n");
        return 64;
    }
    if (!strcmp(argv[1], "read"))
        return mapped_sum(argv[2]);
    if (!strcmp(argv[1], "cold"))
        return cold_read(argv[2]);
    if (!strcmp(argv[1], "lz4"))
        return lz4_loop(argv[2]);
    if (!strcmp(argv[1], "drop"))
        return drop_only(argv[2]);
    fprintf(stderr, "peers: unknown mode %s\n", argv[1]);
    return 64;
}
