# src/io/local.mk: sources of this module, part of libblitz.
libblitz_la_SOURCES +=
libblitz_la_SOURCES += src/io/npy.c
