/*
 * targets.c - what the fuzzers feed hostile bytes to: the .npy header parser and the
 * cache reader (open, per-chunk verify and decode, region reads). Any input must give
 * a status code, never a crash, a hang or a huge allocation.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "blitz/cache.h"
#include "blitz/npy.h"
#include "targets.h"

int blz_fuzz_npy(const uint8_t *data, size_t size)
{
    blz_npy_header h;
    return blz_npy_parse(data, size, "fuzz.npy", &h);
}

/* Read everything an opened cache offers; statuses are expected, crashes are not. */
static void read_all(blz_cache *c)
{
    const blz_layout *l = blz_cache_layout(c);
    blz_chunk_buf *buf = blz_chunk_buf_alloc(c);
    for (int64_t id = 0; buf && id < l->chunks && id < 4096; id++) {
        const float *v;
        if (blz_cache_verify_chunk(c, id) == BLZ_OK)
            blz_cache_chunk(c, id, buf, &v);
    }
    float *frame = malloc(l->frame_values * sizeof(float));
    for (int64_t t = 0; frame && buf && t < l->frames && t < 64; t++)
        blz_cache_read_region(c, t, 0, 0, l->width, l->height, buf, frame);
    for (size_t i = 0; i < blz_cache_meta_count(c); i++) {
        const char *k, *v;
        blz_cache_meta_at(c, i, &k, &v);
    }
    free(frame);
    blz_chunk_buf_free(buf);
}

int blz_fuzz_cache(const uint8_t *data, size_t size)
{
    int fd = memfd_create("fuzz.blz", MFD_CLOEXEC);
    if (fd < 0)
        return -1;
    int rc = -1;
    if (write(fd, data, size) == (ssize_t)size) {
        char path[64];
        snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
        blz_cache *c;
        rc = blz_cache_open(&c, path, BLZ_OPEN_VERIFY);
        if (rc == BLZ_OK) {
            read_all(c);
            blz_cache_close(c);
        }
    }
    close(fd);
    return rc;
}
