#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# tests/integration/verify.sh - `mkimage verify` (the library's
# fsi_disc_verify).  No error (exit 0) on good images: mkimage's bridge,
# ISO9660-only at levels 1-3, every UDF revision 1.02-2.60 (bridged and
# UDF only), xorriso -as mkisofs -R -J, genisoimage -J -R -udf, an empty
# mkudffs volume and pycdlib's ISO + Joliet + Rock Ridge + UDF (warnings
# allowed: genisoimage's and pycdlib's reserve UDF descriptors differ from
# the main ones).  Then every member of the broken corpus is found: images
# made from good ones by tests/data/make-broken.py (a bad UDF tag
# checksum, a bad descriptor CRC, a File Entry pointing outside the image,
# two files overlapping, a directory loop, a path table disagreeing with
# the directories, views disagreeing, truncated images, and a changed
# Joliet name, which is a warning only: exit 1 with --strict).  Prints TAP.
#
# Environment: MKIMAGE (default ./mkimage), top_srcdir (for
# tests/data/make-broken.py).

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/integration/lib.sh
. "$here/lib.sh"

top_srcdir=${top_srcdir:-$here/../..}
top_builddir=${top_builddir:-$(pwd)}
MKIMAGE=${MKIMAGE:-$top_builddir/mkimage}
PY=/usr/bin/python3
BROKEN="$top_srcdir/tests/data/make-broken.py"
LC_ALL=C.UTF-8
export LC_ALL

