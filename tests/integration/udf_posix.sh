#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# tests/integration/udf_posix.sh - the UDF view holds what Linux users
# have (issue 13): file types, permissions with set-id and sticky bits,
# owners, symbolic links (in the File Entry and, when too long, in a block
# of their own), FIFOs, sockets, devices (a Device Specification extended
# attribute), and hard links (one File Entry, its link count).
#
# A host tree holding all of these is written with --fs udf for UDF 1.02,
# 2.01 and 2.50 (metadata partition), and once with ISO9660, Joliet and
# UDF together; a directory of 1,500 entries of every kind goes through
# the writer's big-directory path.  Readers, each compared with the host
# tree (os.lstat):
#  - libudfread (a walker compiled here): names, kinds, sizes and SHA-256
#    of file data; a symbolic link's data must be exactly the ECMA-167
#    4/14.16 path components of its target, encoded here;
#  - pycdlib (UDF 1.02, the image with ISO9660): ICB file type, ICB flags,
#    permissions, uid/gid, link count, information length, the Device
#    Specification attribute (tag, checksum, CRC, major, minor), the one
#    File Entry of all names of a hard-linked file;
#  - 7-Zip: names, sizes and link counts (it refuses UDF volumes holding
#    other file types than files and directories: a tree of those only);
#  - udfinfo: revision and counts; mkimage's own reader (tests/fsi-walk).
# Hard-linked data is stored once (image sizes with and without
# --no-hardlinks).  Prints TAP.
#
# Environment: MKIMAGE (default ./mkimage), CC (default cc).

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/integration/lib.sh
. "$here/lib.sh"

top_builddir=${top_builddir:-$(pwd)}
MKIMAGE=${MKIMAGE:-$top_builddir/mkimage}
WALK=$top_builddir/tests/fsi-walk
CC=${CC:-cc}
PY=/usr/bin/python3
LC_ALL=C.UTF-8
export LC_ALL

