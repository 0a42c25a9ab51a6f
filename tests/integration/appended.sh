#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# tests/integration/appended.sh - appended partitions and GRUB2 hybrids:
# archiso's and Ubuntu's -as mkisofs lines (-append_partition 2 with an
# EFI System Partition, -appended_part_as_gpt, -e
# --interval:appended_partition_2:all::, --grub2-mbr, --grub2-boot-info,
# --mbr-force-bootable, -iso_mbr_part_type), built by mkimage and by
# xorriso.  sgdisk, fdisk and xorriso must see the same partition table
# entries in both images (sizes of the ISO9660 partition aside: xorriso
# pads), mtools must read the ESP from the image, xorriso the El Torito
# entry pointing at it; OVMF must boot the images from a disk through the
# appended ESP and from a CD through El Torito, SeaBIOS through isolinux's
# and GRUB2's MBR code and from a CD (GRUB2 printing its marker from
# grub.cfg).  An MBR-only variant, -G, and every refusal with its code.
# TAP.
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/integration/lib.sh
. "$here/lib.sh"

top_builddir=${top_builddir:-$(pwd)}
MKIMAGE=${MKIMAGE:-$top_builddir/mkimage}
LC_ALL=C
export LC_ALL
SOURCE_DATE_EPOCH=1700000000
export SOURCE_DATE_EPOCH
PY=/usr/bin/python3

PLAN=39
tap_plan $PLAN
have() { command -v "$1" >/dev/null 2>&1; }
skip_all() { tap_skip_all $PLAN "appended partitions" "$1"; }
mbr=/usr/lib/ISOLINUX/isohdpfx.bin
isolinux=/usr/lib/ISOLINUX/isolinux.bin
ldlinux=/usr/lib/syslinux/modules/bios/ldlinux.c32
ghybrid=/usr/lib/grub/i386-pc/boot_hybrid.img
for f in $mbr $isolinux $ldlinux $ghybrid /usr/share/OVMF/OVMF_CODE_4M.fd; do
    [ -f "$f" ] || skip_all "$f missing (isolinux, syslinux-common, grub-pc-bin, ovmf)"
done
for t in xorriso isoinfo bsdtar sfdisk fdisk sgdisk mdir grub-mkimage qemu-system-x86_64; do
    have "$t" || skip_all "$t is not installed"
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/fsi-appended.XXXXXX") || exit 1
QPID=
trap '[ -n "$QPID" ] && kill "$QPID" 2>/dev/null; rm -rf "$tmp"' EXIT
trap 'exit 1' HUP INT TERM

# archiso's tree: isolinux under boot/syslinux; the ESP outside the tree.
arch=$tmp/arch
mkdir -p "$arch/boot/syslinux" "$arch/arch/x86_64" || exit 1
cp "$isolinux" "$ldlinux" "$arch/boot/syslinux/" || exit 1
printf 'SERIAL 0 115200\nSAY FSI-HYBRID-BOOTED\nPROMPT 0\nDEFAULT none\nLABEL none\n  KERNEL /none\n' \
    >"$arch/boot/syslinux/isolinux.cfg"
head -c 200000 /dev/urandom >"$arch/arch/x86_64/airootfs.sfs"
data=$(cd "$here/../data/boot" && pwd)
efi_image "$data/efiapp.c" "$tmp" "$tmp/efiboot.img" ||
    skip_all "building the EFI application failed: $(cat "$tmp/efi.err")"

ARCH="-iso-level 3 -full-iso9660-filenames -joliet -joliet-long -rational-rock -volid ARCH_202312
 -appid ArchLinux -publisher ArchLinux -preparer mkarchiso -partition_offset 16
 -append_partition 2 C12A7328-F81F-11D2-BA4B-00A0C93EC93B $tmp/efiboot.img -appended_part_as_gpt
 -c /boot.catalog -b /boot/syslinux/isolinux.bin -no-emul-boot -boot-load-size 4 -boot-info-table
 -eltorito-alt-boot -e --interval:appended_partition_2:all:: -no-emul-boot
 -isohybrid-mbr $mbr --mbr-force-bootable"
