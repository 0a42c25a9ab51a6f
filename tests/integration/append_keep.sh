#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# tests/integration/append_keep.sh - an appended session writes again only
# the directories on the way to a change; every other directory keeps its
# extent (ISO9660 with Rock Ridge, Joliet) and its File Entry (UDF 1.02 to
# 2.01), and every reader still reads exactly the new tree.
#
# The tree: /a, /b, /c with two subdirectories each, a symbolic link, and
# /c/sub2 a big directory (1,100 files and a subdirectory).  For an
# ISO9660+Joliet image and the bridges with UDF 2.01 and UDF 2.50:
#   1. a file added to /a/sub1: /, /a, /a/sub1 are written again, every
#      other directory keeps its block;
#   2. --remove /c/sub2/g1.txt: /, /c, /c/sub2 again (/c/sub2/inner is
#      kept below a directory written again; /a/sub1 keeps the extent
#      session 2 gave it);
#   3. (on a copy) --hidden /b/sub1/f2.txt: /b/sub1 holds the hidden flag
#      in its records, so it and /b are written again.
# The blocks are read with isoinfo -l (ISO9660 and Joliet) and mkimage ls
# -l --fs udf (UDF 2.01; 2.50 writes every entry again).  isoinfo -p: the
# path tables list each directory once, at its extent, under its parent.
# After steps 1 and 2 the tree read by xorriso, isoinfo -R and -J (names
# and sizes), 7-Zip, pycdlib (Rock Ridge and Joliet), libudfread, mkimage
# verify and extract, and at the end the Linux kernel (ISO9660, Joliet,
# UDF) is exactly the expected one, with every file's SHA-256; no two
# records share a Rock Ridge serial number (pycdlib).  The same
# on an image genisoimage -R -J made: its Joliet directories are kept
# (its ISO9660 ones have Rock Ridge 1.09 and are written again); and on
# an image whose path table does not parse (ISO9660 written again).
# Prints TAP.
#
# Environment: MKIMAGE (default ./mkimage), top_builddir, CC.

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/integration/lib.sh
. "$here/lib.sh"
# shellcheck source=tests/integration/trees.sh
. "$here/trees.sh"
kdir=$(cd "$here/../kernel" && pwd)

top_builddir=${top_builddir:-$(pwd)}
MKIMAGE=${MKIMAGE:-$top_builddir/mkimage}
PY=/usr/bin/python3
unset SOURCE_DATE_EPOCH
LC_ALL=C.UTF-8
export LC_ALL

tmp=$(mktemp -d "${TMPDIR:-/tmp}/fsi-keep.XXXXXX") || exit 1
trap "${KEEP_TMP:+:} rm -rf \"$tmp\"" EXIT
trap 'exit 1' HUP INT TERM

have() { command -v "$1" >/dev/null 2>&1; }

tap_plan 96

# ---- the tree, and what each session must read as ----
src=$tmp/src
for d in a b c; do
    mkdir -p "$src/$d/sub1" "$src/$d/sub2" || exit 1
    for i in $(seq 1 20); do
        echo "$d one $i" >"$src/$d/sub1/f$i.txt"
        [ "$d" = c ] || echo "$d two $i" >"$src/$d/sub2/g$i.txt"
    done
done
mkdir -p "$src/a/sub1/deeper" "$src/c/sub2/inner"
echo deeper >"$src/a/sub1/deeper/z.txt"
echo inner >"$src/c/sub2/inner/x.txt"
ln -s f1.txt "$src/b/sub1/link"
(cd "$src/c/sub2" && for i in $(seq 1 1100); do echo "g$i" >"g$i.txt"; done)
head -c 100000 /dev/urandom >"$src/top.bin"
echo "a new file" >"$tmp/new.txt"
cp -a "$src" "$tmp/want1"
cp -a "$src" "$tmp/want2" && cp "$tmp/new.txt" "$tmp/want2/a/sub1/new.txt"
cp -a "$tmp/want2" "$tmp/want3" && rm "$tmp/want3/c/sub2/g1.txt"

for n in 1 2 3; do
    tree_manifest "$tmp/want$n" >"$tmp/want$n.lst"
    cut -f1,2 "$tmp/want$n.lst" >"$tmp/want$n.names"
