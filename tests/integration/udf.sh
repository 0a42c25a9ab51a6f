#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# tests/integration/udf.sh - UDF images (revisions 1.02, 1.50, 2.00, 2.01,
# 2.50, 2.60; bridged with ISO9660 + Joliet, and UDF only) made by
# `mkimage create`, read back and compared with the source tree (path,
# size and SHA-256 of every file; every directory) by:
#  - our own parser of the image bytes (udfcheck below), which also checks
#    the structures: the volume recognition sequence, both anchors, the
#    main and reserve sequences, the closed integrity descriptor and its
#    counts and revisions, every descriptor tag (checksum, CRC, location),
#    unique IDs, link counts, extent lengths, for 2.50+ the metadata
#    partition and that its mirror is an exact copy;
#  - libudfread (a small C walker compiled here against libudfread-dev),
#  - libcdio's libudf (another walker; 1.02 and 1.50 only: it reads no
#    Extended File Entries, which UDF 2.00+ uses),
#  - 7-Zip (7z x -tudf), pycdlib (1.02 and 1.50 bridges only: it needs an
#    ISO9660 volume and reads neither Extended File Entries nor two
#    partition maps), and udfinfo (revision, label, integrity, counts, no
#    warnings).
# For bridges, the ISO9660 and Joliet records of every file point at the
# very blocks its UDF allocation descriptors point at.  Then deep trees and
# many files (UDF only), long and Unicode names, owner/group/permissions
# and times (our parser, udfclient, 7-Zip), hidden items, reproducibility,
# files and directories in many extents with Allocation Extent Descriptors
# (a build with 64 KiB extents), and a 5 GiB sparse file.  Prints TAP.
#
# Reader quirks, measured: 7-Zip and libudf do not follow Allocation
# Extent Descriptors (a file needs them only past 229 GiB, or 114 GiB with
# the long allocation descriptors of 2.50+); udfclient escapes characters
# above U+00FF in the names it extracts, so it is used for attributes only.
#
# Environment: MKIMAGE (default ./mkimage), top_builddir (for
# tests/mkimage-udf-small, mkimage with 64 KiB UDF extents), CC (default
# cc), FSI_TEST_SKIP_BIG=1 skips the 5 GiB sparse-file cases.

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/integration/lib.sh
. "$here/lib.sh"

top_builddir=${top_builddir:-$(pwd)}
MKIMAGE=${MKIMAGE:-$top_builddir/mkimage}
CC=${CC:-cc}
PY=/usr/bin/python3
LC_ALL=C.UTF-8
export LC_ALL
unset SOURCE_DATE_EPOCH

