#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# tests/integration/append.sh - `mkimage append IMAGE [SOURCE...]`: sessions
# appended to an image file in place, crash-safe.
#
# Four sessions in a row on an ISO9660+Joliet image: add files and add to
# an old directory; remove a file and a directory and replace a file with
# a directory (--remove + a source); rename by remove + add and turn the
# directory back into a file.  After each append, readers that start at
# block 16 see exactly the new tree (names, sizes, SHA-256 of every
# file): xorriso, isoinfo -R and isoinfo -J, 7-Zip, and our verify and
# extract; every earlier session stays readable (xorriso -load sbsector
# at each start `mkimage info` lists, mkimage ls --session N); the old
# files keep their blocks (the image grows by the new data and the
# directories only).  The Linux kernel in QEMU mounts the result (the
# last session, Rock Ridge and Joliet) and session 1 by sbsector.  The
# same on an image genisoimage made.
#
# Crash safety: the append is killed (SIGKILL) before each of its write,
# sync and truncate calls in turn (tests/fault's kill mode), and at 50
# random moments of a bigger append; after each kill the image reads as
# the old tree or the new one, whole (mkimage verify and extract, xorriso,
# isoinfo -J, libudfread), and a later append works; the same on a UDF
# 2.50 bridge image (a kill between the rewrites of the head at 16 and the
# UDF anchor at 256 leaves each reader on one whole tree, maybe not the
# same).  A failing write or sync (ENOSPC, EIO) leaves the image as it
# was to every reader.
#
# UDF 1.02, 2.01, 2.50, 2.60 bridge images appended twice: verify,
# extract --fs udf, every session's UDF tree, xorriso, libudfread (a
# walker compiled here), 7-Zip and the Linux kernel read the last one.
#
# Errors, each leaving the image byte-identical: another file-system set
# IMAPI_E_FILE_SYSTEM_CHANGE_NOT_ALLOWED; another UDF revision
# IMAPI_E_UDF_REVISION_CHANGE_NOT_ALLOWED; a sparable UDF volume
# IMAPI_E_UDF_NOT_WRITE_COMPATIBLE; a UDF-only image
# IMAPI_E_INCOMPATIBLE_PREVIOUS_SESSION; --boot
# IMAPI_E_BOOT_OBJECT_CONFLICT; a FIFO and a file that cannot be written
# IMAPI_E_IMPORT_MEDIA_NOT_ALLOWED; --remove of a missing path
# IMAPI_E_ITEM_NOT_FOUND; --max-blocks below the whole image
# IMAPI_E_IMAGE_SIZE_LIMIT; an image that is not whole blocks
# IMAPI_E_INCOMPATIBLE_PREVIOUS_SESSION.  An image with El Torito keeps
# its boot record and catalog (booting: eltorito.sh).  Prints TAP.
#
# Environment: MKIMAGE (default ./mkimage), top_builddir; FSI_SANITIZE=yes
# skips the kill loop (the shim cannot be preloaded under ASan);
# APPEND_KILLS random kills (default 50).

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/integration/lib.sh
. "$here/lib.sh"
# shellcheck source=tests/integration/trees.sh
. "$here/trees.sh"
kdir=$(cd "$here/../kernel" && pwd)

top_builddir=${top_builddir:-$(pwd)}
MKIMAGE=${MKIMAGE:-$top_builddir/mkimage}
shim=$top_builddir/tests/fault/.libs/fault.so
kills=${APPEND_KILLS:-50}
[ "${FSI_SANITIZE:-}" = yes ] && kills=${APPEND_KILLS:-10}   # each run is slower there
unset SOURCE_DATE_EPOCH
LC_ALL=C.UTF-8
export LC_ALL

tmp=$(mktemp -d "${TMPDIR:-/tmp}/fsi-append.XXXXXX") || exit 1
trap "${KEEP_TMP:+:} rm -rf \"$tmp\"" EXIT
trap 'exit 1' HUP INT TERM

have() { command -v "$1" >/dev/null 2>&1; }

tap_plan 63

# ---- sources of four sessions, and the trees each must read as ----
tree_four_sessions

# x_read IMG DIR [SBSECTOR]: xorriso extracts the tree (from block 16, or
# the session at SBSECTOR) into DIR.
x_read() {
    rm -rf "$2"
    if [ -n "${3:-}" ]; then
        xorriso -indev "$1" -load sbsector "$3" -osirrox on -extract / "$2" >/dev/null 2>&1
    else
        xorriso -indev "$1" -osirrox on -extract / "$2" >/dev/null 2>&1
    fi
    mkdir -p "$2"
}

# i_read IMG OPT DIR: isoinfo (-R or -J) extracts every file into DIR.
i_read() {
    rm -rf "$3" && mkdir -p "$3"
    isoinfo -i "$1" "$2" -f 2>/dev/null | while IFS= read -r p; do
        case $p in *';1') q=${p%;1} ;; *) q=$p ;; esac
        if isoinfo -i "$1" "$2" -l 2>/dev/null | grep -q "^Directory listing of $p/\$"; then
            mkdir -p "$3$q"
        else
            mkdir -p "$(dirname "$3$q")"
            isoinfo -i "$1" "$2" -x "$p" >"$3$q" 2>/dev/null
        fi
    done
}