done


# dirmap IMG [OPT]: "path block" of every directory as isoinfo -l (with
# OPT: -R, -J or nothing) lists them, the block from its "." record.
dirmap() {
    isoinfo -i "$1" ${2:-} -l 2>/dev/null | awk '
        /^Directory listing of / { p = substr($0, 22); getline
                                   sub(/^[^[]*\[ */, ""); split($0, a, " "); print p, a[1] }' |
        LC_ALL=C sort
}

# udfmap IMG: "path block" of every UDF directory but the root (the
# block of its File Entry), as mkimage ls -l lists them.
udfmap() {
    "$MKIMAGE" ls -lR --fs udf "$1" 2>/dev/null | awk '$1 ~ /^d/ { print $9, $8 }' | LC_ALL=C sort
}

# moved OLD NEW: the directories of NEW at another block than in OLD (or
# not in OLD), on one line.
moved() {
    awk 'NR == FNR { b[$1] = $2; next } !($1 in b) || b[$1] != $2 { print $1 }' "$1" "$2" |
        LC_ALL=C sort | tr '\n' ' '
}

# ptmap IMG [OPT]: "path block" of every path table record (ISO9660 with
# no OPT, Joliet with -J), the path made from the parent numbers.
ptmap() {
    isoinfo -i "$1" ${2:-} -p 2>/dev/null | awk '
        function hex(s,  i, v) {
            v = 0; s = tolower(s)
            for (i = 1; i <= length(s); i++) v = v * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1
            return v
        }
        $1 ~ /^[0-9]+:$/ { i = $1 + 0
                           if (i == 1) path[i] = "/"; else path[i] = path[$2 + 0] $4 "/"
                           print path[i], hex($3) }' | LC_ALL=C sort
}

# pt_check IMG: both path tables agree with the directories.
pt_check() {
    ptmap "$1" >"$tmp/pt.iso"
    dirmap "$1" >"$tmp/dm.iso"
    ptmap "$1" -J >"$tmp/pt.jol"
    dirmap "$1" -J >"$tmp/dm.jol"
    if [ -s "$tmp/pt.iso" ] && cmp -s "$tmp/pt.iso" "$tmp/dm.iso" &&
        [ -s "$tmp/pt.jol" ] && cmp -s "$tmp/pt.jol" "$tmp/dm.jol"; then
        return 0
    fi
    diff -u "$tmp/dm.iso" "$tmp/pt.iso" | head -15
    diff -u "$tmp/dm.jol" "$tmp/pt.jol" | head -15
    return 1
}

# i_list IMG OPT: "path<TAB>size" of every file, "path/" of every
# directory, as isoinfo OPT -l lists them.
i_list() {
    isoinfo -i "$1" "$2" -l 2>/dev/null | awk '
        /^Directory listing of / { d = substr($0, 22); sub(/^\//, "", d); next }
        /^[-d]/ { n = $0; sub(/^[^]]*\] +/, "", n); sub(/ $/, "", n)
                  if (n == "." || n == "..") next
                  sub(/;1$/, "", n)
                  if (substr($1, 1, 1) == "d") print d n "/"; else print d n "\t" $5 }' |
        LC_ALL=C sort
}

tree_udfread

# readers KIND N IMG: every reader sees want N (7 results).
readers() {
    rk=$1 n=$2 rimg=$3
    if have xorriso; then
        rm -rf "$tmp/x"
        xorriso -indev "$rimg" -osirrox on -extract / "$tmp/x" >/dev/null 2>&1
        mkdir -p "$tmp/x"
        tree_manifest "$tmp/x" >"$tmp/x.lst"
        tree_compare "$rk session $n: xorriso (every file, SHA-256)" "$tmp/want$n.lst" "$tmp/x.lst"
    else
        tap_skip "$rk session $n: xorriso" "xorriso not installed"
    fi
    if have isoinfo; then
        i_list "$rimg" -R >"$tmp/ir.lst"
        i_list "$rimg" -J >"$tmp/ij.lst"
        cat "$tmp/ir.lst" "$tmp/ij.lst" >"$tmp/i.lst"
        cat "$tmp/want$n.names" "$tmp/want$n.names" >"$tmp/i.want"
        tree_compare "$rk session $n: isoinfo -R and -J (names, sizes)" "$tmp/i.want" "$tmp/i.lst"
    else
        tap_skip "$rk session $n: isoinfo" "isoinfo not installed"
    fi
    if have 7z; then
        rm -rf "$tmp/z" && mkdir "$tmp/z"
        7z x -y -o"$tmp/z" "$rimg" >/dev/null 2>&1
        tree_manifest "$tmp/z" >"$tmp/z.lst"
        tree_compare "$rk session $n: 7-Zip (every file, SHA-256)" "$tmp/want$n.lst" "$tmp/z.lst"
    else
        tap_skip "$rk session $n: 7-Zip" "7z not installed"
    fi
    if [ "$rk" = u201 ] || [ "$rk" = u250 ]; then
        # It refuses the whole image: no Extended File Entries (UDF 2.00
        # on), no metadata partition (2.50 on).
        tap_skip "$rk session $n: pycdlib" "pycdlib opens no UDF 2.x image"
    elif [ -x "$PY" ] && "$PY" -c 'import pycdlib' 2>/dev/null; then
        { "$PY" "$here/pycdlib_tree.py" "$rimg" rr 2>&1 | LC_ALL=C sort
          "$PY" "$here/pycdlib_tree.py" "$rimg" joliet 2>&1 | LC_ALL=C sort; } >"$tmp/p.lst"
        cat "$tmp/want$n.lst" "$tmp/want$n.lst" >"$tmp/p.want"
        tree_compare "$rk session $n: pycdlib, Rock Ridge and Joliet (every file, SHA-256)" \
            "$tmp/p.want" "$tmp/p.lst"
    else
        tap_skip "$rk session $n: pycdlib" "no python3-pycdlib"
    fi
    if [ "$rk" = iso ] || [ "$rk" = gen ] || [ "$rk" = badpt ]; then
        tap_skip "$rk session $n: libudfread" "no UDF in this image"
    elif [ -z "$LU" ]; then
        tap_skip "$rk session $n: libudfread" "no libudfread-dev or cc"
    else
        rm -rf "$tmp/l" && mkdir "$tmp/l"
        "$LU" "$rimg" "$tmp/l" 2>/dev/null
        # (libudfread types entries by their FIDs: a symbolic link comes
        # out as a file of its path components)
        tree_manifest "$tmp/l" | grep -v '^b/sub1/link	' >"$tmp/l.lst"
        tree_compare "$rk session $n: libudfread (every file, SHA-256)" "$tmp/want$n.lst" "$tmp/l.lst"
    fi
    tree_verified "$rk session $n: mkimage verify clean, extract" $n "$rimg"
}

# kept KIND N IMG PREV EXPECT_ISO EXPECT_UDF [EXPECT_ROCK]: the
# directories written again are EXPECT_ISO in ISO9660 and Joliet (or
# EXPECT_ROCK in ISO9660), EXPECT_UDF in UDF (2.01).
kept() {
    kk=$1 n=$2 kimg=$3 prev=$4 want_iso=$5 want_udf=$6 want_rock=${7:-$5}
    for o in -R -J; do
        dirmap "$prev" $o >"$tmp/before$o"
        dirmap "$kimg" $o >"$tmp/after$o"
    done
    got_r=$(moved "$tmp/before-R" "$tmp/after-R")
    got_j=$(moved "$tmp/before-J" "$tmp/after-J")
    if [ "$got_r" = "$want_rock" ] && [ "$got_j" = "$want_iso" ]; then
        tap_ok "$kk session $n: ISO9660 writes again $want_rock, Joliet $want_iso(isoinfo -l)"
    else
        tap_fail "$kk session $n: ISO9660 writes again $want_rock, Joliet $want_iso" \
            "ISO9660 wrote again: $got_r
Joliet wrote again: $got_j"
    fi
    if [ "$kk" = u201 ]; then
        udfmap "$prev" >"$tmp/ubefore"
        udfmap "$kimg" >"$tmp/uafter"
        got_u=$(moved "$tmp/ubefore" "$tmp/uafter")
        if [ "$got_u" = "$want_udf" ] && [ "$(wc -l <"$tmp/uafter")" -gt 5 ]; then
            tap_ok "$kk session $n: UDF writes the File Entries of $want_udf(the others kept)"
        else
            tap_fail "$kk session $n: UDF writes again only $want_udf" "wrote again: $got_u"
        fi
    else
        tap_skip "$kk session $n: UDF File Entries kept" "UDF 1.02-2.01 only"
    fi
    if pt_check "$kimg" >"$tmp/pt.out" 2>&1; then
        tap_ok "$kk session $n: isoinfo -p: both path tables list every directory at its extent"
    else
        tap_fail "$kk session $n: path tables" "$(cat "$tmp/pt.out")"
    fi
}

for kind in iso u201 u250; do
    img=$tmp/$kind.iso
    case $kind in
    iso) opts="--fs iso9660,joliet" ;;
    u201) opts="--udf-revision 2.01" ;;
    u250) opts="--udf-revision 2.50" ;;
    esac
    # shellcheck disable=SC2086  # options are words
    tap_check "$kind: mkimage create $opts" "$MKIMAGE" create -q $opts -o "$img" "$src"
    cp "$img" "$tmp/$kind.1"
    s1=$(stat -c %s "$img")

    tap_check "$kind session 2: a file added to /a/sub1" \
        "$MKIMAGE" append -q "$img" "a/sub1/new.txt=$tmp/new.txt"
    cp "$img" "$tmp/$kind.2"
    kept "$kind" 2 "$img" "$tmp/$kind.1" "/ /a/ /a/sub1/ " "/a /a/sub1 "
    readers "$kind" 2 "$img"
    grown=$(( $(stat -c %s "$img") - s1 ))
    # Written again: the directories (2+2 blocks), the descriptors and the
    # system area (32), the path tables (8), the file, and with UDF the
    # anchor 256 blocks after the session's start, its sequences, the
    # File Entries of three directories and the metadata file (2.50).
    case $kind in
    iso) limit=120000 ;;
    u201) limit=700000 ;;
    u250) limit=6500000 ;;   # every File Entry again, in a new metadata file and its mirror
    esac
    if [ "$grown" -le "$limit" ]; then
        tap_ok "$kind session 2: the image grew $grown bytes (at most $limit)"
    else
        tap_fail "$kind session 2: the image grew $grown bytes, more than $limit"
    fi

    tap_check "$kind session 3: --remove /c/sub2/g1.txt (a big directory)" \
        "$MKIMAGE" append -q --remove /c/sub2/g1.txt "$img"
    kept "$kind" 3 "$img" "$tmp/$kind.2" "/ /c/ /c/sub2/ " "/c /c/sub2 "
    readers "$kind" 3 "$img"
    # Records kept and records written again: no two share a Rock Ridge
    # serial number (the new ones are numbered above the old root's).
    if [ "$kind" != iso ]; then
        tap_skip "$kind session 3: Rock Ridge serial numbers" "pycdlib opens no UDF 2.x image"
    elif [ -x "$PY" ] && "$PY" -c 'import pycdlib' 2>/dev/null; then
        "$PY" "$here/pycdlib_serials.py" "$img" >"$tmp/ser.out" 2>&1
        if grep -q "^[0-9][0-9]* serials; 0 shared" "$tmp/ser.out"; then
            tap_ok "$kind session 3: every record has its own Rock Ridge serial number (pycdlib)"
        else
            tap_fail "$kind session 3: Rock Ridge serial numbers shared" "$(cat "$tmp/ser.out")"
        fi
    else
        tap_skip "$kind session 3: Rock Ridge serial numbers" "no python3-pycdlib"
    fi

    # A hidden flag lives in the parent's records.
    cp "$img" "$tmp/$kind.h"
    : >"$tmp/h.diff"
    "$MKIMAGE" append -q --hidden /b/sub1/f2.txt "$tmp/$kind.h" >"$tmp/h.diff" 2>&1
    for o in -R -J; do
        dirmap "$img" $o >"$tmp/hb"
        dirmap "$tmp/$kind.h" $o >"$tmp/ha"
        got=$(moved "$tmp/hb" "$tmp/ha")
        [ "$got" = "/ /b/ /b/sub1/ " ] || echo "isoinfo $o: written again: $got" >>"$tmp/h.diff"
        isoinfo -i "$tmp/$kind.h" $o -l 2>/dev/null |
            grep -q '\[ *[0-9]* 01\]  f2.txt\(;1\)\? $' ||
            echo "isoinfo $o: f2.txt not hidden" >>"$tmp/h.diff"
    done
    if [ -s "$tmp/h.diff" ]; then
        tap_fail "$kind: --hidden of a file writes its directory again" "$(cat "$tmp/h.diff")"
    else
        tap_ok "$kind: --hidden of a file writes its directory again (hidden in ISO9660 and Joliet)"
    fi
