#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# rawcd.sh - `mkimage cd`: raw CD images (IRawCDImageCreator) read back by
# tools that share no code with libfsi:
#   cd-info (libcdio)     reads the cue sheet: tracks, types, flags, MCN,
#                         CD-Text;
#   cdrdao show-toc       reads the TOC file and the cue sheet: every
#                         track's pregap, start, end, indexes, ISRC, MCN,
#                         flags; cdrdao read-test reads the TOC's data file;
#   bchunk -w             splits the BIN back into WAV and ISO files,
#                         compared with the inputs (Python's wave module);
#   isoinfo               reads the data track bchunk cut out;
#   tests/tools/cdsector_check.py  (written apart from lib/cdframe.c)
#                         checks every mode 1 sector's sync, header, EDC and
#                         ECC, and decodes the raw stream's Q sub-channel
#                         (CRCs, positions, indexes, MCN, ISRC, the lead-in
#                         TOC, the lead-out) and its CD-Text packs;
#   sox                   makes the WAV inputs.
# Then each code of the E_IMAPI_RAW_IMAGE_* block that the command line
# can reach, by name on stderr, and that a failure leaves no file behind.
#
# Reader quirks recorded here: libcdio's cue driver ignores PREGAP (its
# LSNs are BIN positions, so a track after a 2 s gap shows 150 sectors
# early per gap) and refuses POSTGAP (so a data track's postgap is in the
# BIN); bchunk cuts a track from the last INDEX line it saw to the next
# track's first (discs with extra indexes are not split with it); cdrdao 1.2.4's cue reader takes
# INDEX 02 and up as relative to the track's INDEX 01, not to the FILE
# (so it reads them right only where INDEX 01 is at 00:00:00, and refuses
# the rest with "Index beyond track end"), and keeps no MCN, ISRC or
# flags from a cue sheet.
# Prints TAP.  MKIMAGE is the mkimage to test (default ./mkimage).

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/integration/lib.sh
. "$here/lib.sh"

MKIMAGE=${MKIMAGE:-./mkimage}
CHECK="python3 $here/../tools/cdsector_check.py"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/fsi-rawcd.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' HUP INT TERM

PLAN=49
tap_plan $PLAN
for t in sox python3; do
    command -v $t >/dev/null 2>&1 || tap_skip_all $PLAN "rawcd" "$t is not installed"
done
have() { command -v "$1" >/dev/null 2>&1; }

# wav NAME SECONDS FREQ: 16-bit 44.1 kHz stereo (lengths off whole sectors
# on purpose: the BIN pads the last sector).
wav() { sox -q -n -r 44100 -c 2 -b 16 -e signed-integer "$tmp/$1" synth "$2" sine "$3" vol 0.3; }

# pcm_equal IN.wav OUT.wav: OUT's samples are IN's, padded with zeros to
# whole 2352-byte sectors.
pcm_equal() {
    python3 - "$1" "$2" <<'EOF'
import sys, wave
a = wave.open(sys.argv[1]).readframes(1 << 30)
b = wave.open(sys.argv[2]).readframes(1 << 30)
pad = (-len(a)) % 2352
sys.exit(0 if b == a + bytes(pad) else 1)
EOF
}

cd "$tmp" || exit 1

# ---- disc A: 2 audio tracks, every attribute ----------------------------
wav a1.wav 5.01 440
wav a2.wav 4.3 660
# a1: 5.01 s = 220941 samples -> 376 sectors (375.77); a2: 189630 -> 323 (322.5)
out=$("$MKIMAGE" cd -o A.cue --toc A.toc --raw A.raw --mcn 123456789012 \
    --title "Album A" --performer "Band" \
    audio:a1.wav,isrc=US-K7Y-98-12345,index=2,title=First,performer=Singer \
    audio:a2.wav,copy=prohibited,pre-emphasis,isrc=GBAYE0601498,title=Second 2>&1)
rc=$?
if [ $rc -eq 0 ] && [ -s A.cue ] && [ -s A.bin ] && [ -s A.toc ] && [ -s A.cdr ] && [ -s A.raw ]; then
    tap_ok "A: 2 audio tracks: cue, bin, toc, cdr and raw written"
else
    tap_fail "A: 2 audio tracks: cue, bin, toc, cdr and raw written" "exit $rc: $out"
fi
# Layout: track 1 LBA 0 (376), gap 150, track 2 at 526 (323), lead-out 849.
bin_size=$(wc -c <A.bin)
[ "$bin_size" -eq $(((376 + 323) * 2352)) ] && tap_ok "A: BIN holds the 699 padded sectors" ||
    tap_fail "A: BIN holds the 699 padded sectors" "size $bin_size"

