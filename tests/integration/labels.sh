#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# tests/integration/labels.sh - volume labels, descriptor identifiers and
# long Joliet names, read back by independent tools.
#
#  - The volume name "Debian 12 amd64 live" reaches blkid exactly as given
#    on ISO9660+Joliet, ISO9660 alone and all three file systems (there
#    blkid takes UDF's label, which holds it too); isoinfo, xorriso and
#    pycdlib read it as given in the primary descriptor.  With --strict
#    the primary descriptor holds its d-character translation; a name
#    ASCII cannot hold is translated there and kept in Joliet.
#  - --system-id ... --biblio-file: each identifier in its field of the
#    primary descriptor (isoinfo -d, xorriso -pvd_info, pycdlib) and of the
#    Joliet one in UCS-2, cut to half as many characters (pycdlib), and in
#    mkimage info (text and --json); the default application identifier
#    stays "LIBFSI <version>"; a too-long or bad-charset identifier, and
#    lower case with --strict, is IMAPI_E_INVALID_PARAM naming the field,
#    exit 1, no image.
#  - Joliet: two 100-character names equal in their first 64 characters
#    and a 100-character directory are cut to the specification's 64 by
#    default and stay distinct; with --joliet-long they are kept whole -
#    as isoinfo -J, 7-Zip, xorriso (-read_fs norock) and pycdlib read the
#    Joliet view - and mkimage verify finds nothing wrong.
# Prints TAP.  Environment: MKIMAGE (default ./mkimage).

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/integration/lib.sh
. "$here/lib.sh"

top_builddir=${top_builddir:-$(pwd)}
MKIMAGE=${MKIMAGE:-$top_builddir/mkimage}
PY=/usr/bin/python3
LC_ALL=C.UTF-8
export LC_ALL
SOURCE_DATE_EPOCH=1700000000
export SOURCE_DATE_EPOCH

