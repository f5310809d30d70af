/*
 * ingest_args.c - blitz-ingest's options: --help text, parsing and validation.
 *
 * Every option value is checked here and refused with one line naming the option, so
 * the library only sees values in their domain. Defaults are the library's
 * (blz_ingest_options_init), plus a memory budget of half the available memory.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blitz/blitz.h"
#include "common.h"
#include "ingest_args.h"

static const char help_text[] =
    "Usage: blitz-ingest INPUT... -o CACHE [options]\n"
    "Decode a video, image folder/glob/list, TIFF stack or .npy once into a blitz cache.\n"
    "  -o, --output CACHE      cache file to write (an existing one needs --force)\n"
    "      --frames A:B[:S]    decoded frames A (inclusive) to B (exclusive), every S\n"
    "      --stream N          video stream index (default: the first video stream)\n"
    "      --rgb               keep colour; default gray = 0.299 R + 0.587 G + 0.114 B\n"
    "      --keep-luma-range   keep limited-range YUV luma as coded (default: expand)\n"
    "      --axes A            .npy axes: HW, THW, HWC, THWC (default: guessed)\n"
    "      --scale F | --size WxH   resize by area averaging\n"
    "      --crop X,Y,W,H      crop, in resized coordinates\n"
    "      --transpose --flip-x --flip-y   orient, after the crop, in that order\n"
    "      --codec C           raw, lz4 or shuffle-lz4 (default)\n"
    "      --chunk CTxTHxTW    chunk shape (default 32x64x64, CT fitted to the budget)\n"
    "      --threads N         decoding and compression threads (default: all cores)\n"
    "      --ram-budget SIZE   writer memory, e.g. 512M (default: half the free memory)\n"
    "      --force             replace an existing CACHE\n"
    "      --skip-bad          skip undecodable frames and record them in the cache\n"
    "  -q, --quiet             no progress on stderr\n"
    "      --json              print a JSON summary on stdout\n"
    "  -h, --help  -V, --version\n"
    "Exit status: 0 done, 64 usage, 65 bad data, 66 no input, 73 cannot create,\n"
    "74 I/O error, 130 interrupted. See blitz-ingest(1).\n";

enum {
    OPT_FRAMES = 256, OPT_STREAM, OPT_RGB, OPT_LUMA, OPT_AXES, OPT_SCALE, OPT_SIZE, OPT_CROP,
    OPT_TRANSPOSE, OPT_FLIP_X, OPT_FLIP_Y, OPT_CODEC, OPT_CHUNK, OPT_THREADS, OPT_BUDGET,
    OPT_FORCE, OPT_SKIP_BAD, OPT_JSON
};

static const struct option long_options[] = {
    { "output", required_argument, NULL, 'o' },
    { "frames", required_argument, NULL, OPT_FRAMES },
    { "stream", required_argument, NULL, OPT_STREAM },
    { "rgb", no_argument, NULL, OPT_RGB },
    { "keep-luma-range", no_argument, NULL, OPT_LUMA },
    { "axes", required_argument, NULL, OPT_AXES },
    { "scale", required_argument, NULL, OPT_SCALE },
    { "size", required_argument, NULL, OPT_SIZE },
    { "crop", required_argument, NULL, OPT_CROP },
    { "transpose", no_argument, NULL, OPT_TRANSPOSE },
    { "flip-x", no_argument, NULL, OPT_FLIP_X },
    { "flip-y", no_argument, NULL, OPT_FLIP_Y },
    { "codec", required_argument, NULL, OPT_CODEC },
    { "chunk", required_argument, NULL, OPT_CHUNK },
    { "threads", required_argument, NULL, OPT_THREADS },
    { "ram-budget", required_argument, NULL, OPT_BUDGET },
    { "force", no_argument, NULL, OPT_FORCE },
    { "skip-bad", no_argument, NULL, OPT_SKIP_BAD },
    { "quiet", no_argument, NULL, 'q' },
    { "json", no_argument, NULL, OPT_JSON },
    { "help", no_argument, NULL, 'h' },
    { "version", no_argument, NULL, 'V' },
    { NULL, 0, NULL, 0 }
};

/* Parse n positive integers separated by 'x' ("32x64x64"). */
static bool parse_dims(const char *s, int n, int32_t *out)
{
    char buf[64];
    if (strlen(s) >= sizeof buf)
        return false;
    strcpy(buf, s);
    char *p = buf;
    for (int i = 0; i < n; i++) {
        char *x = i + 1 < n ? strchr(p, 'x') : NULL;
        if (i + 1 < n && !x)
            return false;
        if (x)
            *x = '\0';
        long long v;
        if (!tool_parse_int(p, 1, INT32_MAX, &v))
            return false;
        out[i] = (int32_t)v;
        if (x)
            p = x + 1;
    }
    return true;
}

