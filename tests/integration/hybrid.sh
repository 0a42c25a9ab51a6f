#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# tests/integration/hybrid.sh - hybrid images (`--isohybrid-mbr`,
# `--efi-partition` and their -as mkisofs forms): syslinux's isolinux.bin
# and isohdpfx.bin in a tree whose isolinux.cfg prints a marker on the
# serial port, and a FAT image with a UEFI application printing its own.
# The image must boot to the marker in QEMU under SeaBIOS as a CD-ROM (El
# Torito) and as a hard disk (the MBR); fdisk/sfdisk and xorriso must see
# one bootable partition over the whole image, with the MBR code of the
# template and the boot image's address where isohdpfx.bin reads it
# (checked against isoinfo's El Torito report), also past cylinder 1023
# (a 1.2 GiB image); bsdtar must read the tree.  With --efi-partition
# sgdisk -v must find the GPT valid, its one partition an EFI System
# Partition over the EFI image, and OVMF must boot the image as a hard
# disk through the GPT alone (El Torito's boot record wiped: the same
# image without a GPT then does not boot), SeaBIOS still through the MBR
# code; live-build's whole command line must build and boot so.  What
# cannot work is refused with the IMAPI code and nothing is written.  TAP.
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

PLAN=25
tap_plan $PLAN
have() { command -v "$1" >/dev/null 2>&1; }
skip_all() { tap_skip_all $PLAN "isohybrid" "$1"; }
mbr=/usr/lib/ISOLINUX/isohdpfx.bin
isolinux=/usr/lib/ISOLINUX/isolinux.bin
ldlinux=/usr/lib/syslinux/modules/bios/ldlinux.c32
for f in $mbr $isolinux $ldlinux; do
    [ -f "$f" ] || skip_all "$f missing (packages isolinux, syslinux-common)"
done
for t in xorriso isoinfo bsdtar sfdisk fdisk qemu-system-x86_64; do
    have "$t" || skip_all "$t is not installed"
done

have_efi=yes
for f in /usr/lib/crt0-efi-x86_64.o /usr/lib/elf_x86_64_efi.lds /usr/share/OVMF/OVMF_CODE_4M.fd; do
    [ -f "$f" ] || have_efi=no
done
for t in sgdisk mkfs.vfat mmd mcopy objcopy; do
    have "$t" || have_efi=no
done
[ $have_efi = yes ] || skip_all "gnu-efi, OVMF, gdisk, dosfstools or mtools missing"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/fsi-hybrid.XXXXXX") || exit 1
QPID=
trap '[ -n "$QPID" ] && kill "$QPID" 2>/dev/null; rm -rf "$tmp"' EXIT
trap 'exit 1' HUP INT TERM

src=$tmp/src
mkdir -p "$src/isolinux" "$src/live" || exit 1
cp "$isolinux" "$ldlinux" "$src/isolinux/" || exit 1
printf 'SERIAL 0 115200\nSAY FSI-HYBRID-BOOTED\nPROMPT 0\nDEFAULT none\nLABEL none\n  KERNEL /none\n' \
    >"$src/isolinux/isolinux.cfg"
head -c 300000 /dev/urandom >"$src/live/vmlinuz"
# The EFI image: FAT with EFI/BOOT/BOOTX64.EFI (tests/data/boot/efiapp.c).
mkdir -p "$src/boot/grub"
data=$(cd "$here/../data/boot" && pwd)
efi_image "$data/efiapp.c" "$tmp" "$src/boot/grub/efi.img" ||
    skip_all "building the EFI application failed: $(cat "$tmp/efi.err")"
printf 'data\n' >"$src/live/readme.txt"

img=$tmp/h.iso
BOOT=isolinux/isolinux.bin,emulation=none,sectors=4,info-table
if "$MKIMAGE" create -q --isohybrid-mbr "$mbr" --boot "$BOOT" \
    --boot-catalog isolinux/boot.cat -o "$img" "$src" >"$tmp/mk.log" 2>&1; then
    tap_ok "mkimage create --isohybrid-mbr isohdpfx.bin"
