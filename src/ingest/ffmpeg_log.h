/*
 * ffmpeg_log.h - keeping FFmpeg's own log messages off stderr.
 *
 * libblitz never prints: failures reach the caller as a status and one blz_errmsg()
 * line. FFmpeg logs warnings and errors to stderr by default, so the FFmpeg-based
 * sources silence its log (process-wide, once) before they use it.
 */
#ifndef BLITZ_INGEST_FFMPEG_LOG_H
#define BLITZ_INGEST_FFMPEG_LOG_H

/* Set FFmpeg's log level to quiet; safe to call from several threads. */
void blz_ffmpeg_silence(void);

#endif
