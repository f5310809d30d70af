# tests/query.mk: suites of the reductions, the page-budget scheduler and the outputs.
check_LTLIBRARIES += tests/libreducefixture.la
tests_libreducefixture_la_SOURCES = tests/test_reduce_fixture.c tests/test_reduce_fixture.h
QUERY_TEST_LIBS = tests/libreducefixture.la $(TEST_LIBS)

check_PROGRAMS += tests/test_reduce
TESTS += tests/test_reduce
tests_test_reduce_LDADD = $(QUERY_TEST_LIBS)
check_PROGRAMS += tests/test_plane_sums
TESTS += tests/test_plane_sums
tests_test_plane_sums_LDADD = $(TEST_LIBS)

check_PROGRAMS += tests/test_outputs
TESTS += tests/test_outputs
tests_test_outputs_CFLAGS = $(TEST_CFLAGS) $(TIFF_CFLAGS)
tests_test_outputs_LDADD = $(TEST_LIBS) $(TIFF_LIBS)

dist_check_SCRIPTS += tests/query_cli.sh
TESTS += tests/query_cli.sh

check_PROGRAMS += tests/test_budget
TESTS += tests/test_budget
tests_test_budget_LDADD = $(QUERY_TEST_LIBS)

check_PROGRAMS += tests/test_pipeline
TESTS += tests/test_pipeline
tests_test_pipeline_LDADD = $(QUERY_TEST_LIBS)

check_PROGRAMS += tests/test_sliding
TESTS += tests/test_sliding
tests_test_sliding_LDADD = $(QUERY_TEST_LIBS)

check_PROGRAMS += tests/test_roi
TESTS += tests/test_roi
tests_test_roi_LDADD = $(QUERY_TEST_LIBS)

dist_check_SCRIPTS += tests/pipeline_cli.sh
TESTS += tests/pipeline_cli.sh

dist_check_SCRIPTS += tests/export_png_cli.sh
TESTS += tests/export_png_cli.sh

check_PROGRAMS += tests/test_pipeline_budget
TESTS += tests/test_pipeline_budget
tests_test_pipeline_budget_LDADD = $(QUERY_TEST_LIBS)

check_PROGRAMS += tests/test_pipeline_plan
TESTS += tests/test_pipeline_plan
tests_test_pipeline_plan_LDADD = $(QUERY_TEST_LIBS)

check_PROGRAMS += tests/test_select
TESTS += tests/test_select

check_PROGRAMS += tests/test_transpose
TESTS += tests/test_transpose
