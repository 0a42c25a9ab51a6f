#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# tests/integration/udf_anchors.sh - the UDF anchors (ECMA-167 3/8.4.2.1:
# at 256, N - 256 and N, N the last block).  A volume of 1 GiB or more
# gets all three (a sparse 1.1 GiB source keeps this quick); a smaller one
# 256 and N only.  Checked with a block dump (tag 2 and its location) and
# udfinfo, which lists every anchor it finds; mkimage verify is clean.
# Readers find the volume through the middle anchor when the other two
# are destroyed (mkimage; udfinfo).  An appended session of a big image
# ends with its own three.  Prints TAP.
#
# Environment: MKIMAGE (default ./mkimage).

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/integration/lib.sh
. "$here/lib.sh"

top_builddir=${top_builddir:-$(pwd)}
MKIMAGE=${MKIMAGE:-$top_builddir/mkimage}
LC_ALL=C.UTF-8
export LC_ALL

tmp=$(mktemp -d "${TMPDIR:-/tmp}/fsi-anchors.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' HUP INT TERM

have() { command -v "$1" >/dev/null 2>&1; }

tap_plan 7

# anchors IMG: the blocks among 256, N - 256 and N that hold an Anchor
# Volume Descriptor Pointer naming itself, as "256 mid last".
anchors() {
    python3 - "$1" <<'PY'
import os, sys
p = sys.argv[1]
n = os.path.getsize(p) // 2048
out = []
with open(p, 'rb') as f:
    for name, b in (("256", 256), ("mid", n - 257), ("last", n - 1)):
        f.seek(b * 2048)
        t = f.read(16)
        if len(t) == 16 and t[0] | t[1] << 8 == 2 and int.from_bytes(t[12:16], 'little') == b:
            out.append(name)
print(" ".join(out))
PY
}

mkdir -p "$tmp/src" "$tmp/small"
truncate -s 1100M "$tmp/src/sparse.bin" && echo hello >"$tmp/src/a.txt" && echo hi >"$tmp/small/b.txt"
big=$tmp/big.iso
if "$MKIMAGE" create -q -o "$big" "$tmp/src" >"$tmp/mk.out" 2>&1 &&
    [ "$(anchors "$big")" = "256 mid last" ]; then
    tap_ok "a 1.1 GiB volume: anchors at 256, N - 256 and N"
else
    tap_fail "a 1.1 GiB volume: anchors at 256, N - 256 and N" "$(cat "$tmp/mk.out"; anchors "$big")"
fi
if have udfinfo; then
    udfinfo "$big" >"$tmp/ui.out" 2>&1
    if [ "$(grep -c "type=ANCHOR" "$tmp/ui.out")" -eq 3 ] && ! grep -qi warning "$tmp/ui.out"; then
        tap_ok "udfinfo finds the three anchors, no warnings"
    else
        tap_fail "udfinfo finds the three anchors" "$(grep -i "anchor\|warn" "$tmp/ui.out")"
    fi
else
    tap_skip "udfinfo finds the three anchors" "udfinfo not installed"
fi
tap_check "mkimage verify: the big volume is clean" "$MKIMAGE" verify -q "$big"
"$MKIMAGE" create -q -o "$tmp/small.iso" "$tmp/small" >/dev/null 2>&1
if [ "$(anchors "$tmp/small.iso")" = "256 last" ]; then
    tap_ok "a small volume: anchors at 256 and N only"
else
    tap_fail "a small volume: anchors at 256 and N only" "$(anchors "$tmp/small.iso")"
fi

# Blocks 256 and N destroyed: the one at N - 256 still leads to the volume.
cp --sparse=always "$big" "$tmp/hurt.iso"
n=$(( $(stat -c %s "$tmp/hurt.iso") / 2048 ))
dd if=/dev/zero of="$tmp/hurt.iso" bs=2048 seek=256 count=1 conv=notrunc status=none
dd if=/dev/zero of="$tmp/hurt.iso" bs=2048 seek=$((n - 1)) count=1 conv=notrunc status=none
"$MKIMAGE" ls --fs udf "$tmp/hurt.iso" >"$tmp/ls.out" 2>&1
if grep -qx "a.txt" "$tmp/ls.out" && grep -qx "sparse.bin" "$tmp/ls.out"; then
    tap_ok "anchors at 256 and N destroyed: mkimage reads the volume through N - 256"
else
    tap_fail "anchors at 256 and N destroyed: mkimage reads the volume" "$(cat "$tmp/ls.out")"
fi
if have udfinfo; then
    if udfinfo "$tmp/hurt.iso" >"$tmp/uh.out" 2>&1 && grep -q "^label=" "$tmp/uh.out"; then
        tap_ok "anchors at 256 and N destroyed: udfinfo reads the volume"
    else
        tap_fail "anchors at 256 and N destroyed: udfinfo reads the volume" "$(head -5 "$tmp/uh.out")"
    fi
else
    tap_skip "anchors at 256 and N destroyed: udfinfo" "udfinfo not installed"
fi

# An appended session of the big image: three anchors at its own end.
if "$MKIMAGE" append -q "$big" "$tmp/small" >"$tmp/ap.out" 2>&1 &&
    [ "$(anchors "$big")" = "256 mid last" ] && "$MKIMAGE" verify -q "$big" >>"$tmp/ap.out" 2>&1; then
    tap_ok "an appended session of the big image: anchors at 256, N - 256 and N; verify clean"
else
    tap_fail "an appended session of the big image: three anchors" "$(cat "$tmp/ap.out"; anchors "$big")"
fi

tap_done