# m_read IMG DIR: mkimage extract.
m_read() {
    rm -rf "$2"
    "$MKIMAGE" extract -q "$1" "$2" >/dev/null 2>&1
    mkdir -p "$2"
}

# readers N IMG: every reader from block 16 sees want N (5 results).
readers() {
    n=$1 rimg=$2
    if have xorriso; then
        x_read "$rimg" "$tmp/x"
        tree_manifest "$tmp/x" >"$tmp/x.lst"
        tree_compare "session $n: xorriso reads the new tree (every file, SHA-256)" \
            "$tmp/want$n.lst" "$tmp/x.lst"
    else
        tap_skip "session $n: xorriso" "xorriso not installed"
    fi
    if have isoinfo; then
        i_read "$rimg" -R "$tmp/ir"
        tree_manifest "$tmp/ir" >"$tmp/ir.lst"
        tree_compare "session $n: isoinfo -R: every path, every file's SHA-256" \
            "$tmp/want$n.lst" "$tmp/ir.lst"
        i_read "$rimg" -J "$tmp/ij"
        tree_manifest "$tmp/ij" >"$tmp/ij.lst"
        tree_compare "session $n: isoinfo -J: every path, every file's SHA-256" \
            "$tmp/want$n.lst" "$tmp/ij.lst"
    else
        tap_skip "session $n: isoinfo -R" "isoinfo not installed"
        tap_skip "session $n: isoinfo -J" "isoinfo not installed"
    fi
    if have 7z; then
        rm -rf "$tmp/z" && mkdir "$tmp/z"
        7z x -y -o"$tmp/z" "$rimg" >/dev/null 2>&1
        tree_manifest "$tmp/z" >"$tmp/z.lst"
        tree_compare "session $n: 7-Zip: every path, every file's SHA-256" \
            "$tmp/want$n.lst" "$tmp/z.lst"
    else
        tap_skip "session $n: 7-Zip" "7z not installed"
    fi
    if "$MKIMAGE" verify "$rimg" >"$tmp/v.out" 2>&1; then
        m_read "$rimg" "$tmp/o"
        tree_manifest "$tmp/o" >"$tmp/o.lst"
        tree_compare "session $n: mkimage verify clean; extract gives the tree" \
            "$tmp/want$n.lst" "$tmp/o.lst"
    else
        tap_fail "session $n: mkimage verify clean" "$(cat "$tmp/v.out")"
    fi
}

# appended N DESC IMG ARGS...: mkimage append ARGS, then the readers.
appended() {
    n=$1 desc=$2 aimg=$3
    shift 3
    if "$MKIMAGE" append -q "$@" >"$tmp/app.out" 2>&1; then
        tap_ok "$desc"
    else
        tap_fail "$desc" "$(cat "$tmp/app.out")"
    fi
    readers "$n" "$aimg"
}

img=$tmp/disc.iso
tap_check "session 1: mkimage create (ISO9660, Joliet)" \
    "$MKIMAGE" create -q --fs iso9660,joliet -V "Backup 2026" -o "$img" "$tmp/s1"
size1=$(stat -c %s "$img")
appended 2 "append: add files, add to an old directory" "$img" "$img" "$tmp/s2"
size2=$(stat -c %s "$img")
grow=$((size2 - size1))
if [ "$grow" -lt 200000 ]; then
    tap_ok "append: the old files keep their blocks (the image grew $grow bytes)"
else
    tap_fail "append: the old files keep their blocks" "the image grew $grow bytes"
fi
appended 3 "append --remove a file, a directory; a file replaced by a directory" "$img" \
    --remove a.txt --remove /docs/deep/ --remove empty "$img" "$tmp/s3"
appended 4 "append: rename by --remove + add; the directory back to a file" "$img" \
    --remove b.txt --remove empty "$img" "renamed.txt=$tmp/s2/b.txt" "empty=$tmp/empty4"

# Every session stays readable: by its start, as mkimage info lists them.
"$MKIMAGE" info "$img" >"$tmp/info.out" 2>&1
starts=$(sed -n 's/^sessions: *4 (start blocks \(.*\))$/\1/p' "$tmp/info.out")
if [ "$(echo $starts | wc -w)" -eq 4 ] &&
    [ "$(grep -c "volume name: *Backup 2026\$" "$tmp/info.out")" -eq 2 ]; then
    tap_ok "mkimage info: four sessions ($starts), the label kept"
else
    tap_fail "mkimage info: four sessions" "$(cat "$tmp/info.out")"
