#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# tests/integration/session.sh - session images for write-once media
# (`mkimage create --previous-session IMAGE [--next-writable-address NWA]`,
# what mkisofs -M/-C make), written into a copy of the disc at NWA the way
# a burner appends them.
#
# Three sessions in a row on an ISO9660+Joliet disc (add files; replace a
# file; add to an old directory), a session on a genisoimage disc, and an
# address padded to 32 blocks.  After each: xorriso (-load sbsector NWA:
# names, sizes, SHA-256 of every file extracted), isoinfo -T NWA -R (every
# file by path, SHA-256), the Linux kernel in QEMU (mount -o sbsector=NWA,
# Rock Ridge and Joliet: names, types, sizes, SHA-256; skipped when it is
# unavailable), and our own info (the sessions), verify and extract.  The
# first session stays what it was to readers that start at block 16; old
# files keep their blocks (the session image holds only new data).
# Errors: --next-writable-address alone IMAPI_E_MULTISESSION_NOT_SET; an
# address inside the previous session IMAPI_E_BAD_MULTISESSION_PARAMETER
# naming a file; another file-system set
# IMAPI_E_FILE_SYSTEM_CHANGE_NOT_ALLOWED; a boot entry
# IMAPI_E_BOOT_OBJECT_CONFLICT; none leaves an output.  A session of a
# disc with El Torito keeps its boot record; one of a disc with UDF has a
# UDF volume continuing the disc's partition.  Prints TAP.
#
# Environment: MKIMAGE (default ./mkimage).

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/integration/lib.sh
. "$here/lib.sh"
kdir=$(cd "$here/../kernel" && pwd)

top_builddir=${top_builddir:-$(pwd)}
MKIMAGE=${MKIMAGE:-$top_builddir/mkimage}
unset SOURCE_DATE_EPOCH
LC_ALL=C.UTF-8
export LC_ALL

tmp=$(mktemp -d "${TMPDIR:-/tmp}/fsi-session.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' HUP INT TERM

have() { command -v "$1" >/dev/null 2>&1; }

tap_plan 43

# ---- the sessions' sources, and the trees readers must see after each ----
mkdir -p "$tmp/s1/docs/deep" "$tmp/s2/more" "$tmp/s3/docs" || exit 1
echo one >"$tmp/s1/a.txt"
head -c 300000 /dev/urandom >"$tmp/s1/docs/big.bin"
echo deep >"$tmp/s1/docs/deep/d.txt"
: >"$tmp/s1/empty"
echo two >"$tmp/s2/b.txt"
head -c 5000 /dev/urandom >"$tmp/s2/more/c.bin"
echo "replaced in session three" >"$tmp/s3/a.txt"
echo three >"$tmp/s3/docs/new.txt"
mkdir "$tmp/want1" "$tmp/want2" "$tmp/want3"
cp -a "$tmp/s1/." "$tmp/want1/"
cp -a "$tmp/want1/." "$tmp/want2/" && cp -a "$tmp/s2/." "$tmp/want2/"
cp -a "$tmp/want2/." "$tmp/want3/" && cp -a "$tmp/s3/." "$tmp/want3/"

# manifest DIR: "path<TAB>size<TAB>sha256" of every file, sorted.
manifest() {
    (cd "$1" && find . -type f -printf '%P\n' | LC_ALL=C sort | while IFS= read -r f; do
        printf '%s\t%s\t%s\n' "$f" "$(stat -c %s "$f")" "$(sha256sum <"$f" | cut -c1-64)"
    done)
}
for n in 1 2 3; do manifest "$tmp/want$n" >"$tmp/want$n.lst"; done

# compare DESC WANT GOT
compare() {
    if [ -s "$3" ] && diff -u "$2" "$3" >"$tmp/diff" 2>&1; then
        tap_ok "$1"
    else
        tap_fail "$1" "$(sed -n '1,30p' "$tmp/diff" 2>/dev/null)"
    fi
}

blocks() { echo $(( $(stat -c %s "$1") / 2048 )); }

# session PREV SRC OUT [OPTIONS...]: a session image continuing PREV, then
# PREV's copy with it written at its address in OUT; NWA set.
session() {
    prev=$1 src=$2 out=$3
    shift 3
    rm -f "$tmp/sess.img"
    if ! "$MKIMAGE" create -q --fs iso9660,joliet --previous-session "$prev" "$@" \
        -o "$tmp/sess.img" "$src" >"$tmp/sess.out" 2>&1; then
        cp "$prev" "$out"
        return 1
    fi
    NWA=$(blocks "$prev")
    for a in "$@"; do
        case $a in [0-9]*) NWA=$a ;; esac
    done
    cp "$prev" "$out" && dd if="$tmp/sess.img" of="$out" bs=2048 seek="$NWA" conv=notrunc \
        status=none
}

