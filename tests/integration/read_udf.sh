#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# tests/integration/read_udf.sh - the UDF reader (lib/read_udf.c) on images
# made by every UDF writer at hand, listed with `tests/fsi-walk IMG udf`
# and compared with the source tree:
#  - `mkimage create --fs udf --udf-revision R` for 1.02 1.50 2.00 2.01
#    2.50 2.60 (2.50+ with a metadata partition) and the default ISO9660 +
#    Joliet + UDF bridge: names, types, sizes, SHA-256, modes, owners and
#    modification times;
#  - genisoimage -udf -J -R (UDF 1.02): names, sizes, SHA-256, mtimes;
#  - pycdlib (UDF 2.60 with a type 1 partition, written by the small script
#    below): names, sizes, SHA-256 and symbolic link targets (pycdlib 1.12
#    records its own, wrong, times);
#  - mkudffs 2.01 empty volumes filled by udfclient -W: names, sizes,
#    SHA-256 (udfclient records UTF-8 names as 8-bit CS0, so ASCII names).
# A broken image must fail cleanly: a bad File Entry CRC gives
# IMAPI_E_FILE_SYSTEM_READ_CONSISTENCY_ERROR naming the File Entry.
# Prints TAP.
#
# Environment: MKIMAGE (default ./mkimage), top_builddir (for
# tests/fsi-walk).

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/integration/lib.sh
. "$here/lib.sh"

top_builddir=${top_builddir:-$(pwd)}
MKIMAGE=${MKIMAGE:-$top_builddir/mkimage}
WALK=$top_builddir/tests/fsi-walk
PY=/usr/bin/python3
LC_ALL=C.UTF-8
export LC_ALL
unset SOURCE_DATE_EPOCH