tmp=$(mktemp -d "${TMPDIR:-/tmp}/fsi-udfposix.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' HUP INT TERM

have() { command -v "$1" >/dev/null 2>&1; }

tap_plan 18

# ---------------------------------------------------------------- tree
cat >"$tmp/tree.py" <<'PYEOF'
import os, socket, sys
root, big = sys.argv[1], sys.argv[2] == "big"
os.mkdir(root)
os.chdir(root)
def put(name, text, mode=0o644):
    with open(name, "w") as f:
        f.write(text)
    os.chmod(name, mode)
if big:
    # More entries than one group of names (LAYOUT_GROUP, 1024).
    for i in range(1500):
        n, k = "e%04d" % i, i % 8
        if k == 0: os.symlink("../t%d" % i, n)
        elif k == 1: os.mkfifo(n)
        elif k == 2: put(n, "x" * i)
        elif k == 3: os.link("e%04d" % (i - 1), n)
        elif k == 4: put(n, "", 0o600)
        elif k == 5: os.mkdir(n)
        elif k == 6: os.symlink("/" + "/".join(["d" * 200] * 12), n)  # 2,4xx bytes
        else: put(n, str(i), 0o4755)
    sys.exit(0)
put("f600", "six hundred\n", 0o600)
put("x755", "#!/bin/sh\n", 0o755)
put("s4755", "setuid\n", 0o4755)
put("g2755", "setgid\n", 0o2755)
os.mkdir("tmp1777"); os.chmod("tmp1777", 0o1777)
put("owned", "owner 1000\n")
os.mkdir("sub"); os.mkdir("sub/deeper"); os.mkdir("sub/deeper/deepest")
put("sub/target.txt", "target\n")
put("n" * 100, "a hundred\n")
put("m" * 254, "the longest UDF identifier\n")
put("readme.txt", "lower\n"); put("ReadMe.TXT", "MIXED\n")
put("hl1", "linked " * 1000)
os.link("hl1", "hl2"); os.link("hl1", "sub/hl3")
os.symlink("sub/target.txt", "rel")
os.symlink("/usr/bin/env", "abs")
os.symlink("nowhere/at/all", "dangling")
os.symlink(".", "loop")
os.symlink("sub", "todir")
os.symlink("../../x755", "sub/deeper/up")
os.symlink("./a/./b/../c", "dots")
os.symlink("/".join(["t" * 29] * 10), "long300")              # 299 bytes
os.symlink("/" + "/".join(["l" * 99] * 30), "long3000")       # 3000: a block of its own
os.mkfifo("fifo")
s = socket.socket(socket.AF_UNIX); s.bind("sock"); s.close()
try:
    os.chown("owned", 1000, 1000)
    os.mknod("cdev", 0o620 | 0o020000, os.makedev(1, 3))
    os.mknod("bdev", 0o640 | 0o060000, os.makedev(7, 0))
except PermissionError:
    pass            # not root: no owner change, no devices
PYEOF

# ---------------------------------------------------------------- checks
cat >"$tmp/check.py" <<'PYEOF'
import hashlib, os, stat, struct, subprocess, sys

def host(root):
    """path -> dict of what the host tree has."""
    out = {}
    for dp, dns, fns in os.walk(root):
        for n in dns + fns:
            p = os.path.join(dp, n)
            st = os.lstat(p)
            rel = "/" + os.path.relpath(p, root)
            m = st.st_mode
            e = {"type": "d" if stat.S_ISDIR(m) else "f" if stat.S_ISREG(m) else
                         "l" if stat.S_ISLNK(m) else "p" if stat.S_ISFIFO(m) else
                         "s" if stat.S_ISSOCK(m) else "c" if stat.S_ISCHR(m) else "b",
                 "mode": stat.S_IMODE(m), "uid": st.st_uid, "gid": st.st_gid,
                 "nlink": st.st_nlink, "ino": st.st_ino, "size": 0, "sha": None,
                 "target": None, "rdev": (os.major(st.st_rdev), os.minor(st.st_rdev))}
            if e["type"] == "d":        # some file systems count directories differently
                e["nlink"] = 2 + sum(1 for x in os.scandir(p) if x.is_dir(follow_symlinks=False))
            if e["type"] == "f":
                data = open(p, "rb").read()
                e["size"], e["sha"] = len(data), hashlib.sha256(data).hexdigest()
            if e["type"] == "l":
                e["target"] = os.readlink(p)
                e["size"] = len(e["target"].encode())
            out[rel] = e
    return out

def components(target):
    """ECMA-167 4/14.16 path components of a target (names in CS0 8 bit:
    the test's targets are ASCII)."""
    b, first = b"", True
    if target.startswith("/"):
        b += bytes([1, 0, 0, 0])
    for c in target.split("/"):
        if c == "":
            continue
        if c == ".":
            b += bytes([4, 0, 0, 0])
        elif c == "..":
            b += bytes([3, 0, 0, 0])
        else:
            cs0 = b"\x08" + c.encode("latin-1")
            b += bytes([5, len(cs0), 0, 0]) + cs0
    return b

def crc16(data):
    crc = 0
    for x in data:
        crc ^= x << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) & 0xFFFF if crc & 0x8000 else (crc << 1) & 0xFFFF
    return crc

bad = []
def diff(path, what, want, got):
    if want != got:
        bad.append("%s: %s: want %r, got %r" % (path, what, want, got))

def check_names(h, got):
    for p in sorted(set(h) - set(got)):
        bad.append("missing: %s" % p)
    for p in sorted(set(got) - set(h)):
        bad.append("extra: %s" % p)

def finish():
    for b in bad[:40]:
        print(b)
    sys.exit(1 if bad else 0)

mode, root = sys.argv[1], sys.argv[2]
h = host(root)

