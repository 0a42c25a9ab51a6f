#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# tests/integration/append_matrix.sh - three appends in a row on every
# file-system set an image can be appended to, with every UDF revision.
#
# Sets: ISO9660; ISO9660+Joliet; ISO9660+UDF and ISO9660+Joliet+UDF with
# UDF 1.02, 1.50, 2.00, 2.01, 2.50 and 2.60 (UDF alone takes no session:
# append.sh).  Sessions: 1 created; 2 adds files, one into an old
# directory; 3 removes a file and a directory and replaces a file with a
# directory (--remove + a source); 4 renames by --remove + add and turns
# the directory back into a file.  After each append the readers that
# start at the image's head read exactly the expected tree (every path,
# every file's size and SHA-256): xorriso (Rock Ridge), isoinfo -J (with
# Joliet), 7-Zip, libudfread (with UDF), mkimage verify and extract; the
# image stays what mkimage info says (its file systems, its UDF revision,
# four sessions); at the end the Linux kernel mounts every image (UDF
# where it has it, else Rock Ridge; and Joliet) and reads the last tree.
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
unset SOURCE_DATE_EPOCH
LC_ALL=C.UTF-8
export LC_ALL

tmp=$(mktemp -d "${TMPDIR:-/tmp}/fsi-matrix.XXXXXX") || exit 1
trap "${KEEP_TMP:+:} rm -rf \"$tmp\"" EXIT
trap 'exit 1' HUP INT TERM

have() { command -v "$1" >/dev/null 2>&1; }

revs="1.02 1.50 2.00 2.01 2.50 2.60"
sets="iso9660 iso9660,joliet"
for r in $revs; do sets="$sets iso9660,udf@$r iso9660,joliet,udf@$r"; done
nsets=$(echo $sets | wc -w)
# per set: create + 3 x (append + 5 readers + info); the kernel: one
# listing per image and one per Joliet image
tap_plan $((nsets * 22 + nsets + 7))

# ---- the sources of the sessions, and the trees each must read as ----
tree_four_sessions

tree_udfread

# i_read IMG DIR: isoinfo -J extracts every file into DIR.
i_read() {
    rm -rf "$2" && mkdir -p "$2"
    isoinfo -i "$1" -J -l 2>/dev/null | awk '
        /^Directory listing of / { d = substr($0, 22); next }
        /^d/ { n = $0; sub(/^[^]]*\] +/, "", n); sub(/ $/, "", n)
               if (n != "." && n != "..") print "d " d n }
        /^-/ { n = $0; sub(/^[^]]*\] +/, "", n); sub(/ $/, "", n); print "f " d n }' |
        while IFS= read -r l; do
            p=${l#? }
            case $l in
            d*) mkdir -p "$2$p" ;;
            *) mkdir -p "$(dirname "$2$p")" && isoinfo -i "$1" -J -x "$p" >"$2${p%;1}" 2>/dev/null ;;
            esac
        done
}

# readers LABEL N IMG SET: every reader from the head sees want N.
readers() {
    rl=$1 n=$2 rimg=$3 rset=$4
    if have xorriso; then
        rm -rf "$tmp/x"
        xorriso -indev "$rimg" -osirrox on -extract / "$tmp/x" >/dev/null 2>&1
        mkdir -p "$tmp/x"
        tree_manifest "$tmp/x" >"$tmp/x.lst"
        tree_compare "$rl session $n: xorriso" "$tmp/want$n.lst" "$tmp/x.lst"
    else
        tap_skip "$rl session $n: xorriso" "xorriso not installed"
    fi
    case $rset in
    *joliet*)
        if have isoinfo; then
            i_read "$rimg" "$tmp/j"
            tree_manifest "$tmp/j" >"$tmp/j.lst"
            tree_compare "$rl session $n: isoinfo -J" "$tmp/want$n.lst" "$tmp/j.lst"
        else
            tap_skip "$rl session $n: isoinfo -J" "isoinfo not installed"
        fi ;;
    *) tap_skip "$rl session $n: isoinfo -J" "no Joliet" ;;
    esac
    if have 7z; then
        rm -rf "$tmp/z" && mkdir "$tmp/z"
        7z x -y -o"$tmp/z" "$rimg" >/dev/null 2>&1
        tree_manifest "$tmp/z" >"$tmp/z.lst"
        tree_compare "$rl session $n: 7-Zip" "$tmp/want$n.lst" "$tmp/z.lst"
    else
        tap_skip "$rl session $n: 7-Zip" "7z not installed"
    fi
    case $rset in
    *udf*)
        if [ -n "$LU" ]; then
            rm -rf "$tmp/l" && mkdir "$tmp/l"
            "$LU" "$rimg" "$tmp/l" 2>/dev/null
            tree_manifest "$tmp/l" >"$tmp/l.lst"
            tree_compare "$rl session $n: libudfread" "$tmp/want$n.lst" "$tmp/l.lst"
        else
            tap_skip "$rl session $n: libudfread" "no libudfread-dev or cc"
        fi ;;
    *) tap_skip "$rl session $n: libudfread" "no UDF" ;;
    esac
    tree_verified "$rl session $n: mkimage verify clean, extract" $n "$rimg"
}

