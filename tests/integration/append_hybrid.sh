#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# tests/integration/append_hybrid.sh - `mkimage append` on hybrid images
# (an MBR, a GPT, appended partitions): the partition tables follow the
# image's new end.
#
# After a session is appended, as sgdisk, sfdisk and xorriso read them:
#   - an isohybrid MBR's partition 1 covers the grown image;
#   - a GPT (protective MBR, --efi-partition; --appended-gpt) is valid:
#     its backup header and entries at the new end, the protective entry
#     over the whole image, the ISO9660 entry grown when it was the last,
#     an appended partition left as it was;
#   - an image xorriso made (-isohybrid-gpt-basdat: 208 GPT entries after
#     the map) gains no problem in sgdisk -v;
#   - readers (xorriso, bsdtar) see the new session's file, byte-exact.
# Killed before each of its write and sync calls, the image is always a
# valid GPT disk (its backup maybe short of the grown file's end, as on a
# stick larger than the image) over the old tree or the new one.  An image with a
# partition offset (a second volume for its partition, which a session
# would leave behind) is refused, byte-identical.  TAP.
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/integration/lib.sh
. "$here/lib.sh"

top_builddir=${top_builddir:-$(pwd)}
MKIMAGE=${MKIMAGE:-$top_builddir/mkimage}
LC_ALL=C
export LC_ALL
SOURCE_DATE_EPOCH=1700000000
export SOURCE_DATE_EPOCH

PLAN=8
tap_plan $PLAN
mbr=/usr/lib/ISOLINUX/isohdpfx.bin
isolinux=/usr/lib/ISOLINUX/isolinux.bin
for t in sgdisk sfdisk xorriso bsdtar mkfs.vfat; do
    command -v $t >/dev/null 2>&1 || tap_skip_all $PLAN "hybrid append" "$t missing"
done
[ -f "$mbr" ] && [ -f "$isolinux" ] || tap_skip_all $PLAN "hybrid append" "isolinux missing"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
src=$tmp/src
mkdir -p "$src/isolinux" "$src/boot" "$tmp/s2"
cp "$isolinux" "$src/isolinux/"
echo one >"$src/a.txt"
dd if=/dev/zero of="$src/boot/efi.img" bs=1k count=1440 2>/dev/null
mkfs.vfat "$src/boot/efi.img" >/dev/null
head -c 3000000 /dev/urandom >"$tmp/s2/big.bin"
want=$(sha256sum <"$tmp/s2/big.bin" | cut -d' ' -f1)
BOOT="--boot isolinux/isolinux.bin,emulation=none,sectors=4,info-table --boot boot/efi.img,platform=efi,emulation=none"

sectors() { echo $(($(stat -c %s "$1") / 512)); }
clean() { sgdisk -v "$1" 2>&1 | grep -q 'No problems found'; }
# Valid, its backup maybe before the disk's end (a grown file, as on a
# stick larger than the image): sgdisk's one complaint then.
valid() {
    clean "$1" || { sgdisk -v "$1" 2>&1 | grep -q '^Identified 1 problems' &&
        sgdisk -v "$1" 2>&1 | grep -q "secondary header's self-pointer"; }
}
# The new file as xorriso and bsdtar read it.
has_big() {
    rm -rf "$tmp/x" && mkdir "$tmp/x" &&
        { bsdtar -xf "$1" -C "$tmp/x" big.bin 2>/dev/null; [ -f "$tmp/x/big.bin" ]; } &&
        [ "$(sha256sum <"$tmp/x/big.bin" | cut -d' ' -f1)" = "$want" ] &&
        xorriso -indev "$1" -find / -name big.bin -exec lsdl -- 2>/dev/null | grep -q ' 3000000 '
}
# The backup GPT header's own LBA (bytes 24-31 of the last sector).
backup_lba() {
    tail -c 512 "$1" | od -An -tu8 -j24 -N8 | tr -d ' '
}

# ---- 1. isohybrid MBR + GPT (ESP over the EFI image) ----
# shellcheck disable=SC2086
"$MKIMAGE" create -q --fs iso9660,joliet --isohybrid-mbr "$mbr" --efi-partition $BOOT \
    -o "$tmp/g.iso" "$src" || exit 1
