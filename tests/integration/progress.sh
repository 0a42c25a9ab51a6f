#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# progress.sh - mkimage's progress display and cancellation: a bar on a
# terminal, nothing in a pipe, lines with --progress, nothing with --quiet;
# a cancelled write (FSI_CANCEL_AT_PERCENT, or SIGINT while blocked on a
# pipe) fails with E_IMAPI_REQUEST_CANCELLED and leaves no file.  TAP.

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/integration/lib.sh
. "$here/lib.sh"

MKIMAGE=${MKIMAGE:-./mkimage}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/fsi-progress.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' HUP INT TERM

mkdir -p "$tmp/src" "$tmp/out"
head -c 20000000 /dev/urandom >"$tmp/src/big.bin"
echo small >"$tmp/src/small.txt"

tap_plan 7

# 1: a bar under a pseudo-terminal (script(1) from bsdutils gives one).
if command -v script >/dev/null 2>&1; then
    script -qec "'$MKIMAGE' create -o '$tmp/out/tty.iso' '$tmp/src'" "$tmp/typescript" >/dev/null 2>&1
    if grep -q '100.0%' "$tmp/typescript" && grep -q "$(printf '\r')" "$tmp/typescript"; then
        tap_ok "a progress bar is drawn on a terminal"
    else
        tap_fail "a progress bar is drawn on a terminal" "$(od -c "$tmp/typescript" | head -20)"
    fi
else
    tap_skip "a progress bar is drawn on a terminal" "script(1) not installed"
fi

# 2: nothing but the summary when stderr is a pipe.
"$MKIMAGE" create -o "$tmp/out/pipe.iso" "$tmp/src" 2>&1 | cat >"$tmp/pipe.err"
if ! grep -q '%' "$tmp/pipe.err" && grep -q "wrote" "$tmp/pipe.err"; then
    tap_ok "no progress output when stderr is not a terminal"
else
    tap_fail "no progress output when stderr is not a terminal" "$(cat "$tmp/pipe.err")"
fi

# 3: --progress prints plain lines ending with 100%.
"$MKIMAGE" create --progress -o "$tmp/out/lines.iso" "$tmp/src" 2>"$tmp/lines.err"
if grep -q '^mkimage: 100.0%' "$tmp/lines.err" && ! grep -q "$(printf '\r')" "$tmp/lines.err"; then
    tap_ok "--progress prints plain lines"
else
    tap_fail "--progress prints plain lines" "$(cat "$tmp/lines.err")"
fi

# 4: --quiet prints nothing at all.
"$MKIMAGE" create --quiet -o "$tmp/out/quiet.iso" "$tmp/src" 2>"$tmp/quiet.err"
if [ ! -s "$tmp/quiet.err" ] && [ -s "$tmp/out/quiet.iso" ]; then
    tap_ok "--quiet prints nothing"
else
    tap_fail "--quiet prints nothing" "$(cat "$tmp/quiet.err")"
fi

# 5-6: cancelled at 50%: the code, and no file (nor temporary) left.
rm -rf "$tmp/out"/*
FSI_CANCEL_AT_PERCENT=50 "$MKIMAGE" create -o "$tmp/out/half.iso" "$tmp/src" 2>"$tmp/half.err"
rc=$?
if [ "$rc" = 1 ] && grep -q '^mkimage: E_IMAPI_REQUEST_CANCELLED (0xC0AA0002): ' "$tmp/half.err"; then
    tap_ok "cancelling at 50% fails with E_IMAPI_REQUEST_CANCELLED"
else
    tap_fail "cancelling at 50% fails with E_IMAPI_REQUEST_CANCELLED" "rc=$rc $(cat "$tmp/half.err")"
fi
left=$(ls -A "$tmp/out")
if [ -z "$left" ]; then
    tap_ok "cancelling at 50% leaves no file"
else
    tap_fail "cancelling at 50% leaves no file" "left: $left"
fi

# 7: SIGINT while blocked writing to a pipe nobody reads yet.
("$MKIMAGE" create -o - "$tmp/src" 2>"$tmp/int.err"; echo $? >"$tmp/int.rc") | { sleep 3; cat >/dev/null; } &
sleep 1
pkill -INT -f "create -o - $tmp/src" 2>/dev/null || kill -INT $(pgrep -f "create -o - $tmp/src") 2>/dev/null
wait
if [ "$(cat "$tmp/int.rc" 2>/dev/null)" = 1 ] && grep -q 'E_IMAPI_REQUEST_CANCELLED' "$tmp/int.err"; then
    tap_ok "SIGINT cancels a write blocked on a pipe"
else
    tap_fail "SIGINT cancels a write blocked on a pipe" "rc=$(cat "$tmp/int.rc" 2>/dev/null) $(cat "$tmp/int.err")"
fi

tap_done