tmp=$(mktemp -d "${TMPDIR:-/tmp}/fsi-udf.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' HUP INT TERM

have() { command -v "$1" >/dev/null 2>&1; }

# ---- udfcheck.py: trees, walker streams, and our own UDF parser --------
cat >"$tmp/udfcheck.py" <<'PYEOF'
import hashlib, os, stat, struct, sys

BS = 2048

# ---- host trees ------------------------------------------------------

def sha_file(p):
    h = hashlib.sha256()
    n = 0
    with open(p, "rb") as f:
        while True:
            b = f.read(1 << 20)
            if not b:
                break
            h.update(b)
            n += len(b)
    return n, h.hexdigest()

def tree(root):
    out = []
    for dp, dns, fns in os.walk(root):
        rel = os.path.relpath(dp, root)
        rel = "" if rel == "." else "/" + rel
        for d in dns:
            out.append(f"{rel}/{d}/\tdir")
        for f in fns:
            n, h = sha_file(os.path.join(dp, f))
            out.append(f"{rel}/{f}\t{n}\t{h}")
    return sorted(out)

def tree_attrs(root):
    out = []
    for dp, dns, fns in os.walk(root):
        rel = os.path.relpath(dp, root)
        rel = "" if rel == "." else "/" + rel
        for x in dns + fns:
            st = os.stat(os.path.join(dp, x))
            out.append(f"{rel}/{x}\t{stat.S_IMODE(st.st_mode):04o}\t{st.st_uid}\t{st.st_gid}\t{st.st_mtime_ns // 1000}")
    return sorted(out)

# ---- a stream of files from a walker ----------------------------------
# "D path\n" for a directory; "F size lba path\n" then size raw bytes.

def from_stream(f, latin1=False):
    out = []
    while True:
        line = f.readline()
        if not line:
            break
        try:
            line = line.decode("utf-8")
        except UnicodeDecodeError:
            # libudf gives 8-bit CS0 names as their Latin-1 bytes
            line = line.decode("latin-1" if latin1 else "utf-8", "surrogateescape")
        line = line.rstrip("\n")
        if line.startswith("D "):
            out.append(f"{line[2:]}/\tdir")
            continue
        if not line.startswith("F "):
            raise SystemExit(f"bad walker line: {line!r}")
        _, size, _lba, path = line.split(" ", 3)
        size = int(size)
        h = hashlib.sha256()
        left = size
        while left:
            b = f.read(min(left, 1 << 20))
            if not b:
                raise SystemExit(f"short data for {path}")
            h.update(b)
            left -= len(b)
        out.append(f"{path}\t{size}\t{h.hexdigest()}")
    return sorted(out)

# ---- UDF, parsed from the image bytes ---------------------------------

CRC_TABLE = []
for _b in range(256):
    _c = _b << 8
    for _ in range(8):
        _c = ((_c << 1) ^ 0x1021) & 0xFFFF if _c & 0x8000 else (_c << 1) & 0xFFFF
    CRC_TABLE.append(_c)

def crc16(data):
    c = 0
    for x in data:
        c = ((c << 8) & 0xFFFF) ^ CRC_TABLE[(c >> 8) ^ x]
    return c

def cs0(b):
    if not b:
        return ""
    if b[0] == 8:
        return b[1:].decode("latin-1")
    if b[0] == 16:
        return b[1:].decode("utf-16-be")
    raise ValueError(f"compression id {b[0]}")

def dstring(b):
    n = b[-1]
    return cs0(b[:n]) if n else ""

def ts_us(b):
    import calendar
    tz, year, mon, day, h, mi, s, cs, hu, us = struct.unpack("<HhBBBBBBBB", b)
    off = tz & 0xFFF
    if off & 0x800:
        off -= 0x1000
    t = calendar.timegm((year, mon, day, h, mi, s, 0, 0, 0))
    if (tz >> 12) == 1 and off != -2047:
        t -= off * 60
    return t * 1000000 + cs * 10000 + hu * 100 + us

class Udf:
    def __init__(self, path):
        self.f = open(path, "rb")
        self.f.seek(0, 2)
        self.size = self.f.tell()
        self.nblocks = self.size // BS
        self.problems = []
        self.files = {}          # path -> dict
        self.uids = {}

    def bad(self, msg):
        self.problems.append(msg)

    def block(self, n, count=1):
        self.f.seek(n * BS)
        return self.f.read(count * BS)

    def tag(self, buf, loc, want=None, what=""):
        if len(buf) < 16:
            self.bad(f"{what}: short descriptor")
            return None
        ident, ver, ck, _r, _ser, crc, crclen, tloc = struct.unpack("<HHBBHHHI", buf[:16])
        s = (sum(buf[:4]) + sum(buf[5:16])) & 0xFF
        if s != ck:
            self.bad(f"{what} at {loc}: tag checksum {ck} != {s}")
        if 16 + crclen > len(buf):
            self.bad(f"{what} at {loc}: CRC length {crclen} beyond the descriptor")
        elif crc16(buf[16:16 + crclen]) != crc:
            self.bad(f"{what} at {loc}: CRC mismatch")
        if tloc != loc:
            self.bad(f"{what} at {loc}: tag location {tloc}")
        if ver != self.dver:
            self.bad(f"{what} at {loc}: descriptor version {ver} != {self.dver}")
        if want is not None and ident != want:
            self.bad(f"{what} at {loc}: tag {ident}, expected {want}")
        return ident

    # -- volume structures --
    def volume(self, rev):
        self.rev = rev
        self.dver = 3 if rev >= 0x200 else 2
        # VRS: after the CD001 set, BEA01 NSR0x TEA01
        b, seen = 16, []
        while b < 64:
            d = self.block(b)
            sid = d[1:6]
            if sid == b"CD001":
                b += 1
                continue
            seen = [self.block(b + i)[1:6] for i in range(3)]
            break
        self.vrs_start = b
        nsr = b"NSR03" if rev >= 0x200 else b"NSR02"
        if seen != [b"BEA01", nsr, b"TEA01"]:
            self.bad(f"VRS at {b}: {seen}")
        # anchors
        a = self.block(256)
        self.tag(a, 256, 2, "AVDP")
        last = self.nblocks - 1
        z = self.block(last)
        self.tag(z, last, 2, "closing AVDP")
        if a[16:32] != z[16:32]:
            self.bad("anchors differ")
        mlen, mloc, rlen, rloc = struct.unpack("<IIII", a[16:32])
        if mlen < 16 * BS or rlen < 16 * BS:
            self.bad("VDS extents shorter than 16 blocks")
        main = self.vds(mloc, mlen // BS, "main")
        resv = self.vds(rloc, rlen // BS, "reserve")
        if main.keys() != resv.keys():
            self.bad(f"reserve VDS has {sorted(resv)} but main {sorted(main)}")
        for k in main:
            if k in resv and main[k][16:] != resv[k][16:]:
                self.bad(f"reserve copy of descriptor {k} differs")
        for k in (1, 4, 5, 6, 7, 8):
            if k not in main:
                self.bad(f"main VDS lacks descriptor {k}")
        pvd, iuvd, pd, lvd = main[1], main[4], main[5], main[6]
        self.label = dstring(lvd[84:212])
        self.vid = dstring(pvd[24:56])
        vsid = dstring(pvd[72:200])
        if len(vsid) < 16 or any(c not in "0123456789abcdef" for c in vsid[:16]):
            self.bad(f"volume set id {vsid!r} does not start with 16 hex digits")
        if iuvd[21:33] != b"*UDF LV Info":
            self.bad("IUVD implementation id")
        if struct.unpack("<H", iuvd[44:46])[0] != rev:
            self.bad("IUVD revision")
        # partition
        pflags, pnum = struct.unpack("<HH", pd[20:24])
        contents = pd[25:31]
        if contents != (b"+NSR03" if rev >= 0x200 else b"+NSR02"):
            self.bad(f"partition contents {contents}")
        acc, self.pstart, self.plen = struct.unpack("<III", pd[184:196])
        if acc != 1:
            self.bad(f"access type {acc}")
        if self.pstart + self.plen > self.nblocks:
            self.bad("partition beyond the image")
        # logical volume
        bsz, = struct.unpack("<I", lvd[212:216])
        if bsz != BS:
            self.bad("block size")
        if lvd[217:236] != b"*OSTA UDF Compliant" or struct.unpack("<H", lvd[240:242])[0] != rev:
            self.bad("LVD domain id / revision")
        fsd_len, fsd_blk, fsd_ref = struct.unpack("<IIH", lvd[248:258])
        mtl, npm = struct.unpack("<II", lvd[264:272])
        ilen, iloc = struct.unpack("<II", lvd[432:440])
        maps = lvd[440:440 + mtl]
        self.maps = []
        o = 0
        for _ in range(npm):
            t, l = maps[o], maps[o + 1]
            self.maps.append((t, maps[o:o + l]))
            o += l
        self.meta = None
        want_maps = 2 if rev >= 0x250 else 1
        if len(self.maps) != want_maps or self.maps[0][0] != 1:
            self.bad(f"partition maps {[m[0] for m in self.maps]}")
        if rev >= 0x250 and len(self.maps) == 2:
            m = self.maps[1][1]
            if m[0] != 2 or m[5:28] != b"*UDF Metadata Partition":
                self.bad("metadata partition map")
            mf, mm, mb, au = struct.unpack("<IIII", m[40:56])
            al, = struct.unpack("<H", m[56:58])
            if mb != 0xFFFFFFFF:
                self.bad("metadata bitmap present on a read-only volume")
            self.meta = self.metadata(mf, mm, au, al, m[58])
        # integrity
        lvid = self.block(iloc)
        self.tag(lvid, iloc, 9, "LVID")
        itype, = struct.unpack("<I", lvid[28:32])
        if itype != 1:
            self.bad("LVID not closed")
        self.next_uid, = struct.unpack("<Q", lvid[40:48])
        n, liu = struct.unpack("<II", lvid[72:80])
        if n != len(self.maps):
            self.bad("LVID partition count")
        iu = lvid[80 + 8 * n: 80 + 8 * n + liu]
        self.nfiles, self.ndirs, rmin, wmin, wmax = struct.unpack("<IIHHH", iu[32:46])
        if rmin != (0x250 if rev == 0x260 else rev) or wmin != rev or wmax != rev:
            self.bad(f"LVID revisions {rmin:x} {wmin:x} {wmax:x}")
        self.tag(self.block(iloc + 1), iloc + 1, 8, "LVID terminator")
        # file set
        fsd = self.read_lb(fsd_ref, fsd_blk, 1)
        self.tag(fsd, fsd_blk, 256, "FSD")
        root_blk, root_ref = struct.unpack("<IH", fsd[404:410])
        if fsd[417:436] != b"*OSTA UDF Compliant":
            self.bad("FSD domain")
        self.fsd_ref = fsd_ref
        self.root = (root_ref, root_blk)

    def vds(self, loc, n, what):
        out = {}
        for i in range(n):
            d = self.block(loc + i)
            ident = self.tag(d, loc + i, None, f"{what} VDS")
            out[ident] = d
            if ident == 8:
                break
        return out

    def metadata(self, mf, mm, au, al, flags):
        ext = []
        for which, loc, ft in (("metadata", mf, 250), ("mirror", mm, 251)):
            fe = self.block(self.pstart + loc)
            self.tag(fe, loc, 266, f"{which} file EFE")
            if fe[27] != ft:
                self.bad(f"{which} file type {fe[27]}")
            size, = struct.unpack("<Q", fe[56:64])
            uid, lea, lad = struct.unpack("<QII", fe[200:216])
            if uid != 0:
                self.bad(f"{which} file unique id {uid}")
            ads = fe[216 + lea:216 + lea + lad]
            e = []
            for o in range(0, lad, 8):
                l, p = struct.unpack("<II", ads[o:o + 8])
                e.append((p, l & 0x3FFFFFFF))
                if p % al:
                    self.bad(f"{which} extent at {p} not aligned to {al}")
            if sum(x[1] for x in e) != size or size % (au * BS):
                self.bad(f"{which} file size {size}")
            ext.append(e)
        if flags & 1:
            a = b"".join(self.block(self.pstart + p, l // BS) for p, l in ext[0])
            b = b"".join(self.block(self.pstart + p, l // BS) for p, l in ext[1])
            if a != b:
                self.bad("metadata mirror differs from the metadata file")
        return ext[0]

    def abs_block(self, ref, blk):
        if ref == 0:
            if blk >= self.plen:
                self.bad(f"block {blk} beyond the partition")
            return self.pstart + blk
        if ref == 1 and self.meta is not None:
            o = blk * BS
            for p, l in self.meta:
                if o < l:
                    return self.pstart + p + o // BS
                o -= l
            self.bad(f"metadata block {blk} beyond the metadata file")
            return 0
        self.bad(f"partition reference {ref}")
        return 0

    def read_lb(self, ref, blk, n):
        return b"".join(self.block(self.abs_block(ref, blk + i)) for i in range(n))

    # -- files --
    def entry(self, ref, blk, what):
        fe = self.read_lb(ref, blk, 1)
        efe = self.rev >= 0x200
        ident = self.tag(fe, blk, 266 if efe else 261, what)
        ftype = fe[27]
        iflags, = struct.unpack("<H", fe[34:36])
        uid, gid, perm, links = struct.unpack("<IIIH", fe[36:50])
        size, = struct.unpack("<Q", fe[56:64])
        if efe:
            objsize, recorded = struct.unpack("<QQ", fe[64:80])
            if objsize != size:
                self.bad(f"{what}: object size")
            atime, mtime, ctime, attime = (ts_us(fe[o:o + 12]) for o in (80, 92, 104, 116))
            unique, lea, lad = struct.unpack("<QII", fe[200:216])
            hdr = 216
        else:
            recorded, = struct.unpack("<Q", fe[64:72])
            atime, mtime, attime = (ts_us(fe[o:o + 12]) for o in (72, 84, 96))
            unique, lea, lad = struct.unpack("<QII", fe[160:176])
            hdr = 176
        adt = iflags & 7
        exts = self.ads(fe[hdr + lea:hdr + lea + lad], adt, ref, what)
        if sum(l for _, _, l in exts) != size:
            self.bad(f"{what}: extents cover {sum(l for _, _, l in exts)} of {size} bytes")
        for i, (_, _, l) in enumerate(exts):
            if l >= 1 << 30 or (i + 1 < len(exts) and l % BS):
                self.bad(f"{what}: extent length {l}")
        if recorded != (size + BS - 1) // BS:
            self.bad(f"{what}: blocks recorded {recorded}")
        mode = 0
        for cls in range(3):
            p = (perm >> (5 * cls)) & 0x1F
            mode |= ((p & 4 and 4) | (p & 2 and 2) | (p & 1)) << (3 * cls)
        mode |= (iflags & 0x40 and 0o4000) | (iflags & 0x80 and 0o2000) | (iflags & 0x100 and 0o1000)
        return dict(ftype=ftype, size=size, exts=exts, uid=uid, gid=gid, mode=mode,
                    links=links, unique=unique, mtime=mtime, adt=adt)

    def ads(self, raw, adt, ref, what, depth=0):
        out = []
        size = 8 if adt == 0 else 16
        if adt not in (0, 1):
            self.bad(f"{what}: allocation descriptor type {adt}")
            return out
        for o in range(0, len(raw) - size + 1, size):
            l, p = struct.unpack("<II", raw[o:o + 8])
            r = ref if adt == 0 else struct.unpack("<H", raw[o + 8:o + 10])[0]
            typ, l = l >> 30, l & 0x3FFFFFFF
            if typ == 3:
                aed = self.read_lb(r, p, 1)
                self.tag(aed, p, 258, f"{what} AED")
                n, = struct.unpack("<I", aed[20:24])
                if depth > 100000:
                    self.bad(f"{what}: AED loop")
                    return out
                out += self.ads(aed[24:24 + n], adt, r, what, depth + 1)
                break
            if typ != 0:
                self.bad(f"{what}: extent type {typ}")
            if l:
                out.append((r, p, l))
        return out

    def read_exts(self, exts, sink):
        for r, p, l in exts:
            a = self.abs_block(r, p)
            self.f.seek(a * BS)
            left = l
            while left:
                b = self.f.read(min(left, 1 << 22))
                if not b:
                    self.bad("read past the end")
                    return
                sink(b)
                left -= len(b)

    def walk(self, hashes=True):
        self.listing = []
        self.attrs = []
        self.hidden = []
        seen = {}
        nf = nd = 0
        ref, blk = self.root
        root = self.entry(ref, blk, "root")
        if root["unique"] != 0:
            self.bad("root unique id is not 0")
        stack = [("", ref, blk, root, (ref, blk))]
        nd = 1
        while stack:
            path, ref, blk, e, parent = stack.pop()
            if e["ftype"] != 4:
                self.bad(f"{path}/: file type {e['ftype']}")
            data = bytearray()
            self.read_exts(e["exts"], data.extend)
            # FIDs
            o, first, nsub = 0, True, 0
            while o < len(data):
                # the block of the FID's start
                loc = None
                acc = 0
                for r, p, l in e["exts"]:
                    if o < acc + l:
                        loc = p + (o - acc) // BS
                        break
                    acc += l
                if (o % BS) + 16 > BS:
                    self.bad(f"{path}/: FID tag crosses a block boundary at {o}")
                fid = bytes(data[o:o + 38])
                ch, lfi = fid[18], fid[19]
                liu, = struct.unpack("<H", fid[36:38])
                fsize = (38 + liu + lfi + 3) & ~3
                full = bytes(data[o:o + fsize])
                self.tag(full, loc, 257, f"{path}/ FID")
                clen, cblk, cref = struct.unpack("<IIH", fid[20:30])
                cuid, = struct.unpack("<I", fid[32:36])
                if first:
                    if not ch & 8 or (cref, cblk) != parent:
                        self.bad(f"{path}/: first FID is not the parent")
                    first = False
                    o += fsize
                    continue
                name = cs0(full[38 + liu:38 + liu + lfi])
                if lfi < 2:
                    self.bad(f"{path}/: empty name")
                p = f"{path}/{name}"
                c = self.entry(cref, cblk, p)
                if self.rev >= 0x200 and cuid != (c["unique"] & 0xFFFFFFFF):
                    self.bad(f"{p}: FID unique id {cuid} != {c['unique']}")
                if c["unique"] < 16 or c["unique"] in seen:
                    self.bad(f"{p}: unique id {c['unique']}")
                seen[c["unique"]] = p
                if c["unique"] >= self.next_uid:
                    self.bad(f"{p}: unique id not below the LVID's next {self.next_uid}")
                if ch & 1:
                    self.hidden.append(p)
                self.attrs.append(f"{p}\t{c['mode']:04o}\t{c['uid']}\t{c['gid']}\t{c['mtime']}")
                if ch & 2:
                    nsub += 1
                    nd += 1
                    self.listing.append(f"{p}/\tdir")
                    stack.append((p, cref, cblk, c, (ref, blk)))
                else:
                    nf += 1
                    if c["ftype"] != 5:
                        self.bad(f"{p}: file type {c['ftype']}")
                    if self.meta is not None and c["exts"] and (c["adt"] != 1 or any(r != 0 for r, _, _ in c["exts"])):
                        self.bad(f"{p}: data not on partition 0 through long ADs")
                    h = hashlib.sha256()
                    if hashes:
                        self.read_exts(c["exts"], h.update)
                    self.listing.append(f"{p}\t{c['size']}\t{h.hexdigest()}")
                    self.files[p] = [(self.abs_block(r, q), l) for r, q, l in c["exts"]]
                o += fsize
            if e["links"] != 1 + nsub:
                self.bad(f"{path}/: link count {e['links']} with {nsub} subdirectories")
        if nf != self.nfiles or nd != self.ndirs:
            self.bad(f"LVID counts {self.nfiles} files {self.ndirs} dirs, found {nf} {nd}")
        self.listing.sort()
        self.attrs.sort()

# ---- ECMA-119 directory records (for the bridge check) ----------------

def iso_files(path, joliet):
    f = open(path, "rb")
    b = 16
    vd = None
    while True:
        f.seek(b * BS)
        d = f.read(BS)
        if d[1:6] != b"CD001" or d[0] == 255:
            break
        if (not joliet and d[0] == 1) or (joliet and d[0] == 2 and d[88:90] == b"%/"):
            vd = d
        b += 1
    if vd is None:
        return None
    out = {}
    def rec_walk(lba, size, prefix):
        f.seek(lba * BS)
        data = f.read(size)
        o = 0
        while o < len(data):
            n = data[o]
            if n == 0:
                o = (o // BS + 1) * BS
                continue
            r = data[o:o + n]
            ext, = struct.unpack("<I", r[2:6])
            ln, = struct.unpack("<I", r[10:14])
            fl = r[25]
            idl = r[32]
            ident = r[33:33 + idl]
            o += n
            if ident in (b"\x00", b"\x01"):
                continue
            name = ident.decode("utf-16-be") if joliet else ident.decode("latin-1")
            if name.endswith(";1"):
                name = name[:-2]
            p = prefix + "/" + name
            if fl & 2:
                rec_walk(ext, ln, p)
            else:
                out.setdefault(p, []).append((ext, ln))
    root = vd[156:190]
    rec_walk(struct.unpack("<I", root[2:6])[0], struct.unpack("<I", root[10:14])[0], "")
    return out

def runs(exts):
    """Merge (block, bytes) extents into contiguous (block, blocks) runs."""
    out = []
    for blk, l in exts:
        if l == 0:
            continue
        nb = (l + BS - 1) // BS
        if out and out[-1][0] + out[-1][1] == blk:
            out[-1] = (out[-1][0], out[-1][1] + nb)
        else:
            out.append((blk, nb))
    return out

# ---- pycdlib -------------------------------------------------------------

def pycdlib_list(img):
    import pycdlib
    iso = pycdlib.PyCdlib()
    iso.open(img)
    out = []
    class Sink:
        def __init__(self):
            self.h = hashlib.sha256(); self.n = 0
        def write(self, b):
            self.h.update(b); self.n += len(b); return len(b)
    for dp, dns, fns in iso.walk(udf_path="/"):
        base = dp.rstrip("/")
        for d in dns:
            out.append(f"{base}/{d}/\tdir")
        for fn in fns:
            s = Sink()
            try:
                iso.get_file_from_iso_fp(s, udf_path=f"{base}/{fn}")
            except Exception:
                pass          # empty files have no data to write out
            out.append(f"{base}/{fn}\t{s.n}\t{s.h.hexdigest()}")
    iso.close()
    return sorted(out)

# ---- commands ----------------------------------------------------------

def main():
    cmd = sys.argv[1]
    if cmd == "tree":
        print("\n".join(tree(sys.argv[2])))
    elif cmd == "tree-attrs":
        print("\n".join(tree_attrs(sys.argv[2])))
    elif cmd == "pycdlib":
        print("\n".join(pycdlib_list(sys.argv[2])))
    elif cmd == "stream":
        print("\n".join(from_stream(sys.stdin.buffer, len(sys.argv) > 2 and sys.argv[2] == "latin1")))
    elif cmd in ("check", "attrs", "hidden", "extents", "bridge"):
        rev = int(sys.argv[3], 16)
        u = Udf(sys.argv[2])
        u.volume(rev)
        u.walk(hashes=cmd == "check")
        if cmd == "check":
            print("\n".join(u.listing))
        elif cmd == "attrs":
            print("\n".join(u.attrs))
        elif cmd == "hidden":
            print("\n".join(sorted(u.hidden)))
        elif cmd == "extents":
            for p in sorted(u.files):
                print(p + "\t" + " ".join(f"{b}+{l}" for b, l in u.files[p]))
        elif cmd == "bridge":
            j = iso_files(sys.argv[2], True)
            i = iso_files(sys.argv[2], False)
            if j is None or i is None:
                u.bad("no ISO9660 or Joliet volume descriptor")
            else:
                for p, e in sorted(j.items()):
                    if sum(l for _, l in e) == 0:
                        continue
                    if p not in u.files:
                        u.bad(f"{p}: in Joliet, not in UDF")
                    elif runs(e) != runs(u.files[p]):
                        u.bad(f"{p}: Joliet {runs(e)} UDF {runs(u.files[p])}")
                iso = sorted(tuple(runs(e)) for e in i.values() if sum(l for _, l in e))
                udf = sorted(tuple(runs(e)) for e in u.files.values() if e)
                if iso != udf:
                    u.bad("ISO9660 file extents differ from UDF's")
                n = sum(1 for e in u.files.values() if e)
                print(f"{n} files with data share their blocks")
        for p in u.problems:
            print("PROBLEM " + p, file=sys.stderr)
        sys.exit(1 if u.problems else 0)
    elif cmd == "udf-only":
        # no ECMA-119 descriptors: the VRS starts at 16 with BEA01
        f = open(sys.argv[2], "rb")
        f.seek(16 * BS)
        d = f.read(BS)
        if d[1:6] != b"BEA01":
            print(f"block 16 holds {d[1:6]!r}", file=sys.stderr)
            sys.exit(1)
    else:
        raise SystemExit("usage")

main()
PYEOF

# ---- the C walkers ------------------------------------------------------
# Both print "D path" for a directory and "F size lba path" followed by
# the file's bytes; udfcheck.py stream turns that into a listing.
cat >"$tmp/lu.c" <<'CEOF'
/* List a UDF image through libudfread: "D path" for a directory,
 * "F size lba path" followed by the file's bytes for a file. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <udfread/udfread.h>

static int errors;

static void walk(UDFDIR *dir, const char *path)
{
    struct udfread_dirent ent;
    while (udfread_readdir(dir, &ent)) {
        if (!strcmp(ent.d_name, ".") || !strcmp(ent.d_name, ".."))
            continue;
        size_t n = strlen(path) + strlen(ent.d_name) + 2;
        char *p = malloc(n);
        snprintf(p, n, "%s/%s", path, ent.d_name);
        if (ent.d_type == UDF_DT_DIR) {
            printf("D %s\n", p);
            UDFDIR *sub = udfread_opendir_at(dir, ent.d_name);
            if (sub) {
                walk(sub, p);
                udfread_closedir(sub);
            } else {
                fprintf(stderr, "cannot open directory %s\n", p);
                errors = 1;
            }
        } else {
            UDFFILE *f = udfread_file_openat(dir, ent.d_name);
            if (!f) {
                fprintf(stderr, "cannot open %s\n", p);
                errors = 1;
                free(p);
                continue;
            }
            int64_t size = udfread_file_size(f), left = size;
            printf("F %lld %u %s\n", (long long)size, size > 0 ? udfread_file_lba(f, 0) : 0, p);
            static char buf[1 << 20];
            while (left > 0) {
                ssize_t r = udfread_file_read(f, buf, left < (int64_t)sizeof buf ? (size_t)left : sizeof buf);
                if (r <= 0) {
                    fprintf(stderr, "read error in %s\n", p);
                    errors = 1;
                    memset(buf, 0, sizeof buf);   /* keep the stream in step */
                    r = left < (int64_t)sizeof buf ? left : (int64_t)sizeof buf;
                }
                fwrite(buf, 1, (size_t)r, stdout);
                left -= r;
            }
            udfread_file_close(f);
        }
        free(p);
    }
}

int main(int argc, char **argv)
{
    if (argc != 2)
        return 2;
    udfread *u = udfread_init();
    if (!u || udfread_open(u, argv[1]) < 0) {
        fprintf(stderr, "udfread_open failed\n");
        return 1;
    }
    UDFDIR *root = udfread_opendir(u, "/");
    if (!root) {
        fprintf(stderr, "no root directory\n");
        return 1;
    }
    walk(root, "");
    udfread_closedir(root);
    udfread_close(u);
    return errors;
}
CEOF
cat >"$tmp/lc.c" <<'CEOF'
/* List a UDF image through libcdio's libudf, in the same stream format. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cdio/udf.h>

static int errors;

static void walk(udf_dirent_t *d, const char *path)
{
    while ((d = udf_readdir(d)) != NULL) {
        udf_fileid_desc_t fid;
        if (udf_get_fileid_descriptor(d, &fid) && (fid.file_characteristics & UDF_FILE_PARENT))
            continue;
        const char *name = udf_get_filename(d);
        size_t n = strlen(path) + strlen(name) + 2;
        char *p = malloc(n);
        snprintf(p, n, "%s/%s", path, name);
        if (udf_is_dir(d)) {
            printf("D %s\n", p);
            udf_dirent_t *sub = udf_opendir(d);
            if (sub)
                walk(sub, p);
            else {
                fprintf(stderr, "cannot open directory %s\n", p);
                errors = 1;
            }
        } else {
            uint64_t size = udf_get_file_length(d), left = size;
            char buf[UDF_BLOCKSIZE];
            printf("F %llu 0 %s\n", (unsigned long long)size, p);
            while (left > 0) {
                /* one block a call: a read may not cross an extent; the
                 * last one returns the bytes left */
                ssize_t r = udf_read_block(d, buf, 1);
                size_t want = left < sizeof buf ? (size_t)left : sizeof buf;
                if (r <= 0) {
                    fprintf(stderr, "read error in %s\n", p);
                    errors = 1;
                    memset(buf, 0, sizeof buf);
                } else if ((size_t)r < want) {
                    want = (size_t)r;
                }
                fwrite(buf, 1, want, stdout);
                left -= want;
            }
        }
        free(p);
    }
}

