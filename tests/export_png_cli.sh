#!/bin/sh
# tests/export_png_cli.sh - blitz-query export to a PNG sequence (-o FOLDER/) and export
# round trips, from the command line. Small stacks (5 frames of 7 x 9, integers, some
# NaN; and an RGB one) go through stages; the PNGs are decoded independently (Python's
# zlib and a PNG reader written here: chunks, CRCs, all five scanline filters) and
# must equal numpy's mapping exactly: t = (v - lo) * (1 / (hi - lo)), clipped to 0..1,
# rint(t * 255), NaN as 0, with lo, hi given by --range or numpy's percentiles of the
# whole processed stack (0.35 / 99.65 by default, or --clip). Failures (existing
# target, target that --force may not replace, missing parent, small budget, a chunk
# found damaged half-way through the frames) leave nothing behind; --force replaces a
# sequence; the folder's mode follows the umask. A cache exported with no stage, then
# to .npy, equals its source exactly.
. "${top_srcdir:-.}/tests/cli_lib.sh"
dir=$work
py=/usr/bin/python3

$py - "$dir" <<'PY' || { echo "cannot make the stacks"; exit 99; }
import sys
import numpy as np
d = sys.argv[1]
r = np.random.default_rng(7)
g = r.integers(0, 50, (5, 7, 9)).astype(np.float32)
g[:, 2, 3] = np.nan
g[3, 5, 0] = np.nan
np.save(d + '/g.npy', g)
np.save(d + '/flat.npy', (1 + r.integers(0, 3, (7, 9))).astype(np.float32))
np.save(d + '/rgb.npy', r.integers(0, 50, (5, 7, 9, 3)).astype(np.float32))
PY
g="$dir/g.blz" rgb="$dir/rgb.blz"
expect 0 "$ingest" "$dir/g.npy" -o "$g" --quiet --codec raw --chunk 2x7x9
expect 0 "$ingest" "$dir/rgb.npy" -o "$rgb" --quiet --axes THWC --rgb

# Round trip: cache -> .blz (no stage) -> .npy holds the source's values.
expect 0 "$query" export "$g" -o "$dir/copy.blz"
expect 0 "$query" export "$dir/copy.blz" -o "$dir/copy.npy"
expect 0 "$query" export "$rgb" -o "$dir/rgbcopy.npy"

expect 0 "$query" export "$g" --subtract mean:0:2 --scale 3 --range -20,40 -o "$dir/fixed/"
grep -q "^$dir/fixed/: 5 PNG frames .* values -20 to 40 mapped" "$work/out" \
    || fail "export did not say where the frames are and the range: $(cat "$work/out")"
expect 0 "$query" export "$g" --subtract mean:0:2 --divide "$dir/flat.npy" -o "$dir/auto/" \
    --threads 2
mv "$work/out" "$dir/auto.txt"
expect 0 "$query" export "$g" --frames 1:5 --clip 5,95 -o "$dir/gray/"
expect 0 "$query" export "$g" --frames 1:5 --clip 5,95 --colormap viridis -o "$dir/viridis/"
expect 0 "$query" export "$rgb" --offset -10 --range 0,30 -o "$dir/rgb/"
(umask 027 && "$query" export "$g" --range 0,1 -o "$dir/perm/" >/dev/null) || fail "see above"
mode=$(stat -c %a "$dir/perm")
[ "$mode" = 750 ] || fail "the folder's mode ignores the umask: $mode"
rm -r "$dir/perm"

$py - "$dir" <<'PY' || fail "see above"
import os, struct, sys, zlib
import numpy as np
d = sys.argv[1]

def read_png(path):
    data = open(path, 'rb').read()
    assert data[:8] == b'\x89PNG\r\n\x1a\n', path
    at, idat, header = 8, b'', None
    while at < len(data):
        n, kind = struct.unpack('>I4s', data[at:at + 8])
        body = data[at + 8:at + 8 + n]
        crc, = struct.unpack('>I', data[at + 8 + n:at + 12 + n])
        assert zlib.crc32(kind + body) == crc, (path, kind)
        if kind == b'IHDR':
            header = struct.unpack('>IIBBBBB', body)
        elif kind == b'IDAT':
            idat += body
        at += 12 + n
    w, h, depth, colour, _, _, interlace = header
    assert depth == 8 and interlace == 0 and colour in (0, 2), header
    c = 3 if colour == 2 else 1
    raw, stride = zlib.decompress(idat), w * c
    out, prev = np.zeros((h, stride), np.uint8), np.zeros(stride, np.int32)
    for y in range(h):
        f, line = raw[y * (stride + 1)], list(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - c] if i >= c else 0
            b, up_left = int(prev[i]), (int(prev[i - c]) if i >= c else 0)
            if f == 1: line[i] = (line[i] + a) & 255
            elif f == 2: line[i] = (line[i] + b) & 255
            elif f == 3: line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - up_left
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - up_left)
                pred = a if pa <= pb and pa <= pc else b if pb <= pc else up_left
                line[i] = (line[i] + pred) & 255
        out[y] = line
        prev = out[y].astype(np.int32)
    return out.reshape(h, w, c) if c == 3 else out

