#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# tests/integration/udf_anchors.sh - the UDF anchors (ECMA-167 3/8.4.2.1:
# at 256, N - 256 and N, N the last block).  A volume of 1 GiB or more
# gets all three (a sparse 1.1 GiB source keeps this quick); a smaller one
# 256 and N only.  Checked with a block dump (tag 2 and its location) and
# udfinfo, which lists every anchor it finds; mkimage verify is clean.
# Readers find the volume through the middle anchor when the other two
# are destroyed (mkimage; udfinfo).  An appended session of a big image
# ends with its own three.  UDF 2.50 and 2.60, created and appended to:
# the metadata file and its mirror start on a multiple of 32 blocks of the
# disc (a BD's ECC block; read from the partition descriptor, the
# metadata partition map and the two files' Extended File Entries), the
# main and reserve sequences lie on either side of them (udfinfo), and
# verify is clean.  Prints TAP.
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

tap_plan 9

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

# meta_align IMG: "P META MIRROR" (absolute blocks) of the volume at 256:
# the partition's start, where the metadata file's data and its mirror's
# start.
meta_align() {
    python3 - "$1" <<'PY'
import struct, sys
f = open(sys.argv[1], 'rb')
def blk(b):
    f.seek(b * 2048)
    return f.read(2048)
a = blk(256)
vds = struct.unpack_from('<I', a, 20)[0]
part = maps = None
for b in range(vds, vds + 16):
    d = blk(b)
    tag = struct.unpack_from('<H', d, 0)[0]
    if tag == 5:
        part = struct.unpack_from('<I', d, 188)[0]
    elif tag == 6:
        n = struct.unpack_from('<I', d, 268)[0]
        maps, at = [], 440
        for _ in range(n):
            t, ln = d[at], d[at + 1]
            maps.append(d[at:at + ln])
            at += ln
    elif tag == 8:
        break
meta = [m for m in maps if m[0] == 2 and m[5:28] == b'*UDF Metadata Partition']
loc, mir = struct.unpack_from('<II', meta[0], 40)
def data_start(lb):
    e = blk(part + lb)
    lea, lad = struct.unpack_from('<II', e, 208)
    return part + struct.unpack_from('<I', e, 216 + lea + 4)[0]
print(part, data_start(loc), data_start(mir))
PY
}
for rev in 2.50 2.60; do
    u=$tmp/m$rev.iso
    : >"$tmp/al.diff"
    "$MKIMAGE" create -q --udf-revision $rev -o "$u" "$tmp/small" >"$tmp/al.diff" 2>&1
    for step in created appended; do
        [ $step = appended ] && "$MKIMAGE" append -q "$u" "$tmp/src/a.txt" >>"$tmp/al.diff" 2>&1
        got=$(meta_align "$u" 2>&1)
        set -- $got
        if [ $# -ne 3 ] || [ $(($1 % 32)) -ne 0 ] || [ $(($2 % 32)) -ne 0 ] || [ $(($3 % 32)) -ne 0 ]; then
            echo "$step: partition, metadata, mirror at: $got" >>"$tmp/al.diff"
        fi
        "$MKIMAGE" verify -q "$u" >>"$tmp/al.diff" 2>&1 || echo "$step: verify" >>"$tmp/al.diff"
        if have udfinfo; then
            udfinfo "$u" >"$tmp/ua.out" 2>&1
            m=$(sed -n 's/^start=\([0-9]*\), blocks=.*type=MVDS$/\1/p' "$tmp/ua.out")
            r=$(sed -n 's/^start=\([0-9]*\), blocks=.*type=RVDS$/\1/p' "$tmp/ua.out")
            p=$(sed -n 's/^start=\([0-9]*\), blocks=.*type=PSPACE$/\1/p' "$tmp/ua.out")
            { [ -n "$m" ] && [ -n "$r" ] && [ -n "$p" ] && [ "$m" -lt "$2" ] && [ "$r" -gt "$3" ] &&
                [ $((p % 32)) -eq 0 ]; } ||
                echo "$step: udfinfo: MVDS $m, RVDS $r, partition $p; metadata $2, mirror $3" \
                    >>"$tmp/al.diff"
        fi
    done
    if [ -s "$tmp/al.diff" ]; then
        tap_fail "UDF $rev: metadata file and mirror on 32-block units, sequences around them" \
            "$(cat "$tmp/al.diff")"
    else
        tap_ok "UDF $rev: metadata file and mirror on 32-block units of the disc, the main and reserve sequences on either side of them (created, appended)"
    fi
done
tap_done