done

# ---- an image genisoimage made ----
# Its Joliet directories are kept; its ISO9660 ones, with Rock Ridge 1.09
# (our records are 1.12), are written again.  (Without the symbolic link,
# which genisoimage's Joliet has as an empty file.)
if have genisoimage && have isoinfo; then
    g=$tmp/g.iso
    rm "$src/b/sub1/link"
    genisoimage -quiet -R -J -o "$g" "$src" >/dev/null 2>&1
    cp "$g" "$tmp/g.1"
    tap_check "genisoimage -R -J image: a file added to /a/sub1" \
        "$MKIMAGE" append -q "$g" "a/sub1/new.txt=$tmp/new.txt"
    kept gen 2 "$g" "$tmp/g.1" "/ /a/ /a/sub1/ " "" "$(dirmap "$g" -R | cut -d' ' -f1 | tr '\n' ' ')"
    readers gen 2 "$g"
else
    for i in $(seq 1 10); do tap_skip "a genisoimage image" "genisoimage or isoinfo not installed"; done
fi

# ---- a previous session whose path table does not parse ----
# (a parent number past its own record): what the old session holds is
# not trusted, its ISO9660 directories are written again, Joliet's kept.
bad=$tmp/badpt.iso
"$MKIMAGE" create -q --fs iso9660,joliet -o "$bad" "$src" >/dev/null 2>&1
pt=$(od -An -tu4 -j $((16 * 2048 + 140)) -N4 "$bad" | tr -d ' ')
printf '\377\377' | dd of="$bad" bs=1 seek=$((pt * 2048 + 16)) conv=notrunc status=none
cp "$bad" "$tmp/badpt.1"
tap_check "a path table that does not parse: mkimage append" \
    "$MKIMAGE" append -q "$bad" "a/sub1/new.txt=$tmp/new.txt"
