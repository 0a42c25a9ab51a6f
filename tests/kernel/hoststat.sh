#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# tests/kernel/hoststat.sh DIR - list a host tree in the line format of
# kstat.sh (see format.awk), sorted bytewise, so that a test can diff the
# two:  path type mode uid gid size mtime nlink target rdev sha256
# DIR itself is ".".  Uses GNU find, stat and sha256sum: the same commands
# as the guest's busybox, formatted by the same awk script.  Names holding
# a newline are not supported (the format is line-based).
set -u
here=$(cd "$(dirname "$0")" && pwd)
if [ $# -ne 1 ] || [ ! -d "$1" ]; then echo "usage: hoststat.sh DIR" >&2; exit 2; fi
T=$(printf '\t')
FMT="S${T}%f${T}%u${T}%g${T}%s${T}%Y${T}%h${T}%t${T}%T${T}%n"
raw=$(mktemp "${TMPDIR:-/tmp}/hoststat.XXXXXX") || exit 1
trap 'rm -f "$raw"' EXIT
trap 'exit 1' HUP INT TERM
rc=0
(
    cd "$1" || exit 1
    rc=0
    find . -exec stat -c "$FMT" {} + || rc=1
    find . -type l | while IFS= read -r p; do
        printf 'L\t%s\t%s\n' "$p" "$(readlink "$p")"
    done
    find . -type f -exec sha256sum {} + || rc=1
    exit $rc
) >"$raw" || rc=1
awk -f "$here/format.awk" "$raw" | LC_ALL=C sort
exit $rc
