#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# tests/integration/eltorito.sh - El Torito boot entries made by
# `mkimage create --boot SPEC ... --boot-catalog PATH`:
#  - the catalog read back by xorriso (-report_el_torito plain and
#    as_mkisofs), isoinfo -d and pycdlib, entry by entry: platform,
#    emulation, load segment, system type, sector count, load block, ID
#    strings, and the bytes each entry loads;
#  - the visible catalog is a file of the ISO9660, Joliet and UDF views
#    holding the catalog block; a boot file of the tree is stored once;
#  - the boot info table: the copy in the image (seen the same through
#    ISO9660, Joliet, UDF and the disc bytes) carries the right table, the
#    source file does not change;
#  - UDF-only images (1.02 and 2.50) still carry the boot record and the
#    catalog in an ECMA-119 descriptor set of their own;
#  - every boot error code by name, and the usage errors of SPEC;
#  - real boots in QEMU (software emulation, serial console to a file):
#    SeaBIOS no-emulation, 1.44 MB floppy emulation, hard-disk emulation,
#    a boot sector that checks its boot info table (and fails without
#    one), and with OVMF an EFI application from the EFI entry of an image
#    that also has a BIOS entry, whose BIOS entry boots under SeaBIOS.
# The boot programs are built here from tests/data/boot (GNU as, gnu-efi,
# mkfs.vfat + mtools).  Prints TAP.
#
# Reader quirks: isoinfo -d shows the default entry only; pycdlib reads no
# UDF 2.50 (metadata partition) and needs a PVD, which UDF-only boot
# images have; 7-Zip shows the UDF view of bridge images.
#
# Environment: MKIMAGE (default ./mkimage), top_srcdir (for tests/data).

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/integration/lib.sh
. "$here/lib.sh"

top_builddir=${top_builddir:-$(pwd)}
top_srcdir=${top_srcdir:-$here/../..}
MKIMAGE=${MKIMAGE:-$top_builddir/mkimage}
PY=/usr/bin/python3
data=$top_srcdir/tests/data/boot
LC_ALL=C.UTF-8
export LC_ALL

tmp=$(mktemp -d "${TMPDIR:-/tmp}/fsi-eltorito.XXXXXX") || exit 1
QPID=
trap '[ -n "$QPID" ] && kill "$QPID" 2>/dev/null; rm -rf "$tmp"' EXIT
trap 'exit 1' HUP INT TERM

have() { command -v "$1" >/dev/null 2>&1; }

tap_plan 52

# ---- boot programs ---------------------------------------------------------
# bootN.bin from bootsect.S (KIND=N), floppy.img (1.44 MB), hd.img (1 MiB
# disk: the MBR of KIND=4 with one partition), efi.img (FAT with
# EFI/BOOT/BOOTX64.EFI).
have_bios=no
if have as && have ld; then
    have_bios=yes
    for k in 1 2 3 4; do
        if ! as --32 --defsym KIND=$k -o "$tmp/boot$k.o" "$data/bootsect.S" 2>"$tmp/as.err" ||
            ! ld -m elf_i386 -Ttext=0x7c00 --oformat binary -o "$tmp/boot$k.bin" "$tmp/boot$k.o" \
                2>>"$tmp/as.err"; then
            have_bios=no
            tap_diag "building boot program $k failed: $(cat "$tmp/as.err")"
        fi
    done
fi
if [ $have_bios = yes ]; then
    "$PY" - "$tmp" <<'EOF' || have_bios=no
import struct, sys
t = sys.argv[1]
sector = open(t + "/boot3.bin", "rb").read()
assert len(sector) == 512 and sector[510:] == b"\x55\xaa"
open(t + "/floppy.img", "wb").write(sector + bytes(1474560 - 512))
# A 1 MiB disk of 4 heads x 32 sectors x 16 cylinders: one partition
# (type 0x83) from sector 32 to the end, its CHS in step with the LBA.
mbr = bytearray(open(t + "/boot4.bin", "rb").read())
heads, spt, total, start = 4, 32, 2048, 32
def chs(lba):
    c, h, s = lba // (heads * spt), (lba // spt) % heads, lba % spt + 1
    return bytes([h, ((c >> 2) & 0xC0) | s, c & 0xFF])
mbr[446:462] = b"\x80" + chs(start) + b"\x83" + chs(total - 1) + struct.pack("<II", start, total - start)
open(t + "/hd.img", "wb").write(bytes(mbr) + bytes(total * 512 - 512))
# The same disk with a second partition: not a hard-disk emulation image.
two = bytearray(mbr)
two[462:478] = b"\x00" + chs(8) + b"\x0c" + chs(15) + struct.pack("<II", 8, 8)
open(t + "/hd2.img", "wb").write(bytes(two) + bytes(total * 512 - 512))
EOF
fi

