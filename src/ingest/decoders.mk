# src/ingest/decoders.mk: FFmpeg-based sources (video, image sequences), part of libblitz.
libblitz_la_SOURCES +=
