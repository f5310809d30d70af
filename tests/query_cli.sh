#!/bin/sh
# tests/query_cli.sh - blitz-query's reduction and stats commands from the command line:
# exit codes for bad input (64 usage, 66 no input), nothing written on failure, and
# results checked against numpy computing the fixture's values from their formula
# (frame t, value index i: (i // 16 + t) % 200; see tests/test_cache_util.c).
. "${top_srcdir:-.}/tests/cli_lib.sh"
fixture="$top_builddir/tests/test_cache_fixture"
dir=$work

"$fixture" "$dir/c.blz" 10 20 30 3 lz4 || { echo "cannot make the fixture"; exit 1; }


c="$dir/c.blz"
expect 64 "$query" frobnicate "$c" -o "$dir/x.npy"
expect 66 "$query" mean "$dir/missing.blz" -o "$dir/x.npy"
expect 64 "$query" mean "$c" --frames 3:x -o "$dir/x.npy"
expect 64 "$query" mean "$c" --frames 5:2 -o "$dir/x.npy"
expect 64 "$query" mean "$c" --frames 20:30 -o "$dir/x.npy"
expect 64 "$query" mean "$c" --frames 0:5:0 -o "$dir/x.npy"
expect 64 "$query" mean "$c" -o "$dir/x.png" --colormap jet
expect 64 "$query" mean "$c"
expect 64 "$query" mean "$c" -o "$dir/x.jpg"
expect 64 "$query" percentile "$c" -o "$dir/x.npy"
expect 64 "$query" median "$c" -o "$dir/x.npy" --p 10
expect 64 "$query" mean "$c" -o "$dir/x.npy" --nan sometimes
expect 64 "$query" mean "$c" -o "$dir/x.npy" --ram-budget 1K
expect 64 "$query" stats "$c" --percentiles 101
expect 73 "$query" mean "$c" -o "$dir/no/such/x.npy"
if [ "$(ls "$dir" | grep -v -e '^c.blz$' -e '^out$' -e '^err$')" != "" ]; then
    fail "failed commands left files behind: $(ls -a "$dir")"
fi

expect 0 "$query" mean "$c" --frames 1:10:2 -o "$dir/mean.npy" --double
expect 0 "$query" percentile "$c" --p 30 -o "$dir/p30.tif" --threads 2
expect 0 "$query" argmax "$c" -o "$dir/argmax.npy" --ram-budget 300K
expect 0 "$query" max "$c" -o "$dir/max.png" --clip 1,99
expect 0 "$query" stats "$c" --json --percentiles 0,50,99.65
mv "$dir/out" "$dir/stats.json"
/usr/bin/python3 - "$dir" <<'PY' || fail "see above"
import json, sys
import numpy as np
d = sys.argv[1]
i = np.arange(20 * 30 * 3)
a = np.stack([((i // 16 + t) % 200).reshape(20, 30, 3) for t in range(10)]).astype(np.float64)
mean = np.load(d + '/mean.npy')
assert mean.dtype == np.float64 and mean.shape == (20, 30, 3)
assert np.allclose(mean, a[1:10:2].mean(0), rtol=1e-12, atol=0)
assert (np.load(d + '/argmax.npy') == a.argmax(0)).all()
s = json.load(open(d + '/stats.json'))
assert s['frames'] == 10 and s['values'] == a.size and s['nan_count'] == 0
assert s['min'] == a.min() and s['max'] == a.max()
assert abs(s['mean'] - a.mean()) < 1e-9 and abs(s['std'] - a.std()) < 1e-9
for p in (0, 50, 99.65):
    assert s['percentiles']['%g' % p] == np.percentile(a, p), p
PY
[ -s "$dir/p30.tif" ] && [ -s "$dir/max.png" ] || { fail "missing outputs"; }

"$query" median "$c" --explain --ram-budget 64M >"$dir/plan" || fail "see above"
grep -q "resident memory" "$dir/plan" && grep -q "gather groups" "$dir/plan" || {
    echo "FAIL: --explain output"; cat "$dir/plan"; fail "see above"; }
[ ! -e "$dir/x.npy" ] || { fail "--explain wrote output"; }
finish
