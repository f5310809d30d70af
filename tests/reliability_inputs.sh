#!/bin/sh
# reliability_inputs.sh - the bad-input matrix of blitz-ingest and blitz-query.
#
# Every bad input or option value must give exactly one line "TOOL: ..." on stderr
# that names the offending file (where there is one), the sysexits code for the case
# (64 usage, 65 bad data, 66 no input), no death by signal, and nothing at the output
# path, temporary files included.
. "${top_srcdir:-.}/tests/cli_lib.sh"

out="$work/dest/x.blz"
mkdir "$work/dest"
cases=0

# bad CODE WORD COMMAND...: expect CODE, a message containing WORD, an empty dest/.
bad() {
    code=$1 word=$2
    shift 2
    cases=$((cases + 1))
    expect "$code" "$@"
    grep -qF -- "$word" "$work/err" || fail "$*: message does not name '$word': $(cat "$work/err")"
    [ -z "$(ls -A "$work/dest")" ] && return
    fail "$*: left $(ls -A "$work/dest")"
    rm -rf "$work/dest" && mkdir "$work/dest"
}

/usr/bin/python3 - "$work" <<'PY' || exit 99
import numpy as np, sys, os
w = sys.argv[1]
np.save(w + "/good.npy", np.arange(6 * 8 * 10, dtype="<u2").reshape(6, 8, 10))
np.save(w + "/objects.npy", np.array([{"a": 1}, None], dtype=object), allow_pickle=True)
np.save(w + "/wide.npy", np.zeros((1, 1, 1100000), dtype="u1"))
with open(w + "/huge-shape.npy", "wb") as f:
    h = "{'descr': '<f4', 'fortran_order': False, 'shape': (100000, 100000, 100000), }"
    h += " " * (63 - (10 + len(h)) % 64) + "\n"
    f.write(b"\x93NUMPY\x01\x00" + len(h).to_bytes(2, "little") + h.encode() + b"\0" * 64)
with open(w + "/broken.npy", "wb") as f:
    f.write(b"\x93NUMPY\x01\x00\x20\x00{'descr': '<f4', 'shape': (2,3")
open(w + "/zero.npy", "wb").close()
PY
mkdir "$work/empty" "$work/noimages" "$work/sizes" "$work/depths"
echo "notes" >"$work/noimages/readme.txt"
: >"$work/zero.mp4"
: >"$work/zero.png"
echo "this is not a video" >"$work/text.mp4"
ffmpeg -v error -f lavfi -i testsrc2=s=64x48:r=25 -frames:v 30 -c:v ffv1 -pix_fmt gray "$work/v.mkv" || exit 99
ffmpeg -v error -f lavfi -i testsrc2=s=64x48:r=25 -frames:v 30 -c:v mpeg4 "$work/v.mp4" || exit 99
ffmpeg -v error -f lavfi -i sine=d=1 "$work/sound.wav" || exit 99
head -c 3000 "$work/v.mp4" >"$work/cut.mp4"
cp "$work/v.mkv" "$work/garbage.mkv"
size=$(stat -c %s "$work/v.mkv")
dd if=/dev/urandom of="$work/garbage.mkv" bs=1 seek=$((size / 2)) count=4000 conv=notrunc 2>/dev/null
ffmpeg -v error -f lavfi -i testsrc2=s=64x48 -frames:v 2 -pix_fmt gray "$work/sizes/f%d.png" || exit 99
ffmpeg -v error -f lavfi -i testsrc2=s=32x48 -frames:v 1 -pix_fmt gray "$work/sizes/f3.png" || exit 99
ffmpeg -v error -f lavfi -i testsrc2=s=64x48 -frames:v 2 -pix_fmt gray "$work/depths/f%d.png" || exit 99
ffmpeg -v error -f lavfi -i testsrc2=s=64x48 -frames:v 1 -pix_fmt gray16be "$work/depths/f3.png" || exit 99