else
    tap_fail "mkimage create --isohybrid-mbr isohdpfx.bin" "$(cat "$tmp/mk.log")"
fi

# The MBR, field by field, against the template and isoinfo's report.
check_mbr() {   # check_mbr IMAGE: prints what is wrong
    boot=$(isoinfo -d -i "$1" 2>/dev/null | awk '/Bootoff/ { print $2; exit }')
    boot=$((0x${boot:-0}))
    "$PY" - "$1" "$mbr" "$boot" <<'EOF'
import os, struct, sys
img, tpl, boot = sys.argv[1], sys.argv[2], int(sys.argv[3] or -1)
b = open(img, "rb").read(512)
t = open(tpl, "rb").read()
sectors = os.path.getsize(img) // 512
bad = []
if b[:432] != t[:432]: bad.append("bytes 0-431 are not the template's code")
if struct.unpack_from("<Q", b, 432)[0] != boot * 4: bad.append("byte 432: not the boot image's sector %d" % (boot * 4))
if b[510:512] != b"\x55\xaa": bad.append("no 55 AA signature")
st, typ = b[446], b[450]
lba, n = struct.unpack_from("<II", b, 454)
if (st, typ, lba, n) != (0x80, 0x17, 0, sectors): bad.append("partition 1 %x %x %d %d, not 80 17 0 %d" % (st, typ, lba, n, sectors))
def chs(lba):
    c, h, s = lba // 2048, lba // 32 % 64, lba % 32 + 1
    if c > 1023: c, h, s = 1023, 63, 32
    return bytes([h, s | (c >> 8) << 6, c & 255])
if b[447:450] != chs(0) or b[451:454] != chs(sectors - 1): bad.append("CHS fields %s %s" % (b[447:450].hex(), b[451:454].hex()))
if any(b[462:510]): bad.append("partitions 2-4 not empty")
print("\n".join(bad))
EOF
}
# The isohybrid code and the boot address alone (a GPT image's MBR is
# protective: its partition differs).
check_mbr_code() {
    boot=$(isoinfo -d -i "$1" 2>/dev/null | awk '/Bootoff/ { print $2; exit }')
    "$PY" - "$1" "$mbr" "$((0x${boot:-0}))" <<'EOF'
import struct, sys
b = open(sys.argv[1], "rb").read(512)
t = open(sys.argv[2], "rb").read()
if b[:432] != t[:432] or struct.unpack_from("<Q", b, 432)[0] != int(sys.argv[3]) * 4:
    print("the MBR code or the boot address differ")
EOF
}
out=$(check_mbr "$img")
if [ -z "$out" ]; then
    tap_ok "block 0: the template's code, the boot image's sector at 432, one bootable partition 0x17 over the image"
else
    tap_fail "block 0: the template's code, the boot image's sector at 432, one bootable partition 0x17 over the image" "$out"
fi
sectors=$(( $(stat -c %s "$img") / 512 ))
if sfdisk -d "$img" 2>/dev/null | grep -q "start= *0, size= *$sectors, type=17, bootable" &&
    fdisk -l "$img" 2>/dev/null | grep -qE "^$img""1 +\* +0 +$((sectors - 1)) +$sectors "; then
    tap_ok "sfdisk and fdisk: one bootable partition of $sectors sectors from 0"
else
    tap_fail "sfdisk and fdisk: one bootable partition of $sectors sectors from 0" \
        "$(sfdisk -d "$img" 2>&1; fdisk -l "$img" 2>&1)"
fi
if xorriso -indev "$img" -report_system_area plain 2>/dev/null | grep -q 'System area summary: MBR isohybrid' &&
    xorriso -indev "$img" -report_system_area plain 2>/dev/null |
    grep -qE "MBR partition +: +1 +0x80 +0x17 +0 +$sectors\$"; then
    tap_ok "xorriso -report_system_area: MBR isohybrid, the same partition"
