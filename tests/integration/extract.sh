#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# tests/integration/extract.sh - `mkimage extract` (and `mkimage ls -lR`)
# round trips, and extraction of hostile images.
#
# Round trips: a source tree (odd names, an empty file, a 2049-byte file,
# deep directories, a sparse file with a 3 MiB hole, modes, fixed times)
# goes into images made by `mkimage create` (ISO9660 levels 1-3, Joliet,
# UDF of every revision, the ISO9660+Joliet+UDF bridge) and by peers
# (xorriso -as mkisofs -R -J, genisoimage -R -J -udf, with a symlink and a
# FIFO too).  For each: `mkimage ls -lR` lists the source's names, types
# and sizes; `mkimage extract` gives the source back (names, sizes,
# SHA-256, mtimes; modes, symlinks and FIFOs where the view has them), and
# the same tree as independent readers extract (bsdtar, xorriso -osirrox,
# 7-Zip).  Plain ISO9660 names are translated (8.3, upper case), so there
# the source is compared by the directory count and the multiset of (size,
# SHA-256) of the files, and the names against the peers.
#
# Then safety: images crafted by patching Rock Ridge NM names of an
# xorriso image (a directory record holds no checksum) to hold '..',
# 'a/../../x', and a symlink 'aaaa' to a directory outside plus a
# directory 'aaaa' holding a file: nothing appears outside DIR, each
# refusal names its entry, the rest is extracted, exit status 1.  And
# existing files: kept without --overwrite (exit 1), replaced with it,
# also when a symlink is in the way (replaced, never written through).
# Prints TAP.
#
# Reader quirks: genisoimage's UDF tree holds a symlink as an empty file;
# 7-Zip and bsdtar prefer Joliet to plain ISO9660; bsdtar reads no UDF.

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/integration/lib.sh
. "$here/lib.sh"

top_builddir=${top_builddir:-$(pwd)}
MKIMAGE=${MKIMAGE:-$top_builddir/mkimage}
PY=/usr/bin/python3
LC_ALL=C.UTF-8
export LC_ALL
umask 022

tmp=$(mktemp -d "${TMPDIR:-/tmp}/fsi-extract.XXXXXX") || exit 1
trap 'chmod -R u+rwx "$tmp" 2>/dev/null; rm -rf "$tmp"' EXIT
trap 'exit 1' HUP INT TERM

have() { command -v "$1" >/dev/null 2>&1; }

# tl.py tree DIR [OPTS]: one sorted line per entry below DIR: "path<TAB>d",
#   "path<TAB>f<TAB>size<TAB>sha256", "path<TAB>l<TAB>target", "path<TAB>p";
#   OPTS (comma list): mode (permission bits), mtime (files, dirs, FIFOs),
#   follow (a symlink counts as what it points to).
# tl.py summary LIST: the directory count and the sorted (size, sha256) of
#   the files of a tree listing (for translated ISO9660 names).
# tl.py ls FILE: `mkimage ls -lR` output as "path<TAB>type[<TAB>size|target]".
# tl.py names LIST: a tree listing cut down to what ls shows.
cat >"$tmp/tl.py" <<'EOF'
import hashlib, os, re, stat, sys

def sha(p):
    h = hashlib.sha256()
    with open(p, "rb") as f:
        for b in iter(lambda: f.read(1 << 20), b""):
            h.update(b)
    return h.hexdigest()

def tree(root, opts):
    out = []
    for dp, dns, fns in os.walk(root):
        for n in sorted(dns + fns):
            p = os.path.join(dp, n)
            rel = "/" + os.path.relpath(p, root)
            st = os.lstat(p)
            if "follow" in opts and stat.S_ISLNK(st.st_mode):
                st = os.stat(p)
            m = stat.S_IMODE(st.st_mode)
            extra = ""
            if "mode" in opts:
                extra += "\t%04o" % m
            if "mtime" in opts:
                extra += "\t%d" % int(st.st_mtime)
            if stat.S_ISDIR(st.st_mode):
                out.append(f"{rel}\td{extra}")
            elif stat.S_ISREG(st.st_mode):
                out.append(f"{rel}\tf\t{st.st_size}\t{sha(p)}{extra}")
            elif stat.S_ISLNK(st.st_mode):
                out.append(f"{rel}\tl\t{os.readlink(p)}")
            elif stat.S_ISFIFO(st.st_mode):
                out.append(f"{rel}\tp{extra}")
            else:
                out.append(f"{rel}\t?")
    return sorted(out)

