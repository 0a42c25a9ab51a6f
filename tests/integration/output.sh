#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# output.sh - the write path of big images: into a regular file full
# buffers are written by a second thread (lib/bgwrite.c) while the next
# is made; into a pipe, by the caller.  Both must give the same bytes,
# readers must find every file, a write that fails half-way must be a
# clear error that leaves nothing behind, and --sync must give the same
# image.  Big files start on a 64 KiB boundary unless a size limit is
# set.  TAP.

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/integration/lib.sh
. "$here/lib.sh"

MKIMAGE=${MKIMAGE:-./mkimage}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/fsi-output.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' HUP INT TERM
have() { command -v "$1" >/dev/null 2>&1; }

# 1000 files of 200 KiB (below the zero-copy size, so every byte passes
# through the buffers) in 20 directories: a 200 MB image, enough for the
# writer thread's write-behind to drop pages it wrote (past 128 MiB).
mkdir -p "$tmp/src" "$tmp/out"
head -c 204800 /dev/urandom >"$tmp/pool"
i=0
while [ $i -lt 1000 ]; do
    d=$tmp/src/d$((i % 20))
    mkdir -p "$d"
    { printf '%06d' $i; cat "$tmp/pool"; } | head -c 204800 >"$d/f$i.bin"
    i=$((i + 1))
done
(cd "$tmp/src" && find . -type f | sort | xargs sha256sum) >"$tmp/src.sums"

export SOURCE_DATE_EPOCH=1700000000
tap_plan 13

# 1-2: into a file (threaded) and into a pipe: the same bytes.
tap_check "a 200 MB image into a regular file" "$MKIMAGE" create -q -o "$tmp/out/file.iso" "$tmp/src"
"$MKIMAGE" create -q -o - "$tmp/src" | cat >"$tmp/out/pipe.iso"
if cmp -s "$tmp/out/file.iso" "$tmp/out/pipe.iso"; then
    tap_ok "written into a pipe it is byte for byte the same image"
else
    tap_fail "written into a pipe it is byte for byte the same image" \
        "$(cmp "$tmp/out/file.iso" "$tmp/out/pipe.iso" 2>&1; ls -l "$tmp/out")"
fi

# 3-4: two readers of our own choosing find every file with its content.
extract_check() {   # desc dir cmd...
    desc=$1 dir=$2
    shift 2
    mkdir -p "$dir"
    if ! "$@" >"$tmp/x.log" 2>&1; then
        tap_fail "$desc" "$(tail -5 "$tmp/x.log")"
        return
    fi
    (cd "$dir" && find . -type f | sort | xargs sha256sum) >"$tmp/got.sums"
    if cmp -s "$tmp/src.sums" "$tmp/got.sums"; then
        tap_ok "$desc"
    else
        tap_fail "$desc" "$(diff "$tmp/src.sums" "$tmp/got.sums" | head -10)"
    fi
}
# two_readers IMG WHAT TAG: 7-Zip (UDF view) and xorriso (Joliet view)
# extract IMG; WHAT completes the test names.
two_readers() {
    if have 7z; then
        extract_check "7-Zip extracts $2 from the UDF view, hashes equal" "$tmp/x7$3" \
            7z x -y -o"$tmp/x7$3" "$1"
    else
        tap_skip "7-Zip extracts $2 from the UDF view, hashes equal" "7z not installed"
    fi
    if have xorriso; then
        extract_check "xorriso extracts $2 from the Joliet view, hashes equal" "$tmp/xx$3" \
            xorriso -osirrox on -indev "$1" -extract / "$tmp/xx$3"
    else
        tap_skip "xorriso extracts $2 from the Joliet view, hashes equal" "xorriso not installed"
    fi
}
two_readers "$tmp/out/file.iso" "all 1000 files" a

