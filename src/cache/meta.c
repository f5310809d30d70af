/*
 * meta.c - building, serialising and parsing the metadata section.
 *
 * Parsing trusts nothing: the pair count is checked against the section size before
 * anything is allocated (each pair takes at least 8 bytes), every length against the
 * bytes left, every string for UTF-8 without NUL, and the keys for uniqueness (sorted
 * copy, so a hostile count cannot make it quadratic). Trailing bytes are an error.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "blitz/error.h"
#include "cache/format.h"
#include "cache/meta.h"
#include "core/error_internal.h"

/* Length of the UTF-8 sequence starting at s (n bytes left), 0 if invalid. */
static size_t utf8_sequence(const unsigned char *s, size_t n)
{
    if (s[0] < 0x80)
        return s[0] != 0;
    size_t len = s[0] >= 0xF0 ? 4 : s[0] >= 0xE0 ? 3 : s[0] >= 0xC2 ? 2 : 0;
    if (len == 0 || s[0] > 0xF4 || len > n)
        return 0;
    for (size_t i = 1; i < len; i++)
        if ((s[i] & 0xC0) != 0x80)
            return 0;
    if ((s[0] == 0xE0 && s[1] < 0xA0) || (s[0] == 0xED && s[1] > 0x9F) ||
        (s[0] == 0xF0 && s[1] < 0x90) || (s[0] == 0xF4 && s[1] > 0x8F))
        return 0;   /* overlong, surrogate or beyond U+10FFFF */
    return len;
}

static bool valid_text(const unsigned char *s, size_t n)
{
    for (size_t i = 0, len; i < n; i += len)
        if ((len = utf8_sequence(s + i, n - i)) == 0)
            return false;
    return true;
}

long blz_meta_find(const blz_meta *m, const char *key)
{
    for (size_t i = 0; i < m->count; i++)
        if (strcmp(m->keys[i], key) == 0)
            return (long)i;
    return -1;
}

static int grow(blz_meta *m)
{
    if (m->count < m->cap)
        return BLZ_OK;
    size_t cap = m->cap ? 2 * m->cap : 16;
    char **keys = realloc(m->keys, cap * sizeof *keys);
    if (keys)
        m->keys = keys;
    char **values = keys ? realloc(m->values, cap * sizeof *values) : NULL;
    if (!values)
        return blz_fail(BLZ_ERR_NOMEM, "metadata: out of memory");
    m->values = values;
    m->cap = cap;
    return BLZ_OK;
}

int blz_meta_set(blz_meta *m, const char *key, const char *value)
{
    size_t klen = strlen(key), vlen = strlen(value);
    if (klen == 0 || klen > UINT32_MAX || vlen > UINT32_MAX ||
        !valid_text((const unsigned char *)key, klen) ||
        !valid_text((const unsigned char *)value, vlen))
        return blz_fail(BLZ_ERR_INVALID, "metadata key \"%.64s\": empty, too long or not UTF-8",
                        key);
    char *copy = strdup(value);
    if (!copy)
        return blz_fail(BLZ_ERR_NOMEM, "metadata: out of memory");
    long at = blz_meta_find(m, key);
    if (at >= 0) {
        free(m->values[at]);
        m->values[at] = copy;
        return BLZ_OK;
    }
    char *key_copy = strdup(key);
    if (!key_copy || grow(m) < 0) {
        free(copy);
        free(key_copy);
        return blz_fail(BLZ_ERR_NOMEM, "metadata: out of memory");
    }
    m->keys[m->count] = key_copy;
    m->values[m->count++] = copy;
    return BLZ_OK;
}

size_t blz_meta_encoded_size(const blz_meta *m)
{
    size_t size = 4;
    for (size_t i = 0; i < m->count; i++)
        size += 8 + strlen(m->keys[i]) + strlen(m->values[i]);
    return size;
}

static unsigned char *put_string(unsigned char *p, const char *s)
{
    size_t n = strlen(s);
    blz_store32(p, (uint32_t)n);
    memcpy(p + 4, s, n);
    return p + 4 + n;
}