fi
: >"$tmp/old.diff"
n=0
for s in $starts; do
    n=$((n + 1))
    if have xorriso; then
        x_read "$img" "$tmp/xs" "$s"
        tree_manifest "$tmp/xs" >"$tmp/xs.lst"
        diff -u "$tmp/want$n.lst" "$tmp/xs.lst" >>"$tmp/old.diff" ||
            echo "xorriso -load sbsector $s: not session $n" >>"$tmp/old.diff"
    fi
    "$MKIMAGE" ls -R --session $n "$img" 2>&1 | LC_ALL=C sort >"$tmp/ls.got"
    (cd "$tmp/want$n" && find . -mindepth 1 -printf '/%P\n' | LC_ALL=C sort) >"$tmp/ls.want"
    diff -u "$tmp/ls.want" "$tmp/ls.got" >>"$tmp/old.diff" ||
        echo "mkimage ls --session $n differs" >>"$tmp/old.diff"
done
if [ -s "$tmp/old.diff" ] || [ $n -ne 4 ]; then
    tap_fail "every earlier session readable (xorriso -load sbsector, mkimage ls --session)" \
        "$(head -30 "$tmp/old.diff")"
else
    tap_ok "every earlier session readable (xorriso -load sbsector, mkimage ls --session)"
fi
set -- $starts
start1=${1:-0}

# ---- the Linux kernel ----
reason=
if [ "${FSI_TEST_SKIP_KERNEL:-}" = 1 ]; then
    reason="FSI_TEST_SKIP_KERNEL=1"
elif ! "$kdir/setup.sh" >"$tmp/setup.out" 2>&1; then
    reason="no kernel reader: $(tail -n 1 "$tmp/setup.out")"
fi
if [ -n "$reason" ]; then
    for d in "the last session, Rock Ridge" "the last session, Joliet" \
        "session 1 by sbsector"; do
        tap_skip "Linux kernel: $d" "$reason"
    done