else
    tap_fail "xorriso -report_system_area: MBR isohybrid, the same partition" \
        "$(xorriso -indev "$img" -report_system_area plain 2>&1 | tail -5)"
fi
rm -rf "$tmp/x"
mkdir "$tmp/x"
if bsdtar -xf "$img" -C "$tmp/x" 2>/dev/null &&
    cmp -s "$tmp/x/live/vmlinuz" "$src/live/vmlinuz" && cmp -s "$tmp/x/isolinux/ldlinux.c32" "$ldlinux"; then
    tap_ok "bsdtar reads the tree (data equal)"
else
    tap_fail "bsdtar reads the tree (data equal)"
fi

# ---- booting: SeaBIOS, as a CD-ROM and as a hard disk ----
for how in cdrom disk; do
    tap_boot "SeaBIOS boots it as a $how: isolinux prints its marker" "$img" $how 60
done

# ---- the mkisofs dialect, and an image past cylinder 1023 ----
if (cd "$tmp" && "$MKIMAGE" -as mkisofs -R -J -isohybrid-mbr "$mbr" -b isolinux/isolinux.bin \
    -c isolinux/boot.cat -no-emul-boot -boot-load-size 4 -boot-info-table -o as.iso src) \
    >"$tmp/as.log" 2>&1 && [ -z "$(check_mbr "$tmp/as.iso")" ] && qemu_boot "$tmp/as.iso" disk 60; then
    tap_ok "-as mkisofs -isohybrid-mbr: the same MBR, boots as a hard disk"
else
    tap_fail "-as mkisofs -isohybrid-mbr: the same MBR, boots as a hard disk" "$(cat "$tmp/as.log")"
fi
truncate -s 1200M "$src/live/sparse.bin"
if "$MKIMAGE" create -q --fs iso9660 --isohybrid-mbr "$mbr" --boot "$BOOT" -o "$tmp/big.iso" "$src" \
    >"$tmp/big.log" 2>&1 && out=$(check_mbr "$tmp/big.iso") && [ -z "$out" ]; then
    tap_ok "a 1.2 GiB image: partition over all of it, CHS end at its largest (1023/63/32)"
else
    tap_fail "a 1.2 GiB image: partition over all of it, CHS end at its largest (1023/63/32)" \
        "$(cat "$tmp/big.log"; echo "$out")"
fi
rm -f "$src/live/sparse.bin" "$tmp/big.iso"

# ---- --efi-partition: a GPT whose ESP is the EFI image ----
EFI=boot/grub/efi.img,platform=efi,emulation=none
gimg=$tmp/g.iso
if "$MKIMAGE" create -q --fs iso9660,joliet --isohybrid-mbr "$mbr" --efi-partition \
    --boot "$BOOT" --boot "$EFI" -o "$gimg" "$src" >"$tmp/g.log" 2>&1; then
    tap_ok "mkimage create --isohybrid-mbr --efi-partition"
else
    tap_fail "mkimage create --isohybrid-mbr --efi-partition" "$(cat "$tmp/g.log")"
fi
# The EFI image's first sector, from the El Torito catalog as xorriso reads it.
esp=$(xorriso -indev "$gimg" -report_el_torito plain 2>/dev/null |
    awk '/boot img/ && / UEFI / { print $NF * 4 }')
gsec=$(( $(stat -c %s "$gimg") / 512 ))
if sgdisk -v "$gimg" 2>&1 | grep -q 'No problems found' &&
    sgdisk -p "$gimg" 2>&1 | grep -qE "^ +1 +$esp +$((esp + 5759)) .* EF00 " &&
    [ "$(sgdisk -p "$gimg" 2>&1 | grep -cE '^ +[0-9]+ ')" = 1 ] &&
    fdisk -l "$gimg" 2>/dev/null | grep -q 'Disklabel type: gpt' &&
    sfdisk -d "$gimg" 2>/dev/null | grep -q "last-lba: $((gsec - 34))"; then
    tap_ok "sgdisk -v: a valid GPT; one EFI System Partition at the EFI image (sector $esp); fdisk, sfdisk agree"