int main(int argc, char **argv)
{
    if (argc != 2)
        return 2;
    udf_t *u = udf_open(argv[1]);
    if (!u) {
        fprintf(stderr, "udf_open failed\n");
        return 1;
    }
    udf_dirent_t *root = udf_get_root(u, true, 0);
    if (!root) {
        fprintf(stderr, "udf_get_root failed\n");
        udf_close(u);
        return 1;
    }
    walk(root, "");
    udf_close(u);
    return errors;
}
CEOF

LU= LC=
if [ -f /usr/include/udfread/udfread.h ] &&
   "$CC" -std=c11 -O2 -o "$tmp/lu" "$tmp/lu.c" -ludfread >"$tmp/cc.log" 2>&1; then
    LU=$tmp/lu
fi
if [ -f /usr/include/cdio/udf.h ] &&
   "$CC" -std=c11 -O2 -D_GNU_SOURCE -o "$tmp/lc" "$tmp/lc.c" -ludf -lcdio >>"$tmp/cc.log" 2>&1; then
    LC=$tmp/lc
fi
HAVE_PYCDLIB=no
"$PY" -c 'import pycdlib' 2>/dev/null && HAVE_PYCDLIB=yes

# ---- helpers ---------------------------------------------------------------

# same DESC EXPECTED-LISTING ACTUAL-LISTING
same() {
    if cmp -s "$2" "$3"; then
        tap_ok "$1"
    else
        tap_fail "$1" "$(diff "$2" "$3" | head -20)"
    fi
}