else
    "$kdir/kstat.sh" -d "$tmp/k" "$img" iso9660 "$img" joliet "$img" "iso9660:sbsector=$start1" \
        >"$tmp/k.out" 2>"$tmp/k.err" || tap_diag "kstat.sh: $(tail -5 "$tmp/k.err")"
    for v in 1:4:"the last session, Rock Ridge" 2:4:"the last session, Joliet" \
        3:1:"session 1 by sbsector"; do
        k=${v%%:*} rest=${v#*:}
        w=${rest%%:*} d=${rest#*:}
        : >>"$tmp/k/$k.lst"
        tree_kstat "$tmp/k/$k.lst" >"$tmp/kgot"
        tree_compare "Linux kernel: $d (files, sizes, SHA-256, directories)" "$tmp/want$w.lst" "$tmp/kgot"
    done
fi

# ---- an image genisoimage made ----
if have genisoimage; then
    genisoimage -quiet -R -J -V "Backup 2026" -o "$tmp/g.iso" "$tmp/s1" >/dev/null 2>&1
    appended 2 "append to a genisoimage -R -J image" "$tmp/g.iso" "$tmp/g.iso" "$tmp/s2"
else
    for i in 1 2 3 4 5 6; do tap_skip "append to a genisoimage image" "genisoimage not installed"; done
fi

# ---- UDF, every revision: the new session has a UDF volume too ----
# LU: libudfread (an independent UDF reader) extracts the volume.
tree_udfread
kimgs=
for rev in 1.02 2.01 2.50 2.60; do
    u=$tmp/udf-$rev.iso
    "$MKIMAGE" create -q --udf-revision $rev -V "Backup 2026" -o "$u" "$tmp/s1" >"$tmp/u.out" 2>&1 &&
        "$MKIMAGE" append -q "$u" "$tmp/s2" >>"$tmp/u.out" 2>&1 &&
        "$MKIMAGE" append -q --remove a.txt --remove /docs/deep/ --remove empty "$u" "$tmp/s3" \
            >>"$tmp/u.out" 2>&1
    made=$?
    : >"$tmp/u.diff"
    if [ $made -ne 0 ]; then
        cat "$tmp/u.out" >"$tmp/u.diff"
    else
        kimgs="$kimgs $u"
        "$MKIMAGE" verify "$u" >"$tmp/uv.out" 2>&1 || cat "$tmp/uv.out" >>"$tmp/u.diff"
        "$MKIMAGE" info "$u" 2>&1 | grep -q "^file systems: *ISO9660 Joliet UDF\$" ||
            echo "info: not ISO9660 Joliet UDF" >>"$tmp/u.diff"
        "$MKIMAGE" info "$u" 2>&1 | grep -q "UDF $rev" ||
            "$MKIMAGE" info "$u" 2>&1 | grep -q "revision: *$rev" ||
            echo "info: not UDF $rev" >>"$tmp/u.diff"
        rm -rf "$tmp/uo" && "$MKIMAGE" extract -q --fs udf "$u" "$tmp/uo" >/dev/null 2>&1
        tree_manifest "$tmp/uo" >"$tmp/uo.lst"
        cmp -s "$tmp/want3.lst" "$tmp/uo.lst" || echo "mkimage extract --fs udf differs" >>"$tmp/u.diff"
        # every session's UDF tree as it was
        for n in 1 2 3; do
            "$MKIMAGE" ls -R --fs udf --session $n "$u" 2>&1 | LC_ALL=C sort >"$tmp/ls.got"
            (cd "$tmp/want$n" && find . -mindepth 1 -printf '/%P\n' | LC_ALL=C sort) >"$tmp/ls.want"
            cmp -s "$tmp/ls.want" "$tmp/ls.got" || echo "ls --fs udf --session $n differs" >>"$tmp/u.diff"
        done
        if have xorriso; then
            x_read "$u" "$tmp/ux"
            tree_manifest "$tmp/ux" >"$tmp/ux.lst"
            cmp -s "$tmp/want3.lst" "$tmp/ux.lst" || echo "xorriso differs" >>"$tmp/u.diff"
        fi
    fi
    if [ -s "$tmp/u.diff" ]; then
        tap_fail "UDF $rev: two appends; verify, extract --fs udf, every session, xorriso" \
            "$(head -20 "$tmp/u.diff")"
    else
        tap_ok "UDF $rev: two appends; verify, extract --fs udf, every session, xorriso"
    fi
    if [ -z "$LU" ]; then
        tap_skip "UDF $rev: libudfread reads the last session" "no libudfread-dev or cc"
    elif [ $made -ne 0 ]; then
        tap_fail "UDF $rev: libudfread reads the last session" "not made"
    else
        rm -rf "$tmp/ul" && mkdir "$tmp/ul"
        "$LU" "$u" "$tmp/ul" 2>"$tmp/ul.err"
        tree_manifest "$tmp/ul" >"$tmp/ul.lst"
        tree_compare "UDF $rev: libudfread reads the last session (every file, SHA-256)" \
            "$tmp/want3.lst" "$tmp/ul.lst"
    fi
done
if have 7z && [ -f "$tmp/udf-2.01.iso" ]; then
    rm -rf "$tmp/z" && mkdir "$tmp/z"
    7z x -y -o"$tmp/z" "$tmp/udf-2.01.iso" >/dev/null 2>&1
    tree_manifest "$tmp/z" >"$tmp/z.lst"
    tree_compare "UDF 2.01 image after two appends: 7-Zip (every file, SHA-256)" \
        "$tmp/want3.lst" "$tmp/z.lst"
else
    tap_skip "UDF image after two appends: 7-Zip" "7z not installed"
fi
# Unchanged files keep their UDF File Entries (2.01; 2.60 writes them
# again, its numbers living in a new metadata file): one file added
# to 2,000 writes no new entry for them (2 KiB each), and every reader
# still reads them all.
mkdir -p "$tmp/many/sub"
i=0
while [ $i -lt 2000 ]; do
    echo "file $i" >"$tmp/many/sub/f$i"
    i=$((i + 1))
done
mkdir "$tmp/wantmany" && cp -a "$tmp/many/." "$tmp/wantmany/" && cp "$tmp/s2/b.txt" "$tmp/wantmany/"
tree_manifest "$tmp/wantmany" >"$tmp/wantmany.lst"
for mrev in 2.01 2.60; do
    # 2.60 writes every File Entry again (metadata partition): larger
    limit=2000000
    [ "$mrev" = 2.60 ] && limit=12000000
    "$MKIMAGE" create -q --udf-revision "$mrev" -o "$tmp/many-$mrev.iso" "$tmp/many" >/dev/null 2>&1
    s0=$(stat -c %s "$tmp/many-$mrev.iso")
    "$MKIMAGE" append -q "$tmp/many-$mrev.iso" "$tmp/s2/b.txt" >"$tmp/many.out" 2>&1
    grown=$(( $(stat -c %s "$tmp/many-$mrev.iso") - s0 ))
    : >"$tmp/many.diff"
    [ "$grown" -lt "$limit" ] || echo "the image grew $grown bytes" >>"$tmp/many.diff"
    "$MKIMAGE" verify "$tmp/many-$mrev.iso" >>"$tmp/many.diff" 2>&1 || true
    grep -q " 0 errors, 0 warnings" "$tmp/many.diff" && sed -i '/ 0 errors, 0 warnings/d' "$tmp/many.diff"
    rm -rf "$tmp/mo" && "$MKIMAGE" extract -q --fs udf "$tmp/many-$mrev.iso" "$tmp/mo" >/dev/null 2>&1
    tree_manifest "$tmp/mo" >"$tmp/mo.lst"
    cmp -s "$tmp/wantmany.lst" "$tmp/mo.lst" || echo "mkimage extract --fs udf differs" >>"$tmp/many.diff"
    if [ -n "$LU" ]; then
        rm -rf "$tmp/ml" && mkdir "$tmp/ml" && "$LU" "$tmp/many-$mrev.iso" "$tmp/ml" 2>/dev/null
        tree_manifest "$tmp/ml" >"$tmp/ml.lst"
        cmp -s "$tmp/wantmany.lst" "$tmp/ml.lst" || echo "libudfread differs" >>"$tmp/many.diff"
    fi
    if have 7z; then
        rm -rf "$tmp/mz" && mkdir "$tmp/mz" && 7z x -y -o"$tmp/mz" "$tmp/many-$mrev.iso" >/dev/null 2>&1
        tree_manifest "$tmp/mz" >"$tmp/mz.lst"
        cmp -s "$tmp/wantmany.lst" "$tmp/mz.lst" || echo "7-Zip differs" >>"$tmp/many.diff"
    fi
    if [ -s "$tmp/many.diff" ]; then
        tap_fail "UDF $mrev: one file appended to 2,000" \
            "$(cat "$tmp/many.out"; head -10 "$tmp/many.diff")"
    else
        tap_ok "UDF $mrev: one file appended to 2,000 (grew $grown bytes); libudfread, 7-Zip, verify, extract"
    fi
done
if [ -n "$reason" ]; then
    tap_skip "Linux kernel: UDF after two appends, every revision" "$reason"
else
    set --
    for u in $kimgs; do set -- "$@" "$u" udf; done
    set -- "$@" "$tmp/many-2.01.iso" udf "$tmp/many-2.60.iso" udf
    rm -rf "$tmp/ku"
    "$kdir/kstat.sh" -d "$tmp/ku" "$@" >"$tmp/ku.out" 2>"$tmp/ku.err" ||
        tap_diag "kstat.sh: $(tail -5 "$tmp/ku.err")"
    : >"$tmp/ku.diff"
    k=0
    for u in $kimgs; do
        k=$((k + 1))
        : >>"$tmp/ku/$k.lst"
        tree_kstat "$tmp/ku/$k.lst" >"$tmp/kgot"
        cmp -s "$tmp/want3.lst" "$tmp/kgot" || echo "$u: $(diff "$tmp/want3.lst" "$tmp/kgot" | head -5)" >>"$tmp/ku.diff"
    done
    for mrev in 2.01 2.60; do
        k=$((k + 1))
        : >>"$tmp/ku/$k.lst"
        tree_kstat "$tmp/ku/$k.lst" >"$tmp/kgot"
        cmp -s "$tmp/wantmany.lst" "$tmp/kgot" ||
            echo "many-$mrev.iso: $(diff "$tmp/wantmany.lst" "$tmp/kgot" | head -5)" >>"$tmp/ku.diff"
    done
    if [ $k -eq 6 ] && [ ! -s "$tmp/ku.diff" ] && ! grep -qi "udf-fs.*error\|warning" "$tmp/ku.err"; then
        tap_ok "Linux kernel: UDF after two appends, every revision; kept File Entries (files, SHA-256, directories)"
    else
        tap_fail "Linux kernel: UDF after two appends, every revision" \
            "$k images; $(head -10 "$tmp/ku.diff"; grep -i udf "$tmp/ku.err" | head -5)"
    fi
fi
# Another UDF revision, and UDF that cannot be continued.
cp "$tmp/udf-1.02.iso" "$tmp/r.before" 2>/dev/null
"$MKIMAGE" append -q --udf-revision 2.50 "$tmp/udf-1.02.iso" "$tmp/s2" >"$tmp/err.out" 2>&1
rc=$?
if [ $rc -eq 1 ] && grep -q IMAPI_E_UDF_REVISION_CHANGE_NOT_ALLOWED "$tmp/err.out" &&
    cmp -s "$tmp/r.before" "$tmp/udf-1.02.iso"; then
    tap_ok "another UDF revision: IMAPI_E_UDF_REVISION_CHANGE_NOT_ALLOWED, the image as before"
else
    tap_fail "another UDF revision: IMAPI_E_UDF_REVISION_CHANGE_NOT_ALLOWED" \
        "exit $rc: $(cat "$tmp/err.out")"
fi
if have mkudffs && dd if=/dev/zero of="$tmp/cdrw.udf" bs=1M count=20 status=none &&
    mkudffs --media-type=cdrw "$tmp/cdrw.udf" >/dev/null 2>&1; then
    rm -f "$tmp/x.img"
    "$MKIMAGE" create -q --previous-session "$tmp/cdrw.udf" -o "$tmp/x.img" "$tmp/s2" \
        >"$tmp/err.out" 2>&1
    rc=$?
    if [ $rc -eq 1 ] && grep -q IMAPI_E_UDF_NOT_WRITE_COMPATIBLE "$tmp/err.out" && [ ! -e "$tmp/x.img" ]
    then
        tap_ok "a sparable UDF volume (mkudffs cdrw): IMAPI_E_UDF_NOT_WRITE_COMPATIBLE"
    else
        tap_fail "a sparable UDF volume: IMAPI_E_UDF_NOT_WRITE_COMPATIBLE" "exit $rc: $(cat "$tmp/err.out")"
    fi
else
    tap_skip "a sparable UDF volume: IMAPI_E_UDF_NOT_WRITE_COMPATIBLE" "no mkudffs"
fi

# ---- crash safety ----
# state IMG: "old" or "new" when every reader reads that tree (mkimage
# verify + extract, xorriso, isoinfo -J, libudfread for UDF), "mixed"
# when each reads one of them but not all the same (a kill between the
# rewrites of the ISO9660 head at 16 and the UDF anchor at 256: each
# reader still sees a whole tree), else what is wrong.
verdict_of() {    # verdict_of NAME LISTING
    if cmp -s "$2" "$tmp/old.lst"; then echo old
    elif cmp -s "$2" "$tmp/new.lst"; then echo new
    else echo "$1: neither tree: $(diff "$tmp/old.lst" "$2" | head -5)"
    fi
}
state() {
    "$MKIMAGE" verify "$1" >"$tmp/cv.out" 2>&1 || { echo "verify: $(head -3 "$tmp/cv.out")"; return; }
    m_read "$1" "$tmp/c"
    tree_manifest "$tmp/c" >"$tmp/c.lst"
    all=$(verdict_of mkimage "$tmp/c.lst")
    if have xorriso; then
        x_read "$1" "$tmp/cx"
        tree_manifest "$tmp/cx" >"$tmp/cx.lst"
        all="$all
$(verdict_of xorriso "$tmp/cx.lst")"
    fi
    if have isoinfo; then
        i_read "$1" -J "$tmp/cj"
        tree_manifest "$tmp/cj" >"$tmp/cj.lst"
        all="$all
$(verdict_of "isoinfo -J" "$tmp/cj.lst")"
    fi
    if [ -n "$LU" ]; then       # an image with UDF: libudfread too
        rm -rf "$tmp/cu" && mkdir "$tmp/cu"
        if "$LU" "$1" "$tmp/cu" 2>/dev/null || [ -n "$(ls -A "$tmp/cu")" ]; then
            tree_manifest "$tmp/cu" >"$tmp/cu.lst"
            all="$all
$(verdict_of libudfread "$tmp/cu.lst")"
        fi
    fi
    bad=$(printf '%s\n' "$all" | grep -v '^old$' | grep -v '^new$' | head -1)
    if [ -n "$bad" ]; then echo "$bad"
    elif ! printf '%s\n' "$all" | grep -q '^new$'; then echo old
    elif ! printf '%s\n' "$all" | grep -q '^old$'; then echo new
    else echo mixed
    fi
}

mkdir -p "$tmp/big/more"
head -c 3000000 /dev/urandom >"$tmp/big/more/b1.bin"
head -c 2000000 /dev/urandom >"$tmp/big/b2.bin"
for i in $(seq 1 40); do echo "$i" >"$tmp/big/more/f$i.txt"; done
cp "$img" "$tmp/base.iso"
tree_manifest "$tmp/want4" >"$tmp/old.lst"
mkdir "$tmp/wantbig" && cp -a "$tmp/want4/." "$tmp/wantbig/" && cp -a "$tmp/big/." "$tmp/wantbig/"
tree_manifest "$tmp/wantbig" >"$tmp/new.lst"

# crash_tests BASE LABEL: the kill and failure loops on appends to BASE
# (4 results).
crash_tests() {
cbase=$1 clabel=$2
if [ "${FSI_SANITIZE:-}" = yes ] || [ ! -f "$shim" ]; then
    tap_skip "$clabel: killed before each write, sync and truncate: old or new tree" "no fault shim here"
    tap_skip "$clabel: a failing write or sync leaves the image byte-identical" "no fault shim here"
else
    funcs=write,pwrite,pwrite64,copy_file_range,fsync,fdatasync,ftruncate,ftruncate64,fallocate,fallocate64
    cp "$cbase" "$tmp/k.iso"
    FAULT_PROG=mkimage FAULT_FUNCS=$funcs FAULT_COUNT=$tmp/count LD_PRELOAD=$shim \
        "$MKIMAGE" append -q "$tmp/k.iso" "$tmp/big" >/dev/null 2>&1
    total=$(awk -v f=",$funcs," '$1 == "call" && index(f, "," $2 ",") { n += $5 }
        END { print n + 0 }' "$tmp/count")
    : >"$tmp/kill.log"
    seen_old=0 seen_new=0 seen_mixed=0
    k=1
    while [ "$k" -le "$total" ]; do
        cp "$cbase" "$tmp/k.iso"
        FAULT_PROG=mkimage FAULT_FUNCS=$funcs FAULT_N=$k FAULT_MODE=kill LD_PRELOAD=$shim \
            "$MKIMAGE" append -q "$tmp/k.iso" "$tmp/big" >/dev/null 2>&1
        st=$(state "$tmp/k.iso")
        case $st in
        old) seen_old=$((seen_old + 1)) ;;
        new) seen_new=$((seen_new + 1)) ;;
        mixed) seen_mixed=$((seen_mixed + 1)) ;;
        *) echo "killed before call $k of $total: $st" >>"$tmp/kill.log" ;;
        esac
        k=$((k + 1))
    done
    if [ "$total" -gt 3 ] && [ ! -s "$tmp/kill.log" ] && [ $seen_old -gt 0 ]; then
        tap_ok "$clabel: killed before each of $total write/sync calls: old tree $seen_old times, new $seen_new, each reader one of them $seen_mixed"
    else
        tap_fail "$clabel: killed before each write/sync call: old or new tree" \
            "$total calls; $(head -10 "$tmp/kill.log")"
    fi
    : >"$tmp/fail.log"
    k=1
    while [ "$k" -le "$total" ]; do
        for e in ENOSPC EIO; do
            cp "$cbase" "$tmp/f.iso"
            FAULT_PROG=mkimage FAULT_FUNCS=$funcs FAULT_N=$k FAULT_ERRNO=$e LD_PRELOAD=$shim \
                "$MKIMAGE" append -q "$tmp/f.iso" "$tmp/big" >"$tmp/f.out" 2>&1
            rc=$?
            if [ $rc -eq 0 ]; then
                st=$(state "$tmp/f.iso")
                [ "$st" = new ] || echo "call $k $e: exit 0 but $st" >>"$tmp/fail.log"
            elif [ $rc -ne 1 ] || ! grep -q "0x" "$tmp/f.out"; then
                echo "call $k $e: exit $rc: $(cat "$tmp/f.out")" >>"$tmp/fail.log"
            elif ! cmp -s "$cbase" "$tmp/f.iso"; then
                # only a failure after the new descriptors may leave the new session
                st=$(state "$tmp/f.iso")
                [ "$st" = new ] || [ "$st" = old ] ||
                    echo "call $k $e: image changed: $st" >>"$tmp/fail.log"
            fi
        done
        k=$((k + 1))
    done
    if [ ! -s "$tmp/fail.log" ]; then
        tap_ok "$clabel: each write/sync call failing (ENOSPC, EIO): a named error, the image as before"
    else
        tap_fail "$clabel: each write/sync call failing: a named error, the image as before" \
            "$(head -10 "$tmp/fail.log")"
    fi