void blz_meta_encode(const blz_meta *m, unsigned char *out)
{
    blz_store32(out, (uint32_t)m->count);
    unsigned char *p = out + 4;
    for (size_t i = 0; i < m->count; i++) {
        p = put_string(p, m->keys[i]);
        p = put_string(p, m->values[i]);
    }
}

/* Read one length-prefixed string at *pos of data[0..size) into a new C string. */
static int take_string(const unsigned char *data, uint64_t size, uint64_t *pos,
                       const char *path, char **out)
{
    if (size - *pos < 4)
        return blz_fail(BLZ_ERR_FORMAT, "%s: metadata truncated at byte %llu", path,
                        (unsigned long long)*pos);
    uint64_t len = blz_load32(data + *pos);
    *pos += 4;
    if (size - *pos < len)
        return blz_fail(BLZ_ERR_FORMAT, "%s: metadata string of %llu bytes at byte %llu runs "
                        "past the section", path, (unsigned long long)len,
                        (unsigned long long)*pos);
    if (!valid_text(data + *pos, len))
        return blz_fail(BLZ_ERR_FORMAT, "%s: metadata string at byte %llu is not UTF-8 "
                        "without NUL", path, (unsigned long long)*pos);
    *out = strndup((const char *)data + *pos, len);
    *pos += len;
    return *out ? BLZ_OK : blz_fail(BLZ_ERR_NOMEM, "%s: out of memory", path);
}

static int compare_keys(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int check_unique(const blz_meta *m, const char *path)
{
    if (m->count < 2)
        return BLZ_OK;
    char **sorted = malloc(m->count * sizeof *sorted);
    if (!sorted)
        return blz_fail(BLZ_ERR_NOMEM, "%s: out of memory", path);
    memcpy(sorted, m->keys, m->count * sizeof *sorted);
    qsort(sorted, m->count, sizeof *sorted, compare_keys);
    int st = BLZ_OK;
    for (size_t i = 1; i < m->count && st == BLZ_OK; i++)
        if (strcmp(sorted[i - 1], sorted[i]) == 0)
            st = blz_fail(BLZ_ERR_FORMAT, "%s: metadata key \"%.64s\" appears twice", path,
                          sorted[i]);
    free(sorted);
    return st;
}

static int decode_pairs(blz_meta *m, const unsigned char *data, uint64_t size, uint64_t count,
                        const char *path)
{
    uint64_t pos = 4;
    for (uint64_t i = 0; i < count; i++, m->count++) {
        int st = take_string(data, size, &pos, path, &m->keys[i]);
        if (st < 0)
            return st;
        if ((st = take_string(data, size, &pos, path, &m->values[i])) < 0) {
            free(m->keys[i]);
            return st;
        }
        if (m->keys[i][0] == '\0') {
            free(m->keys[i]);
            free(m->values[i]);
            return blz_fail(BLZ_ERR_FORMAT, "%s: empty metadata key", path);
        }
    }
    if (pos != size)
        return blz_fail(BLZ_ERR_FORMAT, "%s: %llu stray bytes after the metadata", path,
                        (unsigned long long)(size - pos));
    return BLZ_OK;
}

int blz_meta_decode(blz_meta *m, const unsigned char *data, uint64_t size, const char *path)
{
    *m = (blz_meta){ 0 };
    uint64_t count = blz_load32(data);
    if (count > (size - 4) / 8)
        return blz_fail(BLZ_ERR_FORMAT, "%s: metadata claims %llu pairs in %llu bytes", path,
                        (unsigned long long)count, (unsigned long long)size);
    if (count > 0) {
        m->keys = calloc(count, sizeof *m->keys);
        m->values = calloc(count, sizeof *m->values);
        m->cap = count;
        if (!m->keys || !m->values)
            return blz_fail(BLZ_ERR_NOMEM, "%s: out of memory", path);
    }
    int st = decode_pairs(m, data, size, count, path);
    return st < 0 ? st : check_unique(m, path);
}

void blz_meta_free(blz_meta *m)
{
    for (size_t i = 0; i < m->count; i++) {
        free(m->keys[i]);
        free(m->values[i]);
    }
    free(m->keys);
    free(m->values);
    *m = (blz_meta){ 0 };
}
