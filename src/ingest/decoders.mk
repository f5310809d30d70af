# src/ingest/decoders.mk: FFmpeg-based sources (video, image sequences), the choice of
# source for the inputs and the ingest driver that reaches them, part of libblitz_ffmpeg.
libblitz_ffmpeg_la_SOURCES += src/ingest/file_list.c src/ingest/avframe_convert.c \
	src/ingest/ffmpeg_log.c src/ingest/video.c src/ingest/images.c \
	src/ingest/source_open.c src/ingest/ingest.c
noinst_HEADERS += src/ingest/file_list.h src/ingest/avframe_convert.h src/ingest/ffmpeg_log.h