if mode == "fsiwalk":           # mkimage's reader: tests/fsi-walk IMAGE udf
    got = {}
    for line in open(sys.argv[3], encoding="utf-8", errors="surrogateescape"):
        f = line.rstrip("\n").split("\t")
        got[f[0]] = f
    check_names(h, got)
    for p, e in h.items():
        if p not in got:
            continue
        f = got[p]
        diff(p, "type", e["type"], f[1])
        diff(p, "mode", "%04o" % e["mode"], f[4])
        diff(p, "owner", "%d:%d" % (e["uid"], e["gid"]), f[5])
        diff(p, "nlink", str(e["nlink"]), f[7])
        if e["type"] in "fl":
            diff(p, "size", str(e["size"]), f[2])
        if e["type"] == "f":
            diff(p, "sha256", e["sha"], f[3])
        if e["type"] == "l":
            diff(p, "target", e["target"], f[8])
    finish()

if mode == "udfread":           # the walker: path TAB dir|other TAB size TAB sha256
    got = {}
    for line in open(sys.argv[3], encoding="utf-8", errors="surrogateescape"):
        f = line.rstrip("\n").split("\t")
        got[f[0]] = f
    check_names(h, got)
    for p, e in h.items():
        if p not in got:
            continue
        f = got[p]
        diff(p, "kind", "dir" if e["type"] == "d" else "other", f[1])
        if e["type"] == "f":
            diff(p, "size", str(e["size"]), f[2])
            diff(p, "sha256", e["sha"], f[3])
        elif e["type"] == "l":
            pc = components(e["target"])
            diff(p, "path components", (len(pc), hashlib.sha256(pc).hexdigest()),
                 (int(f[2]), f[3]))
        elif e["type"] != "d":
            diff(p, "size", "0", f[2])
    finish()

if mode == "pycdlib":           # IMAGE (ISO9660 + UDF 1.02)
    import pycdlib
    iso = pycdlib.PyCdlib()
    iso.open(sys.argv[3])
    ftype = {"d": 4, "f": 5, "l": 12, "p": 9, "s": 10, "b": 6, "c": 7}
    fe_of_ino = {}
    for p, e in h.items():
        try:
            fe = iso.get_record(udf_path=p)
        except Exception as x:
            bad.append("%s: pycdlib: %s" % (p, x))
            continue
        it = fe.icb_tag
        diff(p, "file type", ftype[e["type"]], it.file_type)
        perm = fe.perms
        m = (perm & 7) | ((perm >> 2) & 0o70) | ((perm >> 4) & 0o700)
        m |= (0o4000 if it.flags & 0x40 else 0) | (0o2000 if it.flags & 0x80 else 0) | \
             (0o1000 if it.flags & 0x100 else 0)
        diff(p, "mode", oct(e["mode"]), oct(m))
        # Delete tracks write, the owner may change attributes (as Linux writes).
        for cls in range(3):
            bits = (perm >> (5 * cls)) & 0x1F
            diff(p, "delete bit of class %d" % cls, bool(bits & 2), bool(bits & 0x10))
        diff(p, "owner chattr", True, bool(perm & (0x08 << 10)))
        diff(p, "uid:gid", (e["uid"], e["gid"]), (fe.uid, fe.gid))
        links = e["nlink"] - 1 if e["type"] == "d" else e["nlink"]    # UDF: FIDs naming it
        diff(p, "link count", links, fe.file_link_count)
        if e["type"] == "f":
            diff(p, "information length", e["size"], fe.info_len)
            if e["nlink"] > 1:
                fe_of_ino.setdefault(e["ino"], set()).add((fe.extent_location(), fe.unique_id))
        if e["type"] == "l":
            pc = components(e["target"])
            diff(p, "information length", len(pc), fe.info_len)
            if len(pc) <= 2048 - 176:
                diff(p, "allocation type (in the File Entry)", 3, it.flags & 7)
                # pycdlib opens no link: its embedded data, from the image
                # (pycdlib's block numbers are the image's).
                ad = fe.alloc_descs[0]
                with open(sys.argv[3], "rb") as f:
                    f.seek(ad.log_block_num * 2048 + ad.offset)
                    diff(p, "path components", pc, f.read(ad.extent_length))
        if e["type"] in "bc":
            ea = bytes(fe.extended_attrs or b"")
            if len(ea) < 24 + 24:
                bad.append("%s: no extended attributes (%d bytes)" % (p, len(ea)))
                continue
            tag = ea[:16]
            diff(p, "EAHD tag", 262, struct.unpack_from("<H", tag, 0)[0])
            diff(p, "EAHD checksum", (sum(tag[:4]) + sum(tag[5:16])) & 0xFF, tag[4])
            crclen = struct.unpack_from("<H", tag, 10)[0]
            diff(p, "EAHD CRC length", 8, crclen)
            diff(p, "EAHD CRC", struct.unpack_from("<H", tag, 8)[0], crc16(ea[16:16 + crclen]))
            start = iso.udf_main_descs.partitions[0].part_start_location
            diff(p, "EAHD location (the File Entry's)", fe.extent_location() - start,
                 struct.unpack_from("<I", tag, 12)[0])
            imp, app = struct.unpack_from("<II", ea, 16)
            diff(p, "attribute locations", (len(ea), len(ea)), (imp, app))
            t, st, ln, iul, ma, mi = struct.unpack_from("<IB3xIIII", ea, 24)
            diff(p, "device attribute", (12, 1, 24 + iul), (t, st, ln))
            diff(p, "device", e["rdev"], (ma, mi))
        elif fe.len_extended_attrs:
            bad.append("%s: %d bytes of extended attributes" % (p, fe.len_extended_attrs))
    for ino, s in fe_of_ino.items():
        diff("inode %d" % ino, "one File Entry for all names", 1, len(s))
    iso.close()
    finish()

