#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# tests/integration/hybrid.sh - isohybrid images (`--isohybrid-mbr`,
# `-as mkisofs -isohybrid-mbr`): syslinux's isolinux.bin and isohdpfx.bin
# in a tree whose isolinux.cfg prints a marker on the serial port.  The
# image must boot to that marker in QEMU under SeaBIOS both as a CD-ROM
# (El Torito) and as a hard disk (the MBR); fdisk/sfdisk and xorriso
# must see one bootable partition over the whole image, with the MBR code
# of the template and the boot image's address where isohdpfx.bin reads
# it (checked against isoinfo's El Torito report), also past cylinder 1023
# (a 1.2 GiB image); bsdtar must read the tree.  What cannot work is
# refused with the IMAPI code and nothing is written.  TAP.
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

PLAN=13
tap_plan $PLAN
have() { command -v "$1" >/dev/null 2>&1; }
skip_all() {
    i=0
    while [ $i -lt $PLAN ]; do
        tap_skip "isohybrid" "$1"
        i=$((i + 1))
    done
    tap_done
    exit 0
}
mbr=/usr/lib/ISOLINUX/isohdpfx.bin
isolinux=/usr/lib/ISOLINUX/isolinux.bin
ldlinux=/usr/lib/syslinux/modules/bios/ldlinux.c32
for f in $mbr $isolinux $ldlinux; do
    [ -f "$f" ] || skip_all "$f missing (packages isolinux, syslinux-common)"
done
for t in xorriso isoinfo bsdtar sfdisk fdisk qemu-system-x86_64; do
    have "$t" || skip_all "$t is not installed"
done

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
seen() { tr -d '\r\n' <"$2" | sed 's/\x1b\[[0-9;?]*[A-Za-z]//g' | grep -aqF -- "$1"; }
boot() {   # boot IMAGE cdrom|disk SECONDS
    : >"$tmp/serial.log"
    if [ "$2" = cdrom ]; then
        drive="file=$1,media=cdrom,readonly=on,format=raw"
        order=d
    else
        drive="file=$1,format=raw,if=ide,index=0,snapshot=on"
        order=c
    fi
    qemu-system-x86_64 -nographic -no-reboot -m 256 -nic none -monitor none -accel tcg \
        -serial "file:$tmp/serial.log" -drive "$drive" -boot "$order" </dev/null \
        >"$tmp/qemu.out" 2>&1 &
    QPID=$!
    t=0
    while [ $t -lt $(($3 * 10)) ]; do
        seen FSI-HYBRID-BOOTED "$tmp/serial.log" && break
        kill -0 "$QPID" 2>/dev/null || break
        sleep 0.1
        t=$((t + 1))
    done
    kill "$QPID" 2>/dev/null
    wait "$QPID" 2>/dev/null
    QPID=
    seen FSI-HYBRID-BOOTED "$tmp/serial.log"
}
for how in cdrom disk; do
    if boot "$img" $how 60; then
        tap_ok "SeaBIOS boots it as a $how: isolinux prints its marker"
    else
        tap_fail "SeaBIOS boots it as a $how: isolinux prints its marker" \
            "$(tr -d '\033' <"$tmp/serial.log" | tail -c 400)"
    fi
done

# ---- the mkisofs dialect, and an image past cylinder 1023 ----
if (cd "$tmp" && "$MKIMAGE" -as mkisofs -R -J -isohybrid-mbr "$mbr" -b isolinux/isolinux.bin \
    -c isolinux/boot.cat -no-emul-boot -boot-load-size 4 -boot-info-table -o as.iso src) \
    >"$tmp/as.log" 2>&1 && [ -z "$(check_mbr "$tmp/as.iso")" ] && boot "$tmp/as.iso" disk 60; then
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
(cd "$tmp" && "$MKIMAGE" -as mkisofs -R -o base.iso src/live) >/dev/null 2>&1
expect "with a session image: IMAPI_E_BOOT_OBJECT_CONFLICT" IMAPI_E_BOOT_OBJECT_CONFLICT \
    --isohybrid-mbr "$mbr" --previous-session "$tmp/base.iso"

tap_done
