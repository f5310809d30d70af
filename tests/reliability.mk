# tests/reliability.mk: damage, crash, bad-input and read-only-node tests (docs/RELIABILITY.md).
check_PROGRAMS += tests/test_bitflips
TESTS += tests/test_bitflips
tests_test_bitflips_LDADD = $(CACHE_TEST_LIBS)
dist_check_SCRIPTS += tests/reliability_crash.sh
TESTS += tests/reliability_crash.sh
EXTRA_DIST += tests/cli_lib.sh
dist_check_SCRIPTS += tests/reliability_readonly.sh
TESTS += tests/reliability_readonly.sh
dist_check_SCRIPTS += tests/reliability_inputs.sh
TESTS += tests/reliability_inputs.sh
dist_check_SCRIPTS += tests/reliability_damage.sh
TESTS += tests/reliability_damage.sh
