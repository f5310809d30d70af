/*
 * test_cache_util.c - fixtures for the cache suites (see test_cache_util.h).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "test_cache_util.h"
#include "testutil.h"

void tcu_frame(float *v, size_t n, int64_t t, int kind)
{
    if (kind == TCU_RANDOM) {
        tu_fill_ints(v, n, (uint32_t)(t + 1), 65535);
        return;
    }
    for (size_t i = 0; i < n; i++)
        v[i] = (float)((i / 16 + (size_t)t) % 200);
}

int64_t tcu_source_index(int64_t t)
{
    return 100 + 2 * t;
}

double tcu_timestamp(int64_t t)
{
    return t == 3 ? NAN : 0.04 * (double)t;
}

int tcu_write(const char *path, const blz_writer_options *o, int64_t frames, int kind)
{
    blz_writer *w;
    int st = blz_writer_open(&w, path, o);
    if (st < 0)
        return st;
    size_t n = (size_t)o->height * (size_t)o->width * (size_t)o->channels;
    if ((st = blz_writer_set_meta(w, "source", "fixture")) == 0)
        st = blz_writer_set_meta(w, "note", "grüße");
    for (int64_t t = 0; t < frames && st == 0; t++) {
        float *slot = blz_writer_frame_slot(w);
        tcu_frame(slot, n, t, kind);
        st = blz_writer_commit_frame(w, tcu_source_index(t), tcu_timestamp(t));
    }
    if (st == 0)
        st = blz_writer_finish(w);
    blz_writer_free(w);
    return st;
}

int tcu_spit(const char *path, const unsigned char *bytes, size_t size)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    size_t done = fwrite(bytes, 1, size, f);
    return fclose(f) == 0 && done == size ? 0 : -1;
}
