# tools/ingest.mk: blitz-ingest (sources, man page).
bin_PROGRAMS += blitz-ingest
blitz_ingest_SOURCES = tools/blitz-ingest.c tools/ingest_args.c tools/ingest_args.h \
	tools/ingest_progress.c tools/ingest_progress.h
blitz_ingest_CFLAGS = $(AM_CFLAGS)
blitz_ingest_LDADD = libtoolcommon.la libblitz_ffmpeg.la libblitz_core.la
dist_man_MANS += docs/blitz-ingest.1
