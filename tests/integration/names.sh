#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# tests/integration/names.sh - names Linux allows but IMAPI does not.
#
# A host tree whose names hold a tab, a newline, ESC, BEL, DEL, a raw C1
# byte (0x9B, CSI), U+009B in UTF-8, bytes that are not UTF-8 ("caf\xe9",
# "\xff\xfe", a 255-byte name ending in one), and names that become equal
# once translated ("a<TAB>b" and "a_b"; "caf\xe9" and the UTF-8 "caf\xc3\xa9";
# "x\x01", "x\x02" and "x_"), plus a graft whose image path holds a tab and
# 0x9B, goes into one image with ISO9660, Joliet and UDF.  Every file has
# its own content.  Each view is read back by independent readers -
#  - UDF: 7-Zip (7z x -tudf) and pycdlib;
#  - Joliet: 7-Zip (7z x -tiso), xorriso (-read_fs norock) and pycdlib;
#  - ISO9660: xorriso (-read_fs ecma119), isoinfo (-f, -x) and pycdlib -
# and must hold every file exactly once, under the name the translation
# rules give (hard-coded below: names_*.h and mkimage(1) SOURCES), with its
# size and SHA-256.  Then: mkimage ls, extract and verify print no raw
# control byte and no byte that is not UTF-8; --strict refuses such names
# with IMAPI_E_INVALID_PATH naming the path with \xHH escapes; messages
# that quote such paths (a dangling symlink, a missing source, a usage
# error) are escaped the same way.  Prints TAP.
#
# Environment: MKIMAGE (default ./mkimage).

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/integration/lib.sh
. "$here/lib.sh"

top_builddir=${top_builddir:-$(pwd)}
MKIMAGE=${MKIMAGE:-$top_builddir/mkimage}
PY=/usr/bin/python3
LC_ALL=C.UTF-8
export LC_ALL

