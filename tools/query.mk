# tools/query.mk: blitz-query, one file per group of subcommands.
bin_PROGRAMS += blitz-query
blitz_query_SOURCES = tools/blitz-query.c tools/query_cmds.h tools/query_info.c
blitz_query_CFLAGS = $(AM_CFLAGS)
blitz_query_LDADD = libtoolcommon.la libblitz_core.la
blitz_query_SOURCES += tools/query_opts.c tools/query_opts.h tools/query_reduce.c \
	tools/query_stats.c
dist_man_MANS += docs/blitz-query.1
blitz_query_SOURCES += tools/query_roi.c tools/query_pixel.c tools/query_export.c \
	tools/query_table.c tools/query_table.h
if BLZ_MPI
blitz_query_SOURCES += tools/query_mpi.h tools/query_mpi.c
blitz_query_CFLAGS += $(MPI_CFLAGS)
blitz_query_LDADD += $(MPI_LIBS) -lm
else
blitz_query_SOURCES += tools/query_mpi.h tools/query_mpi_solo.c
endif
