# tests/ingest.mk: suites of the ingest driver, TIFF and .npy sources, transforms, CLI.
check_PROGRAMS += tests/test_transform
TESTS += tests/test_transform
tests_test_transform_SOURCES = tests/test_transform.c
tests_test_transform_CFLAGS = $(TEST_CFLAGS)
tests_test_transform_LDADD = $(TEST_LIBS)
