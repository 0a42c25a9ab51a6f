#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# tests/integration/read_iso.sh - the ISO9660, Rock Ridge and Joliet
# readers on images made by `mkimage create`, xorriso (-as mkisofs -R -J
# and native mode at ISO levels 1-3) and genisoimage -R -J.  tests/fsi-walk
# lists a view (path, type, size, SHA-256 of the data read back, mode,
# owner, mtime, link target), compared with the source tree:
#  - rockridge: every entry exact: names, types (symlinks, FIFOs), sizes,
#    data, permission bits, owner, mtime, link targets; a relocated deep
#    directory (CL/RE) shows at its original path, plus the rr_moved
#    directory the writer adds;
#  - joliet: files and directories exact (names, sizes, data, mtimes);
#    writers leave out or flatten symlinks and FIFOs;
#  - iso9660: names are translated, so the multiset of (size, SHA-256,
#    mtime) of the non-empty files and the count of directories.
# Then a few damaged images must fail with the consistency error.
# Prints TAP.  FSI_TEST_SKIP_BIG=1 skips the 5 GiB multi-extent case.

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/integration/lib.sh
. "$here/lib.sh"

top_builddir=${top_builddir:-$(pwd)}
MKIMAGE=${MKIMAGE:-$top_builddir/mkimage}
WALK=${WALK:-$top_builddir/tests/fsi-walk}
PY=/usr/bin/python3
LC_ALL=C.UTF-8
export LC_ALL

