# src/ingest/local.mk: the ingest driver, TIFF and .npy sources, geometry transforms.
libblitz_la_SOURCES += src/ingest/transform.c
noinst_HEADERS += src/ingest/source.h src/ingest/transform.h
