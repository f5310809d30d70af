# src/ingest/local.mk: frame sources without FFmpeg (.npy, TIFF stacks, the calls common
# to all sources), sample conversion and geometry transforms, part of libblitz_core (a
# query reads .npy and TIFF reference images through them).
libblitz_core_la_SOURCES += src/ingest/source.c src/ingest/samples.c src/ingest/tiff_stack.c \
	src/ingest/npy_source.c src/ingest/transform.c src/ingest/ingest_options.c \
	src/ingest/input_bytes.c
noinst_HEADERS += src/ingest/source.h src/ingest/samples.h src/ingest/transform.h \
	src/ingest/input_bytes.h