tmp=$(mktemp -d "${TMPDIR:-/tmp}/fsi-labels.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' HUP INT TERM

have() { command -v "$1" >/dev/null 2>&1; }
have_pycdlib() { "$PY" -c 'import pycdlib' 2>/dev/null; }

tap_plan 32

LABEL="Debian 12 amd64 live"
src=$tmp/src
mkdir -p "$src"
echo "copying" >"$src/COPYING"
echo "boot" >"$src/boot.bin"
mk() { "$MKIMAGE" create -q "$@" >"$tmp/mk.out" 2>&1; }

# ---- 1. the volume label as blkid reads it ------------------------------
label_test() {   # DESC WANT MKIMAGE-ARGS...
    desc=$1 want=$2
    shift 2
    rm -f "$tmp/l.iso"
    if ! mk "$@" -o "$tmp/l.iso" "$src"; then
        tap_fail "$desc" "mkimage: $(cat "$tmp/mk.out")"
        return
    fi
    got=$(blkid -p -o value -s LABEL "$tmp/l.iso" 2>&1)
    if [ "$got" = "$want" ]; then
        tap_ok "$desc"
    else
        tap_fail "$desc" "blkid: '$got', want '$want'"
    fi
}
if have blkid; then
    label_test "blkid, ISO9660+Joliet: '$LABEL' as given" "$LABEL" --fs iso9660,joliet -V "$LABEL"
    label_test "blkid, ISO9660 alone: as given" "$LABEL" --fs iso9660 -V "$LABEL"
    type=$(blkid -p -o value -s TYPE "$tmp/l.iso")
    label_test "blkid, ISO9660+Joliet+UDF: as given (UDF's label)" "$LABEL" -V "$LABEL"
    type3=$(blkid -p -o value -s TYPE "$tmp/l.iso")
    if [ "$type" = iso9660 ] && [ "$type3" = udf ]; then
        tap_ok "blkid reads ISO9660 alone as iso9660, all three as udf"
    else
        tap_fail "blkid reads ISO9660 alone as iso9660, all three as udf" "'$type', '$type3'"
    fi
    label_test "blkid, ISO9660 --strict: d-characters" "DEBIAN_12_AMD64_LIVE" \
        --fs iso9660 --strict -V "$LABEL"
    # Not ASCII: d-characters in the primary descriptor, blkid takes Joliet's.
    label_test "blkid, ISO9660+Joliet, 'Café déjà vu': Joliet's name" \
        "Café déjà vu" --fs iso9660,joliet -V "Café déjà vu"
else
    for i in 1 2 3 4 5 6; do tap_skip "blkid $i" "blkid not installed"; done
fi

# ---- 2. every identifier in its field -----------------------------------
PUB="Debian Project <debian-cd@lists.debian.org>"
PREP="xorriso-like preparer, lower case"
LONGSET=$(printf 'S%.0s' $(seq 1 100))
img=$tmp/ids.iso
mk -V "$LABEL" --system-id "Linux x86_64" --volume-set "$LONGSET" --publisher "$PUB" \
    --preparer "$PREP" --application-id "mkimage test 1.0" --copyright-file "COPYING.;1" \
    --abstract-file "ABSTRACT.TXT;1" --biblio-file "biblio.txt" -o "$img" "$src"
rc=$?
tap_check "create with every identifier (exit $rc)" test "$rc" -eq 0 -a -s "$img"

cat >"$tmp/want" <<EOF
System id: Linux x86_64
Volume id: $LABEL
Volume set id: $LONGSET
Publisher id: $PUB
Data preparer id: $PREP
Application id: mkimage test 1.0
Copyright File id: COPYING.;1
Abstract File id: ABSTRACT.TXT;1
Bibliographic File id: biblio.txt
EOF
if have isoinfo; then
    isoinfo -d -i "$img" 2>&1 | grep -E '^(System|Volume|Volume set|Publisher|Data preparer|Application|Copyright File|Abstract File|Bibliographic File) id:' \
        | sed 's/ *$//' >"$tmp/isoinfo"
    if diff "$tmp/want" "$tmp/isoinfo" >"$tmp/d" 2>&1; then
        tap_ok "isoinfo -d: each identifier in its field, as given"
    else
        tap_fail "isoinfo -d: each identifier in its field, as given" "$(cat "$tmp/d")"
    fi
else
    tap_skip "isoinfo -d" "isoinfo not installed"
fi

if have xorriso; then
    xorriso -indev "$img" -pvd_info 2>/dev/null >"$tmp/pvd"
    {
        echo "Volume Id    : $LABEL"
        echo "Volume Set Id: $LONGSET"
        echo "Publisher Id : $PUB"
        echo "Preparer Id  : $PREP"
        echo "App Id       : mkimage test 1.0"
        echo "System Id    : Linux x86_64"
        echo "CopyrightFile: COPYING.;1"
        echo "Abstract File: ABSTRACT.TXT;1"
        echo "Biblio File  : biblio.txt"
    } >"$tmp/want.x"
    grep -E '^(Volume Id|Volume Set Id|Publisher Id|Preparer Id|App Id|System Id|CopyrightFile|Abstract File|Biblio File) *:' \
        "$tmp/pvd" | sed 's/ *$//' >"$tmp/got.x"
    if diff "$tmp/want.x" "$tmp/got.x" >"$tmp/d" 2>&1; then
        tap_ok "xorriso -pvd_info agrees"
    else
        tap_fail "xorriso -pvd_info agrees" "$(cat "$tmp/d")"
    fi
else
    tap_skip "xorriso -pvd_info" "xorriso not installed"
fi

cat >"$tmp/pvd.py" <<'PYEOF'
import sys, pycdlib
img, vd = sys.argv[1], sys.argv[2]
want = dict(a.split("=", 1) for a in sys.argv[3:])
iso = pycdlib.PyCdlib()
iso.open(img)
d = iso.pvd if vd == "pvd" else iso.joliet_vd
bad = []
for field, text in want.items():
    v = getattr(d, field)
    v = getattr(v, "text", v)          # the application id is a FileOrTextIdentifier
    size = len(v)
    if vd == "pvd":
        got = v.decode("ascii")
        exp = text.ljust(size)
    else:
        # UCS-2BE padded with U+0020; an odd last byte stays 0
        got = v[:size & ~1].decode("utf-16-be")
        exp = text[:size // 2].ljust(size // 2)
        if size & 1 and v[-1:] != b"\0":
            bad.append("%s: odd last byte %r" % (field, v[-1:]))
    if got != exp:
        bad.append("%s: %r, want %r" % (field, got, exp))
iso.close()
if bad:
    print("\n".join(bad))
    sys.exit(1)
PYEOF
pvd_args() {
    printf '%s\n' "system_identifier=Linux x86_64" "volume_set_identifier=$LONGSET" \
        "publisher_identifier=$PUB" "preparer_identifier=$PREP" \
        "application_identifier=mkimage test 1.0" "copyright_file_identifier=COPYING.;1" \
        "abstract_file_identifier=ABSTRACT.TXT;1" "bibliographic_file_identifier=biblio.txt"
}
if have_pycdlib; then
    pvd_args | tr '\n' '\0' | xargs -0 "$PY" "$tmp/pvd.py" "$img" pvd \
        "volume_identifier=$LABEL" >"$tmp/py" 2>&1
    tap_check "pycdlib: the primary descriptor's fields" test -z "$(cat "$tmp/py")"
    [ -s "$tmp/py" ] && tap_diag "$(cat "$tmp/py")"
    pvd_args | tr '\n' '\0' | xargs -0 "$PY" "$tmp/pvd.py" "$img" joliet \
        "volume_identifier=$LABEL" >"$tmp/pyj" 2>&1
    tap_check "pycdlib: the Joliet descriptor's, in UCS-2, half as many characters" \
        test -z "$(cat "$tmp/pyj")"
    [ -s "$tmp/pyj" ] && tap_diag "$(cat "$tmp/pyj")"
else
    tap_skip "pycdlib: primary descriptor" "python3-pycdlib not installed"
    tap_skip "pycdlib: Joliet descriptor" "python3-pycdlib not installed"
fi

"$MKIMAGE" info "$img" >"$tmp/info" 2>&1
if grep -q "^  publisher: *$PUB\$" "$tmp/info" && grep -q '^  copyright file: *COPYING.;1$' "$tmp/info" &&
    grep -q '^  abstract file: *ABSTRACT.TXT;1$' "$tmp/info" &&
    grep -q '^  biblio file: *biblio.txt$' "$tmp/info"; then
    tap_ok "mkimage info shows the identifiers"
else
    tap_fail "mkimage info shows the identifiers" "$(cat "$tmp/info")"
fi
"$MKIMAGE" info --json "$img" >"$tmp/info.json" 2>&1
"$PY" - "$tmp/info.json" "$LONGSET" >"$tmp/pj" 2>&1 <<'PYEOF'
import json, sys
j = json.load(open(sys.argv[1]))
v = {x["fs"]: x for x in j["volumes"]}
want = {"system_id": "Linux x86_64", "copyright_file": "COPYING.;1",
        "abstract_file": "ABSTRACT.TXT;1", "biblio_file": "biblio.txt",
        "application": "mkimage test 1.0", "volume_set": sys.argv[2]}
for fs in ("ISO9660", "Joliet"):
    for k, w in want.items():
        w = w if fs == "ISO9660" else w[:{"system_id": 16, "copyright_file": 18,
                                          "abstract_file": 18, "biblio_file": 18}.get(k, 64)]
        assert v[fs][k] == w, (fs, k, v[fs][k], w)
assert v["UDF"]["copyright_file"] == "", v["UDF"]
PYEOF
tap_check "mkimage info --json: the identifiers of both descriptors" test -z "$(cat "$tmp/pj")"
[ -s "$tmp/pj" ] && tap_diag "$(cat "$tmp/pj")"

# Defaults stay: system LINUX, application LIBFSI <version>, the rest blank.
mk --fs iso9660 -o "$tmp/def.iso" "$src"
if have isoinfo; then
    isoinfo -d -i "$tmp/def.iso" >"$tmp/def" 2>&1
    if grep -q '^System id: LINUX$' "$tmp/def" && grep -q '^Application id: LIBFSI [0-9]' "$tmp/def" &&
        grep -q '^Publisher id: *$' "$tmp/def"; then
        tap_ok "defaults: system LINUX, application LIBFSI <version>, publisher blank"
    else
        tap_fail "defaults: system LINUX, application LIBFSI <version>, publisher blank" \
            "$(cat "$tmp/def")"
    fi
else
    tap_skip "defaults" "isoinfo not installed"
fi

# --strict: the field's ECMA-119 characters are fine.
mk --strict --fs iso9660 -V "$LABEL" --publisher "DEBIAN PROJECT (CD)" \
    --volume-set SET_1 --copyright-file "COPYING.;1" -o "$tmp/strict.iso" "$src"
rc=$?
if [ "$rc" -eq 0 ] && have isoinfo; then
    isoinfo -d -i "$tmp/strict.iso" >"$tmp/st" 2>&1
    if grep -q '^Volume id: DEBIAN_12_AMD64_LIVE$' "$tmp/st" &&
        grep -q '^Publisher id: DEBIAN PROJECT (CD)$' "$tmp/st" &&
        grep -q '^Volume set id: SET_1$' "$tmp/st"; then
        tap_ok "--strict: volume id in d-characters, a-/d-character identifiers kept"
    else
        tap_fail "--strict: volume id in d-characters, a-/d-character identifiers kept" "$(cat "$tmp/st")"
    fi
else
    tap_fail "--strict: volume id in d-characters, a-/d-character identifiers kept" \
        "exit $rc: $(cat "$tmp/mk.out")"
fi

# The stub primary descriptor of a UDF-only image with El Torito.
mk --fs udf -V "$LABEL" --publisher "$PUB" --boot /boot.bin -o "$tmp/udfboot.iso" "$src"
rc=$?
if [ "$rc" -eq 0 ] && have isoinfo; then
    isoinfo -d -i "$tmp/udfboot.iso" >"$tmp/ub" 2>&1
    if grep -q "^Volume id: $LABEL\$" "$tmp/ub" && grep -q "^Publisher id: $PUB\$" "$tmp/ub"; then
        tap_ok "UDF + El Torito: the stub primary descriptor has the same identifiers"
    else
        tap_fail "UDF + El Torito: the stub primary descriptor has the same identifiers" "$(cat "$tmp/ub")"
    fi
else
    tap_fail "UDF + El Torito: the stub primary descriptor has the same identifiers" \
        "exit $rc: $(cat "$tmp/mk.out")"
fi

# ---- 3. identifiers that do not fit ------------------------------------
refused() {   # DESC FIELD-IN-MESSAGE MKIMAGE-ARGS...
    desc=$1 field=$2
    shift 2
    rm -f "$tmp/bad.iso"
    "$MKIMAGE" create "$@" -o "$tmp/bad.iso" "$src" >"$tmp/bad.out" 2>"$tmp/bad.err"
    rc=$?
    if [ "$rc" -eq 1 ] && grep -q "IMAPI_E_INVALID_PARAM (0xC0AAB101)" "$tmp/bad.err" &&
        grep -q "'$field'" "$tmp/bad.err" && [ ! -e "$tmp/bad.iso" ]; then
        tap_ok "$desc"
    else
        tap_fail "$desc" "exit $rc; $(cat "$tmp/bad.err")"
    fi
}
refused "publisher of 129 characters: IMAPI_E_INVALID_PARAM naming the field, exit 1" \
    "publisher identifier" --publisher "$(printf 'p%.0s' $(seq 1 129))"
refused "system id of 33 characters: refused" "system identifier" \
    --system-id "$(printf 's%.0s' $(seq 1 33))"
refused "copyright file of 38 characters: refused" "copyright file identifier" \
    --copyright-file "$(printf 'C%.0s' $(seq 1 38))"
refused "non-ASCII preparer: refused" "data preparer identifier" --preparer "$(printf 'Caf\303\251')"
refused "a tab in the application id: refused" "application identifier" \
    --application-id "$(printf 'a\tb')"
refused "--strict: lower case in the publisher refused" "publisher identifier" \
    --strict --publisher "Debian"
refused "--strict: a space in the volume set refused" "volume set identifier" \
    --strict --volume-set "SET 1"

# ---- 4. long Joliet names ---------------------------------------------
jsrc=$tmp/jsrc
mkdir -p "$jsrc"
P64=$(printf 'p%.0s' $(seq 1 64))
A32=$(printf 'a%.0s' $(seq 1 32))
B32=$(printf 'b%.0s' $(seq 1 32))
D100=$(printf 'd%.0s' $(seq 1 100))
NA=$P64$A32.txt                       # 100 characters, first 64 equal
NB=$P64$B32.txt
echo a >"$jsrc/$NA"
echo b >"$jsrc/$NB"
mkdir "$jsrc/$D100"
echo c >"$jsrc/$D100/in.txt"
# By default: name + extension <= 64; NB clashes with NA's cut name.
P61=$(printf 'p%.0s' $(seq 1 61))
P59=$(printf 'p%.0s' $(seq 1 59))
D64=$(printf 'd%.0s' $(seq 1 64))
printf '%s\n' "/$D64" "/$D64/in.txt" "/$P59~1.txt" "/$P61.txt" | sort >"$tmp/want.short"
printf '%s\n' "/$D100" "/$D100/in.txt" "/$NA" "/$NB" | sort >"$tmp/want.long"

mk --fs iso9660,joliet -o "$tmp/short.iso" "$jsrc" || tap_diag "$(cat "$tmp/mk.out")"
mk --fs iso9660,joliet --joliet-long -o "$tmp/long.iso" "$jsrc" || tap_diag "$(cat "$tmp/mk.out")"

joliet_names() {   # TOOL IMAGE: the Joliet paths, one a line, sorted
    case $1 in
    isoinfo) isoinfo -J -f -i "$2" 2>/dev/null | sed 's/;1$//' ;;
    7z) 7z l -slt -tiso "$2" 2>/dev/null | sed -n 's/^Path = //p' | sed '1d; s|^|/|' ;;
    xorriso) xorriso -read_fs norock -indev "$2" -find / 2>/dev/null |
        sed -n "s/^'\\(.*\\)'\$/\\1/p" | grep -v '^/$' ;;
    pycdlib) "$PY" -c '
