#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# tests/integration/rockridge.sh - Rock Ridge (SUSP 1.12 / RRIP 1.12) in
# the ISO9660 view, and what the views that cannot hold symlinks and
# special files leave out.
#
# A host tree with modes 600/755/4755/1777, a file of uid 1000, symlinks
# (relative, absolute, dangling, a loop to ".", to a directory, one up,
# a 311-byte target), three names of one hard-linked file, a FIFO, a
# character and a block device, a 100-byte and a 255-byte name, names
# that differ only in case, and a directory of 1500 children (long names:
# continuation areas; some symlinks) goes into a default image.  Read back
# by xorriso (-lsdl), bsdtar (extracted, stat and readlink on both sides),
# pycdlib (rr_path, its Rock Ridge records), isoinfo -R -l and mkimage ls:
# every entry with the host's name, type, mode, owner, size, link count,
# symlink target, device number (and bsdtar the modification second).
# Then: a TF in the long form (year 2200); hard-linked data stored once;
# Joliet without symlinks and specials, and the warning that says so;
# --no-rock: a plain ISO9660 view without them; isoinfo and 7-Zip still
# read the default image.  Owners and devices need root: skipped without.
# Prints TAP.
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

tmp=$(mktemp -d "${TMPDIR:-/tmp}/fsi-rockridge.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' HUP INT TERM

have() { command -v "$1" >/dev/null 2>&1; }
root=no
[ "$(id -u)" = 0 ] && root=yes

tap_plan 14

# ---- the host tree ----
src=$tmp/src
mkdir -p "$src/dir/sub" "$src/tmp" "$src/big"
(
    cd "$src" || exit 1
    printf 'secret\n' >f600 && chmod 600 f600
    printf 'x\n' >f755 && chmod 755 f755
    printf 's\n' >suid && chmod 4755 suid
    chmod 1777 tmp
    printf 'owned\n' >owned
    ln -s f600 rel
    ln -s /etc/passwd abs
    ln -s nowhere dangling
    ln -s . loop
    ln -s dir todir
    ln -s ../f600 dir/up
    ln -s "$("$PY" -c 'print("/".join(["abcdefghij"] * 27) + "/x" * 7)')" long
    printf 'linked data\n' >hard1 && ln hard1 hard2 && ln hard1 dir/hard3
    mkfifo fifo
    touch "$("$PY" -c 'print("n" * 100)')" "$("$PY" -c 'print("L" * 251 + ".txt")')"
    printf 'a\n' >readme.txt && printf 'bb\n' >ReadMe.TXT && printf 'ccc\n' >README.TXT
    "$PY" - <<'EOF'
import os
for i in range(1500):
    n = "big/f%04d_" % i + "x" * (i % 220)
    if i % 37 == 0:
        os.symlink("../" * (i % 3) + "t" * (i % 280 + 1), n)
    else:
        with open(n, "w") as f:
            f.write("%d\n" % i)
EOF
    if [ "$root" = yes ]; then
        chown 1000:1000 owned
        mknod cdev c 1 3
        mknod bdev b 7 0
    fi
    # Distinct seconds, set last (links too, and directories).
    t=1700000000
    find . -depth | while IFS= read -r p; do
        t=$((t + 61))
        touch -h -d "@$t" "$p"
    done
) || exit 1
nlinks=$(find "$src" -type l | wc -l)
nspecial=$(find "$src" \( -type p -o -type c -o -type b \) | wc -l)

plural() { [ "$1" = 1 ] && echo "$1 $2" || echo "$1 $2s"; }
left_text() {
    echo "$(plural "$nlinks" "symbolic link") and $(plural "$nspecial" "special file") are left out of $1"
}

cat >"$tmp/check.py" <<'PYEOF'
import os, re, stat, subprocess, sys

src, img, reader = sys.argv[1], sys.argv[2], sys.argv[3]

def host():
    """Every entry below src: path -> (type, mode, nlink, uid, gid, size, target, rdev)."""
    out = {}
    for r, dirs, files in os.walk(src):
        for n in dirs + files:
            full = os.path.join(r, n)
            st = os.lstat(full)
            p = "/" + os.path.relpath(full, src)
            tgt = os.readlink(full) if stat.S_ISLNK(st.st_mode) else None
            size = st.st_size if stat.S_ISREG(st.st_mode) else len(tgt) if tgt else 0
            rdev = (os.major(st.st_rdev), os.minor(st.st_rdev)) \
                if stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode) else None
            out[p] = dict(mode=st.st_mode, nlink=st.st_nlink, uid=st.st_uid, gid=st.st_gid,
                          size=size, target=tgt, rdev=rdev, mtime=int(st.st_mtime))
    return out

