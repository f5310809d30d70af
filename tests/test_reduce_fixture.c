/*
 * test_reduce_fixture.c - stacks in memory, written as caches and .npy files, and
 * numpy results read back, for the query suites.
 */
#include "test_reduce_fixture.h"

#include <check.h>
#include <math.h>
#include <stdlib.h>

#include "testutil.h"

size_t rf_frame_values(const rf_stack *s)
{
    return (size_t)s->height * (size_t)s->width * (size_t)s->channels;
}

rf_stack rf_stack_make(int64_t frames, int32_t h, int32_t w, int32_t c, uint32_t max,
                       int nan_every, uint32_t seed)
{
    rf_stack s = { frames, h, w, c, NULL };
    size_t n = (size_t)frames * rf_frame_values(&s);
    s.values = malloc(n * sizeof(float));
    ck_assert_ptr_nonnull(s.values);
    tu_fill_ints(s.values, n, seed, max ? max : 1000000);
    for (size_t i = 0; i < n; i++) {
        if (!max)
            s.values[i] = s.values[i] / 997.0f - 300.0f;
        if (nan_every > 0 && (i % (size_t)nan_every == 3 || i % rf_frame_values(&s) == 0))
            s.values[i] = NAN;
    }
    return s;
}

void rf_stack_free(rf_stack *s)
{
    free(s->values);
    s->values = NULL;
}

int rf_write_cache(const rf_stack *s, const char *path, int ct, int th, int tw, int codec)
{
    blz_writer_options o = { .height = s->height, .width = s->width, .channels = s->channels,
                             .ct = ct, .th = th, .tw = tw, .codec = codec,
                             .flags = BLZ_WRITE_REPLACE };
    blz_writer *w;
    int st = blz_writer_open(&w, path, &o);
    if (st != BLZ_OK)
        return st;
    for (int64_t t = 0; t < s->frames && st == BLZ_OK; t++)
        st = blz_writer_add_frame(w, s->values + (size_t)t * rf_frame_values(s), t, NAN);
    if (st == BLZ_OK)
        st = blz_writer_finish(w);
    blz_writer_free(w);
    return st;
}

int rf_write_npy(const rf_stack *s, const char *path)
{
    int64_t shape[4] = { s->frames, s->height, s->width, s->channels };
    return blz_npy_write(path, BLZ_DTYPE_F32, s->values, s->channels == 1 ? 3 : 4, shape);
}

double *rf_load(const char *path, size_t n)
{
    blz_npy_header h;
    double *data = NULL;
    if (blz_npy_load(path, &h, &data) != BLZ_OK)
        return NULL;
    if (h.data_bytes / (size_t)h.item_size != n) {
        free(data);
        return NULL;
    }
    return data;
}

blz_cache *rf_open(const char *path)
{
    blz_cache *c = NULL;
    int st = blz_cache_open(&c, path, 0);
    ck_assert_msg(st == BLZ_OK, "open %s: %s", path, blz_errmsg());
    return c;
}

void rf_finish(blz_cache *c, rf_stack *s, char *dir, char *path)
{
    blz_cache_close(c);
    rf_stack_free(s);
    tu_rmtree(dir);
    free(path);
    free(dir);
}