def unescape(s):
    b = s.encode("utf-8", "surrogateescape")
    b = re.sub(rb"\\([0-7]{3})", lambda m: bytes([int(m.group(1), 8)]), b)
    return b.decode("utf-8", "surrogateescape")

def ls(path):
    out = []
    for line in open(path, encoding="utf-8", errors="surrogateescape"):
        f = line.rstrip("\n").split(None, 8)
        mode, size, name = f[0], f[4], f[8]
        if mode[0] == "l":
            name, target = name.split(" -> ", 1)
            out.append(f"{unescape(name)}\tl\t{unescape(target)}")
        elif mode[0] == "d":
            out.append(f"{unescape(name)}\td")
        elif mode[0] == "p":
            out.append(f"{unescape(name)}\tp")
        else:
            out.append(f"{unescape(name)}\tf\t{size}")
    return sorted(out)

cmd = sys.argv[1]
if cmd == "tree":
    opts = sys.argv[3].split(",") if len(sys.argv) > 3 else []
    lines = tree(sys.argv[2], opts)
elif cmd == "summary":
    dirs, files = 0, []
    for l in open(sys.argv[2]):
        f = l.rstrip("\n").split("\t")
        if f[1] == "d":
            dirs += 1
        elif f[1] == "f":
            files.append(f"{f[2]} {f[3]}")
    lines = [f"directories {dirs}"] + sorted(files)
elif cmd == "ls":
    lines = ls(sys.argv[2])
elif cmd == "names":
    lines = []
    for l in open(sys.argv[2], encoding="utf-8", errors="surrogateescape"):
        f = l.rstrip("\n").split("\t")
        lines.append("\t".join(f[:3]) if f[1] in ("f", "l") else "\t".join(f[:2]))
    lines.sort()
for l in lines:
    sys.stdout.buffer.write(l.encode("utf-8", "surrogateescape") + b"\n")
EOF

tl() { "$PY" "$tmp/tl.py" "$@"; }

# same DESC A B: ok if files A and B are equal, else fail with the diff.
same() {
    if d=$(diff "$2" "$3" 2>&1); then
        tap_ok "$1"
    else
        tap_fail "$1" "$(printf '%s\n' "$d" | head -40)"
    fi
}

# ---- the source trees -------------------------------------------------------
# src: what every writer keeps (no symlinks: mkimage's writers store a
# link's target file); srcl: src plus a symlink and a FIFO (Rock Ridge).
src=$tmp/src
mkdir -p "$src/deep/a/b/c/d/e" "$src/sub" "$src/emptydir" "$src/priv"
: >"$src/empty"
"$PY" -c 'import sys; open(sys.argv[1], "wb").write(bytes(range(256)) * 8 + b"!")' "$src/sub/f2049"
echo hello >"$src/sp ace"
printf q >"$src/odd'quote"
echo u >"$src/ünï"
echo deep >"$src/deep/a/b/c/d/e/leaf.txt"
truncate -s 3M "$src/sparse" && printf end >>"$src/sparse"
echo secret >"$src/priv/s"
printf '#!/bin/sh\necho run\n' >"$src/run.sh"
chmod 600 "$src/empty"
chmod 700 "$src/priv"
chmod 755 "$src/run.sh"
srcl=$tmp/srcl
cp -a "$src" "$srcl"
ln -s sub/f2049 "$srcl/link"
mkfifo "$srcl/fifo"
find "$src" "$srcl" -exec touch -h -d '2021-05-06 07:08:09 UTC' {} +

tl tree "$src" mtime >"$tmp/src.full"
tl tree "$src" mode,mtime >"$tmp/src.modes"
tl tree "$src" >"$tmp/src.lst"
tl summary "$tmp/src.lst" >"$tmp/src.sum"
tl names "$tmp/src.lst" >"$tmp/src.names"
tl tree "$srcl" mode,mtime >"$tmp/srcl.modes"
tl tree "$srcl" >"$tmp/srcl.lst"
tl names "$tmp/srcl.lst" >"$tmp/srcl.names"