# blitz-ingest: inputs.
bad 66 missing.mkv "$ingest" "$work/missing.mkv" -o "$out"
bad 65 empty "$ingest" "$work/empty" -o "$out"
bad 65 noimages "$ingest" "$work/noimages" -o "$out"
bad 65 zero.mp4 "$ingest" "$work/zero.mp4" -o "$out"
bad 65 zero.png "$ingest" "$work/zero.png" -o "$out"
bad 65 zero.npy "$ingest" "$work/zero.npy" -o "$out"
bad 65 text.mp4 "$ingest" "$work/text.mp4" -o "$out"
bad 65 sound.wav "$ingest" "$work/sound.wav" -o "$out"
bad 65 cut.mp4 "$ingest" "$work/cut.mp4" -o "$out"
bad 65 garbage.mkv "$ingest" "$work/garbage.mkv" -o "$out"
bad 65 f3.png "$ingest" "$work/sizes" -o "$out"
bad 65 f3.png "$ingest" "$work/depths" -o "$out"
bad 65 objects.npy "$ingest" "$work/objects.npy" -o "$out"
bad 65 broken.npy "$ingest" "$work/broken.npy" -o "$out"
bad 65 huge-shape.npy "$ingest" "$work/huge-shape.npy" -o "$out"
bad 65 wide.npy "$ingest" "$work/wide.npy" -o "$out"
# blitz-ingest: option values.
bad 64 frames "$ingest" "$work/good.npy" -o "$out" --frames 5:2
bad 64 frames "$ingest" "$work/good.npy" -o "$out" --frames -1:4
bad 64 frames "$ingest" "$work/good.npy" -o "$out" --frames 0:4:0
bad 64 budget "$ingest" "$work/good.npy" -o "$out" --ram-budget 1K
bad 64 ram-budget "$ingest" "$work/good.npy" -o "$out" --ram-budget lots
bad 64 threads "$ingest" "$work/good.npy" -o "$out" --threads -2
bad 64 scale "$ingest" "$work/good.npy" -o "$out" --scale 0
bad 64 codec "$ingest" "$work/good.npy" -o "$out" --codec gzip

# blitz-query: caches and option values.
cache="$work/good.blz"
expect 0 "$ingest" "$work/good.npy" -o "$cache" --quiet
head -c 5000 "$cache" >"$work/cut.blz"
: >"$work/zero.blz"
res="$work/dest/r.npy"
bad 66 missing.blz "$query" mean "$work/missing.blz" -o "$res"
bad 65 good.npy "$query" mean "$work/good.npy" -o "$res"
bad 65 cut.blz "$query" mean "$work/cut.blz" -o "$res"
bad 65 zero.blz "$query" mean "$work/zero.blz" -o "$res"
bad 65 cut.blz "$query" verify "$work/cut.blz"
bad 64 "frame range" "$query" mean "$cache" --frames 4:2 -o "$res"
bad 64 "frame range" "$query" mean "$cache" --frames -3:2 -o "$res"
bad 64 "" "$query" mean "$cache" --frames 7:9 -o "$res"
bad 64 budget "$query" median "$cache" --ram-budget 1K -o "$res"
bad 64 colormap "$query" mean "$cache" --colormap rainbow -o "$work/dest/r.png"
bad 64 percentile "$query" percentile "$cache" -o "$res"
bad 64 150 "$query" percentile "$cache" --p 150 -o "$res"
bad 64 ddof "$query" std "$cache" --ddof -1 -o "$res"
bad 64 nan "$query" mean "$cache" --nan sometimes -o "$res"
bad 64 jpg "$query" mean "$cache" -o "$work/dest/r.jpg"
bad 64 frobnicate "$query" frobnicate "$cache"
bad 73 "" "$query" mean "$cache" -o "$work/no/such/folder/r.npy"

echo "bad-input matrix: $cases cases"
finish