have_efi=no
if have mkfs.vfat && have mmd && have mcopy && have objcopy; then
    if efi_image "$data/efiapp.c" "$tmp" "$tmp/efi.img"; then
        have_efi=yes
    else
        tap_diag "building the EFI application failed: $(cat "$tmp/efi.err")"
    fi
fi

# ---- the source tree --------------------------------------------------------
src=$tmp/src
mkdir -p "$src/boot" "$src/docs"
echo "bootable test image" >"$src/readme.txt"
seq 1 5000 >"$src/docs/numbers.txt"
if [ $have_bios = yes ]; then
    cp "$tmp/boot1.bin" "$src/boot/bios.bin"
    cp "$tmp/boot2.bin" "$src/boot/check.bin"
fi
[ $have_efi = yes ] && cp "$tmp/efi.img" "$src/boot/efi.img"
cp "$src/boot/check.bin" "$tmp/check.orig" 2>/dev/null

mk() { # mk IMAGE ARGS...: run mkimage create quietly; show stderr on failure
    _img=$1
    shift
    "$MKIMAGE" create -q -o "$_img" "$@" 2>"$tmp/mk.err"
}

# lba IMAGE N: the load block of catalog entry N (1 = default) via xorriso.
xorriso_rows() {
    xorriso -indev "$1" -report_el_torito plain 2>/dev/null |
        sed -n 's/^El Torito boot img : *//p'
}

# ---- 1. the catalog through the readers -------------------------------------
multi=$tmp/multi.iso
if [ $have_bios = yes ] && [ $have_efi = yes ] && have xorriso &&
    mk "$multi" --boot boot/bios.bin,id=LIBFSI-TEST \
        --boot boot/efi.img,platform=efi,id=UEFI-ENTRY \
        --boot "$tmp/floppy.img,emulation=floppy" \
        --boot "$tmp/hd.img,emulation=hd,load-segment=7C0" \
        --boot boot/check.bin,platform=mac,sectors=2,info-table \
        --boot boot/bios.bin,platform=ppc \
        --boot-catalog boot/boot.cat "$src"; then
    rows=$(xorriso_rows "$multi")
    # N Pltf Bootable Emul Ld_seg Hdpt Ldsiz (the LBA is checked below).
    got=$(printf '%s\n' "$rows" | awk '{print $1, $2, $3, $4, $5, $6, $7}')
    want="1 BIOS y none 0x0000 0x00 4
2 UEFI y none 0x0000 0x00 5760
3 BIOS y fd1.4 0x0000 0x00 1
4 BIOS y hd 0x07c0 0x83 1
5 Mac y none 0x0000 0x00 2
6 PPC y none 0x0000 0x00 4"
    if [ "$got" = "$want" ]; then
        tap_ok "xorriso -report_el_torito plain: six entries as asked"
    else
        tap_fail "xorriso -report_el_torito plain: six entries as asked" "got:
$got
want:
$want"
    fi
    paths=$(xorriso -indev "$multi" -report_el_torito plain 2>/dev/null |
        sed -n 's/^El Torito \(img path\|cat path\|img opts\) *: *//p' | tr -s ' ')
    want_paths="/boot/boot.cat
1 /boot/bios.bin
2 /boot/efi.img
5 /boot/check.bin
5 boot-info-table
6 /boot/bios.bin"
    if [ "$paths" = "$want_paths" ]; then
        tap_ok "xorriso: catalog and boot files are files of the tree; entry 5 has a boot info table"
    else
        tap_fail "xorriso: catalog and boot files are files of the tree; entry 5 has a boot info table" "got:
$paths"
    fi
    asm=$(xorriso -indev "$multi" -report_el_torito as_mkisofs 2>/dev/null | tr '\n' ' ')
    case $asm in
    *"-c '/boot/boot.cat' -b '/boot/bios.bin' -no-emul-boot -boot-load-size 4 -eltorito-alt-boot -e '/boot/efi.img' -no-emul-boot -boot-load-size 5760 "*"-eltorito-platform 0x02 -b '/boot/check.bin' -no-emul-boot -boot-load-size 2 -boot-info-table -eltorito-alt-boot -eltorito-platform 0x01 -b '/boot/bios.bin' -no-emul-boot -boot-load-size 4"*)
        tap_ok "xorriso -report_el_torito as_mkisofs: the mkisofs options of the same setup" ;;
    *) tap_fail "xorriso -report_el_torito as_mkisofs: the mkisofs options of the same setup" "$asm" ;;
    esac
    # Every entry loads the bytes it should: tree files, hidden copies.
    problem=
    n=0
    for f in "$src/boot/bios.bin" "$src/boot/efi.img" "$tmp/floppy.img" "$tmp/hd.img" - "$src/boot/bios.bin"; do
        n=$((n + 1))
        [ "$f" = - ] && continue   # check.bin is patched: see below
        lba=$(printf '%s\n' "$rows" | awk -v n=$n '$1 == n {print $NF}')
        size=$(stat -c %s "$f")
        if ! dd if="$multi" bs=2048 skip="$lba" count=$(((size + 2047) / 2048)) 2>/dev/null |
            head -c "$size" | cmp -s - "$f"; then
            problem="$problem entry $n (LBA $lba) does not load $f;"
        fi
    done
    if [ -z "$problem" ]; then
        tap_ok "each entry's load block holds its boot image"
    else
        tap_fail "each entry's load block holds its boot image" "$problem"
    fi
    if have isoinfo; then
        d=$(isoinfo -d -i "$multi" 2>&1)
        lba1=$(printf '%s\n' "$rows" | awk '$1 == 1 {print $NF}')
        ok=yes
        for line in "El Torito VD version 1 found" "Arch 0 (x86)" "ID 'LIBFSI-TEST'" \
            "Key 55 AA" "Bootid 88 (bootable)" "Boot media 0 (No Emulation Boot)" \
            "Load segment 0" "Sys type 0" "Nsect 4" "Bootoff $(printf %X "$lba1") $lba1"; do
            printf '%s\n' "$d" | grep -qF -- "$line" || { ok=no; missing=$line; }
        done
        if [ $ok = yes ]; then
            tap_ok "isoinfo -d: validation entry and default entry"
        else
            tap_fail "isoinfo -d: validation entry and default entry" "missing '$missing' in:
$d"
        fi
    else
        tap_skip "isoinfo -d: validation entry and default entry" "isoinfo missing"
    fi
    # pycdlib: every field of every entry, the section headers and IDs.
    pyout=$("$PY" - "$multi" <<'EOF' 2>&1
import sys, pycdlib
iso = pycdlib.PyCdlib()
iso.open(sys.argv[1])
bc = iso.eltorito_boot_catalog
v = bc.validation_entry
print("validation", v.platform_id, v.id_string.rstrip(b"\0").decode())
def ent(e):
    return "%d %d 0x%x 0x%x %d" % (e.boot_indicator, e.boot_media_type, e.load_segment,
                                   e.system_type, e.sector_count)
print("initial", ent(bc.initial_entry))
for s in bc.sections:
    print("section", hex(s.header_indicator), s.platform_id, s.num_section_entries,
          s.id_string.rstrip(b"\0").decode())
    for e in s.section_entries:
        print("entry", ent(e))
iso.close()
EOF
)
    want_py="validation 0 LIBFSI-TEST
initial 136 0 0x0 0x0 4
section 0x90 239 1 UEFI-ENTRY
entry 136 0 0x0 0x0 5760
section 0x90 0 2 
entry 136 2 0x0 0x0 1
entry 136 4 0x7c0 0x83 1
section 0x90 2 1 
entry 136 0 0x0 0x0 2
section 0x91 1 1 
entry 136 0 0x0 0x0 4"
    if [ "$pyout" = "$want_py" ]; then
        tap_ok "pycdlib: validation entry, default entry, four sections by platform"
    else
        tap_fail "pycdlib: validation entry, default entry, four sections by platform" "got:
$pyout
want:
$want_py"
    fi
else
    for d in "xorriso -report_el_torito plain: six entries as asked" \
        "xorriso: catalog and boot files are files of the tree" \
        "xorriso -report_el_torito as_mkisofs" "each entry's load block holds its boot image" \
        "isoinfo -d: validation entry and default entry" "pycdlib: sections by platform"; do
        tap_skip "$d" "no boot programs, no EFI image, no xorriso, or mkimage failed: $(cat "$tmp/mk.err" 2>/dev/null)"
    done
fi