kept badpt 2 "$bad" "$tmp/badpt.1" "/ /a/ /a/sub1/ " "" "$(dirmap "$bad" -R | cut -d' ' -f1 | tr '\n' ' ')"
readers badpt 2 "$bad"

# ---- the Linux kernel ----
reason=
if [ "${FSI_TEST_SKIP_KERNEL:-}" = 1 ]; then
    reason="FSI_TEST_SKIP_KERNEL=1"
elif ! "$kdir/setup.sh" >"$tmp/setup.out" 2>&1; then
    reason="no kernel reader: $(tail -n 1 "$tmp/setup.out")"
fi
views="1:iso.iso:iso9660 2:iso.iso:joliet 3:u201.iso:udf 4:u250.iso:udf"
if [ -n "$reason" ]; then
    for v in $views; do tap_skip "Linux kernel: ${v#*:}" "$reason"; done
else
    set --
    for v in $views; do
        r=${v#*:}
        set -- "$@" "$tmp/${r%%:*}" "${r#*:}"
    done
    "$kdir/kstat.sh" -d "$tmp/k" "$@" >"$tmp/k.out" 2>"$tmp/k.err" ||
        tap_diag "kstat.sh: $(tail -5 "$tmp/k.err")"
    for v in $views; do
        k=${v%%:*}
        : >>"$tmp/k/$k.lst"
        tree_kstat "$tmp/k/$k.lst" >"$tmp/kgot"
        tree_compare "Linux kernel: ${v#*:} after two appends (files, sizes, SHA-256)" \
            "$tmp/want3.lst" "$tmp/kgot"
    done
fi

tap_done
