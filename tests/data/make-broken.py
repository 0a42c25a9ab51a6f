#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
"""make-broken.py - deliberately broken images for `mkimage verify`.

    make-broken.py KIND GOOD-IMAGE BROKEN-IMAGE

Copies GOOD-IMAGE (made by mkimage from the small tree of
tests/integration/verify.sh: /a.txt, /dir1/b.bin of 5000 bytes, ...) and
breaks it in one known way, finding what to patch by parsing the image
(ISO9660 directory records by name, UDF File Entries by tag identifier),
so no binary image is kept in git.  Python 3 standard library only.

KIND:
  udf-checksum   a UDF File Entry of a regular file gets a bad tag checksum
  udf-crc        a byte of that File Entry changes, its CRC not updated
  udf-outside    that File Entry's first allocation descriptor points far
                 past the end of the image (tag checksum and CRC updated)
  overlap        ISO9660: /A.TXT starts at /DIR1/B.BIN's data (partial overlap)
  loop           ISO9660: the record of /DIR1 points at the root directory
  path-table     ISO9660: /DIR1's path table records (L and M) name another block
  views          ISO9660: /A.TXT points at /DIR1/B.BIN's data; Joliet and
                 UDF still point at the right data (views disagree)
  unaligned      the image loses its last 100 bytes
  short          the image is cut at the first block of its last file
  joliet-name    Joliet: the name of /a.txt becomes /q.txt (warning only)
"""
import shutil
import struct
import sys

BS = 2048


def le32(b, o):
    return struct.unpack_from('<I', b, o)[0]


def put_both32(b, o, v):
    struct.pack_into('<I', b, o, v)
    struct.pack_into('>I', b, o + 4, v)


def descriptors(img):
    """Block and bytes of the PVD and of the Joliet SVD."""
    pvd = svd = None
    blk = 16
    while (blk + 1) * BS <= len(img):
        d = img[blk * BS:(blk + 1) * BS]
        if d[1:6] != b'CD001' or d[0] == 255:
            break
        if d[0] == 1 and pvd is None:
            pvd = blk
        if d[0] == 2 and b'%/' in d[88:120] and svd is None:
            svd = blk
        blk += 1
    return pvd, svd


