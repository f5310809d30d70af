/*
 * ffmpeg_log.h - FFmpeg's log turned from printing into evidence of damage.
 *
 * libblitz never prints: failures reach the caller as a status and one blz_errmsg()
 * line. FFmpeg logs warnings and errors to stderr by default, and those messages are
 * often the only sign that a file is truncated or damaged (the Matroska demuxer just
 * warns "File ended prematurely" and then reports a normal end of file). So the
 * FFmpeg-based sources install, process-wide and once, a log callback that never
 * prints but records messages for the source they concern, in a watch:
 *  - demuxer side: messages logged on the thread that holds the watch (set with
 *    blz_ffmpeg_watch_enter around avformat calls) by any context that is not a codec
 *    context: every error, and warnings that speak of truncation or corruption;
 *  - decoder side: errors logged by a codec context whose opaque field points to a
 *    registered watch, on any thread (decoder threads log from their own threads).
 * Every other message (image-sequence decoders running in parallel, FFmpeg's probing
 * decoders, verbose chatter) is dropped. Watches are safe to query while decoder
 * threads log into them.
 */
#ifndef BLITZ_INGEST_FFMPEG_LOG_H
#define BLITZ_INGEST_FFMPEG_LOG_H

/* What a watch has recorded: how many messages of each side and the first of each,
 * one line without FFmpeg's "[name @ address]" prefix. */
typedef struct blz_ffmpeg_report {
    unsigned demuxer_count, decoder_count;
    char demuxer[160], decoder[160];
} blz_ffmpeg_report;

typedef struct blz_ffmpeg_watch {
    struct blz_ffmpeg_watch *next;  /* link in the registry of live watches */
    blz_ffmpeg_report report;       /* guarded by the registry's lock */
} blz_ffmpeg_watch;

/* Install the recording callback (FFmpeg then never prints); safe from any thread. */
void blz_ffmpeg_silence(void);

/* Register a zeroed watch so codec contexts whose opaque points to it are heard;
 * blz_ffmpeg_watch_stop unregisters it (after its codec contexts are freed; a watch
 * never started is left alone). */
void blz_ffmpeg_watch_start(blz_ffmpeg_watch *watch);
void blz_ffmpeg_watch_stop(blz_ffmpeg_watch *watch);

/* Make watch the one demuxer messages of this thread go to; returns the previous one,
 * to be given back to blz_ffmpeg_watch_leave. */
blz_ffmpeg_watch *blz_ffmpeg_watch_enter(blz_ffmpeg_watch *watch);
void blz_ffmpeg_watch_leave(blz_ffmpeg_watch *previous);

/* A consistent copy of what watch has recorded so far. */
void blz_ffmpeg_watch_read(blz_ffmpeg_watch *watch, blz_ffmpeg_report *out);

#endif