tap_plan 70

# extract_peer NAME IMG DIR: an independent reader's extraction.
extract_peer() {
    rm -rf "$3"
    mkdir -p "$3"
    case $1 in
    bsdtar) bsdtar -xf "$2" -C "$3" ;;
    xorriso) xorriso -osirrox on -indev "$2" -extract / "$3" >/dev/null 2>&1 ;;
    7z) 7z x -y -o"$3" "$2" >/dev/null 2>&1 ;;
    7zudf) 7z x -tudf -y -o"$3" "$2" >/dev/null 2>&1 ;;
    esac
}

# ---- round trips of mkimage images ------------------------------------------
# roundtrip DESC IMG VIEW MODE PEERS: VIEW is the --fs value ('' for the
# default); MODE "exact" (names, sizes, SHA-256, mtimes; modes when the
# view has them: "modes") or "iso" (translated names: summary only).
roundtrip() {
    desc=$1 img=$2 view=$3 mode=$4 peers=$5
    fsopt=
    [ -n "$view" ] && fsopt="--fs $view"
    # shellcheck disable=SC2086
    "$MKIMAGE" ls -lR $fsopt "$img" >"$tmp/ls.out" 2>"$tmp/ls.err"
    tl ls "$tmp/ls.out" >"$tmp/ls.lst"
    out=$tmp/out
    rm -rf "$out"
    # shellcheck disable=SC2086
    if ! "$MKIMAGE" extract -q $fsopt "$img" "$out" 2>"$tmp/ex.err"; then
        tap_fail "$desc: extract exits 0" "$(cat "$tmp/ex.err")"
        return
    fi
    case $mode in
    iso)
        tl tree "$out" >"$tmp/out.lst"
        tl summary "$tmp/out.lst" >"$tmp/out.sum"
        tl names "$tmp/out.lst" >"$tmp/out.names"
        if diff "$tmp/out.sum" "$tmp/src.sum" >/dev/null && diff "$tmp/ls.lst" "$tmp/out.names" >/dev/null; then
            tap_ok "$desc: ls -lR and extract agree, the files are the source's (sizes, SHA-256)"
        else
            tap_fail "$desc: ls -lR and extract agree, the files are the source's" \
                "$(diff "$tmp/out.sum" "$tmp/src.sum"; diff "$tmp/ls.lst" "$tmp/out.names")"
        fi
        tl tree "$out" mtime >"$tmp/out.full"
        # mtimes of the files and directories, whatever their names.
        if [ "$(cut -f2- "$tmp/out.full" | grep -c "	1620284889$")" -eq "$(wc -l <"$tmp/out.full")" ]; then
            tap_ok "$desc: every mtime is the source's"
        else
            tap_fail "$desc: every mtime is the source's" "$(head -20 "$tmp/out.full")"
        fi
        ;;
    exact | modes)
        same "$desc: ls -lR lists the source's names, types and sizes" "$tmp/ls.lst" "$tmp/src.names"
        if [ "$mode" = modes ]; then
            tl tree "$out" mode,mtime >"$tmp/out.full"
            same "$desc: extract gives the source back (data, mtimes, modes)" "$tmp/out.full" "$tmp/src.modes"
        else
            tl tree "$out" mtime >"$tmp/out.full"
            same "$desc: extract gives the source back (data, mtimes)" "$tmp/out.full" "$tmp/src.full"
        fi
        ;;
    esac
    tl tree "$out" >"$tmp/out.lst"
    for p in $peers; do
        extract_peer "$p" "$img" "$tmp/peer"
        tl tree "$tmp/peer" >"$tmp/peer.lst"
        same "$desc: the same tree as $p extracts" "$tmp/out.lst" "$tmp/peer.lst"
    done
}

for level in 1 2 3; do
    img=$tmp/iso$level.iso
    if "$MKIMAGE" create -q --fs iso9660 --iso-level $level -o "$img" "$src" 2>"$tmp/err"; then
        roundtrip "ISO9660 level $level" "$img" "" iso "bsdtar xorriso"
    else
        tap_fail "ISO9660 level $level image" "$(cat "$tmp/err")"
        tap_skip "ISO9660 level $level mtimes" "no image"
        tap_skip "ISO9660 level $level bsdtar" "no image"
        tap_skip "ISO9660 level $level xorriso" "no image"
    fi
