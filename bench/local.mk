# bench/local.mk: baselines for bench/run, built on demand (make bench/peers), not installed.
EXTRA_PROGRAMS = bench/peers
bench_peers_SOURCES = bench/peers.c
bench_peers_CFLAGS = $(AM_CFLAGS) $(LZ4_CFLAGS)
bench_peers_LDADD = libblitz_core.la $(LZ4_LIBS)
CLEANFILES += bench/peers
