#!/bin/sh
# reliability_readonly.sh - caches on read-only analysis nodes.
#
# A cache in a folder without write permission, queried as an unprivileged user (when
# the test runs as root it drops to nobody), and on a read-only bind mount in a private
# mount namespace (where the test may make one): every query succeeds and nothing in
# the cache's folder changes. Eight concurrent queries of one cache give identical
# results.
. "${top_srcdir:-.}/tests/cli_lib.sh"

chmod 0755 "$work"
/usr/bin/python3 -c "
import numpy as np
np.save('$work/a.npy', ((np.arange(40*33*47) * 7) % 1021).astype('<u2').reshape(40, 33, 47))
" || exit 99
mkdir "$work/node" "$work/results"
cache="$work/node/shared.blz"
expect 0 "$ingest" "$work/a.npy" -o "$cache" --quiet --codec lz4 --chunk 8x16x16
chmod 0444 "$cache"
chmod 0555 "$work/node"
chmod 0777 "$work/results"
before=$(stat -c "%y %s" "$work/node"; ls -lA --time-style=full-iso "$work/node")

as_user=""
if [ "$(id -u)" -eq 0 ]; then
    as_user="setpriv --reuid=65534 --regid=65534 --clear-groups"
    echo "running the queries as nobody"
fi
for op in info verify; do
    expect 0 $as_user "$query" "$op" "$cache"
done
expect 0 $as_user "$query" median "$cache" -o "$work/results/median.npy"
expect 0 $as_user "$query" mean "$cache" --frames 3:40:4 -o "$work/results/mean.tif"
/usr/bin/python3 -c "
import numpy as np
a = np.load('$work/a.npy').astype(np.float64)
m = np.load('$work/results/median.npy')
assert (m == np.median(a, axis=0)).all()
" || fail "median on the read-only node differs from numpy"

if unshare -m true 2>/dev/null; then
    unshare -m sh -c "mount --bind '$work/node' '$work/node' &&
        mount -o remount,bind,ro '$work/node' &&
        '$query' max '$cache' -o '$work/results/max-ro.npy' && '$query' verify '$cache' >/dev/null" \
        2>"$work/err" || fail "query on a read-only bind mount: $(cat "$work/err")"
    echo "queried on a read-only bind mount"
else
    echo "read-only bind mount skipped: no private mount namespace here"
fi

i=0
while [ "$i" -lt 8 ]; do
    "$query" median "$cache" -o "$work/results/concurrent-$i.npy" --threads 2 2>"$work/err-$i" &
    i=$((i + 1))
done
wait
i=0
while [ "$i" -lt 8 ]; do
    cmp -s "$work/results/concurrent-$i.npy" "$work/results/median.npy" ||
        fail "concurrent query $i differs: $(cat "$work/err-$i")"
    i=$((i + 1))
done

after=$(stat -c "%y %s" "$work/node"; ls -lA --time-style=full-iso "$work/node")
[ "$before" = "$after" ] || fail "the cache's folder changed: $after"
finish
