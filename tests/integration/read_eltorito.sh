#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# tests/integration/read_eltorito.sh - the El Torito catalog reader
# (fsi_disc_boot_entries) on images made by mkimage (BIOS, EFI, PPC and
# Mac entries; no emulation, floppy and hard-disk emulation; ID strings;
# UDF-only), xorriso -as mkisofs (BIOS + EFI), a two-session xorriso
# image, genisoimage -b and pycdlib, compared entry by entry with
# `xorriso -report_el_torito plain` (platform, bootable, emulation, load
# segment, system type, sector count, load block) and `isoinfo -d` (the
# default entry and the validation entry's ID); images without a boot
# record; hand-made catalogs with sections, extension records and a
# second catalog block; and broken catalogs, each a consistency error
# naming what is wrong.  Prints TAP.
#
# The tool is tests/fuzz/fsi-boot (built by make check; built here from
# the installed headers and the built library if it is missing).
# Reader quirks: isoinfo -d shows the default entry only.
#
# Environment: MKIMAGE, top_srcdir, top_builddir (as make check sets them).

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/integration/lib.sh
. "$here/lib.sh"

top_builddir=${top_builddir:-$(pwd)}
top_srcdir=${top_srcdir:-$here/../..}
MKIMAGE=${MKIMAGE:-$top_builddir/mkimage}
PY=/usr/bin/python3
LC_ALL=C
export LC_ALL

tmp=$(mktemp -d "${TMPDIR:-/tmp}/fsi-rdelt.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' HUP INT TERM

have() { command -v "$1" >/dev/null 2>&1; }

tap_plan 24

BOOT=$top_builddir/tests/fuzz/fsi-boot
if [ ! -x "$BOOT" ]; then
    BOOT=$tmp/fsi-boot
    ${CC:-cc} -std=c11 -I"$top_srcdir/include" "$top_srcdir/tests/fuzz/fsi-boot.c" \
        -L"$top_builddir/.libs" -lfsi -Wl,-rpath,"$top_builddir/.libs" -o "$BOOT" \
        >"$tmp/cc.err" 2>&1 || tap_diag "building fsi-boot failed: $(cat "$tmp/cc.err")"
fi

# ---- inputs ------------------------------------------------------------
src=$tmp/src
mkdir -p "$src/dir" || exit 1
echo hello >"$src/a.txt"
echo deep >"$src/dir/b.txt"
awk 'BEGIN { printf "BOOT"; for (i = 4; i < 2048; i++) printf "%c", 65 + i % 26 }' >"$tmp/boot.bin"
awk 'BEGIN { for (i = 0; i < 65536; i++) printf "%c", 97 + i % 26 }' >"$tmp/efi.img"
"$PY" - "$tmp" <<'EOF'
import struct, sys
t = sys.argv[1]
open(t + "/floppy.img", "wb").write(b"\xeb\x3c" + bytes(508) + b"\x55\xaa" + bytes(1474560 - 512))
mbr = bytearray(512)
mbr[446:462] = bytes([0x80, 0, 33, 0, 0x83, 3, 32, 15]) + struct.pack("<II", 32, 2016)
mbr[510:] = b"\x55\xaa"
open(t + "/hd.img", "wb").write(bytes(mbr) + bytes(2047 * 512))
EOF

# ---- helpers -------------------------------------------------------------
# The entries as "N PLATFORM B EMUL SEG SYSTYPE SECTORS LBA", one a line.
fsi_entries() { "$BOOT" "$1" | awk 'NR > 1 { print $1, $2, $3, $4, $5, $6, $7, $8 }'; }
xo_entries() {
    xorriso -indev "$1" -report_el_torito plain 2>/dev/null |
        sed -n 's/^El Torito boot img : *//p' | awk '{ print $1, $2, $3, $4, $5, $6, $7, $8 }'
}
xo_catalog() {
    xorriso -indev "$1" -report_el_torito plain 2>/dev/null | awk '/^El Torito catalog/ { print $5 }'
}
fsi_catalog() { "$BOOT" "$1" | sed -n 's/^catalog //p'; }

# Compare with xorriso: same catalog block, same entries (at least one).
vs_xorriso() { # DESC IMAGE
    if ! have xorriso; then
        tap_skip "$1" "no xorriso"
        return
    fi
    if ! "$BOOT" "$2" >"$tmp/fsi.out" 2>&1; then
        tap_fail "$1" "fsi-boot failed: $(cat "$tmp/fsi.out")"
        return
    fi
    fsi_entries "$2" >"$tmp/a"
    xo_entries "$2" >"$tmp/b"
    fc=$(fsi_catalog "$2")
    xc=$(xo_catalog "$2")
    if [ -s "$tmp/b" ] && [ "$fc" = "$xc" ] && cmp -s "$tmp/a" "$tmp/b"; then
        tap_ok "$1"
    else
        tap_fail "$1" "catalog: fsi $fc, xorriso $xc
fsi-boot:
$(cat "$tmp/a")
xorriso:
$(cat "$tmp/b")"
    fi
}

# Expect fsi-boot output (all lines) to equal the text given.
expect_out() { # DESC IMAGE TEXT
    out=$("$BOOT" "$2" 2>&1)
    if [ "$out" = "$3" ]; then
        tap_ok "$1"
    else
        tap_fail "$1" "expected:
$3
got:
$out"
    fi
}

# Expect a consistency error whose message holds TEXT.
expect_corrupt() { # DESC IMAGE TEXT
    out=$("$BOOT" "$2" 2>&1)
    rc=$?
    case $rc:$out in
    1:*0xC0AAB153*"$3"*) tap_ok "$1" ;;
    *) tap_fail "$1" "exit status $rc (expected 1 with 0xC0AAB153 and '$3'): $out" ;;
    esac
}