cp "$tmp/g.iso" "$tmp/g.orig"
"$MKIMAGE" append -q "$tmp/g.iso" "$tmp/s2" >/dev/null
n=$(sectors "$tmp/g.iso")
ee=$(od -An -tu4 -j458 -N4 "$tmp/g.iso" | tr -d ' ')     # MBR entry 1's sectors
D="GPT image: valid after the append (sgdisk -v), backup header at the new last sector, protective entry over it all, the new file read"
if [ "$n" -gt "$(sectors "$tmp/g.orig")" ] && clean "$tmp/g.iso" &&
    [ "$(backup_lba "$tmp/g.iso")" = $((n - 1)) ] && [ "$ee" = $((n - 1)) ] && has_big "$tmp/g.iso"; then
    tap_ok "$D"
else
    tap_fail "$D" "$n sectors, backup at $(backup_lba "$tmp/g.iso"), 0xEE size $ee; $(sgdisk -v "$tmp/g.iso" 2>&1 | head -4)"
fi
"$MKIMAGE" append -q "$tmp/g.iso" "$src/a.txt" >/dev/null 2>&1 ||
    "$MKIMAGE" append -q --remove a.txt "$tmp/g.iso" >/dev/null
n=$(sectors "$tmp/g.iso")
D="GPT image: a third session, still valid and at the end"
if clean "$tmp/g.iso" && [ "$(backup_lba "$tmp/g.iso")" = $((n - 1)) ] && has_big "$tmp/g.iso"; then
    tap_ok "$D"
else
    tap_fail "$D" "$(sgdisk -v "$tmp/g.iso" 2>&1 | head -4)"
fi

# ---- 2. isohybrid MBR alone ----
# shellcheck disable=SC2086
"$MKIMAGE" create -q --fs iso9660,joliet --isohybrid-mbr "$mbr" $BOOT -o "$tmp/m.iso" "$src" || exit 1
"$MKIMAGE" append -q "$tmp/m.iso" "$tmp/s2" >/dev/null
n=$(sectors "$tmp/m.iso")
row=$(sfdisk -d "$tmp/m.iso" 2>/dev/null | grep '^[^ ]*1 :')
D="isohybrid MBR: partition 1 (0x17, active) from sector 0 over the grown image (sfdisk), the new file read"
if printf '%s\n' "$row" | grep -Eq "start= +0, size= +$n, type=17, bootable"; then
    if has_big "$tmp/m.iso"; then tap_ok "$D"; else tap_fail "$D" "new file not read"; fi
else
    tap_fail "$D" "$n sectors: $row"
fi

# ---- 3. --appended-gpt: the ISO9660 entry grows; an appended one stays ----
"$MKIMAGE" create -q --fs iso9660,joliet --appended-gpt -o "$tmp/a.iso" "$src" || exit 1
"$MKIMAGE" append -q "$tmp/a.iso" "$tmp/s2" >/dev/null
n=$(sectors "$tmp/a.iso")
last=$(sgdisk -i 1 "$tmp/a.iso" 2>/dev/null | sed -n 's/^Last sector: \([0-9]*\).*/\1/p')
D="--appended-gpt: the ISO9660 entry ends where the backup region begins, valid GPT"
if clean "$tmp/a.iso" && [ "$last" = $((n - 37)) ]; then
    tap_ok "$D"
else
    tap_fail "$D" "$n sectors, ISO9660 ends at $last; $(sgdisk -v "$tmp/a.iso" 2>&1 | head -3)"
fi
"$MKIMAGE" create -q --fs iso9660,joliet --appended-gpt --append-partition 2 0xef \
    "$src/boot/efi.img" -o "$tmp/p.iso" "$src" || exit 1
before=$(sgdisk -p "$tmp/p.iso" 2>/dev/null | grep -E '^ +[12] ')
"$MKIMAGE" append -q "$tmp/p.iso" "$tmp/s2" >/dev/null
after=$(sgdisk -p "$tmp/p.iso" 2>/dev/null | grep -E '^ +[12] ')
D="--appended-gpt with an appended ESP: both entries as they were (the ISO9660 one is not the last), valid GPT"
if clean "$tmp/p.iso" && [ -n "$before" ] && [ "$before" = "$after" ] && has_big "$tmp/p.iso"; then
    tap_ok "$D"
else
    tap_fail "$D" "before: $before / after: $after; $(sgdisk -v "$tmp/p.iso" 2>&1 | head -3)"
fi