fi

# Real SIGKILLs at random moments of the append's run time (measured).
cp "$cbase" "$tmp/r.iso"
t0=$(date +%s%N)
"$MKIMAGE" append -q "$tmp/r.iso" "$tmp/big" >/dev/null 2>&1
us=$(( ($(date +%s%N) - t0) / 1000 ))
: >"$tmp/rk.log"
seen_old=0 seen_new=0 seen_mixed=0
i=0
while [ $i -lt "$kills" ]; do
    i=$((i + 1))
    cp "$cbase" "$tmp/r.iso"
    # a moment from 0 to the run time, in microseconds
    at=$(( $(od -An -N4 -tu4 /dev/urandom) % (us + 1) ))
    "$MKIMAGE" append -q "$tmp/r.iso" "$tmp/big" >/dev/null 2>&1 &
    pid=$!
    sleep "$(printf '%d.%06d' $((at / 1000000)) $((at % 1000000)))" 2>/dev/null || sleep 0
    kill -KILL $pid 2>/dev/null
    wait $pid 2>/dev/null
    st=$(state "$tmp/r.iso")
    case $st in
    old) seen_old=$((seen_old + 1)) ;;
    new) seen_new=$((seen_new + 1)) ;;
    mixed) seen_mixed=$((seen_mixed + 1)) ;;
    *) echo "kill $i: $st" >>"$tmp/rk.log" ;;
    esac