tmp=$(mktemp -d "${TMPDIR:-/tmp}/fsi-names.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' HUP INT TERM

have() { command -v "$1" >/dev/null 2>&1; }

tap_plan 27

cat >"$tmp/names.py" <<'PYEOF'
import hashlib, os, re, subprocess, sys

# (host path under src/ or the graft's image path, UDF name, Joliet name,
# ISO9660 name as readers show it: no ";1", no trailing '.').
G = b"graft\tdir/g\x9b"                    # the graft (an image path)
ENTRIES = [
    (b"a\tb", "a\tb", "a_b", "A_B"),      # a tab sorts before '_': it keeps a_b
    (b"a_b", "a_b", "a_b~1", "A_B_1"),
    (b"new\nline", "new\nline", "new_line", "NEW_LINE"),
    (b"esc\x1b[31mred", "esc\x1b[31mred", "esc_[31mred", "ESC__31MRED"),
    (b"csi\x9bx", "csi\x9bx", "csi_x", "CSI_X"),         # raw byte: Latin-1 U+009B
    (b"del\x7f", "del\x7f", "del_", "DEL_"),
    (b"bell\x07.txt", "bell\x07.txt", "bell_.txt", "BELL_.TXT"),
    (b"caf\xe9", "caf\xe9~1", "caf\xe9~1", "CAFE_1"),    # Latin-1: clashes with...
    (b"caf\xc3\xa9", "caf\xe9", "caf\xe9", "CAFE"),      # ...the UTF-8 name, which keeps it
    (b"\xff\xfe", "\xff\xfe", "\xff\xfe", "YTH"),
    (b"u\xc2\x9b", "u\x9b", "u_", "U_"),                 # U+009B in UTF-8
    (b"L" * 254 + b"\xe9", "L" * 254, "L" * 64, "L" * 30),
    (b"dir\tx/in\x1bside", "dir\tx/in\x1bside", "dir_x/in_side", "DIR_X/IN_SIDE"),
    (b"dir\tx/x\x01", "dir\tx/x\x01", "dir_x/x_", "DIR_X/X_"),
    (b"dir\tx/x\x02", "dir\tx/x\x02", "dir_x/x_~1", "DIR_X/X__1"),
    (b"dir\tx/x_", "dir\tx/x_", "dir_x/x_~2", "DIR_X/X__2"),
    (G, "graft\tdir/g\x9b", "graft_dir/g_", "GRAFT_DIR/G_"),
]
COL = {"udf": 1, "joliet": 2, "iso": 3}

def content(i):
    return b"file %d: " % i + bytes(range(i, i + 40)) * (i + 1)

def expected(view):
    out = {}
    for i, e in enumerate(ENTRIES):
        c = content(i)
        out["/" + e[COL[view]]] = (len(c), hashlib.sha256(c).hexdigest())
    assert len(out) == len(ENTRIES)
    return out

def expected_dirs(view):
    d = set()
    for p in expected(view):
        parts = p.split("/")[1:-1]
        for k in range(1, len(parts) + 1):
            d.add("/" + "/".join(parts[:k]))
    return d

def visible(view, name):
    if view == "udf":
        return name
    if name.endswith(";1"):
        name = name[:-2]
    return name.rstrip(".") if view == "iso" else name

def compare(view, got, who):
    want = expected(view)
    bad = []
    for p in sorted(set(want) | set(got)):
        if p not in got:
            bad.append("missing %r (want %d bytes)" % (p, want[p][0]))
        elif p not in want:
            bad.append("unexpected %r (%d bytes)" % (p, got[p][0]))
        elif got[p] != want[p]:
            bad.append("%r: %r, want %r" % (p, got[p], want[p]))
    if bad:
        print("%s, %s view: %d problem(s)" % (who, view, len(bad)))
        for b in bad:
            print("  " + b)
        sys.exit(1)

def add(got, path, data, who):
    if path in got:
        print("%s: %r twice" % (who, path))
        sys.exit(1)
    got[path] = (len(data), hashlib.sha256(data).hexdigest())

def walk_dir(view, top):
    got = {}
    topb = os.fsencode(top)
    for root, dirs, files in os.walk(topb):
        for f in files:
            full = os.path.join(root, f)
            rel = full[len(topb):].decode("utf-8", "surrogateescape")
            with open(full, "rb") as fh:
                add(got, visible(view, rel), fh.read(), top)
    return got

def walk_pycdlib(view, img):
    import io, pycdlib
    kw = {"udf": "udf_path", "joliet": "joliet_path", "iso": "iso_path"}[view]
    iso = pycdlib.PyCdlib()
    iso.open(img)
    got = {}
    for root, dirs, files in iso.walk(**{kw: "/"}):
        for f in files:
            p = root.rstrip("/") + "/" + f
            b = io.BytesIO()
            iso.get_file_from_iso_fp(b, **{kw: p})
            add(got, "/".join(visible(view, c) for c in p.split("/")), b.getvalue(), "pycdlib")
    iso.close()
    return got

def walk_isoinfo(img):
    got = {}
    out = subprocess.run(["isoinfo", "-i", img, "-f"], capture_output=True, check=True).stdout
    for line in out.decode("ascii").splitlines():
        if not line.endswith(";1"):
            continue                      # a directory
        data = subprocess.run(["isoinfo", "-i", img, "-x", line], capture_output=True,
                              check=True).stdout
        add(got, "/".join(visible("iso", c) for c in line.split("/")), data, "isoinfo")
    return got

# No byte of the output may drive a terminal: valid UTF-8, no C0 but a
# newline, no DEL, no C1.
def rawcheck(path):
    data = open(path, "rb").read()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        print("%s: not UTF-8 at byte %d: %r" % (path, e.start, data[max(0, e.start - 20):e.start + 20]))
        sys.exit(1)
    for i, ch in enumerate(text):
        o = ord(ch)
        if (o < 0x20 and ch != "\n") or 0x7F <= o <= 0x9F:
            print("%s: raw U+%04X at character %d: %r" % (path, o, i, text[max(0, i - 30):i + 30]))
            sys.exit(1)

# mkimage ls -R: one escaped path a line (\ooo for control bytes, C1,
# backslash, bytes that are not UTF-8).
def ls_names(path):
    out = set()
    for l in open(path, encoding="utf-8"):
        b = l.rstrip("\n").encode("utf-8")
        b = re.sub(rb"\\([0-7]{3})", lambda m: bytes([int(m.group(1), 8)]), b)
        out.add(b.decode("utf-8"))
    return out

cmd = sys.argv[1]
if cmd == "make":
    src, graft = sys.argv[2], sys.argv[3]
    for i, e in enumerate(ENTRIES):
        p = graft.encode() if e[0] == G else os.fsencode(src) + b"/" + e[0]
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "wb") as fh:
            fh.write(content(i))