# rev_hex 2.01 -> 201
rev_hex() { echo "$1" | tr -d .; }

# check_ours DESC IMG REV EXPECTED
check_ours() {
    if "$PY" "$tmp/udfcheck.py" check "$2" "$(rev_hex "$3")" >"$tmp/ours.lst" 2>"$tmp/ours.err"; then
        same "$1" "$4" "$tmp/ours.lst"
    else
        tap_fail "$1" "$(head -20 "$tmp/ours.err")"
    fi
}

# check_walker DESC WALKER IMG EXPECTED
check_walker() {
    "$2" "$3" 2>"$tmp/w.err" | "$PY" "$tmp/udfcheck.py" stream ${W_LATIN1:+latin1} >"$tmp/w.lst" 2>>"$tmp/w.err"
    if [ -s "$tmp/w.err" ]; then
        tap_fail "$1" "$(head -10 "$tmp/w.err")"
    else
        same "$1" "$4" "$tmp/w.lst"
    fi
}

# check_7z DESC IMG EXPECTED
check_7z() {
    rm -rf "$tmp/x7"
    if 7z x -tudf -y -o"$tmp/x7" "$2" >"$tmp/7z.log" 2>&1; then
        mkdir -p "$tmp/x7"
        "$PY" "$tmp/udfcheck.py" tree "$tmp/x7" >"$tmp/7z.lst"
        same "$1" "$3" "$tmp/7z.lst"
    else
        tap_fail "$1" "$(tail -5 "$tmp/7z.log")"
    fi
    rm -rf "$tmp/x7"
}

