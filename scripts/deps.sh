#!/bin/sh
# deps.sh - install what blitz needs to build and test on Debian/Ubuntu (apt-get).
# Installs only the packages that are missing; uses sudo when not run as root.
# deps.sh --mpi adds Open MPI, for a blitz-query built with configure --with-mpi.
set -eu
packages="build-essential autoconf automake libtool pkg-config
  libavformat-dev libavcodec-dev libavutil-dev libswscale-dev
  liblz4-dev libxxhash-dev libtiff-dev zlib1g-dev check
  ffmpeg python3-numpy"
[ "${1:-}" != "--mpi" ] || packages="$packages libopenmpi-dev openmpi-bin"
missing=""
for p in $packages; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
    missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "deps.sh: installing$missing" >&2
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
# shellcheck disable=SC2086
$sudo apt-get install -y -qq --no-install-recommends $missing >/dev/null