elif cmd == "graft-arg":              # the SOURCE argument of the graft, as bytes
    sys.stdout.buffer.write(G + b"=" + sys.argv[2].encode())
elif cmd == "dir":
    compare(sys.argv[2], walk_dir(sys.argv[2], sys.argv[3]), sys.argv[4])
elif cmd == "pycdlib":
    compare(sys.argv[2], walk_pycdlib(sys.argv[2], sys.argv[3]), "pycdlib")
elif cmd == "isoinfo":
    compare("iso", walk_isoinfo(sys.argv[2]), "isoinfo")
elif cmd == "raw":
    for p in sys.argv[2:]:
        rawcheck(p)
elif cmd == "ls":
    view, path = sys.argv[2], sys.argv[3]
    got = ls_names(path)
    want = set(expected(view)) | expected_dirs(view)
    if got != want:
        print("ls --fs %s: missing %r, unexpected %r" % (view, sorted(want - got), sorted(got - want)))
        sys.exit(1)
elif cmd == "count":                  # a level-1 view: every file once, by content
    view, top = sys.argv[2], sys.argv[3]
    got = sorted(walk_dir(view, top).values())
    want = sorted(expected(view).values())
    if got != want:
        print("%d files read, %d expected, or contents differ" % (len(got), len(want)))
        sys.exit(1)
PYEOF

src=$tmp/src
gfile=$tmp/graft-source
"$PY" "$tmp/names.py" make "$src" "$gfile" || exit 1
graft=$("$PY" "$tmp/names.py" graft-arg "$gfile"; echo x)
graft=${graft%x}
img=$tmp/n.iso
np() { "$PY" "$tmp/names.py" "$@"; }

# ---- 1. the image -----------------------------------------------------
"$MKIMAGE" create -o "$img" "$src" "$graft" >"$tmp/c.out" 2>"$tmp/c.err"
rc=$?
tap_check "create keeps every name (exit $rc)" test "$rc" -eq 0 -a -s "$img"
tap_check "create's output has no raw control byte" np raw "$tmp/c.out" "$tmp/c.err"

# ---- 2. UDF -----------------------------------------------------------
if have 7z; then
    7z x -tudf -o"$tmp/u7" "$img" >"$tmp/u7.log" 2>&1
    tap_check "UDF, 7-Zip: control characters kept, Latin-1 read, unique" np dir udf "$tmp/u7" 7-Zip
else
    tap_skip "UDF, 7-Zip" "7z not installed"
fi
if "$PY" -c 'import pycdlib' 2>/dev/null; then
    tap_check "UDF, pycdlib: the same names, sizes and contents" np pycdlib udf "$img"
else
    tap_skip "UDF, pycdlib" "python3-pycdlib not installed"
fi

# ---- 3. Joliet ----------------------------------------------------------
if have 7z; then
    7z x -tiso -o"$tmp/j7" "$img" >"$tmp/j7.log" 2>&1
    tap_check "Joliet, 7-Zip: control characters as '_', Latin-1 read, ~N for clashes" \
        np dir joliet "$tmp/j7" 7-Zip
else
    tap_skip "Joliet, 7-Zip" "7z not installed"
fi
if have xorriso; then
    xorriso -osirrox on -read_fs norock -indev "$img" -extract / "$tmp/jx" >"$tmp/jx.log" 2>&1
    tap_check "Joliet, xorriso: the same" np dir joliet "$tmp/jx" xorriso
else
    tap_skip "Joliet, xorriso" "xorriso not installed"
fi
if "$PY" -c 'import pycdlib' 2>/dev/null; then
    tap_check "Joliet, pycdlib: the same" np pycdlib joliet "$img"