if have cd-info; then
    cd-info --no-device-info --no-cddb --cue-file A.cue >info.txt 2>&1
    # LSN 376: libcdio ignores PREGAP (its LSNs are BIN positions).
    if grep -Eq '^ +1: 00:02:00 +000000 audio +false +yes +2 +no' info.txt &&
        grep -Eq '^ +2: 00:07:01 +000376 audio +false +no +2 +yes' info.txt &&
        grep -Eq '^170: .*leadout' info.txt &&
        grep -q 'Media Catalog Number (MCN): 0123456789012' info.txt; then
        tap_ok "A: cd-info lists 2 audio tracks, copy and pre-emphasis flags, the MCN"
    else
        tap_fail "A: cd-info lists 2 audio tracks, copy and pre-emphasis flags, the MCN" "$(cat info.txt)"
    fi
    if grep -q 'TITLE: Album A' info.txt && grep -q 'PERFORMER: Band' info.txt &&
        grep -q 'TITLE: First' info.txt && grep -q 'PERFORMER: Singer' info.txt &&
        grep -q 'TITLE: Second' info.txt; then
        tap_ok "A: cd-info reads the CD-Text of the cue sheet"
    else
        tap_fail "A: cd-info reads the CD-Text of the cue sheet" "$(cat info.txt)"
    fi
else
    tap_skip "A: cd-info lists the tracks" "cd-info (libcdio-utils) missing"
    tap_skip "A: cd-info reads the CD-Text" "cd-info missing"
fi

# show_toc FILE: cdrdao's view, one line per fact.
show_toc() {
    cdrdao show-toc "$1" 2>&1 | sed -n 's/^ *//; /^TRACK\|^START\|^END\|^PREGAP\|^INDEX\|^ISRC\|^CATALOG\|^COPY\|^PRE-EMPHASIS\|^NO PRE-EMPHASIS\|^TOC TYPE\|^ERROR/p' |
        sed 's/  */ /g'
}
expect_A="TOC TYPE: CD_DA
CATALOG NUMBER: 0123456789012
TRACK 1 Mode AUDIO:
ISRC US K7Y 98 12345
COPY PERMITTED
NO PRE-EMPHASIS
START 00:00:00( 0)
INDEX 2 00:02:00( 150)
END 00:05:01( 376)
TRACK 2 Mode AUDIO:
ISRC GB AYE 06 01498
COPY NOT PERMITTED
PRE-EMPHASIS
PREGAP 00:02:00( 150)
START 00:07:01( 526)
END 00:11:24( 849)"
if have cdrdao; then
    got=$(show_toc A.toc)
    [ "$got" = "$expect_A" ] && tap_ok "A: cdrdao show-toc A.toc: positions, index, ISRC, MCN, flags" ||
        tap_fail "A: cdrdao show-toc A.toc: positions, index, ISRC, MCN, flags" "got:
$got
expected:
$expect_A"
    # cdrdao's cue reader keeps no MCN/ISRC/flags: compare positions only.
    got=$(show_toc A.cue | grep -E '^(TRACK|START|END|PREGAP|INDEX)')
    want=$(printf '%s\n' "$expect_A" | grep -E '^(TRACK|START|END|PREGAP|INDEX)')
    [ "$got" = "$want" ] && tap_ok "A: cdrdao show-toc A.cue: the same positions" ||
        tap_fail "A: cdrdao show-toc A.cue: the same positions" "got:
$got
expected:
$want"
    tap_check "A: cdrdao read-test reads the TOC's data file" cdrdao read-test A.toc
    # The .cdr holds the BIN's audio byte-swapped (cdrdao's raw files are big-endian).
    if python3 -c "
import sys
a = open('A.bin','rb').read(); b = open('A.cdr','rb').read()
sw = bytearray(len(a)); sw[0::2] = a[1::2]; sw[1::2] = a[0::2]
sys.exit(0 if bytes(sw) == b else 1)"; then
        tap_ok "A: A.cdr is A.bin with every sample big-endian"
    else
        tap_fail "A: A.cdr is A.bin with every sample big-endian"
    fi
else
    for d in "show-toc A.toc" "show-toc A.cue" "read-test" "cdr byte order"; do
        tap_skip "A: cdrdao $d" "cdrdao missing"
    done
fi

# The raw stream: 22650 lead-in sectors, 849 + 150, a 6750-sector lead-out.
raw_size=$(wc -c <A.raw)
[ "$raw_size" -eq $(((22650 + 849 + 6750) * 2448)) ] &&
    tap_ok "A: raw stream from LBA -22650 through a 6750-sector lead-out" ||
    tap_fail "A: raw stream from LBA -22650 through a 6750-sector lead-out" "size $raw_size"