done
if [ ! -s "$tmp/rk.log" ]; then
    tap_ok "$clabel: $kills SIGKILLs at random moments of its $us us: old tree $seen_old times, new $seen_new, mixed $seen_mixed"
else
    tap_fail "$clabel: $kills SIGKILLs at random moments: old or new tree" "$(head -10 "$tmp/rk.log")"
fi
# After a kill mid-way, the next append works (after what the kill left).
cp "$cbase" "$tmp/r.iso"
FAULT_PROG=mkimage FAULT_FUNCS=fsync FAULT_N=1 FAULT_MODE=kill LD_PRELOAD=$shim \
    "$MKIMAGE" append -q "$tmp/r.iso" "$tmp/big" >/dev/null 2>&1
if "$MKIMAGE" append -q "$tmp/r.iso" "$tmp/big" >"$tmp/r.out" 2>&1 &&
    [ "$(state "$tmp/r.iso")" = new ]; then
    tap_ok "$clabel: an append after one killed mid-way gives the new tree"
else
    tap_fail "$clabel: an append after one killed mid-way gives the new tree" "$(cat "$tmp/r.out")"
fi

}
crash_tests "$tmp/base.iso" "ISO9660+Joliet"
# The same on an image with UDF 2.50 (its anchor at 256 rewritten too):
# the trees are read through UDF by mkimage, through ISO9660 and Joliet by
# xorriso and isoinfo.
"$MKIMAGE" create -q --udf-revision 2.50 -o "$tmp/ubase.iso" "$tmp/want4" >/dev/null 2>&1
crash_tests "$tmp/ubase.iso" "UDF 2.50 bridge"