else
    tap_skip "Joliet, pycdlib" "python3-pycdlib not installed"
fi

# ---- 4. ISO9660 ---------------------------------------------------------
if have xorriso; then
    xorriso -osirrox on -read_fs ecma119 -indev "$img" -extract / "$tmp/ix" >"$tmp/ix.log" 2>&1
    tap_check "ISO9660, xorriso: d-characters, _N for clashes" np dir iso "$tmp/ix" xorriso
else
    tap_skip "ISO9660, xorriso" "xorriso not installed"
fi
if have isoinfo; then
    tap_check "ISO9660, isoinfo: the same" np isoinfo "$img"
else
    tap_skip "ISO9660, isoinfo" "isoinfo not installed"
fi
if "$PY" -c 'import pycdlib' 2>/dev/null; then
    tap_check "ISO9660, pycdlib: the same" np pycdlib iso "$img"
else
    tap_skip "ISO9660, pycdlib" "python3-pycdlib not installed"
fi

# ---- 5. our own readers print nothing raw ------------------------------
for fs in udf joliet iso9660; do
    view=$fs
    [ "$fs" = iso9660 ] && view=iso
    "$MKIMAGE" ls -R --fs "$fs" "$img" >"$tmp/ls.$fs" 2>"$tmp/ls.$fs.err"
    rc=$?
    if [ "$rc" -eq 0 ] && np raw "$tmp/ls.$fs" "$tmp/ls.$fs.err" >"$tmp/ls.$fs.chk" &&
        np ls "$view" "$tmp/ls.$fs" >>"$tmp/ls.$fs.chk"; then
        tap_ok "ls -R --fs $fs: every name, escaped, no raw control byte"
    else
        tap_fail "ls -R --fs $fs: every name, escaped, no raw control byte" \
            "exit $rc; $(cat "$tmp/ls.$fs.chk" "$tmp/ls.$fs.err")"
    fi
done
"$MKIMAGE" ls -lR "$img" >"$tmp/lsl" 2>&1
tap_check "ls -lR: no raw control byte" np raw "$tmp/lsl"

"$MKIMAGE" extract --progress "$img" "$tmp/ex" >"$tmp/ex.out" 2>"$tmp/ex.err"
rc=$?
tap_check "extract (UDF, the default) gives every file back (exit $rc)" np dir udf "$tmp/ex" extract
tap_check "extract --progress: its output has no raw control byte" np raw "$tmp/ex.out" "$tmp/ex.err"

"$MKIMAGE" verify "$img" >"$tmp/v.out" 2>"$tmp/v.err"
rc=$?
tap_check "verify: no errors (exit $rc; names differ between views: warnings)" test "$rc" -eq 0
tap_check "verify: its findings quote names escaped" np raw "$tmp/v.out" "$tmp/v.err"

# ---- 6. level 1: still unique ------------------------------------------
if have xorriso; then
    "$MKIMAGE" create --iso-level 1 --fs iso9660,joliet -o "$tmp/l1.iso" "$src" "$graft" \
        >/dev/null 2>"$tmp/l1.err"
    xorriso -osirrox on -read_fs ecma119 -indev "$tmp/l1.iso" -extract / "$tmp/l1" \
        >"$tmp/l1.log" 2>&1
    tap_check "ISO9660 level 1 (8.3): every file once, by content" np count iso "$tmp/l1"
else
    tap_skip "ISO9660 level 1" "xorriso not installed"
fi

# ---- 7. --strict keeps IMAPI's rule ------------------------------------
"$MKIMAGE" create --strict -o "$tmp/s.iso" "$src" >"$tmp/s.out" 2>"$tmp/s.err"
rc=$?
if [ "$rc" -eq 1 ] && grep -q 'IMAPI_E_INVALID_PATH (0xC0AAB110)' "$tmp/s.err" &&
    [ ! -e "$tmp/s.iso" ]; then
    tap_ok "--strict: IMAPI_E_INVALID_PATH, no image"
else
    tap_fail "--strict: IMAPI_E_INVALID_PATH, no image" "exit $rc; $(od -c "$tmp/s.err" | head)"