# readers N DISC NWA: xorriso, isoinfo, mkimage on session N at NWA.
readers() {
    n=$1 disc=$2 nwa=$3
    if have xorriso; then
        rm -rf "$tmp/x"
        xorriso -indev "$disc" -load sbsector "$nwa" -osirrox on -extract / "$tmp/x" \
            >"$tmp/x.out" 2>&1
        manifest "$tmp/x" >"$tmp/x.lst" 2>/dev/null
        compare "session $n: xorriso -load sbsector $nwa: every file, SHA-256" \
            "$tmp/want$n.lst" "$tmp/x.lst"
    else
        tap_skip "session $n: xorriso" "xorriso not installed"
    fi
    if have isoinfo; then
        isoinfo -i "$disc" -T "$nwa" -R -f 2>/dev/null | LC_ALL=C sort >"$tmp/i.paths"
        : >"$tmp/i.lst"
        while IFS= read -r p; do
            isoinfo -i "$disc" -T "$nwa" -R -x "$p" >"$tmp/i.file" 2>/dev/null
            # directories extract as nothing; keep what the source has as files
            [ -f "$tmp/want$n/${p#/}" ] || continue
            printf '%s\t%s\t%s\n' "${p#/}" "$(stat -c %s "$tmp/i.file")" \
                "$(sha256sum <"$tmp/i.file" | cut -c1-64)" >>"$tmp/i.lst"
        done <"$tmp/i.paths"
        grep -c . "$tmp/i.paths" >/dev/null || : >"$tmp/i.lst"
        # every path isoinfo lists is in the source
        (cd "$tmp/want$n" && find . -mindepth 1 -printf '/%P\n' | LC_ALL=C sort) >"$tmp/i.want"
        if diff -u "$tmp/i.want" "$tmp/i.paths" >"$tmp/diff"; then
            compare "session $n: isoinfo -T $nwa -R: every path, every file's SHA-256" \
                "$tmp/want$n.lst" "$tmp/i.lst"
        else
            tap_fail "session $n: isoinfo -T $nwa -R: every path" "$(head -20 "$tmp/diff")"
        fi
    else
        tap_skip "session $n: isoinfo" "isoinfo not installed"
    fi
    rm -rf "$tmp/o"
    if "$MKIMAGE" verify "$disc" >"$tmp/v.out" 2>&1 &&
        "$MKIMAGE" extract -q "$disc" "$tmp/o" >"$tmp/o.out" 2>&1; then
        manifest "$tmp/o" >"$tmp/o.lst"
        compare "session $n: mkimage verify clean, extract reads the last session" \
            "$tmp/want$n.lst" "$tmp/o.lst"
    else
        tap_fail "session $n: mkimage verify clean, extract reads the last session" \
            "$(cat "$tmp/v.out" "$tmp/o.out")"
    fi
}

# session_read N DESC PREV SRC OUT [OPTIONS...]: session() and, if made,
# readers() on it (four results either way).
session_read() {
    n=$1 desc=$2
    shift 2
    if session "$@"; then
        tap_ok "$desc"
        readers "$n" "$3" "$NWA"
    else
        tap_fail "$desc" "$(cat "$tmp/sess.out")"
        for i in 1 2 3; do tap_fail "session $n: readers" "not made"; done
    fi
}

