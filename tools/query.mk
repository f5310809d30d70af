# tools/query.mk: blitz-query, one file per group of subcommands.
bin_PROGRAMS += blitz-query
blitz_query_SOURCES = tools/blitz-query.c tools/query_cmds.h tools/query_info.c
blitz_query_LDADD = libblitz.la libtoolcommon.la
dist_man_MANS += docs/blitz-query.1
