#!/bin/sh
# fuzz.sh - build the libFuzzer targets with clang and run each for a bounded time.
#   scripts/fuzz.sh [SECONDS]      (default 60 per target)
# Seeds: the inputs kept in tests/fuzz/regressions/ plus a small cache made here.
# A crash leaves its input in build-fuzz/crashes/: add it to tests/fuzz/regressions/
# once fixed, so make check replays it forever.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
seconds=${1:-60}
sh "$top/scripts/deps.sh"
for p in clang libomp-14-dev libclang-rt-14-dev; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || {
    sudo=""; [ "$(id -u)" -eq 0 ] || sudo=sudo
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$p" >/dev/null; }
done
dir="$top/build-fuzz"
# -Wno-pass-failed: at -O1 clang declines many "omp simd" loops (vectorisation hints for
# the release build) and would say so for each of them.
flags="-g -O1 -fsanitize=fuzzer-no-link,address,undefined -Wno-pass-failed"
sh "$top/scripts/build.sh" "$dir" --disable-shared --enable-fuzzers --disable-werror CC=clang \
  CFLAGS="$flags" LDFLAGS="-fsanitize=address,undefined"
cd "$dir"
make -s tests/fuzz/fuzz_npy tests/fuzz/fuzz_cache blitz-ingest
mkdir -p crashes corpus/npy corpus/cache
cp "$top"/tests/fuzz/regressions/npy/* corpus/npy/
cp "$top"/tests/fuzz/regressions/cache/* corpus/cache/ 2>/dev/null || true
/usr/bin/python3 -c "import numpy as np; np.save('seed.npy', (np.arange(2*5*7)%13).astype('<u2').reshape(2,5,7))"
./blitz-ingest seed.npy -o corpus/cache/seed-raw.blz --force --quiet --chunk 2x4x4
./blitz-ingest seed.npy -o corpus/cache/seed-lz4.blz --force --quiet --chunk 2x4x4 --codec shuffle-lz4
status=0
for target in npy cache; do
  echo "== fuzz_$target for ${seconds}s"
  ./tests/fuzz/fuzz_$target -max_total_time="$seconds" -max_len=65536 -rss_limit_mb=2048 \
    -artifact_prefix=crashes/ -print_final_stats=1 corpus/$target 2>fuzz_$target.log ||
    status=1
  grep -E "stat::number_of_executed_units|stat::peak_rss_mb|ERROR" fuzz_$target.log || true
done
[ "$status" -eq 0 ] && echo "fuzz: no crash" || { echo "fuzz: crashes in $dir/crashes"; exit 1; }
