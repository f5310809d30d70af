# src/query/local.mk: sources of this module, part of libblitz.
libblitz_la_SOURCES +=
