/*
 * ffmpeg_log.c - silencing FFmpeg's log once per process (see ffmpeg_log.h).
 */
#include <pthread.h>

#include <libavutil/log.h>

#include "ingest/ffmpeg_log.h"

static pthread_once_t silenced = PTHREAD_ONCE_INIT;

static void silence(void)
{
    av_log_set_level(AV_LOG_QUIET);
}

void blz_ffmpeg_silence(void)
{
    pthread_once(&silenced, silence);
}