else
    tap_fail "sgdisk -v: a valid GPT; one EFI System Partition at the EFI image (sector $esp); fdisk, sfdisk agree" \
        "$(sgdisk -v "$gimg" 2>&1 | tail -3; sgdisk -p "$gimg" 2>&1 | tail -3; sfdisk -d "$gimg" 2>&1)"
fi
out=$("$MKIMAGE" create -q --fs iso9660,joliet --isohybrid-mbr "$mbr" \
    --efi-partition --boot "$BOOT" --boot "$EFI" -o "$tmp/g2.iso" "$src" 2>&1)
if cmp -s "$gimg" "$tmp/g2.iso" && [ -z "$(check_mbr_code "$gimg")" ]; then
    tap_ok "the same SOURCE_DATE_EPOCH, the same bytes (GUIDs); the isohybrid code and address kept"
else
    tap_fail "the same SOURCE_DATE_EPOCH, the same bytes (GUIDs); the isohybrid code and address kept" "$out"
fi
# Without El Torito's boot record OVMF can only find the ESP in the GPT.
wipe_eltorito "$gimg" "$tmp/g.noet.iso"
tap_boot "OVMF boots it as a hard disk through the GPT alone (El Torito wiped)" \
    "$tmp/g.noet.iso" uefi-disk 90 FSI-EFI-BOOT-OK
wipe_eltorito "$img" "$tmp/h.noet.iso"
if qemu_boot "$tmp/h.noet.iso" uefi-disk 60 FSI-EFI-BOOT-OK; then
    tap_fail "the check can fail: without a GPT (and El Torito wiped) OVMF does not boot it"
else
    tap_ok "the check can fail: without a GPT (and El Torito wiped) OVMF does not boot it"
fi
tap_boot "SeaBIOS boots the GPT image as a hard disk (isohybrid code behind the protective MBR)" \
    "$gimg" disk 60
# Past 4 GiB (a sparse file: the image keeps its holes).
truncate -s 4600M "$src/live/huge.bin"
if "$MKIMAGE" create -q --fs iso9660,joliet --isohybrid-mbr "$mbr" --efi-partition \
    --boot "$BOOT" --boot "$EFI" -o "$tmp/huge.iso" "$src" >"$tmp/huge.log" 2>&1; then
    hs=$(( $(stat -c %s "$tmp/huge.iso") / 512 ))
    pm=$("$PY" -c "import struct,sys; b=open(sys.argv[1],'rb').read(512); print(b[450], *struct.unpack_from('<II', b, 454))" "$tmp/huge.iso")
    if [ "$hs" -gt 8388608 ] && sgdisk -v "$tmp/huge.iso" 2>&1 | grep -q 'No problems found' &&
        sfdisk -d "$tmp/huge.iso" 2>/dev/null | grep -q "last-lba: $((hs - 34))" &&
        [ "$pm" = "238 1 $((hs - 1))" ]; then
        tap_ok "a 4.6 GiB image: sgdisk -v clean, the GPT's last usable sector and the protective MBR at its end"
    else
        tap_fail "a 4.6 GiB image: sgdisk -v clean, the GPT's last usable sector and the protective MBR at its end" \
            "$pm / $hs: $(sgdisk -v "$tmp/huge.iso" 2>&1 | head -3)"
    fi
else
    tap_fail "a 4.6 GiB image: sgdisk -v clean, the GPT's last usable sector and the protective MBR at its end" \
        "$(cat "$tmp/huge.log")"
