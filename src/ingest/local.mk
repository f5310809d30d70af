# src/ingest/local.mk: the ingest driver, TIFF and .npy sources, geometry transforms.
libblitz_la_SOURCES += src/ingest/source.c src/ingest/samples.c src/ingest/tiff_stack.c \
	src/ingest/npy_source.c src/ingest/transform.c src/ingest/ingest.c \
	src/ingest/ingest_options.c src/ingest/input_bytes.c
noinst_HEADERS += src/ingest/source.h src/ingest/samples.h src/ingest/transform.h \
	src/ingest/input_bytes.h