# ---- 2. the visible catalog and the boot info table in every view ----------
if [ -f "$multi" ] && have isoinfo && have 7z; then
    cat_lba=$(dd if="$multi" bs=1 skip=$((17 * 2048 + 71)) count=4 2>/dev/null | od -An -tu4 | tr -d ' ')
    dd if="$multi" bs=2048 skip="$cat_lba" count=1 2>/dev/null >"$tmp/cat.disc"
    isoinfo -i "$multi" -x '/BOOT/BOOT.CAT;1' >"$tmp/cat.iso" 2>/dev/null
    isoinfo -J -i "$multi" -x '/boot/boot.cat;1' >"$tmp/cat.joliet" 2>/dev/null
    rm -rf "$tmp/x7"
    7z x -y -tudf -o"$tmp/x7" "$multi" >/dev/null 2>&1
    problem=
    for v in iso joliet; do
        cmp -s "$tmp/cat.disc" "$tmp/cat.$v" || problem="$problem $v view differs;"
    done
    cmp -s "$tmp/cat.disc" "$tmp/x7/boot/boot.cat" || problem="$problem UDF view differs;"
    [ "$(head -c 1 "$tmp/cat.disc" | od -An -tx1 | tr -d ' ')" = 01 ] || problem="$problem no validation entry;"
    if [ -z "$problem" ]; then
        tap_ok "the visible catalog is the catalog block in the ISO9660, Joliet and UDF views"
    else
        tap_fail "the visible catalog is the catalog block in the ISO9660, Joliet and UDF views" "$problem"
    fi
    lba5=$(xorriso_rows "$multi" | awk '$1 == 5 {print $NF}')
    dd if="$multi" bs=2048 skip="$lba5" count=1 2>/dev/null >"$tmp/check.disc"
    isoinfo -i "$multi" -x '/BOOT/CHECK.BIN;1' >"$tmp/check.iso" 2>/dev/null
    isoinfo -J -i "$multi" -x '/boot/check.bin;1' >"$tmp/check.joliet" 2>/dev/null
    problem=
    for f in "$tmp/check.iso" "$tmp/check.joliet" "$tmp/x7/boot/check.bin"; do
        cmp -s "$tmp/check.disc" "$f" || problem="$problem $(basename "$f") differs from the disc;"
    done
    if [ -z "$problem" ]; then
        tap_ok "the patched boot file reads the same through ISO9660, Joliet, UDF and the disc"
    else
        tap_fail "the patched boot file reads the same through ISO9660, Joliet, UDF and the disc" "$problem"
    fi
    table=$("$PY" - "$tmp/check.disc" "$tmp/check.orig" "$lba5" <<'EOF' 2>&1
import struct, sys
img, src, lba = open(sys.argv[1], "rb").read(), open(sys.argv[2], "rb").read(), int(sys.argv[3])
pvd, blk, length, csum = struct.unpack("<IIII", img[8:24])
want = sum(struct.unpack("<%dI" % ((len(src) - 64) // 4), src[64:])) & 0xFFFFFFFF
bad = []
if pvd != 16: bad.append("PVD block %d" % pvd)
if blk != lba: bad.append("file block %d, catalog says %d" % (blk, lba))
if length != len(src): bad.append("length %d" % length)
if csum != want: bad.append("checksum %08x, want %08x" % (csum, want))
if img[24:64] != bytes(40): bad.append("reserved bytes not zero")
if img[:8] != src[:8] or img[64:] != src[64:]: bad.append("bytes outside 8-63 changed")
print("; ".join(bad) or "ok")
EOF
)
    if [ "$table" = ok ]; then
        tap_ok "boot info table: PVD block 16, own block, length, checksum"
    else
        tap_fail "boot info table: PVD block 16, own block, length, checksum" "$table"
    fi
    if cmp -s "$src/boot/check.bin" "$tmp/boot2.bin"; then
        tap_ok "the source of the patched boot file is unchanged"
    else
        tap_fail "the source of the patched boot file is unchanged"
    fi
else
    for d in "visible catalog in every view" "patched boot file in every view" \
        "boot info table fields" "source unchanged"; do
        tap_skip "$d" "no image, isoinfo or 7z"
    done
fi

# A boot file of the tree is stored once: with a 1.44 MB floppy image of
# the tree as boot image the image grows by the catalog (and maybe the boot
# record) only; the same image from the host is a hidden copy: 720 blocks.
src2=$tmp/src2
if [ $have_bios = yes ] && cp -R "$src" "$src2" && cp "$tmp/floppy.img" "$src2/boot/floppy.img" &&
    mk "$tmp/noboot.iso" "$src2" &&
    mk "$tmp/tree.iso" --boot boot/floppy.img,emulation=floppy "$src2" &&
    mk "$tmp/host.iso" --boot "$tmp/floppy.img,emulation=floppy" "$src2"; then
    b0=$(($(stat -c %s "$tmp/noboot.iso") / 2048))
    b1=$(($(stat -c %s "$tmp/tree.iso") / 2048))
    b2=$(($(stat -c %s "$tmp/host.iso") / 2048))
    if [ $((b1 - b0)) -ge 1 ] && [ $((b1 - b0)) -le 2 ] && [ $((b2 - b1)) -eq 720 ]; then
        tap_ok "a boot file of the tree is stored once; a host boot file is one hidden copy"
    else
        tap_fail "a boot file of the tree is stored once; a host boot file is one hidden copy" \
            "no boot $b0 blocks, floppy of the tree $b1, floppy from the host $b2"
    fi
else
    tap_skip "a boot file of the tree is stored once; a host boot file is one hidden copy" \
        "no boot programs or mkimage failed: $(cat "$tmp/mk.err")"
fi

# ---- 3. UDF-only images -----------------------------------------------------
for rev in 1.02 2.50; do
    img=$tmp/udf-$rev.iso
    if [ $have_bios = yes ] && have xorriso &&
        mk "$img" --fs udf --udf-revision $rev --boot boot/bios.bin,id=UDF-ONLY \
            --boot-catalog boot/boot.cat "$src"; then
        rows=$(xorriso_rows "$img" | awk '{print $1, $2, $3, $4, $7}')
        vd=$("$PY" -c 'import sys
f = open(sys.argv[1], "rb")
out = []
for b in range(16, 20):
    f.seek(b * 2048)
    d = f.read(6)
    out.append("%d:%s" % (d[0], d[1:6].decode("ascii", "replace")))
print(" ".join(out))' "$img")
        if [ "$rows" = "1 BIOS y none 4" ] && [ "$vd" = "1:CD001 0:CD001 255:CD001 0:BEA01" ]; then
            tap_ok "UDF $rev only: PVD, boot record, terminator before BEA01; xorriso reads the catalog"
        else
            tap_fail "UDF $rev only: PVD, boot record, terminator before BEA01; xorriso reads the catalog" \
                "rows: $rows; descriptors: $(echo "$vd" | head -c 200)"
        fi
        rm -rf "$tmp/xu"
        if 7z x -y -tudf -o"$tmp/xu" "$img" >/dev/null 2>&1 && cmp -s "$tmp/xu/boot/bios.bin" "$src/boot/bios.bin" &&
            [ "$(stat -c %s "$tmp/xu/boot/boot.cat")" = 2048 ]; then
            tap_ok "UDF $rev only: 7-Zip lists the boot file and the catalog"
        else
            tap_fail "UDF $rev only: 7-Zip lists the boot file and the catalog" "$(ls -lR "$tmp/xu" 2>&1 | head)"
        fi
    else
        tap_skip "UDF $rev only: descriptors and catalog" "no boot programs, no xorriso, or mkimage failed: $(cat "$tmp/mk.err")"
        tap_skip "UDF $rev only: 7-Zip" "as above"
    fi
done
if [ -f "$tmp/udf-1.02.iso" ]; then
    py=$("$PY" - "$tmp/udf-1.02.iso" <<'EOF' 2>&1
import sys, pycdlib
iso = pycdlib.PyCdlib()
iso.open(sys.argv[1])
bc = iso.eltorito_boot_catalog
print(bc.validation_entry.id_string.rstrip(b"\0").decode(), bc.initial_entry.sector_count)
EOF
)
    if [ "$py" = "UDF-ONLY 4" ]; then
        tap_ok "UDF 1.02 only: pycdlib reads the catalog"
    else
        tap_fail "UDF 1.02 only: pycdlib reads the catalog" "$py"
    fi
else
    tap_skip "UDF 1.02 only: pycdlib reads the catalog" "no image"
fi

# ---- 4. errors ----------------------------------------------------------------
# expect DESC STATUS CODE ARGS...: mkimage create ARGS exits STATUS, its
# first stderr line starts "mkimage: CODE (0x" (CODE - : a usage error),
# and no image is left.
expect() {
    desc=$1 want_rc=$2 want_code=$3
    shift 3
    rm -f "$tmp/err.iso"
    "$MKIMAGE" create -q -o "$tmp/err.iso" "$@" >/dev/null 2>"$tmp/stderr"
    rc=$?
    first=$(head -n 1 "$tmp/stderr")
    problem=
    [ "$rc" -eq "$want_rc" ] || problem="exit status $rc, expected $want_rc"
    case $want_code in
    -) ;;
    *) case $first in
        "mkimage: $want_code (0x"*"): "*) ;;
        *) problem="$problem; stderr does not start with 'mkimage: $want_code (0x'" ;;
        esac ;;
    esac
    [ -e "$tmp/err.iso" ] && problem="$problem; an image was left behind"
    if [ -z "$problem" ]; then
        tap_ok "$desc"
    else
        tap_fail "$desc" "$problem
stderr: $(cat "$tmp/stderr")"
    fi
}

