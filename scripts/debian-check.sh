#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# scripts/debian-check.sh - build the Debian packages (libfsi0, libfsi-dev,
# mkimage) from the committed tree with dpkg-buildpackage, check them with
# lintian (no errors allowed), install them, run the installed mkimage
# (--version, a small image read back by isoinfo, -as mkisofs through the
# alternative it registers) and the pkg-config file, then remove them
# again.  As root on Debian 12 with debhelper and lintian; run-tests.sh
# counts it as one test.  Exit status 0 only if every step passed.
set -u
top=$(CDPATH='' cd -- "$(dirname -- "$0")/.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/fsi-deb.XXXXXX") || exit 1
trap 'rm -rf "$work"' EXIT
say() { printf 'debian-check: %s\n' "$*"; }
fail() { say "FAILED: $*"; exit 1; }

mkdir "$work/libfsi" || exit 1
(cd "$top" && git ls-files -z | xargs -0 tar -cf - ) | tar -xf - -C "$work/libfsi" ||
    fail "cannot copy the committed tree"
say "dpkg-buildpackage (output in $work/build.log)"
(cd "$work/libfsi" && DEB_BUILD_OPTIONS=nocheck dpkg-buildpackage -us -uc -b) \
    >"$work/build.log" 2>&1 || { tail -n 40 "$work/build.log"; fail "dpkg-buildpackage"; }
lintian --tag-display-limit 0 "$work"/libfsi_*.changes >"$work/lintian.log" 2>&1
if grep -q '^E: ' "$work/lintian.log"; then
    cat "$work/lintian.log"
    fail "lintian reports errors"
fi
say "lintian: no errors ($(grep -c '^W: ' "$work/lintian.log") warnings)"
remove() { dpkg -r mkimage libfsi-dev libfsi0 >/dev/null 2>&1; }
trap 'remove; rm -rf "$work"' EXIT
dpkg -i "$work"/libfsi0_*.deb "$work"/libfsi-dev_*.deb "$work"/mkimage_*.deb \
    >"$work/install.log" 2>&1 || { cat "$work/install.log"; fail "dpkg -i"; }
v=$(/usr/bin/mkimage --version) || fail "/usr/bin/mkimage --version"
say "installed: $v"
mkdir -p "$work/src/docs" && printf 'packaged\n' >"$work/src/docs/a.txt"
/usr/bin/mkimage create -q -o "$work/t.iso" "$work/src" || fail "the installed mkimage create"
isoinfo -R -f -i "$work/t.iso" 2>/dev/null | grep -qx /docs/a.txt ||
    fail "isoinfo does not find /docs/a.txt in the installed mkimage's image"
update-alternatives --query mkisofs 2>/dev/null | grep -q '^Alternative: /usr/bin/mkimage$' ||
    fail "no mkisofs alternative for /usr/bin/mkimage"
# (/usr/bin/mkisofs itself may be genisoimage's: a link of that name.)
ln -s /usr/bin/mkimage "$work/mkisofs" || fail "ln"
"$work/mkisofs" -R -J -quiet -o "$work/m.iso" "$work/src" &&
    isoinfo -J -f -i "$work/m.iso" 2>/dev/null | grep -q '/docs/a.txt' ||
    fail "mkimage run as mkisofs"
[ "$(pkg-config --modversion fsi 2>/dev/null)" = "$(sed -n 's/^libfsi (\([^)]*\)).*/\1/p;q' "$top/debian/changelog")" ] ||
    fail "pkg-config --modversion fsi"
say "passed"
