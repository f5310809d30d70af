# tests/fuzz.mk: the fuzz entry points. The regression replay runs in make check; the
# libFuzzer programs are built with ./configure --enable-fuzzers CC=clang (scripts/fuzz.sh).
check_PROGRAMS += tests/test_fuzz_regressions
TESTS += tests/test_fuzz_regressions
tests_test_fuzz_regressions_SOURCES = tests/test_fuzz_regressions.c tests/fuzz/targets.c \
	tests/fuzz/targets.h
tests_test_fuzz_regressions_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/tests
EXTRA_DIST += tests/fuzz/regressions

if BLZ_FUZZ
noinst_PROGRAMS = tests/fuzz/fuzz_npy tests/fuzz/fuzz_cache
tests_fuzz_fuzz_npy_SOURCES = tests/fuzz/fuzz_npy.c tests/fuzz/targets.c
tests_fuzz_fuzz_npy_LDADD = libblitz.la
tests_fuzz_fuzz_npy_LDFLAGS = $(AM_LDFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_cache_SOURCES = tests/fuzz/fuzz_cache.c tests/fuzz/targets.c
tests_fuzz_fuzz_cache_LDADD = libblitz.la
tests_fuzz_fuzz_cache_LDFLAGS = $(AM_LDFLAGS) -fsanitize=fuzzer
endif
