#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# read_codes.sh - every IMAPI code the readers raise, triggered through
# mkimage (info, ls, extract) and checked by name (the unit test
# tests/unit/test_import.c does the same through the library).
. "$(dirname "$0")/lib.sh"

MKIMAGE=${MKIMAGE:-mkimage}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/fsi-readcodes.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM
PY=/usr/bin/python3

tap_plan 12

# expect_code DESC CODE CMD...: CMD exits 1 and names CODE on stderr or stdout.
expect_code() {
    _d=$1 _c=$2
    shift 2
    _out=$("$@" 2>&1)
    _rc=$?
    case $_out in
    *"$_c "*) if [ "$_rc" -eq 1 ]; then tap_ok "$_d"; else tap_fail "$_d" "exit $_rc
$_out"; fi ;;
    *) tap_fail "$_d" "want $_c, exit $_rc:
$_out" ;;
    esac
}

mkdir -p "$tmp/src/d" &&
    head -c 100000 /dev/urandom >"$tmp/src/d/big.bin" &&
    echo hello >"$tmp/src/a.txt" &&
    "$MKIMAGE" create -q --fs iso9660,joliet -o "$tmp/t.iso" "$tmp/src" || {
    echo "Bail out! cannot make the test image"
    exit 1
}

: >"$tmp/empty.iso"
expect_code "an empty image" IMAPI_E_EMPTY_DISC "$MKIMAGE" ls "$tmp/empty.iso"
head -c 1048576 /dev/urandom >"$tmp/noise.iso"
expect_code "noise: no supported file system" IMAPI_E_NO_SUPPORTED_FILE_SYSTEM \
    "$MKIMAGE" ls "$tmp/noise.iso"
expect_code "noise: no valid volume descriptor" IMAPI_E_IMAGEMANAGER_NO_VALID_VD_FOUND \
    "$MKIMAGE" info "$tmp/noise.iso"
expect_code "UDF asked of an ISO9660 image" IMAPI_E_FILE_SYSTEM_NOT_FOUND \
    "$MKIMAGE" ls --fs udf "$tmp/t.iso"
expect_code "a missing image" IMAPI_E_IMPORT_READ_FAILURE "$MKIMAGE" ls "$tmp/nonexistent.iso"
expect_code "no image named" IMAPI_E_IMAGEMANAGER_NO_IMAGE "$MKIMAGE" info ""

# info shows a failed image check and reads on (exit 0): only the name.
cp "$tmp/t.iso" "$tmp/odd.iso" && printf x >>"$tmp/odd.iso"
case $("$MKIMAGE" info "$tmp/odd.iso" 2>&1) in
*"image check:"*IMAPI_E_IMAGEMANAGER_IMAGE_NOT_ALIGNED*) tap_ok "size not whole blocks" ;;
*) tap_fail "size not whole blocks" "$("$MKIMAGE" info "$tmp/odd.iso" 2>&1)" ;;
esac

# 2^31 blocks: a sparse file costs nothing (skip where the file system
# cannot hold a 4 TiB file).
if truncate -s 4T "$tmp/huge.img" 2>/dev/null; then
    expect_code "more than 2^31-1 blocks" IMAPI_E_IMAGEMANAGER_IMAGE_TOO_BIG \
        "$MKIMAGE" info "$tmp/huge.img"
    rm -f "$tmp/huge.img"
else
    tap_skip "more than 2^31-1 blocks" "no 4 TiB sparse file here"
fi

# Logical block size 512 in the PVD: a feature we do not read.
cp "$tmp/t.iso" "$tmp/bs512.iso"
$PY - "$tmp/bs512.iso" <<'PYEOF'
import sys
with open(sys.argv[1], 'r+b') as f:
    f.seek(16 * 2048 + 128)
    f.write(bytes([0x00, 0x02, 0x02, 0x00]))
PYEOF
expect_code "512-byte blocks" IMAPI_E_FILE_SYSTEM_FEATURE_NOT_SUPPORTED \
    "$MKIMAGE" ls --fs iso9660 "$tmp/bs512.iso"

# A subdirectory record pointing back at the root: a loop.
cp "$tmp/t.iso" "$tmp/loop.iso"
$PY - "$tmp/loop.iso" <<'PYEOF'
import sys
with open(sys.argv[1], 'r+b') as f:
    f.seek(16 * 2048)
    pvd = f.read(2048)
    root = int.from_bytes(pvd[156 + 2:156 + 6], 'little')
    f.seek(root * 2048)
    d = bytearray(f.read(2048))
    off = d[0]
    off += d[off]                    # past "." and ".."
    while d[off] and not d[off + 25] & 2:
        off += d[off]                # the first subdirectory ("D")
    d[off + 2:off + 18] = pvd[156 + 2:156 + 18]
    f.seek(root * 2048)
    f.write(d)
PYEOF
expect_code "a directory loop" IMAPI_E_FILE_SYSTEM_READ_CONSISTENCY_ERROR \
    "$MKIMAGE" ls -R --fs iso9660 "$tmp/loop.iso"
case $("$MKIMAGE" ls -R --fs iso9660 "$tmp/loop.iso" 2>&1) in
*loop*) tap_ok "the loop is named" ;;
*) tap_fail "the loop is named" "$("$MKIMAGE" ls -R --fs iso9660 "$tmp/loop.iso" 2>&1)" ;;
esac

# Cut inside a file's data: the read of that data fails.
blk=$("$MKIMAGE" ls -l --fs joliet "$tmp/t.iso" /d/big.bin | awk '{ print $(NF - 1) }')
cp "$tmp/t.iso" "$tmp/cut.iso" && truncate -s $(((blk + 10) * 2048)) "$tmp/cut.iso"
expect_code "data past the end of a cut image" IMAPI_E_IMPORT_SEEK_FAILURE \
    "$MKIMAGE" extract -q --fs joliet "$tmp/cut.iso" "$tmp/out"

tap_done
