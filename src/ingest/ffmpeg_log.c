/*
 * ffmpeg_log.c - the log callback that records FFmpeg's messages in watches instead of
 * printing them (see ffmpeg_log.h for which messages are kept, and for whom).
 */
#include <pthread.h>
#include <string.h>

#include <libavcodec/avcodec.h>
#include <libavutil/log.h>

#include "ingest/ffmpeg_log.h"

static pthread_once_t installed = PTHREAD_ONCE_INIT;
static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;
static blz_ffmpeg_watch *registry;              /* live watches, guarded by registry_lock */
static _Thread_local blz_ffmpeg_watch *current; /* the watch of this thread's demuxing */

/* Demuxer warnings that mean the file is cut short or damaged (FFmpeg 5.1 wording:
 * Matroska "File ended prematurely", "... exceeds containing master element", AVI and
 * MOV "Packet corrupt", MOV "partial file", and the like). Benign warnings (timestamps,
 * unknown elements, probing limits) do not match. */
static const char *const damage_words[] = {
    "prematurely", "truncat", "corrupt", "exceeds containing", "partial file", "damaged",
    "incomplete", "resync",
};

static int speaks_of_damage(const char *line)
{
    for (size_t i = 0; i < sizeof damage_words / sizeof *damage_words; i++)
        if (strcasestr(line, damage_words[i]))
            return 1;
    return 0;
}

/* The registered watch a codec context reports to, or NULL. Caller holds the lock. */
static blz_ffmpeg_watch *watch_of_decoder(const AVCodecContext *codec)
{
    for (blz_ffmpeg_watch *w = registry; w; w = w->next)
        if (codec->opaque == w)
            return w;
    return NULL;
}

/* The line without its trailing newline, cut to fit size bytes with its terminator. */
static void keep_line(char *dest, size_t size, const char *line)
{
    size_t length = strcspn(line, "\r\n");
    if (length >= size)
        length = size - 1;
    memcpy(dest, line, length);
    dest[length] = '\0';
}

static void record(blz_ffmpeg_watch *w, int from_decoder, const char *line)
{
    blz_ffmpeg_report *r = &w->report;
    unsigned *count = from_decoder ? &r->decoder_count : &r->demuxer_count;
    if (*count == 0)
        keep_line(from_decoder ? r->decoder : r->demuxer,
                  from_decoder ? sizeof r->decoder : sizeof r->demuxer, line);
    (*count)++;
}

static void log_callback(void *context, int level, const char *format, va_list args)
{
    if (level > AV_LOG_WARNING || !context)
        return;
    int from_decoder = *(const AVClass *const *)context == avcodec_get_class();
    if (!from_decoder && !current)
        return;
    if (from_decoder && level > AV_LOG_ERROR)
        return;
    char line[256];
    int print_prefix = 0;
    av_log_format_line2(context, level, format, args, line, sizeof line, &print_prefix);
    if (level > AV_LOG_ERROR && !speaks_of_damage(line))
        return;
    pthread_mutex_lock(&registry_lock);
    blz_ffmpeg_watch *w = from_decoder ? watch_of_decoder(context) : current;
    if (w)
        record(w, from_decoder, line);
    pthread_mutex_unlock(&registry_lock);
}

static void install(void)
{
    av_log_set_callback(log_callback);
}

void blz_ffmpeg_silence(void)
{
    pthread_once(&installed, install);
}

void blz_ffmpeg_watch_start(blz_ffmpeg_watch *watch)
{
    pthread_mutex_lock(&registry_lock);
    watch->next = registry;
    registry = watch;
    pthread_mutex_unlock(&registry_lock);
}

void blz_ffmpeg_watch_stop(blz_ffmpeg_watch *watch)
{
    pthread_mutex_lock(&registry_lock);
    blz_ffmpeg_watch **link = &registry;
    while (*link && *link != watch)
        link = &(*link)->next;
    if (*link)
        *link = watch->next;
    pthread_mutex_unlock(&registry_lock);
}

blz_ffmpeg_watch *blz_ffmpeg_watch_enter(blz_ffmpeg_watch *watch)
{
    blz_ffmpeg_watch *previous = current;
    current = watch;
    return previous;
}

void blz_ffmpeg_watch_leave(blz_ffmpeg_watch *previous)
{
    current = previous;
}

void blz_ffmpeg_watch_read(blz_ffmpeg_watch *watch, blz_ffmpeg_report *out)
{
    pthread_mutex_lock(&registry_lock);
    *out = watch->report;
    pthread_mutex_unlock(&registry_lock);
}