done

img=$tmp/joliet.iso
"$MKIMAGE" create -q --fs iso9660,joliet -o "$img" "$src"
roundtrip "Joliet" "$img" "" exact "7z bsdtar"
# The ISO9660 view of the same image: translated names, as bsdtar would
# not show them (it takes Joliet): xorriso reads the ISO9660 tree.
roundtrip "ISO9660 view of an ISO9660+Joliet image" "$img" iso9660 iso ""
if have isoinfo; then
    # isoinfo -f lists the plain ISO9660 names (with ";1"; no trailing '.').
    isoinfo -f -i "$img" | sed -e 's/;1$//' -e 's/\.$//' | LC_ALL=C sort >"$tmp/peer.names"
    (cd "$tmp/out" && find . -mindepth 1 | sed 's/^\.//' | LC_ALL=C sort) >"$tmp/out.names"
    same "ISO9660 view of an ISO9660+Joliet image: the names isoinfo -f lists" "$tmp/out.names" "$tmp/peer.names"
else
    tap_skip "ISO9660 view: isoinfo" "isoinfo not installed"
fi

for rev in 1.02 1.50 2.00 2.01 2.50 2.60; do
    img=$tmp/udf$rev.iso
    if "$MKIMAGE" create -q --fs udf --udf-revision $rev -o "$img" "$src" 2>"$tmp/err"; then
        roundtrip "UDF $rev" "$img" "" modes "7zudf"
    else
        tap_fail "UDF $rev image" "$(cat "$tmp/err")"
        tap_skip "UDF $rev extract" "no image"
        tap_skip "UDF $rev 7-Zip" "no image"
    fi
done

img=$tmp/bridge.iso
"$MKIMAGE" create -q --udf-revision 2.50 -o "$img" "$src"
roundtrip "bridge (default view: UDF 2.50)" "$img" "" modes "7zudf"
roundtrip "bridge, Joliet view" "$img" joliet exact "7z"

# ---- images made by peers -----------------------------------------------------
if have xorriso; then
    img=$tmp/xorriso.iso
    xorriso -as mkisofs -R -J -o "$img" "$srcl" >/dev/null 2>&1
    "$MKIMAGE" ls -lR "$img" >"$tmp/ls.out" 2>&1
    tl ls "$tmp/ls.out" >"$tmp/ls.lst"
    same "xorriso -R -J: ls -lR lists the source (Rock Ridge names, symlink, FIFO)" "$tmp/ls.lst" "$tmp/srcl.names"
    rm -rf "$tmp/out"
    "$MKIMAGE" extract -q "$img" "$tmp/out" 2>"$tmp/ex.err"
    tl tree "$tmp/out" mode,mtime >"$tmp/out.full"
    same "xorriso -R -J: extract gives the source back (data, modes, mtimes, symlink, FIFO)" \
        "$tmp/out.full" "$tmp/srcl.modes"
    tl tree "$tmp/out" >"$tmp/out.lst"
    for p in bsdtar xorriso; do
        extract_peer $p "$img" "$tmp/peer"
        # Peers skip FIFOs or make them; compare without.
        tl tree "$tmp/peer" | grep -v '	p$' >"$tmp/peer.lst"
        grep -v '	p$' "$tmp/out.lst" >"$tmp/out.nofifo"
        same "xorriso -R -J: the same tree as $p extracts" "$tmp/out.nofifo" "$tmp/peer.lst"
    done
    rm -rf "$tmp/out"
    "$MKIMAGE" extract -q --fs joliet "$img" "$tmp/out" 2>"$tmp/ex.err"
    tl tree "$tmp/out" >"$tmp/out.lst"
    extract_peer 7z "$img" "$tmp/peer"
    tl tree "$tmp/peer" >"$tmp/peer.lst"
    same "xorriso -R -J: the Joliet view as 7-Zip extracts it" "$tmp/out.lst" "$tmp/peer.lst"
else
    for i in 1 2 3 4 5; do tap_skip "xorriso image $i" "xorriso not installed"; done
fi