# ---- session 1 and 2 ----
disc1=$tmp/disc1.iso disc2=$tmp/disc2.iso disc3=$tmp/disc3.iso
tap_check "session 1: mkimage create (ISO9660, Joliet)" \
    "$MKIMAGE" create -q --fs iso9660,joliet -V "Backup 2026" -o "$disc1" "$tmp/s1"
if session "$disc1" "$tmp/s2" "$disc2"; then
    tap_ok "session 2: a session image at the end of session 1"
else
    tap_fail "session 2: a session image at the end of session 1" "$(cat "$tmp/sess.out")"
fi
NWA2=$NWA
# The old files keep their blocks: the session holds the new 5 KB, not big.bin.
sz=$(stat -c %s "$tmp/sess.img" 2>/dev/null || echo 0)
if [ "$sz" -gt 0 ] && [ "$sz" -lt 200000 ]; then
    tap_ok "session 2: the old files' data is not copied ($sz bytes)"
else
    tap_fail "session 2: the old files' data is not copied" "$sz bytes"
fi
readers 2 "$disc2" "$NWA2"

# ---- session 3: on a disc of two sessions (the last one imported), after
# a CD's lead-out and lead-in (6,900 blocks, as cdrecord -msinfo says) ----
NWA3=$(( $(blocks "$disc2") + 6900 ))
if session "$disc2" "$tmp/s3" "$disc3" --next-writable-address "$NWA3"; then
    tap_ok "session 3: after a CD session gap ($NWA3)"
else
    tap_fail "session 3: after a CD session gap ($NWA3)" "$(cat "$tmp/sess.out")"
fi
readers 3 "$disc3" "$NWA3"
"$MKIMAGE" info "$disc3" >"$tmp/info.out" 2>&1
if grep -q "^sessions: *3 (start blocks 0 $NWA2 $NWA3)" "$tmp/info.out" &&
    [ "$(blkid -p -o value -s LABEL "$disc3" 2>/dev/null || echo "Backup 2026")" = "Backup 2026" ] &&
    [ "$(grep -c "volume name: *Backup 2026\$" "$tmp/info.out")" -eq 2 ]; then
    tap_ok "mkimage info: three sessions, at 0 $NWA2 $NWA3; the label kept"
else
    tap_fail "mkimage info: three sessions" "$(grep -i session "$tmp/info.out")"
fi

# mkimage ls --session N reads each one (names as the source has them).
: >"$tmp/ls.diff"
for n in 1 2 3; do
    (cd "$tmp/want$n" && find . -mindepth 1 -printf '/%P\n' | LC_ALL=C sort) >"$tmp/ls.want"
    "$MKIMAGE" ls -R --session $n "$disc3" 2>&1 | LC_ALL=C sort >"$tmp/ls.got"
    diff -u "$tmp/ls.want" "$tmp/ls.got" >>"$tmp/ls.diff" || echo "session $n differs" >>"$tmp/ls.diff"
done
"$MKIMAGE" ls --session 4 "$disc3" >"$tmp/ls4.out" 2>&1
[ $? -eq 2 ] && grep -q "holds 3 sessions" "$tmp/ls4.out" || echo "--session 4: $(cat "$tmp/ls4.out")" >>"$tmp/ls.diff"
if [ -s "$tmp/ls.diff" ]; then
    tap_fail "mkimage ls -R --session 1, 2, 3: each session's tree; 4: usage error" "$(head -20 "$tmp/ls.diff")"
else
    tap_ok "mkimage ls -R --session 1, 2, 3: each session's tree; 4: usage error"
fi

# Earlier sessions stay readable: block 16 is still session 1's.
if have xorriso; then
    rm -rf "$tmp/x1" "$tmp/x2"
    xorriso -indev "$disc3" -osirrox on -extract / "$tmp/x1" >/dev/null 2>&1
    manifest "$tmp/x1" >"$tmp/x1.lst"
    compare "session 1 as it was (xorriso, from block 16)" "$tmp/want1.lst" "$tmp/x1.lst"
    xorriso -indev "$disc3" -load sbsector "$NWA2" -osirrox on -extract / "$tmp/x2" >/dev/null 2>&1
    manifest "$tmp/x2" >"$tmp/x2.lst"
    compare "session 2 as it was (xorriso -load sbsector $NWA2)" "$tmp/want2.lst" "$tmp/x2.lst"
