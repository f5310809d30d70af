# src/ingest/decoders.mk: FFmpeg-based sources (video, image sequences), part of libblitz.
libblitz_la_SOURCES += src/ingest/file_list.c src/ingest/avframe_convert.c \
	src/ingest/ffmpeg_log.c src/ingest/video.c src/ingest/images.c
noinst_HEADERS += src/ingest/file_list.h src/ingest/avframe_convert.h src/ingest/ffmpeg_log.h