mk() { "$MKIMAGE" create -q "$@" >"$tmp/mk.err" 2>&1 || tap_diag "mkimage $*: $(cat "$tmp/mk.err")"; }

# ---- mkimage -------------------------------------------------------------
mk -o "$tmp/one.iso" --boot "$tmp/boot.bin" "$src"
vs_xorriso "mkimage, one BIOS entry: as xorriso reports" "$tmp/one.iso"

mk -o "$tmp/multi.iso" --boot "$tmp/boot.bin,id=BIOSID" --boot "$tmp/efi.img,platform=efi,id=EFIONE" \
    --boot "$tmp/efi.img,platform=efi,emulation=none,id=EFITWO" \
    --boot "$tmp/boot.bin,platform=ppc,load-segment=1000,sectors=3" "$src"
vs_xorriso "mkimage, BIOS + 2 EFI + PPC entries: as xorriso reports" "$tmp/multi.iso"
# IDs: the default entry carries the validation entry's, section entries
# their section header's (mkimage writes the first entry's of the section).
"$BOOT" "$tmp/multi.iso" >"$tmp/multi.out" 2>&1
tap_check "mkimage: ID strings, default flag, 4 entries" sh -c '
    grep -q "^1 BIOS .* default id=BIOSID\$" "$1" && grep -q "^2 UEFI .* id=EFIONE\$" "$1" &&
    grep -q "^3 UEFI .* id=EFIONE\$" "$1" && grep -q "^4 PPC y none 0x1000 0x00 3 .* id=\$" "$1" &&
    [ "$(grep -c default "$1")" = 1 ] && [ "$(wc -l <"$1")" = 5 ]' sh "$tmp/multi.out"
if have isoinfo; then
    isoinfo -d -i "$tmp/multi.iso" >"$tmp/isoinfo.out" 2>&1
    lba=$(awk '/Bootoff/ { print $3 }' "$tmp/isoinfo.out")
    tap_check "mkimage: default entry and ID as isoinfo -d reports" sh -c '
        grep -q "ID '"'"'BIOSID'"'"'" "$1" && grep -q "Nsect 4" "$1" &&
        grep -q "^1 BIOS y none 0x0000 0x00 4 $2 default" "$3"' sh "$tmp/isoinfo.out" "$lba" "$tmp/multi.out"
else
    tap_skip "mkimage: default entry and ID as isoinfo -d reports" "no isoinfo"
fi

mk -o "$tmp/emu.iso" --boot "$tmp/floppy.img,emulation=floppy" \
    --boot "$tmp/hd.img,emulation=hd,platform=mac,id=HARD" \
    --boot "$tmp/boot.bin,load-segment=7c0,sectors=1" "$src"
vs_xorriso "mkimage, floppy + hard-disk (Mac) + load segment: as xorriso reports" "$tmp/emu.iso"
"$BOOT" "$tmp/emu.iso" >"$tmp/emu.out" 2>&1
tap_check "hard-disk emulation: system type from the MBR, emulation 4" \
    grep -q "^2 Mac y hd 0x0000 0x83 1 .* id=HARD\$" "$tmp/emu.out"

