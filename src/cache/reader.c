/*
 * reader.c - opening a cache: map read-only, validate, and the accessors.
 *
 * The file is opened O_RDONLY|O_CLOEXEC (and O_NONBLOCK, so a FIFO given by mistake is
 * refused rather than waited on) and mapped PROT_READ|MAP_SHARED; the
 * descriptor is closed once mapped. Nothing is written, locked or created. On open the
 * header, the index (every entry's codec, alignment, order and bounds), the frame table
 * and the metadata are checked against their checksums and the format's rules.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cache/reader.h"
#include "core/checked.h"
#include "core/error_internal.h"

static int map_file(blz_cache *c)
{
    int fd = open(c->path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);   /* a FIFO must not block */
    if (fd < 0)
        return blz_fail(errno == ENOENT || errno == EACCES || errno == ENOTDIR ? BLZ_ERR_NOENT
                                                                                : BLZ_ERR_IO,
                        "%s: cannot open: %s", c->path, strerror(errno));
    struct stat st;
    int st_ok = fstat(fd, &st) == 0;
    int saved = errno;
    if (!st_ok || !S_ISREG(st.st_mode) || st.st_size < BLZ_HEADER_BLOCK) {
        close(fd);
        if (!st_ok)
            return blz_fail(BLZ_ERR_IO, "%s: cannot stat: %s", c->path, strerror(saved));
        return blz_fail(BLZ_ERR_FORMAT, "%s: %s", c->path, S_ISREG(st.st_mode)
                        ? "too small for a blitz cache (truncated?)" : "not a regular file");
    }
    c->size = (uint64_t)st.st_size;
    void *map = mmap(NULL, (size_t)c->size, PROT_READ, MAP_SHARED, fd, 0);
    saved = errno;
    close(fd);
    if (map == MAP_FAILED)
        return blz_fail(BLZ_ERR_IO, "%s: cannot map %llu bytes: %s", c->path,
                        (unsigned long long)c->size, strerror(saved));
    c->map = map;
    return BLZ_OK;
}

static int check_checksum(const blz_cache *c, const blz_section *s, const char *name)
{
    if (blz_hash(c->map + s->offset, s->size) != s->checksum)
        return blz_fail(BLZ_ERR_CHECKSUM, "%s: %s checksum mismatch (section at offset %llu)",
                        c->path, name, (unsigned long long)s->offset);
    return BLZ_OK;
}

static int load_index(blz_cache *c)
{
    const blz_section *s = &c->header.index;
    int st = check_checksum(c, s, "index");
    if (st < 0)
        return st;
    size_t n = (size_t)c->layout.chunks;   /* n * 32 == s->size <= file size */
    c->entries = malloc(n * sizeof *c->entries);
    if (!c->entries)
        return blz_fail(BLZ_ERR_NOMEM, "%s: cannot allocate the index", c->path);
    uint64_t previous_end = c->header.header_size;
    for (size_t i = 0; i < n; i++) {
        blz_chunk_entry *e = &c->entries[i];
        blz_entry_decode(c->map + s->offset + i * BLZ_INDEX_ENTRY, e);
        if ((st = blz_entry_check(e, (int64_t)i, &c->layout, c->header.header_size,
                                  previous_end, s->offset, c->path)) < 0)
            return st;
        previous_end = e->offset + e->stored_size;
    }
    return BLZ_OK;
}

static int load(blz_cache *c)
{
    int st;
    if ((st = map_file(c)) < 0 ||
        (st = blz_header_decode(c->map, c->size, c->path, &c->header, &c->layout)) < 0 ||
        (st = load_index(c)) < 0 ||
        (st = check_checksum(c, &c->header.frame_table, "frame table")) < 0 ||
        (st = check_checksum(c, &c->header.metadata, "metadata")) < 0)
        return st;
    c->frame_table = c->map + c->header.frame_table.offset;
    return blz_meta_decode(&c->meta, c->map + c->header.metadata.offset,
                           c->header.metadata.size, c->path);
}

int blz_cache_open(blz_cache **out, const char *path, unsigned flags)
{
    *out = NULL;
    blz_cache *c = calloc(1, sizeof *c);
    if (!c || !(c->path = strdup(path))) {
        free(c);
        return blz_fail(BLZ_ERR_NOMEM, "%s: out of memory", path);
    }
    c->flags = flags;
    int st = load(c);
    if (st < 0) {
        blz_cache_close(c);
        return st;
    }
    *out = c;
    return BLZ_OK;
}

void blz_cache_close(blz_cache *c)
{
    if (!c)
        return;
    if (c->map && !c->parent)
        munmap((void *)c->map, (size_t)c->size);
    free(c->entries);
    if (!c->parent)
        blz_meta_free(&c->meta);
    free(c->path);
    free(c);
}

const blz_layout *blz_cache_layout(const blz_cache *c) { return &c->layout; }
const char *blz_cache_path(const blz_cache *c) { return c->path; }
uint64_t blz_cache_file_size(const blz_cache *c) { return c->size; }

void blz_cache_version(const blz_cache *c, int *major, int *minor)
{
    *major = c->header.major;
    *minor = c->header.minor;
}

int blz_cache_chunk_entry(const blz_cache *c, int64_t id, blz_chunk_entry *entry)
{
    if (id < 0 || id >= c->layout.chunks)
        return blz_fail(BLZ_ERR_INVALID, "%s: chunk %lld outside 0..%lld", c->path,
                        (long long)id, (long long)c->layout.chunks - 1);
    *entry = c->entries[id];
    return BLZ_OK;
}

int blz_cache_frame_info(const blz_cache *c, int64_t t, int64_t *source_index,
                         double *timestamp)
{
    if (t < 0 || t >= c->layout.frames)
        return blz_fail(BLZ_ERR_INVALID, "%s: frame %lld outside 0..%lld", c->path,
                        (long long)t, (long long)c->layout.frames - 1);
    const unsigned char *entry = c->frame_table + (size_t)t * BLZ_FRAME_ENTRY;
    uint64_t bits = blz_load64(entry + 8);
    *source_index = (int64_t)blz_load64(entry);
    memcpy(timestamp, &bits, sizeof *timestamp);
    return BLZ_OK;
}

size_t blz_cache_meta_count(const blz_cache *c) { return c->meta.count; }

int blz_cache_meta_at(const blz_cache *c, size_t i, const char **key, const char **value)
{
    if (i >= c->meta.count)
        return blz_fail(BLZ_ERR_INVALID, "%s: metadata entry %zu outside 0..%zu", c->path, i,
                        c->meta.count);
    *key = c->meta.keys[i];
    *value = c->meta.values[i];
    return BLZ_OK;
}

const char *blz_cache_meta_get(const blz_cache *c, const char *key)
{
    long i = blz_meta_find(&c->meta, key);
    return i < 0 ? NULL : c->meta.values[i];
}
