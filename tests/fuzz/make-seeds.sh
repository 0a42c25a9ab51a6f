#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# tests/fuzz/make-seeds.sh OUTDIR - the seed corpus of the fuzz targets:
# small images of one small tree made by every writer at hand (mkimage:
# ISO9660, Joliet and each UDF revision, with boot entries; xorriso -as
# mkisofs -R -J with BIOS + EFI entries; genisoimage -R -J -udf;
# mkudffs of several revisions; pycdlib with Rock Ridge, Joliet, UDF and
# El Torito), plus a few hand-made El Torito catalogs with sections and
# extension records, and hybrid disks (GPT, MBR).  A writer that is
# missing is skipped.  Seeds are made, never committed: they go to OUTDIR
# (created).
#
# Environment: MKIMAGE (default: mkimage of the build dir or PATH).

set -u
out=${1:?usage: make-seeds.sh OUTDIR}
here=$(cd "$(dirname "$0")" && pwd)
top_builddir=${top_builddir:-$here/../..}
if [ -z "${MKIMAGE:-}" ]; then
    if [ -x "$top_builddir/mkimage" ]; then MKIMAGE=$top_builddir/mkimage; else MKIMAGE=mkimage; fi
fi
PY=/usr/bin/python3
have() { command -v "$1" >/dev/null 2>&1; }