# shellcheck disable=SC2086
out=$("$MKIMAGE" -as mkisofs $ARCH -o "$tmp/a.iso" "$arch" 2>&1)
rc=$?
# shellcheck disable=SC2086
xorriso -as mkisofs $ARCH -o "$tmp/ax.iso" "$arch" >"$tmp/ax.log" 2>&1 ||
    skip_all "xorriso could not build archiso's line: $(tail -3 "$tmp/ax.log")"
case $rc:$out in
0:*warning*|[1-9]*) tap_fail "archiso's line builds, without a warning" "$rc: $out" ;;
*) tap_ok "archiso's line builds, without a warning" ;;
esac

# sgdisk -p's lines of partitions 1 and 2 as NUMBER CODE NAME [SIZE]
# (xorriso lists its padding after them as a partition "Gap1").
gpt_rows() {   # gpt_rows IMAGE WITH_SIZE_OF_PARTITION
    sgdisk -p "$1" 2>/dev/null | awk -v p="$2" '
        /^ +[12] +[0-9]+ +[0-9]+ / { print $1, $(NF - 1), $NF, ($1 == p ? $3 - $2 + 1 : "") }'
}
if sgdisk -v "$tmp/a.iso" 2>&1 | grep -q 'No problems found' &&
    [ "$(gpt_rows "$tmp/a.iso" 2)" = "$(gpt_rows "$tmp/ax.iso" 2)" ] &&
    [ "$(gpt_rows "$tmp/a.iso" 2 | wc -l)" -ge 2 ]; then
    tap_ok "sgdisk: a valid GPT; ISO9660 and Appended2 (EF00, the ESP's size) as in xorriso's image"
else
    tap_fail "sgdisk: a valid GPT; ISO9660 and Appended2 (EF00, the ESP's size) as in xorriso's image" \
        "$(sgdisk -v "$tmp/a.iso" 2>&1 | head -3; gpt_rows "$tmp/a.iso" 2; echo ---; gpt_rows "$tmp/ax.iso" 2)"
fi
# xorriso's own report of the MBR: status, type and start of each entry.
mbr_rows() {
    xorriso -indev "$1" -report_system_area plain 2>/dev/null |
        awk '/^MBR partition  / { print $5, $6, $7, $8 }'
}
mbr_rows_nosize() { mbr_rows "$1" | awk '{ print $1, $2, $3 }'; }
if [ "$(mbr_rows_nosize "$tmp/a.iso")" = "$(mbr_rows_nosize "$tmp/ax.iso")" ] &&
    mbr_rows "$tmp/a.iso" | grep -q '^0x80 0x00 0 1$'; then
    tap_ok "MBR: protective 0xEE and --mbr-force-bootable's active entry, as xorriso's"
else
    tap_fail "MBR: protective 0xEE and --mbr-force-bootable's active entry, as xorriso's" \
        "$(mbr_rows "$tmp/a.iso"; echo ---; mbr_rows "$tmp/ax.iso")"
fi
esp=$(sgdisk -p "$tmp/a.iso" 2>/dev/null | awk '$NF == "Appended2" { print $2 }')
esp_blocks=$(( $(stat -c %s "$tmp/efiboot.img") / 2048 ))
if [ -n "$esp" ] && dd if="$tmp/a.iso" bs=512 skip="$esp" count=$((esp_blocks * 4)) 2>/dev/null |
    cmp -s - "$tmp/efiboot.img" &&
    mdir -i "$tmp/a.iso@@$((esp * 512))" ::/EFI/BOOT 2>/dev/null | grep -q BOOTX64; then
    tap_ok "the appended partition holds the ESP's bytes; mtools reads EFI/BOOT/BOOTX64.EFI from it"
else
    tap_fail "the appended partition holds the ESP's bytes; mtools reads EFI/BOOT/BOOTX64.EFI from it" \
        "esp=$esp"
fi
et_rows() {   # platform, emulation, load size, and the LBA as given
    xorriso -indev "$1" -report_el_torito plain 2>/dev/null |
        awk '/El Torito boot img/ { print $7, $9, $12, $13 }'
}
if et_rows "$tmp/a.iso" | grep -qx "UEFI none $((esp_blocks * 4)) $((esp / 4))" &&
    [ "$(et_rows "$tmp/a.iso" | awk '{ print $1, $2, $3 }')" = \
      "$(et_rows "$tmp/ax.iso" | awk '{ print $1, $2, $3 }')" ]; then
    tap_ok "El Torito: the EFI entry loads the appended partition (all its sectors), as xorriso's"
