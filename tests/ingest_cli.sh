#!/bin/sh
# ingest_cli.sh - blitz-ingest's command line: exit codes, messages, --json, --help.
#
# Every failure must print exactly one line "blitz-ingest: ..." on stderr, exit with its
# sysexits code, and leave nothing at the output path. A small video made by ffmpeg is
# ingested end to end and the --json summary is checked field by field with python.
. "${top_srcdir:-.}/tests/cli_lib.sh"
tool=$ingest



/usr/bin/python3 -c 'import numpy as np; np.save("'"$work"'/a.npy", np.arange(4*6*5, dtype="<u2").reshape(4, 6, 5))' ||
    exit 99

expect 66 "$tool" "$work/none.npy" -o "$work/x.blz"
: >"$work/empty.mp4"
expect 65 "$tool" "$work/empty.mp4" -o "$work/x.blz"
grep -q 'empty.mp4: empty file' "$work/err" || fail "empty input: $(cat "$work/err")"
rm "$work/empty.mp4"
expect 64 "$tool" "$work/a.npy"
expect 64 "$tool" -o "$work/x.blz"
expect 64 "$tool" "$work/a.npy" -o "$work/x.blz" --bogus
expect 64 "$tool" "$work/a.npy" -o "$work/x.blz" --codec zip
expect 64 "$tool" "$work/a.npy" -o "$work/x.blz" --frames 5:2
expect 64 "$tool" "$work/a.npy" -o "$work/x.blz" --chunk 32x64
expect 64 "$tool" "$work/a.npy" -o "$work/x.blz" --scale 0.5 --size 2x2
expect 64 "$tool" "$work/a.npy" -o "$work/x.blz" --axes TXY
expect 64 "$tool" "$work/a.npy" -o "$work/x.blz" --crop 3,0,4,2
expect 64 "$tool" "$work/a.npy" -o "$work/x.blz" --ram-budget 100
expect 73 "$tool" "$work/a.npy" -o "$work/no/such/dir/x.blz"
[ -e "$work/x.blz" ] && fail "a failed ingest left $work/x.blz"

expect 0 "$tool" "$work/a.npy" -o "$work/x.blz" --quiet
expect 73 "$tool" "$work/a.npy" -o "$work/x.blz"
expect 0 "$tool" "$work/a.npy" -o "$work/x.blz" --force --quiet --frames 1:3
[ "$(ls "$work" | wc -l)" -eq 4 ] || fail "temporary files left: $(ls "$work")"

expect 0 "$tool" --help
[ "$(wc -l <"$work/out")" -le 24 ] || fail "--help is longer than 24 lines"
for opt in --stream --rgb --keep-luma-range --axes --frames --scale --size --crop \
           --transpose --flip-x --flip-y --codec --chunk --threads --ram-budget --force \
           --skip-bad --quiet --json --version; do
    grep -q -- "$opt" "$work/out" || fail "--help does not mention $opt"
done
expect 0 "$tool" --version
grep -q '^blitz-ingest [0-9]' "$work/out" || fail "--version: $(cat "$work/out")"

# A small video end to end, with frame selection, resize and crop.
ffmpeg -v error -f lavfi -i testsrc2=s=64x48:r=25 -frames:v 20 -c:v ffv1 -pix_fmt gray \
    "$work/v.mkv" || exit 99
expect 0 "$tool" "$work/v.mkv" -o "$work/v.blz" --frames 2:17:5 --scale 0.5 \
    --crop 4,2,20,16 --transpose --codec lz4 --json
/usr/bin/python3 - "$work/out" "$work/v.blz" <<'EOF' || fail "--json summary: $(cat "$work/out")"
import json, os, sys
s = json.load(open(sys.argv[1]))
assert s["output"] == sys.argv[2], s["output"]
assert s["source_kind"] == "video"
assert s["frames"] == 3 and s["frames_decoded"] == 17, (s["frames"], s["frames_decoded"])
assert s["skipped"] == []
assert (s["width"], s["height"], s["channels"]) == (16, 20, 1)
assert s["codec"] == "lz4"
assert s["bytes_raw"] == 3 * 16 * 20 * 4
assert s["bytes_out"] == os.path.getsize(sys.argv[2])
assert abs(s["ratio"] - s["bytes_raw"] / s["bytes_out"]) < 1e-3
assert s["seconds"] >= 0 and s["fps"] >= 0 and len(s["chunk"]) == 3
EOF

# Progress goes to stderr as plain lines when stderr is not a terminal, none with --quiet.
"$tool" "$work/v.mkv" -o "$work/p.blz" >"$work/out" 2>"$work/err" || fail "progress run"
grep -q 'frames' "$work/err" || fail "no progress line: $(cat "$work/err")"
[ -s "$work/out" ] && fail "stdout not empty without --json"
grep -q "$(printf '\r')" "$work/err" && fail "carriage return in non-terminal progress"

# SIGTERM mid-stream (SIGINT is ignored by background jobs of a script, and the tool
# leaves ignored signals ignored): exit 143 and no file left. The input is a sparse 6.5 GB array that
# cannot be ingested before the signal comes; the signal is sent once a progress line
# shows that frames are flowing.
/usr/bin/python3 -c 'import numpy as np; np.lib.format.open_memmap("'"$work"'/big.npy", mode="w+", dtype="u1", shape=(100000, 256, 256))' ||
    exit 99
rm -f "$work/err"
"$tool" "$work/big.npy" -o "$work/big.blz" 2>"$work/err" &
pid=$!
tries=0
while ! grep -q frames "$work/err" 2>/dev/null && [ $tries -lt 600 ]; do
    sleep 0.1
    tries=$((tries + 1))
done
kill -TERM $pid
wait $pid
got=$?
[ $got -eq 143 ] || fail "SIGTERM: exit $got, expected 143 ($(cat "$work/err"))"
ls "$work" | grep -q big.blz && fail "SIGTERM left a file: $(ls "$work")"
grep -q 'cancelled' "$work/err" || fail "SIGTERM: no message ($(cat "$work/err"))"

finish