if have genisoimage; then
    img=$tmp/genisoimage.iso
    genisoimage -quiet -R -J -udf -o "$img" "$srcl" 2>/dev/null
    rm -rf "$tmp/out"
    "$MKIMAGE" extract -q --fs rockridge "$img" "$tmp/out" 2>"$tmp/ex.err"
    tl tree "$tmp/out" mode,mtime >"$tmp/out.full"
    same "genisoimage -R -J -udf: the Rock Ridge view gives the source back" "$tmp/out.full" "$tmp/srcl.modes"
    # Default view: UDF, where genisoimage writes the symlink as an empty
    # file and no FIFO.
    rm -rf "$tmp/out"
    "$MKIMAGE" extract -q "$img" "$tmp/out" 2>"$tmp/ex.err"
    tl tree "$tmp/out" >"$tmp/out.lst"
    grep -v -e '^/link	' -e '^/fifo	' "$tmp/out.lst" >"$tmp/out.core"
    same "genisoimage -R -J -udf: the UDF view holds the source's files" "$tmp/out.core" "$tmp/src.lst"
    extract_peer 7zudf "$img" "$tmp/peer"
    tl tree "$tmp/peer" >"$tmp/peer.lst"
    same "genisoimage -R -J -udf: the UDF view as 7-Zip extracts it" "$tmp/out.lst" "$tmp/peer.lst"
else
    for i in 1 2 3; do tap_skip "genisoimage image $i" "genisoimage not installed"; done
fi

# ---- sparse output, and the read/write path ------------------------------------
img=$tmp/bridge.iso
rm -rf "$tmp/out"
"$MKIMAGE" extract -q "$img" "$tmp/out" /sparse
blocks=$(stat -c %b "$tmp/out/sparse")
if [ "$blocks" -lt 1024 ]; then
    tap_ok "the 3 MiB hole of /sparse stays a hole ($blocks blocks of 512)"
else
    tap_fail "the 3 MiB hole of /sparse stays a hole" "$blocks blocks of 512 allocated"
fi
rm -rf "$tmp/out"
FSI_NO_COPY_FILE_RANGE=1 "$MKIMAGE" extract -q "$img" "$tmp/out" 2>"$tmp/ex.err"
tl tree "$tmp/out" mode,mtime >"$tmp/out.full"
same "read/write copy (no copy_file_range): the source back" "$tmp/out.full" "$tmp/src.modes"
blocks=$(stat -c %b "$tmp/out/sparse")
if [ "$blocks" -lt 1024 ]; then
    tap_ok "read/write copy: zero blocks become holes ($blocks blocks of 512)"
else
    tap_fail "read/write copy: zero blocks become holes" "$blocks blocks of 512 allocated"
fi
# A non-sparse copy of the image: the zeros are found in the data (not in
# the image file's holes), still become holes, and the result is still the
# source.
cat "$img" >"$tmp/dense.iso"
rm -rf "$tmp/out"
"$MKIMAGE" extract -q "$tmp/dense.iso" "$tmp/out"
tl tree "$tmp/out" mode,mtime >"$tmp/out.full"
same "a dense image file: the source back" "$tmp/out.full" "$tmp/src.modes"
blocks=$(stat -c %b "$tmp/out/sparse")
if [ "$blocks" -lt 1024 ]; then
    tap_ok "a dense image file: the 3 MiB of zeros become a hole ($blocks blocks of 512)"
else
    tap_fail "a dense image file: the 3 MiB of zeros become a hole" "$blocks blocks of 512 allocated"
fi

# ---- PATH arguments -------------------------------------------------------------
rm -rf "$tmp/out"
"$MKIMAGE" extract -q "$img" "$tmp/out" /deep/a/b /sub/f2049 2>"$tmp/ex.err"
(cd "$tmp/out" && find . | LC_ALL=C sort) >"$tmp/paths"
printf '%s\n' . ./deep ./deep/a ./deep/a/b ./deep/a/b/c ./deep/a/b/c/d ./deep/a/b/c/d/e \
    ./deep/a/b/c/d/e/leaf.txt ./sub ./sub/f2049 >"$tmp/paths.want"