static bool parse_crop(const char *s, blz_geometry *g)
{
    long long v[4];
    if (!tool_parse_ints(s, 4, v) || v[0] < 0 || v[1] < 0 || v[2] < 1 || v[3] < 1 ||
        v[0] > INT32_MAX || v[1] > INT32_MAX || v[2] > INT32_MAX || v[3] > INT32_MAX)
        return false;
    g->crop_x = (int32_t)v[0];
    g->crop_y = (int32_t)v[1];
    g->crop_w = (int32_t)v[2];
    g->crop_h = (int32_t)v[3];
    return true;
}

static bool parse_axes(const char *s)
{
    static const char *const known[] = { "HW", "THW", "HWC", "THWC" };
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        if (strcmp(s, known[i]) == 0)
            return true;
    return false;
}

/* Apply one option with a value; false when the value is refused. */
static bool set_valued(int opt, const char *v, ingest_args *a)
{
    blz_ingest_options *o = &a->options;
    long long n;
    size_t size;
    int32_t dims[3];
    switch (opt) {
    case 'o': a->output = v; return *v != '\0';
    case OPT_FRAMES: return tool_parse_range(v, &o->start, &o->stop, &o->step);
    case OPT_STREAM:
        if (!tool_parse_int(v, 0, 1 << 20, &n))
            return false;
        o->stream = (int)n;
        return true;
    case OPT_AXES: o->axes = v; return parse_axes(v);
    case OPT_SCALE: return tool_parse_double(v, &o->geometry.scale) && o->geometry.scale > 0;
    case OPT_SIZE:
        if (!parse_dims(v, 2, dims))
            return false;
        o->geometry.size_w = dims[0];
        o->geometry.size_h = dims[1];
        return true;
    case OPT_CROP: return parse_crop(v, &o->geometry);
    case OPT_CODEC: o->codec = blz_codec_from_name(v); return o->codec >= 0;
    case OPT_CHUNK:
        if (!parse_dims(v, 3, dims))
            return false;
        o->ct = dims[0];
        o->th = dims[1];
        o->tw = dims[2];
        return true;
    case OPT_THREADS:
        if (!tool_parse_int(v, 1, 1024, &n))
            return false;
        o->threads = (int)n;
        return true;
    case OPT_BUDGET: return tool_parse_size(v, &size) && (o->ram_budget = size) > 0;
    default: return false;
    }
}

/* Apply one flag option. */
static void set_flag(int opt, ingest_args *a)
{
    blz_ingest_options *o = &a->options;
    switch (opt) {
    case OPT_RGB: o->rgb = 1; break;
    case OPT_LUMA: o->keep_luma_range = 1; break;
    case OPT_TRANSPOSE: o->geometry.transpose = 1; break;
    case OPT_FLIP_X: o->geometry.flip_x = 1; break;
    case OPT_FLIP_Y: o->geometry.flip_y = 1; break;
    case OPT_FORCE: o->replace = 1; break;
    case OPT_SKIP_BAD: o->skip_bad = 1; break;
    case OPT_JSON: a->json = true; break;
    default: a->quiet = true; break;
    }
}

static const char *option_name(int opt)
{
    for (const struct option *p = long_options; p->name; p++)
        if (p->val == opt)
            return p->name;
    return "?";
}

int ingest_args_parse(int argc, char **argv, ingest_args *a)
{
    memset(a, 0, sizeof *a);
    blz_ingest_options_init(&a->options);
    a->options.ram_budget = tool_default_budget();
    int opt;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, ":o:qhV", long_options, NULL)) != -1) {
        if (opt == 'h') {
            fputs(help_text, stdout);
            return 0;
        }
        if (opt == 'V') {
            printf("blitz-ingest %s\n", blz_version());
            return 0;
        }
        if (opt == '?')
            return tool_usage_error("unknown option %s", argv[optind - 1]);
        if (opt == ':')
            return tool_usage_error("option %s needs a value", argv[optind - 1]);
        const struct option *def = long_options;
        while (def->name && def->val != opt)
            def++;
        if (opt == 'q' || (def->name && def->has_arg == no_argument))
            set_flag(opt, a);
        else if (!set_valued(opt, optarg, a))
            return tool_usage_error("invalid value \"%s\" for --%s", optarg, option_name(opt));
    }
    if (a->options.geometry.scale != 0 && a->options.geometry.size_w != 0)
        return tool_usage_error("--scale and --size exclude each other");
    if (optind >= argc)
        return tool_usage_error("no INPUT given");
    if (!a->output)
        return tool_usage_error("no output given (-o CACHE)");
    a->inputs = (const char *const *)(argv + optind);
    a->n_inputs = (size_t)(argc - optind);
    return -1;
}