# 5-6: the file system fills up half-way (a file size limit stands in for
# a full disk): E_FAIL naming the reason, no temporary left, the old
# output untouched.
echo precious >"$tmp/out/keep.iso"
sh -c 'trap "" XFSZ; ulimit -f 20000; exec "$@"' _ \
    "$MKIMAGE" create -q -o "$tmp/out/keep.iso" "$tmp/src" 2>"$tmp/efbig.err"
rc=$?
if [ $rc = 1 ] && grep -q '^mkimage: E_FAIL (0x80004005): .*writing the image failed after [0-9]* bytes: File too large' "$tmp/efbig.err"; then
    tap_ok "a write failing half-way: E_FAIL naming the reason"
else
    tap_fail "a write failing half-way: E_FAIL naming the reason" "rc=$rc $(cat "$tmp/efbig.err")"
fi
if [ "$(cat "$tmp/out/keep.iso")" = precious ] && [ "$(ls -A "$tmp/out" | grep -c '\.tmp\.')" = 0 ]; then
    tap_ok "it leaves the old output untouched and no temporary file"
else
    tap_fail "it leaves the old output untouched and no temporary file" "$(ls -la "$tmp/out")"
fi

# 7-8: --sync gives the same image (and starts writeback on the way).
tap_check "--sync writes the image" "$MKIMAGE" create -q --sync -o "$tmp/out/sync.iso" "$tmp/src"
if cmp -s "$tmp/out/file.iso" "$tmp/out/sync.iso"; then
    tap_ok "--sync gives the same bytes"
else
    tap_fail "--sync gives the same bytes" "$(cmp "$tmp/out/file.iso" "$tmp/out/sync.iso" 2>&1)"
fi

# 9-12: a file of 8 MiB or more starts on a 64 KiB boundary (32 blocks),
# the padding before it is zero and readers still get every byte; with a
# size limit nothing is padded.
mkdir -p "$tmp/big"
echo "a small file first, so the big one would not fall on a boundary" >"$tmp/big/a.txt"
head -c 9437184 /dev/urandom >"$tmp/big/b.bin"
"$MKIMAGE" create -q -o "$tmp/out/big.iso" "$tmp/big"
"$MKIMAGE" create -q --max-blocks 1000000 -o "$tmp/out/packed.iso" "$tmp/big"
lba_of() {   # image name: the first block of B.BIN;1 as isoinfo lists it
    isoinfo -l -i "$1" 2>/dev/null | sed -n 's/.*\[ *\([0-9]*\) [0-9]*\] *B\.BIN;1 *$/\1/p'
}
if have isoinfo; then
    lba=$(lba_of "$tmp/out/big.iso")
    plba=$(lba_of "$tmp/out/packed.iso")
    if [ -n "$lba" ] && [ $((lba % 32)) = 0 ] && [ -n "$plba" ] && [ "$plba" -lt "$lba" ]; then
        tap_ok "a 9 MiB file starts on a 64 KiB boundary (block $lba; $plba with a size limit)"
    else
        tap_fail "a 9 MiB file starts on a 64 KiB boundary" "lba=$lba packed=$plba
$(isoinfo -l -i "$tmp/out/big.iso" 2>&1 | tail -5)"
    fi
else
    tap_skip "a 9 MiB file starts on a 64 KiB boundary" "isoinfo not installed"
fi
(cd "$tmp/big" && find . -type f | sort | xargs sha256sum) >"$tmp/src.sums"
two_readers "$tmp/out/big.iso" "the aligned file whole" b
if [ "$(stat -c %s "$tmp/out/packed.iso")" -lt "$(stat -c %s "$tmp/out/big.iso")" ]; then
    tap_ok "with a size limit the image is packed (smaller)"
else
    tap_fail "with a size limit the image is packed (smaller)" "$(ls -l "$tmp/out")"
fi
if "$MKIMAGE" create -q -o - "$tmp/big" | cmp -s - "$tmp/out/big.iso"; then
    tap_ok "with the padding, a pipe still gets the same bytes as the file"
else
    tap_fail "with the padding, a pipe still gets the same bytes as the file"
fi

tap_done
