# tests/local.mk: the test suite (make check). Check suites link libblitz and the shared
# helpers in testutil; each area lists its suites in its own fragment.
check_LTLIBRARIES = tests/libtestutil.la
tests_libtestutil_la_SOURCES = tests/testutil.c tests/testutil.h
tests_libtestutil_la_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
TEST_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
TEST_LIBS = tests/libtestutil.la libblitz.la $(CHECK_LIBS) -lm
# A suite tests/test_foo needs only "check_PROGRAMS += tests/test_foo" and
# "TESTS += tests/test_foo": its source is tests/test_foo.c and it links TEST_LIBS.
LDADD = $(TEST_LIBS)
AM_TESTS_ENVIRONMENT = top_srcdir='$(top_srcdir)'; top_builddir='$(top_builddir)'; \
	export top_srcdir top_builddir; CK_DEFAULT_TIMEOUT=600; export CK_DEFAULT_TIMEOUT;
include $(srcdir)/tests/cache.mk
include $(srcdir)/tests/ingest.mk
include $(srcdir)/tests/decoders.mk
include $(srcdir)/tests/query.mk

check_PROGRAMS += tests/test_npy
TESTS += tests/test_npy
include $(srcdir)/tests/fuzz.mk
include $(srcdir)/tests/reliability.mk
include $(srcdir)/tests/mpi.mk