import sys, pycdlib
i = pycdlib.PyCdlib(); i.open(sys.argv[1])
for top, dirs, files in i.walk(joliet_path="/"):
    for n in dirs + files:
        print((top.rstrip("/") + "/" + n).split(";")[0])
' "$2" ;;
    esac | sort
}
for tool in isoinfo 7z xorriso pycdlib; do
    if { [ "$tool" = pycdlib ] && ! have_pycdlib; } || { [ "$tool" != pycdlib ] && ! have "$tool"; }; then
        tap_skip "Joliet, $tool: 64 by default" "$tool not installed"
        tap_skip "Joliet, $tool: whole with --joliet-long" "$tool not installed"
        continue
    fi
    joliet_names "$tool" "$tmp/short.iso" >"$tmp/got.short.$tool"
    if diff "$tmp/want.short" "$tmp/got.short.$tool" >"$tmp/d" 2>&1; then
        tap_ok "Joliet, $tool: 100-character names cut to 64 by default, still distinct"
    else
        tap_fail "Joliet, $tool: 100-character names cut to 64 by default, still distinct" "$(cat "$tmp/d")"
    fi
    joliet_names "$tool" "$tmp/long.iso" >"$tmp/got.long.$tool"
    if diff "$tmp/want.long" "$tmp/got.long.$tool" >"$tmp/d" 2>&1; then
        tap_ok "Joliet, $tool: kept whole with --joliet-long"
    else
        tap_fail "Joliet, $tool: kept whole with --joliet-long" "$(cat "$tmp/d")"
    fi
done
"$MKIMAGE" verify "$tmp/long.iso" >"$tmp/v" 2>&1
rc=$?
tap_check "verify, --joliet-long image: no errors (exit $rc)" test "$rc" -eq 0

tap_done