# check_udfinfo DESC IMG REV LABEL FILES DIRS
check_udfinfo() {
    want_r=$3
    [ "$3" = 2.60 ] && want_r=2.50        # a 2.60 volume reads as 2.50
    udfinfo "$2" >"$tmp/ui.out" 2>"$tmp/ui.err"
    rc=$?
    bad=
    [ $rc -eq 0 ] || bad="exit status $rc"
    [ -s "$tmp/ui.err" ] && bad="$bad; stderr: $(head -5 "$tmp/ui.err")"
    for kv in "udfrev=$want_r" "udfwriterev=$3" "label=$4" "integrity=closed" \
              "accesstype=readonly" "numfiles=$5" "numdirs=$6"; do
        grep -qx "$kv" "$tmp/ui.out" || bad="$bad; no $kv"
    done
    if [ -z "$bad" ]; then
        tap_ok "$1"
    else
        tap_fail "$1" "$bad
$(cat "$tmp/ui.out")"
    fi
}

# ---- the basic tree -------------------------------------------------------
src=$tmp/src
mkdir -p "$src/dir1/sub" "$src/empty" "$src/many"
printf 'hello\n' >"$src/a.txt"
: >"$src/zero.txt"
head -c 2048 /dev/urandom >"$src/b2048"
head -c 2049 /dev/urandom >"$src/b2049"
head -c 1000000 /dev/urandom >"$src/dir1/r1m"
printf 'x%.0s' $(seq 1 3000) >"$src/dir1/sub/x.txt"
printf 'u\n' >"$src/ümlaut-日本.txt"
printf 'spaces\n' >"$src/Long File Name With Spaces.txt"
i=0
while [ $i -lt 120 ]; do
    printf '%s\n' "$i" >"$src/many/f$i-$(printf 'n%.0s' $(seq 1 $((i % 37))))"
    i=$((i + 1))
