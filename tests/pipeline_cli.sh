#!/bin/sh
# tests/pipeline_cli.sh - blitz-query's pipeline options and its roi, pixel, export and
# stats commands from the command line: exit codes (64 for bad references, amounts,
# shapes, polygons and ROIs outside the frame), one line on stderr, nothing left behind
# on failure; the CSV layout of roi and pixel (frame, timestamp, values); --explain's
# references, budget and passes; and values checked against numpy computing the
# fixture's frames from their formula (frame t, value index i: (i // 16 + t) % 200).
. "${top_srcdir:-.}/tests/cli_lib.sh"
fixture="$top_builddir/tests/test_cache_fixture"
dir=$work

"$fixture" "$dir/c.blz" 12 20 30 1 lz4 || { echo "cannot make the fixture"; exit 1; }
/usr/bin/python3 -c "
import numpy as np
np.save('$dir/wrong.npy', np.ones((20, 31), np.float32))
np.save('$dir/bg.npy', np.arange(600, dtype=np.float32).reshape(20, 30) % 7)
b = np.arange(600, dtype=np.float32).reshape(20, 30) % 5
b[::4, ::3] = np.nan
np.save('$dir/bgnan.npy', b)
" || { echo "cannot make the images"; exit 1; }


c="$dir/c.blz"
for ref in mean:5 mean:5:2 frobnicate:0:3 sliding:mean sliding:mean:0 sliding:avg:3 \
    sliding-centred:mean:3:1 percentile:0:5 mean:0:5:1:1 sliding:median:3:-1; do
    expect 64 "$query" max "$c" --subtract "$ref" -o "$dir/x.npy"
done
expect 64 "$query" max "$c" --subtract mean --subtract-amount 1.5 -o "$dir/x.npy"
expect 64 "$query" max "$c" --divide mean --divide-amount -0.1 -o "$dir/x.npy"
expect 64 "$query" max "$c" --divide-amount 0.5 -o "$dir/x.npy"
expect 64 "$query" max "$c" --clamp 5,1 -o "$dir/x.npy"
expect 64 "$query" max "$c" --subtract "$dir/wrong.npy" -o "$dir/x.npy"
expect 66 "$query" max "$c" --subtract "$dir/missing.npy" -o "$dir/x.npy"
expect 64 "$query" max "$c" --subtract sliding:mean:12 -o "$dir/x.npy"
expect 64 "$query" max "$c" --subtract sliding:mean:3 --divide sliding:max:4 -o "$dir/x.npy"
expect 64 "$query" roi "$c" --polygon 1,1,5,5 -o "$dir/x.csv"
expect 64 "$query" roi "$c" --polygon 1,1,5,5,7 -o "$dir/x.csv"
expect 64 "$query" roi "$c" --rect 28,0,5,5 -o "$dir/x.csv"
expect 64 "$query" roi "$c" --polygon 1,1,40,2,3,9 -o "$dir/x.csv"
expect 64 "$query" roi "$c" --rect 1,1,2,2 --stat mode -o "$dir/x.csv"
expect 64 "$query" roi "$c" --rect 1,1,2,2
expect 64 "$query" roi "$c" -o "$dir/x.csv"
expect 64 "$query" pixel "$c" --at 30,0
expect 64 "$query" pixel "$c"
expect 64 "$query" export "$c" -o "$dir/x.png"
expect 64 "$query" export "$c" --subtract mean --ram-budget 2K -o "$dir/x.blz"
expect 73 "$query" export "$c" -o "$dir/no/such/x.blz"
expect 64 "$query" stats "$c" --divide-amount 0.5
expect 64 "$query" stats "$c" --subtract sliding:mean:13
if [ "$(ls "$dir" | grep -v -e '^c.blz$' -e '^out$' -e '^err$' -e '^wrong.npy$' -e '^bg.npy$' \
        -e '^bgnan.npy$')" != "" ]; then
    fail "failed commands left files behind: $(ls -a "$dir")"
fi