$CHECK subq A.raw --lba -22650 --cdtext --dump >A.q 2>A.qerr
rc=$?
[ $rc -eq 0 ] && tap_ok "A: raw stream: every Q CRC, position and field checks out" ||
    tap_fail "A: raw stream: every Q CRC, position and field checks out" "exit $rc
$(grep -v '^-\?[0-9]' A.q | head -20; head -20 A.qerr)"
q() { grep -E "^$1 " A.q; }
qa() {
    _got=$(q "$1")
    case $_got in
    *"$2"*) return 0 ;;
    esac
    echo "LBA $1: got '$_got', expected '$2'"
    return 1
}
msg=$(
    qa 0 "ADR=1 CTL=2 P=0 TNO=01 IDX=01 REL=00:00:00 ABS=00:02:00"
    qa -150 "ADR=1 CTL=2 P=1 TNO=01 IDX=00 REL=00:01:74 ABS=00:00:00"
    qa 149 "TNO=01 IDX=01 REL=00:01:74"
    qa 151 "TNO=01 IDX=02 REL=00:02:01"
    qa 376 "ADR=1 CTL=1 P=1 TNO=02 IDX=00 REL=00:01:74 ABS=00:07:01"
    qa 526 "ADR=1 CTL=1 P=0 TNO=02 IDX=01 REL=00:00:00 ABS=00:09:01"
    qa 849 "ADR=1 CTL=1 P=1 TNO=aa IDX=01 REL=00:00:00 ABS=00:13:24"
    qa 869 "P=0 TNO=aa"   # the lead-out P alternates at 2 Hz from 1
    qa -22650 "POINT=a0 TIME=95:00:00 PMSF=01:00:00"
    qa -22647 "POINT=a1 TIME=95:00:03 PMSF=02:00:00"
    qa -22644 "POINT=a2 TIME=95:00:06 PMSF=00:13:24"
    qa -22641 "CTL=2 P=0 TNO=00 POINT=01 TIME=95:00:09 PMSF=00:02:00"
    qa -22638 "CTL=1 P=0 TNO=00 POINT=02 TIME=95:00:12 PMSF=00:09:01"
    qa -125 "ADR=2 CTL=2 P=1 MCN=0123456789012"
    qa 25 "ADR=3 CTL=2 P=0 ISRC=USK7Y9812345"
    qa 625 "ADR=3 CTL=1 P=0 ISRC=GBAYE0601498"
)
[ -z "$msg" ] && tap_ok "A: raw stream Q: lead-in TOC, pregaps, indexes, MCN, ISRC, lead-out" ||
    tap_fail "A: raw stream Q: lead-in TOC, pregaps, indexes, MCN, ISRC, lead-out" "$msg"
n_mcn=$(grep -c 'ADR=2' A.q)
n_isrc=$(grep -c 'ADR=3' A.q)
# MCN once in 100 sectors from LBA -150 to the lead-out; ISRC in index 1 and up.
[ "$n_mcn" -eq 10 ] && [ "$n_isrc" -eq 7 ] &&
    tap_ok "A: MCN and ISRC frames once in 100 sectors (10 and 7)" ||
    tap_fail "A: MCN and ISRC frames once in 100 sectors (10 and 7)" "MCN $n_mcn, ISRC $n_isrc"
# CD-Text packs: TITLE (0x80) then PERFORMER (0x81) texts, then size info.
if python3 - A.q <<'EOF'
import sys
packs = [bytes.fromhex(l.split()[1]) for l in open(sys.argv[1]) if l.startswith('CDTEXT ')]
text = {}
for p in packs:
    text.setdefault(p[0], b'')
    text[p[0]] += p[4:16]
t = text.get(0x80, b'').split(b'\0')[:3]
pf = text.get(0x81, b'').split(b'\0')[:3]
ok = t == [b'Album A', b'First', b'Second'] and pf == [b'Band', b'Singer', b''] and 0x8f in text
sys.exit(0 if ok else 1)
EOF
then
    tap_ok "A: raw stream lead-in R-W: CD-Text packs with the titles and performers"
else
    tap_fail "A: raw stream lead-in R-W: CD-Text packs with the titles and performers" "$(grep CDTEXT A.q | head)"
fi

# ---- disc B: 99 tracks --------------------------------------------------
i=1
tracks=
while [ $i -le 99 ]; do
    # 4 s and i frames of samples: 4.0 + i/100 s, distinct content per track
    wav "b$i.wav" "4.$(printf %02d $i)" $((200 + i * 10))
    tracks="$tracks audio:b$i.wav"
    i=$((i + 1))
done
start=$(date +%s%N)
# shellcheck disable=SC2086
out=$("$MKIMAGE" cd -o B.cue --toc B.toc $tracks 2>&1)
rc=$?
ms=$((($(date +%s%N) - start) / 1000000))
[ $rc -eq 0 ] && tap_ok "B: 99 audio tracks written, cue/bin and toc/cdr ($ms ms)" ||
    tap_fail "B: 99 audio tracks written" "$out"
