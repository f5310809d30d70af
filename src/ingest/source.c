/*
 * source.c - the calls common to every frame source: next frame, close, and the list
 * of frames skipped as damaged. Each opener (source_open.c dispatches to them) callocs
 * the blz_source and sets its ops; the kind's close releases its state,
 * blz_source_close() the skip list and the source.
 */
#include <stdlib.h>

#include "blitz/error.h"
#include "core/error_internal.h"
#include "ingest/source.h"

int blz_source_next(blz_source *s, bool want, blz_frame *frame)
{
    return s->ops->next(s, want, frame);
}

void blz_source_close(blz_source *s)
{
    if (!s)
        return;
    if (s->ops && s->ops->close)
        s->ops->close(s);
    free(s->skipped);
    free(s);
}

int blz_source_note_skipped(blz_source *s, int64_t index)
{
    if (s->n_skipped == s->cap_skipped) {
        const size_t cap = s->cap_skipped ? 2 * s->cap_skipped : 16;
        int64_t *grown = realloc(s->skipped, cap * sizeof *grown);
        if (!grown)
            return blz_fail(BLZ_ERR_NOMEM, "out of memory recording skipped frame %lld",
                            (long long)index);
        s->skipped = grown;
        s->cap_skipped = cap;
    }
    s->skipped[s->n_skipped++] = index;
    return BLZ_OK;
}