# ---- errors: each named, the image byte-identical ----
RUN_AS=
# err DESC CODE IMG ARGS...: mkimage append ARGS fails with CODE, IMG unchanged.
err() {
    desc=$1 code=$2 eimg=$3
    shift 3
    cp "$eimg" "$tmp/before" 2>/dev/null
    $RUN_AS "$MKIMAGE" append -q "$@" >"$tmp/err.out" 2>&1
    rc=$?
    if [ $rc -eq 1 ] && grep -q "$code" "$tmp/err.out" && cmp -s "$tmp/before" "$eimg"; then
        tap_ok "$desc: $code, the image as before"
    else
        tap_fail "$desc: $code, the image as before" \
            "exit $rc: $(cat "$tmp/err.out"; cmp "$tmp/before" "$eimg" 2>&1)"
    fi
}
cp "$tmp/base.iso" "$tmp/e.iso"
err "Joliet dropped" IMAPI_E_FILE_SYSTEM_CHANGE_NOT_ALLOWED "$tmp/e.iso" --fs iso9660 \
    "$tmp/e.iso" "$tmp/s2"
err "UDF added" IMAPI_E_FILE_SYSTEM_CHANGE_NOT_ALLOWED "$tmp/e.iso" --fs iso9660,joliet,udf \
    "$tmp/e.iso" "$tmp/s2"