def records(img, loc, size):
    """(offset in img, record) of each record of the directory at loc."""
    out = []
    for blk in range(loc, loc + (size + BS - 1) // BS):
        pos = blk * BS
        end = pos + BS
        while pos < end and img[pos] != 0:
            n = img[pos]
            out.append((pos, bytes(img[pos:pos + n])))
            pos += n
    return out


def rec_name(rec, joliet):
    ident = rec[33:33 + rec[32]]
    if joliet:
        return ident.decode('utf-16-be', 'replace')
    return ident.decode('latin-1')


def find(img, vd_blk, path, joliet=False):
    """Offset of the directory record of path ("/DIR1/B.BIN;1")."""
    vd = vd_blk * BS
    loc, size = le32(img, vd + 156 + 2), le32(img, vd + 156 + 10)
    parts = [p for p in path.split('/') if p]
    for i, part in enumerate(parts):
        for off, rec in records(img, loc, size):
            if rec[32] == 1 and rec[33] in (0, 1):
                continue
            name = rec_name(rec, joliet)
            if part in (name, name.split(';')[0]):
                if i == len(parts) - 1:
                    return off
                loc, size = le32(rec, 2), le32(rec, 10)
                break
        else:
            sys.exit('make-broken: %s not found' % path)
    sys.exit('make-broken: empty path')


def root_of(img, vd_blk):
    vd = vd_blk * BS
    return le32(img, vd + 156 + 2), le32(img, vd + 156 + 10)


def all_files(img, vd_blk):
    """(record offset, location, size) of every file of the ISO9660 tree."""
    out, todo, seen = [], [root_of(img, vd_blk)], set()
    while todo:
        loc, size = todo.pop()
        if loc in seen:
            continue
        seen.add(loc)
        for off, rec in records(img, loc, size):
            if rec[32] == 1 and rec[33] in (0, 1):
                continue
            if rec[25] & 2:
                todo.append((le32(rec, 2), le32(rec, 10)))
            else:
                out.append((off, le32(rec, 2), le32(rec, 10)))
    return out


# ---- UDF ----

def crc16(data):
    crc = 0
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else crc << 1
            crc &= 0xFFFF
    return crc


def tag_fix(img, off):
    """Recompute the CRC and the checksum of the tag at off."""
    crclen = struct.unpack_from('<H', img, off + 10)[0]
    struct.pack_into('<H', img, off + 8, crc16(img[off + 16:off + 16 + crclen]))
    img[off + 4] = sum(img[off + i] for i in range(16) if i != 4) & 0xFF


def file_entry(img):
    """Offset of the first (Extended) File Entry of a regular file whose
    data is not embedded."""
    for blk in range(len(img) // BS):
        off = blk * BS
        tid = struct.unpack_from('<H', img, off)[0]
        if tid not in (261, 266):
            continue
        if sum(img[off + i] for i in range(16) if i != 4) & 0xFF != img[off + 4]:
            continue
        if img[off + 27] != 5 or img[off + 34] & 7 == 3:
            continue
        return off
    sys.exit('make-broken: no UDF File Entry of a file found')


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    kind, src, dst = sys.argv[1:]
    shutil.copyfile(src, dst)
    with open(dst, 'rb') as f:
        img = bytearray(f.read())
    pvd, svd = descriptors(img)

    if kind in ('udf-checksum', 'udf-crc', 'udf-outside'):
        off = file_entry(img)
        if kind == 'udf-checksum':
            img[off + 4] ^= 0x5A
        elif kind == 'udf-crc':
            img[off + 36] ^= 0x01          # the owner's uid
        else:
            efe = struct.unpack_from('<H', img, off)[0] == 266
            l_ea = le32(img, off + (208 if efe else 168))
            ad = off + (216 if efe else 176) + l_ea
            struct.pack_into('<I', img, ad + 4, 0x3FFFFFF0)
            tag_fix(img, off)
    elif kind in ('overlap', 'views'):
        a = find(img, pvd, '/A.TXT;1')
        b = find(img, pvd, '/DIR1/B.BIN;1')
        put_both32(img, a + 2, le32(img, b + 2))
    elif kind == 'loop':
        d = find(img, pvd, '/DIR1')
        put_both32(img, d + 2, root_of(img, pvd)[0])
    elif kind == 'path-table':
        vd = pvd * BS
        size = le32(img, vd + 132)
        dloc = le32(img, find(img, pvd, '/DIR1') + 2)
        for at, endian in ((le32(img, vd + 140), '<'), (struct.unpack_from('>I', img, vd + 148)[0], '>')):
            pos, end, done = at * BS, at * BS + size, False
            while pos < end and img[pos]:
                n = img[pos]
                if struct.unpack_from(endian + 'I', img, pos + 2)[0] == dloc:
                    struct.pack_into(endian + 'I', img, pos + 2, dloc + 1)
                    done = True
                pos += 8 + n + (n & 1)
            if not done:
                sys.exit('make-broken: /DIR1 not in the path table')
    elif kind == 'unaligned':
        del img[len(img) - 100:]
    elif kind == 'short':
        last = max((f for f in all_files(img, pvd) if f[2] > 0), key=lambda f: f[1])
        del img[last[1] * BS:]
    elif kind == 'joliet-name':
        if svd is None:
            sys.exit('make-broken: no Joliet volume')
        j = find(img, svd, '/a.txt', joliet=True)
        assert img[j + 33:j + 35] == b'\x00a'
        img[j + 34] = ord('q')
    else:
        sys.exit('make-broken: unknown kind %r' % kind)
    with open(dst, 'wb') as f:
        f.write(img)


if __name__ == '__main__':
    main()