tmp=$(mktemp -d "${TMPDIR:-/tmp}/fsi-rdiso.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' HUP INT TERM

have() { command -v "$1" >/dev/null 2>&1; }

# cmp.py VIEW SRCDIR LISTING [--rr-moved]: compare a fsi-walk listing with
# the source tree as described above; prints the differences.
cat >"$tmp/cmp.py" <<'EOF'
import hashlib, os, stat, sys
from collections import Counter

view, src, listing = sys.argv[1:4]
rr_moved = "--rr-moved" in sys.argv

def sha(p):
    h = hashlib.sha256()
    with open(p, "rb") as f:
        while True:
            b = f.read(1 << 20)
            if not b:
                break
            h.update(b)
    return h.hexdigest()

exp = {}
for dp, dns, fns in os.walk(src):
    for n in dns + fns:
        p = os.path.join(dp, n)
        rel = "/" + os.path.relpath(p, src)
        st = os.lstat(p)
        m = st.st_mode
        if stat.S_ISDIR(m):
            e = dict(type="d", size=None, sha="-")
        elif stat.S_ISREG(m):
            e = dict(type="f", size=str(st.st_size), sha=sha(p))
        elif stat.S_ISLNK(m):
            t = os.readlink(p)
            e = dict(type="l", size=str(len(t.encode())), sha="-", target=t)
        elif stat.S_ISFIFO(m):
            e = dict(type="p", size="0", sha="-")
        else:
            continue
        e.update(mode="%04o" % (m & 0o7777), owner="%d:%d" % (st.st_uid, st.st_gid),
                 mtime=str(int(st.st_mtime)))
        exp[rel] = e

got = {}
with open(listing, "rb") as f:
    for raw in f:
        c = raw.decode("utf-8", "surrogateescape").rstrip("\n").split("\t")
        got[c[0]] = dict(type=c[1], size=c[2], sha=c[3], mode=c[4], owner=c[5], mtime=c[6],
                         target=c[8])

errs = []
if view == "iso9660":
    def summary(d, plain):
        files = Counter((e["size"], e["sha"], e["mtime"]) for e in d.values()
                        if e["type"] == "f" and e["size"] != "0")
        dirs = sum(1 for e in d.values() if e["type"] == "d")
        return files, dirs
    ef, ed = summary(exp, True)
    gf, gd = summary(got, False)
    if rr_moved:
        gd -= 1
    if ef != gf:
        errs.append("files differ: missing %s, extra %s" % (dict(ef - gf), dict(gf - ef)))
    if ed != gd:
        errs.append("%d directories, want %d" % (gd, ed))
else:
    keys = ["type", "size", "sha", "mtime"]
    if view == "rockridge":
        keys += ["mode", "owner", "target"]
    for p, e in sorted(exp.items()):
        if view == "joliet" and e["type"] not in "df":
            continue
        g = got.get(p)
        if g is None:
            errs.append("missing: " + p)
            continue
        for k in keys:
            want = e.get(k, "-")
            if k == "size" and want is None:
                continue
            if g[k] != want:
                errs.append("%s: %s is %r, want %r" % (p, k, g[k], want))
    for p, g in sorted(got.items()):
        if p in exp:
            continue
        if rr_moved and p.lstrip("/").lower().lstrip(".") == "rr_moved" and g["type"] == "d":
            continue
        errs.append("extra: " + p)
    if view == "joliet":
        errs = [x for x in errs if not (x.startswith("extra: ") and x[7:] in exp)]
for e in errs[:20]:
    print(e)
sys.exit(1 if errs else 0)
EOF

# check DESC IMAGE VIEW SRC [cmp options]: walk one view and compare.
check() {
    _d=$1 _img=$2 _view=$3 _src=$4
    shift 4
    if ! "$WALK" "$_img" "$_view" >"$tmp/walk.out" 2>"$tmp/walk.err"; then
        tap_fail "$_d: $_view view" "$(cat "$tmp/walk.err")"
        return
    fi
    if _out=$($PY "$tmp/cmp.py" "$_view" "$_src" "$tmp/walk.out" "$@" 2>&1); then
        tap_ok "$_d: $_view view"
    else
        tap_fail "$_d: $_view view" "$_out"
    fi
}

# ---- the source trees --------------------------------------------------------
# plain: what every writer keeps (files, directories; 8.3-safe enough for
# level 1 once translated).  rich: names, modes, times, links, a FIFO.
plain=$tmp/plain
mkdir -p "$plain/docs/sub" "$plain/empty"
printf 'hello\n' >"$plain/a.txt"
head -c 70000 /dev/urandom >"$plain/docs/blob.bin"
printf 'x' >"$plain/docs/sub/one"
head -c 4096 /dev/urandom >"$plain/docs/b4096.dat"
touch -d '1999-12-31 23:59:58' "$plain/a.txt"
touch -d '2038-01-19 03:14:09' "$plain/docs/b4096.dat"

rich=$tmp/rich
cp -a "$plain" "$rich"
printf 'long\n' >"$rich/A Long Name with Spaces and Ümlauts – 中文.txt"
printf 'case\n' >"$rich/MixedCase.Ext"
printf 'noext\n' >"$rich/noextension"
printf 'dots\n' >"$rich/many.dots.in.name.tar.gz"
ln -s ../a.txt "$rich/docs/rel-link"
ln -s /usr/share/doc "$rich/abs-link"
# richx: rich and a link of 450 bytes, SL entries continued over a CE.
# Short components: xorriso 1.5.4 aborts on one over 255 bytes.
# genisoimage 1.1.11 writes broken SL entries for long targets.
c40=$(printf 'x%.0s' $(seq 1 40))
ln -s "/$c40/$c40/./$c40/../$c40/$c40/$c40/$c40/$c40/$c40/$c40/end" "$tmp/long-link"
ln -s . "$rich/dot-link"
mkfifo "$rich/fifo"
printf 'secret\n' >"$rich/docs/private"
chmod 0600 "$rich/docs/private"
chmod 0750 "$rich/docs/sub"
printf '#!/bin/sh\n' >"$rich/run.sh"
chmod 0755 "$rich/run.sh"
i=0
while [ $i -lt 300 ]; do              # a directory of several blocks
    printf '%s\n' "$i" >"$rich/docs/sub/file-with-a-longish-name-$i.txt"
    i=$((i + 1))
done
# Directory times last: creating entries changes them.
touch -d '2001-02-03 04:05:06' "$rich/docs/sub" "$plain/docs/sub"
richx=$tmp/richx
cp -a "$rich" "$richx"
mv "$tmp/long-link" "$richx/"
touch -r "$rich" "$richx"

deep=$tmp/deep
mkdir -p "$deep/1/2/3/4/5/6/7/8/9/10"
printf 'deep\n' >"$deep/1/2/3/4/5/6/7/8/9/10/leaf.txt"

plan=30
tap_plan $plan

# ---- mkimage -------------------------------------------------------------------
for lvl in 1 2 3; do
    img=$tmp/mk$lvl.iso
    if "$MKIMAGE" create --quiet --fs iso9660,joliet --iso-level $lvl -o "$img" "$plain" \
        >"$tmp/mk.err" 2>&1; then
        check "mkimage level $lvl" "$img" iso9660 "$plain"
        check "mkimage level $lvl" "$img" joliet "$plain"
    else
        tap_fail "mkimage level $lvl: iso9660 view" "$(cat "$tmp/mk.err")"
        tap_fail "mkimage level $lvl: joliet view"
    fi
done
# Without Rock Ridge the rockridge view is the plain one.
if "$MKIMAGE" create --quiet --no-rock --fs iso9660,joliet -o "$tmp/norock.iso" "$plain" &&
    "$WALK" "$tmp/norock.iso" rockridge >"$tmp/a" 2>&1 &&
    "$WALK" "$tmp/norock.iso" iso9660 >"$tmp/b" 2>&1 && cmp -s "$tmp/a" "$tmp/b"; then
    tap_ok "mkimage: rockridge view of an image without Rock Ridge is the plain view"
else
    tap_fail "mkimage: rockridge view of an image without Rock Ridge is the plain view" \
        "$(diff "$tmp/a" "$tmp/b" | head -20)"
fi

# ---- xorriso ---------------------------------------------------------------------
if have xorriso; then
    img=$tmp/xorriso.iso
    if xorriso -as mkisofs -R -J -o "$img" "$richx" >"$tmp/x.err" 2>&1; then
        for v in rockridge joliet iso9660; do check "xorriso -R -J" "$img" $v "$richx"; done
    else
        for v in rockridge joliet iso9660; do tap_fail "xorriso -R -J: $v view" "$(cat "$tmp/x.err")"; done
    fi
    for lvl in 1 2 3; do
        img=$tmp/xl$lvl.iso
        if xorriso -compliance iso_9660_level=$lvl -joliet on -outdev "$img" -map "$rich" / \
            >"$tmp/x.err" 2>&1; then
            for v in rockridge joliet iso9660; do check "xorriso level $lvl" "$img" $v "$rich"; done
        else
            for v in rockridge joliet iso9660; do
                tap_fail "xorriso level $lvl: $v view" "$(cat "$tmp/x.err")"
            done
        fi
    done
else
    i=0
    while [ $i -lt 12 ]; do tap_skip "xorriso" "xorriso not installed"; i=$((i + 1)); done
fi

# ---- genisoimage -----------------------------------------------------------------
if have genisoimage; then
    img=$tmp/geniso.iso
    if genisoimage -quiet -R -J -o "$img" "$rich" >"$tmp/g.err" 2>&1; then
        for v in rockridge joliet iso9660; do check "genisoimage -R -J" "$img" $v "$rich"; done
    else
        for v in rockridge joliet iso9660; do
            tap_fail "genisoimage -R -J: $v view" "$(cat "$tmp/g.err")"
        done
    fi
    # Deeper than 8 levels: the directory is relocated (RE, CL, PL).
    img=$tmp/deep.iso
    if genisoimage -quiet -R -o "$img" "$deep" >"$tmp/g.err" 2>&1; then
        check "genisoimage deep relocation" "$img" rockridge "$deep" --rr-moved
    else
        tap_fail "genisoimage deep relocation: rockridge view" "$(cat "$tmp/g.err")"
    fi
else
    i=0
    while [ $i -lt 4 ]; do tap_skip "genisoimage" "genisoimage not installed"; i=$((i + 1)); done
fi

# ---- a multi-extent file: 5 GiB, sparse ------------------------------------------
big=$tmp/big
mkdir -p "$big"
truncate -s 5G "$big/big.bin"
printf 'head' | dd of="$big/big.bin" conv=notrunc status=none
printf 'tail' | dd of="$big/big.bin" bs=1 seek=$((5 * 1024 * 1024 * 1024 - 4)) conv=notrunc \
    status=none
printf 'small\n' >"$big/small.txt"
if [ "${FSI_TEST_SKIP_BIG:-0}" = 1 ]; then
    tap_skip "mkimage 5 GiB file at level 3" "FSI_TEST_SKIP_BIG=1"
elif "$MKIMAGE" create --quiet --fs iso9660,joliet --iso-level 3 -o "$tmp/big.iso" "$big" \
    >"$tmp/mk.err" 2>&1; then
    # One view: reading 5 GiB back costs more than writing it (holes).
    check "mkimage 5 GiB file at level 3" "$tmp/big.iso" joliet "$big"
else
    tap_fail "mkimage 5 GiB file at level 3: joliet view" "$(cat "$tmp/mk.err")"
fi
rm -f "$tmp/big.iso"
# xorriso writes every byte of it (5 GiB of disk for a while): only when asked.
if [ "${FSI_TEST_XORRISO_BIG:-0}" = 1 ] && have xorriso; then
    if xorriso -as mkisofs -R -J -iso-level 3 -o "$tmp/bigx.iso" "$big" >"$tmp/x.err" 2>&1; then
        check "xorriso 5 GiB file at level 3" "$tmp/bigx.iso" rockridge "$big"
    else
        tap_fail "xorriso 5 GiB file at level 3: rockridge view" "$(cat "$tmp/x.err")"
    fi
    rm -f "$tmp/bigx.iso"
else
    tap_skip "xorriso 5 GiB file at level 3" "set FSI_TEST_XORRISO_BIG=1 (writes 5 GiB)"
fi
rm -rf "$big"

# ---- damaged images ----------------------------------------------------------------
# damage IMG OUT PYEXPR: copy IMG with the change PYEXPR makes to bytearray b.
damage() {
    $PY - "$1" "$2" "$3" <<'EOF'
import sys, struct
src, out, expr = sys.argv[1:4]
b = bytearray(open(src, "rb").read())
pvd = 16 * 2048
root = struct.unpack_from("<I", b, pvd + 156 + 2)[0]
exec(expr)
open(out, "wb").write(b)
EOF
}
# fails DESC IMG VIEW: fsi-walk must fail with the consistency error.
fails() {
    if "$WALK" "$2" "$3" >/dev/null 2>"$tmp/f.err"; then
        tap_fail "$1" "fsi-walk succeeded"
    elif grep -q IMAPI_E_FILE_SYSTEM_READ_CONSISTENCY_ERROR "$tmp/f.err"; then
        tap_ok "$1"
    else
        tap_fail "$1" "$(cat "$tmp/f.err")"
    fi
}
if [ -f "$tmp/xorriso.iso" ]; then
    base=$tmp/xorriso.iso
    # The third record of the root (after "." and ".."): its identifier
    # longer than the record; then the last record past its block.
    damage "$base" "$tmp/d1.iso" '
o = root * 2048; o += b[o]; o += b[o]
b[o + 32] = 250'
    fails "damaged: identifier longer than its record" "$tmp/d1.iso" rockridge
    damage "$base" "$tmp/d5.iso" '
o = root * 2048
while b[o]: o += b[o]
b[o] = 255'
    fails "damaged: a record past its block or without identifier" "$tmp/d5.iso" iso9660
    damage "$base" "$tmp/d2.iso" '
o = root * 2048; o += b[o]; o += b[o]
b[o + 6] ^= 0xFF'
    fails "damaged: extent location differs between byte orders" "$tmp/d2.iso" iso9660
    damage "$base" "$tmp/d3.iso" 'struct.pack_into("<I", b, pvd + 156 + 2, 0x7FFFFF00); struct.pack_into(">I", b, pvd + 156 + 6, 0x7FFFFF00)'
    fails "damaged: root directory past the end of the image" "$tmp/d3.iso" iso9660
    damage "$base" "$tmp/d4.iso" 'struct.pack_into("<H", b, pvd + 128, 512); struct.pack_into(">H", b, pvd + 130, 512)'
    if "$WALK" "$tmp/d4.iso" iso9660 2>&1 | grep -q IMAPI_E_FILE_SYSTEM_FEATURE_NOT_SUPPORTED; then
        tap_ok "damaged: a 512-byte logical block is not supported"
    else
        tap_fail "damaged: a 512-byte logical block is not supported"
    fi
else
    i=0
    while [ $i -lt 5 ]; do tap_skip "damaged images" "no xorriso image"; i=$((i + 1)); done
fi

tap_done