fi
rm -f "$src/live/huge.bin" "$tmp/huge.iso"
# live-build's command line, system area options and all.
LB="-R -r -J -joliet-long -l -cache-inodes -iso-level 3 -A Debian_Live -V Debian_live
 --modification-date=2023111110241100 -isohybrid-mbr $mbr -partition_offset 16
 -b isolinux/isolinux.bin -c isolinux/boot.cat -no-emul-boot -boot-load-size 4
 -boot-info-table -eltorito-alt-boot -e boot/grub/efi.img -no-emul-boot
 -isohybrid-gpt-basdat -isohybrid-apm-hfsplus"
# shellcheck disable=SC2086
out=$(cd "$tmp" && "$MKIMAGE" -as mkisofs $LB -o lb.iso src 2>&1)
rc=$?
LBD="live-build's whole line: warnings name what is not written (not -partition_offset, not APM); valid GPT; boots as a disk (UEFI, BIOS)"
case $rc:$out in
0:*"warning: -partition_offset"*|0:*"warning: -isohybrid-apm-hfsplus"*) tap_fail "$LBD" "$out" ;;
0:*"warning: -isohybrid-gpt-basdat: "*)
    wipe_eltorito "$tmp/lb.iso" "$tmp/lb.noet.iso"
    if sgdisk -v "$tmp/lb.iso" 2>&1 | grep -q 'No problems found' &&
        qemu_boot "$tmp/lb.noet.iso" uefi-disk 90 FSI-EFI-BOOT-OK && qemu_boot "$tmp/lb.iso" disk 60; then
        tap_ok "$LBD"
    else
        tap_fail "$LBD" "$(sgdisk -v "$tmp/lb.iso" 2>&1 | tail -3)"
    fi ;;
*) tap_fail "$LBD" "$rc: $out" ;;
esac

# The Apple Partition Map of that line, as util-linux (partx) and xorriso
# read it, against xorriso's image of the same line: the same entries,
# "EFI" over the EFI boot image (at its GPT partition's place in ours),
# and the Driver Descriptor Map's 32 bytes equal to xorriso's.
APD="-isohybrid-apm-hfsplus: partx and xorriso read the APM as xorriso's (map, EFI over the ESP), DDM bytes equal"
apm_rows() {   # NAME SECTORS of each APM entry, as partx reads them
    partx --show -t mac -o NAME,SECTORS -g "$1" 2>/dev/null | awk '{print $1, $2}'
}
# shellcheck disable=SC2086
if [ -f "$tmp/lb.iso" ] && (cd "$tmp" && xorriso -as mkisofs $LB -o lbx.iso src >/dev/null 2>&1); then
    ours=$(apm_rows "$tmp/lb.iso") theirs=$(apm_rows "$tmp/lbx.iso")
    espg=$(sgdisk -i 1 "$tmp/lb.iso" 2>/dev/null | sed -n 's/^First sector: \([0-9]*\).*/\1/p')
    espa=$(partx --show -t mac -o NAME,START -g "$tmp/lb.iso" 2>/dev/null | awk '$1 == "EFI" {print $2}')
    xr=$(xorriso -indev "$tmp/lb.iso" -report_system_area plain 2>/dev/null |
        sed -n 's/^APM partition \(name\|type\) *: *1 *//p' | tr '\n' ' ')
    if [ -n "$ours" ] && [ "$ours" = "$theirs" ] && [ -n "$espg" ] && [ "$espa" = "$espg" ] &&
        [ "$xr" = "EFI Apple_HFS " ] &&
        cmp -s -n 32 "$tmp/lb.iso" "$tmp/lbx.iso"; then
        tap_ok "$APD"
    else
        tap_fail "$APD" "ours: $ours / xorriso's: $theirs / ESP $espg vs APM $espa / xorriso: $xr"
    fi
else
    tap_fail "$APD" "no live-build image from mkimage or xorriso"
fi

