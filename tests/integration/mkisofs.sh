#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# tests/integration/mkisofs.sh - `mkimage -as mkisofs`: the command lines
# of distribution builders (live-build, debian-cd, lorax, archiso; kiwi's
# with -udf), without their system-area options, run through mkimage and
# through xorriso -as mkisofs (genisoimage for -udf, which xorriso lacks)
# on the same tree.  The two images must carry the same tree as bsdtar
# extracts it (names, types, modes, owners, sizes, SHA-256), the same
# Joliet names (isoinfo -J), the same El Torito entries (xorriso
# -report_el_torito, block addresses aside), the same identifiers
# (isoinfo -d) and the same label and UUID (blkid).  Then graft points,
# -path-list and exclusions against xorriso; mkisofs's defaults; stdout;
# the names mkisofs, genisoimage and xorrisofs; -M/-C session images; and
# that unknown and unsupported options are named (exit 2) and name-only
# options warned about.  TAP.
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/integration/lib.sh
. "$here/lib.sh"

top_builddir=${top_builddir:-$(pwd)}
MKIMAGE=${MKIMAGE:-$top_builddir/mkimage}
LC_ALL=C.UTF-8
export LC_ALL
SOURCE_DATE_EPOCH=1700000000
export SOURCE_DATE_EPOCH

have() { command -v "$1" >/dev/null 2>&1; }

tap_plan 30

for t in xorriso genisoimage bsdtar isoinfo blkid 7z mkfs.vfat; do
    if ! have "$t"; then
        i=0
        while [ $i -lt 30 ]; do
            tap_skip "mkisofs dialect" "$t is not installed"
            i=$((i + 1))
        done
        tap_done
        exit 0
    fi
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/fsi-mkisofs.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' HUP INT TERM

# ---- a distribution-like tree ----
src=$tmp/binary
mkdir -p "$src/isolinux" "$src/boot/grub" "$src/live" "$src/install.amd" \
    "$src/a/b/c/d/e/f/g/h/i/j" "$src/.disk" "$src/pool/main/l/linux" "$src/skipdir" || exit 1
head -c 24576 /dev/urandom >"$src/isolinux/isolinux.bin"
mkfs.vfat -C "$src/boot/grub/efi.img" 1440 >/dev/null 2>&1 || exit 1
head -c 3000000 /dev/urandom >"$src/live/vmlinuz"
head -c 700000 /dev/urandom >"$src/install.amd/initrd.gz"
printf 'deep\n' >"$src/a/b/c/d/e/f/g/h/i/j/deep.txt"
printf 'long\n' >"$src/live/A very long file name that goes on and on for quite a while.txt"
printf 'Debian GNU/Linux 12 "Bookworm"\n' >"$src/.disk/info"
printf 'pkg\n' >"$src/pool/main/l/linux/linux-image-6.1.0-13-amd64_6.1.55-1_amd64.deb"
printf 'tmp\n' >"$src/pool/scratch.tmp"
printf 'skip\n' >"$src/skipdir/x"
ln -s ../live/vmlinuz "$src/isolinux/vmlinuz"
chmod 600 "$src/install.amd/initrd.gz"
chmod 750 "$src/pool"

# Both builders of one command line: ours (mkimage) and theirs.
build() {    # build NAME PEER ARGS... : $tmp/NAME.ours.iso and .theirs.iso
    _n=$1 _peer=$2
    shift 2
    (cd "$tmp" && "$MKIMAGE" -as mkisofs -o "$_n.ours.iso" "$@") >"$tmp/$_n.ours.log" 2>&1 &&
        (cd "$tmp" && $_peer -o "$_n.theirs.iso" "$@") >"$tmp/$_n.theirs.log" 2>&1
}

# The tree as bsdtar extracts it (Rock Ridge first): one line a path.
tree_of() {
    rm -rf "$tmp/x"
    mkdir "$tmp/x" && bsdtar -xf "$1" -C "$tmp/x" 2>/dev/null
    (cd "$tmp/x" && find . ! -name boot.cat -printf '%p %y %M %U %G %s\n' | sort &&
        find . -type f ! -name boot.cat ! -name isolinux.bin -exec sha256sum {} + | sort)
}
# The same, without directories' modes: directories a graft point makes
# up get 0755 from mkimage, 0555 from genisoimage, 0777 from xorriso.
treef_of() { tree_of "$1" | awk '$2 == "d" { $3 = "-" } 1'; }
# Joliet names (isoinfo -J -f; IMAPI's ";1" after file names, which
# readers drop, left out)
joliet_of() { isoinfo -J -f -i "$1" 2>/dev/null | grep -iv 'boot.cat' | sed 's/;1$//' | sort; }
# El Torito entries without their block addresses
eltorito_of() {
    xorriso -indev "$1" -report_el_torito plain 2>/dev/null |
        awk '/boot img/ { $NF = ""; print }'
}
# Identifiers: the volume id, Joliet and Rock Ridge, and those in $IDS
# (the defaults of the others differ by tool); xorriso writes some upper
# case, so compared without case.
IDS=
ids_of() {
    isoinfo -d -i "$1" 2>/dev/null |
        grep -E "^(Volume id|Joliet|NO Joliet|Rock Ridge|NO Rock Ridge${IDS:+|$IDS})" |
        tr '[:lower:]' '[:upper:]' | sed 's/ *$//'
}
blkid_of() { blkid -o export "$1" | grep -E '^(UUID|LABEL|TYPE)='; }