expect 0 "$query" max "$c" --subtract mean:0:4 --divide "$dir/bg.npy" --divide-amount 0.5 \
    -o "$dir/max.npy"
expect 0 "$query" median "$c" --subtract sliding-trailing:min:3 --scale 2 --offset 1 \
    -o "$dir/median.npy" --threads 2
expect 0 "$query" roi "$c" --rect 2,3,4,5 --polygon 0,0,9.5,0,0,7.25 --stat mean,max \
    --stat sum --subtract sliding:mean:4:1 -o "$dir/trace.csv"
expect 0 "$query" roi "$c" --rect 2,3,4,5 --stat median -o "$dir/trace.npy" --frames 2:11:3
expect 0 "$query" pixel "$c" --at 17,4 --abs --offset -50
mv "$dir/out" "$dir/pixel.csv"
expect 0 "$query" export "$c" --subtract median:0:12 --clamp -3,3 -o "$dir/e.blz"
expect 0 "$query" export "$dir/e.blz" -o "$dir/e.npy"
"$query" info "$dir/e.blz" >"$dir/info" || fail "see above"
grep -q "pipeline = --subtract median:0:12 --clamp -3,3" "$dir/info" || {
    echo "FAIL: the exported cache does not record its pipeline"; cat "$dir/info"; fail "see above"; }
pct=0,0.35,25,50,99.65,100
expect 0 "$query" stats "$c" --subtract mean:0:4 --divide "$dir/bg.npy" --divide-amount 0.5 \
    --json --percentiles $pct
mv "$dir/out" "$dir/stats1.json"
for threads in 1 2; do
    expect 0 "$query" stats "$c" --subtract "$dir/bgnan.npy" --scale 0.5 --frames 1:12:2 \
        --json --percentiles $pct --threads $threads
    mv "$dir/out" "$dir/stats2.$threads.json"
done
cmp -s "$dir/stats2.1.json" "$dir/stats2.2.json" || fail "stats differ between 1 and 2 threads"

# --explain with stages: the references, the budget split and every pass, in order.
explains() {
    plan=$1
    shift
    for line in "$@"; do
        grep -q -- "$line" "$dir/$plan" || { fail "$plan lacks '$line'"; cat "$dir/$plan"; }
    done
}
expect 0 "$query" max "$c" --subtract mean:0:4 --divide "$dir/bg.npy" --explain -o "$dir/x.npy"
mv "$dir/out" "$dir/plan.max"
explains plan.max "^plan for max on .* with stages --subtract mean:0:4 --divide" \
    "^  subtract  mean of frames 0:4: a pass of its own" \
    "^  divide    image .*bg.npy: read from its file" "^  budget .* reference images" \
    "^pass 1: the subtract reference, under" \
    "^pass 2: max of the processed frames, from each pixel's largest and smallest raw sample" \
    "^  resident memory"
expect 0 "$query" mean "$c" --subtract mean:0:4 --explain
mv "$dir/out" "$dir/plan.mean"
explains plan.mean "^pass 2: mean of the processed frames, the stages fused into it"
expect 0 "$query" min "$c" --subtract mean:0:4 --abs --explain
mv "$dir/out" "$dir/plan.min"
explains plan.min "^pass 2: min of the processed frames, the stages fused into it"
expect 0 "$query" stats "$c" --subtract sliding:mean:3 --explain
mv "$dir/out" "$dir/plan.stats"
explains plan.stats "sliding mean of 3 frames, BLITZ's window, lag 0: slides along" \
    "^pass 1: statistics .*figures" "^pass 2: statistics .*ranks" "^  strips .* rows each"
expect 0 "$query" export "$c" --subtract mean --divide mean --explain -o "$dir/movie/"
mv "$dir/out" "$dir/plan.export"
explains plan.export "^  divide    mean of all frames: the subtract image, copied" \
    "^pass 1: the subtract reference" "^pass 4: the processed frames written out"
[ ! -e "$dir/x.npy" ] && [ ! -e "$dir/movie" ] || fail "--explain wrote output"

