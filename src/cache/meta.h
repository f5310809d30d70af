/*
 * meta.h - the metadata section: unique UTF-8 key/value pairs in insertion order.
 *
 * The writer collects pairs with blz_meta_set() and serialises them; the reader parses
 * and validates the section (bounds, UTF-8, no NUL, unique keys) into the same list.
 */
#ifndef BLITZ_CACHE_META_H
#define BLITZ_CACHE_META_H

#include <stddef.h>
#include <stdint.h>

typedef struct blz_meta {
    char **keys;
    char **values;
    size_t count, cap;
} blz_meta;

/* Add key = value, or replace the value of an existing key (BLZ_ERR_INVALID for an
 * empty key or text that is not UTF-8). */
int blz_meta_set(blz_meta *m, const char *key, const char *value);

/* Index of key, or -1. */
long blz_meta_find(const blz_meta *m, const char *key);

/* Serialised size and serialisation: u32 count, then (u32 length, bytes) pairs. */
size_t blz_meta_encoded_size(const blz_meta *m);
void blz_meta_encode(const blz_meta *m, unsigned char *out);

/* Parse and validate a section of size bytes (BLZ_ERR_FORMAT naming path). */
int blz_meta_decode(blz_meta *m, const unsigned char *data, uint64_t size, const char *path);

void blz_meta_free(blz_meta *m);

#endif