else
    tap_fail "El Torito: the EFI entry loads the appended partition (all its sectors), as xorriso's" \
        "$(et_rows "$tmp/a.iso"; echo ---; et_rows "$tmp/ax.iso")"
fi
rm -rf "$tmp/x" && mkdir "$tmp/x"
if bsdtar -xf "$tmp/a.iso" -C "$tmp/x" 2>/dev/null &&
    cmp -s "$tmp/x/arch/x86_64/airootfs.sfs" "$arch/arch/x86_64/airootfs.sfs" &&
    [ ! -e "$tmp/x/efiboot.img" ] &&
    isoinfo -d -i "$tmp/a.iso" 2>/dev/null | grep -q 'Volume id: ARCH_202312'; then
    tap_ok "bsdtar reads the tree (the ESP is not a file of it); isoinfo: the volume id"
else
    tap_fail "bsdtar reads the tree (the ESP is not a file of it); isoinfo: the volume id"
fi
# -partition_offset 16: partition 1 (from sector 64) mounts on its own
# (the boot images differ from their sources by their patched tables).
part_view() {   # part_view IMAGE VOLID SRC: prints what is wrong
    _s=$(sgdisk -p "$1" 2>/dev/null | awk '$1 == 1 { print $2 }')
    [ -n "$_s" ] || _s=$(sfdisk -d "$1" 2>/dev/null | awk -F'[=,]' '/start=/ { print $2 + 0; exit }')
    [ "$_s" = 64 ] || echo "partition 1 starts at sector '$_s', not 64"
    dd if="$1" of="$tmp/p1.iso" bs=512 skip=64 2>/dev/null
    xorriso -indev "$1" -report_system_area plain 2>/dev/null | grep -q 'Partition offset   : 16' ||
        echo "xorriso finds no partition offset"
    isoinfo -d -i "$tmp/p1.iso" 2>/dev/null | grep -q "Volume id: $2" || echo "isoinfo: no volume id $2"
    blkid -p "$tmp/p1.iso" 2>/dev/null | grep -q "LABEL=\"$2\"" || echo "blkid: no label $2"
    rm -rf "$tmp/px" && mkdir "$tmp/px"
    bsdtar -xf "$tmp/p1.iso" -C "$tmp/px" 2>/dev/null || echo "bsdtar cannot read it"
    rm -f "$tmp/px/boot.catalog"
    diff -r -x isolinux.bin -x eltorito.img "$tmp/px" "$3" >"$tmp/pdiff" 2>&1 || echo "bsdtar: not the source tree: $(head -5 "$tmp/pdiff")"
    7z l "$tmp/p1.iso" >/dev/null 2>&1 || echo "7-Zip cannot list it"
}
out=$(part_view "$tmp/a.iso" ARCH_202312 "$arch")
if [ -z "$out" ]; then
    tap_ok "-partition_offset 16: partition 1 alone is the volume (xorriso, isoinfo, blkid, bsdtar's tree, 7-Zip)"
else
    tap_fail "-partition_offset 16: partition 1 alone is the volume (xorriso, isoinfo, blkid, bsdtar's tree, 7-Zip)" "$out"
fi
wipe_eltorito "$tmp/a.iso" "$tmp/a.noet.iso"
tap_boot "OVMF boots it as a disk from the appended ESP (El Torito wiped)" \
    "$tmp/a.noet.iso" uefi-disk 90 FSI-EFI-BOOT-OK
tap_boot "OVMF boots it as a CD through the El Torito entry that loads the partition" \
    "$tmp/a.iso" uefi-cdrom 90 FSI-EFI-BOOT-OK
for how in disk cdrom; do
    tap_boot "SeaBIOS boots it as a $how (isolinux prints its marker)" "$tmp/a.iso" $how 60
done
# The control: without the appended ESP (and El Torito wiped) nothing boots.
"$MKIMAGE" create -q --fs iso9660,joliet --isohybrid-mbr "$mbr" \
    --boot boot/syslinux/isolinux.bin,emulation=none,info-table -o "$tmp/c.iso" "$arch" 2>/dev/null
wipe_eltorito "$tmp/c.iso" "$tmp/c.noet.iso"
if qemu_boot "$tmp/c.noet.iso" uefi-disk 45 FSI-EFI-BOOT-OK; then
    tap_fail "the check can fail: without the appended ESP OVMF does not boot the disk"