same() {     # same DESC WHAT NAME : WHAT_of on both images of NAME
    "$2_of" "$tmp/$3.ours.iso" >"$tmp/o.txt" 2>&1
    "$2_of" "$tmp/$3.theirs.iso" >"$tmp/t.txt" 2>&1
    if [ -s "$tmp/o.txt" ] && cmp -s "$tmp/o.txt" "$tmp/t.txt"; then
        tap_ok "$1"
    else
        tap_fail "$1" "$(diff "$tmp/o.txt" "$tmp/t.txt" | head -20)"
    fi
}

compare_all() {   # compare_all NAME DESC [noudf]
    same "$2: the tree as bsdtar extracts it" tree "$1"
    same "$2: Joliet names (isoinfo -J)" joliet "$1"
    same "$2: El Torito entries (xorriso -report_el_torito)" eltorito "$1"
    same "$2: identifiers (isoinfo -d)" ids "$1"
}

# ---- distribution command lines, against xorriso ----
LB='-R -r -J -joliet-long -l -cache-inodes -iso-level 3 -A Debian_Live
 -p Live_Systems_Project -publisher Live_Systems_Project -V Debian_bookworm_20231111
 --modification-date=2023111110241100 -b isolinux/isolinux.bin -c isolinux/boot.cat
 -no-emul-boot -boot-load-size 4 -boot-info-table -eltorito-alt-boot
 -e boot/grub/efi.img -no-emul-boot binary'
# shellcheck disable=SC2086
if build lb "xorriso -as mkisofs" $LB; then
    tap_ok "live-build's command line: both build"
    IDS='Publisher id|Data preparer id|Application id'
    compare_all lb "live-build"
    IDS=
    same "live-build: label and UUID (blkid: --modification-date)" blkid lb
else
    tap_fail "live-build's command line: both build" "$(cat "$tmp/lb.ours.log" "$tmp/lb.theirs.log")"
    for i in 1 2 3 4 5; do tap_fail "live-build: (not built)"; done
fi

CD='-r -J -joliet-long -cache-inodes -l -V Debian_12.2.0_amd64_n -b isolinux/isolinux.bin
 -c isolinux/boot.cat -no-emul-boot -boot-load-size 4 -boot-info-table -eltorito-alt-boot
 -e boot/grub/efi.img -no-emul-boot binary'
# shellcheck disable=SC2086
if build cd "xorriso -as mkisofs" $CD; then
    compare_all cd "debian-cd"
else
    for i in 1 2 3 4; do tap_fail "debian-cd: both build" "$(cat "$tmp/cd.ours.log" "$tmp/cd.theirs.log")"; done
fi

LORAX='-R -J -V Fedora-39 -graft-points -b isolinux/isolinux.bin -c isolinux/boot.cat
 -no-emul-boot -boot-load-size 4 -boot-info-table -eltorito-alt-boot -e images/efiboot.img
 -no-emul-boot isolinux=binary/isolinux images/efiboot.img=binary/boot/grub/efi.img
 live=binary/live images/pxeboot/initrd.img=binary/install.amd/initrd.gz'
# shellcheck disable=SC2086
if build lorax "xorriso -as mkisofs" $LORAX; then
    compare_all lorax "lorax (graft points)"
else
    for i in 1 2 3 4; do tap_fail "lorax: both build" "$(cat "$tmp/lorax.ours.log" "$tmp/lorax.theirs.log")"; done
fi

ARCH='-iso-level 3 -full-iso9660-filenames -joliet -joliet-long -rational-rock
 -volid ARCH_202312 -appid Arch_Linux_live -publisher Arch_Linux -preparer prepared_by_mkarchiso
 -eltorito-boot isolinux/isolinux.bin -eltorito-catalog isolinux/boot.cat -no-emul-boot
 -boot-load-size 4 -boot-info-table -eltorito-alt-boot -e boot/grub/efi.img -no-emul-boot
 -quiet binary'
# shellcheck disable=SC2086
if build arch "xorriso -as mkisofs" $ARCH; then
    IDS='Publisher id|Data preparer id|Application id'
    compare_all arch "archiso"
    IDS=
