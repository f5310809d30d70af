#!/bin/sh
# check.sh - set up, build and run the whole blitz test suite.
#   scripts/check.sh              the suite on a normal build (build/)
#   scripts/check.sh --sanitize   the suite under AddressSanitizer + UBSan (build-asan/)
#   scripts/check.sh --mpi        blitz-query built --with-mpi (build-mpi/): the tests that
#                                 run blitz-query, including the MPI ones over 1-9 ranks
# Prints the failing tests' logs and ends with "N passed, N failed".
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
sh "$top/scripts/deps.sh" "${1:-}"
if [ "${1:-}" = "--sanitize" ]; then
  dir="$top/build-asan"
  san="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined"
  sh "$top/scripts/build.sh" "$dir" --disable-shared CFLAGS="-O1 -g $san" LDFLAGS="$san"
  export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1
elif [ "${1:-}" = "--mpi" ]; then
  dir="$top/build-mpi"
  sh "$top/scripts/build.sh" "$dir" --with-mpi
  only="tests/mpi_cli.sh tests/query_cli.sh tests/pipeline_cli.sh tests/test_cache_cli.sh"
else
  dir="$top/build"
  sh "$top/scripts/build.sh" "$dir"
fi
cd "$dir"
find tests -name '*.trs' -delete 2>/dev/null || true
status=0
make -s -j"$(nproc)" check ${only:+TESTS="$only"} >/dev/null 2>&1 || status=$?
for log in $(find tests -name '*.log' ! -name 'test-suite.log'); do
  trs=${log%.log}.trs
  if [ -f "$trs" ] && grep -q '^:test-result: \(FAIL\|ERROR\)' "$trs"; then
    echo "=== $log"; cat "$log"
  fi
done
pass=$(grep -h '^:test-result: \(PASS\|XFAIL\|SKIP\)' $(find tests -name '*.trs') | wc -l)
fail=$(grep -h '^:test-result: \(FAIL\|ERROR\|XPASS\)' $(find tests -name '*.trs') | wc -l)
echo "tests: $pass passed, $fail failed"
[ "$status" -eq 0 ] && [ "$fail" -eq 0 ]
