#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# scripts/peek-image.sh - read a small image back without mkimage or any
# reader package (only od and awk, which every Debian has).
#
#   scripts/peek-image.sh summary IMAGE   one line per file system found
#   scripts/peek-image.sh list IMAGE      "SIZE<TAB>BLOCK<TAB>/PATH" per file
#                                         (BLOCK: first block of its data),
#                                         from the Joliet tree if there is
#                                         one, else from the ISO9660 tree
#
# It is deliberately independent of libfsi: build-demo.sh uses it to show
# what the demo image really contains.  It reads the whole image into awk,
# so it is meant for small images (the demo is well under 1 MB).
set -eu

mode=${1:-}
img=${2:-}
case $mode in
summary | list) ;;
*)
    echo "usage: $0 summary|list IMAGE" >&2
    exit 2
    ;;
esac
[ -f "$img" ] || {
    echo "$0: no such file: $img" >&2
    exit 1
}

# LC_ALL=C: awk's printf "%c" then writes single bytes, which is how the
# UTF-8 of Joliet names is put together below.
od -An -v -tu1 "$img" | LC_ALL=C awk -v mode="$mode" '
{ for (i = 1; i <= NF; i++) { if ($i != 0) b[n] = $i; n++ } }

function u8(o)   { return (o in b) ? b[o] + 0 : 0 }
function le16(o) { return u8(o) + 256 * u8(o + 1) }
function le32(o) { return le16(o) + 65536 * le16(o + 2) }
function bit(v, k) { return int(v / (2 ^ k)) % 2 }
function ascii(o, len,    s, i, c) {
    s = ""
    for (i = 0; i < len; i++) { c = u8(o + i); s = s sprintf("%c", c ? c : 32) }
    sub(/ +$/, "", s)
    return s
}
function utf8(c) {
    if (c < 128) return sprintf("%c", c)
    if (c < 2048) return sprintf("%c%c", 192 + int(c / 64), 128 + c % 64)
    if (c < 65536) return sprintf("%c%c%c", 224 + int(c / 4096), 128 + int(c / 64) % 64, 128 + c % 64)
    return sprintf("%c%c%c%c", 240 + int(c / 262144), 128 + int(c / 4096) % 64, 128 + int(c / 64) % 64, 128 + c % 64)
}
# UCS-2 / UTF-16 big endian to UTF-8.
function ucs2(o, len,    s, i, c, d) {
    s = ""
    for (i = 0; i + 1 < len; i += 2) {
        c = 256 * u8(o + i) + u8(o + i + 1)
        if (c >= 55296 && c < 56320 && i + 3 < len) {
            d = 256 * u8(o + i + 2) + u8(o + i + 3)
            if (d >= 56320 && d < 57344) { c = 65536 + (c - 55296) * 1024 + (d - 56320); i += 2 }
        }
        s = s utf8(c)
    }
    return s
}
# OSTA CS0 d-string of `size` bytes at o (last byte: used length).
function dstring(o, size,    len, id) {
    len = u8(o + size - 1)
    if (len == 0) return ""
    id = u8(o)
    if (id == 16) return ucs2(o + 1, len - 1)
    return ascii(o + 1, len - 1)
}

# Walk an ISO9660 or Joliet directory extent, print files as
# SIZE<TAB>BLOCK<TAB>PATH (BLOCK: where the data starts).
function walk(lba, len, path, joliet, depth,    o, end, rl, ext, size, flags, nl, name, acc, first) {
    if (depth > 16 || len > 16777216) return
    o = lba * 2048; end = o + len; acc = 0
    while (o < end) {
        rl = u8(o)
        if (rl == 0) { o = (int(o / 2048) + 1) * 2048; continue }
        ext = le32(o + 2); size = le32(o + 10); flags = u8(o + 25); nl = u8(o + 32)
        if (nl == 1 && u8(o + 33) <= 1) { o += rl; continue }    # . and ..
        name = joliet ? ucs2(o + 33, nl) : ascii(o + 33, nl)
        sub(/;1$/, "", name)
        if (!joliet) sub(/\.$/, "", name)
        if (bit(flags, 1)) {
            walk(ext, size, path "/" name, joliet, depth + 1)
        } else if (bit(flags, 7)) {
            if (acc == 0) first = ext                         # multi-extent: more follows
            acc += size
        } else {
            printf "%d\t%d\t%s\n", acc + size, acc ? first : ext, path "/" name
            acc = 0
        }
        o += rl
    }
}

END {
    pvd = -1; svd = -1; boot = 0; nsr = ""
    for (s = 16; s < 16 + 64 && s * 2048 < n; s++) {
        o = s * 2048
        id = ascii(o + 1, 5); t = u8(o)
        if (id == "CD001") {
            if (t == 1 && pvd < 0) pvd = o
            if (t == 0 && ascii(o + 7, 23) == "EL TORITO SPECIFICATION") boot = 1
            if (t == 2 && u8(o + 88) == 37 && u8(o + 89) == 47) {
                c = u8(o + 90)
                if (c == 64 || c == 67 || c == 69) { svd = o; jlevel = (c == 64) ? 1 : (c == 67) ? 2 : 3 }
            }
        } else if (id == "NSR02" || id == "NSR03") {
            nsr = id
        } else if (id != "BEA01" && id != "TEA01" && id != "BOOT2" && id != "CDW02") {
            break
        }
    }

    if (mode == "list") {
        if (svd >= 0)      walk(le32(svd + 158), le32(svd + 166), "", 1, 0)
        else if (pvd >= 0) walk(le32(pvd + 158), le32(pvd + 166), "", 0, 0)
        else { print "no ISO9660 or Joliet tree found" > "/dev/stderr"; exit 1 }
        exit 0
    }

    found = 0
    if (pvd >= 0) {
        printf "ISO9660   volume \"%s\", %d blocks of %d bytes (volume space size)\n", ascii(pvd + 40, 32), le32(pvd + 80), le16(pvd + 128)
        found++
    }
    if (svd >= 0) {
        jname = ucs2(svd + 40, 32); sub(/ +$/, "", jname)
        printf "Joliet    volume \"%s\" (UCS-2 level %d)\n", jname, jlevel
        found++
    }
    if (boot) { print "El Torito boot record"; found++ }
    if (nsr != "") {
        rev = ""; lvid = ""
        a = 256 * 2048
        if (le16(a) == 2) {                                   # anchor volume descriptor pointer
            vlen = le32(a + 16); vloc = le32(a + 20)
            for (k = 0; k < vlen / 2048 && k < 64; k++) {
                o = (vloc + k) * 2048
                tag = le16(o)
                if (tag == 6) { rev = le16(o + 240); lvid = dstring(o + 84, 128) }
                if (tag == 8) break
            }
        }
        if (rev != "")
            printf "UDF       volume \"%s\", revision %x.%02x (%s)\n", lvid, int(rev / 256), rev % 256, nsr
        else
            printf "UDF       %s found, but no logical volume descriptor via the anchor at 256\n", nsr
        found++
    }
    if (!found) { print "no ISO9660, Joliet or UDF volume found" > "/dev/stderr"; exit 1 }
}
'