else
    tap_ok "the check can fail: without the appended ESP OVMF does not boot the disk"
fi

# ---- the MBR form (no -appended_part_as_gpt) ----
MBRL="-r -J -V MBRFORM -append_partition 2 0xef $tmp/efiboot.img -b boot/syslinux/isolinux.bin
 -c boot/syslinux/boot.cat -no-emul-boot -boot-load-size 4 -boot-info-table -eltorito-alt-boot
 -e --interval:appended_partition_2:all:: -no-emul-boot -isohybrid-mbr $mbr"
# shellcheck disable=SC2086
"$MKIMAGE" -as mkisofs -quiet $MBRL -o "$tmp/m.iso" "$arch" >"$tmp/m.log" 2>&1
# shellcheck disable=SC2086
xorriso -as mkisofs $MBRL -o "$tmp/mx.iso" "$arch" >/dev/null 2>&1
msec=$(( $(stat -c %s "$tmp/m.iso") / 512 ))
mesp=$(( msec - esp_blocks * 4 ))
if [ "$(mbr_rows "$tmp/m.iso")" = "0x80 0x17 0 $mesp
0x00 0xef $mesp $((esp_blocks * 4))" ] &&
    [ "$(mbr_rows_nosize "$tmp/mx.iso" | awk '{ print $1, $2 }')" = \
      "$(mbr_rows_nosize "$tmp/m.iso" | awk '{ print $1, $2 }')" ] &&
    sfdisk -d "$tmp/m.iso" 2>/dev/null | grep -q "start= *$mesp, size= *$((esp_blocks * 4)), type=ef"; then
    tap_ok "MBR form: partition 1 the ISO (0x17, active), 2 the ESP (0xef); as xorriso's; sfdisk agrees"
else
    tap_fail "MBR form: partition 1 the ISO (0x17, active), 2 the ESP (0xef); as xorriso's; sfdisk agrees" \
        "$(cat "$tmp/m.log"; mbr_rows "$tmp/m.iso"; echo ---; mbr_rows "$tmp/mx.iso")"
fi
wipe_eltorito "$tmp/m.iso" "$tmp/m.noet.iso"
tap_boot "MBR form: OVMF boots the disk from the 0xef partition (El Torito wiped)" \
    "$tmp/m.noet.iso" uefi-disk 90 FSI-EFI-BOOT-OK

# ---- -efi-boot-part FILE: the ESP from a disk file, in a GPT ----
EBD="-efi-boot-part FILE: a valid GPT whose EF00 partition holds the file (its size as in xorriso's), warned as appended; OVMF boots the disk through it"
"$MKIMAGE" -as mkisofs -r -J -V EBP -efi-boot-part "$tmp/efiboot.img" -o "$tmp/eb.iso" "$arch" \
    >"$tmp/eb.log" 2>&1
xorriso -as mkisofs -r -J -V EBP -efi-boot-part "$tmp/efiboot.img" -o "$tmp/ebx.iso" "$arch" \
    >/dev/null 2>&1
ef_size() { sgdisk -p "$1" 2>/dev/null | awk '$6 == "EF00" { print $3 - $2 + 1 }'; }
ef_start=$(sgdisk -p "$tmp/eb.iso" 2>/dev/null | awk '$6 == "EF00" { print $2 }')
if grep -q 'warning: -efi-boot-part: ' "$tmp/eb.log" && sgdisk -v "$tmp/eb.iso" 2>&1 | grep -q 'No problems found' &&
    [ -n "$ef_start" ] && [ "$(ef_size "$tmp/eb.iso")" = "$(ef_size "$tmp/ebx.iso")" ] &&
    dd if="$tmp/eb.iso" bs=512 skip="$ef_start" count=$((esp_blocks * 4)) 2>/dev/null |
        cmp -s - "$tmp/efiboot.img" &&
    qemu_boot "$tmp/eb.iso" uefi-disk 90 FSI-EFI-BOOT-OK; then
    tap_ok "$EBD"
else
    tap_fail "$EBD" "$(cat "$tmp/eb.log"; sgdisk -p "$tmp/eb.iso" 2>&1 | tail -3; tr -d '\033' <"$tmp/serial.log" | tail -c 300)"
fi

# ---- Ubuntu's line: GRUB2's hybrid MBR and eltorito.img ----
ub=$tmp/ub
mkdir -p "$ub/boot/grub/i386-pc" "$ub/casper" || exit 1
if ! grub-mkimage -O i386-pc-eltorito -o "$ub/boot/grub/i386-pc/eltorito.img" -p /boot/grub \
    biosdisk iso9660 normal serial echo terminal configfile >"$tmp/grub.log" 2>&1; then
    skip_all "grub-mkimage failed: $(cat "$tmp/grub.log")"
fi
printf 'serial --unit=0 --speed=115200\nterminal_input serial\nterminal_output serial\necho FSI-GRUB-BOOTED\nsleep 100\n' \
    >"$ub/boot/grub/grub.cfg"
head -c 100000 /dev/urandom >"$ub/casper/vmlinuz"
UBU="-r -V Ubuntu_22.04_amd64 --grub2-mbr $ghybrid -partition_offset 16 --mbr-force-bootable
 -append_partition 2 28732ac11ff8d211ba4b00a0c93ec93b $tmp/efiboot.img -appended_part_as_gpt
 -iso_mbr_part_type a2a0d0ebe5b9334487c068b6b72699c7 -c /boot.catalog
 -b /boot/grub/i386-pc/eltorito.img -no-emul-boot -boot-load-size 4 -boot-info-table
 --grub2-boot-info -eltorito-alt-boot -e --interval:appended_partition_2::: -no-emul-boot"
# shellcheck disable=SC2086
out=$("$MKIMAGE" -as mkisofs $UBU -o "$tmp/u.iso" "$ub" 2>&1)
rc=$?
# shellcheck disable=SC2086
xorriso -as mkisofs $UBU -o "$tmp/ux.iso" "$ub" >/dev/null 2>&1
case $rc:$out in
0:*warning*|[1-9]*) tap_fail "Ubuntu's line builds, without a warning" "$rc: $out" ;;
*) tap_ok "Ubuntu's line builds, without a warning" ;;
esac
sys() { xorriso -indev "$1" -report_system_area plain 2>/dev/null | awk '/System area summary/'; }
if [ "$(sys "$tmp/u.iso")" = "$(sys "$tmp/ux.iso")" ] &&
    [ "$(gpt_rows "$tmp/u.iso" 2)" = "$(gpt_rows "$tmp/ux.iso" 2)" ] &&
    [ "$(mbr_rows_nosize "$tmp/u.iso")" = "$(mbr_rows_nosize "$tmp/ux.iso")" ] &&
    sgdisk -v "$tmp/u.iso" 2>&1 | grep -q 'No problems found'; then
    tap_ok "xorriso: '$(sys "$tmp/u.iso" | sed 's/.*: //')', GPT and MBR entries as in its own image"
