#!/bin/sh
# build.sh - configure and build blitz out of tree: scripts/build.sh [DIR [configure args]]
# DIR defaults to build/. Regenerates the autotools files when configure is missing.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
dir=${1:-"$top/build"}
[ $# -gt 0 ] && shift
[ -x "$top/configure" ] || (cd "$top" && autoreconf -fi >/dev/null 2>&1)
# The scripts need one kind of library: shared, unless told --disable-shared. Building
# the static one as well would compile every file twice.
case " $* " in *" --disable-shared "*) ;; *) set -- --disable-static "$@" ;; esac
mkdir -p "$dir"
cd "$dir"
[ -f Makefile ] || "$top/configure" --enable-werror -q "$@"
make -s -j"$(nproc)" >/dev/null