: >"$tmp/empty.bin"
: >"$src/docs/empty.bin"
head -c 2048 /dev/zero >"$tmp/zero2k.bin"
expect "IMAPI_E_BOOT_IMAGE_DATA: FILE neither in the tree nor on the host" 1 IMAPI_E_BOOT_IMAGE_DATA \
    --boot boot/missing.bin "$src"
expect "IMAPI_E_BOOT_IMAGE_DATA: an empty host file" 1 IMAPI_E_BOOT_IMAGE_DATA \
    --boot "$tmp/empty.bin" "$src"
expect "IMAPI_E_BOOT_IMAGE_DATA: an empty file of the tree" 1 IMAPI_E_BOOT_IMAGE_DATA \
    --boot docs/empty.bin "$src"
expect "IMAPI_E_BOOT_IMAGE_DATA: a directory of the tree" 1 IMAPI_E_BOOT_IMAGE_DATA \
    --boot docs "$src"
expect "IMAPI_E_BOOT_IMAGE_DATA: a boot info table needs 64 bytes" 1 IMAPI_E_BOOT_IMAGE_DATA \
    --boot readme.txt,info-table "$src"
expect "IMAPI_E_BOOT_EMULATION_IMAGE_SIZE_MISMATCH: floppy emulation of 2048 bytes" 1 \
    IMAPI_E_BOOT_EMULATION_IMAGE_SIZE_MISMATCH --boot "$tmp/zero2k.bin,emulation=floppy" "$src"
