# tests/ingest.mk: suites of the ingest driver, TIFF and .npy sources, transforms, CLI.
check_PROGRAMS += tests/test_transform tests/test_tiff tests/test_npy_source
TESTS += tests/test_transform tests/test_tiff tests/test_npy_source
tests_test_tiff_CFLAGS = $(TEST_CFLAGS) $(TIFF_CFLAGS)
tests_test_tiff_LDADD = $(TEST_LIBS) $(TIFF_LIBS)
check_PROGRAMS += tests/test_ingest
TESTS += tests/test_ingest
tests_test_ingest_CFLAGS = $(TEST_CFLAGS) $(TIFF_CFLAGS)
tests_test_ingest_LDADD = $(TEST_LIBS) $(TIFF_LIBS)
dist_check_SCRIPTS += tests/ingest_cli.sh
TESTS += tests/ingest_cli.sh