H = host()
bad = []

def cmp(p, key, got):
    if p not in H:
        bad.append("unexpected %r" % p)
        return
    want = H[p][key]
    if key == "nlink" and stat.S_ISDIR(H[p]["mode"]):
        want = 2 + sum(1 for q, v in H.items() if os.path.dirname(q) == p and stat.S_ISDIR(v["mode"]))
    if got != want:
        bad.append("%s: %s %r, want %r" % (p, key, got, want))

def seen_all(paths):
    for p in sorted(set(H) - set(paths)):
        bad.append("missing %r" % p)
    for p in sorted(set(paths) - set(H)):
        bad.append("unexpected %r" % p)

def modestr(m):
    return stat.filemode(m)

if reader == "xorriso":
    out = subprocess.run(["xorriso", "-indev", img, "-find", "/", "-exec", "lsdl"],
                         capture_output=True, text=True, errors="surrogateescape").stdout
    paths = []
    for line in out.splitlines():
        m = re.match(r"^(\S{10})\s+\d+\s+(\d+)\s+(\d+)\s+(\S+)\s+\w+\s+\d+\s+\S+ '(/.*?)'(?: -> '(.*)')?$", line)
        if not m or m.group(5) == "/":
            continue
        mode, uid, gid, size, p, tgt = m.groups()
        paths.append(p)
        if p in H and mode != modestr(H[p]["mode"]):
            bad.append("%s: mode %s, want %s" % (p, mode, modestr(H[p]["mode"])))
        cmp(p, "uid", int(uid))
        cmp(p, "gid", int(gid))
        if "," in size:
            cmp(p, "rdev", tuple(int(x) for x in size.split(",")))
        elif stat.S_ISREG(H.get(p, {"mode": 0})["mode"]):
            cmp(p, "size", int(size))
        cmp(p, "target", tgt)
    seen_all(paths)

elif reader == "isoinfo":
    out = subprocess.run(["isoinfo", "-R", "-l", "-i", img], capture_output=True,
                         text=True, errors="surrogateescape").stdout
    paths, cur = [], None
    for line in out.splitlines():
        m = re.match(r"^Directory listing of (/.*)$", line)
        if m:
            cur = m.group(1)
            continue
        m = re.match(r"^(\S{10})\s+(\d+)\s+\d+\s+\d+\s+(\d+) .{11} \[ *\d+ \d+\]  (.*)$", line)
        if not m:
            continue
        mode, nlink, size, rest = m.groups()
        name, _, tgt = rest.partition(" -> ")
        if not tgt:
            name = name[:-1] if name.endswith(" ") else name
            tgt = None
        if name in (".", ".."):
            continue
        p = cur + name
        paths.append(p)
        # isoinfo shows no set-id or sticky bit, and 'f' for a FIFO.
        if p in H:
            want = modestr(H[p]["mode"] & ~0o7000)
            want = ("f" if want[0] == "p" else want[0]) + want[1:]
            if mode != want:
                bad.append("%s: mode %s, want %s" % (p, mode, want))
        cmp(p, "nlink", int(nlink))
        if p in H and stat.S_ISREG(H[p]["mode"]):
            cmp(p, "size", int(size))
        cmp(p, "target", tgt)
    seen_all(paths)

