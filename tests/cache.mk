# tests/cache.mk: suites of the cache format, writer and reader, and the info/verify CLI.
CACHE_TEST_LIBS = tests/libtestcache.la $(TEST_LIBS) $(XXHASH_LIBS)
check_LTLIBRARIES += tests/libtestcache.la
tests_libtestcache_la_SOURCES = tests/test_cache_util.c tests/test_cache_util.h

check_PROGRAMS += tests/test_cache_shuffle tests/test_int_limit tests/test_cache_roundtrip
TESTS += tests/test_cache_shuffle tests/test_int_limit tests/test_cache_roundtrip
tests_test_cache_shuffle_LDADD = $(CACHE_TEST_LIBS)
tests_test_int_limit_LDADD = $(CACHE_TEST_LIBS)
tests_test_cache_roundtrip_LDADD = $(CACHE_TEST_LIBS)
check_PROGRAMS += tests/test_cache_damage
TESTS += tests/test_cache_damage
tests_test_cache_damage_CFLAGS = $(TEST_CFLAGS) $(XXHASH_CFLAGS)
tests_test_cache_damage_LDADD = $(CACHE_TEST_LIBS)
check_PROGRAMS += tests/test_cache_files
TESTS += tests/test_cache_files
tests_test_cache_files_CFLAGS = $(TEST_CFLAGS) $(XXHASH_CFLAGS)
tests_test_cache_files_LDADD = $(CACHE_TEST_LIBS) -lpthread
check_PROGRAMS += tests/test_cache_fixture
tests_test_cache_fixture_LDADD = $(CACHE_TEST_LIBS)
dist_check_SCRIPTS += tests/test_cache_cli.sh
TESTS += tests/test_cache_cli.sh
check_PROGRAMS += tests/test_cache_view
TESTS += tests/test_cache_view
tests_test_cache_view_LDADD = $(CACHE_TEST_LIBS)
