# tests/mpi.mk: queries split into bands of tile rows - the library hooks (threads
# standing for processes), and blitz-query over MPI ranks against the single process
# (configure --with-mpi).
check_PROGRAMS += tests/test_bands
TESTS += tests/test_bands
tests_test_bands_CFLAGS = $(TEST_CFLAGS) -pthread
tests_test_bands_LDADD = $(QUERY_TEST_LIBS)
tests_test_bands_LDFLAGS = -pthread

dist_check_SCRIPTS += tests/mpi_cli.sh
if BLZ_MPI
TESTS += tests/mpi_cli.sh
endif