# Whole cylinders (1 MiB) under isolinux's MBR, as xorriso pads: the whole
# image with a GPT; with an appended partition the ISO9660 data, so that
# the partition starts on a cylinder (sfdisk's view; xorriso's own image
# of the same line agrees).
CYD="isohybrid: the image ends on a cylinder (1 MiB); an appended partition starts on one, as in xorriso's image"
"$MKIMAGE" -as mkisofs -o "$tmp/cyl.iso" -V CYL -isohybrid-mbr "$mbr" -b isolinux/isolinux.bin \
    -c isolinux/boot.cat -no-emul-boot -boot-load-size 4 -boot-info-table \
    -append_partition 2 0x83 "$mbr" "$src" >/dev/null 2>&1
p2=$(sfdisk -d "$tmp/cyl.iso" 2>/dev/null | sed -n 's/.*2 : start= *\([0-9]*\),.*/\1/p')
x2=
if xorriso -as mkisofs -o "$tmp/cylx.iso" -V CYL -isohybrid-mbr "$mbr" -b isolinux/isolinux.bin \
    -c isolinux/boot.cat -no-emul-boot -boot-load-size 4 -boot-info-table \
    -append_partition 2 0x83 "$mbr" "$src" >/dev/null 2>&1; then
    x2=$(sfdisk -d "$tmp/cylx.iso" 2>/dev/null | sed -n 's/.*2 : start= *\([0-9]*\),.*/\1/p')
fi
if [ -f "$tmp/lb.iso" ] && [ $(($(stat -c %s "$tmp/lb.iso") % 1048576)) -eq 0 ] &&
    [ -n "$p2" ] && [ $((p2 % 2048)) -eq 0 ] && [ -n "$x2" ] && [ $((x2 % 2048)) -eq 0 ]; then
    tap_ok "$CYD"
else
    tap_fail "$CYD" "live-build image $(stat -c %s "$tmp/lb.iso" 2>/dev/null) bytes; partition 2 at $p2 (xorriso's at $x2)"
fi

# ---- refusals: the code, and nothing written ----
expect() {   # expect DESC CODE ARGS...
    _d=$1 _c=$2
    shift 2
    rm -f "$tmp/no.iso"
    _o=$("$MKIMAGE" create -q "$@" -o "$tmp/no.iso" "$src" 2>&1)
    # shellcheck disable=SC2254  # $_c is a pattern
    case $_o in
    *$_c*) if [ -e "$tmp/no.iso" ]; then tap_fail "$_d" "no.iso written"; else tap_ok "$_d"; fi ;;
    *) tap_fail "$_d" "$_o" ;;
    esac
}
head -c 2048 /dev/zero >"$src/isolinux/plain.bin"
expect "no boot entry: IMAPI_E_BOOT_IMAGE_DATA" IMAPI_E_BOOT_IMAGE_DATA --isohybrid-mbr "$mbr"
expect "a boot image without isolinux's isohybrid signature: IMAPI_E_BOOT_IMAGE_DATA, named" \
    "IMAPI_E_BOOT_IMAGE_DATA*plain.bin*isohybrid signature" --isohybrid-mbr "$mbr" \
    --boot isolinux/plain.bin,emulation=none,info-table
head -c 100 "$mbr" >"$tmp/short.bin"
expect "a template of 100 bytes: IMAPI_E_INVALID_PARAM" IMAPI_E_INVALID_PARAM \
    --isohybrid-mbr "$tmp/short.bin" --boot "$BOOT"
expect "--efi-partition without an EFI boot entry: IMAPI_E_BOOT_IMAGE_DATA" \
    IMAPI_E_BOOT_IMAGE_DATA --fs iso9660 --efi-partition --boot "$BOOT"
expect "--efi-partition with UDF: IMAPI_E_INVALID_PARAM, naming UDF's anchor" \
    "IMAPI_E_INVALID_PARAM*UDF" --efi-partition --boot "$EFI"
(cd "$tmp" && "$MKIMAGE" -as mkisofs -R -o base.iso src/live) >/dev/null 2>&1
expect "with a session image: IMAPI_E_BOOT_OBJECT_CONFLICT" IMAPI_E_BOOT_OBJECT_CONFLICT \
    --isohybrid-mbr "$mbr" --previous-session "$tmp/base.iso"

tap_done