else
    tap_fail "xorriso: the system area as in its own image" \
        "$(sys "$tmp/u.iso"; gpt_rows "$tmp/u.iso" 2; mbr_rows "$tmp/u.iso"; echo ---; sys "$tmp/ux.iso"; gpt_rows "$tmp/ux.iso" 2; mbr_rows "$tmp/ux.iso")"
fi
out=$(part_view "$tmp/u.iso" Ubuntu_22.04_amd64 "$ub")
if [ -z "$out" ]; then
    tap_ok "Ubuntu's line: partition 1 (offset 16) alone is the volume"
else
    tap_fail "Ubuntu's line: partition 1 (offset 16) alone is the volume" "$out"
fi
# Byte 432 of the MBR: eltorito.img's sector + 4; byte 2548 of eltorito.img: + 5.
gblk=$(xorriso -indev "$tmp/u.iso" -report_el_torito plain 2>/dev/null |
    awk '/El Torito boot img/ && / BIOS / { print $NF }')
addr=$("$PY" - "$tmp/u.iso" "${gblk:-0}" <<'EOF'
import struct, sys
f = open(sys.argv[1], "rb")
b = int(sys.argv[2])
m = struct.unpack_from("<Q", f.read(512), 432)[0]
f.seek(b * 2048 + 2548)
g = struct.unpack("<Q", f.read(8))[0]
print(m - b * 4, g - b * 4)
EOF
)
if [ "$addr" = "4 5" ] && xorriso -indev "$tmp/u.iso" -report_el_torito plain 2>/dev/null |
    grep -q 'img opts.*grub2-boot-info'; then
    tap_ok "GRUB2's addresses: MBR byte 432 = sector + 4, eltorito.img byte 2548 = sector + 5 (xorriso: grub2-boot-info)"