"$MKIMAGE" create -q --fs udf -o "$tmp/udf.iso" "$tmp/s1" >/dev/null 2>&1
err "a UDF-only image" IMAPI_E_INCOMPATIBLE_PREVIOUS_SESSION "$tmp/udf.iso" "$tmp/udf.iso" "$tmp/s2"
printf 'boot' >"$tmp/boot.bin"
"$MKIMAGE" create -q --fs iso9660,joliet --boot "$tmp/boot.bin" -o "$tmp/boot.iso" "$tmp/s1" \
    >/dev/null 2>&1
xorriso -indev "$tmp/boot.iso" -report_el_torito plain 2>/dev/null | grep "boot img" >"$tmp/eb1"
"$MKIMAGE" append -q "$tmp/boot.iso" "$tmp/s2" >"$tmp/eb.out" 2>&1
xorriso -indev "$tmp/boot.iso" -report_el_torito plain 2>/dev/null | grep "boot img" >"$tmp/eb2"
if [ -s "$tmp/eb1" ] && cmp -s "$tmp/eb1" "$tmp/eb2" &&
    "$MKIMAGE" info "$tmp/boot.iso" 2>&1 | grep -q "entry 1: *platform bios"; then
    tap_ok "an image with El Torito: the session keeps its boot record and catalog"
else
    tap_fail "an image with El Torito: the session keeps its boot record and catalog" \
        "$(cat "$tmp/eb.out" "$tmp/eb1" "$tmp/eb2")"
fi
err "a boot entry given to append" IMAPI_E_BOOT_OBJECT_CONFLICT "$tmp/e.iso" \
    --boot "$tmp/boot.bin" "$tmp/e.iso" "$tmp/s2"
err "--remove of a path the image does not hold" "IMAPI_E_ITEM_NOT_FOUND.*no/such" "$tmp/e.iso" \
    --remove no/such "$tmp/e.iso" "$tmp/s2"
err "--max-blocks below the whole image" IMAPI_E_IMAGE_SIZE_LIMIT "$tmp/e.iso" \
    --max-blocks 300 "$tmp/e.iso" "$tmp/s2"
cp "$tmp/base.iso" "$tmp/odd.iso" && printf x >>"$tmp/odd.iso"
err "an image that is not whole blocks" IMAPI_E_INCOMPATIBLE_PREVIOUS_SESSION "$tmp/odd.iso" \
    "$tmp/odd.iso" "$tmp/s2"
mkfifo "$tmp/fifo"
"$MKIMAGE" append -q "$tmp/fifo" "$tmp/s2" >"$tmp/err.out" 2>&1
rc=$?
if [ $rc -eq 1 ] && grep -q IMAPI_E_IMPORT_MEDIA_NOT_ALLOWED "$tmp/err.out"; then
    tap_ok "a FIFO: IMAPI_E_IMPORT_MEDIA_NOT_ALLOWED"
else
    tap_fail "a FIFO: IMAPI_E_IMPORT_MEDIA_NOT_ALLOWED" "exit $rc: $(cat "$tmp/err.out")"
fi
# A file that cannot be opened for writing (as an unprivileged user when
# run as root, who may write anything).
cp "$tmp/base.iso" "$tmp/ro.iso" && chmod 444 "$tmp/ro.iso" && chmod 755 "$tmp"
if [ "$(id -u)" -ne 0 ]; then
    err "a read-only image" IMAPI_E_IMPORT_MEDIA_NOT_ALLOWED "$tmp/ro.iso" "$tmp/ro.iso" "$tmp/s2"
elif have setpriv && chmod -R a+rX "$tmp/s2" &&
    setpriv --reuid=65534 --regid=65534 --clear-groups "$MKIMAGE" --version >/dev/null 2>&1; then
    RUN_AS="setpriv --reuid=65534 --regid=65534 --clear-groups"
    err "a read-only image (as nobody)" IMAPI_E_IMPORT_MEDIA_NOT_ALLOWED "$tmp/ro.iso" \
        "$tmp/ro.iso" "$tmp/s2"
    RUN_AS=
else
    tap_skip "a read-only image" "root, and no setpriv to run as another user"
fi

tap_done
