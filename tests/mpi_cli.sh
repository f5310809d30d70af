#!/bin/sh
# tests/mpi_cli.sh - blitz-query spread over 1, 2, 4 and 9 MPI ranks (mpirun) gives the
# single-process results: every reduction and a subtract/divide pipeline with an image
# reference bit for bit, stats with exact counts, extremes and percentiles (mean and
# std within 1e-12 relative; with stages, computed on rank 0 alone), ROI traces
# (rectangles: counts and extremes exact, sums and means within 1e-12; polygons and
# medians exact), and a rank that cannot open the cache stops the job with one message
# naming it. The cache has 7 tile rows, so 9 ranks leave two without rows. Skipped (77)
# when blitz-query is built without MPI.
. "${top_srcdir:-.}/tests/cli_lib.sh"
grep -q '^#define HAVE_MPI 1' "$top_builddir/config.h" 2>/dev/null ||
    { echo "blitz-query is built without MPI (configure --with-mpi)"; exit 77; }
command -v mpirun >/dev/null || { echo "mpirun is not installed"; exit 77; }
py=/usr/bin/python3
export OMPI_MCA_rmaps_base_oversubscribe=1 OMPI_MCA_btl=self,vader OMPI_MCA_plm=isolated
root=""
[ "$(id -u)" -ne 0 ] || root="--allow-run-as-root"
# shellcheck disable=SC2086
mpi() { n=$1; shift; timeout 60 mpirun $root --oversubscribe -np "$n" "$@"; }

$py - "$work" <<'PY' || exit 99
import numpy as np, sys
r = np.random.default_rng(8)
stack = r.normal(100, 20, (37, 53, 61)).astype(np.float32)
stack[3, 5, 7] = np.nan
stack[10, 40:44, 2:9] = np.nan
np.save(sys.argv[1] + "/s.npy", stack)
np.save(sys.argv[1] + "/ref.npy", r.normal(5, 1, (53, 61)))
PY
"$ingest" "$work/s.npy" -o "$work/c.blz" --chunk 8x8x16 -q || exit 99
c="$work/c.blz"

# same_run NAME ARGS...: the single-process result vs $ranks ranks (cmp).
ranks="1 2 4 9"
same_run() {
    name=$1
    shift
    expect 0 "$query" "$@" -o "$work/$name.1p.npy"
    for n in $ranks; do
        expect 0 mpi "$n" "$query" "$@" -o "$work/$name.$n.npy"
        cmp -s "$work/$name.1p.npy" "$work/$name.$n.npy" ||
            fail "$name with $n ranks differs from the single process"
    done
}
same_run mean mean "$c"
ranks="2 9"
for op in sum min max std var median argmin argmax; do
    same_run "$op" "$op" "$c"
done
ranks="1 2 4 9"
same_run p30 percentile "$c" --p 30 --nan ignore
same_run pipe median "$c" --subtract "$work/ref.npy" --divide mean:0:10 --frames 2:30
same_run budget mean "$c" --subtract sliding:mean:5 --ram-budget 2M

# stats: text of the single process and of each rank count, compared field by field.
pct="0,0.35,25,50,99.65,100"
expect 0 "$query" stats "$c" --json --percentiles "$pct"
mv "$work/out" "$work/stats.1p.json"
for n in 2 4 9; do
    expect 0 mpi "$n" "$query" stats "$c" --json --percentiles "$pct"
    mv "$work/out" "$work/stats.$n.json"
done
$py - "$work" <<'PY' || fail "stats over ranks differ from the single process"
import json, sys
one = json.load(open(sys.argv[1] + "/stats.1p.json"))
assert one["nan_count"] == 29 and one["values"] == 37 * 53 * 61, one
for n in (2, 4, 9):
    got = json.load(open("%s/stats.%d.json" % (sys.argv[1], n)))
    for key in ("frames", "values", "nan_count", "min", "max", "percentiles"):
        assert got[key] == one[key], (n, key, got[key], one[key])
    for key in ("mean", "std"):
        assert abs(got[key] - one[key]) <= 1e-12 * abs(one[key]), (n, key, got[key], one[key])
