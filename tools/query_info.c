/*
 * query_info.c - "blitz-query info" and "blitz-query verify": looking at a cache itself.
 *
 * info prints the geometry, the chunk shape and grid, the codec mix and compression,
 * the integer claims, the frame range and time span, and the metadata, as text or
 * (--json) as one JSON object. verify checks every chunk's stored bytes against the
 * index checksum, decodes the compressed ones and checks the values against the
 * index's integer claim, in parallel; it prints one line per bad chunk and a summary,
 * and exits 65 when anything is wrong.
 */
#include <getopt.h>
#include <math.h>
#include <omp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blitz/blitz.h"
#include "common.h"
#include "query_cmds.h"

enum { N_CODECS = 3 };

/* Parse "[--json] CACHE" (--json only when json is not NULL); -1 when --help was shown. */
static int parse_args(int argc, char **argv, const char *usage, bool *json, const char **path)
{
    static const struct option with_json[] = { { "json", no_argument, NULL, 'j' },
                                               { "help", no_argument, NULL, 'h' },
                                               { NULL, 0, NULL, 0 } };
    const struct option *longopts = json ? with_json : with_json + 1;
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        if (c == 'h') {
            fputs(usage, stdout);
            return -1;
        }
        if (c == 'j')
            *json = true;
        else
            return tool_usage_error("%s: unknown option '%s'", argv[0], argv[optind - 1]);
    }
    if (argc - optind != 1)
        return tool_usage_error("%s: expected one CACHE argument", argv[0]);
    *path = argv[optind];
    return 0;
}

typedef struct summary {
    int64_t codecs[N_CODECS];
    uint64_t stored;                 /* bytes of chunk data in the file */
    uint64_t values;                 /* bytes the chunks hold decoded */
    int64_t integer_chunks;          /* chunks whose entry claims integers */
    uint32_t int_limit;              /* the largest claim among them */
    int64_t first_source, last_source;
    double first_time, last_time;    /* NaN when unknown */
} summary;

static summary summarise(const blz_cache *c)
{
    const blz_layout *l = blz_cache_layout(c);
    summary s = { .values = (uint64_t)l->chunks * l->chunk_bytes };
    for (int64_t id = 0; id < l->chunks; id++) {
        blz_chunk_entry e;
        blz_cache_chunk_entry(c, id, &e);
        s.codecs[e.codec]++;
        s.stored += e.stored_size;
        s.integer_chunks += e.int_limit != 0;
        s.int_limit = e.int_limit > s.int_limit ? e.int_limit : s.int_limit;
    }
    blz_cache_frame_info(c, 0, &s.first_source, &s.first_time);
    blz_cache_frame_info(c, l->frames - 1, &s.last_source, &s.last_time);
    return s;
}

/* Text with backslashes and control characters shown as C escapes, so each pair stays
 * on one line and reads back unambiguously. */
static void print_escaped(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '\\')
            fputs("\\\\", stdout);
        else if (*p == '\n')
            fputs("\\n", stdout);
        else if (*p == '\t')
            fputs("\\t", stdout);
        else if (*p < 0x20 || *p == 0x7f)
            printf("\\x%02x", *p);
        else
            putchar(*p);
    }
}