# info_ok N IMG SET REV: mkimage info names the set, the revision, N sessions.
info_ok() {
    "$MKIMAGE" info "$2" >"$tmp/info.out" 2>&1 || return 1
    want="ISO9660"
    case $3 in *joliet*) want="$want Joliet" ;; esac
    case $3 in *udf*) want="$want UDF" ;; esac
    grep -q "^file systems: *$want\$" "$tmp/info.out" || return 1
    grep -q "^sessions: *$1 " "$tmp/info.out" || return 1
    [ -z "$4" ] || grep -q "revision: *$4\$" "$tmp/info.out" || grep -q "UDF $4" "$tmp/info.out"
}

kimgs=
for set in $sets; do
    fs=${set%@*} rev=
    [ "$fs" = "$set" ] || rev=${set#*@}
    label=$fs${rev:+ $rev}
    img=$tmp/$(echo "$set" | sed 's/[,@.]/_/g').iso
    tap_check "$label: mkimage create" "$MKIMAGE" create -q --fs "$fs" ${rev:+--udf-revision "$rev"} \
        -V "Matrix" -o "$img" "$tmp/s1"
    for n in 2 3 4; do
        case $n in
        2) set -- "$img" "$tmp/s2"; what="files added, one into an old directory" ;;
        3) set -- --remove a.txt --remove /docs/deep/ --remove empty "$img" "$tmp/s3"
           what="--remove a file and a directory; a file replaced by a directory" ;;
        4) set -- --remove b.txt --remove empty "$img" "renamed.txt=$tmp/s2/b.txt" \
               "empty=$tmp/empty4"
           what="rename by --remove + add; the directory back to a file" ;;
        esac
        tap_check "$label session $n: append: $what" "$MKIMAGE" append -q "$@"
        readers "$label" $n "$img" "$fs"
        if info_ok $n "$img" "$fs" "$rev"; then
            tap_ok "$label session $n: mkimage info: $fs${rev:+ (UDF $rev)}, $n sessions"
        else
            tap_fail "$label session $n: mkimage info" "$(cat "$tmp/info.out")"
        fi
    done
    kimgs="$kimgs $img:$fs"
done

# ---- the Linux kernel: every image's last session ----
reason=
if [ "${FSI_TEST_SKIP_KERNEL:-}" = 1 ]; then
    reason="FSI_TEST_SKIP_KERNEL=1"
elif ! "$kdir/setup.sh" >"$tmp/setup.out" 2>&1; then
    reason="no kernel reader: $(tail -n 1 "$tmp/setup.out")"
fi
set --
for ki in $kimgs; do
    f=${ki%%:*} kfs=${ki#*:}
    case $kfs in *udf*) set -- "$@" "$f" udf ;; *) set -- "$@" "$f" iso9660 ;; esac
    case $kfs in *joliet*) set -- "$@" "$f" joliet ;; esac
done
npairs=$(($# / 2))
if [ -n "$reason" ]; then
    k=0
    while [ $k -lt $npairs ]; do
        k=$((k + 1))
        tap_skip "Linux kernel: image $k" "$reason"
    done
else
    "$kdir/kstat.sh" -d "$tmp/k" "$@" >"$tmp/k.out" 2>"$tmp/k.err" ||
        tap_diag "kstat.sh: $(tail -5 "$tmp/k.err")"
    k=0
    while [ $# -ge 2 ]; do
        k=$((k + 1))
        : >>"$tmp/k/$k.lst"
        tree_kstat "$tmp/k/$k.lst" >"$tmp/kgot"
        tree_compare "Linux kernel: $(basename "$1") as $2 after three appends" \
            "$tmp/want4.lst" "$tmp/kgot"
        shift 2
    done
fi

tap_done