same "PATHs: only those subtrees and files, below their image paths" "$tmp/paths" "$tmp/paths.want"
"$MKIMAGE" extract -q "$img" "$tmp/out2" /nope >/dev/null 2>"$tmp/ex.err"
rc=$?
if [ $rc -eq 1 ] && grep -q 'IMAPI_E_ITEM_NOT_FOUND (0xC0AAB118).*/nope' "$tmp/ex.err"; then
    tap_ok "a missing PATH: IMAPI_E_ITEM_NOT_FOUND, exit 1"
else
    tap_fail "a missing PATH: IMAPI_E_ITEM_NOT_FOUND, exit 1" "rc=$rc $(cat "$tmp/ex.err")"
fi
"$MKIMAGE" extract -q "$img" "$tmp/no/such/dir" >/dev/null 2>"$tmp/ex.err"
rc=$?
if [ $rc -eq 1 ] && [ ! -e "$tmp/no" ] && grep -q "E_FAIL (0x80004005).*no/such/dir" "$tmp/ex.err"; then
    tap_ok "DIR whose parent is missing: E_FAIL naming it, exit 1, nothing made"
else
    tap_fail "DIR whose parent is missing" "rc=$rc $(cat "$tmp/ex.err")"
fi
"$MKIMAGE" extract "$img" >/dev/null 2>&1
rc=$?
if [ $rc -eq 2 ]; then tap_ok "no DIR: usage error, exit 2"; else tap_fail "no DIR: usage error, exit 2" "rc=$rc"; fi

# ---- existing files ---------------------------------------------------------------
rm -rf "$tmp/out"
mkdir -p "$tmp/out/sub"
echo mine >"$tmp/out/sp ace"
echo keep >"$tmp/out/sub/other"
"$MKIMAGE" extract -q "$img" "$tmp/out" >/dev/null 2>"$tmp/ex.err"
rc=$?
if [ $rc -eq 1 ] && [ "$(cat "$tmp/out/sp ace")" = mine ] && grep -q "'/sp ace': it exists already" "$tmp/ex.err" &&
    [ "$(cat "$tmp/out/sub/other")" = keep ] && cmp -s "$tmp/out/sub/f2049" "$src/sub/f2049"; then
    tap_ok "an existing file is kept and named (exit 1); directories merge"
else
    tap_fail "an existing file is kept and named (exit 1); directories merge" "rc=$rc $(cat "$tmp/ex.err")"
fi
echo outside >"$tmp/victim"
rm -f "$tmp/out/empty"
ln -s "$tmp/victim" "$tmp/out/empty"
"$MKIMAGE" extract -q --overwrite "$img" "$tmp/out" >/dev/null 2>"$tmp/ex.err"
rc=$?
if [ $rc -eq 0 ] && [ "$(cat "$tmp/victim")" = outside ] && [ ! -L "$tmp/out/empty" ] &&
    [ -f "$tmp/out/empty" ] && [ ! -s "$tmp/out/empty" ] && cmp -s "$tmp/out/sp ace" "$src/sp ace" &&
    [ -z "$(find "$tmp/out" -name '.mkimage-*')" ]; then
    tap_ok "--overwrite replaces files, and a symlink in the way without writing through it"
else
    tap_fail "--overwrite replaces files, and a symlink in the way" "rc=$rc $(cat "$tmp/ex.err"; cat "$tmp/victim")"
fi
tl tree "$tmp/out" mode,mtime | grep -v '^/sub/other' >"$tmp/out.full"
same "--overwrite: the result is the source" "$tmp/out.full" "$tmp/src.modes"

# ---- hostile images ------------------------------------------------------------------
# patch.py IMG OLD NEW: replace the Rock Ridge NM name OLD (same length) by
# NEW in every directory record of IMG.
cat >"$tmp/patch.py" <<'EOF'
import sys
img, old, new = sys.argv[1], sys.argv[2].encode(), sys.argv[3].encode()
assert len(old) == len(new)
data = bytearray(open(img, "rb").read())
pat = b"NM" + bytes([5 + len(old), 1, 0]) + old
n = data.count(pat)
assert n >= 1, "NM %r not found" % old
data = data.replace(pat, b"NM" + bytes([5 + len(new), 1, 0]) + new)
open(img, "wb").write(bytes(data))
EOF

