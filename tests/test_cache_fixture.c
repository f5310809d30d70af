/*
 * test_cache_fixture.c - writes a small cache for the command-line tests.
 *
 *     test_cache_fixture PATH FRAMES HEIGHT WIDTH CHANNELS CODEC
 *
 * Frames are the smooth fixture ramp of test_cache_util.c (value (i / 16 + t) % 200),
 * chunks 4 x 16 x 16, and the metadata holds a value with quotes, a backslash, a
 * newline, a tab and non-ASCII text, to exercise escaping in info --json.
 */
#include <stdio.h>
#include <stdlib.h>

#include "blitz/blitz.h"
#include "test_cache_util.h"

int main(int argc, char **argv)
{
    if (argc != 7) {
        fprintf(stderr, "usage: %s PATH FRAMES HEIGHT WIDTH CHANNELS CODEC\n", argv[0]);
        return 64;
    }
    blz_writer_options o = { .height = atoi(argv[3]), .width = atoi(argv[4]),
                             .channels = atoi(argv[5]), .ct = 4, .th = 16, .tw = 16,
                             .codec = blz_codec_from_name(argv[6]) };
    blz_writer *w;
    int st = blz_writer_open(&w, argv[1], &o);
    if (st == BLZ_OK)
        st = blz_writer_set_meta(w, "odd \"key\"", "back\\slash\nnew line\ttab, grüße");
    size_t n = (size_t)o.height * (size_t)o.width * (size_t)o.channels;
    for (int64_t t = 0; st == BLZ_OK && t < atoll(argv[2]); t++) {
        tcu_frame(blz_writer_frame_slot(w), n, t, TCU_SMOOTH);
        st = blz_writer_commit_frame(w, tcu_source_index(t), tcu_timestamp(t + 1));
    }
    if (st == BLZ_OK)
        st = blz_writer_finish(w);
    if (st != BLZ_OK)
        fprintf(stderr, "%s: %s\n", argv[0], blz_errmsg());
    blz_writer_free(w);
    return st == BLZ_OK ? 0 : 1;
}