else
    tap_fail "GRUB2's addresses: MBR byte 432 = sector + 4, eltorito.img byte 2548 = sector + 5 (xorriso: grub2-boot-info)" \
        "block $gblk: $addr"
fi
# The patched file as every view reads it, and its boot info table.
isoinfo -R -i "$tmp/u.iso" -x /boot/grub/i386-pc/eltorito.img >"$tmp/elt.img" 2>/dev/null
csum=$("$PY" - "$tmp/elt.img" "$ub/boot/grub/i386-pc/eltorito.img" <<'EOF'
import struct, sys
d, src = open(sys.argv[1], "rb").read(), open(sys.argv[2], "rb").read()
bad = [i for i in range(max(len(d), len(src)))
       if i >= len(d) or i >= len(src) or d[i] != src[i]]
if len(d) != len(src) or any(not (8 <= i < 64 or 2548 <= i < 2556) for i in bad):
    print("differs outside the two patches")
d += b"\0" * (-len(d) % 4)
s = sum(struct.unpack_from("<%dI" % ((len(d) - 64) // 4), d, 64)) & 0xffffffff
if struct.unpack_from("<I", d, 20)[0] != s:
    print("checksum %x, the bytes sum to %x" % (struct.unpack_from("<I", d, 20)[0], s))
EOF
)
if [ -s "$tmp/elt.img" ] && [ -z "$csum" ]; then
    tap_ok "isoinfo reads eltorito.img patched at 8-63 and 2548-2555 only; the table's checksum covers GRUB2's address"
else
    tap_fail "isoinfo reads eltorito.img patched at 8-63 and 2548-2555 only; the table's checksum covers GRUB2's address" "$csum"
fi
for how in cdrom disk; do
    tap_boot "SeaBIOS boots it as a $how: GRUB2 reads grub.cfg and prints its marker" \
        "$tmp/u.iso" $how 90 FSI-GRUB-BOOTED
done
wipe_eltorito "$tmp/u.iso" "$tmp/u.noet.iso"
tap_boot "OVMF boots it as a disk from the appended ESP" \
    "$tmp/u.noet.iso" uefi-disk 90 FSI-EFI-BOOT-OK

# ---- Fedora's lorax line: the same with graft points and a hidden catalog ----
FED="-R -J -V Fedora-E-dvd-x86_64-39 --grub2-mbr $ghybrid -partition_offset 16 -appended_part_as_gpt
 -append_partition 2 C12A7328-F81F-11D2-BA4B-00A0C93EC93B $tmp/efiboot.img
 -iso_mbr_part_type EBD0A0A2-B9E5-4433-87C0-68B6B72699C7 -c boot.cat --boot-catalog-hide
 -b images/eltorito.img -no-emul-boot -boot-load-size 4 -boot-info-table --grub2-boot-info
 -eltorito-alt-boot -e --interval:appended_partition_2:all:: -no-emul-boot -graft-points
 images/eltorito.img=$ub/boot/grub/i386-pc/eltorito.img boot/grub2=$ub/boot/grub $ub/casper"
# shellcheck disable=SC2086
"$MKIMAGE" -as mkisofs -quiet $FED -o "$tmp/f.iso" >"$tmp/f.log" 2>&1
# shellcheck disable=SC2086
xorriso -as mkisofs $FED -o "$tmp/fx.iso" >/dev/null 2>&1
lsr() { isoinfo -R -f -i "$1" 2>/dev/null | sort; }
if [ -s "$tmp/f.iso" ] && [ "$(sys "$tmp/f.iso")" = "$(sys "$tmp/fx.iso")" ] &&
    [ "$(gpt_rows "$tmp/f.iso" 2)" = "$(gpt_rows "$tmp/fx.iso" 2)" ] &&
    [ "$(et_rows "$tmp/f.iso" | awk '{ print $1, $2, $3 }')" = \
      "$(et_rows "$tmp/fx.iso" | awk '{ print $1, $2, $3 }')" ] &&
    [ "$(lsr "$tmp/f.iso")" = "$(lsr "$tmp/fx.iso")" ] && ! lsr "$tmp/f.iso" | grep -q boot.cat; then
    tap_ok "Fedora's lorax line (--boot-catalog-hide, graft points): system area, GPT, El Torito and tree as xorriso's"
else
    tap_fail "Fedora's lorax line (--boot-catalog-hide, graft points): system area, GPT, El Torito and tree as xorriso's" \
        "$(cat "$tmp/f.log"; sys "$tmp/f.iso"; sys "$tmp/fx.iso"; lsr "$tmp/f.iso" >"$tmp/f.ls"
           lsr "$tmp/fx.iso" | diff "$tmp/f.ls" - | head -5)"
fi

# ---- -G: the system area from a file ----
head -c 32768 /dev/urandom >"$tmp/sa.bin"
if "$MKIMAGE" -as mkisofs -quiet -G "$tmp/sa.bin" -o "$tmp/g.iso" "$arch" 2>/dev/null &&
    cmp -s -n 32768 "$tmp/g.iso" "$tmp/sa.bin" &&
    "$MKIMAGE" -as mkisofs -quiet -G "$tmp/sa.bin" -isohybrid-mbr "$mbr" -b boot/syslinux/isolinux.bin \
        -no-emul-boot -boot-info-table -o "$tmp/g2.iso" "$arch" 2>/dev/null &&
    cmp -s -n 432 "$tmp/g2.iso" "$mbr" &&
    [ "$(dd if="$tmp/g2.iso" bs=512 skip=1 count=63 2>/dev/null | md5sum)" = \
      "$(dd if="$tmp/sa.bin" bs=512 skip=1 count=63 2>/dev/null | md5sum)" ] &&
    isoinfo -d -i "$tmp/g.iso" >/dev/null 2>&1; then
    tap_ok "-G: the image starts with the file's 32 KiB; an isohybrid MBR goes over its block 0 only"
else
    tap_fail "-G: the image starts with the file's 32 KiB; an isohybrid MBR goes over its block 0 only"
fi

# --protective-msdos-label (with -G GRUB's MBR code, and with a partition
# offset): partition 1 active, 0xcd, from sector 1 (from the offset) to
# the image's end, as in xorriso's image of the same line; sfdisk agrees.
PMD="--protective-msdos-label: partition 1 (active, 0xcd) from sector 1 / the offset to the end, as xorriso's; the -G code kept"
bad=
for extra in "-G /usr/lib/grub/i386-pc/boot_hybrid.img" "-partition_offset 16"; do
    rm -f "$tmp/pm.iso" "$tmp/pmx.iso"
    # shellcheck disable=SC2086
    (cd "$tmp" && "$MKIMAGE" -as mkisofs -V PM $extra --protective-msdos-label -o pm.iso "$arch") \
        >/dev/null 2>&1
    # shellcheck disable=SC2086
    (cd "$tmp" && xorriso -as mkisofs -V PM $extra --protective-msdos-label -o pmx.iso "$arch") \
        >/dev/null 2>&1
    ours=$(mbr_rows "$tmp/pm.iso") theirs=$(mbr_rows "$tmp/pmx.iso")
    first=$(echo "$ours" | awk '{ print $3 }')
    n=$(($(stat -c %s "$tmp/pm.iso" 2>/dev/null || echo 0) / 512))
    if [ -z "$ours" ] || [ "$(mbr_rows_nosize "$tmp/pm.iso")" != "$(mbr_rows_nosize "$tmp/pmx.iso")" ] ||
        [ "$ours" != "0x80 0xcd $first $((n - first))" ] ||
        ! sfdisk -d "$tmp/pm.iso" 2>/dev/null | grep -Eq "start= +$first, size= +$((n - first)), type=cd, bootable"; then
        bad="$bad [$extra] ours: $ours / xorriso's: $theirs"
    fi
    case $extra in
    -G*) cmp -s -n 432 "$tmp/pm.iso" /usr/lib/grub/i386-pc/boot_hybrid.img || bad="$bad [-G: code not kept]" ;;
    esac
done
if [ -z "$bad" ]; then tap_ok "$PMD"; else tap_fail "$PMD" "$bad"; fi

# ---- refusals: the code, and nothing written ----
expect() {   # expect DESC PATTERN ARGS...
    _d=$1 _c=$2
    shift 2
    rm -f "$tmp/no.iso"
    _o=$("$MKIMAGE" create -q "$@" -o "$tmp/no.iso" "$arch" 2>&1)
    # shellcheck disable=SC2254  # $_c is a pattern
    case $_o in
    *$_c*) if [ -e "$tmp/no.iso" ]; then tap_fail "$_d" "no.iso written"; else tap_ok "$_d"; fi ;;
    *) tap_fail "$_d" "$_o" ;;
    esac
}
BIOS=boot/syslinux/isolinux.bin,emulation=none,info-table
expect "a bad partition type: IMAPI_E_INVALID_PARAM, naming it" "IMAPI_E_INVALID_PARAM*0xzz" \
    --append-partition 2 0xzz "$tmp/efiboot.img"