PY

# stats with stages: rank 0 computes them alone, exactly as one process does.
expect 0 "$query" stats "$c" --json --subtract "$work/ref.npy" --divide mean:0:10
mv "$work/out" "$work/pstats.1p.json"
expect 0 mpi 2 "$query" stats "$c" --json --subtract "$work/ref.npy" --divide mean:0:10
cmp -s "$work/out" "$work/pstats.1p.json" || fail "stats with stages differ under mpirun"

# ROI traces: CSV of the single process and of 4 and 9 ranks.
rects="--rect 3,5,20,30 --rect 0,0,61,53 --rect 10,50,5,3 --rect 0,39,12,6
       --polygon 2.5,3.2,50.7,10,30,45.5,8,30 --polygon 0,0,61,53,0,53,61,0 --polygon 9,17,14,17,12,23"
for n in 1p 4 9; do
    run="$query"
    [ "$n" = 1p ] || run="mpi $n $query"
    # shellcheck disable=SC2086
    expect 0 $run roi "$c" $rects --stat mean,sum,min,max,count -o "$work/rect.$n.csv"
    # shellcheck disable=SC2086
    expect 0 $run roi "$c" --polygon 2,3,50,10,30,45 --rect 3,5,20,30 --stat mean,median \
        --subtract "$work/ref.npy" -o "$work/poly.$n.csv"
done
for n in 4 9; do
    cmp -s "$work/poly.1p.csv" "$work/poly.$n.csv" || fail "polygon/median trace with $n ranks"
done
$py - "$work" <<'PY' || fail "rectangle traces over ranks differ from the single process"
import numpy as np, sys
one = np.genfromtxt(sys.argv[1] + "/rect.1p.csv", delimiter=",", names=True)
assert len(one) == 37 and not np.isnan(one["roi4_mean"][10])
for n in (4, 9):
    got = np.genfromtxt("%s/rect.%d.csv" % (sys.argv[1], n), delimiter=",", names=True)
    for name in one.dtype.names:
        a, b = one[name], got[name]
        if name.endswith(("_mean", "_sum")):
            assert np.allclose(a, b, rtol=1e-12, atol=0, equal_nan=True), name
        else:
            assert np.array_equal(a, b, equal_nan=True), name
PY

# A ROI outside the frame fails as in one process (64), once, though it meets no band.
expect 64 "$query" roi "$c" --rect 0,60,5,5 -o "$work/bad.csv"
mpi 4 "$query" roi "$c" --rect 0,60,5,5 -o "$work/bad.csv" >"$work/out" 2>"$work/err"
got=$?
[ "$got" -eq 64 ] && [ "$(grep -c '^blitz-query: .*not inside' "$work/err")" -eq 1 ] &&
    [ ! -e "$work/bad.csv" ] || fail "a ROI outside the frame over 4 ranks: exit $got"

# A rank that cannot open the cache: one message from rank 0 naming rank 1, exit 66.
cat >"$work/split.sh" <<EOF
if [ "\$OMPI_COMM_WORLD_RANK" = 1 ]; then exec "$query" mean "$work/missing.blz" -o "$work/x.npy"
else exec "$query" mean "$c" -o "$work/x.npy"; fi
EOF
mpi 2 sh "$work/split.sh" >"$work/out" 2>"$work/err"
got=$?
[ "$got" -ne 0 ] && [ "$got" -ne 124 ] || fail "a rank without the cache: exit $got"
[ "$(grep -c '^blitz-query: ' "$work/err")" -eq 1 ] &&
    grep -q '^blitz-query: rank 1: .*missing.blz' "$work/err" ||
    fail "a rank without the cache: not one message naming rank 1: $(cat "$work/err")"
[ ! -e "$work/x.npy" ] || fail "a failed job wrote its output"
finish
