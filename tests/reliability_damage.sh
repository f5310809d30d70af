#!/bin/sh
# reliability_damage.sh - damaged chunks caught by the command-line tools.
#
# 40 trials each flip one random byte in the chunk data of a raw cache (every chunk is
# 4 KiB and they follow the 4 KiB header block back to back, so the offsets are known
# from the geometry). blitz-query verify must exit 65 listing the chunk, and a reduction
# run with --verify must exit 65 with one line naming the chunk and its offset; the
# undamaged cache passes both.
. "${top_srcdir:-.}/tests/cli_lib.sh"

/usr/bin/python3 -c "
import numpy as np
np.save('$work/a.npy', (np.arange(8*32*64) % 977).astype('<f4').reshape(8, 32, 64))
" || exit 99
good="$work/good.blz"
expect 0 "$ingest" "$work/a.npy" -o "$good" --quiet --codec raw --chunk 4x16x16
expect 0 "$query" verify "$good"
expect 0 "$query" mean "$good" --verify -o "$work/m.npy"
chunks=16 chunk_bytes=4096
trials=40 caught_verify=0 caught_query=0
i=0
while [ "$i" -lt "$trials" ]; do
    cp "$good" "$work/bad.blz"
    at=$(( 4096 + (i * 7919 + 13) % (chunks * chunk_bytes) ))
    printf '\377' | dd of="$work/bad.blz" bs=1 seek="$at" conv=notrunc 2>/dev/null
    chunk=$(( (at - 4096) / chunk_bytes ))
    if cmp -s "$good" "$work/bad.blz"; then
        i=$((i + 1)); continue   # the byte was 0xff already
    fi
    "$query" verify "$work/bad.blz" >"$work/report" 2>&1
    code=$?
    [ "$code" -eq 65 ] || fail "verify of a damaged cache exited $code"
    grep -q "chunk $chunk " "$work/report" && caught_verify=$((caught_verify + 1))
    expect 65 "$query" mean "$work/bad.blz" --verify -o "$work/m.npy"
    grep -q "chunk $chunk" "$work/err" && caught_query=$((caught_query + 1))
    i=$((i + 1))
done
echo "damaged chunks: $trials trials, named by verify $caught_verify, by mean --verify $caught_query"
[ "$caught_verify" -eq "$trials" ] || fail "verify named the damaged chunk $caught_verify of $trials times"
[ "$caught_query" -eq "$trials" ] || fail "mean --verify named it $caught_query of $trials times"
finish