done
"$PY" "$tmp/udfcheck.py" tree "$src" >"$tmp/src.lst"
nfiles=$(grep -vc '	dir$' "$tmp/src.lst")
ndirs=$(($(grep -c '	dir$' "$tmp/src.lst") + 1))

tap_plan 138

# ---- every revision, bridged and alone: 8 tests each -----------------------
for rev in 1.02 1.50 2.00 2.01 2.50 2.60; do
    for mode in bridge udf; do
        if [ $mode = bridge ]; then fs=iso9660,joliet,udf; else fs=udf; fi
        img=$tmp/$mode-$rev.iso
        what="UDF $rev ($mode)"
        if "$MKIMAGE" create --quiet --fs $fs --udf-revision $rev -V "Vol $rev" -o "$img" "$src" \
                >"$tmp/mk.log" 2>&1; then
            tap_ok "$what: mkimage create"
        else
            tap_fail "$what: mkimage create" "$(cat "$tmp/mk.log")"
            for t in 2 3 4 5 6 7 8; do tap_fail "$what: (no image)"; done
            continue
        fi
        check_ours "$what: our parser finds valid structures and the source tree" \
            "$img" $rev "$tmp/src.lst"
        if [ -n "$LU" ]; then
            check_walker "$what: libudfread reads the source tree" "$LU" "$img" "$tmp/src.lst"
        else
            tap_skip "$what: libudfread reads the source tree" "no libudfread-dev"
        fi
        if have 7z; then
            check_7z "$what: 7-Zip extracts the source tree" "$img" "$tmp/src.lst"
        else
            tap_skip "$what: 7-Zip extracts the source tree" "no 7z"
        fi
        if have udfinfo; then
            check_udfinfo "$what: udfinfo shows revision, label, counts, no warnings" \
                "$img" $rev "Vol $rev" $nfiles $ndirs
        else
            tap_skip "$what: udfinfo shows revision, label, counts" "no udfinfo"
        fi
        case $rev in
        1.02|1.50)
            if [ -n "$LC" ]; then
                check_walker "$what: libcdio libudf reads the source tree" "$LC" "$img" "$tmp/src.lst"
            else
                tap_skip "$what: libcdio libudf reads the source tree" "no libudf-dev"
            fi ;;
        *)  tap_skip "$what: libcdio libudf reads the source tree" \
                "libudf 2.1 reads no Extended File Entries (UDF 2.00+)" ;;
        esac
        if [ $mode = bridge ] && { [ $rev = 1.02 ] || [ $rev = 1.50 ]; } && [ $HAVE_PYCDLIB = yes ]; then
            if "$PY" "$tmp/udfcheck.py" pycdlib "$img" >"$tmp/py.lst" 2>"$tmp/py.err"; then
                same "$what: pycdlib reads the source tree" "$tmp/src.lst" "$tmp/py.lst"
            else
                tap_fail "$what: pycdlib reads the source tree" "$(tail -3 "$tmp/py.err")"
            fi
        elif [ $mode = udf ]; then
            tap_skip "$what: pycdlib reads the source tree" "pycdlib needs an ISO9660 volume"
        elif [ $HAVE_PYCDLIB = no ]; then
            tap_skip "$what: pycdlib reads the source tree" "no pycdlib"
        else
            tap_skip "$what: pycdlib reads the source tree" \
                "pycdlib 1.12 reads no Extended File Entries nor two partition maps"
        fi
        if [ $mode = bridge ]; then
            tap_check "$what: ISO9660, Joliet and UDF point at the same data blocks" \
                "$PY" "$tmp/udfcheck.py" bridge "$img" "$(rev_hex $rev)"
        else
            tap_check "$what: no ECMA-119 volume, the recognition sequence starts at 16" \
                "$PY" "$tmp/udfcheck.py" udf-only "$img"
        fi
        rm -f "$img"
    done
done

# ---- deep trees and many files, UDF only: 4 tests each ---------------------
deep=$tmp/deep
mkdir -p "$deep/d1/d2/d3/d4/d5/d6/d7/d8/d9/d10"
printf 'deep\n' >"$deep/d1/d2/d3/d4/d5/d6/d7/d8/d9/d10/deep.txt"
mkdir -p "$deep/lots"
i=0
while [ $i -lt 2000 ]; do
    : >"$deep/lots/a-file-in-a-large-directory-$i"
    i=$((i + 1))
done
printf 'some\n' >"$deep/lots/a-file-in-a-large-directory-7"
"$PY" "$tmp/udfcheck.py" tree "$deep" >"$tmp/deep.lst"
for rev in 2.01 2.60; do
    img=$tmp/deep.iso
    what="UDF $rev, 10 levels, 2000 files in one directory"
    tap_check "$what: mkimage create --fs udf" \
        "$MKIMAGE" create --quiet --fs udf --udf-revision $rev -o "$img" "$deep"
    check_ours "$what: our parser" "$img" $rev "$tmp/deep.lst"
    if [ -n "$LU" ]; then
        check_walker "$what: libudfread" "$LU" "$img" "$tmp/deep.lst"
    else
        tap_skip "$what: libudfread" "no libudfread-dev"
    fi
    if have 7z; then
        check_7z "$what: 7-Zip" "$img" "$tmp/deep.lst"
    else
        tap_skip "$what: 7-Zip" "no 7z"
    fi
