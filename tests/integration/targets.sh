#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# targets.sh - where `mkimage create -o` writes, under abuse (issue 12):
# a symlink is followed and its target replaced (the link stays); a
# character device, a FIFO and a block device are written in place,
# never renamed over; the output is never one of the sources, nor part of
# its own image; a kill at any moment leaves the old output and no other
# name; a file size limit is a clear error, not a kill.  Images are read
# back with xorriso and 7-Zip.  TAP.

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/integration/lib.sh
. "$here/lib.sh"

MKIMAGE=${MKIMAGE:-./mkimage}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/fsi-targets.XXXXXX") || exit 1
loopdev=
cleanup() {
    [ -n "$loopdev" ] && losetup -d "$loopdev" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' HUP INT TERM
have() { command -v "$1" >/dev/null 2>&1; }
export SOURCE_DATE_EPOCH=1700000000

mkdir -p "$tmp/src/sub" "$tmp/out"
echo "hello" >"$tmp/src/s.txt"
head -c 70000 /dev/urandom >"$tmp/src/sub/r.bin"
(cd "$tmp/src" && find . -type f | sort | xargs sha256sum) >"$tmp/src.sums"
"$MKIMAGE" create -q -o "$tmp/ref.iso" "$tmp/src" || exit 1

tap_plan 29

# names_in DIR: every name in DIR (hidden ones too), sorted, one line.
names_in() { ls -A "$1" | sort | tr '\n' ' '; }

# readers_agree IMG DESC: xorriso (Joliet) and 7-Zip (UDF) extract IMG
# and every source file is there with the same hash (2 tests).
readers_agree() {
    for r in xorriso 7z; do
        x=$tmp/x.$r
        rm -rf "$x"
        if ! have $r; then
            tap_skip "$2: $r reads every file" "$r not installed"
            continue
        fi
        if [ $r = xorriso ]; then
            xorriso -osirrox on -indev stdio:"$1" -extract / "$x" >/dev/null 2>&1
        else
            7z x -y -o"$x" "$1" >/dev/null 2>&1
        fi
        if (cd "$x" 2>/dev/null && find . -type f | sort | xargs sha256sum) | cmp -s - "$tmp/src.sums"; then
            tap_ok "$2: $r reads every file"
        else
            tap_fail "$2: $r reads every file" "$(ls -R "$x" 2>&1 | head)"
        fi
    done
}

# 1-5: a symlink: its target is replaced, the link stays a link.
echo old >"$tmp/out/real.iso"
ln -s real.iso "$tmp/out/link.iso"
"$MKIMAGE" create -q -o "$tmp/out/link.iso" "$tmp/src"
rc=$?
if [ $rc = 0 ] && [ -L "$tmp/out/link.iso" ] && [ "$(readlink "$tmp/out/link.iso")" = real.iso ] &&
    cmp -s "$tmp/out/real.iso" "$tmp/ref.iso"; then
    tap_ok "-o SYMLINK: the link stays, its target gets the image"
else
    tap_fail "-o SYMLINK: the link stays, its target gets the image" "rc=$rc $(ls -l "$tmp/out")"
fi
if [ "$(names_in "$tmp/out")" = "link.iso real.iso " ]; then
    tap_ok "-o SYMLINK: no other name is left"
else
    tap_fail "-o SYMLINK: no other name is left" "$(names_in "$tmp/out")"
fi
ln -s new.iso "$tmp/out/dangling.iso"
"$MKIMAGE" create -q -o "$tmp/out/dangling.iso" "$tmp/src"
if [ -L "$tmp/out/dangling.iso" ] && cmp -s "$tmp/out/new.iso" "$tmp/ref.iso"; then
    tap_ok "-o DANGLING-SYMLINK: the image is made where the link points"
else
    tap_fail "-o DANGLING-SYMLINK: the image is made where the link points" "$(ls -l "$tmp/out")"
fi
readers_agree "$tmp/out/link.iso" "through the link"

# 6-7: character devices: written in place, never replaced.
if "$MKIMAGE" create -q -o /dev/null "$tmp/src" && [ -c /dev/null ]; then
    tap_ok "-o /dev/null: written in place; it stays a character device"
else
    tap_fail "-o /dev/null: written in place; it stays a character device" "$(ls -l /dev/null)"
fi
"$MKIMAGE" create -q -o /dev/full "$tmp/src" 2>"$tmp/full.err"
rc=$?
if [ $rc = 1 ] && [ -c /dev/full ] && grep -q 'E_FAIL (0x80004005).*No space left on device' "$tmp/full.err"; then
    tap_ok "-o /dev/full: E_FAIL naming ENOSPC; it stays a character device"
else
    tap_fail "-o /dev/full: E_FAIL naming ENOSPC; it stays a character device" "rc=$rc $(cat "$tmp/full.err")"
fi

# 8-10: a FIFO: streamed to its reader, which gets the image.
mkfifo "$tmp/out/fifo"
cat "$tmp/out/fifo" >"$tmp/fromfifo" &
catpid=$!
"$MKIMAGE" create -q -o "$tmp/out/fifo" "$tmp/src"
rc=$?
wait $catpid
if [ $rc = 0 ] && [ -p "$tmp/out/fifo" ] && cmp -s "$tmp/fromfifo" "$tmp/ref.iso"; then
    tap_ok "-o FIFO: its reader gets the image; it stays a FIFO"
else
    tap_fail "-o FIFO: its reader gets the image; it stays a FIFO" "rc=$rc $(ls -l "$tmp/out")"
fi
readers_agree "$tmp/fromfifo" "from the FIFO"

# 11-15: a block device (a loop device): written in place when big
# enough; too small is IMAPI_E_IMAGE_TOO_BIG, mounted is refused.
if [ "$(id -u)" = 0 ] && have losetup && truncate -s 8M "$tmp/disk" &&
    loopdev=$(losetup -f --show "$tmp/disk" 2>/dev/null) && [ -b "$loopdev" ]; then
    "$MKIMAGE" create -q -o "$loopdev" "$tmp/src"
    rc=$?
    n=$(stat -c %s "$tmp/ref.iso")
    if [ $rc = 0 ] && [ -b "$loopdev" ] && head -c "$n" "$tmp/disk" | cmp -s - "$tmp/ref.iso"; then
        tap_ok "-o BLOCK-DEVICE: the image is written onto the device"
    else
        tap_fail "-o BLOCK-DEVICE: the image is written onto the device" "rc=$rc"
    fi
    head -c 9000000 /dev/zero >"$tmp/big.bin"
    "$MKIMAGE" create -q -o "$loopdev" "$tmp/src" "$tmp/big.bin" 2>"$tmp/small.err"
    rc=$?
    if [ $rc = 1 ] && grep -q "IMAPI_E_IMAGE_TOO_BIG (0xC0AAB121): the device '$loopdev' holds 8388608 bytes" "$tmp/small.err" &&
        head -c "$n" "$tmp/disk" | cmp -s - "$tmp/ref.iso"; then
        tap_ok "a device too small: IMAPI_E_IMAGE_TOO_BIG before anything is written"
    else
        tap_fail "a device too small: IMAPI_E_IMAGE_TOO_BIG before anything is written" "rc=$rc $(cat "$tmp/small.err")"
    fi
    mkdir "$tmp/mnt"
    if have mkfs.ext2 && mkfs.ext2 -q "$loopdev" 2>/dev/null && mount "$loopdev" "$tmp/mnt" 2>/dev/null; then
        "$MKIMAGE" create -q -o "$loopdev" "$tmp/src" 2>"$tmp/busy.err"
        rc=$?
        umount "$tmp/mnt"
        if [ $rc = 1 ] && grep -q "IMAPI_E_INVALID_PARAM (0xC0AAB101): the device '$loopdev' is in use" "$tmp/busy.err"; then
            tap_ok "a mounted device: IMAPI_E_INVALID_PARAM, nothing written"
        else
            tap_fail "a mounted device: IMAPI_E_INVALID_PARAM, nothing written" "rc=$rc $(cat "$tmp/busy.err")"
        fi
    else
        tap_skip "a mounted device: IMAPI_E_INVALID_PARAM, nothing written" "cannot mount a loop device here"
    fi
    "$MKIMAGE" create -q -o "$loopdev" "$tmp/src"
    readers_agree "$loopdev" "from the block device"
    losetup -d "$loopdev"
    loopdev=
else
    for t in "-o BLOCK-DEVICE: the image is written onto the device" \
        "a device too small: IMAPI_E_IMAGE_TOO_BIG" "a mounted device: refused" \
        "from the block device: xorriso reads every file" "from the block device: 7z reads every file"; do
        tap_skip "$t" "needs root and a loop device"
    done
fi

# 16-19: the output is a source: refused before anything is written.
cp "$tmp/src/s.txt" "$tmp/s.txt"
"$MKIMAGE" create -q -o "$tmp/s.txt" "$tmp/s.txt" 2>"$tmp/self.err"
rc=$?
if [ $rc = 1 ] && grep -q "IMAPI_E_INVALID_PARAM (0xC0AAB101): the output '$tmp/s.txt' is the source '$tmp/s.txt'" "$tmp/self.err" &&
    cmp -s "$tmp/s.txt" "$tmp/src/s.txt"; then
    tap_ok "-o SOURCE: IMAPI_E_INVALID_PARAM naming both; the source is untouched"
else
    tap_fail "-o SOURCE: IMAPI_E_INVALID_PARAM naming both; the source is untouched" "rc=$rc $(cat "$tmp/self.err")"
fi
ln "$tmp/s.txt" "$tmp/hard.txt"
"$MKIMAGE" create -q -o "$tmp/hard.txt" /x.txt="$tmp/s.txt" 2>"$tmp/hard.err"
rc=$?
if [ $rc = 1 ] && grep -q "IMAPI_E_INVALID_PARAM.*is the source" "$tmp/hard.err" && cmp -s "$tmp/s.txt" "$tmp/src/s.txt"; then
    tap_ok "-o naming a graft's host file by another name (hard link): refused"
else
    tap_fail "-o naming a graft's host file by another name (hard link): refused" "rc=$rc $(cat "$tmp/hard.err")"
fi
"$MKIMAGE" create -q -o "$tmp/src/s.txt" "$tmp/src" 2>"$tmp/in.err"
rc=$?
if [ $rc = 1 ] && grep -q "IMAPI_E_INVALID_PARAM (0xC0AAB101): the output '$tmp/src/s.txt' is a source file" "$tmp/in.err" &&
    cmp -s "$tmp/s.txt" "$tmp/src/s.txt"; then
    tap_ok "-o FILE-INSIDE-A-SOURCE-TREE (not an image): refused, the file is untouched"
else
    tap_fail "-o FILE-INSIDE-A-SOURCE-TREE (not an image): refused, the file is untouched" "rc=$rc $(cat "$tmp/in.err")"
fi
"$MKIMAGE" create -q -o "$tmp/src" "$tmp/src" 2>"$tmp/dir.err"
rc=$?
if [ $rc = 1 ] && grep -q "IMAPI_E_INVALID_PARAM (0xC0AAB101): the output '$tmp/src' is a directory" "$tmp/dir.err"; then
    tap_ok "-o DIRECTORY: IMAPI_E_INVALID_PARAM"
else
    tap_fail "-o DIRECTORY: IMAPI_E_INVALID_PARAM" "rc=$rc $(cat "$tmp/dir.err")"
fi

# 20-22: the output inside a source tree: a second run does not put the
# first run's image into the new one.
cp -r "$tmp/src" "$tmp/self"
(cd "$tmp/self" && find . -type f | sort | xargs sha256sum) >"$tmp/self.sums"
"$MKIMAGE" create -q -o "$tmp/self/img.iso" "$tmp/self"
"$MKIMAGE" create -o "$tmp/self/img.iso" "$tmp/self" 2>"$tmp/again.err"
rc=$?
if [ $rc = 0 ] && grep -q "warning: '$tmp/self/img.iso' left out of the image: it is the output" "$tmp/again.err"; then
    tap_ok "the last run's image inside the source tree: a warning says it is left out"
else
    tap_fail "the last run's image inside the source tree: a warning says it is left out" "rc=$rc $(cat "$tmp/again.err")"
fi
if have xorriso && xorriso -indev "$tmp/self/img.iso" -find / -type f 2>/dev/null | grep -q img.iso; then
    tap_fail "xorriso finds no img.iso in the second image" "$(xorriso -indev "$tmp/self/img.iso" -find / 2>/dev/null)"
elif have xorriso; then
    tap_ok "xorriso finds no img.iso in the second image"
else
    tap_skip "xorriso finds no img.iso in the second image" "xorriso not installed"
fi
if have 7z && 7z l "$tmp/self/img.iso" 2>/dev/null | grep -q 's\.txt' && ! 7z l "$tmp/self/img.iso" 2>/dev/null | grep -q ' img\.iso$'; then
    tap_ok "7-Zip finds no img.iso in the second image (and the sources)"
elif have 7z; then
    tap_fail "7-Zip finds no img.iso in the second image (and the sources)" "$(7z l "$tmp/self/img.iso" 2>&1 | tail)"
else
    tap_skip "7-Zip finds no img.iso in the second image" "7z not installed"
fi

# 23-25: SIGKILL at random moments of a big write: the old output stays
# and no other name appears; SIGXFSZ (ulimit -f) is a clear error.
mkdir -p "$tmp/bigsrc" "$tmp/kill"
head -c 100000000 /dev/urandom >"$tmp/bigsrc/r.bin"
echo precious >"$tmp/kill/out.iso"
ok=yes
for d in 0.01 0.03 0.05 0.08 0.1 0.15 0.2 0.3; do
    "$MKIMAGE" create -q -o "$tmp/kill/out.iso" "$tmp/bigsrc" &
    pid=$!
    sleep $d
    kill -9 $pid 2>/dev/null
    wait $pid 2>/dev/null
    s=$(stat -c %s "$tmp/kill/out.iso")
    [ "$(names_in "$tmp/kill")" = "out.iso " ] || ok="extra names after a kill at ${d}s: $(names_in "$tmp/kill")"
    [ "$s" = 9 ] || [ "$s" -gt 100000000 ] || ok="out.iso has $s bytes after a kill at ${d}s"
    [ "$s" = 9 ] || echo precious >"$tmp/kill/out.iso"
done
if [ "$ok" = yes ]; then
    tap_ok "SIGKILL during the write (8 times): the old output or the whole new one, no other name"
else
    tap_fail "SIGKILL during the write (8 times): the old output or the whole new one, no other name" "$ok"
fi
sh -c 'ulimit -f 20000; exec "$@"' _ "$MKIMAGE" create -q -o "$tmp/kill/out.iso" "$tmp/bigsrc" 2>"$tmp/xfsz.err"
rc=$?
if [ $rc = 1 ] && grep -q 'E_FAIL (0x80004005): .*File too large' "$tmp/xfsz.err"; then
    tap_ok "ulimit -f without trapping SIGXFSZ: exit 1 with E_FAIL naming EFBIG (not a kill)"
else
    tap_fail "ulimit -f without trapping SIGXFSZ: exit 1 with E_FAIL naming EFBIG (not a kill)" "rc=$rc $(cat "$tmp/xfsz.err")"
fi
if [ "$(names_in "$tmp/kill")" = "out.iso " ] && [ "$(cat "$tmp/kill/out.iso")" = precious ]; then
    tap_ok "... and leaves the old output and no other name"
else
    tap_fail "... and leaves the old output and no other name" "$(names_in "$tmp/kill")"
fi

# 26-29: special files in a source tree are kept where a view can hold
# them (Rock Ridge, UDF); Joliet leaves them out, and a warning says so.
mkdir -p "$tmp/spec"
echo data >"$tmp/spec/f.txt"
mkfifo "$tmp/spec/p.fifo"
python3 -c "import socket,sys; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])" "$tmp/spec/s.sock" 2>/dev/null
nspecial=1
[ -S "$tmp/spec/s.sock" ] && nspecial=2
"$MKIMAGE" create -o "$tmp/spec.iso" "$tmp/spec" 2>"$tmp/spec.err"
rc=$?
if [ $rc = 0 ] && grep -q "warning: IMAPI_S_IMAGE_FEATURE_NOT_SUPPORTED (0x00AAB15F): .*$nspecial special files\{0,1\} are left out of Joliet" "$tmp/spec.err"; then
    tap_ok "special files in the tree: a warning says Joliet leaves them out, exit 0"
else
    tap_fail "special files in the tree: a warning says Joliet leaves them out, exit 0" "rc=$rc $(cat "$tmp/spec.err")"
fi
if ! have xorriso; then
    tap_skip "xorriso (Rock Ridge): the FIFO and the socket are there" "no xorriso"
elif xorriso -indev "$tmp/spec.iso" -find / -type p 2>/dev/null | grep -q "^'/p.fifo'$" &&
    { [ $nspecial = 1 ] || xorriso -indev "$tmp/spec.iso" -find / -type s 2>/dev/null | grep -q "^'/s.sock'$"; }; then
    tap_ok "xorriso (Rock Ridge): the FIFO and the socket are there"
else
    tap_fail "xorriso (Rock Ridge): the FIFO and the socket are there" "$(xorriso -indev "$tmp/spec.iso" -find / -exec lsdl 2>&1 | tail -5)"
fi
if have bsdtar && bsdtar tvf "$tmp/spec.iso" 2>/dev/null | grep -q '^p.* p\.fifo$'; then
    tap_ok "bsdtar (Rock Ridge): the FIFO is a FIFO"
else
    tap_fail "bsdtar (Rock Ridge): the FIFO is a FIFO" "$(bsdtar tvf "$tmp/spec.iso" 2>&1 | tail -5)"
fi
if have 7z && 7z l "$tmp/spec.iso" 2>/dev/null | grep -q ' f\.txt$' && ! 7z l "$tmp/spec.iso" 2>/dev/null | grep -q 'fifo\|sock'; then
    tap_ok "7-Zip (Joliet): the regular file only"
else
    tap_fail "7-Zip (Joliet): the regular file only" "$(7z l "$tmp/spec.iso" 2>&1 | tail -8)"
fi

tap_done