if mode == "7z":                # 7z l -slt output
    got, cur, items = {}, {}, False
    for line in open(sys.argv[3], encoding="utf-8", errors="surrogateescape"):
        line = line.rstrip("\n")
        items = items or line.startswith("----------")     # the archive's own lines before
        if not items:
            continue
        if line.startswith("Path = "):
            cur = {"path": "/" + line[7:]}
            got[cur["path"]] = cur
        elif " = " in line and cur:
            k, v = line.split(" = ", 1)
            cur[k] = v
    check_names(h, got)
    for p, e in h.items():
        if p not in got:
            continue
        g = got[p]
        diff(p, "folder", "+" if e["type"] == "d" else "-", g.get("Folder"))
        if e["type"] == "f":
            diff(p, "size", str(e["size"]), g.get("Size"))
            diff(p, "links", str(e["nlink"]), g.get("Links"))
    finish()
sys.exit(2)
PYEOF

# ---------------------------------------------------------------- libudfread
walker=
if have pkg-config && pkg-config --exists libudfread 2>/dev/null; then
    cat >"$tmp/walk.c" <<'CEOF'
/* Every entry under /, depth first: path TAB dir|other TAB size TAB
 * sha256 of the data (libudfread gives a symbolic link's data as is). */
#include <stdio.h>
#include <string.h>
#include <udfread/udfread.h>
#include "sha256.h"

static int walk(udfread *u, const char *path)
{
    UDFDIR *d = udfread_opendir(u, path[0] ? path : "/");
    struct udfread_dirent ent;
    if (!d) {
        fprintf(stderr, "cannot open directory %s\n", path);
        return 1;
    }
    while (udfread_readdir(d, &ent)) {
        char sub[8192];
        if (!strcmp(ent.d_name, ".") || !strcmp(ent.d_name, ".."))
            continue;
        snprintf(sub, sizeof sub, "%s/%s", path, ent.d_name);
        if (ent.d_type == UDF_DT_DIR) {
            printf("%s\tdir\t0\t-\n", sub);
            if (walk(u, sub))
                return 1;
            continue;
        }
        UDFFILE *f = udfread_file_open(u, sub);
        if (!f) {
            fprintf(stderr, "cannot open %s\n", sub);
            return 1;
        }
        struct sha256 s;
        unsigned char buf[65536];
        char hex[65];
        ssize_t r;
        long long n = 0;
        sha256_init(&s);
        while ((r = udfread_file_read(f, buf, sizeof buf)) > 0) {
            sha256_update(&s, buf, (size_t)r);
            n += r;
        }
        sha256_hex(&s, hex);
        if (r < 0 || n != (long long)udfread_file_size(f)) {
            fprintf(stderr, "cannot read %s\n", sub);
            return 1;
        }
        printf("%s\tother\t%lld\t%s\n", sub, n, hex);
        udfread_file_close(f);
    }
    udfread_closedir(d);
    return 0;
}