expect "a partition file that does not exist: IMAPI_E_DATA_STREAM_CREATE_FAILURE, named" \
    "IMAPI_E_DATA_STREAM_CREATE_FAILURE*nothere.img" --append-partition 2 0xef "$tmp/nothere.img"
expect "appended partitions with UDF: IMAPI_E_INVALID_PARAM, naming UDF's anchor" \
    "IMAPI_E_INVALID_PARAM*closing anchor" --fs iso9660,udf --append-partition 2 0xef "$tmp/efiboot.img"
expect "a boot entry loading a partition the image lacks: IMAPI_E_BOOT_IMAGE_DATA" \
    "IMAPI_E_BOOT_IMAGE_DATA*appended partition 3" --append-partition 2 0xef "$tmp/efiboot.img" \
    --boot partition:3,platform=efi
expect "a boot info table on a partition entry: IMAPI_E_INVALID_PARAM" \
    IMAPI_E_INVALID_PARAM --append-partition 2 0xef "$tmp/efiboot.img" \
    --boot partition:2,platform=efi,info-table
expect "--grub2-mbr with an EFI first entry: IMAPI_E_BOOT_IMAGE_DATA" \
    "IMAPI_E_BOOT_IMAGE_DATA*GRUB2 MBR" --grub2-mbr "$ghybrid" --append-partition 2 0xef \
    "$tmp/efiboot.img" --boot partition:2,platform=efi
