# tests/mpi.mk: blitz-query over MPI ranks against the single process (configure --with-mpi).
dist_check_SCRIPTS += tests/mpi_cli.sh
if BLZ_MPI
TESTS += tests/mpi_cli.sh
endif
