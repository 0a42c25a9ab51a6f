#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""cdsector_check.py - an independent checker of raw CD sectors.

Written apart from lib/cdframe.c on purpose (standard library only, no
tables shared with it, different arithmetic), so that the two agreeing
means something:

  mode1  checks 2352-byte (or 2448-byte) sectors as ECMA-130 mode 1:
         sync, header address (BCD MSF of the sector's LBA), mode byte,
         EDC (computed as a plain MSB-first polynomial division of the
         bit-reversed bytes, not as the reflected CRC the encoder uses),
         the 8 zero bytes, and the P and Q parity by their syndromes
         (every P column and Q diagonal must be a code word) rather than
         by recomputing the parity.
  subq   decodes the Q sub-channel of every sector of a 2448-byte stream
         (2352 main bytes + 96 P-W bytes, Q = bit 6 of the 96 bytes), checks
         its CRC, the P bits, the fields of ADR 1 (track, index, relative
         and absolute time and how they follow each other), ADR 2 (MCN) and
         ADR 3 (ISRC), and optionally the cooked CD-Text packs of the lead-in
         R-W bits.

One line per fault on stdout ("LBA: what"), exit status 1 on any fault,
0 when clean, 2 on a usage error.  --dump prints the decoded Q of every
sector (subq) for tests to compare.

  cdsector_check.py mode1 FILE --lba LBA0 [--sector-size 2352|2448]
                    [--zero A-B]... [--range A-B]...
  cdsector_check.py subq FILE [--lba LBA0] [--dump] [--cdtext]

Sector ranges are indexes into FILE (0 = its first sector), inclusive;
without any, every sector is checked.  --lba gives the LBA of the file's
first sector (LBA 0 = MSF 00:02:00; the lead-in is negative).
"""

import argparse
import sys

MAIN = 2352
RAW = 2448


# ---- addresses -------------------------------------------------------

def msf_of(lba):
    """(m, s, f) of an LBA; the lead-in (below -150) uses minutes 90-99."""
    total = lba + 150 if lba >= -150 else lba + 450150
    return total // 4500, (total // 75) % 60, total % 75


def bcd(v):
    return (v // 10) << 4 | (v % 10)


def unbcd(b):
    """Value of a BCD byte, or None when a nibble is above 9."""
    hi, lo = b >> 4, b & 15
    if hi > 9 or lo > 9:
        return None
    return hi * 10 + lo


def fmt_msf(m, s, f):
    return "%02d:%02d:%02d" % (m, s, f)


# ---- EDC: polynomial division ----------------------------------------

EDC_POLY = (1 << 32) | (1 << 31) | (1 << 16) | (1 << 15) | (1 << 4) | (1 << 3) | (1 << 1) | 1


def reverse_bits(v, width):
    r = 0
    for _ in range(width):
        r = (r << 1) | (v & 1)
        v >>= 1
    return r


def edc(data):
    """ECMA-130 EDC: the bits enter least significant first, so divide the
    bit-reversed message (times x^32) by P(x) the ordinary way, then
    reverse the 32-bit remainder back."""
    rem = 0
    for byte in data:
        byte = reverse_bits(byte, 8)
        for i in range(7, -1, -1):
            rem = (rem << 1) | ((byte >> i) & 1)
            if rem >> 32:
                rem ^= EDC_POLY
    for _ in range(32):
        rem <<= 1
        if rem >> 32:
            rem ^= EDC_POLY
    return reverse_bits(rem, 32)


# ---- RSPC syndromes --------------------------------------------------

def gf_times_alpha(x):
    """x * alpha in GF(2^8) with x^8 + x^4 + x^3 + x^2 + 1."""
    x <<= 1
    if x & 0x100:
        x ^= 0x11D
    return x


def codeword_ok(symbols):
    """True when sum V[k] = 0 and sum alpha^(n-1-k) V[k] = 0."""
    s0 = 0
    s1 = 0
    for v in symbols:
        s0 ^= v
        s1 = gf_times_alpha(s1) ^ v
    return s0 == 0 and s1 == 0


def p_vectors(sec):
    """The 86 P code words (26 bytes): byte column c of the 2064 + 172 bytes
    from offset 12, 86 bytes per row."""
    for c in range(86):
        yield [sec[12 + c + 86 * r] for r in range(26)]


def q_vectors(sec):
    """The 52 Q code words (45 bytes): diagonals of 16-bit words over the
    1118 words from offset 12, then the two Q parity words of the diagonal."""
    for d in range(26):
        for half in (0, 1):
            v = [sec[12 + 2 * ((43 * d + 44 * k) % 1118) + half] for k in range(43)]
            v.append(sec[12 + 2236 + 2 * d + half])
            v.append(sec[12 + 2236 + 52 + 2 * d + half])
            yield v


SYNC = bytes([0]) + bytes([0xFF]) * 10 + bytes([0])


def check_mode1(sec, lba, want_zero):
    """Faults of one sector, as a list of strings (empty when valid)."""
    faults = []
    if sec[:12] != SYNC:
        faults.append("sync")
    m, s, f = msf_of(lba)
    if list(sec[12:15]) != [bcd(m), bcd(s), bcd(f)]:
        faults.append("header address %02x:%02x:%02x, expected %s"
                      % (sec[12], sec[13], sec[14], fmt_msf(m, s, f)))
    if sec[15] != 1:
        faults.append("mode %d" % sec[15])
    stored = int.from_bytes(sec[2064:2068], "little")
    want = edc(sec[:2064])
    if stored != want:
        faults.append("EDC %08x, expected %08x" % (stored, want))
    if any(sec[2068:2076]):
        faults.append("reserved bytes 2068-2075 not zero")
    bad_p = sum(1 for v in p_vectors(sec) if not codeword_ok(v))
    if bad_p:
        faults.append("P parity (%d of 86 columns)" % bad_p)
    bad_q = sum(1 for v in q_vectors(sec) if not codeword_ok(v))
    if bad_q:
        faults.append("Q parity (%d of 52 diagonals)" % bad_q)
    if want_zero and any(sec[16:2064]):
        faults.append("user data not zero")
    return faults


def parse_ranges(texts, count):
    out = []
    for t in texts:
        a, sep, b = t.partition("-")
        lo = int(a)
        hi = int(b) if sep else lo
        if lo < 0 or hi < lo or hi >= count:
            raise ValueError("range %s outside 0-%d" % (t, count - 1))
        out.append((lo, hi))
    return out


def cmd_mode1(args):
    data = open(args.file, "rb").read()
    size = args.sector_size
    if len(data) % size:
        print("file: %d bytes is not a whole number of %d-byte sectors" % (len(data), size))
        return 1
    count = len(data) // size
    try:
        ranges = parse_ranges(args.ranges, count) if args.ranges else [(0, count - 1)]
        zero = parse_ranges(args.zero, count)
    except ValueError as e:
        print("usage: %s" % e, file=sys.stderr)
        return 2
    nfault = 0
    checked = 0
    for lo, hi in ranges:
        for i in range(lo, hi + 1):
            sec = data[i * size:i * size + MAIN]
            lba = args.lba + i
            z = any(a <= i <= b for a, b in zero)
            for fault in check_mode1(sec, lba, z):
                print("%d: sector %d: %s" % (lba, i, fault))
                nfault += 1
            checked += 1
    if args.verbose:
        print("# %d sectors checked, %d faults" % (checked, nfault), file=sys.stderr)
    return 1 if nfault else 0


# ---- Q sub-channel ---------------------------------------------------

def crc16_ccitt(data):
    """x^16 + x^12 + x^5 + 1, register from 0, most significant bit first:
    divide the message times x^16 by the polynomial."""
    poly = 0x11021
    rem = 0
    for byte in bytes(data) + b"\0\0":
        for i in range(7, -1, -1):
            rem = (rem << 1) | ((byte >> i) & 1)
            if rem & 0x10000:
                rem ^= poly
    return rem


def q_of(pw):
    """Q's 12 bytes from 96 P-W bytes: bit 6, first byte = most significant bit."""
    q = bytearray(12)
    for i, b in enumerate(pw):
        if b & 0x40:
            q[i // 8] |= 0x80 >> (i % 8)
    return bytes(q)


ISRC_CHARS = {}
for _i in range(10):
    ISRC_CHARS[_i] = chr(ord("0") + _i)
for _i in range(26):
    ISRC_CHARS[17 + _i] = chr(ord("A") + _i)


def cdtext_packs(pw):
    """The 4 CD-Text packs of one lead-in sector's cooked R-W symbols."""
    bits = 0
    for b in pw:
        bits = (bits << 6) | (b & 0x3F)
    raw = bits.to_bytes(72, "big")
    return [raw[18 * i:18 * i + 18] for i in range(4)]


class QState:
    """What the Q of the previous ADR 1 sectors says, to check the next."""

    def __init__(self):
        self.prev = None      # (lba, tno, idx, rel) of the last ADR 1 sector


def decode_time(b3):
    vals = [unbcd(x) for x in b3]
    if None in vals or vals[1] > 59 or vals[2] > 74:
        return None
    return vals


def check_q_adr1(q, lba, st, faults):
    """Program area and lead-out: returns the dump text."""
    tno_b, idx_b = q[1], q[2]
    tno = 0xAA if tno_b == 0xAA else unbcd(tno_b)
    idx = unbcd(idx_b)
    rel = decode_time(q[3:6])
    ab = decode_time(q[7:10])
    text = "TNO=%02x IDX=%02x REL=%02x:%02x:%02x ABS=%02x:%02x:%02x" % (
        tno_b, idx_b, q[3], q[4], q[5], q[7], q[8], q[9])
    if tno is None or idx is None or rel is None or ab is None:
        faults.append("ADR 1 field not BCD: " + text)
        return text
    if q[6] != 0:
        faults.append("ZERO byte %02x" % q[6])
    if (ab[0] * 4500 + ab[1] * 75 + ab[2]) - 150 != lba:
        faults.append("absolute time %s, expected %s" % (fmt_msf(*ab), fmt_msf(*msf_of(lba))))
    relv = rel[0] * 4500 + rel[1] * 75 + rel[2]
    if tno != 0xAA and not 1 <= tno <= 99:
        faults.append("track number %02x" % tno_b)
    if tno == 0xAA and idx != 1:
        faults.append("lead-out index %02x" % idx_b)
    prev = st.prev
    if prev is not None:
        plba, ptno, pidx, prel = prev
        gap = lba - plba
        order = lambda t: 100 if t == 0xAA else t
        if order(tno) < order(ptno) or (tno == ptno and idx < pidx):
            faults.append("track/index %02x/%02d after %02x/%02d" % (tno_b, idx, ptno, pidx))
        elif tno == ptno and idx == pidx:
            want = prel - gap if idx == 0 else prel + gap
            if relv != want:
                faults.append("relative time %s, expected %d sectors" % (fmt_msf(*rel), want))
        elif tno == ptno and pidx == 0:
            # Index 1 follows the pregap, whose count reached 0 in the
            # sector before index 1: that was plba + prel.
            want = lba - (plba + prel + 1)
            if relv != want:
                faults.append("relative time %s at index %d, expected %d sectors (pregap count "
                              "ended at %d)" % (fmt_msf(*rel), idx, want, prel - (gap - 1)))
        elif tno == ptno:
            if relv != prel + gap:
                faults.append("relative time %s, expected %d sectors" % (fmt_msf(*rel), prel + gap))
        elif idx >= 1:
            # A new track (or the lead-out) without a pregap.
            if relv > gap - 1:
                faults.append("relative time %s at the start of track %02x" % (fmt_msf(*rel), tno_b))
    st.prev = (lba, tno, idx, relv)
    return text


def check_q_leadin(q, lba, faults):
    """ADR 1 with TNO 0: a TOC entry of the lead-in."""
    point = q[2]
    run = decode_time(q[3:6])
    text = "TNO=00 POINT=%02x TIME=%02x:%02x:%02x PMSF=%02x:%02x:%02x" % (
        point, q[3], q[4], q[5], q[7], q[8], q[9])
    if run is None:
        faults.append("lead-in time not BCD: " + text)
    elif run[0] < 90 or (run[0] * 4500 + run[1] * 75 + run[2]) - 450150 != lba:
        faults.append("lead-in time %s, expected %s" % (fmt_msf(*run), fmt_msf(*msf_of(lba))))
    if q[6] != 0:
        faults.append("ZERO byte %02x" % q[6])
    if point == 0xA0:
        if unbcd(q[7]) is None or q[8] not in (0x00, 0x10, 0x20) or q[9] != 0:
            faults.append("POINT A0 fields: " + text)
    elif point == 0xA1:
        if unbcd(q[7]) is None or q[8] != 0 or q[9] != 0:
            faults.append("POINT A1 fields: " + text)
    elif point == 0xA2 or (unbcd(point) is not None and 1 <= unbcd(point) <= 99):
        if decode_time(q[7:10]) is None:
            faults.append("PMSF not BCD: " + text)
    else:
        faults.append("POINT %02x" % point)
    return text


def check_q_mcn(q, lba, faults):
    digits = []
    for i in range(13):
        b = q[1 + i // 2]
        d = (b >> 4) if i % 2 == 0 else (b & 15)
        digits.append(d)
    text = "MCN=" + "".join("%X" % d for d in digits) + " AFRAME=%02x" % q[9]
    if any(d > 9 for d in digits) or (q[7] & 15) or q[8]:
        faults.append("MCN field: " + text)
    if unbcd(q[9]) != msf_of(lba)[2]:
        faults.append("MCN AFRAME %02x, expected %02d" % (q[9], msf_of(lba)[2]))
    return text


def check_q_isrc(q, lba, faults):
    v = int.from_bytes(q[1:5], "big")
    codes = [(v >> (26 - 6 * i)) & 0x3F for i in range(5)]
    chars = "".join(ISRC_CHARS.get(c, "?") for c in codes)
    digits = []
    for i in range(7):
        b = q[5 + i // 2]
        digits.append((b >> 4) if i % 2 == 0 else (b & 15))
    text = "ISRC=" + chars + "".join("%X" % d for d in digits) + " AFRAME=%02x" % q[9]
    if "?" in chars or v & 3 or any(d > 9 for d in digits) or (q[8] & 15):
        faults.append("ISRC field: " + text)
    if unbcd(q[9]) != msf_of(lba)[2]:
        faults.append("ISRC AFRAME %02x, expected %02d" % (q[9], msf_of(lba)[2]))
    return text


def cmd_subq(args):
    data = open(args.file, "rb").read()
    if len(data) % RAW:
        print("file: %d bytes is not a whole number of %d-byte sectors" % (len(data), RAW))
        return 1
    count = len(data) // RAW
    st = QState()
    nfault = 0
    lba0 = args.lba
    packs_seen = []
    pack_set = set()
    for i in range(count):
        pw = data[i * RAW + MAIN:(i + 1) * RAW]
        q = q_of(pw)
        faults = []
        pbits = sum(1 for b in pw if b & 0x80)
        if pbits not in (0, 96):
            faults.append("P bits mixed (%d of 96 set)" % pbits)
        want = (q[10] << 8) | q[11]
        got = crc16_ccitt(q[:10]) ^ 0xFFFF
        if want != got:
            faults.append("Q CRC %04x, expected %04x" % (want, got))
        ctl, adr = q[0] >> 4, q[0] & 15
        if lba0 is None:
            # Without --lba, the first ADR 1 program-area sector sets it.
            if adr == 1 and q[1] != 0 and decode_time(q[7:10]) is not None:
                m, s, f = decode_time(q[7:10])
                lba0 = m * 4500 + s * 75 + f - 150 - i
            elif adr == 1 and q[1] == 0 and decode_time(q[3:6]) is not None:
                m, s, f = decode_time(q[3:6])
                lba0 = m * 4500 + s * 75 + f - 450150 - i
        lba = None if lba0 is None else lba0 + i
        if lba is None:
            faults.append("no address to start from")
            text = "?"
        elif adr == 1 and q[1] == 0:
            text = check_q_leadin(q, lba, faults)
            if args.cdtext:
                for k, pk in enumerate(cdtext_packs(pw)):
                    if (crc16_ccitt(pk[:16]) ^ 0xFFFF) != int.from_bytes(pk[16:18], "big"):
                        faults.append("CD-Text pack %d CRC" % k)
                    elif pk not in pack_set:
                        pack_set.add(pk)
                        packs_seen.append(pk)
        elif adr == 1:
            text = check_q_adr1(q, lba, st, faults)
        elif adr == 2:
            text = check_q_mcn(q, lba, faults)
        elif adr == 3:
            text = check_q_isrc(q, lba, faults)
        else:
            text = "Q=" + q.hex()
            faults.append("ADR %d" % adr)
        if args.dump:
            print("%s ADR=%d CTL=%x P=%d %s" % ("?" if lba is None else lba, adr, ctl,
                                                 1 if pbits > 48 else 0, text))
        for fault in faults:
            print("%s: sector %d: %s" % ("?" if lba is None else lba, i, fault))
            nfault += 1
    if args.cdtext and args.dump:
        for pk in packs_seen:
            print("CDTEXT " + pk.hex())
    if args.verbose:
        print("# %d sectors, %d faults" % (count, nfault), file=sys.stderr)
    return 1 if nfault else 0


def main(argv):
    ap = argparse.ArgumentParser(description="Independent checker of raw CD sectors.")
    sub = ap.add_subparsers(dest="cmd", required=True)
    m1 = sub.add_parser("mode1", help="check mode 1 sectors of a 2352/2448-byte sector file")
    m1.add_argument("file")
    m1.add_argument("--lba", type=int, required=True, help="LBA of the file's first sector")
    m1.add_argument("--sector-size", type=int, choices=(MAIN, RAW), default=MAIN)
    m1.add_argument("--zero", action="append", default=[], metavar="A-B",
                    help="these sectors' user data must be zeros")
    m1.add_argument("-v", "--verbose", action="store_true")
    m1.add_argument("-r", "--range", dest="ranges", action="append", default=[], metavar="A-B",
                    help="sectors to check (indexes in the file, inclusive; repeatable; "
                         "default all)")
    sq = sub.add_parser("subq", help="decode and check the Q sub-channel of a 2448-byte stream")
    sq.add_argument("file")
    sq.add_argument("--lba", type=int, default=None, help="LBA of the file's first sector")
    sq.add_argument("--dump", action="store_true", help="print the decoded Q of every sector")
    sq.add_argument("--cdtext", action="store_true",
                    help="check (and with --dump list) the CD-Text packs of lead-in R-W")
    sq.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args(argv)
    try:
        if args.cmd == "mode1":
            return cmd_mode1(args)
        return cmd_subq(args)
    except OSError as e:
        print("%s: %s" % (args.file, e.strerror), file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