static void print_text(const blz_cache *c, const summary *s)
{
    const blz_layout *l = blz_cache_layout(c);
    int major, minor;
    blz_cache_version(c, &major, &minor);
    printf("file        %s\n", blz_cache_path(c));
    printf("format      %d.%d, %llu bytes\n", major, minor,
           (unsigned long long)blz_cache_file_size(c));
    printf("frames      %lld (source frames %lld..%lld)\n", (long long)l->frames,
           (long long)s->first_source, (long long)s->last_source);
    if (isnan(s->first_time) || isnan(s->last_time))
        printf("time span   unknown\n");
    else
        printf("time span   %.6g s .. %.6g s\n", s->first_time, s->last_time);
    printf("geometry    %d x %d pixels (width x height), %d channel%s, float32\n", l->width,
           l->height, l->channels, l->channels == 1 ? "" : "s");
    printf("chunk       %d frames x %d rows x %d columns (%zu bytes)\n", l->ct, l->th, l->tw,
           l->chunk_bytes);
    printf("grid        %lld time blocks x %d tile rows x %d tile columns = %lld chunks\n",
           (long long)l->nt, l->ny, l->nx, (long long)l->chunks);
    printf("codecs      raw %lld, lz4 %lld, shuffle-lz4 %lld\n", (long long)s->codecs[0],
           (long long)s->codecs[1], (long long)s->codecs[2]);
    printf("stored      %llu bytes of chunk data for %llu bytes of values (ratio %.2f)\n",
           (unsigned long long)s->stored, (unsigned long long)s->values,
           (double)s->values / (double)s->stored);
    if (s->integer_chunks > 0)
        printf("integers    %lld of %lld chunks hold integers only, of magnitude below %lu\n",
               (long long)s->integer_chunks, (long long)l->chunks, (unsigned long)s->int_limit);
    else
        printf("integers    no chunk is known to hold integers only\n");
    for (size_t i = 0; i < blz_cache_meta_count(c); i++) {
        const char *key, *value;
        blz_cache_meta_at(c, i, &key, &value);
        printf("%-11s ", i == 0 ? "metadata" : "");
        print_escaped(key);
        fputs(" = ", stdout);
        print_escaped(value);
        putchar('\n');
    }
}

static void print_json_meta(const blz_cache *c)
{
    fputs("\"metadata\":{", stdout);
    for (size_t i = 0; i < blz_cache_meta_count(c); i++) {
        const char *key, *value;
        blz_cache_meta_at(c, i, &key, &value);
        if (i > 0)
            putchar(',');
        tool_json_string(key);
        putchar(':');
        tool_json_string(value);
    }
    putchar('}');
}

static void print_json(const blz_cache *c, const summary *s)
{
    const blz_layout *l = blz_cache_layout(c);
    int major, minor;
    blz_cache_version(c, &major, &minor);
    fputs("{\"path\":", stdout);
    tool_json_string(blz_cache_path(c));
    printf(",\"format\":\"%d.%d\",\"file_size\":%llu,\"frames\":%lld,\"height\":%d,"
           "\"width\":%d,\"channels\":%d,\"sample\":\"float32\",", major, minor,
           (unsigned long long)blz_cache_file_size(c), (long long)l->frames, l->height,
           l->width, l->channels);
    printf("\"chunk\":{\"frames\":%d,\"rows\":%d,\"columns\":%d,\"bytes\":%zu},"
           "\"grid\":{\"time_blocks\":%lld,\"rows\":%d,\"columns\":%d},\"chunks\":%lld,",
           l->ct, l->th, l->tw, l->chunk_bytes, (long long)l->nt, l->ny, l->nx,
           (long long)l->chunks);
    printf("\"codecs\":{\"raw\":%lld,\"lz4\":%lld,\"shuffle-lz4\":%lld},\"stored_bytes\":%llu,"
           "\"value_bytes\":%llu,\"compression_ratio\":", (long long)s->codecs[0],
           (long long)s->codecs[1], (long long)s->codecs[2], (unsigned long long)s->stored,
           (unsigned long long)s->values);
    tool_json_number((double)s->values / (double)s->stored);
    printf(",\"integer_chunks\":%lld,\"int_limit\":%lu", (long long)s->integer_chunks,
           (unsigned long)s->int_limit);
    printf(",\"first_source_frame\":%lld,\"last_source_frame\":%lld,\"first_timestamp\":",
           (long long)s->first_source, (long long)s->last_source);
    tool_json_number(s->first_time);
    fputs(",\"last_timestamp\":", stdout);
    tool_json_number(s->last_time);
    putchar(',');
    print_json_meta(c);
    fputs("}\n", stdout);
}

static const char info_usage[] =
    "usage: blitz-query info [--json] CACHE\n"
    "Describe CACHE: geometry, chunk shape and grid, codec mix and compression ratio,\n"
    "chunks known to hold integers, frame count and time span, metadata. --json prints\n"
    "one JSON object.\n";

