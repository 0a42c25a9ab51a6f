#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# errors.sh - `mkimage errors`: the IMAPI code table on the command line.
# Prints TAP.  MKIMAGE is the mkimage to test (default ./mkimage).

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/integration/lib.sh
. "$here/lib.sh"

MKIMAGE=${MKIMAGE:-./mkimage}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/fsi-errors.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' HUP INT TERM

tap_plan 14

# 1-5: the whole table
"$MKIMAGE" errors >"$tmp/list" 2>"$tmp/list.err"
rc=$?
if [ "$rc" -eq 0 ] && [ ! -s "$tmp/list.err" ]; then
    tap_ok "errors: lists the table, exit 0, nothing on stderr"
else
    tap_fail "errors: lists the table, exit 0, nothing on stderr" \
        "exit status $rc; stderr: $(cat "$tmp/list.err")"
fi

lines=$(wc -l <"$tmp/list" | tr -d ' ')
if [ "$lines" = 158 ]; then
    tap_ok "errors: 158 lines"
else
    tap_fail "errors: 158 lines" "got $lines lines"
fi

bad=$(grep -Ev '^[A-Z][A-Z0-9_]* +0x[0-9A-F]{8}  [^ ]' "$tmp/list")
if [ -s "$tmp/list" ] && [ -z "$bad" ]; then
    tap_ok "errors: every line is NAME 0xXXXXXXXX message"
else
    tap_fail "errors: every line is NAME 0xXXXXXXXX message" "$bad"
fi

if grep -Eq '^IMAPI_E_DUP_NAME +0xC0AAB112  ' "$tmp/list"; then
    tap_ok "errors: IMAPI_E_DUP_NAME is 0xC0AAB112"
else
    tap_fail "errors: IMAPI_E_DUP_NAME is 0xC0AAB112" "$(grep DUP_NAME "$tmp/list")"
fi

missing=
for c in 'IMAPI_E_PROPERTY_NOT_ACCESSIBLE +0xC0AAB160' \
         'IMAPI_E_UDF_REVISION_CHANGE_NOT_ALLOWED +0xC0AAB161' \
         'E_IMAPI_RECORDER_MEDIA_NOT_FORMATTED +0xC0AA0212' \
         'IMAPI_S_IMAGE_FEATURE_NOT_SUPPORTED +0x00AAB15F' \
         'E_IMAPI_ERASE_RECORDER_IN_USE +0x80AA0900' \
         'E_FAIL +0x80004005'; do
    grep -Eq "^$c  " "$tmp/list" || missing="$missing
$c"
done
if [ -z "$missing" ]; then
    tap_ok "errors: codes missing from Microsoft's page and general codes are listed"
else
    tap_fail "errors: codes missing from Microsoft's page and general codes are listed" \
        "not found:$missing"
fi

# 6-9: one code, by name, value, lowercase name, decimal
"$MKIMAGE" errors IMAPI_E_DUP_NAME >"$tmp/byname" 2>&1
rc=$?
if [ "$rc" -eq 0 ] && grep -q 'IMAPI_E_DUP_NAME' "$tmp/byname" &&
    grep -q '0xC0AAB112' "$tmp/byname" && grep -q '%1' "$tmp/byname"; then
    tap_ok "errors IMAPI_E_DUP_NAME: shows name, value and message"
else
    tap_fail "errors IMAPI_E_DUP_NAME: shows name, value and message" \
        "exit status $rc
$(cat "$tmp/byname")"
fi

for arg in 0xC0AAB112 imapi_e_dup_name -1062555374; do
    "$MKIMAGE" errors "$arg" >"$tmp/other" 2>&1
    rc=$?
    if [ "$rc" -eq 0 ] && cmp -s "$tmp/byname" "$tmp/other"; then
        tap_ok "errors $arg: same as by name"
    else
        tap_fail "errors $arg: same as by name" "exit status $rc
$(diff "$tmp/byname" "$tmp/other")"
    fi
done

# 10-11: unknown code
"$MKIMAGE" errors IMAPI_E_NO_SUCH_CODE >"$tmp/unk.out" 2>"$tmp/unk.err"
rc=$?
if [ "$rc" -eq 1 ]; then
    tap_ok "errors UNKNOWN: exit 1"
else
    tap_fail "errors UNKNOWN: exit 1" "exit status $rc"
fi
if grep -q "^mkimage: unknown IMAPI code 'IMAPI_E_NO_SUCH_CODE'" "$tmp/unk.err" &&
    [ ! -s "$tmp/unk.out" ]; then
    tap_ok "errors UNKNOWN: message on stderr, nothing on stdout"
else
    tap_fail "errors UNKNOWN: message on stderr, nothing on stdout" \
        "stdout: $(cat "$tmp/unk.out")
stderr: $(cat "$tmp/unk.err")"
fi

# 12: an unused code point is unknown too
"$MKIMAGE" errors 0xC0AAB107 >/dev/null 2>&1
rc=$?
if [ "$rc" -eq 1 ]; then
    tap_ok "errors 0xC0AAB107 (unused code point): exit 1"
else
    tap_fail "errors 0xC0AAB107 (unused code point): exit 1" "exit status $rc"
fi

# 13: usage error
"$MKIMAGE" errors IMAPI_E_DUP_NAME IMAPI_E_NOT_DIR >"$tmp/two.out" 2>"$tmp/two.err"
rc=$?
if [ "$rc" -eq 2 ] && [ -s "$tmp/two.err" ]; then
    tap_ok "errors A B: usage error, exit 2"
else
    tap_fail "errors A B: usage error, exit 2" "exit status $rc
$(cat "$tmp/two.err")"
fi

# 14: help
tap_check "errors --help: exit 0" "$MKIMAGE" errors --help

tap_done