# ---- 4. an image xorriso made ----
D="xorriso's -isohybrid-gpt-basdat image: sgdisk -v finds no more problems than before, backup at the new end"
if (cd "$tmp" && xorriso -as mkisofs -o x.iso -V X -isohybrid-mbr "$mbr" \
        -b isolinux/isolinux.bin -c isolinux/boot.cat -no-emul-boot -boot-load-size 4 \
        -boot-info-table -eltorito-alt-boot -e boot/efi.img -no-emul-boot \
        -isohybrid-gpt-basdat src >/dev/null 2>&1); then
    p0=$(sgdisk -v "$tmp/x.iso" 2>&1 | grep -c '^Problem\|CRC\|ERROR')
    "$MKIMAGE" append -q "$tmp/x.iso" "$tmp/s2" >/dev/null
    n=$(sectors "$tmp/x.iso")
    p1=$(sgdisk -v "$tmp/x.iso" 2>&1 | grep -c '^Problem\|CRC\|ERROR')
    if [ "$p1" -le "$p0" ] && [ "$(backup_lba "$tmp/x.iso")" = $((n - 1)) ] && has_big "$tmp/x.iso"; then
        tap_ok "$D"
    else
        tap_fail "$D" "problems $p0 -> $p1; $(sgdisk -v "$tmp/x.iso" 2>&1 | head -6)"
    fi
else
    tap_fail "$D" "xorriso could not make the image"
fi

# ---- 5. killed at every write and sync: a valid disk, old or new tree ----
shim=$top_builddir/tests/fault/.libs/fault.so
D="GPT image: killed before each write and sync call of the append, a valid GPT over the old tree or the new"
if [ "${FSI_SANITIZE:-}" = yes ] || [ ! -f "$shim" ]; then
    tap_skip "$D" "no fault shim here"
else
    funcs=write,pwrite,pwrite64,copy_file_range,fsync,fdatasync,ftruncate,ftruncate64,fallocate,fallocate64
    cp "$tmp/g.orig" "$tmp/k.iso"
    FAULT_PROG=mkimage FAULT_FUNCS=$funcs FAULT_COUNT=$tmp/count LD_PRELOAD=$shim \
        "$MKIMAGE" append -q "$tmp/k.iso" "$tmp/s2" >/dev/null 2>&1
    total=$(awk -v f=",$funcs," '$1 == "call" && index(f, "," $2 ",") { n += $5 }
        END { print n + 0 }' "$tmp/count")
    : >"$tmp/kill.log"
    old=0 new=0 k=1
    while [ "$k" -le "$total" ]; do
        cp "$tmp/g.orig" "$tmp/k.iso"
        FAULT_PROG=mkimage FAULT_FUNCS=$funcs FAULT_N=$k FAULT_MODE=kill LD_PRELOAD=$shim \
            "$MKIMAGE" append -q "$tmp/k.iso" "$tmp/s2" >/dev/null 2>&1
        if ! valid "$tmp/k.iso"; then
            echo "killed before call $k: $(sgdisk -v "$tmp/k.iso" 2>&1 | head -3)" >>"$tmp/kill.log"
        elif has_big "$tmp/k.iso"; then
            new=$((new + 1))
        elif xorriso -indev "$tmp/k.iso" -ls / 2>/dev/null | grep -q "'a.txt'"; then
            old=$((old + 1))
        else
            echo "killed before call $k: neither tree" >>"$tmp/kill.log"
        fi
        k=$((k + 1))
    done
    if [ "$total" -gt 3 ] && [ ! -s "$tmp/kill.log" ] && [ $old -gt 0 ]; then
        tap_ok "$D ($total calls: old $old, new $new)"
    else
        tap_fail "$D" "$total calls; $(head -5 "$tmp/kill.log")"
    fi
fi

# ---- 6. a partition offset: refused, nothing written ----
"$MKIMAGE" create -q --fs iso9660 --partition-offset 16 -o "$tmp/o.iso" "$src" || exit 1
cp "$tmp/o.iso" "$tmp/o.orig"
out=$("$MKIMAGE" append "$tmp/o.iso" "$tmp/s2" 2>&1)
rc=$?
D="a partition-offset image: IMAPI_E_INCOMPATIBLE_PREVIOUS_SESSION naming the offset, byte-identical"
case $rc:$out in
1:*IMAPI_E_INCOMPATIBLE_PREVIOUS_SESSION*"partition offset"*)
    if cmp -s "$tmp/o.iso" "$tmp/o.orig"; then tap_ok "$D"; else tap_fail "$D" "the image changed"; fi ;;
*) tap_fail "$D" "$rc: $out" ;;
esac