head -c 1000 /dev/zero >"$arch/small.img"
expect "grub2-info on an image under 2556 bytes: IMAPI_E_BOOT_IMAGE_DATA, named" \
    "IMAPI_E_BOOT_IMAGE_DATA*small.img" --boot small.img,emulation=none,grub2-info
rm -f "$arch/small.img"
expect "appended partitions in a session: IMAPI_E_BOOT_OBJECT_CONFLICT" \
    IMAPI_E_BOOT_OBJECT_CONFLICT --previous-session "$tmp/c.iso" --append-partition 2 0xef \
    "$tmp/efiboot.img"
expect "--partition-offset 8: IMAPI_E_INVALID_PARAM" IMAPI_E_INVALID_PARAM --partition-offset 8
expect "--partition-offset with UDF: IMAPI_E_INVALID_PARAM, naming UDF" "IMAPI_E_INVALID_PARAM*UDF" \
    --fs iso9660,udf --partition-offset 16
expect "--partition-offset without ISO9660: IMAPI_E_INVALID_PARAM" "IMAPI_E_INVALID_PARAM*ISO9660" \
    --fs joliet --partition-offset 16
head -c 40000 /dev/zero >"$tmp/big.bin"
expect "a system area of 40000 bytes: IMAPI_E_INVALID_PARAM" IMAPI_E_INVALID_PARAM \
    --system-area "$tmp/big.bin"
out=$("$MKIMAGE" -as mkisofs -e --interval:local_fs:0s-15s:zero_mbrpt:x.iso -o "$tmp/no.iso" "$arch" 2>&1)
rc=$?
if [ $rc = 2 ] && [ ! -e "$tmp/no.iso" ]; then
    case $out in
    *"--interval:appended_partition_N:all::"*) tap_ok "-e --interval: of another kind: exit 2, named" ;;
    *) tap_fail "-e --interval: of another kind: exit 2, named" "$out" ;;
    esac
else
    tap_fail "-e --interval: of another kind: exit 2, named" "$rc: $out"
fi
tap_done