mk --fs udf --udf-revision 2.50 -o "$tmp/udf.iso" --boot "$tmp/boot.bin" \
    --boot "$tmp/efi.img,platform=efi" "$src"
vs_xorriso "mkimage, UDF-only image (its own ECMA-119 set): as xorriso reports" "$tmp/udf.iso"

# The same through a read callback.
"$BOOT" --stream "$tmp/multi.iso" >"$tmp/stream.out" 2>&1
tap_check "a stream (fsi_disc_open_stream) reads the same entries" cmp "$tmp/multi.out" "$tmp/stream.out"

# ---- other writers -------------------------------------------------------
cp "$tmp/boot.bin" "$tmp/efi.img" "$src/"
if have xorriso; then
    xorriso -as mkisofs -quiet -R -J -o "$tmp/xo.iso" -b boot.bin -no-emul-boot -boot-load-size 4 \
        -eltorito-alt-boot -e efi.img -no-emul-boot "$src" >/dev/null 2>&1
    vs_xorriso "xorriso -as mkisofs, BIOS + EFI" "$tmp/xo.iso"
    # Two sessions, the boot entry added by the second: read through the
    # descriptors at block 16, which xorriso points at the newest session.
    mkdir -p "$tmp/s1" && echo one >"$tmp/s1/one.txt"
    xorriso -outdev "$tmp/ms.iso" -map "$tmp/s1" / -commit >/dev/null 2>&1 &&
        xorriso -dev "$tmp/ms.iso" -map "$src" /s2 -boot_image any bin_path=/s2/boot.bin \
            -boot_image any load_size=2048 -commit >/dev/null 2>&1
    vs_xorriso "xorriso, two sessions, boot entry in the second" "$tmp/ms.iso"
else
    tap_skip "xorriso -as mkisofs, BIOS + EFI" "no xorriso"
    tap_skip "xorriso, two sessions, boot entry in the second" "no xorriso"
fi
if have genisoimage; then
    genisoimage -quiet -R -J -o "$tmp/ge.iso" -b boot.bin -no-emul-boot -boot-load-size 4 "$src" \
        >/dev/null 2>&1
    vs_xorriso "genisoimage -b" "$tmp/ge.iso"
    isoinfo -d -i "$tmp/ge.iso" >"$tmp/ge.info" 2>&1
    lba=$(awk '/Bootoff/ { print $3 }' "$tmp/ge.info")
    "$BOOT" "$tmp/ge.iso" >"$tmp/ge.out" 2>&1
    tap_check "genisoimage -b: the default entry as isoinfo -d reports" \
        grep -q "^1 BIOS y none 0x0000 0x00 4 $lba default" "$tmp/ge.out"
else
    tap_skip "genisoimage -b" "no genisoimage"
    tap_skip "genisoimage -b: the default entry as isoinfo -d reports" "no genisoimage"
fi
rm -f "$src/boot.bin" "$src/efi.img"
if "$PY" -c 'import pycdlib' 2>/dev/null; then
    "$PY" - "$tmp/py.iso" "$tmp/boot.bin" <<'EOF'
import io, sys
import pycdlib
iso = pycdlib.PyCdlib()
iso.new(interchange_level=3, joliet=3)
boot = open(sys.argv[2], "rb").read()
iso.add_fp(io.BytesIO(boot), len(boot), "/BOOT.BIN;1", joliet_path="/boot.bin")
iso.add_eltorito("/BOOT.BIN;1", "/BOOT.CAT;1", media_name="noemul", boot_load_size=4)
iso.write(sys.argv[1])
EOF
    vs_xorriso "pycdlib add_eltorito" "$tmp/py.iso"
else
    tap_skip "pycdlib add_eltorito" "no pycdlib"
fi

# ---- no boot record --------------------------------------------------------
mk -o "$tmp/noboot.iso" "$src"
expect_out "no boot record: catalog 0, no entries" "$tmp/noboot.iso" "catalog 0"
mk --fs udf -o "$tmp/noboot-udf.iso" "$src"
expect_out "UDF-only image without boot: catalog 0, no entries" "$tmp/noboot-udf.iso" "catalog 0"