# shellcheck disable=SC2086
out=$("$MKIMAGE" cd -o B100.cue $tracks audio:b1.wav 2>&1)
rc=$?
case $out in
*E_IMAPI_RAW_IMAGE_TOO_MANY_TRACKS*) [ $rc -eq 1 ] && tap_ok "B: a 100th track is E_IMAPI_RAW_IMAGE_TOO_MANY_TRACKS" ||
    tap_fail "B: a 100th track is E_IMAPI_RAW_IMAGE_TOO_MANY_TRACKS" "exit $rc" ;;
*) tap_fail "B: a 100th track is E_IMAPI_RAW_IMAGE_TOO_MANY_TRACKS" "exit $rc: $out" ;;
esac
# Expected positions: track i is ceil(samples/588) sectors, 150 between.
python3 - >B.expect <<'EOF'
import wave
lba = 0
for i in range(1, 100):
    samples = wave.open("b%d.wav" % i).getnframes()
    n = -(-samples // 588)
    if i > 1:
        lba += 150
    print("TRACK %d START %d END %d" % (i, lba, lba + n))
    lba += n
EOF
if have cdrdao; then
    cdrdao show-toc B.toc 2>&1 | awk '/^TRACK/ {t=$2} /START/ {gsub(/[()]/," "); s=$(NF)} /END/ {gsub(/[()]/," "); print "TRACK " t " START " s " END " $(NF)}' >B.got
    cmp -s B.got B.expect && tap_ok "B: cdrdao show-toc: 99 tracks where expected" ||
        tap_fail "B: cdrdao show-toc: 99 tracks where expected" "$(diff B.expect B.got | head)"
else
    tap_skip "B: cdrdao show-toc: 99 tracks" "cdrdao missing"
fi
if have cd-info; then
    n=$(cd-info --no-device-info --no-cddb --cue-file B.cue 2>&1 | grep -Ec '^ +[0-9]+: .* audio ')
    [ "$n" -eq 99 ] && tap_ok "B: cd-info lists 99 audio tracks" || tap_fail "B: cd-info lists 99 audio tracks" "$n"
else
    tap_skip "B: cd-info lists 99 audio tracks" "cd-info missing"
fi
if have bchunk; then
    mkdir bsplit && (cd bsplit && bchunk -w ../B.bin ../B.cue t >/dev/null 2>&1)
    bad=
    i=1
    while [ $i -le 99 ]; do
        pcm_equal "b$i.wav" "bsplit/t$(printf %02d $i).wav" || bad="$bad $i"
        i=$((i + 1))
    done
    [ -z "$bad" ] && tap_ok "B: bchunk splits the BIN into 99 WAVs equal to the inputs (padded)" ||
        tap_fail "B: bchunk splits the BIN into 99 WAVs equal to the inputs (padded)" "differ:$bad"
else
    tap_skip "B: bchunk splits the BIN" "bchunk missing"
fi
rm -f B.bin B.cdr b*.wav; rm -rf bsplit

# ---- disc C: mixed mode (data, then audio) ------------------------------
mkdir tree && head -c 1000000 /dev/urandom >tree/data.bin && echo hello >tree/hello.txt
"$MKIMAGE" create -V MIXED -o C.iso tree >/dev/null 2>&1
iso_blocks=$(($(wc -c <C.iso) / 2048))
out=$("$MKIMAGE" cd -o C.cue --toc C.toc --raw C.raw data:C.iso audio:a1.wav audio:a2.wav 2>&1)
rc=$?
[ $rc -eq 0 ] && tap_ok "C: mixed mode ($iso_blocks-block ISO, 2 audio tracks) written" ||
    tap_fail "C: mixed mode written" "$out"
# Data 0..n-1, postgap n..n+149, pregap, audio at n+300, n+300+376+150.
t2=$((iso_blocks + 300))
t3=$((t2 + 376 + 150))
lo=$((t3 + 323))
msf() { printf '%02d:%02d:%02d' $(($1 / 4500)) $(($1 / 75 % 60)) $(($1 % 75)); }
expect_C="TOC TYPE: CD_ROM
TRACK 1 Mode MODE1_RAW:
START 00:00:00( 0)
END $(msf $((iso_blocks + 150)))( $((iso_blocks + 150)))
TRACK 2 Mode AUDIO:
PREGAP 00:02:00( 150)
START $(msf $t2)( $t2)
END $(msf $((t2 + 376)))( $((t2 + 376)))
TRACK 3 Mode AUDIO:
PREGAP 00:02:00( 150)
START $(msf $t3)( $t3)
END $(msf $lo)( $lo)"
if have cdrdao; then
    got=$(show_toc C.toc | grep -v 'COPY\|EMPHASIS')
    [ "$got" = "$expect_C" ] && tap_ok "C: cdrdao show-toc C.toc: data, postgap, pregaps" ||
        tap_fail "C: cdrdao show-toc C.toc: data, postgap, pregaps" "got:
$got
expected:
$expect_C"
    got=$(show_toc C.cue | grep -v 'COPY\|EMPHASIS\|TOC TYPE')
    want=$(printf '%s\n' "$expect_C" | grep -v 'TOC TYPE')
    [ "$got" = "$want" ] && tap_ok "C: cdrdao show-toc C.cue: the same" ||
        tap_fail "C: cdrdao show-toc C.cue: the same" "got:
$got
expected:
$want"
    tap_check "C: cdrdao read-test reads the data and audio of the TOC file" cdrdao read-test C.toc
else
    tap_skip "C: cdrdao show-toc C.toc" "cdrdao missing"
    tap_skip "C: cdrdao show-toc C.cue" "cdrdao missing"
    tap_skip "C: cdrdao read-test" "cdrdao missing"
fi
if have cd-info; then
    cd-info --no-device-info --no-cddb --cue-file C.cue >infoC.txt 2>&1
    if grep -Eq '^ +1: 00:02:00 +000000 data' infoC.txt &&
        grep -Eq "^ +2: .* 0*$((iso_blocks + 150)) audio" infoC.txt &&
        grep -Eq '^ +3: .* audio' infoC.txt; then
        tap_ok "C: cd-info: a data track, then 2 audio tracks"
    else
        tap_fail "C: cd-info: a data track, then 2 audio tracks" "$(cat infoC.txt)"
    fi
else
    tap_skip "C: cd-info: a data track, then 2 audio tracks" "cd-info missing"
fi
tap_check "C: every mode 1 sector of the BIN (data and postgap): sync, header, EDC, ECC" \
    $CHECK mode1 C.bin --lba 0 --range "0-$((iso_blocks + 149))" \
    --zero "$iso_blocks-$((iso_blocks + 149))"
# (The lead-in sampled: its start and its end, at 4 ms a sector in Python.)
tap_check "C: the same in the raw stream, with lead-in samples and track 1's pregap" \
    $CHECK mode1 C.raw --sector-size 2448 --lba -22650 --range 0-49 --range 22400-22499 \
    --range "22500-$((22650 + iso_blocks + 149))" \
    --zero "0-22649" --zero "$((22650 + iso_blocks))-$((22650 + iso_blocks + 149))"
$CHECK subq C.raw --lba -22650 --dump >C.q 2>&1
rc=$?
msg=$(
    [ $rc -eq 0 ] || echo "subq exit $rc: $(grep -v '^-\?[0-9]' C.q | head)"
    grep -q "^0 ADR=1 CTL=4 P=0 TNO=01 IDX=01" C.q || echo "LBA 0: $(grep '^0 ' C.q)"
    grep -q "^$((iso_blocks + 10)) ADR=1 CTL=4 P=0 TNO=01 IDX=01" C.q || echo "postgap: $(grep "^$((iso_blocks + 10)) " C.q)"
    grep -q "^$((t2 - 1)) ADR=1 CTL=2 P=1 TNO=02 IDX=00 REL=00:00:00" C.q || echo "pregap: $(grep "^$((t2 - 1)) " C.q)"
    grep -q "POINT=a0 .*PMSF=01:00:00" C.q || echo "A0"
)
[ -z "$msg" ] && tap_ok "C: raw stream Q: the data track (control 4), its postgap, the audio pregap" ||
    tap_fail "C: raw stream Q: the data track (control 4), its postgap, the audio pregap" "$msg"
if have bchunk; then
    mkdir csplit && (cd csplit && bchunk -w ../C.bin ../C.cue t >/dev/null 2>&1)
    # bchunk's ISO is the track: the input, then the postgap's 150 zero blocks.
    if python3 -c "
import sys
a = open('C.iso','rb').read(); b = open('csplit/t01.iso','rb').read()
sys.exit(0 if b == a + bytes(150 * 2048) else 1)"; then
        tap_ok "C: bchunk's ISO of track 1 is the input (and the postgap's zeros)"
    else
        tap_fail "C: bchunk's ISO of track 1 is the input (and the postgap's zeros)" "$(ls -l C.iso csplit)"
    fi
    pcm_equal a1.wav csplit/t02.wav && pcm_equal a2.wav csplit/t03.wav &&
        tap_ok "C: bchunk's WAVs of tracks 2 and 3 equal the inputs" ||
        tap_fail "C: bchunk's WAVs of tracks 2 and 3 equal the inputs" "$(ls -l csplit)"
    if have isoinfo; then
        isoinfo -d -i csplit/t01.iso 2>/dev/null | grep -q 'Volume id: MIXED' &&
            tap_ok "C: isoinfo reads the extracted data track (volume MIXED)" ||
            tap_fail "C: isoinfo reads the extracted data track (volume MIXED)" "$(isoinfo -d -i csplit/t01.iso 2>&1 | head)"
    else
        tap_skip "C: isoinfo reads the extracted data track" "isoinfo missing"
    fi
else
    for d in ISO WAVs isoinfo; do tap_skip "C: bchunk $d" "bchunk missing"; done
fi
rm -f C.raw A.raw

# ---- disc D: gapless, hidden track one audio, first track 5 -------------
wav p.wav 3 300
out=$("$MKIMAGE" cd -o D.cue --toc D.toc --raw D.raw --first-track 5 --gapless --pregap p.wav \
    audio:a1.wav,index=1.5 audio:a2.wav 2>&1)
rc=$?
[ $rc -eq 0 ] && tap_ok "D: gapless, hidden track one (225 sectors), tracks from 5" ||
    tap_fail "D: gapless, hidden track one, tracks from 5" "$out"
# Pregap 225 sectors at LBA -150: track 5 at 75 (376 sectors, the last
# 150 of which are track 6's index 0; index 2 at 75 + 113), track 6 at 451,
# lead-out 774.  cdrdao counts positions from LBA -150 once track 1 has a
# pregap of its own (START 225 = LBA 75), and numbers tracks from 1 (a TOC
# file has no starting track number).
expect_D="TRACK 1 Mode AUDIO:
PREGAP 00:03:00( 225)
START 00:03:00( 225)
INDEX 2 00:04:38( 338)
END 00:06:01( 451)
TRACK 2 Mode AUDIO:
PREGAP 00:02:00( 150)
START 00:08:01( 601)
END 00:12:24( 924)"
if have cdrdao; then
    # cdrdao numbers from 1 and counts from the start of track 1's pregap (LBA -150).
    got=$(show_toc D.toc | grep -E '^(TRACK|START|END|PREGAP|INDEX)')
    [ "$got" = "$expect_D" ] && tap_ok "D: cdrdao show-toc D.toc: special pregap, gapless pregap, index" ||
        tap_fail "D: cdrdao show-toc D.toc: special pregap, gapless pregap, index" "got:
$got
expected:
$expect_D"
    # The same disc without its index 2 (see the quirk above) as a cue sheet.
    "$MKIMAGE" cd -o D2.cue --first-track 5 --gapless --pregap p.wav audio:a1.wav audio:a2.wav >/dev/null 2>&1 ||
        echo "# D2 failed"
    got=$(show_toc D2.cue | grep -E '^(TRACK|START|END|PREGAP|INDEX|ERROR)')
    want=$(printf '%s\n' "$expect_D" | grep -v '^INDEX')
    [ "$got" = "$want" ] && tap_ok "D: cdrdao show-toc D2.cue (no index 2): the same" ||
        tap_fail "D: cdrdao show-toc D2.cue (no index 2): the same" "got:
$got
expected:
$want"
else
    tap_skip "D: cdrdao show-toc D.toc" "cdrdao missing"
    tap_skip "D: cdrdao show-toc D.cue" "cdrdao missing"
fi
$CHECK subq D.raw --lba -22650 --dump >D.q 2>&1
rc=$?
msg=$(
    [ $rc -eq 0 ] || echo "subq exit $rc: $(grep -v '^-\?[0-9]' D.q | head)"
    grep -q "^-150 ADR=1 CTL=2 P=1 TNO=05 IDX=00 REL=00:02:74 ABS=00:00:00" D.q || echo "-150: $(grep '^-150 ' D.q)"
    grep -q "^75 ADR=1 CTL=2 P=0 TNO=05 IDX=01 REL=00:00:00" D.q || echo "75: $(grep '^75 ' D.q)"
    grep -q "^301 ADR=1 CTL=2 P=1 TNO=06 IDX=00 REL=00:01:74" D.q || echo "301: $(grep '^301 ' D.q)"
    grep -q "^188 ADR=1 CTL=2 P=0 TNO=05 IDX=02" D.q || echo "188: $(grep '^188 ' D.q)"
    grep -q "^451 ADR=1 CTL=2 P=0 TNO=06 IDX=01 REL=00:00:00" D.q || echo "451: $(grep '^451 ' D.q)"
    grep -q "POINT=a0 .*PMSF=05:00:00" D.q || echo "A0: first track 5"
    grep -q "POINT=a1 .*PMSF=06:00:00" D.q || echo "A1: last track 6"
)
[ -z "$msg" ] && tap_ok "D: raw stream Q: hidden track as track 5's index 0, gapless index 0, tracks 5-6" ||
    tap_fail "D: raw stream Q: hidden track, gapless pregap, tracks 5-6" "$msg"
# The raw stream's main channel at LBA -150 is the hidden track's first sample.
if python3 -c "
import sys, wave
p = wave.open('p.wav').readframes(1 << 30)
r = open('D.raw','rb'); r.seek((22650 - 150) * 2448); s = r.read(2352)
r.seek((22650 + 301) * 2448); g = r.read(2352)
a = wave.open('a1.wav').readframes(1 << 30)
sys.exit(0 if s == p[:2352] and g == a[226 * 2352:227 * 2352] else 1)"; then
    tap_ok "D: raw main channel: the hidden track at LBA -150, track 5's audio in track 6's pregap"
else
    tap_fail "D: raw main channel: the hidden track at LBA -150, track 5's audio in track 6's pregap"
fi
# bchunk cuts a track from its last INDEX to the next track's first:
# track 5 is a1 less its last 150 sectors (track 6's gapless pregap, its
# INDEX 00), track 6 is a2; the hidden track before track 5's INDEX 01
# is no track of its own.
"$MKIMAGE" cd -o D2.cue --first-track 5 --gapless --pregap p.wav audio:a1.wav audio:a2.wav >/dev/null 2>&1
if have bchunk; then
    mkdir dsplit && (cd dsplit && bchunk -w ../D2.bin ../D2.cue t >/dev/null 2>&1)
    if python3 -c "
import sys, wave
a = wave.open('a1.wav').readframes(1 << 30); t = wave.open('dsplit/t05.wav').readframes(1 << 30)
sys.exit(0 if t == a[:226 * 2352] else 1)" && pcm_equal a2.wav dsplit/t06.wav; then
        tap_ok "D: bchunk's WAVs of tracks 5 and 6 (gapless) are the inputs, cut at INDEX 00"
    else
        tap_fail "D: bchunk's WAVs of tracks 5 and 6 (gapless) are the inputs, cut at INDEX 00" "$(ls -l dsplit)"
    fi
else
    tap_skip "D: bchunk's WAVs of tracks 5 and 6" "bchunk missing"
fi
rm -f D.raw

# ---- errors through mkimage cd --------------------------------------------
listing() { ls -a | grep -v '^\(before\|after\)\.txt$\|^code\.\(out\|err\)$'; }
# expect_code DESC NAME EXIT ARGS...: stderr names the code, the exit status
# is EXIT, and no file appeared.
expect_code() {
    _desc=$1 _name=$2 _exit=$3
    shift 3
    "$MKIMAGE" cd "$@" >code.out 2>code.err
    _rc=$?
    listing >after.txt
    if [ $_rc -eq "$_exit" ] && grep -q "^mkimage: \(warning: \)\?$_name (0x" code.err &&
        cmp -s before.txt after.txt; then
        tap_ok "$_desc"
    else
        tap_fail "$_desc" "exit $_rc (expected $_exit); stderr: $(cat code.err)
new files: $(diff before.txt after.txt | grep '^>')"
    fi
}
sox -q -n -r 44100 -c 2 -b 16 long.wav synth 14 sine 500
sox -q -n -r 22050 -c 1 -b 16 mono.wav synth 5 sine 500
truncate -s 800M huge.pcm
idx=
i=1
while [ $i -le 99 ]; do
    f=$((i * 10))
    idx="$idx,index=$((f / 4500)):$((f / 75 % 60)):$((f % 75))"
    i=$((i + 1))
done
listing >before.txt
expect_code "E_IMAPI_RAW_IMAGE_NO_TRACKS: no track" E_IMAPI_RAW_IMAGE_NO_TRACKS 1 -o E.cue
expect_code "E_IMAPI_RAW_IMAGE_TOO_MANY_TRACKS: --first-track 98, 3 tracks" \
    E_IMAPI_RAW_IMAGE_TOO_MANY_TRACKS 1 -o E.cue --first-track 98 audio:a1.wav audio:a1.wav audio:a1.wav
expect_code "E_IMAPI_RAW_IMAGE_SECTOR_TYPE_NOT_SUPPORTED: data after audio" \
    E_IMAPI_RAW_IMAGE_SECTOR_TYPE_NOT_SUPPORTED 1 -o E.cue audio:a1.wav data:C.iso
expect_code "E_IMAPI_RAW_IMAGE_TRACKS_ALREADY_ADDED: --pregap after a track" \
    E_IMAPI_RAW_IMAGE_TRACKS_ALREADY_ADDED 1 -o E.cue audio:a1.wav --pregap p.wav
expect_code "E_IMAPI_RAW_IMAGE_INSUFFICIENT_SPACE: 800 MB of PCM on a 74-minute CD" \
    E_IMAPI_RAW_IMAGE_INSUFFICIENT_SPACE 1 -o E.cue --media 74 audio:huge.pcm
expect_code "E_IMAPI_RAW_IMAGE_TOO_MANY_TRACK_INDEXES: index 1 and 99 more" \
    E_IMAPI_RAW_IMAGE_TOO_MANY_TRACK_INDEXES 1 -o E.cue "audio:long.wav$idx"
expect_code "E_IMAPI_RAW_IMAGE_TRACK_INDEX_NOT_FOUND: noindex= where there is none" \
    E_IMAPI_RAW_IMAGE_TRACK_INDEX_NOT_FOUND 1 -o E.cue audio:a1.wav,noindex=2
expect_code "E_IMAPI_RAW_IMAGE_TRACK_INDEX_OFFSET_ZERO_CANNOT_BE_CLEARED: noindex=0" \
    E_IMAPI_RAW_IMAGE_TRACK_INDEX_OFFSET_ZERO_CANNOT_BE_CLEARED 1 -o E.cue audio:a1.wav,noindex=0
expect_code "E_IMAPI_RAW_IMAGE_TRACK_INDEX_TOO_CLOSE_TO_OTHER_INDEX: index=0:0:5" \
    E_IMAPI_RAW_IMAGE_TRACK_INDEX_TOO_CLOSE_TO_OTHER_INDEX 1 -o E.cue audio:a1.wav,index=0:0:5
expect_code "E_IMAPI_DF2TAO_STREAM_NOT_SUPPORTED: a mono 22 kHz WAV, named" \
    E_IMAPI_DF2TAO_STREAM_NOT_SUPPORTED 1 -o E.cue audio:mono.wav
grep -q "mono.wav' is 16-bit mono PCM at 22050 Hz" code.err || tap_diag "message: $(cat code.err)"
# A warning, not a failure: the disc is written (then removed for the next check).
"$MKIMAGE" cd -o W.cue audio:a1.wav,index=0 >code.out 2>code.err
rc=$?
if [ $rc -eq 0 ] && grep -q '^mkimage: warning: S_IMAPI_RAW_IMAGE_TRACK_INDEX_ALREADY_EXISTS (0x00AA0A08)' code.err &&
    [ -s W.bin ]; then
    tap_ok "S_IMAPI_RAW_IMAGE_TRACK_INDEX_ALREADY_EXISTS: index=0 is a warning, exit 0"
else
    tap_fail "S_IMAPI_RAW_IMAGE_TRACK_INDEX_ALREADY_EXISTS: index=0 is a warning, exit 0" "exit $rc: $(cat code.err)"
fi
rm -f W.cue W.bin
# A write failing half-way (a full file system) leaves no file and keeps
# the old ones.
if mkdir small && mount -t tmpfs -o size=1m tmpfs small 2>/dev/null; then
    cp A.cue small/old.cue && head -c 100000 A.bin >small/old.bin
    sums=$(cat small/old.cue small/old.bin | cksum)
    before=$(ls -a small)
    out=$("$MKIMAGE" cd -o small/old.cue audio:a1.wav audio:a2.wav 2>&1)
    rc=$?
    after=$(ls -a small)
    new_sums=$(cat small/old.cue small/old.bin | cksum)
    umount small
    if [ $rc -eq 1 ] && [ "$before" = "$after" ] && [ "$new_sums" = "$sums" ]; then
        tap_ok "a disc that fills the file system leaves no file and the old cue/bin as they were"
    else
        tap_fail "a disc that fills the file system leaves no file and the old cue/bin" "exit $rc: $out
before: $before
after: $after"
    fi
else
    tap_skip "a disc that fills the file system leaves no file" "cannot mount a tmpfs (not root?)"
fi
"$MKIMAGE" --help | grep -q '^  cd -o DISC.cue' && "$MKIMAGE" cd --help | grep -q 'audio:FILE' &&
    tap_ok "mkimage --help lists cd; mkimage cd --help shows the TRACK forms" ||
    tap_fail "mkimage --help lists cd; mkimage cd --help shows the TRACK forms"
# Usage errors exit 2.
"$MKIMAGE" cd -o U.cue --media 63 audio:a1.wav >/dev/null 2>&1
rc1=$?
"$MKIMAGE" cd -o U.cue video:a1.wav >/dev/null 2>&1
rc2=$?
"$MKIMAGE" cd -o U.cue audio:a1.wav,index=abc >/dev/null 2>&1
rc3=$?
[ $rc1 -eq 2 ] && [ $rc2 -eq 2 ] && [ $rc3 -eq 2 ] && [ ! -e U.cue ] &&
    tap_ok "usage errors (--media 63, video:, index=abc) exit 2" ||
    tap_fail "usage errors (--media 63, video:, index=abc) exit 2" "$rc1 $rc2 $rc3"

tap_done