else
    tap_skip "earlier sessions (xorriso)" "xorriso not installed"
    tap_skip "earlier sessions (xorriso)" "xorriso not installed"
fi

# ---- the Linux kernel: sbsector ----
reason=
if [ "${FSI_TEST_SKIP_KERNEL:-}" = 1 ]; then
    reason="FSI_TEST_SKIP_KERNEL=1"
elif ! "$kdir/setup.sh" >"$tmp/setup.out" 2>&1; then
    reason="no kernel reader: $(tail -n 1 "$tmp/setup.out")"
fi
# kfiles LISTING: path, size, sha256 of the files (kstat columns 1, 6, 11)
kfiles() {
    awk -F '\t' 'BEGIN { OFS = "\t" } $2 == "f" { print $1, $6, $11 }' "$1" | LC_ALL=C sort
}
kdirs() { awk -F '\t' '$2 == "d" && $1 != "." { print $1 }' "$1" | LC_ALL=C sort; }
if [ -n "$reason" ]; then
    for d in "session 3, Rock Ridge" "session 3, Joliet" "session 2, Rock Ridge" \
        "session 1 from block 16"; do
        tap_skip "Linux kernel: $d" "$reason"
    done
else
    "$kdir/kstat.sh" -d "$tmp/k" "$disc3" "iso9660:sbsector=$NWA3" "$disc3" \
        "joliet:sbsector=$NWA3" "$disc3" "iso9660:sbsector=$NWA2" "$disc3" iso9660 \
        >"$tmp/k.out" 2>"$tmp/k.err" || tap_diag "kstat.sh: $(tail -5 "$tmp/k.err")"
    for n in 1 2 3 4; do : >>"$tmp/k/$n.lst"; done
    (cd "$tmp/want3" && find . -mindepth 1 -type d -printf '%P\n' | LC_ALL=C sort) >"$tmp/wd3"
    for v in 1:3:"session 3, Rock Ridge" 2:3:"session 3, Joliet" 3:2:"session 2, Rock Ridge" \
        4:1:"session 1 from block 16"; do
        k=${v%%:*} rest=${v#*:}
        w=${rest%%:*} d=${rest#*:}
        kfiles "$tmp/k/$k.lst" >"$tmp/kgot"
        (cd "$tmp/want$w" && find . -mindepth 1 -type d -printf '%P\n' | LC_ALL=C sort) \
            >"$tmp/kwd"
        kdirs "$tmp/k/$k.lst" >"$tmp/kgd"
        if cmp -s "$tmp/kwd" "$tmp/kgd"; then
            compare "Linux kernel: $d (files, sizes, SHA-256, directories)" \
                "$tmp/want$w.lst" "$tmp/kgot"
        else
            tap_fail "Linux kernel: $d: directories" "$(diff "$tmp/kwd" "$tmp/kgd" | head)"
        fi
    done
fi

# ---- a session on a disc genisoimage made ----
if have genisoimage; then
    genisoimage -quiet -R -J -o "$tmp/g1.iso" "$tmp/s1" >/dev/null 2>&1
    # on a DVD's next recording unit but one (16-block units)
    gnwa=$(( ($(blocks "$tmp/g1.iso") + 15) / 16 * 16 + 16 ))
    session_read 2 "a session on a genisoimage -R -J disc, at $gnwa" \
        "$tmp/g1.iso" "$tmp/s2" "$tmp/g2.iso" --next-writable-address "$gnwa"
else
    for i in 1 2 3 4; do tap_skip "a session on a genisoimage disc" "genisoimage not installed"; done
fi

# ---- genisoimage -M's session on a disc whose first session has UDF:
# the last session has no UDF, and readers must not take the first's ----
if have genisoimage; then
    "$MKIMAGE" create -q -o "$tmp/u1.iso" "$tmp/s1" >/dev/null 2>&1
    un=$(blocks "$tmp/u1.iso")
    genisoimage -quiet -R -J -C "0,$un" -M "$tmp/u1.iso" -o "$tmp/u2.img" "$tmp/s2" \
        >/dev/null 2>&1
    cp "$tmp/u1.iso" "$tmp/u2.iso" &&
        dd if="$tmp/u2.img" of="$tmp/u2.iso" bs=2048 seek="$un" conv=notrunc status=none
    "$MKIMAGE" info "$tmp/u2.iso" >"$tmp/u.info" 2>&1
    rm -rf "$tmp/uo"
    "$MKIMAGE" extract -q "$tmp/u2.iso" "$tmp/uo" >/dev/null 2>&1
    manifest "$tmp/uo" >"$tmp/uo.lst"
    if grep -q "^file systems: *ISO9660 Joliet\$" "$tmp/u.info" && cmp -s "$tmp/want2.lst" "$tmp/uo.lst"
    then
        tap_ok "genisoimage's session after a UDF session: the last session read, no UDF"
    else
        tap_fail "genisoimage's session after a UDF session: the last session read, no UDF" \
            "$(grep "file systems" "$tmp/u.info"; diff "$tmp/want2.lst" "$tmp/uo.lst" | head)"
    fi
    session_read 3 "our session on genisoimage's" "$tmp/u2.iso" "$tmp/s3" "$tmp/u3.iso"
else
    for i in 1 2 3 4 5; do tap_skip "sessions after a UDF session" "genisoimage not installed"; done
fi

# ---- errors: each named, and no output left ----
# err DESC CODE [ARGS...]: mkimage create ARGS -o OUT fails with CODE.
err() {
    desc=$1 code=$2
    shift 2
    rm -f "$tmp/err.img"
    "$MKIMAGE" create -q "$@" -o "$tmp/err.img" "$tmp/s2" >"$tmp/err.out" 2>&1
    rc=$?
    if [ $rc -ne 0 ] && grep -q "$code" "$tmp/err.out" && [ ! -e "$tmp/err.img" ]; then
        tap_ok "$desc: $code, no output"
    else
        tap_fail "$desc: $code, no output" "exit $rc: $(cat "$tmp/err.out"; ls "$tmp/err.img" 2>&1)"
    fi
}
err "--next-writable-address without --previous-session" IMAPI_E_MULTISESSION_NOT_SET \
    --next-writable-address 500
err "an address inside the previous session" "IMAPI_E_BAD_MULTISESSION_PARAMETER.*docs/big.bin" \
    --fs iso9660,joliet --previous-session "$disc1" --next-writable-address 40
err "an address in the system area" IMAPI_E_BAD_MULTISESSION_PARAMETER \
    --fs iso9660,joliet --previous-session "$disc1" --next-writable-address 5
err "UDF added in a session" IMAPI_E_FILE_SYSTEM_CHANGE_NOT_ALLOWED \
    --fs iso9660,joliet,udf --previous-session "$disc1"
err "Joliet dropped in a session" IMAPI_E_FILE_SYSTEM_CHANGE_NOT_ALLOWED \
    --fs iso9660 --previous-session "$disc1"
# A session image of a disc with UDF (2.50: its metadata partition) has a
# UDF volume too, its partition continuing the previous one's; read back
# through UDF (the session's anchor at NWA + 256) and ISO9660.
"$MKIMAGE" create -q --udf-revision 2.50 -o "$tmp/udf1.iso" "$tmp/s1" >/dev/null 2>&1
if session "$tmp/udf1.iso" "$tmp/s2" "$tmp/udf2.iso" --fs iso9660,joliet,udf; then
    rm -rf "$tmp/uo"
    "$MKIMAGE" extract -q --fs udf "$tmp/udf2.iso" "$tmp/uo" >/dev/null 2>&1
    manifest "$tmp/uo" >"$tmp/uo.lst"
    "$MKIMAGE" ls -R --fs udf --session 1 "$tmp/udf2.iso" 2>&1 | LC_ALL=C sort >"$tmp/u1.got"
    (cd "$tmp/want1" && find . -mindepth 1 -printf '/%P\n' | LC_ALL=C sort) >"$tmp/u1.want"
    if "$MKIMAGE" verify "$tmp/udf2.iso" >"$tmp/uv.out" 2>&1 && cmp -s "$tmp/want2.lst" "$tmp/uo.lst" &&
        cmp -s "$tmp/u1.want" "$tmp/u1.got"; then
        tap_ok "a session image of a UDF 2.50 disc: its UDF volume reads the new tree, session 1 the old"
    else
        tap_fail "a session image of a UDF 2.50 disc" \
            "$(cat "$tmp/uv.out"; diff "$tmp/want2.lst" "$tmp/uo.lst" | head; diff "$tmp/u1.want" "$tmp/u1.got")"
    fi
else
    tap_fail "a session image of a UDF 2.50 disc" "$(cat "$tmp/sess.out")"
fi
if [ -n "$reason" ]; then
    tap_skip "Linux kernel: the UDF session image (mount -o anchor=NWA+256)" "$reason"
else
    rm -rf "$tmp/ku"
    "$kdir/kstat.sh" -d "$tmp/ku" "$tmp/udf2.iso" "udf:anchor=$((NWA + 256))" "$tmp/udf2.iso" udf \
        >/dev/null 2>"$tmp/ku.err"
    : >>"$tmp/ku/1.lst"
    : >>"$tmp/ku/2.lst"
    kfiles "$tmp/ku/1.lst" >"$tmp/ku1"
    kfiles "$tmp/ku/2.lst" >"$tmp/ku2"
    if cmp -s "$tmp/want2.lst" "$tmp/ku1" && cmp -s "$tmp/want1.lst" "$tmp/ku2"; then
        tap_ok "Linux kernel: the UDF session image by its anchor, session 1 by block 256"
    else
        tap_fail "Linux kernel: the UDF session image by its anchor" \
            "$(diff "$tmp/want2.lst" "$tmp/ku1" | head; diff "$tmp/want1.lst" "$tmp/ku2" | head; tail -3 "$tmp/ku.err")"
    fi
fi
printf 'boot' >"$tmp/boot.bin"
err "a boot entry in a session image" IMAPI_E_BOOT_OBJECT_CONFLICT \
    --fs iso9660,joliet --previous-session "$disc1" --boot "$tmp/boot.bin"
# A session of a disc with El Torito keeps its boot record and catalog.
if have xorriso; then
    "$MKIMAGE" create -q --fs iso9660,joliet --boot "$tmp/boot.bin" -o "$tmp/eb1.iso" "$tmp/s1" \
        >/dev/null 2>&1
    if session "$tmp/eb1.iso" "$tmp/s2" "$tmp/eb2.iso"; then
        xorriso -indev "$tmp/eb1.iso" -report_el_torito plain 2>/dev/null | grep "boot img" \
            >"$tmp/eb1.rep"
        xorriso -indev "$tmp/eb2.iso" -load sbsector "$NWA" -report_el_torito plain 2>/dev/null |
            grep "boot img" >"$tmp/eb2.rep"
    fi
    if [ -s "$tmp/eb1.rep" ] && cmp -s "$tmp/eb1.rep" "$tmp/eb2.rep"; then
        tap_ok "a session of a disc with El Torito keeps its boot record (xorriso: same entry)"
    else
        tap_fail "a session of a disc with El Torito keeps its boot record" \
            "$(cat "$tmp/sess.out" "$tmp/eb1.rep" "$tmp/eb2.rep" 2>&1)"
    fi
else
    tap_skip "a session of a disc with El Torito keeps its boot record" "xorriso not installed"
fi
err "a previous session that is not an image" IMAPI_E_NO_SUPPORTED_FILE_SYSTEM \
    --fs iso9660,joliet --previous-session "$tmp/s1/docs/big.bin"

err "a previous session that does not exist" "IMAPI_E_IMPORT_READ_FAILURE.*probably block 0.*cannot open" \
    --previous-session "$tmp/no-such.iso"

# Progress counts the session's own blocks: it ends at 100%.
"$MKIMAGE" create --progress --fs iso9660,joliet --previous-session "$disc1" -o "$tmp/p.img" \
    "$tmp/s2" >"$tmp/p.out" 2>&1
if grep -q "100.0%" "$tmp/p.out"; then
    tap_ok "--progress of a session image ends at 100%"
else
    tap_fail "--progress of a session image ends at 100%" "$(cat "$tmp/p.out")"
fi

# The comparisons can fail: session 2's tree is not session 3's.
if ! cmp -s "$tmp/want2.lst" "$tmp/want3.lst" && ! cmp -s "$tmp/want1.lst" "$tmp/want2.lst"; then
    tap_ok "the comparisons can fail"
else
    tap_fail "the comparisons can fail" "the trees are equal"
fi
# An image xorriso grew in place (-dev: its emulated table of contents,
# sessions from block 32, the head a copy of the last): mkimage lists the
# sessions xorriso -toc lists and reads each.
if have xorriso; then
    rm -f "$tmp/xdev.iso"
    for n in 1 2 3; do
        xorriso -dev "$tmp/xdev.iso" -map "$tmp/s$n" "/s$n" -commit >/dev/null 2>&1
    done
    xorriso -indev "$tmp/xdev.iso" -toc 2>/dev/null |
        sed -n 's/^ISO session *: *[0-9]* *, *\([0-9]*\) .*/\1/p' | tr '\n' ' ' >"$tmp/xtoc"
    "$MKIMAGE" info "$tmp/xdev.iso" 2>&1 | sed -n 's/^sessions: *3 (start blocks \(.*\))$/\1 /p' \
        >"$tmp/mtoc"
    : >"$tmp/xs.diff"
    for n in 1 2 3; do
        "$MKIMAGE" ls --session $n "$tmp/xdev.iso" 2>&1 | LC_ALL=C sort | tr '\n' ' ' >"$tmp/xs.got"
        want=$(i=1; while [ $i -le $n ]; do printf 's%s ' $i; i=$((i + 1)); done)
        [ "$(cat "$tmp/xs.got")" = "$want" ] || echo "session $n: $(cat "$tmp/xs.got")" >>"$tmp/xs.diff"
    done
    if [ -s "$tmp/xtoc" ] && [ "$(cat "$tmp/xtoc")" = "$(cat "$tmp/mtoc")" ] && [ ! -s "$tmp/xs.diff" ]; then
        tap_ok "an image xorriso grew in place: the sessions xorriso -toc lists ($(cat "$tmp/xtoc")), each read"
    else
        tap_fail "an image xorriso grew in place: its sessions" \
            "xorriso: $(cat "$tmp/xtoc"); mkimage: $(cat "$tmp/mtoc"); $(cat "$tmp/xs.diff")"
    fi
else
    tap_skip "an image xorriso grew in place: its sessions" "xorriso not installed"
fi

# --previous-session IMAGE@START continues the session starting at START
# (here session 2 of the three-session disc), not the last one.
if ! have xorriso; then
    tap_skip "--previous-session IMAGE@START continues session 2" "xorriso not installed"
elif "$MKIMAGE" create -q --previous-session "$disc3@$NWA2" --next-writable-address 40000 \
        -o "$tmp/at.img" "$tmp/s3" >"$tmp/at.out" 2>&1; then
    cp "$disc3" "$tmp/at.iso" &&
        dd if="$tmp/at.img" of="$tmp/at.iso" bs=2048 seek=40000 conv=notrunc status=none
    rm -rf "$tmp/ax" && mkdir "$tmp/wantat" && cp -a "$tmp/want2/." "$tmp/wantat/" &&
        cp -a "$tmp/s3/." "$tmp/wantat/"
    manifest "$tmp/wantat" >"$tmp/wantat.lst"
    xorriso -indev "$tmp/at.iso" -load sbsector 40000 -osirrox on -extract / "$tmp/ax" >/dev/null 2>&1
    manifest "$tmp/ax" >"$tmp/ax.lst"
    compare "--previous-session IMAGE@START continues session 2 (xorriso: its tree and the new files)" \
        "$tmp/wantat.lst" "$tmp/ax.lst"
else
    tap_fail "--previous-session IMAGE@START continues session 2" "$(cat "$tmp/at.out" 2>/dev/null)"
fi
err "--previous-session IMAGE@START with no session there" \
    "IMAPI_E_BAD_MULTISESSION_PARAMETER.*block 7 " --previous-session "$disc3@7"

tap_done