expect "IMAPI_E_BOOT_EMULATION_IMAGE_SIZE_MISMATCH: hard disk without an MBR" 1 \
    IMAPI_E_BOOT_EMULATION_IMAGE_SIZE_MISMATCH --boot "$tmp/zero2k.bin,emulation=hd" "$src"
if [ $have_bios = yes ]; then
    expect "IMAPI_E_BOOT_EMULATION_IMAGE_SIZE_MISMATCH: hard disk with two partitions" 1 \
        IMAPI_E_BOOT_EMULATION_IMAGE_SIZE_MISMATCH --boot "$tmp/hd2.img,emulation=hd" "$src"
else
    tap_skip "IMAPI_E_BOOT_EMULATION_IMAGE_SIZE_MISMATCH: hard disk with two partitions" "no python3"
fi
set --
i=0
while [ $i -lt 33 ]; do
    set -- "$@" --boot "$tmp/zero2k.bin"
    i=$((i + 1))
done
expect "IMAPI_E_INVALID_PARAM: 33 boot entries" 1 IMAPI_E_INVALID_PARAM "$@" "$src"
set -- "$@" "$src"
shift 2   # 32 entries still work
if "$MKIMAGE" create -q -o "$tmp/b32.iso" "$@" 2>"$tmp/stderr" &&
    [ "$(xorriso_rows "$tmp/b32.iso" | wc -l)" -eq 32 ]; then
    tap_ok "32 boot entries are fine"
else
    tap_fail "32 boot entries are fine" "$(cat "$tmp/stderr")"
fi
expect "IMAPI_E_INVALID_PARAM: an ID string of 25 bytes" 1 IMAPI_E_INVALID_PARAM \
    --boot "$tmp/zero2k.bin,id=1234567890123456789012345" "$src"
expect "IMAPI_E_INVALID_PARAM: a boot info table with emulation" 1 IMAPI_E_INVALID_PARAM \
    --boot "$tmp/zero2k.bin,emulation=hd,info-table" "$src"
expect "IMAPI_E_DUP_NAME: --boot-catalog names an existing file" 1 IMAPI_E_DUP_NAME \
    --boot "$tmp/zero2k.bin" --boot-catalog readme.txt "$src"
expect "IMAPI_E_DIR_NOT_FOUND: --boot-catalog in a missing directory" 1 IMAPI_E_DIR_NOT_FOUND \
    --boot "$tmp/zero2k.bin" --boot-catalog nodir/boot.cat "$src"
# A boot entry given to append: the session keeps the image's entries.
mk "$tmp/app-err.iso" --fs iso9660,joliet "$src" >/dev/null 2>&1
cp "$tmp/app-err.iso" "$tmp/app-err.before"
"$MKIMAGE" append -q --boot "$tmp/zero2k.bin" "$tmp/app-err.iso" "$tmp/zero2k.bin" \
    >/dev/null 2>"$tmp/stderr"
rc=$?
if [ $rc -eq 1 ] && head -n 1 "$tmp/stderr" | grep -q "^mkimage: IMAPI_E_BOOT_OBJECT_CONFLICT (0x" &&
    cmp -s "$tmp/app-err.iso" "$tmp/app-err.before"; then
    tap_ok "IMAPI_E_BOOT_OBJECT_CONFLICT: a boot entry on append; the image as before"
else
    tap_fail "IMAPI_E_BOOT_OBJECT_CONFLICT: a boot entry on append" "exit $rc: $(cat "$tmp/stderr")"
fi
expect "usage: unknown SPEC key" 2 - --boot "$tmp/zero2k.bin,color=red" "$src"
expect "usage: bad platform" 2 - --boot "$tmp/zero2k.bin,platform=arm" "$src"
expect "usage: bad emulation" 2 - --boot "$tmp/zero2k.bin,emulation=tape" "$src"
expect "usage: bad load segment" 2 - --boot "$tmp/zero2k.bin,load-segment=12345" "$src"
expect "usage: sectors=0" 2 - --boot "$tmp/zero2k.bin,sectors=0" "$src"
expect "usage: a key given twice" 2 - --boot "$tmp/zero2k.bin,platform=efi,platform=bios" "$src"
expect "usage: no FILE" 2 - --boot ",platform=efi" "$src"
expect "usage: --boot-catalog without --boot" 2 - --boot-catalog boot.cat "$src"

