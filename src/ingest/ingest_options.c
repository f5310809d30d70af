/*
 * ingest_options.c - default ingest options and their canonical text.
 *
 * The text is stored in every cache as the "ingest_options" metadata value, so that a
 * cache says how it was made: one line of key=value pairs in a fixed order, with the
 * chunk shape actually used and "end"/"none"/"auto" for defaults.
 */
#include <stdio.h>
#include <string.h>

#include "blitz/cache.h"
#include "blitz/ingest.h"
#include "core/error_internal.h"

void blz_ingest_options_init(blz_ingest_options *o)
{
    memset(o, 0, sizeof *o);
    o->stream = -1;
    o->stop = -1;
    o->step = 1;
    o->codec = BLZ_CODEC_SHUFFLE_LZ4;
}

static void resize_text(const blz_geometry *g, char *buf, size_t size)
{
    if (g->scale != 0)
        snprintf(buf, size, "scale:%.17g", g->scale);
    else if (g->size_w != 0 || g->size_h != 0)
        snprintf(buf, size, "%dx%d", g->size_w, g->size_h);
    else
        snprintf(buf, size, "none");
}

static void crop_text(const blz_geometry *g, char *buf, size_t size)
{
    if (g->crop_w != 0 || g->crop_h != 0 || g->crop_x != 0 || g->crop_y != 0)
        snprintf(buf, size, "%d,%d,%d,%d", g->crop_x, g->crop_y, g->crop_w, g->crop_h);
    else
        snprintf(buf, size, "none");
}

int blz_ingest_options_text(const blz_ingest_options *o, char *buf, size_t size)
{
    char stop[24], resize[64], crop[64];
    if (o->stop < 0)
        snprintf(stop, sizeof stop, "end");
    else
        snprintf(stop, sizeof stop, "%lld", (long long)o->stop);
    resize_text(&o->geometry, resize, sizeof resize);
    crop_text(&o->geometry, crop, sizeof crop);
    const char *codec = blz_codec_name(o->codec);
    const int n = snprintf(buf, size, "frames=%lld:%s:%lld stream=%d rgb=%d "
                           "keep_luma_range=%d axes=%s skip_bad=%d resize=%s crop=%s "
                           "transpose=%d flip_x=%d flip_y=%d codec=%s chunk=%dx%dx%d",
                           (long long)o->start, stop, (long long)o->step, o->stream,
                           o->rgb != 0, o->keep_luma_range != 0, o->axes ? o->axes : "auto",
                           o->skip_bad != 0, resize, crop, o->geometry.transpose != 0,
                           o->geometry.flip_x != 0, o->geometry.flip_y != 0,
                           codec ? codec : "unknown", o->ct, o->th, o->tw);
    if (n < 0 || (size_t)n >= size)
        return blz_fail(BLZ_ERR_RANGE, "ingest options text needs %d bytes, %zu given", n,
                        size);
    return BLZ_OK;
}