int main(int argc, char **argv)
{
    udfread *u = udfread_init();
    if (argc != 2 || !u || udfread_open(u, argv[1]) < 0) {
        fprintf(stderr, "cannot open %s\n", argc > 1 ? argv[1] : "?");
        return 1;
    }
    int rc = walk(u, "");
    udfread_close(u);
    return rc;
}
CEOF
    # shellcheck disable=SC2046  # pkg-config prints words
    if $CC -std=c11 -D_DEFAULT_SOURCE -I"$here/../tools" -o "$tmp/walk" "$tmp/walk.c" \
        $(pkg-config --cflags --libs libudfread) >"$tmp/cc.log" 2>&1; then
        walker=$tmp/walk
    fi
fi

# ---------------------------------------------------------------- images
"$PY" "$tmp/tree.py" "$tmp/src" tree
"$PY" "$tmp/tree.py" "$tmp/big" big
for r in 1.02 2.01 2.50; do
    tap_check "UDF $r image of the tree" \
        "$MKIMAGE" create -q --fs udf --udf-revision "$r" -o "$tmp/u$r.img" "$tmp/src"
done
# With ISO9660 and Joliet (pycdlib needs the ISO9660 descriptor).  The
# 3000-byte link is left out: pycdlib cannot read the Rock Ridge
# continuation areas it takes.
cp -a "$tmp/src" "$tmp/src2" && rm "$tmp/src2/long3000"
tap_check "ISO9660 + Joliet + UDF 1.02 image of the tree" \
    "$MKIMAGE" create -q --udf-revision 1.02 -o "$tmp/all.img" "$tmp/src2"
tap_check "UDF 2.50 image of a directory of 1,500 entries" \
    "$MKIMAGE" create -q --fs udf --udf-revision 2.50 -o "$tmp/big.img" "$tmp/big"

# compare DESC MODE TREE LISTING [ARG]: check.py's verdict.
compare() {
    if out=$("$PY" "$tmp/check.py" "$2" "$3" "$4" ${5:+"$5"} 2>&1); then
        tap_ok "$1"
    else
        tap_fail "$1" "$out"
    fi
}

# mkimage's own reader.
for r in 1.02 2.01 2.50; do
    if [ -x "$WALK" ] && "$WALK" "$tmp/u$r.img" udf >"$tmp/w$r.lst" 2>"$tmp/w.err"; then
        compare "mkimage's reader: UDF $r as the host tree (types, modes, owners, links, targets)" \
            fsiwalk "$tmp/src" "$tmp/w$r.lst"
    else
        tap_fail "mkimage's reader: UDF $r" "$(cat "$tmp/w.err" 2>/dev/null)"
    fi
done
if [ -x "$WALK" ] && "$WALK" "$tmp/big.img" udf >"$tmp/wbig.lst" 2>"$tmp/w.err"; then
    compare "mkimage's reader: the big directory" fsiwalk "$tmp/big" "$tmp/wbig.lst"
else
    tap_fail "mkimage's reader: the big directory" "$(cat "$tmp/w.err" 2>/dev/null)"
fi

# libudfread.
for img in u1.02 u2.01 u2.50 big; do
    tree=$tmp/src
    [ "$img" = big ] && tree=$tmp/big
    if [ -z "$walker" ]; then
        tap_skip "libudfread: $img" "libudfread-dev or a C compiler missing"
    elif $walker "$tmp/$img.img" >"$tmp/r$img.lst" 2>"$tmp/r.err"; then
        compare "libudfread: $img.img holds the tree (data, link path components)" \
            udfread "$tree" "$tmp/r$img.lst"
    else
        tap_fail "libudfread: $img.img" "$(cat "$tmp/r.err")"
    fi
done

# pycdlib: UDF 1.02 File Entries, field by field.
if "$PY" -c 'import pycdlib' 2>/dev/null; then
    compare "pycdlib: ICB types and flags, permissions, owners, link counts, device attributes" \
        pycdlib "$tmp/src2" "$tmp/all.img"
