# tests/ingest.mk: suites of the ingest driver, TIFF and .npy sources, transforms, CLI.
check_PROGRAMS += tests/test_transform tests/test_tiff tests/test_npy_source
TESTS += tests/test_transform tests/test_tiff tests/test_npy_source
tests_test_transform_SOURCES = tests/test_transform.c
tests_test_transform_CFLAGS = $(TEST_CFLAGS)
tests_test_transform_LDADD = $(TEST_LIBS)
tests_test_tiff_SOURCES = tests/test_tiff.c
tests_test_tiff_CFLAGS = $(TEST_CFLAGS) $(TIFF_CFLAGS)
tests_test_tiff_LDADD = $(TEST_LIBS) $(TIFF_LIBS)
tests_test_npy_source_SOURCES = tests/test_npy_source.c
tests_test_npy_source_CFLAGS = $(TEST_CFLAGS)
tests_test_npy_source_LDADD = $(TEST_LIBS)
check_PROGRAMS += tests/test_ingest
TESTS += tests/test_ingest
tests_test_ingest_SOURCES = tests/test_ingest.c
tests_test_ingest_CFLAGS = $(TEST_CFLAGS) $(TIFF_CFLAGS)
tests_test_ingest_LDADD = $(TEST_LIBS) $(TIFF_LIBS)