else
    for i in 1 2 3 4; do tap_fail "archiso: both build" "$(cat "$tmp/arch.ours.log" "$tmp/arch.theirs.log")"; done
fi

# kiwi: -udf (xorriso has none: genisoimage), the catalog hidden.
KIWI='-R -J -f -joliet-long -iso-level 3 -udf -no-emul-boot -boot-load-size 4 -boot-info-table
 -hide isolinux/boot.cat -hide-joliet isolinux/boot.cat -b isolinux/isolinux.bin
 -c isolinux/boot.cat -eltorito-alt-boot -e boot/grub/efi.img -no-emul-boot -quiet binary'
# shellcheck disable=SC2086
if build kiwi genisoimage $KIWI; then
    same "kiwi (-udf, -f): the tree as bsdtar extracts it, against genisoimage" tree kiwi
    same "kiwi: El Torito entries, against genisoimage" eltorito kiwi
    if isoinfo -f -i "$tmp/kiwi.ours.iso" | grep -qi 'boot.cat'; then
        tap_fail "kiwi: -hide leaves the boot catalog out of the tree"
    else
        tap_ok "kiwi: -hide leaves the boot catalog out of the tree"
    fi
    # The UDF view (7-Zip reads UDF first): every file of the source, links
    # followed (isolinux.bin aside: -boot-info-table patches it).
    rm -rf "$tmp/u"
    if 7z x -y -o"$tmp/u" "$tmp/kiwi.ours.iso" >/dev/null 2>&1 &&
        isoinfo -d -i "$tmp/kiwi.ours.iso" >/dev/null &&
        (cd "$tmp/u" && find . -type f ! -name '\[BOOT\]*' ! -name isolinux.bin \
            -exec sha256sum {} + | sort) >"$tmp/u.txt" &&
        (cd "$src" && find -L . -type f ! -name isolinux.bin -exec sha256sum {} + | sort) >"$tmp/s.txt" &&
        cmp -s "$tmp/u.txt" "$tmp/s.txt"; then
        tap_ok "kiwi: 7-Zip reads every file of the source from the UDF view (SHA-256)"
    else
        tap_fail "kiwi: 7-Zip reads every file of the source from the UDF view (SHA-256)" \
            "$(diff "$tmp/u.txt" "$tmp/s.txt" | head)"
    fi
else
    for i in 1 2 3 4; do tap_fail "kiwi: both build" "$(cat "$tmp/kiwi.ours.log" "$tmp/kiwi.theirs.log")"; done
fi

# ---- graft points, -path-list, exclusions (against genisoimage: xorriso
# names a file "dir" for "dir/=file", where mkisofs puts it into dir/) ----
printf 'extra/=binary/.disk/info\ndisk2=binary/.disk\n' >"$tmp/list"
printf 'x\n' >"$tmp/we=ird"
# shellcheck disable=SC2016
if build graft genisoimage -R -J -graft-points -m '*.tmp' -x binary/skipdir \
    -path-list list 'odd\=name=we\=ird' 'newdir/deeper/=binary/live/vmlinuz' binary; then
    same "graft points, -path-list, -m, -x: the tree, against genisoimage" treef graft
else
    tap_fail "graft points, -path-list, -m, -x: both build" "$(cat "$tmp/graft.ours.log" "$tmp/graft.theirs.log")"
fi

# ---- mkisofs's defaults: ISO9660 level 1 alone ----
if (cd "$tmp" && "$MKIMAGE" -as mkisofs -o plain.iso binary/live binary/.disk) >"$tmp/p.log" 2>&1 &&
    d=$(isoinfo -d -i "$tmp/plain.iso") &&
    printf '%s' "$d" | grep -q 'NO Joliet present' &&
    printf '%s' "$d" | grep -q 'NO Rock Ridge present' &&
    ! 7z l "$tmp/plain.iso" 2>/dev/null | grep -q 'Type = Udf' &&
    names=$(isoinfo -f -i "$tmp/plain.iso") &&
    [ -z "$(printf '%s\n' "$names" | sed 's|.*/||' |
        grep -vE '^[A-Z0-9_]{1,8}(\.[A-Z0-9_]{0,3})?(;1)?$')" ]; then
    tap_ok "defaults: ISO9660 level 1 alone (8.3 names, no Rock Ridge, Joliet or UDF)"
else
    tap_fail "defaults: ISO9660 level 1 alone (8.3 names, no Rock Ridge, Joliet or UDF)" \
        "$(cat "$tmp/p.log"; printf '%s\n' "$names" | head)"
fi

# ---- stdout, and the names it answers to ----
(cd "$tmp" && "$MKIMAGE" -as mkisofs -R -J binary >stdout.iso 2>stdout.log &&
    "$MKIMAGE" -as mkisofs -R -J -o file.iso binary 2>/dev/null)