/usr/bin/python3 - "$dir" <<'PY' || fail "see above"
import csv, json, sys
import numpy as np
d = sys.argv[1]
i = np.arange(20 * 30)
x = np.stack([((i // 16 + t) % 200).reshape(20, 30) for t in range(12)]).astype(np.float64)
f32 = lambda v: v.astype(np.float32).astype(np.float64)

bg = np.load(d + '/bg.npy').astype(np.float64)
den = 0.5 * bg + 0.5
p = f32((x - x[0:4].mean(0)) / den)
assert np.array_equal(np.load(d + '/max.npy'), p.max(0))

W = 3
p = f32(np.stack([(x[t] - x[t - W + 1:t + 1].min(0)) * 2 + 1 for t in range(W - 1, 12)]))
assert np.array_equal(np.load(d + '/median.npy'), np.median(p, 0))

rows = list(csv.reader(open(d + '/trace.csv')))
assert rows[0] == ['frame', 'timestamp', 'roi1_mean', 'roi1_max', 'roi1_sum', 'roi2_mean',
                   'roi2_max', 'roi2_sum'], rows[0]
W, lag = 4, 1
N = 12 - lag - W
p = f32(np.stack([x[lag + 1 + n] - x[lag + 1 + n:lag + n + W + 1].mean(0) for n in range(N)]))
assert [int(r[0]) for r in rows[1:]] == [lag + 1 + n for n in range(N)]
# the fixture's timestamps: 0.04 * (t + 1), unknown (empty) for frame 2
assert [r[1] for r in rows[1:3]] == ['', '0.16'], rows[1:3]
assert all(abs(float(r[1]) - 0.04 * (int(r[0]) + 1)) < 1e-9 for r in rows[2:])
yy, xx = np.mgrid[0:20, 0:30] + 0.5
tri = (xx / 9.5 + yy / 7.25) < 1
rect = np.zeros((20, 30), bool); rect[3:8, 2:6] = True
for r, frame in zip(rows[1:], p):
    got = [float(v) for v in r[2:]]
    want = [frame[rect].mean(), frame[rect].max(), frame[rect].sum(),
            frame[tri].mean(), frame[tri].max(), frame[tri].sum()]
    assert np.allclose(got, want, rtol=1e-12, atol=1e-12), (got, want)

trace = np.load(d + '/trace.npy')
assert trace.shape == (3, 1), trace.shape
assert np.array_equal(trace[:, 0], [np.median(x[t][rect]) for t in (2, 5, 8)])

rows = list(csv.reader(open(d + '/pixel.csv')))
assert rows[0] == ['frame', 'timestamp', 'value'], rows[0]
assert [float(r[2]) for r in rows[1:]] == list(np.abs(x[:, 4, 17] - 50))

def check_stats(name, p):
    s = json.load(open(d + '/' + name))
    v = p[~np.isnan(p)]
    assert s['frames'] == p.shape[0] and s['values'] == p.size, s
    assert s['nan_count'] == np.isnan(p).sum(), (s, np.isnan(p).sum())
    assert s['min'] == v.min() and s['max'] == v.max(), s
    assert abs(s['mean'] - v.mean()) <= 1e-12 * abs(v.mean()), (s, v.mean())
    assert abs(s['std'] - v.std()) <= 1e-10 * v.std(), (s, v.std())
    for q in (0, 0.35, 25, 50, 99.65, 100):
        assert s['percentiles']['%g' % q] == np.percentile(v, q), (q, s, np.percentile(v, q))

check_stats('stats1.json', f32((x - x[0:4].mean(0)) / den))
check_stats('stats2.1.json', f32((x[1:12:2] - np.load(d + '/bgnan.npy')) * 0.5))

e = np.load(d + '/e.npy')
assert e.dtype == np.float32 and e.shape == (12, 20, 30)
assert np.array_equal(e, f32(np.clip(x - np.median(x, 0), -3, 3)))
PY
finish
