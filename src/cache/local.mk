# src/cache/local.mk: the cache file format, its writer and reader, part of libblitz_core.
libblitz_core_la_SOURCES += src/cache/format.c src/cache/codec.c src/cache/shuffle.c \
	src/cache/meta.c src/cache/tile.c src/cache/int_limit.c src/cache/sink.c \
	src/cache/flusher.c src/cache/sections.c src/cache/writer.c \
	src/cache/reader.c src/cache/chunk.c src/cache/region.c src/cache/view.c
noinst_HEADERS += src/cache/format.h src/cache/codec.h src/cache/shuffle.h \
	src/cache/meta.h src/cache/tile.h src/cache/int_limit.h src/cache/sink.h \
	src/cache/flusher.h src/cache/sections.h src/cache/reader.h