if cmp -s "$tmp/stdout.iso" "$tmp/file.iso"; then
    tap_ok "without -o the image goes to stdout (the same bytes)"
else
    tap_fail "without -o the image goes to stdout (the same bytes)" "$(cat "$tmp/stdout.log")"
fi
real=$MKIMAGE
libdir=
if head -c 2 "$MKIMAGE" | grep -q '#!' && [ -x "$(dirname "$MKIMAGE")/.libs/mkimage" ]; then
    real=$(cd "$(dirname "$MKIMAGE")/.libs" && pwd)/mkimage   # past libtool's wrapper
    libdir=$(dirname "$real")
fi
mkdir -p "$tmp/bin"
ok=yes
for name in mkisofs genisoimage xorrisofs; do
    ln -sf "$real" "$tmp/bin/$name"
    (cd "$tmp" && LD_LIBRARY_PATH=$libdir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH} \
        "bin/$name" -R -J -o "as-$name.iso" binary 2>/dev/null) || ok=no
    cmp -s "$tmp/as-$name.iso" "$tmp/file.iso" || ok=no
done
if [ $ok = yes ]; then
    tap_ok "run as mkisofs, genisoimage and xorrisofs: the same image as -as mkisofs"
else
    tap_fail "run as mkisofs, genisoimage and xorrisofs: the same image as -as mkisofs"
fi

# ---- -M/-C: a session image ----
(cd "$tmp" && "$MKIMAGE" -as mkisofs -R -J -o base.iso binary/live) >/dev/null 2>&1
nwa=$(( $(stat -c %s "$tmp/base.iso") / 2048 ))
printf 'second session\n' >"$tmp/new.txt"
if (cd "$tmp" && "$MKIMAGE" -as mkisofs -R -J -M base.iso -C "0,$nwa" -o sess.iso new.txt) \
        >"$tmp/s.log" 2>&1 &&
    cp "$tmp/base.iso" "$tmp/both.iso" &&
    dd if="$tmp/sess.iso" of="$tmp/both.iso" bs=2048 seek="$nwa" conv=notrunc 2>/dev/null &&
    got=$(xorriso -indev "$tmp/both.iso" -load sbsector "$nwa" -find / -type f 2>/dev/null |
        sort | tr '\n' ' ') &&
    [ "$got" = "'/A very long file name that goes on and on for quite a while.txt' '/new.txt' '/vmlinuz' " ]; then
    tap_ok "-M IMAGE -C 0,NWA: a session image; xorriso reads old and new files"
else
    tap_fail "-M IMAGE -C 0,NWA: a session image; xorriso reads old and new files" \
        "$(cat "$tmp/s.log"; echo "$got")"
fi

# ---- what is named ----
out=$(cd "$tmp" && "$MKIMAGE" -as mkisofs -R -frobnicate -o x.iso binary 2>&1)
rc=$?
case $rc:$out in
2:*"unknown option '-frobnicate'"*) tap_ok "an unknown option: exit 2, named" ;;
*) tap_fail "an unknown option: exit 2, named" "$rc: $out" ;;
esac
bad=
for opt in "-T" \
    "-no-boot" "-iso-level 4" "-input-charset iso8859-1" "-hide binary/live/vmlinuz" \
    "-sort list" "-appended_part_as_apm" "-partition_hd_cyl 255"; do
    name=${opt%% *}
    # shellcheck disable=SC2086
    out=$(cd "$tmp" && "$MKIMAGE" -as mkisofs -R $opt -o x.iso binary 2>&1)
    rc=$?
    case $rc:$out in
    2:*"'$name' cannot be honoured: "*) ;;
    *) bad="$bad
$opt -> $rc: $out" ;;
    esac
done
[ -e "$tmp/x.iso" ] && bad="$bad
x.iso was written"
if [ -z "$bad" ]; then
    tap_ok "options mkimage cannot honour: exit 2, each named with the reason, nothing written"
else
    tap_fail "options mkimage cannot honour: exit 2, each named with the reason, nothing written" "$bad"
fi
out=$(cd "$tmp" && "$MKIMAGE" -as mkisofs -R -N -d -allow-lowercase -o w.iso binary 2>&1)
rc=$?
quiet=$(cd "$tmp" && "$MKIMAGE" -as mkisofs -R -N -quiet -o w.iso binary 2>&1)
case $rc:$out in
0:*"warning: -N: ISO9660 names"*"warning: -d: "*"warning: -allow-lowercase: "*)
    if [ -z "$quiet" ]; then
        tap_ok "ISO9660-name options: a warning each (none with -quiet), the image made"
    else
        tap_fail "ISO9660-name options: a warning each (none with -quiet), the image made" "$quiet"
    fi ;;
*) tap_fail "ISO9660-name options: a warning each (none with -quiet), the image made" "$rc: $out" ;;
esac

tap_done
