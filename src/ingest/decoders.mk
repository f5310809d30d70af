# src/ingest/decoders.mk: FFmpeg-based sources (video, image sequences), part of libblitz.
libblitz_la_SOURCES += src/ingest/file_list.c src/ingest/avframe_convert.c
noinst_HEADERS += src/ingest/file_list.h src/ingest/avframe_convert.h