# ---- 5. booting in QEMU ----------------------------------------------------------
# boot IMAGE bios|uefi MARKER SECONDS: start QEMU (TCG) with IMAGE as a
# CD-ROM and COM1 in a file; true once MARKER appears.  Stops early when
# QEMU exits (the test programs end it) or the firmware gives up.
# seen MARKER LOG: whether the serial log holds MARKER.  SeaBIOS copies
# its screen to the serial port from a timer, so its last dots, line ends
# and escape sequences can land in the middle of what the boot sector
# writes to COM1 itself: those are dropped before matching (no marker
# holds a dot).
seen() {
    tr -d '\r\n.' <"$2" | sed 's/\x1b\[[0-9;?]*[A-Za-z]//g' | grep -aqF -- "$1"
}
ovmf_code=/usr/share/OVMF/OVMF_CODE_4M.fd
ovmf_vars=/usr/share/OVMF/OVMF_VARS_4M.fd
boot() {
    _img=$1 _mode=$2 _marker=$3 _secs=$4
    _log=$tmp/serial.log
    : >"$_log"
    set -- -nographic -no-reboot -m 256 -nic none -monitor none -accel tcg \
        -serial "file:$_log" -device isa-debug-exit,iobase=0xf4,iosize=0x04 \
        -drive "file=$_img,media=cdrom,readonly=on,format=raw" -boot d
    if [ "$_mode" = uefi ]; then
        cp "$ovmf_vars" "$tmp/vars.fd"
        set -- "$@" -machine q35 -drive "if=pflash,format=raw,readonly=on,file=$ovmf_code" \
            -drive "if=pflash,format=raw,file=$tmp/vars.fd"
    fi
    qemu-system-x86_64 "$@" </dev/null >"$tmp/qemu.out" 2>&1 &
    QPID=$!
    _t=0
    _seen=no
    while [ $_t -lt $((_secs * 10)) ]; do
        if seen "$_marker" "$_log"; then
            _seen=yes
            break
        fi
        kill -0 "$QPID" 2>/dev/null || break
        grep -aqE 'No bootable device|No bootable option' "$_log" && break
        sleep 0.1
        _t=$((_t + 1))
    done
    kill "$QPID" 2>/dev/null
    wait "$QPID" 2>/dev/null
    QPID=
    seen "$_marker" "$_log" && _seen=yes
    BOOT_TAIL=$(tr -d '\033' <"$_log" | grep -av '^[[:space:]]*$' | tail -n 4)
    [ $_seen = yes ]
}

# check_boot DESC IMAGE MODE MARKER SECONDS
check_boot() {
    if boot "$2" "$3" "$4" "$5"; then
        tap_ok "$1"
    else
        tap_fail "$1" "marker '$4' not seen within $5 s; serial:
$BOOT_TAIL
qemu: $(tail -n 3 "$tmp/qemu.out")"
    fi
}

have_qemu=no
if have qemu-system-x86_64 &&
    qemu-system-x86_64 -accel help 2>/dev/null | grep -qx tcg; then
    have_qemu=yes
fi
have_ovmf=no
[ -f "$ovmf_code" ] && [ -f "$ovmf_vars" ] && have_ovmf=yes

# boot_case DESC MODE MARKER SECONDS IMAGE MKIMAGE-ARGS...: make IMAGE and
# boot it; one TAP result.
boot_case() {
    _desc=$1 _mode=$2 _marker=$3 _secs=$4 _bimg=$5
    shift 5
    if [ $have_qemu = no ] || [ $have_bios = no ]; then
        tap_skip "$_desc" "qemu-system-x86_64 with TCG, or GNU as/ld, missing"
    elif [ "$_mode" = uefi ] && { [ $have_efi = no ] || [ $have_ovmf = no ]; }; then
        tap_skip "$_desc" "OVMF, gnu-efi, dosfstools or mtools missing"
    elif [ ! -f "$_bimg" ] && ! mk "$_bimg" "$@"; then
        tap_fail "$_desc" "mkimage failed: $(cat "$tmp/mk.err")"
    else
        check_boot "$_desc" "$_bimg" "$_mode" "$_marker" "$_secs"
    fi
}

boot_case "SeaBIOS boots the no-emulation image (all 4 sectors loaded)" bios \
    "FSI-NOEMUL-BOOT-OK DL=E0" 20 "$tmp/q-noemul.iso" --boot boot/bios.bin "$src"