done
rm -f "$tmp/deep.iso"

# The same tree with ISO9660 on is refused with ISO9660's code.
"$MKIMAGE" create --quiet --fs iso9660,udf -o "$tmp/deep9.iso" "$deep" >"$tmp/mk.log" 2>&1
rc=$?
if [ $rc -eq 1 ] && grep -q 'IMAPI_E_ISO9660_LEVELS' "$tmp/mk.log" && [ ! -e "$tmp/deep9.iso" ]; then
    tap_ok "a 10-level tree with ISO9660 on fails with IMAPI_E_ISO9660_LEVELS"
else
    tap_fail "a 10-level tree with ISO9660 on fails with IMAPI_E_ISO9660_LEVELS" "exit $rc: $(cat "$tmp/mk.log")"
fi

# ---- names: long, 16-bit, outside the BMP, clashes: 4 tests -----------------
# Image paths may be longer than host names, so they come as graft points.
printf 'n\n' >"$tmp/n"
e200=$(printf 'é%.0s' $(seq 1 200))
k127=$(printf '日%.0s' $(seq 1 127))
k129=$(printf '日%.0s' $(seq 1 129))
k130=$(printf '日%.0s' $(seq 1 130))
a255=$(printf 'a%.0s' $(seq 1 255))
a254=$(printf 'a%.0s' $(seq 1 254))
k125=$(printf '日%.0s' $(seq 1 125))
b250=$(printf 'b%.0s' $(seq 1 250))
b249=$(printf 'b%.0s' $(seq 1 249))
img=$tmp/names.iso
tap_check "long and Unicode names: mkimage create --fs udf" \
    "$MKIMAGE" create --quiet --fs udf --udf-revision 1.02 -o "$img" \
    "n/$e200=$tmp/n" "n/$k127=$tmp/n" "n/$k129=$tmp/n" "n/$k130=$tmp/n" \
    "n/$a255=$tmp/n" "n/$b250.text=$tmp/n" "n/smile😀.txt=$tmp/n" "n/smile_.txt=$tmp/n"
h=$(sha256sum "$tmp/n" | cut -d' ' -f1)
for name in "$e200" "$k127" "$k125~1" "$k125~2" "$a254" "$b249.text" "smile_.txt" "smile_~1.txt"; do
    printf '/n/%s\t2\t%s\n' "$name" "$h"
done >"$tmp/names.unsorted"
{ printf '/n/\tdir\n'; cat "$tmp/names.unsorted"; } | LC_ALL=C "$PY" -c '
import sys; sys.stdout.write("".join(sorted(sys.stdin.readlines())))' >"$tmp/names.lst"
check_ours "names: cut to 255 bytes (254 8-bit or 127 16-bit characters), '_' outside the BMP, ~N on clashes (our parser)" \
    "$img" 1.02 "$tmp/names.lst"
if [ -n "$LU" ]; then
    check_walker "names: libudfread sees the same names" "$LU" "$img" "$tmp/names.lst"
else
    tap_skip "names: libudfread sees the same names" "no libudfread-dev"
fi
if [ -n "$LC" ]; then
    # libudf prints 8-bit names (here the 200 x U+00E9) as Latin-1 bytes
    W_LATIN1=1 check_walker "names: libcdio libudf sees the same names" "$LC" "$img" "$tmp/names.lst"
else
    tap_skip "names: libcdio libudf sees the same names" "no libudf-dev"
fi
rm -f "$img"

# ---- owner, group, permissions, times: 4 tests each ------------------------
attr=$tmp/attr
mkdir -p "$attr/d700" "$attr/d755"
printf 'a\n' >"$attr/f600"; chmod 600 "$attr/f600"
printf 'b\n' >"$attr/f755"; chmod 755 "$attr/f755"
printf 'c\n' >"$attr/f640"; chmod 640 "$attr/f640"
printf 'd\n' >"$attr/d755/f4755"; chmod 4755 "$attr/d755/f4755"
chmod 700 "$attr/d700"
# other owners where we may set them (root); else all are ours
chown 1234:5678 "$attr/f640" 2>/dev/null
chown 4321:8765 "$attr/d755" 2>/dev/null
touch -d '2001-02-03 04:05:06.789012345' "$attr/f600"
touch -d '1999-12-31 23:59:59' "$attr/d755/f4755"
"$PY" "$tmp/udfcheck.py" tree-attrs "$attr" >"$tmp/attr.lst"
for rev in 1.02 2.50; do
    img=$tmp/attr.iso
    what="attributes, UDF $rev"
    tap_check "$what: mkimage create" "$MKIMAGE" create --quiet --udf-revision $rev -o "$img" "$attr"
    if "$PY" "$tmp/udfcheck.py" attrs "$img" "$(rev_hex $rev)" >"$tmp/attr.got" 2>"$tmp/ours.err"; then
        same "$what: mode, uid, gid, mtime (to the microsecond) as recorded (our parser)" \
            "$tmp/attr.lst" "$tmp/attr.got"
    else
        tap_fail "$what: mode, uid, gid, mtime as recorded (our parser)" "$(head "$tmp/ours.err")"
    fi
    if have udfclient; then
        # udfclient: `ls` in the volume prints mode, uid, gid, size, name
        vol=$(printf 'ls\nquit\n' | udfclient -b 2048 "$img" 2>/dev/null |
              sed -nE '/^d/{s/^d\S+\s+\S+\s+\S+\s+\S+\s+//p;q}')
        printf 'cd "%s"\nls\ncd d755\nls\nquit\n' "$vol" | udfclient -b 2048 "$img" 2>/dev/null |
            awk '$NF != "." && $NF != ".." && $2 != "-1" && length($1) == 10 && $1 ~ /^[-d][-r][-w]/ {print $NF "\t" $1 "\t" $2 "\t" $3}' |
            sort >"$tmp/uc.got"
        for f in d700 d755 f600 f640 f755 f4755; do
            p=$(find "$attr" -name $f)
            # udfclient shows no set-user-ID bit, and the group before
            # the owner (the Linux kernel shows both as recorded)
            printf '%s\t%s\t%s\t%s\n' $f "$(ls -ld "$p" | cut -c1-10 | tr s x)" "$(stat -c %g "$p")" "$(stat -c %u "$p")"
        done | sort >"$tmp/uc.want"
        same "$what: udfclient shows the modes, owners and groups" "$tmp/uc.want" "$tmp/uc.got"
    else
        tap_skip "$what: udfclient shows the modes, owners and groups" "no udfclient"
    fi
    if have 7z; then
        TZ=UTC 7z l -slt -tudf "$img" | awk -F' = ' '
            /^----------/ { items = 1 }
            items && $1 == "Path" { p = $2 }
            items && $1 == "Modified" && p != "" { print p "\t" $2; p = "" }' |
            sort >"$tmp/7m.got"
        (cd "$attr" && find . -mindepth 1 | sed 's|^\./||' | sort | while read -r p; do
            printf '%s\t%s\n' "$p" "$(TZ=UTC date -d "@$(stat -c %.6Y "$p")" '+%Y-%m-%d %H:%M:%S').$(stat -c %.6Y "$p" | cut -d. -f2)"
        done) >"$tmp/7m.want"
        same "$what: 7-Zip shows the modification times to the microsecond" "$tmp/7m.want" "$tmp/7m.got"
    else
        tap_skip "$what: 7-Zip shows the modification times" "no 7z"
    fi
