#!/bin/sh
# test_cache_cli.sh - blitz-query info and verify, as a user runs them.
#
# A fixture cache is described as text and as JSON (parsed by Python to prove the JSON
# and its escaping are valid, and checked against the fixture's known geometry), then
# verified sound (exit 0); a flipped byte in chunk 1 (located through the index, at the
# offsets docs/FORMAT.md gives) makes verify name that chunk and exit 65; a missing file
# exits 66, a truncated one 65, usage errors 64.
set -u
query="$top_builddir/blitz-query"
fixture="$top_builddir/tests/test_cache_fixture"
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

expect_exit() {   # expect_exit CODE COMMAND...
    want=$1; shift
    "$@" >"$dir/out" 2>"$dir/err"
    got=$?
    [ "$got" -eq "$want" ] || fail "$* exited $got, expected $want: $(cat "$dir/err")"
}

cache="$dir/stack.blz"
"$fixture" "$cache" 10 40 50 3 shuffle-lz4 || fail "fixture"

expect_exit 0 "$query" info "$cache"
grep -q "^frames      10 (source frames 100..118)$" "$dir/out" || fail "info frames: $(cat "$dir/out")"
grep -q "^geometry    50 x 40 pixels (width x height), 3 channels, float32$" "$dir/out" \
    || fail "info geometry"
grep -q "^grid        3 time blocks x 3 tile rows x 4 tile columns = 36 chunks$" "$dir/out" \
    || fail "info grid"
grep -q "^time span   0.04 s .. 0.4 s$" "$dir/out" || fail "info time span"
grep -q "^integers    36 of 36 chunks hold integers only, of magnitude below 200$" "$dir/out" \
    || fail "info integers: $(cat "$dir/out")"
grep -qF 'metadata    odd "key" = back\\slash\nnew line\ttab, grüße' "$dir/out" \
    || fail "info metadata line: $(cat "$dir/out")"

expect_exit 0 "$query" info --json "$cache"
/usr/bin/python3 - "$dir/out" <<'PY' || fail "info --json content"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["frames"] == 10 and d["height"] == 40 and d["width"] == 50 and d["channels"] == 3, d
assert d["chunk"] == {"frames": 4, "rows": 16, "columns": 16, "bytes": 4 * 16 * 16 * 3 * 4}, d
assert d["grid"] == {"time_blocks": 3, "rows": 3, "columns": 4} and d["chunks"] == 36, d
assert sum(d["codecs"].values()) == 36 and d["codecs"]["lz4"] == 0, d
assert d["codecs"]["shuffle-lz4"] > 0 and d["compression_ratio"] > 1, d
assert d["value_bytes"] == 36 * d["chunk"]["bytes"], d
assert d["integer_chunks"] == 36 and d["int_limit"] == 200, d
assert d["metadata"]['odd "key"'] == "back\\slash\nnew line\ttab, grüße", d["metadata"]
assert d["first_source_frame"] == 100 and d["last_source_frame"] == 118, d
assert abs(d["last_timestamp"] - 0.4) < 1e-12, d
PY

expect_exit 0 "$query" verify "$cache"
grep -q "36 chunks, all sound" "$dir/out" || fail "verify summary: $(cat "$dir/out")"

offset=$(/usr/bin/python3 - "$cache" <<'PY'
import struct, sys
b = bytearray(open(sys.argv[1], "rb").read())
index = struct.unpack_from("<Q", b, 80)[0]
offset, size = struct.unpack_from("<QQ", b, index + 32)
b[offset + size // 2] ^= 0x40
open(sys.argv[1], "wb").write(b)
print(offset)
PY
) || fail "damaging the fixture"
expect_exit 65 "$query" verify "$cache"
grep -q "chunk 1 (time block 0, tile row 0, tile column 1) at offset $offset: checksum mismatch" \
    "$dir/out" || fail "verify bad chunk line: $(cat "$dir/out")"
grep -q "1 of 36 chunks damaged" "$dir/out" || fail "verify damaged summary"
[ "$(grep -c "checksum mismatch" "$dir/out")" -eq 1 ] || fail "verify reports other chunks"

expect_exit 66 "$query" verify "$dir/absent.blz"
[ "$(wc -l <"$dir/err")" -eq 1 ] && grep -q "^blitz-query: .*absent.blz" "$dir/err" \
    || fail "missing file message: $(cat "$dir/err")"
head -c 100 "$cache" >"$dir/short.blz"
expect_exit 65 "$query" verify "$dir/short.blz"
expect_exit 65 "$query" info "$dir/short.blz"

expect_exit 64 "$query" frobnicate "$cache"
expect_exit 64 "$query"
expect_exit 64 "$query" info
expect_exit 64 "$query" info --bogus "$cache"
expect_exit 64 "$query" verify --json "$cache"
expect_exit 0 "$query" --help
grep -q "^  info " "$dir/out" && grep -q "^  verify " "$dir/out" || fail "--help lists commands"
expect_exit 0 "$query" info --help
expect_exit 0 "$query" --version
grep -q "^blitz-query [0-9]" "$dir/out" || fail "--version"
exit 0
