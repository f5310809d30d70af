# tools/local.mk: the command-line tools; each tool's files are listed in its own fragment.
noinst_LTLIBRARIES += libtoolcommon.la
libtoolcommon_la_SOURCES = tools/common.c tools/common.h tools/evex_strings.c \
	tools/evex_strings.h
libtoolcommon_la_CFLAGS = $(AM_CFLAGS)
include $(srcdir)/tools/ingest.mk
include $(srcdir)/tools/query.mk