elif reader == "mkimage":
    out = subprocess.run([sys.argv[4], "ls", "-lR", "--fs", "rockridge", img], capture_output=True,
                         text=True, errors="surrogateescape").stdout
    paths = []
    for line in out.splitlines():
        m = re.match(r"^(\S{10})\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+|\d+, \d+) \S+ \S+\s+\d+ (/.*)$", line)
        if not m:
            bad.append("unparsed: %r" % line)
            continue
        mode, nlink, uid, gid, size, rest = m.groups()
        p, _, tgt = rest.partition(" -> ")
        paths.append(p)
        if p in H and mode != modestr(H[p]["mode"]):
            bad.append("%s: mode %s, want %s" % (p, mode, modestr(H[p]["mode"])))
        cmp(p, "nlink", int(nlink))
        cmp(p, "uid", int(uid))
        cmp(p, "gid", int(gid))
        if "," in size:
            cmp(p, "rdev", tuple(int(x) for x in size.split(",")))
        elif p in H and not stat.S_ISDIR(H[p]["mode"]):
            cmp(p, "size", int(size))
        cmp(p, "target", tgt or None)
    seen_all(paths)

elif reader == "pycdlib":
    import pycdlib
    iso = pycdlib.PyCdlib()
    iso.open(img)
    paths, extent = [], {}
    for r, dirs, files in iso.walk(rr_path="/"):
        for n in dirs + files:
            p = r.rstrip("/") + "/" + n
            paths.append(p)
            rec = iso.get_record(rr_path=p)
            rr = rec.rock_ridge
            px = rr.dr_entries.px_record or rr.ce_entries.px_record
            cmp(p, "mode", rr.get_file_mode())
            cmp(p, "nlink", px.posix_file_links)
            cmp(p, "uid", px.posix_user_id)
            cmp(p, "gid", px.posix_group_id)
            if rr.is_symlink():
                cmp(p, "target", rr.symlink_path().decode("utf-8", "surrogateescape"))
            elif p in H and stat.S_ISREG(H[p]["mode"]):
                cmp(p, "size", rec.get_data_length())
                if H[p]["size"]:
                    extent.setdefault(rec.extent_location(), set()).add(px.posix_serial_number)
    # Hard links: one extent, one serial number.
    for loc, serials in extent.items():
        if len(serials) != 1:
            bad.append("extent %d: serial numbers %r" % (loc, sorted(serials)))
    seen_all(paths)

elif reader == "bsdtar":
    dst = sys.argv[4]
    def lst(top):
        out = {}
        for r, dirs, files in os.walk(top):
            for n in dirs + files:
                full = os.path.join(r, n)
                st = os.lstat(full)
                tgt = os.readlink(full) if stat.S_ISLNK(st.st_mode) else None
                dev = (os.major(st.st_rdev), os.minor(st.st_rdev)) \
                    if stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode) else None
                size = st.st_size if not stat.S_ISDIR(st.st_mode) else 0
                mt = int(st.st_mtime) if not stat.S_ISLNK(st.st_mode) else None
                out[os.path.relpath(full, top)] = (stat.filemode(st.st_mode), st.st_nlink,
                                                   st.st_uid, st.st_gid, size, mt, tgt, dev)
        return out
    a, b = lst(src), lst(dst)
    for p in sorted(set(a) | set(b)):
        if a.get(p) != b.get(p):
            bad.append("%s: host %r, extracted %r" % (p, a.get(p), b.get(p)))

if bad:
    print("%s: %d problem(s)" % (reader, len(bad)))
    for x in bad[:40]:
        print("  " + x)
    sys.exit(1)
PYEOF

# ---- the default image ----
img=$tmp/rr.iso
out=$("$MKIMAGE" create -o "$img" "$src" 2>&1)
rc=$?
want="mkimage: warning: IMAPI_S_IMAGE_FEATURE_NOT_SUPPORTED (0x00AAB15F): The selected file system revision cannot record this feature; the image is made without it; $(left_text Joliet) (it cannot hold them)"
if [ "$rc" -eq 0 ] && printf '%s\n' "$out" | grep -qxF "$want"; then
    tap_ok "default image: exit 0, warning that Joliet leaves $nlinks symlinks and $nspecial special files out"