tmp=$(mktemp -d "${TMPDIR:-/tmp}/fsi-verify.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' HUP INT TERM

have() { command -v "$1" >/dev/null 2>&1; }

tap_plan 36

# The small known tree the broken images are made from (make-broken.py
# looks for /a.txt and /dir1/b.bin), with a symlink and a hard link.
src=$tmp/src
mkdir -p "$src/dir1/sub" "$src/dir2"
echo hello >"$src/a.txt"
head -c 5000 /dev/urandom >"$src/dir1/b.bin"
head -c 100 /dev/urandom >"$src/dir1/sub/c.dat"
: >"$src/empty"
echo x >"$src/dir2/d.txt"
# A second tree with what peers and mkimage treat specially.
src2=$tmp/src2
cp -R "$src" "$src2"
ln -s a.txt "$src2/link"
ln "$src2/dir1/b.bin" "$src2/dir1/hard.bin"
echo long >"$src2/dir2/a-name-longer-than-the-sixty-four-characters-joliet-keeps-in-a-name.txt"

# verify_ok DESC IMAGE: exit 0 and a "0 errors" summary.
verify_ok() {
    _out=$("$MKIMAGE" verify "$2" 2>&1)
    _rc=$?
    if [ "$_rc" -eq 0 ] && printf '%s\n' "$_out" | grep -q ': 0 errors,'; then
        tap_ok "$1"
    else
        tap_fail "$1" "exit status $_rc
$_out"
    fi
}

# verify_bad DESC IMAGE PATTERN: exit 1 and a finding matching PATTERN
# (grep -E) on an "error:" line.
verify_bad() {
    _out=$("$MKIMAGE" verify "$2" 2>&1)
    _rc=$?
    if [ "$_rc" -eq 1 ] && printf '%s\n' "$_out" | grep '^error: ' | grep -Eq "$3"; then
        tap_ok "$1"
    else
        tap_fail "$1" "exit status $_rc, expected 1 and an error matching '$3'
$_out"
    fi
}

# ---- good images made by mkimage -------------------------------------
"$MKIMAGE" create -q -o "$tmp/bridge.iso" "$src2" && verify_ok "mkimage bridge" "$tmp/bridge.iso" ||
    tap_fail "mkimage bridge: create"
for l in 1 2 3; do
    if "$MKIMAGE" create -q --fs iso9660 --iso-level $l -o "$tmp/iso$l.iso" "$src"; then
        verify_ok "mkimage ISO9660 only, level $l" "$tmp/iso$l.iso"
    else
        tap_fail "mkimage ISO9660 only, level $l: create"
    fi
done
for r in 1.02 1.50 2.00 2.01 2.50 2.60; do
    if "$MKIMAGE" create -q --udf-revision $r -o "$tmp/udf$r.iso" "$src2"; then
        verify_ok "mkimage bridge, UDF $r" "$tmp/udf$r.iso"
    else
        tap_fail "mkimage bridge, UDF $r: create"
    fi
done
for r in 1.02 2.60; do
    if "$MKIMAGE" create -q --fs udf --udf-revision $r -o "$tmp/udfonly$r.iso" "$src2"; then
        verify_ok "mkimage UDF $r only" "$tmp/udfonly$r.iso"
    else
        tap_fail "mkimage UDF $r only: create"
    fi
done

# ---- good images made by peers ---------------------------------------
if have xorriso; then
    xorriso -as mkisofs -quiet -R -J -o "$tmp/xorriso.iso" "$src2" >/dev/null 2>&1
    verify_ok "xorriso -as mkisofs -R -J" "$tmp/xorriso.iso"
else
    tap_skip "xorriso -as mkisofs -R -J" "xorriso not installed"
fi
if have genisoimage; then
    genisoimage -quiet -J -R -udf -o "$tmp/geniso.iso" "$src2" >/dev/null 2>&1
    verify_ok "genisoimage -J -R -udf" "$tmp/geniso.iso"
else
    tap_skip "genisoimage -J -R -udf" "genisoimage not installed"
fi
if have mkudffs; then
    truncate -s 8M "$tmp/mkudffs.img"
    mkudffs --media-type=hd --udfrev=0x0201 -b 2048 "$tmp/mkudffs.img" >/dev/null 2>&1
    verify_ok "mkudffs (empty UDF 2.01 volume)" "$tmp/mkudffs.img"
else
    tap_skip "mkudffs (empty UDF 2.01 volume)" "udftools not installed"
fi
if [ -x "$PY" ] && "$PY" -c 'import pycdlib' 2>/dev/null; then
    cat >"$tmp/mkpy.py" <<'PYEOF'
import io, sys, pycdlib
iso = pycdlib.PyCdlib()
iso.new(interchange_level=3, joliet=3, rock_ridge='1.09', udf='2.60')
iso.add_directory('/DIR1', rr_name='dir1', joliet_path='/dir1', udf_path='/dir1')
for path, data in (('/A.TXT;1', b'hello\n'), ('/DIR1/B.BIN;1', b'x' * 5000), ('/EMPTY.;1', b'')):
    name = path.split(';')[0].lower().rstrip('.')
    iso.add_fp(io.BytesIO(data), len(data), path, rr_name=name.split('/')[-1],
               joliet_path=name, udf_path=name)
iso.write(sys.argv[1])
iso.close()
PYEOF
    "$PY" "$tmp/mkpy.py" "$tmp/pycdlib.iso"
    verify_ok "pycdlib ISO9660 + Joliet + Rock Ridge + UDF" "$tmp/pycdlib.iso"
else
    tap_skip "pycdlib ISO9660 + Joliet + Rock Ridge + UDF" "python3-pycdlib not installed"
fi

# ---- the broken corpus -----------------------------------------------
"$MKIMAGE" create -q -o "$tmp/good-bridge.iso" "$src" &&
    "$MKIMAGE" create -q --fs iso9660 -o "$tmp/good-iso.iso" "$src" &&
    "$MKIMAGE" create -q --fs udf --udf-revision 2.60 -o "$tmp/good-udf260.iso" "$src" ||
    echo "# cannot make the good images of the broken corpus"

# broken DESC KIND BASE PATTERN
broken() {
    if "$PY" "$BROKEN" "$2" "$tmp/good-$3.iso" "$tmp/broken-$2-$3.iso"; then
        verify_bad "$1" "$tmp/broken-$2-$3.iso" "$4"
    else
        tap_fail "$1: make-broken.py $2"
    fi
}

broken "UDF File Entry with a bad tag checksum" udf-checksum bridge 'UDF: block [0-9]+: File Entry: bad tag checksum'
broken "UDF 2.60 Extended File Entry with a bad tag checksum" udf-checksum udf260 'UDF: block [0-9]+: .*File Entry: bad tag checksum'
broken "UDF File Entry with a bad descriptor CRC" udf-crc bridge 'UDF: block [0-9]+: File Entry: bad descriptor CRC'
broken "UDF 2.60 Extended File Entry with a bad descriptor CRC" udf-crc udf260 'UDF: .*bad descriptor CRC'
broken "UDF File Entry pointing outside the image" udf-outside bridge 'UDF: block [0-9]+: File Entry: .*outside'
broken "UDF 2.60 File Entry pointing outside the image" udf-outside udf260 'UDF: .*outside'
broken "two ISO9660 files overlapping" overlap iso "ISO9660: block [0-9]+: file '/A.TXT' and file '/DIR1/B.BIN' overlap"
broken "ISO9660 directory loop" loop iso 'ISO9660: .*directory loop'
broken "ISO9660 path table disagreeing with the directories" path-table iso 'ISO9660: .*path table'
broken "views disagree (ISO9660 points at another file's data)" views bridge 'views disagree'
broken "image size not a multiple of 2048" unaligned bridge 'image: .*not a multiple of 2048'
broken "image cut short: data past its end" short iso 'ISO9660: block [0-9]+: .*lies past the end of the image'

# A Joliet name that differs from the UDF one is a warning only.
if "$PY" "$BROKEN" joliet-name "$tmp/good-bridge.iso" "$tmp/broken-jname.iso"; then
    out=$("$MKIMAGE" verify "$tmp/broken-jname.iso" 2>&1)
    rc=$?
    if [ $rc -eq 0 ] && printf '%s\n' "$out" | grep -q "^warning: Joliet: .*names differ.*'/q.txt'" &&
        printf '%s\n' "$out" | grep -q ': 0 errors, 2 warnings'; then   # vs UDF, vs Rock Ridge
        tap_ok "changed Joliet name: a warning, exit 0"
    else
        tap_fail "changed Joliet name: a warning, exit 0" "exit status $rc
$out"
    fi
    "$MKIMAGE" verify --strict "$tmp/broken-jname.iso" >/dev/null 2>&1
    rc=$?
    [ $rc -eq 1 ] && tap_ok "changed Joliet name: exit 1 with --strict" ||
        tap_fail "changed Joliet name: exit 1 with --strict" "exit status $rc"
else
    tap_fail "changed Joliet name: make-broken.py"
    tap_fail "changed Joliet name: --strict"
fi

# ---- the command line ------------------------------------------------
out=$("$MKIMAGE" verify --quiet "$tmp/broken-jname.iso" 2>&1)
[ $? -eq 0 ] && [ -z "$out" ] && tap_ok "--quiet prints no warnings and no summary" ||
    tap_fail "--quiet prints no warnings and no summary" "$out"
out=$("$MKIMAGE" verify --quiet "$tmp/broken-overlap-iso.iso" 2>&1)
[ $? -eq 1 ] && printf '%s\n' "$out" | grep -q '^error: ' &&
    ! printf '%s\n' "$out" | grep -q 'errors,' && tap_ok "--quiet still prints errors" ||
    tap_fail "--quiet still prints errors" "$out"
out=$("$MKIMAGE" verify "$tmp/does-not-exist.iso" 2>&1)
[ $? -eq 1 ] && printf '%s\n' "$out" | grep -q '^mkimage: IMAPI_E_IMPORT_READ_FAILURE' &&
    tap_ok "a missing image: the usual failure, exit 1" ||
    tap_fail "a missing image: the usual failure, exit 1" "$out"
: >"$tmp/empty.iso"
out=$("$MKIMAGE" verify "$tmp/empty.iso" 2>&1)
[ $? -eq 1 ] && printf '%s\n' "$out" | grep -q '^error: image: ' &&
    tap_ok "an empty image: an error, exit 1" ||
    tap_fail "an empty image: an error, exit 1" "$out"
"$MKIMAGE" verify >/dev/null 2>&1
rc=$?
[ $rc -eq 2 ] && tap_ok "no IMAGE: usage error (exit 2)" ||
    tap_fail "no IMAGE: usage error (exit 2)" "exit status $rc"
out=$("$MKIMAGE" verify --help 2>&1)
[ $? -eq 0 ] && printf '%s\n' "$out" | grep -q '^Usage: mkimage verify' &&
    tap_ok "--help" || tap_fail "--help" "$out"

tap_done