else
    tap_skip "pycdlib: UDF File Entries" "pycdlib missing"
fi

# 7-Zip: only files and directories (it refuses a volume with others).
mkdir "$tmp/plain" "$tmp/plain/sub" &&
    (cd "$tmp/src" && cp f600 x755 s4755 owned hl1 readme.txt ReadMe.TXT ../plain/) &&
    ln "$tmp/plain/hl1" "$tmp/plain/hl2" && ln "$tmp/plain/hl1" "$tmp/plain/sub/hl3"
if ! have 7z; then
    tap_skip "7-Zip: names, sizes, link counts" "7z missing"
elif "$MKIMAGE" create -q --fs udf --udf-revision 2.01 -o "$tmp/plain.img" "$tmp/plain" &&
    7z l -slt "$tmp/plain.img" >"$tmp/7z.lst" 2>&1; then
    compare "7-Zip: names, sizes, link counts" 7z "$tmp/plain" "$tmp/7z.lst"
else
    tap_fail "7-Zip: names, sizes, link counts" "$(cat "$tmp/7z.lst" 2>/dev/null)"
fi

# udfinfo: the volume, its counts (files: names that are not directories).
if ! have udfinfo; then
    tap_skip "udfinfo: revision and counts" "udfinfo missing"
else
    nf=$(cd "$tmp/src" && find . -mindepth 1 ! -type d | wc -l)
    nd=$(cd "$tmp/src" && find . -type d | wc -l)
    info=$(udfinfo "$tmp/u2.50.img" 2>&1)
    want="integrity=closed numdirs=$nd numfiles=$nf udfrev=2.50 "
    got=$(printf '%s\n' "$info" | grep -E '^(udfrev|numfiles|numdirs|integrity)=' | sort | tr '\n' ' ')
    if [ "$got" = "$want" ]; then
        tap_ok "udfinfo: revision and counts"
    else
        tap_fail "udfinfo: revision and counts" "want: $want
$info"
    fi
fi

# Hard-linked data once: three names of 4 MiB cost 4 MiB, not 12.
mkdir "$tmp/hl" && head -c 4194304 /dev/zero | tr '\0' x >"$tmp/hl/a" &&
    ln "$tmp/hl/a" "$tmp/hl/b" && ln "$tmp/hl/a" "$tmp/hl/c"
if "$MKIMAGE" create -q --fs udf --udf-revision 2.50 -o "$tmp/hl1.img" "$tmp/hl" &&
    "$MKIMAGE" create -q --fs udf --udf-revision 2.50 --no-hardlinks -o "$tmp/hl2.img" "$tmp/hl"; then
    s1=$(wc -c <"$tmp/hl1.img") s2=$(wc -c <"$tmp/hl2.img")
    if [ "$s1" -lt 5242880 ] && [ $((s2 - s1)) -ge 8388608 ]; then
        tap_ok "hard-linked data stored once ($s1 bytes; apart: $s2)"
    else
        tap_fail "hard-linked data stored once" "linked: $s1 bytes, apart: $s2"
    fi
else
    tap_fail "hard-linked data stored once" "mkimage failed"
fi

# --normalize: owners 0, modes as mkisofs -r (r for all, x if any, no w/set-id).
if "$MKIMAGE" create -q --fs udf --udf-revision 2.01 --normalize -o "$tmp/norm.img" "$tmp/src" &&
    [ -x "$WALK" ] && "$WALK" "$tmp/norm.img" udf >"$tmp/norm.lst" 2>&1; then
    odd=$(awk -F'\t' '$6 != "0:0" ||
        ($2 != "l" && $5 != "0444" && $5 != "0555") { print }' "$tmp/norm.lst")
    if [ -z "$odd" ]; then
        tap_ok "--normalize: owners 0, modes 0444/0555"
    else
        tap_fail "--normalize: owners 0, modes 0444/0555" "$odd"
    fi
else
    tap_fail "--normalize" "$(cat "$tmp/norm.lst" 2>/dev/null)"
fi

tap_done
