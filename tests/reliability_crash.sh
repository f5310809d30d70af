#!/bin/sh
# reliability_crash.sh - blitz-ingest killed at random moments, and writes that fail.
#
# 30 trials: an ingest replacing an existing cache (--force) is killed with SIGKILL
# after a random delay. Afterwards the destination must hold a complete cache that
# verifies (the old one or the new one, never a mixture or a torn file), and a later
# ingest to the same name must succeed whatever temporary files the killed ones left.
# Then writes that fail for lack of space (a 1 MiB tmpfs, where the test may mount one)
# and under a file-size limit (prlimit --fsize) must end with exit 74, one line naming
# the file, and no file, temporary or final, left in the folder.
. "${top_srcdir:-.}/tests/cli_lib.sh"

/usr/bin/python3 -c "
import numpy as np
np.save('$work/a.npy', (np.arange(240*200*160) % 4093).astype('<u2').reshape(240, 200, 160))
np.save('$work/b.npy', (np.arange(120*200*160) % 511).astype('<u2').reshape(120, 200, 160))
" || exit 99
dest="$work/dest/stack.blz"
mkdir -p "$work/dest"
expect 0 "$ingest" "$work/b.npy" -o "$dest" --quiet

trials=30 complete_old=0 complete_new=0
i=0
while [ "$i" -lt "$trials" ]; do
    "$ingest" "$work/a.npy" -o "$dest" --force --quiet --codec shuffle-lz4 &
    pid=$!
    sleep "0.$(( (i * 37) % 10 ))$(( (i * 53) % 10 ))"
    kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    expect 0 "$query" verify "$dest"
    "$query" info "$dest" --json >"$work/info.json" 2>/dev/null
    frames=$(/usr/bin/python3 -c "import json; print(json.load(open('$work/info.json'))['frames'])")
    case "$frames" in
        120) complete_old=$((complete_old + 1)) ;;
        240) complete_new=$((complete_new + 1)) ;;
        *) fail "trial $i: cache with $frames frames" ;;
    esac
    # Put the old cache back so every trial starts from the same state.
    [ "$frames" = 240 ] && "$ingest" "$work/b.npy" -o "$dest" --force --quiet
    i=$((i + 1))
done
leftovers=$(ls -A "$work/dest" | grep -c '^\.stack\.blz\.tmp-' || true)
echo "killed ingests: $trials trials, old cache intact $complete_old, new cache complete" \
     "$complete_new, temporary files left by SIGKILL $leftovers"
expect 0 "$ingest" "$work/a.npy" -o "$dest" --force --quiet
expect 0 "$query" verify "$dest"

# A file-size limit: the write fails, the message names the file, nothing remains.
mkdir "$work/limited"
expect 74 prlimit --fsize=2000000 "$ingest" "$work/a.npy" -o "$work/limited/x.blz" --quiet
grep -q "x.blz" "$work/err" || fail "size limit: message does not name the file: $(cat "$work/err")"
[ -z "$(ls -A "$work/limited")" ] || fail "size limit left $(ls -A "$work/limited")"

# A full filesystem, where this user may mount a small tmpfs in a private namespace.
if unshare -m true 2>/dev/null; then
    mkdir "$work/small"
    unshare -m sh -c "mount -t tmpfs -o size=1m tmpfs '$work/small' &&
        '$ingest' '$work/a.npy' -o '$work/small/x.blz' --quiet 2>'$work/err'
        echo \$? >'$work/code'; ls -A '$work/small' >'$work/left'"
    [ "$(cat "$work/code")" = 74 ] || fail "full disk: exit $(cat "$work/code"): $(cat "$work/err")"
    [ "$(wc -l <"$work/err")" -eq 1 ] || fail "full disk: stderr is not one line"
    [ -s "$work/left" ] && fail "full disk left $(cat "$work/left")"
else
    echo "full-disk case skipped: cannot mount a tmpfs here"
fi
finish