if have xorriso; then
    h=$tmp/h
    mkdir -p "$h/tree/bbbb" "$h/outside"
    echo dotdot >"$h/tree/zz"
    echo escape >"$h/tree/abcdefghi"
    echo through >"$h/tree/bbbb/x"
    echo fine >"$h/tree/good"
    ln -s "$h/outside" "$h/tree/aaaa"
    xorriso -as mkisofs -R -o "$h/evil.iso" "$h/tree" >/dev/null 2>&1
    "$PY" "$tmp/patch.py" "$h/evil.iso" zz .. &&
        "$PY" "$tmp/patch.py" "$h/evil.iso" abcdefghi a/../../x &&
        "$PY" "$tmp/patch.py" "$h/evil.iso" bbbb aaaa
    tap_check "the crafted image lists '..', 'a/../../x' and two 'aaaa' entries" \
        sh -c "'$MKIMAGE' ls -R '$h/evil.iso' | grep -c -e '^/\\.\\.\$' -e '^/a/\\.\\./\\.\\./x\$' -e '^/aaaa\$' | grep -qx 4"
    mkdir "$h/box"
    "$MKIMAGE" extract -q "$h/evil.iso" "$h/box/out" >"$tmp/ex.out" 2>"$tmp/ex.err"
    rc=$?
    if [ $rc -eq 1 ]; then tap_ok "hostile image: exit 1"; else tap_fail "hostile image: exit 1" "rc=$rc"; fi
    leaked=$(find "$h" -path "$h/tree" -prune -o -path "$h/box/out" -prune -o -print |
        grep -v -e "^$h\$" -e "^$h/evil.iso\$" -e "^$h/box\$" -e "^$h/outside\$")
    if [ -z "$leaked" ] && [ -z "$(ls -A "$h/outside")" ] && [ ! -e "$tmp/x" ] && [ ! -e "$h/x" ]; then
        tap_ok "hostile image: nothing written outside DIR"
    else
        tap_fail "hostile image: nothing written outside DIR" "$leaked $(ls -A "$h/outside")"
    fi
    if grep -q "IMAPI_E_INVALID_PATH (0xC0AAB110): '/\\.\\.': not extracted" "$tmp/ex.err" &&
        grep -q "IMAPI_E_INVALID_PATH (0xC0AAB110): '/a/\\.\\./\\.\\./x': not extracted" "$tmp/ex.err"; then
        tap_ok "hostile image: '..' and 'a/../../x' refused, each named"
    else
        tap_fail "hostile image: '..' and 'a/../../x' refused, each named" "$(cat "$tmp/ex.err")"
    fi
    if grep -q "IMAPI_E_INVALID_PATH (0xC0AAB110): '/aaaa.*symbolic link" "$tmp/ex.err" &&
        [ -L "$h/box/out/aaaa" ] && [ "$(readlink "$h/box/out/aaaa")" = "$h/outside" ]; then
        tap_ok "hostile image: the symlink is made, nothing goes through it, the refusal is named"
    else
        tap_fail "hostile image: the symlink is made, nothing goes through it" "$(cat "$tmp/ex.err")"
    fi
    if [ "$(cat "$h/box/out/good" 2>/dev/null)" = fine ]; then
        tap_ok "hostile image: the rest is extracted"
    else
        tap_fail "hostile image: the rest is extracted" "$(ls -la "$h/box/out")"
    fi
    # A symlink already in DIR (made by an earlier extraction) with the
    # directory's name: its file is refused, never written through.
    rm -rf "$h/box/out2"
    mkdir -p "$h/box/out2"
    ln -s "$h/outside" "$h/box/out2/bbbb"
    xorriso -as mkisofs -R -o "$h/plain.iso" "$h/tree" >/dev/null 2>&1
    "$MKIMAGE" extract -q "$h/plain.iso" "$h/box/out2" >/dev/null 2>"$tmp/ex.err"
    rc=$?
    if [ $rc -eq 1 ] && [ -z "$(ls -A "$h/outside")" ] &&
        grep -q "'/bbbb.*symbolic link" "$tmp/ex.err"; then
        tap_ok "a symlink in DIR in the way of a directory is not followed"
    else
        tap_fail "a symlink in DIR in the way of a directory is not followed" "rc=$rc $(cat "$tmp/ex.err")"
    fi
else
    for i in 1 2 3 4 5 6 7; do tap_skip "hostile image $i" "xorriso not installed"; done
fi

tap_done