mkdir -p "$out" || exit 1
tmp=$(mktemp -d "${TMPDIR:-/tmp}/fsi-seeds.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' HUP INT TERM

# The tree: a few files (one of several blocks), a deep directory, an
# empty file, a long name, a symlink; boot images of 2 KiB and 16 KiB.
src=$tmp/src
mkdir -p "$src/dir/sub/deeper" "$src/other" || exit 1
echo hello >"$src/a.txt"
: >"$src/empty"
awk 'BEGIN { for (i = 0; i < 700; i++) printf "line %d\n", i }' >"$src/dir/lines.txt"
echo deep >"$src/dir/sub/deeper/deep.txt"
echo long >"$src/other/a-rather-long-file-name-for-joliet-and-udf.txt"
ln -s ../a.txt "$src/other/link" 2>/dev/null
awk 'BEGIN { printf "BOOT"; for (i = 4; i < 2048; i++) printf "%c", 65 + i % 26 }' >"$tmp/boot.bin"
awk 'BEGIN { for (i = 0; i < 16384; i++) printf "%c", 97 + i % 26 }' >"$tmp/efi.img"

made=0
seed() { # NAME: keep $tmp/img as OUTDIR/NAME if it was made
    if [ -s "$tmp/img" ]; then
        mv "$tmp/img" "$out/$1" && made=$((made + 1))
    fi
    rm -f "$tmp/img"
}

if "$MKIMAGE" --help >/dev/null 2>&1; then
    mk() { "$MKIMAGE" create -q -o "$tmp/img" "$@" >/dev/null 2>&1; }
    mk --fs iso9660 --iso-level 1 "$src/a.txt" "dir=$src/dir" && seed mk-iso-l1.iso
    mk --fs iso9660,joliet "$src" && seed mk-iso-joliet.iso
    # Hybrid disks: a GPT over the ISO9660 data, and an MBR with an
    # appended partition (the append extends them).
    mk --fs iso9660,joliet --appended-gpt "$src" && seed mk-gpt.iso
    mk --fs iso9660 --append-partition 2 0xef "$tmp/efi.img" "$src" && seed mk-mbr-part.iso
    mk --fs iso9660,joliet,udf --boot "$tmp/boot.bin" --boot "$tmp/efi.img,platform=efi" \
        --boot-catalog boot.cat "$src" && seed mk-all-boot.iso
    for rev in 1.02 1.50 2.00 2.01 2.50 2.60; do
        mk --fs udf --udf-revision $rev "$src" && seed "mk-udf-$rev.iso"
    done
    mk --fs udf --udf-revision 2.50 --boot "$tmp/boot.bin,id=SEED" "$src" && seed mk-udf-boot.iso
    # Two sessions: a session image written at the first one's end
    if mk --fs iso9660,joliet "$src" && mv "$tmp/img" "$tmp/s1.iso" &&
        "$MKIMAGE" create -q --previous-session "$tmp/s1.iso" -o "$tmp/s2.img" "$tmp/boot.bin" \
            >/dev/null 2>&1; then
        n=$(( $(wc -c <"$tmp/s1.iso") / 2048 ))
        cp "$tmp/s1.iso" "$tmp/img" &&
            dd if="$tmp/s2.img" of="$tmp/img" bs=2048 seek="$n" conv=notrunc 2>/dev/null &&
            seed mk-two-sessions.iso
    fi
    # Three sessions appended in place (the head a copy, the first
    # session's set kept, the marks of session_mark.h)
    if mk --fs iso9660,joliet "$src" && mv "$tmp/img" "$tmp/a.iso" &&
        "$MKIMAGE" append -q "$tmp/a.iso" "$tmp/boot.bin" >/dev/null 2>&1 &&
        "$MKIMAGE" append -q --remove boot.bin "$tmp/a.iso" "$tmp/efi.img" >/dev/null 2>&1; then
        mv "$tmp/a.iso" "$tmp/img" && seed mk-appended.iso
    fi
    # Rock Ridge relocation (RR_MOVED, CL/PL/RE): a 9-level tree
    mkdir -p "$tmp/deep/1/2/3/4/5/6/7/8/9" && echo x >"$tmp/deep/1/2/3/4/5/6/7/8/9/f" &&
        mk --fs iso9660 --relocate-deep "$tmp/deep" && seed mk-rr-moved.iso
fi
if have xorriso; then
    cp "$tmp/boot.bin" "$tmp/efi.img" "$src/" &&
        xorriso -as mkisofs -quiet -R -J -o "$tmp/img" -b boot.bin -no-emul-boot -boot-load-size 4 \
            -eltorito-alt-boot -e efi.img -no-emul-boot "$src" >/dev/null 2>&1 && seed xorriso-rj-boot.iso
    rm -f "$src/boot.bin" "$src/efi.img"
    xorriso -as mkisofs -quiet -R -J -iso-level 3 -o "$tmp/img" "$src" >/dev/null 2>&1 &&
        seed xorriso-rj.iso
    # grown in place twice (-dev): its emulated table of contents
    xorriso -dev "$tmp/img" -map "$src" /one -commit >/dev/null 2>&1 &&
        xorriso -dev "$tmp/img" -map "$src" /two -commit >/dev/null 2>&1 &&
        seed xorriso-dev-sessions.iso
fi
if have genisoimage; then
    genisoimage -quiet -R -J -udf -o "$tmp/img" "$src" >/dev/null 2>&1 && seed genisoimage-rj-udf.iso
    [ -d "$tmp/deep" ] && genisoimage -quiet -R -o "$tmp/img" "$tmp/deep" >/dev/null 2>&1 &&
        seed genisoimage-rr-moved.iso
    cp "$tmp/boot.bin" "$src/" &&
        genisoimage -quiet -R -J -b boot.bin -no-emul-boot -boot-load-size 4 -o "$tmp/img" "$src" \
            >/dev/null 2>&1 && seed genisoimage-boot.iso
    rm -f "$src/boot.bin"
fi
if have mkudffs; then
    # udftools 2.3 makes no revision above 2.01 for media type hd; 300
    # blocks is about the least it makes with 2048-byte blocks.
    for rev in 1.02 1.50 2.01; do
        mkudffs --new-file --blocksize=2048 --media-type=hd --udfrev=$rev "$tmp/img" 300 \
            >/dev/null 2>&1 && seed "mkudffs-$rev.img"
    done
fi
if [ -x "$PY" ] && "$PY" -c 'import pycdlib' 2>/dev/null; then
    "$PY" - "$tmp/img" "$tmp/boot.bin" <<'EOF' >/dev/null 2>&1 && seed pycdlib-rr-joliet-udf-boot.iso
import io, sys
import pycdlib
iso = pycdlib.PyCdlib()
iso.new(interchange_level=3, rock_ridge="1.09", joliet=3, udf="2.60")
def add(data, iso_path, rr, joliet, udf):
    iso.add_fp(io.BytesIO(data), len(data), iso_path, rr_name=rr, joliet_path=joliet, udf_path=udf)
iso.add_directory("/DIR", rr_name="dir", joliet_path="/dir", udf_path="/dir")
add(b"hello\n", "/A.TXT;1", "a.txt", "/a.txt", "/a.txt")
add(b"x" * 5000, "/DIR/BIG.BIN;1", "big.bin", "/dir/big.bin", "/dir/big.bin")
boot = open(sys.argv[2], "rb").read()
add(boot, "/BOOT.BIN;1", "boot.bin", "/boot.bin", "/boot.bin")
iso.add_eltorito("/BOOT.BIN;1", "/BOOT.CAT;1", media_name="noemul", boot_load_size=4)
iso.write(sys.argv[1])
EOF
fi

# Hand-made El Torito catalogs: a boot record at 17, the catalog at 19
# with a validation entry, a default entry, two sections (one entry with
# an extension record), and a boot image at 20.  Small enough for fast runs.
if [ -x "$PY" ]; then
    "$PY" - "$out" <<'EOF' && made=$((made + 3))
import struct, sys
out = sys.argv[1]
B = 2048
def image(catalog, blocks=22):
    d = bytearray(blocks * B)
    pvd = 16 * B
    d[pvd:pvd + 7] = b"\x01CD001\x01"
    d[pvd + 80:pvd + 88] = struct.pack("<I", blocks) + struct.pack(">I", blocks)
    br = 17 * B
    d[br:br + 7] = b"\x00CD001\x01"
    d[br + 7:br + 30] = b"EL TORITO SPECIFICATION"
    d[br + 71:br + 75] = struct.pack("<I", 19)
    d[18 * B:18 * B + 7] = b"\xffCD001\x01"
    d[19 * B:19 * B + len(catalog)] = catalog
    return d
def validation(platform, ident):
    v = bytearray(32)
    v[0], v[1] = 1, platform
    v[4:4 + len(ident)] = ident
    v[30], v[31] = 0x55, 0xAA
    s = sum(struct.unpack("<16H", bytes(v))) & 0xFFFF
    v[28:30] = struct.pack("<H", (0x10000 - s) & 0xFFFF)
    return bytes(v)
def entry(boot, media, seg, systype, count, rba, flags=0):
    return struct.pack("<BBHBBHI", boot, media | flags, seg, systype, 0, count, rba) + bytes(20)
def header(last, platform, n, ident):
    return struct.pack("<BBH", 0x91 if last else 0x90, platform, n) + ident.ljust(28, b"\0")
cat = validation(0, b"SEED") + entry(0x88, 0, 0, 0, 4, 20)
open(out + "/eltorito-default.img", "wb").write(image(cat))
cat2 = (cat + header(False, 0xEF, 2, b"UEFI") + entry(0x88, 0, 0, 0, 1, 20, 0x20) +
        b"\x44" + bytes(31) + entry(0x00, 4, 0, 0x83, 1, 20) +
        header(True, 1, 1, b"PPC") + entry(0x88, 2, 0x7C0, 0, 1, 21))
open(out + "/eltorito-sections.img", "wb").write(image(cat2))
# A catalog that continues into its second block.
cat3 = cat + header(True, 0xEF, 70, b"MANY") + b"".join(entry(0x88, 0, 0, 0, 1, 20) for _ in range(70))
open(out + "/eltorito-long.img", "wb").write(image(cat3, blocks=24))
EOF
fi
# WAV files for fuzz_wav (small: the header is what is read): sox's, and
# hand-made ones with a LIST chunk, WAVE_FORMAT_EXTENSIBLE and a
# streaming writer's unknown length.
if have sox; then
    sox -q -n -r 44100 -c 2 -b 16 "$out/wav-sox.wav" synth 0.01 sine 440 && made=$((made + 1))
    sox -q -n -r 22050 -c 1 -b 8 "$out/wav-sox-mono8.wav" synth 0.01 sine 440 && made=$((made + 1))
fi
if $PY - "$out" <<'EOF'
import struct, sys
out = sys.argv[1]
def fmt(tag=1, ch=2, rate=44100, bits=16, ext=None):
    body = struct.pack("<HHIIHH", tag, ch, rate, rate * ch * bits // 8, ch * bits // 8, bits)
    if ext is not None:
        body += struct.pack("<HHI", 22, bits, 3) + ext
    return b"fmt " + struct.pack("<I", len(body)) + body
def riff(*chunks, size=None):
    b = b"WAVE" + b"".join(chunks)
    return b"RIFF" + struct.pack("<I", len(b) if size is None else size) + b
pcm = bytes(range(256)) * 4
data = b"data" + struct.pack("<I", len(pcm)) + pcm
pcm_guid = struct.pack("<H", 1) + bytes.fromhex("000000001000800000aa00389b71")
open(out + "/wav-list.wav", "wb").write(riff(b"LIST" + struct.pack("<I", 3) + b"abc\0", fmt(), data))
open(out + "/wav-ext.wav", "wb").write(riff(fmt(0xFFFE, ext=pcm_guid), data))
open(out + "/wav-stream.wav", "wb").write(riff(fmt(), b"data\xff\xff\xff\xff" + pcm, size=0xFFFFFFFF))
EOF
then
    made=$((made + 3))
fi
echo "make-seeds: $made seeds in $out"
[ "$made" -gt 0 ]
