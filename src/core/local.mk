# src/core/local.mk: error reporting and checked arithmetic shared by all modules.
libblitz_la_SOURCES += src/core/error.c
noinst_HEADERS += src/core/error_internal.h src/core/checked.h