done
rm -f "$tmp/attr.iso"

# ---- hidden items: 2 tests ---------------------------------------------------
img=$tmp/hidden.iso
tap_check "hidden: mkimage create --hidden" \
    "$MKIMAGE" create --quiet --fs udf --hidden /dir1/sub/x.txt --hidden /empty -o "$img" "$src"
"$PY" "$tmp/udfcheck.py" hidden "$img" 102 >"$tmp/hid.got" 2>&1
printf '/dir1/sub/x.txt\n/empty\n' | sort >"$tmp/hid.want"
same "hidden: exactly those FIDs have the hidden (existence) bit" "$tmp/hid.want" "$tmp/hid.got"
rm -f "$img"

# ---- reproducible: 1 test -----------------------------------------------------
SOURCE_DATE_EPOCH=1700000000 "$MKIMAGE" create --quiet --udf-revision 2.60 -o "$tmp/r1.iso" "$src" &&
sleep 1 &&
SOURCE_DATE_EPOCH=1700000000 "$MKIMAGE" create --quiet --udf-revision 2.60 -o "$tmp/r2.iso" "$src"
tap_check "the same input under SOURCE_DATE_EPOCH gives byte-identical UDF 2.60 bridges" \
    cmp "$tmp/r1.iso" "$tmp/r2.iso"
rm -f "$tmp/r1.iso" "$tmp/r2.iso"

# ---- 64 KiB extents: multi-extent files and directories, Allocation Extent
# Descriptors, a metadata file in several extents: 4 tests each -------------
# tests/mkimage-udf-small is mkimage built with UDF_EXTENT_MAX = 64 KiB.
small=$top_builddir/tests/mkimage-udf-small
aed=$tmp/aed
mkdir -p "$aed/d" "$aed/lots"
truncate -s 300M "$aed/sparse300m"              # 4800 extents: AEDs
head -c 3000000 /dev/urandom >"$aed/d/r3m"      # 46 extents: in the entry
head -c 65536 /dev/urandom >"$aed/exact64k"
head -c 65537 /dev/urandom >"$aed/over64k"
: >"$aed/empty"
i=0
while [ $i -lt 1500 ]; do                        # FIDs over 64 KiB
    : >"$aed/lots/an-empty-file-with-a-long-enough-name-$i"
    i=$((i + 1))
done
"$PY" "$tmp/udfcheck.py" tree "$aed" >"$tmp/aed.lst"
for rev in 1.02 2.01 2.50; do
    img=$tmp/aed.iso
    what="64 KiB extents, UDF $rev bridge"
    if [ ! -x "$small" ]; then
        for t in 1 2 3 4; do tap_skip "$what ($t)" "no $small (make check builds it)"; done
        continue
    fi
    tap_check "$what: mkimage create" "$small" create --quiet --udf-revision $rev -o "$img" "$aed"
    check_ours "$what: our parser follows the AED chains" "$img" $rev "$tmp/aed.lst"
    if [ -n "$LU" ]; then
        check_walker "$what: libudfread" "$LU" "$img" "$tmp/aed.lst"
    else
        tap_skip "$what: libudfread" "no libudfread-dev"
    fi
    tap_check "$what: ISO9660, Joliet and UDF point at the same data blocks" \
        "$PY" "$tmp/udfcheck.py" bridge "$img" "$(rev_hex $rev)"
    rm -f "$img"
done

# ---- a 5 GiB sparse file: 6 tests ----------------------------------------------
big=$tmp/big
mkdir -p "$big"
truncate -s 5G "$big/five.gib"
printf 'small\n' >"$big/small.txt"
if [ "${FSI_TEST_SKIP_BIG:-0}" = 1 ] || [ "$(stat -c %s "$big/five.gib" 2>/dev/null)" != 5368709120 ]; then
    for t in 1 2 3 4 5 6; do tap_skip "5 GiB sparse file ($t)" "FSI_TEST_SKIP_BIG=1 or no sparse files"; done
else
    "$PY" "$tmp/udfcheck.py" tree "$big" >"$tmp/big.lst"
    img=$tmp/big.iso
    tap_check "5 GiB file, UDF 2.50 only: mkimage create" \
        "$MKIMAGE" create --quiet --fs udf --udf-revision 2.50 -o "$img" "$big"
    "$PY" "$tmp/udfcheck.py" extents "$img" 250 >"$tmp/big.ext" 2>&1
    printf '%s\n' "/five.gib	$(awk '$1 == "/five.gib"' "$tmp/big.ext" | cut -f2 | tr ' ' '\n' | cut -d+ -f2 | tr '\n' ' ')" >"$tmp/big.got"
    printf '/five.gib\t1073739776 1073739776 1073739776 1073739776 1073739776 10240 \n' >"$tmp/big.want"
    same "5 GiB file: 6 extents of 2^30 - 2048 bytes and the rest" "$tmp/big.want" "$tmp/big.got"
    if [ -n "$LU" ]; then
        check_walker "5 GiB file: libudfread reads it whole" "$LU" "$img" "$tmp/big.lst"
    else
        tap_skip "5 GiB file: libudfread reads it whole" "no libudfread-dev"
    fi
    rm -f "$img"
    tap_check "5 GiB file, UDF 1.02 bridge (ISO9660 level 3): mkimage create" \
        "$MKIMAGE" create --quiet --udf-revision 1.02 -o "$img" "$big"
    tap_check "5 GiB file: ISO9660, Joliet and UDF point at the same blocks" \
        "$PY" "$tmp/udfcheck.py" bridge "$img" 102
    if have 7z; then
        # to a pipe: 7-Zip would write the 5 GiB out in full
        got=$(7z e -tudf -so "$img" five.gib 2>"$tmp/7z.err" | sha256sum | cut -d' ' -f1)
        want=$(awk -F'\t' '$1 == "/five.gib" {print $3}' "$tmp/big.lst")
        if [ "$got" = "$want" ]; then
            tap_ok "5 GiB file: 7-Zip reads it from the UDF view"
        else
            tap_fail "5 GiB file: 7-Zip reads it from the UDF view" "sha256 $got, want $want
$(head -5 "$tmp/7z.err")"
        fi
    else
        tap_skip "5 GiB file: 7-Zip reads it from the UDF view" "no 7z"
    fi
    rm -f "$img"
fi

tap_done
