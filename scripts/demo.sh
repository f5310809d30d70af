#!/bin/sh
# demo.sh - set up, build, and run blitz's main job on a sample it makes itself:
# a 16-bit gray FFV1 video (a moving test pattern with noise) is ingested once into a
# cache, then reduced over time to mean, standard-deviation and median images.
# Results go to demo/ (or $BLITZ_DEMO_DIR).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
sh "$top/scripts/deps.sh"
sh "$top/scripts/build.sh"
bin="$top/build"
out=${BLITZ_DEMO_DIR:-"$top/demo"}
mkdir -p "$out"
video="$out/sample.mkv"
cache="$out/sample.blz"
echo "== making a sample: 500 frames of 320x240 gray16 FFV1 -> $video"
ffmpeg -y -loglevel error -f lavfi -i "testsrc2=size=320x240:rate=50:duration=10" \
  -vf "noise=alls=6:allf=t,format=gray16le" -c:v ffv1 "$video"
echo "== blitz-ingest (decode once into a float32 cache)"
"$bin/blitz-ingest" "$video" -o "$cache" --force
echo "== blitz-query info"
"$bin/blitz-query" info "$cache"
echo "== blitz-query: mean, std and median over time"
for op in mean std median; do
  "$bin/blitz-query" "$op" "$cache" -o "$out/$op.npy" -o "$out/$op.png" --colormap viridis
done
echo "== results in $out:"
ls -l "$out"