# ---- hand-made catalogs ----------------------------------------------------
# PVD at 16, boot record at 17 (catalog at CAT), terminator at 18.
"$PY" - "$tmp" <<'EOF'
import struct, sys
t = sys.argv[1]
B = 2048
def image(name, catalog, blocks=24, cat=19):
    d = bytearray(blocks * B)
    d[16 * B:16 * B + 7] = b"\x01CD001\x01"
    d[16 * B + 80:16 * B + 88] = struct.pack("<I", blocks) + struct.pack(">I", blocks)
    d[17 * B:17 * B + 7] = b"\x00CD001\x01"
    d[17 * B + 7:17 * B + 30] = b"EL TORITO SPECIFICATION"
    d[17 * B + 71:17 * B + 75] = struct.pack("<I", cat)
    d[18 * B:18 * B + 7] = b"\xffCD001\x01"
    catalog = catalog[:len(d) - cat * B]
    d[cat * B:cat * B + len(catalog)] = catalog
    open(t + "/" + name, "wb").write(d)
def validation(platform=0, ident=b"HAND", fix=True):
    v = bytearray(32)
    v[0], v[1] = 1, platform
    v[4:4 + len(ident)] = ident
    v[30], v[31] = 0x55, 0xAA
    s = sum(struct.unpack("<16H", bytes(v))) & 0xFFFF
    v[28:30] = struct.pack("<H", (0x10000 - s) & 0xFFFF if fix else 1)
    return bytes(v)
def entry(boot=0x88, media=0, seg=0, systype=0, count=4, rba=20, flags=0):
    return struct.pack("<BBHBBHI", boot, media | flags, seg, systype, 0, count, rba) + bytes(20)
def header(last, platform, n, ident=b""):
    return struct.pack("<BBH", 0x91 if last else 0x90, platform, n) + ident.ljust(28, b"\0")
v = validation()
# Sections: an entry with an extension record, a non-bootable hard-disk
# entry, then a last section of one floppy entry.
image("sections.img", v + entry() + header(False, 0xEF, 2, b"UEFI") + entry(count=1, flags=0x20) +
      b"\x44" + bytes(31) + entry(boot=0, media=4, systype=0x83, count=1, rba=21) +
      header(True, 1, 1, b"PPC") + entry(media=2, seg=0x7C0, count=1, rba=22))
# 70 section entries: the catalog continues into its second block.
image("long.img", v + entry() + header(True, 0xEF, 70, b"MANY") +
      b"".join(entry(count=1, rba=20 + i % 4) for i in range(70)))
# Broken ones.
image("bad-sum.img", validation(fix=False) + entry())
image("bad-key.img", v[:30] + b"\x55\x00" + entry())
image("bad-cat.img", v + entry(), cat=5000)
image("bad-count.img", v + entry() + header(True, 0xEF, 65535))
image("bad-indicator.img", v + entry(boot=0x77))
image("bad-media.img", v + entry(media=7))
# Headers saying "more follow" up to the end of the image.
image("bad-chain.img", v + entry() + header(False, 0, 0) * 62, blocks=20)
EOF
expect_out "hand-made: sections, extension record, non-bootable entry" "$tmp/sections.img" "catalog 19
1 BIOS y none 0x0000 0x00 4 20 default id=HAND
2 UEFI y none 0x0000 0x00 1 20 id=UEFI
3 UEFI n hd 0x0000 0x83 1 21 id=UEFI
4 PPC y fd1.4 0x07c0 0x00 1 22 id=PPC"
"$BOOT" "$tmp/long.img" >"$tmp/long.out" 2>&1
tap_check "hand-made: a catalog of two blocks (71 entries)" sh -c '
    [ "$(grep -c " id=MANY\$" "$1")" = 63 ] && grep -q "^\.\.\. 71 entries\$" "$1"' sh "$tmp/long.out"
expect_corrupt "bad validation checksum" "$tmp/bad-sum.img" "validation entry at block 19: checksum"
expect_corrupt "bad key bytes" "$tmp/bad-key.img" "key bytes 55 00"
expect_corrupt "catalog outside the image" "$tmp/bad-cat.img" "boot record at block 17: catalog block 5000"
expect_corrupt "section entry count past the catalog's bound" "$tmp/bad-count.img" "section header"
expect_corrupt "bad boot indicator" "$tmp/bad-indicator.img" "boot indicator 0x77"
expect_corrupt "bad media type" "$tmp/bad-media.img" "media type 7"
expect_corrupt "section headers running past the end of the image" "$tmp/bad-chain.img" \
    "runs past the end of the image"

tap_done