else
    tap_fail "default image: exit 0 and the Joliet warning" "exit $rc
want: $want
$out"
fi

# (Joliet's cut names give warnings: names differ between the views.)
tap_check "mkimage verify: no error" sh -c '
    "$1" verify "$2" >"$3" 2>&1; grep ": 0 errors" "$3" || { tail -5 "$3"; exit 1; }' \
    _ "$MKIMAGE" "$img" "$tmp/verify.out"

for r in xorriso isoinfo pycdlib; do
    case $r in
    pycdlib) ok=$("$PY" -c 'import pycdlib' 2>/dev/null && echo yes) ;;
    *) ok=$(have "$r" && echo yes) ;;
    esac
    if [ "$ok" != yes ]; then
        tap_skip "$r reads the Rock Ridge view as the host tree" "$r not installed"
        continue
    fi
    tap_check "$r reads the Rock Ridge view as the host tree (names, modes, owners, sizes, links, targets)" \
        "$PY" "$tmp/check.py" "$src" "$img" "$r"
done
tap_check "mkimage ls -lR --fs rockridge shows the host tree" \
    "$PY" "$tmp/check.py" "$src" "$img" mkimage "$MKIMAGE"

if have bsdtar; then
    mkdir "$tmp/x"
    if bsdtar -xpf "$img" -C "$tmp/x" 2>"$tmp/bsdtar.err"; then
        tap_check "bsdtar extracts the host tree (stat: mode, links, owner, size, mtime; readlink)" \
            "$PY" "$tmp/check.py" "$src" "$img" bsdtar "$tmp/x"
    else
        tap_fail "bsdtar extracts the image" "$(cat "$tmp/bsdtar.err")"
    fi
else
    tap_skip "bsdtar extracts the host tree" "bsdtar not installed"
fi

# ---- TF in the long form: a year ECMA-119's 7-byte date cannot hold ----
mkdir "$tmp/far"
printf 'far\n' >"$tmp/far/future"
touch -d "2200-01-02 03:04:05 UTC" "$tmp/far/future"
if [ "$(stat -c %Y "$tmp/far/future")" != 7258215845 ]; then
    tap_skip "a time in 2200: TF in the long form" "the host file system cannot hold 2200"
else
    "$MKIMAGE" create -q -o "$tmp/far.iso" "$tmp/far"
    tap_check "a time in 2200: TF in the long form (pycdlib, xorriso, mkimage ls)" sh -c '
        "$1" -c "