tmp=$(mktemp -d "${TMPDIR:-/tmp}/fsi-rudf.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' HUP INT TERM

have() { command -v "$1" >/dev/null 2>&1; }

tap_plan 12

# ---- cmp.py: a source tree against an fsi-walk listing ------------------
# usage: cmp.py SRCDIR LISTING FIELDS    FIELDS: comma separated of
# size,sha,mode,owner,mtime,target (names and types are always compared).
cat >"$tmp/cmp.py" <<'EOF'
import hashlib, os, stat, sys

src, listing, fields = sys.argv[1], sys.argv[2], set(sys.argv[3].split(","))

def sha(p):
    h = hashlib.sha256()
    with open(p, "rb") as f:
        for b in iter(lambda: f.read(1 << 20), b""):
            h.update(b)
    return h.hexdigest()

want = {}
for dp, dns, fns in os.walk(src):
    for n in dns + fns:
        p = os.path.join(dp, n)
        rel = "/" + os.path.relpath(p, src)
        st = os.lstat(p)
        e = {"mode": "%04o" % stat.S_IMODE(st.st_mode), "owner": "%d:%d" % (st.st_uid, st.st_gid),
             "mtime": str(int(st.st_mtime)), "target": "-", "sha": "-"}
        if stat.S_ISLNK(st.st_mode):
            t = os.readlink(p)
            e.update(type="l", size=str(len(t.encode())), target=t)
        elif stat.S_ISDIR(st.st_mode):
            e.update(type="d", size=None)
        else:
            e.update(type="f", size=str(st.st_size), sha=sha(p))
        want[rel] = e

got = {}
with open(listing, encoding="utf-8", errors="surrogateescape") as f:
    for line in f:
        c = line.rstrip("\n").split("\t")
        if len(c) != 9:
            print("bad line:", line.rstrip()); sys.exit(1)
        got[c[0]] = dict(type=c[1], size=c[2], sha=c[3], mode=c[4], owner=c[5], mtime=c[6],
                         target=c[8])

bad = 0
for p in sorted(set(want) | set(got)):
    if p not in got:
        print("missing:", p); bad += 1; continue
    if p not in want:
        print("extra:", p); bad += 1; continue
    w, g = want[p], got[p]
    keys = ["type"] + [k for k in ("size", "sha", "mode", "owner", "mtime", "target") if k in fields]
    for k in keys:
        if k == "size" and w["type"] == "d":
            continue
        if w[k] != g[k]:
            print("%s: %s is %r, want %r" % (p, k, g[k], w[k])); bad += 1
print("%d entries, %d differences" % (len(want), bad))
sys.exit(1 if bad else 0)
EOF

# ---- pyudf.py: a UDF 2.60 image (type 1 partition) made with pycdlib ----
cat >"$tmp/pyudf.py" <<'EOF'
import os, sys
import pycdlib
out, src = sys.argv[1], sys.argv[2]
iso = pycdlib.PyCdlib()
iso.new(interchange_level=3, udf="2.60")
n = [0]
def isoname(d):
    n[0] += 1
    return ("D%06d" % n[0]) if d else ("F%06d.;1" % n[0])
def walk(real, isodir, udfdir):
    for name in sorted(os.listdir(real)):
        p = os.path.join(real, name)
        u = udfdir.rstrip("/") + "/" + name
        i = isodir.rstrip("/") + "/" + isoname(os.path.isdir(p) and not os.path.islink(p))
        if os.path.islink(p):
            iso.add_symlink(udf_symlink_path=u, udf_target=os.readlink(p))
        elif os.path.isdir(p):
            iso.add_directory(i, udf_path=u)
            walk(p, i, u)
        else:
            iso.add_file(p, i, udf_path=u)
walk(src, "/", "/")
iso.write(out)
iso.close()
EOF

# ---- source trees --------------------------------------------------------
mkfile() { # PATH BYTES
    head -c "$2" /dev/urandom >"$1"
}
S=$tmp/src
mkdir -p "$S/docs/deep/er/still" "$S/empty" "$S/Ünïcödé dir" "$S/sticky"
mkfile "$S/zero" 0
mkfile "$S/one" 1
mkfile "$S/b2047" 2047
mkfile "$S/b2048" 2048
mkfile "$S/b2049" 2049
mkfile "$S/docs/big.bin" 3000000
mkfile "$S/docs/deep/er/still/leaf.txt" 10
mkfile "$S/Ünïcödé dir/日本語 ファイル.txt" 100
mkfile "$S/Ünïcödé dir/Ωmega €.bin" 5000   # BMP only: mkimage writes 16-bit CS0 (UCS-2)
mkfile "$S/with space.txt" 17
i=0
while [ $i -lt 300 ]; do
    mkfile "$S/docs/file-with-a-rather-long-name-number-$i.dat" $((i * 13))
    i=$((i + 1))
done
chmod 0600 "$S/one"
chmod 0755 "$S/b2047"
chmod 4755 "$S/b2048"
chmod 1777 "$S/sticky"
if [ "$(id -u)" = 0 ]; then
    chown 1000:1001 "$S/b2049" "$S/docs/deep"
fi
find "$S" -exec touch -h -d '2021-03-04 05:06:07 UTC' {} +
touch -d '1999-12-31 23:59:58 UTC' "$S/zero" "$S/docs"

# udfclient and genisoimage trees: ASCII names.
A=$tmp/ascii
mkdir -p "$A/dir/sub" "$A/empty"
mkfile "$A/a.txt" 6
mkfile "$A/dir/b.bin" 70000
mkfile "$A/dir/sub/c" 1
mkfile "$A/zero" 0

# pycdlib tree: symbolic links too.
P=$tmp/py
mkdir -p "$P/d/e"
mkfile "$P/d/e/f" 3
mkfile "$P/Ünïcödé 😀.txt" 9
ln -s ../d/e/f "$P/d/rel"
ln -s /etc/passwd "$P/abs"
ln -s d/e "$P/dirlink"

walkcmp() { # DESC IMAGE SRC FIELDS
    if "$WALK" "$2" udf >"$tmp/out" 2>"$tmp/err"; then
        tap_check "$1" $PY "$tmp/cmp.py" "$3" "$tmp/out" "$4"
    else
        tap_fail "$1" "fsi-walk failed: $(cat "$tmp/err")"
    fi
}

# ---- mkimage -------------------------------------------------------------
for r in 1.02 1.50 2.00 2.01 2.50 2.60; do
    if "$MKIMAGE" create -q --fs udf --udf-revision $r -o "$tmp/u.img" "$S" 2>"$tmp/err"; then
        walkcmp "mkimage UDF $r" "$tmp/u.img" "$S" size,sha,mode,owner,mtime
    else
        tap_fail "mkimage UDF $r" "$(cat "$tmp/err")"
    fi
done
if "$MKIMAGE" create -q -o "$tmp/bridge.iso" "$S" 2>"$tmp/err"; then
    walkcmp "mkimage ISO9660+Joliet+UDF bridge" "$tmp/bridge.iso" "$S" size,sha,mode,owner,mtime
else
    tap_fail "mkimage ISO9660+Joliet+UDF bridge" "$(cat "$tmp/err")"
fi

# ---- genisoimage ---------------------------------------------------------
if have genisoimage; then
    if genisoimage -quiet -input-charset utf-8 -udf -J -R -o "$tmp/g.iso" "$A" 2>"$tmp/err"; then
        walkcmp "genisoimage -udf -J -R" "$tmp/g.iso" "$A" size,sha,mtime
    else
        tap_fail "genisoimage -udf -J -R" "$(cat "$tmp/err")"
    fi
else
    tap_skip "genisoimage -udf -J -R" "genisoimage not installed"
fi

# ---- pycdlib -------------------------------------------------------------
if $PY -c 'import pycdlib' 2>/dev/null; then
    if $PY "$tmp/pyudf.py" "$tmp/p.iso" "$P" 2>"$tmp/err"; then
        walkcmp "pycdlib UDF 2.60 with symbolic links" "$tmp/p.iso" "$P" size,sha,target
    else
        tap_fail "pycdlib UDF 2.60 with symbolic links" "$(cat "$tmp/err")"
    fi
else
    tap_skip "pycdlib UDF 2.60 with symbolic links" "python3-pycdlib not installed"
fi

# ---- mkudffs (+ udfclient) -----------------------------------------------
if have mkudffs; then
    rm -f "$tmp/empty.udf"
    truncate -s 20M "$tmp/empty.udf"
    if mkudffs --media-type=hd --udfrev=0x0201 -b 2048 --label=EMPTY "$tmp/empty.udf" \
        >/dev/null 2>"$tmp/err"; then
        mkdir "$tmp/nothing"
        walkcmp "mkudffs 2.01 empty volume" "$tmp/empty.udf" "$tmp/nothing" size
    else
        tap_fail "mkudffs 2.01 empty volume" "$(cat "$tmp/err")"
    fi
else
    tap_skip "mkudffs 2.01 empty volume" "udftools not installed"
fi
if have mkudffs && have udfclient; then
    img=$tmp/m.udf
    truncate -s 100M "$img"
    mkudffs --media-type=hd --udfrev=0x0201 -b 2048 --label=MKUDF "$img" >/dev/null 2>&1
    vol=$(printf 'ls\nquit\n' | udfclient -b 2048 "$img" 2>/dev/null |
        sed -nE '/^d/{s/^d[^ ]+ +[^ ]+ +[^ ]+ +[^ ]+ +//p;q}')
    (cd "$A" && { printf 'cd "%s"\n' "$vol"; for f in *; do printf 'mput "%s"\n' "$f"; done
        printf 'sync\nquit\n'; } | timeout 300 udfclient -W -b 2048 "$img") >"$tmp/uc.log" 2>&1
    walkcmp "mkudffs 2.01 + udfclient" "$img" "$A" size,sha
else
    tap_skip "mkudffs 2.01 + udfclient" "udftools or udfclient not installed"
fi

# ---- a broken image fails cleanly -----------------------------------------
# The File Entry of /a.txt: a byte of its size changed, the CRC left alone.
"$MKIMAGE" create -q --fs udf --udf-revision 2.01 -o "$tmp/bad.img" "$A" 2>/dev/null
blk=$($PY - "$tmp/bad.img" <<'EOF'
import struct, sys
d = open(sys.argv[1], "rb").read()
for b in range(257, len(d) // 2048):
    o = b * 2048
    tag, = struct.unpack_from("<H", d, o)
    if tag in (261, 266) and d[o + 27] == 5:
        print(b); break
EOF
)
if [ -n "$blk" ]; then
    printf '\377' | dd of="$tmp/bad.img" bs=1 seek=$((blk * 2048 + 57)) conv=notrunc 2>/dev/null
    if "$WALK" "$tmp/bad.img" udf >/dev/null 2>"$tmp/err"; then
        tap_fail "broken File Entry: consistency error" "fsi-walk succeeded"
    elif grep -q "IMAPI_E_FILE_SYSTEM_READ_CONSISTENCY_ERROR.*File Entry at block $blk" "$tmp/err"; then
        tap_ok "broken File Entry: consistency error"
    else
        tap_fail "broken File Entry: consistency error" "$(cat "$tmp/err")"
    fi
else
    tap_fail "broken File Entry: consistency error" "no File Entry found"
fi

tap_done
