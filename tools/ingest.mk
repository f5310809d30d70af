# tools/ingest.mk: blitz-ingest.
bin_PROGRAMS += blitz-ingest
blitz_ingest_SOURCES = tools/blitz-ingest.c
blitz_ingest_LDADD = libblitz.la libtoolcommon.la
dist_man_MANS += docs/blitz-ingest.1