import pycdlib, sys
i = pycdlib.PyCdlib(); i.open(sys.argv[1])
tf = i.get_record(rr_path=\"/future\").rock_ridge.dr_entries.tf_record
m = tf.modification_time
assert tf.time_flags & 0x80, tf.time_flags
assert (m.year, m.month, m.dayofmonth, m.hour, m.minute, m.second) == (2200, 1, 2, 3, 4, 5), m.date_str
" "$2" &&
        xorriso -indev "$2" -lsdl /future 2>/dev/null | grep -q "Jan  2  2200" &&
        "$3" ls -l --fs rockridge "$2" | grep -q " 2200-01-02 03:04 .* future$"' \
        _ "$PY" "$tmp/far.iso" "$MKIMAGE"
fi

# ---- hard links: the data once ----
mkdir "$tmp/h1" "$tmp/h3"
head -c 1048576 /dev/urandom >"$tmp/h1/a"
cp "$tmp/h1/a" "$tmp/h3/a" && ln "$tmp/h3/a" "$tmp/h3/b" && ln "$tmp/h3/a" "$tmp/h3/c"
"$MKIMAGE" create -q -o "$tmp/h1.iso" "$tmp/h1"
"$MKIMAGE" create -q -o "$tmp/h3.iso" "$tmp/h3"
"$MKIMAGE" create -q --no-hardlinks -o "$tmp/h3n.iso" "$tmp/h3"
s1=$(stat -c %s "$tmp/h1.iso") s3=$(stat -c %s "$tmp/h3.iso") s3n=$(stat -c %s "$tmp/h3n.iso")
if [ $((s3 - s1)) -lt 1048576 ] && [ $((s3n - s1)) -ge 2097152 ]; then
    tap_ok "three names of one 1 MiB file store it once ($s1 -> $s3 bytes; --no-hardlinks $s3n)"
else
    tap_fail "three names of one 1 MiB file store it once" "one name: $s1, three: $s3, --no-hardlinks: $s3n"
fi

# ---- Joliet: no symlinks, no specials ----
tap_check "Joliet holds every regular file and directory, no symlink or special file (pycdlib)" \
    "$PY" -c '
import os, pycdlib, sys
i = pycdlib.PyCdlib(); i.open(sys.argv[1])
got = set()
for r, dirs, files in i.walk(joliet_path="/"):
    got |= {(r.rstrip("/") + "/" + n).split(";")[0] for n in dirs + files}
want, left = set(), set()
for r, dirs, files in os.walk(sys.argv[2]):
    for n in dirs + files:
        p = os.path.join(r, n)
        q = "/" + os.path.relpath(p, sys.argv[2])
        (want if os.path.isdir(p) and not os.path.islink(p) or
         os.path.isfile(p) and not os.path.islink(p) else left).add(q)
# Joliet names are cut at 64 characters: compare the short ones, count all.
short = lambda s: {p for p in s if max(len(c) for c in p.split("/")) <= 64}
assert len(got) == len(want), (len(got), len(want))
assert short(want) <= got, sorted(short(want) - got)[:10]
assert not (got & left), sorted(got & left)
' "$img" "$src"

# ---- --no-rock ----
out=$("$MKIMAGE" create --no-rock -o "$tmp/plain.iso" "$src" 2>&1)
rc=$?
want="$(left_text "Joliet and of ISO9660 without Rock Ridge") (they cannot hold them)"
if [ "$rc" -eq 0 ] && printf '%s\n' "$out" | grep -qF "IMAPI_S_IMAGE_FEATURE_NOT_SUPPORTED (0x00AAB15F): " &&
    printf '%s\n' "$out" | grep -qF "$want"; then
    tap_ok "--no-rock: exit 0, warning for both views"
else
    tap_fail "--no-rock: exit 0, warning for both views" "exit $rc
want: ...$want
$out"
fi
tap_check "--no-rock: plain ISO9660 (no SUSP), no symlink or special record (pycdlib)" \
    "$PY" -c '
import pycdlib, sys
i = pycdlib.PyCdlib(); i.open(sys.argv[1])
assert not i.has_rock_ridge(), "Rock Ridge found"
names = []
for r, dirs, files in i.walk(iso_path="/"):
    names += [n.split(";")[0].rstrip(".") for n in files]
want = int(sys.argv[2])
for bad in ("ABS", "REL", "LOOP", "FIFO", "CDEV", "BDEV", "DANGLING", "TODIR"):
    assert bad not in names, bad
assert len(names) == want, (len(names), want)
' "$tmp/plain.iso" "$(find "$src" -type f | wc -l)"

# ---- other readers of the default image ----
if have isoinfo; then
    tap_check "isoinfo reads the plain ISO9660 names of the default image" sh -c '
        isoinfo -f -i "$1" | grep -qx "/README.TXT;1" && isoinfo -f -i "$1" | grep -qx "/README_1.TXT;1"' _ "$img"
else
    tap_skip "isoinfo reads the plain ISO9660 names" "isoinfo not installed"
fi
if have 7z; then
    tap_check "7-Zip lists the default image (Joliet: regular files only)" sh -c '
        n=$(7z l -ba -tiso "$1" | grep -vc "D\\.\\.\\.\\.") &&
        [ "$n" -eq "$(find "$2" -type f | wc -l)" ] || { echo "7z: $n files"; exit 1; }' _ "$img" "$src"
else
    tap_skip "7-Zip lists the default image" "7z not installed"
fi

if [ "$root" != yes ]; then
    tap_diag "not root: no uid 1000 file and no device nodes in the tree"
fi
tap_done