fi
tap_check "--strict: the message has no raw control byte" np raw "$tmp/s.out" "$tmp/s.err"

mkdir "$tmp/one"
echo ok >"$tmp/one/ok"
echo tab >"$tmp/one/t	ab"
"$MKIMAGE" create --strict -o "$tmp/s1.iso" "$tmp/one" 2>"$tmp/s1.err"
want="mkimage: IMAPI_E_INVALID_PATH (0xC0AAB110): The path '/t\\x09ab' is malformed or uses characters that are not allowed; control characters and bytes that are not UTF-8 are not allowed with strict file-system compliance; host path '$tmp/one/t\\x09ab'"
if [ "$(cat "$tmp/s1.err")" = "$want" ]; then
    tap_ok "--strict names the image path and the host path, escaped"
else
    tap_fail "--strict names the image path and the host path, escaped" \
        "got:  $(od -c "$tmp/s1.err" | head -12)
want: $want"
fi

"$MKIMAGE" create --strict -o "$tmp/s2.iso" "$graft" 2>"$tmp/s2.err"
rc=$?
if [ "$rc" -eq 1 ] && grep -qF "'/graft\\x09dir' is malformed" "$tmp/s2.err" &&
    np raw "$tmp/s2.err" >/dev/null; then
    tap_ok "--strict: an image path given as a graft too, escaped"
else
    tap_fail "--strict: an image path given as a graft too, escaped" \
        "exit $rc; $(od -c "$tmp/s2.err" | head)"
fi

"$MKIMAGE" create --restricted-charset -o "$tmp/r.iso" "$tmp/one" 2>"$tmp/r.err"
rc=$?
if [ "$rc" -eq 1 ] && grep -q 'IMAPI_E_RESTRICTED_NAME_VIOLATION' "$tmp/r.err" &&
    grep -qF "'/t\\x09ab'" "$tmp/r.err" && np raw "$tmp/r.err" >/dev/null; then
    tap_ok "--restricted-charset: as before, the name escaped"
else
    tap_fail "--restricted-charset: as before, the name escaped" "exit $rc; $(od -c "$tmp/r.err" | head)"
fi

# ---- 8. messages that quote such paths ---------------------------------
mkdir "$tmp/dang"
ln -s "$tmp/nowhere" "$tmp/dang/$(printf 'd\033[2J\233ling')"
"$MKIMAGE" create --follow-links -o "$tmp/d.iso" "$tmp/dang" 2>"$tmp/d.err"
rc=$?
if [ "$rc" -eq 1 ] && grep -q 'IMAPI_E_DATA_STREAM_CREATE_FAILURE' "$tmp/d.err" &&
    grep -qF 'd\x1B[2J\x9Bling' "$tmp/d.err" && np raw "$tmp/d.err" >/dev/null; then
    tap_ok "a dangling symlink's message escapes ESC and 0x9B"
else
    tap_fail "a dangling symlink's message escapes ESC and 0x9B" "exit $rc; $(od -c "$tmp/d.err" | head)"
fi

"$MKIMAGE" create -o "$tmp/m.iso" "$tmp/$(printf 'miss\033]0;x\007ing')" 2>"$tmp/m.err"
rc=$?
if [ "$rc" -eq 1 ] && grep -qF 'miss\x1B]0;x\x07ing' "$tmp/m.err" && np raw "$tmp/m.err" >/dev/null; then
    tap_ok "a missing source's message is escaped"
else
    tap_fail "a missing source's message is escaped" "exit $rc; $(od -c "$tmp/m.err" | head)"
fi

"$MKIMAGE" create --fs "$(printf 'udf\033[5m\377')" -o "$tmp/u.iso" "$src" 2>"$tmp/u.err"
rc=$?
if [ "$rc" -eq 2 ] && grep -qF 'udf\x1B[5m\xFF' "$tmp/u.err" && np raw "$tmp/u.err" >/dev/null; then
    tap_ok "a usage error quoting an argument is escaped"
else
    tap_fail "a usage error quoting an argument is escaped" "exit $rc; $(od -c "$tmp/u.err" | head)"
fi

tap_done