int cmd_info(int argc, char **argv)
{
    bool json = false;
    const char *path;
    int st = parse_args(argc, argv, info_usage, &json, &path);
    if (st != 0)
        return st < 0 ? 0 : st;
    blz_cache *c;
    if ((st = blz_cache_open(&c, path, 0)) < 0)
        return tool_report(st);
    summary s = summarise(c);
    if (json)
        print_json(c, &s);
    else
        print_text(c, &s);
    blz_cache_close(c);
    return 0;
}

/* Check one chunk (the cache is open with BLZ_OPEN_VERIFY): its stored bytes against
 * the checksum, their decoding, and the values against the integer claim. */
static int check_chunk(const blz_cache *c, int64_t id, blz_chunk_buf *buf)
{
    const float *values;
    return blz_cache_chunk(c, id, buf, &values);
}

/* Status of every chunk, checked in parallel with one decode buffer per thread. */
static int check_all(const blz_cache *c, int *status)
{
    const int64_t chunks = blz_cache_layout(c)->chunks;
    bool out_of_memory = false;
#pragma omp parallel
    {
        blz_chunk_buf *buf = blz_chunk_buf_alloc(c);
        if (!buf) {
#pragma omp atomic write
            out_of_memory = true;
        }
#pragma omp for schedule(dynamic, 8)
        for (int64_t id = 0; id < chunks; id++)
            status[id] = buf ? check_chunk(c, id, buf) : BLZ_ERR_NOMEM;
        blz_chunk_buf_free(buf);
    }
    return out_of_memory ? BLZ_ERR_NOMEM : BLZ_OK;
}

static int64_t report_bad(const blz_cache *c, const int *status)
{
    const blz_layout *l = blz_cache_layout(c);
    const int64_t tiles = (int64_t)l->ny * l->nx;
    int64_t bad = 0;
    for (int64_t id = 0; id < l->chunks; id++) {
        if (status[id] == BLZ_OK)
            continue;
        blz_chunk_entry e;
        blz_cache_chunk_entry(c, id, &e);
        printf("%s: chunk %lld (time block %lld, tile row %lld, tile column %lld) at offset "
               "%llu: %s\n", blz_cache_path(c), (long long)id, (long long)(id / tiles),
               (long long)(id % tiles / l->nx), (long long)(id % l->nx),
               (unsigned long long)e.offset, blz_strerror(status[id]));
        bad++;
    }
    return bad;
}

static const char verify_usage[] =
    "usage: blitz-query verify CACHE\n"
    "Check the header, index, frame table and metadata of CACHE, then every chunk against\n"
    "its checksum and its values against the index's integer claim (compressed chunks are\n"
    "decoded). Prints one line per bad chunk and a summary; exit status 0 when the cache\n"
    "is sound, 65 when it is not.\n";

int cmd_verify(int argc, char **argv)
{
    const char *path;
    int st = parse_args(argc, argv, verify_usage, NULL, &path);
    if (st != 0)
        return st < 0 ? 0 : st;
    blz_cache *c;
    if ((st = blz_cache_open(&c, path, BLZ_OPEN_VERIFY)) < 0)
        return tool_report(st);
    const int64_t chunks = blz_cache_layout(c)->chunks;
    int *status = malloc((size_t)chunks * sizeof *status);
    st = status ? check_all(c, status) : BLZ_ERR_NOMEM;
    if (st < 0) {
        fprintf(stderr, "%s: %s: out of memory\n", tool_name, path);
        free(status);
        blz_cache_close(c);
        return tool_exit_code(st);
    }
    int64_t bad = report_bad(c, status);
    if (bad == 0)
        printf("%s: %lld chunks, all sound\n", path, (long long)chunks);
    else
        printf("%s: %lld of %lld chunks damaged\n", path, (long long)bad, (long long)chunks);
    free(status);
    blz_cache_close(c);
    return bad == 0 ? 0 : EXIT_DATAERR;
}