def sequence(name, n):
    files = sorted(os.listdir(d + '/' + name))
    assert files == ['frame_%06d.png' % k for k in range(n)], files
    return np.stack([read_png(d + '/' + name + '/' + f) for f in files])

def map8(p, lo, hi):
    scale = 1.0 / (hi - lo) if hi > lo else 0.0
    t = np.where(np.isnan(p), 0.0, (p - lo) * scale)
    return np.rint(np.clip(t, 0, 1) * 255).astype(np.uint8)

f32 = lambda v: v.astype(np.float32).astype(np.float64)
x = np.load(d + '/g.npy').astype(np.float64)
assert np.array_equal(np.load(d + '/copy.npy'), x, equal_nan=True)
assert np.array_equal(np.load(d + '/rgbcopy.npy'), np.load(d + '/rgb.npy'))

p = f32((x - x[0:2].mean(0)) * 3)
assert np.array_equal(sequence('fixed', 5), map8(p, -20, 40))

q = (x - x[0:2].mean(0)) / np.load(d + '/flat.npy')
p = f32(np.where(np.isfinite(q), q, 0.0))   # what a division makes NaN is 0
v = p[~np.isnan(p)]
lo, hi = np.percentile(v, [0.35, 99.65])
assert np.array_equal(sequence('auto', 5), map8(p, lo, hi))
said = open(d + '/auto.txt').read().split()
assert abs(float(said[6]) - lo) <= 1e-6 * max(1, abs(lo)), (said, lo)
assert abs(float(said[8]) - hi) <= 1e-6 * max(1, abs(hi)), (said, hi)

p = x[1:5]
lo, hi = np.percentile(p[~np.isnan(p)], [5, 95])
gray = sequence('gray', 4)
assert np.array_equal(gray, map8(p, lo, hi))
colour = sequence('viridis', 4)
assert colour.shape == gray.shape + (3,)
# matplotlib's viridis runs from #440154 to #fde725 (NaN as the low end); one value,
# one colour
assert (colour[gray == 0] == [0x44, 0x01, 0x54]).all() and (gray == 0).any()
assert (colour[gray == 255] == [0xfd, 0xe7, 0x25]).all() and (gray == 255).any()
assert all(len({tuple(c) for c in colour[p == v]}) == 1 for v in np.unique(p[~np.isnan(p)]))

p = np.load(d + '/rgb.npy').astype(np.float64) - 10
assert np.array_equal(sequence('rgb', 5), map8(p, 0, 30))
PY

# Failures leave nothing behind, and an existing target is left as it was.
listing() {
    ls -A "$dir" | grep -v -e '^out$' -e '^err$'
    ls -A "$dir/fixed"
    cat "$dir"/fixed/* | cksum
}
before=$(listing)
expect 73 "$query" export "$g" --range 0,10 -o "$dir/fixed/"
mkdir "$dir/other" && touch "$dir/other/frame_000000.png" "$dir/other/notes.txt"
expect 73 "$query" export "$g" --force -o "$dir/other/"
[ -e "$dir/other/notes.txt" ] && [ -e "$dir/other/frame_000000.png" ] \
    || fail "--force touched another folder"
rm -r "$dir/other"
expect 73 "$query" export "$g" -o "$dir/no/such/frames/"
expect 64 "$query" export "$g" --ram-budget 1K -o "$dir/small/"
expect 64 "$query" export "$rgb" --colormap magma -o "$dir/magma/"
expect 64 "$query" export "$g" --clip 5,95 -o "$dir/x.npy"
expect 64 "$query" export "$g" --clip 5,95 --range 0,1 -o "$dir/both/"
expect 64 "$query" export "$g" --range 3,3 -o "$dir/empty/"
cp "$g" "$dir/bad.blz"
# The last time block's chunk (the third 4 KiB block after the header block).
printf '\377\377\377\377' | dd of="$dir/bad.blz" bs=1 seek=$((3 * 4096 + 8)) conv=notrunc \
    2>/dev/null
expect 65 "$query" export "$dir/bad.blz" --verify --range 0,10 -o "$dir/half/"
rm "$dir/bad.blz"
[ "$(listing)" = "$before" ] || fail "failed exports left something: $(ls -A "$dir")"

# --force replaces a sequence, also one with more frames than the new one.
expect 0 "$query" export "$g" --force --frames 0:3 --range 0,10 -o "$dir/fixed/"
[ "$(ls "$dir/fixed" | tr '\n' ' ')" = "frame_000000.png frame_000001.png frame_000002.png " ] \
    || fail "--force did not replace the sequence: $(ls -A "$dir/fixed")"
[ "$(ls -A "$dir" | grep -c tmp)" -eq 0 ] || fail "temporary folders left: $(ls -A "$dir")"
finish
