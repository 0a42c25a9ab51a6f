#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# build-demo.sh - quick start, step 1 (see README.md).
#
# On a fresh Debian 12 machine, as root:
#   - installs what the build needs from Debian's archive, if missing
#     (the list is FSI_BUILD_PKGS in scripts/deps.sh);
#   - builds libfsi and mkimage in this directory (autoreconf, configure,
#     make, each only when needed);
#   - makes demo.iso from the demo/ directory with
#         ./mkimage create -V DEMO -o demo.iso demo/
#     and prints what it made, read back independently of libfsi
#     (scripts/peek-image.sh), checking every file's size and bytes.
#
# Arguments are passed to ./configure when it runs (first build only).
# Exit status: 0 when demo.iso was made and holds all of demo/, else 1.
set -eu

FSI_PROG=build-demo.sh
top=$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd)
cd "$top"
. ./scripts/deps.sh

fail() {
    fsi_err "$*"
    fsi_err "FAILED: no usable demo image"
    exit 1
}

# shellcheck disable=SC2086  # the list is meant to be split
fsi_install_pkgs $FSI_BUILD_PKGS || fail "the packages the build needs are not installed"
fsi_build "$@" || fail "the build failed (see the messages above)"

out=demo.iso
rm -f "$out"
echo
fsi_say "./mkimage create -V DEMO -o $out demo/"
set +e
./mkimage create -V DEMO -o "$out" demo/
rc=$?
set -e
[ $rc -eq 0 ] || fail "mkimage create exited with status $rc (its message is above)"
[ -s "$out" ] || fail "mkimage create exited 0 but $out is missing or empty"

size=$(wc -c <"$out" | tr -d ' ')
[ $((size % 2048)) -eq 0 ] || fail "$out is $size bytes, not a whole number of 2048-byte blocks"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/fsi-demo.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM

scripts/peek-image.sh summary "$out" >"$tmp/summary" ||
    fail "$out has no ISO9660, Joliet or UDF volume that scripts/peek-image.sh can find"
scripts/peek-image.sh list "$out" >"$tmp/list" ||
    fail "cannot read the directory tree of $out"
LC_ALL=C sort -t "$(printf '\t')" -k3 "$tmp/list" >"$tmp/image"

echo
echo "Made $top/$out"
echo "  $size bytes = $((size / 2048)) blocks of 2048 bytes"
echo
echo "File systems:"
sed 's/^/  /' "$tmp/summary"
echo
if grep -q '^Joliet' "$tmp/summary"; then
    view=Joliet
else
    view=ISO9660
fi
echo "Files (read back from the $view tree):"
awk -F '\t' '{ printf "  %8d  %s\n", $1, $3 }' "$tmp/image"

# The demo tree as it is on disk, in the same form.
(cd demo && find . -type f) | LC_ALL=C sort | while IFS= read -r f; do
    printf '%s\t%s\n' "$(wc -c <"demo/$f" | tr -d ' ')" "${f#.}"
done >"$tmp/source"
nsrc=$(wc -l <"$tmp/source" | tr -d ' ')

echo
if [ $view = Joliet ]; then
    cut -f1,3 "$tmp/image" >"$tmp/image-names"
    if ! cmp -s "$tmp/source" "$tmp/image-names"; then
        echo "Names and sizes differ (< demo/, > image):"
        diff "$tmp/source" "$tmp/image-names" | sed 's/^/  /' || true
        fail "the image does not hold the demo tree as it is"
    fi
    # Same bytes: cut each file's data out of the image and compare.
    bad=0
    while IFS="$(printf '\t')" read -r fsize block path; do
        nb=$(((fsize + 2047) / 2048))
        if ! dd if="$out" bs=2048 skip="$block" count="$nb" 2>/dev/null |
            head -c "$fsize" | cmp -s - "demo$path"; then
            echo "  different content: $path"
            bad=$((bad + 1))
        fi
    done <"$tmp/image"
    [ $bad -eq 0 ] || fail "$bad file(s) in the image differ from demo/"
    echo "All $nsrc files of demo/ are in $out with the same names, sizes and bytes."
else
    warn_sizes() { cut -f1 "$1" | LC_ALL=C sort -n | tr '\n' ' '; }
    if [ "$(warn_sizes "$tmp/source")" != "$(warn_sizes "$tmp/image")" ]; then
        fail "the file sizes in the image do not match demo/"
    fi
    echo "The image has no Joliet tree, so names are ISO9660 translations;"
    echo "all $nsrc files of demo/ are there with matching sizes."
fi
echo
echo "Look inside with any reader, e.g.:"
echo "  xorriso -indev $out -find / -exec lsdl --"
echo "  isoinfo -J -l -i $out"