boot_case "SeaBIOS boots the 1.44 MB floppy-emulation image (drive 00)" bios \
    "FSI-FLOPPY-BOOT-OK DL=00" 20 "$tmp/q-floppy.iso" --boot "$tmp/floppy.img,emulation=floppy" "$src"
boot_case "SeaBIOS boots the hard-disk-emulation image (drive 80)" bios \
    "FSI-HDEMU-BOOT-OK DL=80" 20 "$tmp/q-hd.iso" --boot "$tmp/hd.img,emulation=hd" "$src"
boot_case "SeaBIOS: the boot sector finds its boot info table right" bios \
    "FSI-TABLE-OK" 20 "$tmp/q-table.iso" --boot boot/check.bin,info-table "$src"
# The control: the same boot sector without a table must say so.
boot_case "SeaBIOS: without info-table the same boot sector reports no table" bios \
    "FSI-TABLE-BAD" 20 "$tmp/q-notable.iso" --boot boot/check.bin "$src"
boot_case "SeaBIOS: UDF-only image, hidden boot file with its boot info table" bios \
    "FSI-TABLE-OK" 20 "$tmp/q-udftable.iso" --fs udf --boot "$tmp/boot2.bin,info-table" "$src"
boot_case "OVMF boots the EFI entry of a BIOS+EFI image (EFI/BOOT/BOOTX64.EFI)" uefi \
    "FSI-EFI-BOOT-OK" 60 "$tmp/q-dual.iso" --boot boot/bios.bin --boot boot/efi.img,platform=efi \
    --boot-catalog boot/boot.cat "$src"
boot_case "SeaBIOS boots the BIOS entry of the same image" bios \
    "FSI-NOEMUL-BOOT-OK" 20 "$tmp/q-dual.iso" --boot boot/bios.bin --boot boot/efi.img,platform=efi \
    --boot-catalog boot/boot.cat "$src"
# Two sessions appended to a BIOS+EFI image keep its boot record and
# catalog: it still boots both ways, and the catalog reads the same.
appended=$tmp/q-appended.iso
if [ $have_qemu = yes ] && [ $have_bios = yes ] && [ $have_efi = yes ] && have xorriso &&
    mk "$appended" --fs iso9660,joliet --boot boot/bios.bin --boot boot/efi.img,platform=efi \
        --boot-catalog boot/boot.cat "$src"; then
    xorriso_rows "$appended" >"$tmp/rows.before"
    mkdir -p "$tmp/more" && echo more >"$tmp/more/more.txt"
    if "$MKIMAGE" append -q "$appended" "$tmp/more" >"$tmp/app.out" 2>&1 &&
        "$MKIMAGE" append -q --remove readme.txt "$appended" "docs2=$tmp/more" \
            >>"$tmp/app.out" 2>&1 &&
        xorriso_rows "$appended" >"$tmp/rows.after" && [ -s "$tmp/rows.after" ] &&
        cmp -s "$tmp/rows.before" "$tmp/rows.after" &&
        [ "$(xorriso -indev "$appended" -find /docs2/more.txt 2>/dev/null)" = "'/docs2/more.txt'" ]; then
        tap_ok "two appends keep the boot record and catalog (xorriso: the same entries)"
    else
        tap_fail "two appends keep the boot record and catalog" \
            "$(cat "$tmp/app.out"; diff "$tmp/rows.before" "$tmp/rows.after")"
    fi
    check_boot "SeaBIOS boots the BIOS entry after two appends" "$appended" bios \
        "FSI-NOEMUL-BOOT-OK" 20
    if [ $have_ovmf = yes ]; then
        check_boot "OVMF boots the EFI entry after two appends" "$appended" uefi \
            "FSI-EFI-BOOT-OK" 60
    else
        tap_skip "OVMF boots the EFI entry after two appends" "OVMF missing"
    fi
else
    for d in "two appends keep the boot record and catalog" \
        "SeaBIOS boots the BIOS entry after two appends" "OVMF boots the EFI entry after two appends"; do
        tap_skip "$d" "qemu, GNU as/ld, gnu-efi or xorriso missing"
    done
fi
boot_case "OVMF boots the EFI entry of a UDF 2.50-only BIOS+EFI image" uefi \
    "FSI-EFI-BOOT-OK" 60 "$tmp/q-dual-udf.iso" --fs udf --udf-revision 2.50 \
    --boot boot/bios.bin --boot boot/efi.img,platform=efi "$src"
boot_case "SeaBIOS boots the BIOS entry of the UDF 2.50-only image" bios \
    "FSI-NOEMUL-BOOT-OK" 20 "$tmp/q-dual-udf.iso" --fs udf --udf-revision 2.50 \
    --boot boot/bios.bin --boot boot/efi.img,platform=efi "$src"

tap_done
