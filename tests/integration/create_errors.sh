#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# create_errors.sh - `mkimage create` failures: each gives its IMAPI code on
# one stderr line, exit 1 (usage errors exit 2), and leaves no output file
# behind (an existing one untouched).  Prints TAP.

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/integration/lib.sh
. "$here/lib.sh"

MKIMAGE=${MKIMAGE:-./mkimage}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/fsi-create-errors.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' HUP INT TERM

# expect DESC STATUS CODE-NAME ARGS...: run mkimage ARGS, check the exit
# status, that stderr's first line is "mkimage: CODE-NAME (0x........): ..."
# (CODE-NAME "-" for usage errors), and that no temporary or output file
# appeared in $tmp/out.
expect() {
    desc=$1 want_rc=$2 want_code=$3
    shift 3
    rm -rf "$tmp/out"
    mkdir "$tmp/out"
    "$MKIMAGE" "$@" >"$tmp/stdout" 2>"$tmp/stderr"
    rc=$?
    first=$(head -n 1 "$tmp/stderr")
    left=$(ls -A "$tmp/out")
    problem=
    [ "$rc" -eq "$want_rc" ] || problem="exit status $rc, expected $want_rc"
    if [ "$want_code" != - ]; then
        case $first in
        "mkimage: $want_code (0x"*"): "*) ;;
        *) problem="$problem; stderr does not start with 'mkimage: $want_code (0x...): '" ;;
        esac
    fi
    [ -z "$left" ] || problem="$problem; left behind: $left"
    if [ -z "$problem" ]; then
        tap_ok "$desc"
    else
        tap_fail "$desc" "$problem
stderr: $(cat "$tmp/stderr")"
    fi
}

src=$tmp/src
mkdir -p "$src/a" "$tmp/src2/a" "$tmp/deep/1/2/3/4/5/6/7"
echo one >"$src/a/x.txt"
echo two >"$tmp/src2/a/x.txt"
echo deep >"$tmp/deep/1/2/3/4/5/6/7/f"
mkdir -p "$tmp/dangling"
ln -s "$tmp/nowhere" "$tmp/dangling/link"

tap_plan 19

expect "no output option is a usage error" 2 - create "$src"
expect "no source is a usage error" 2 - create -o "$tmp/out/x.iso"
expect "unknown option is a usage error" 2 - create --bogus -o "$tmp/out/x.iso" "$src"
expect "--iso-level 4 is a usage error" 2 - create --iso-level 4 -o "$tmp/out/x.iso" "$src"
expect "--fs with an unknown name is a usage error" 2 - create --fs iso9660,hfs -o "$tmp/out/x.iso" "$src"
expect "--udf-revision 3.00 is a usage error" 2 - create --udf-revision 3.00 -o "$tmp/out/x.iso" "$src"
expect "unknown command is a usage error" 2 - frobnicate
expect "two sources with the same file: IMAPI_E_DUP_NAME" 1 IMAPI_E_DUP_NAME \
    create -o "$tmp/out/x.iso" "$src" "$tmp/src2"
expect "9 levels with ISO9660: IMAPI_E_ISO9660_LEVELS" 1 IMAPI_E_ISO9660_LEVELS \
    create -o "$tmp/out/x.iso" "$tmp/deep"
expect "missing source: IMAPI_E_DATA_STREAM_CREATE_FAILURE" 1 IMAPI_E_DATA_STREAM_CREATE_FAILURE \
    create -o "$tmp/out/x.iso" "$tmp/does-not-exist"
expect "dangling symlink followed: IMAPI_E_DATA_STREAM_CREATE_FAILURE" 1 \
    IMAPI_E_DATA_STREAM_CREATE_FAILURE create --follow-links -o "$tmp/out/x.iso" "$tmp/dangling"
expect "33-character volume name: IMAPI_E_INVALID_VOLUME_NAME" 1 IMAPI_E_INVALID_VOLUME_NAME \
    create -V 123456789012345678901234567890123 -o "$tmp/out/x.iso" "$src"
expect "--hidden of a missing item: IMAPI_E_ITEM_NOT_FOUND" 1 IMAPI_E_ITEM_NOT_FOUND \
    create --hidden /nope -o "$tmp/out/x.iso" "$src"
expect "--restricted-charset with a non-ASCII name: IMAPI_E_RESTRICTED_NAME_VIOLATION" 1 \
    IMAPI_E_RESTRICTED_NAME_VIOLATION create --restricted-charset -o "$tmp/out/x.iso" \
    "/caf$(printf '\303\251').txt=$src/a/x.txt"

truncate -s 800M "$tmp/sparse800.bin"
expect "an 800 MB file with --media cd: IMAPI_E_IMAGE_SIZE_LIMIT" 1 IMAPI_E_IMAGE_SIZE_LIMIT \
    create --media cd -o "$tmp/out/x.iso" "$tmp/sparse800.bin"
expect "--max-blocks below the empty image: IMAPI_E_IMAGE_TOO_BIG" 1 IMAPI_E_IMAGE_TOO_BIG \
    create --max-blocks 10 -o "$tmp/out/x.iso" "$src"
expect "--media floppy is a usage error" 2 - create --media floppy -o "$tmp/out/x.iso" "$src"

# A write that fails (a full device) is E_FAIL with the system's reason.
"$MKIMAGE" create -o - "$src" >/dev/full 2>"$tmp/full.err"
rc=$?
if [ "$rc" = 1 ] && grep -q '^mkimage: E_FAIL (0x80004005): .*No space left on device' "$tmp/full.err"; then
    tap_ok "writing to a full device: E_FAIL naming ENOSPC"
else
    tap_fail "writing to a full device: E_FAIL naming ENOSPC" "rc=$rc $(cat "$tmp/full.err")"
fi

# A failing run must not touch an existing output file.
echo precious >"$tmp/keep.iso"
"$MKIMAGE" create -o "$tmp/keep.iso" "$src" "$tmp/src2" 2>/dev/null
if [ "$(cat "$tmp/keep.iso")" = precious ] && [ "$(ls -A "$tmp" | grep -c '\.tmp\.')" = 0 ]; then
    tap_ok "a failed run leaves an existing output file untouched"
else
    tap_fail "a failed run leaves an existing output file untouched" "$(ls -la "$tmp")"
fi

tap_done
