#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# fault.sh - `mkimage create` when a system call or an allocation fails.
# The preload shim tests/fault/fault.c counts the calls a small create
# makes to every I/O and allocation function of the write path, then the
# create is run again and again with the Nth call of one function failing
# (EMFILE, EIO, ENOSPC, ENOMEM, EAGAIN).  Every run must either succeed
# with the very image a run without faults makes, or exit 1 with an IMAPI
# code on stderr; never crash or hang; leave nothing beside the output,
# in the work directory or in TMPDIR; and leave an older output as it was.
# Reads and writes cut short (a legal partial transfer) must change
# nothing at all.  Four ways: into a file and into a pipe, with and
# without --stage.  TAP.
#
# Environment: MKIMAGE, top_builddir (as make check sets them);
#   FAULT_SAMPLES  calls tried per function (evenly spread from the first
#                  to the last, and the last three; default 12); 0 tries
#                  every call (some 3,500 runs, 4 minutes on 2 CPUs)
#   FAULT_JOBS     runs at a time (default: the number of CPUs, at most 4)
#   FSI_SANITIZE   "yes" in a --enable-sanitizers build: skipped, as ASan
#                  must be the first library loaded and then owns malloc

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/integration/lib.sh
. "$here/lib.sh"

MKIMAGE=${MKIMAGE:-./mkimage}
top_builddir=${top_builddir:-$(pwd)}
shim=$top_builddir/tests/fault/.libs/fault.so
samples=${FAULT_SAMPLES:-12}
jobs=${FAULT_JOBS:-$(nproc 2>/dev/null || echo 2)}
[ "$jobs" -le 4 ] || jobs=4
[ "$jobs" -ge 1 ] || jobs=1

configs="file file-stage pipe pipe-stage"
groups="open read write sync name memory thread query"
# Per way: the run without faults, one line per group, the short transfers.
tap_plan 41

skip_all() {
    tap_skip "reference images" "$1"
    for c in $configs; do
        tap_skip "$c: with the shim and no fault, the reference image" "$1"
        for g in $groups; do
            tap_skip "$c: each $g call failing in turn" "$1"
        done
        tap_skip "$c: reads and writes cut short" "$1"
    done
    tap_done
}

if [ "${FSI_SANITIZE:-no}" = yes ]; then
    skip_all "sanitizer build: ASan must be loaded before any LD_PRELOAD shim and replaces malloc"
fi
if [ ! -f "$shim" ]; then
    skip_all "no $shim (a build without shared libraries?)"
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/fsi-fault.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' HUP INT TERM
# A hang is a failure (exit 124), not a stuck suite.  $TO is left
# unquoted below: it is no word or two words.
TO=
if command -v timeout >/dev/null 2>&1; then
    TO="timeout 60"
fi

# The tree: small files through the buffer, a 300 KiB file by zero-copy,
# 64 entries in one directory (the stat threads), nested and empty
# directories.  Into a file (the first way) also a 17 MiB sparse file:
# holes, and an image big enough for the writer thread.
src=$tmp/src
mkdir -p "$src/d1/sub/subsub" "$src/empty" "$src/many"
echo hello >"$src/a.txt"
echo deeper >"$src/d1/sub/subsub/c.txt"
head -c 307200 /dev/urandom >"$src/d1/big.bin"
: >"$src/d1/zero.len"
i=0
while [ $i -lt 64 ]; do
    echo "file $i" >"$src/many/f$i"
    i=$((i + 1))
done
printf 'middle' | dd of="$tmp/sparse.bin" bs=1 seek=9000000 conv=notrunc 2>/dev/null
printf 'end' | dd of="$tmp/sparse.bin" bs=1 seek=17825789 conv=notrunc 2>/dev/null
mkdir -p "$tmp/oldsrc"
echo "an older image" >"$tmp/oldsrc/old.txt"

export SOURCE_DATE_EPOCH=1700000000
unset FAULT_N FAULT_FUNCS FAULT_MODE FAULT_ERRNO FAULT_COUNT FAULT_PROG

mkdir -p "$tmp/ref.w"
if "$MKIMAGE" create -q --work-dir "$tmp/ref.w" -o "$tmp/ref.iso" "$src" 2>"$tmp/ref.err" &&
    "$MKIMAGE" create -q --work-dir "$tmp/ref.w" -o "$tmp/ref-big.iso" "$src" "$tmp/sparse.bin" \
        2>>"$tmp/ref.err" &&
    "$MKIMAGE" create -q -o "$tmp/old.iso" "$tmp/oldsrc" 2>>"$tmp/ref.err"; then
    tap_ok "reference images"
else
    tap_fail "reference images" "$(cat "$tmp/ref.err")"
    skip_all "no reference images"
fi

# run_case DIR CONFIG FUNC N MODE: one run into DIR (o/ w/ t/ made anew);
# prints "ok", or "bad: WHY".  FUNC "-" injects nothing.  Uses $exe and
# $libpath (the program itself, not a libtool wrapper: half the time).
run_case() {
    d=$1 cfg=$2 func=$3 n=$4 mode=$5
    rm -rf "$d/o" "$d/w" "$d/t" "$d/count"
    mkdir -p "$d/o" "$d/w" "$d/t"
    [ "$func" != - ] || n=0
    ref=$tmp/ref.iso
    case $cfg in
    file)
        set -- "$src" "$tmp/sparse.bin"
        ref=$tmp/ref-big.iso
        ;;
    *-stage) set -- --stage --fs iso9660,joliet,udf "$src" ;;
    *) set -- "$src" ;;
    esac
    case $cfg in
    file*)
        out=$d/o/out.iso
        cp "$tmp/old.iso" "$out"
        # shellcheck disable=SC2086  # $TO
        env LD_PRELOAD="$shim" FAULT_PROG=mkimage FAULT_FUNCS="$func" FAULT_N="$n" \
            FAULT_MODE="$mode" FAULT_COUNT="$d/count" TMPDIR="$d/t" \
            ${libpath:+LD_LIBRARY_PATH="$libpath"} \
            $TO "$exe" create -q --work-dir "$d/w" -o "$out" "$@" >"$d/stdout" 2>"$d/err"
        rc=$?
        ;;
    pipe*)
        out=$d/o/pipe.out
        {
            # shellcheck disable=SC2086  # $TO
            env LD_PRELOAD="$shim" FAULT_PROG=mkimage FAULT_FUNCS="$func" FAULT_N="$n" \
                FAULT_MODE="$mode" FAULT_COUNT="$d/count" TMPDIR="$d/t" \
                ${libpath:+LD_LIBRARY_PATH="$libpath"} \
                $TO "$exe" create -q --work-dir "$d/w" -o - "$@" 2>"$d/err"
            echo $? >"$d/rc"
        } | cat >"$out"
        rc=$(cat "$d/rc")
        ;;
    esac
    why=
    if grep -q -E 'Sanitizer|runtime error:' "$d/err"; then
        why="sanitizer report"
    elif [ "$rc" -eq 0 ]; then
        cmp -s "$ref" "$out" || why="exit 0 but the image differs from the reference"
    elif [ "$rc" -eq 1 ]; then
        grep -q -E '^mkimage: (IMAPI_E_[A-Z0-9_]+|E_[A-Z0-9_]+) \(0x[0-9A-F]{8}\): ' "$d/err" ||
            why="exit 1 without an IMAPI code on stderr"
        case $cfg in
        file*) cmp -s "$tmp/old.iso" "$out" || why="${why:+$why; }the older output was changed" ;;
        esac
        [ "$mode" != short ] || why="${why:+$why; }a short transfer made it fail"
    else
        why="exit status $rc"
    fi
    left=$(ls -A "$d/o" | tr '\n' ' ' | sed 's/^out\.iso $//; s/^pipe\.out $//')
    [ -z "$left" ] || why="${why:+$why; }left beside the output: $left"
    left=$(ls -A "$d/w" | tr '\n' ' ')
    [ -z "$left" ] || why="${why:+$why; }left in the work dir: $left"
    left=$(ls -A "$d/t" | tr '\n' ' ')
    [ -z "$left" ] || why="${why:+$why; }left in TMPDIR: $left"
    if [ -z "$why" ]; then
        echo ok
    else
        echo "bad: $why (exit $rc; $(grep injected "$d/count" 2>/dev/null)): $(head -c 300 "$d/err" | tr '\n' ' ')"
    fi
}

# The program behind a libtool wrapper, from a run of the wrapper.
exe=$MKIMAGE libpath=
mkdir -p "$tmp/probe/w"
env LD_PRELOAD="$shim" FAULT_PROG=mkimage FAULT_COUNT="$tmp/probe/count" \
    "$MKIMAGE" create -q --work-dir "$tmp/probe/w" -o "$tmp/probe/x.iso" "$tmp/oldsrc" \
    >/dev/null 2>"$tmp/probe/err"
if grep -q 'runtime does not come first' "$tmp/probe/err"; then
    skip_all "mkimage is built with ASan, which must be loaded before the shim"
fi
if [ -f "$tmp/probe/count" ]; then
    e=$(sed -n 's/^exe //p' "$tmp/probe/count")
    [ -z "$e" ] || exe=$e
    libpath=$(sed -n 's/^libpath //p' "$tmp/probe/count")
fi

# Count the calls of each way, then list the runs: "CONFIG FUNC GROUP N MODE".
: >"$tmp/jobs"
for c in $configs; do
    mkdir -p "$tmp/c-$c"
    r=$(run_case "$tmp/c-$c" "$c" - 0 fail)
    if [ "$r" != ok ]; then
        tap_fail "$c: with the shim and no fault, the reference image" "$r"
    elif [ ! -s "$tmp/c-$c/count" ]; then
        tap_fail "$c: with the shim and no fault, the reference image" \
            "the shim counted nothing (FAULT_COUNT not written): is LD_PRELOAD honoured?"
    else
        tap_ok "$c: with the shim and no fault, the reference image ($(awk '
            $1 == "call" { n += $5; k++ } END { print n " calls of " k " functions" }' \
            "$tmp/c-$c/count"))"
    fi
    # Sampled: evenly spread, and the last three calls as well (where the
    # output is committed and everything closed).
    awk -v cfg="$c" -v s="$samples" '
        function emit(name, group, c, mode,   i, n, seen) {
            if (s == 0 || c <= s + 3) {
                for (i = 1; i <= c; i++) print cfg, name, group, i, mode
                return
            }
            for (i = 0; i < s; i++) {
                n = s == 1 ? 1 : 1 + int(i * (c - 1) / (s - 1))
                seen[n] = 1
                print cfg, name, group, n, mode
            }
            for (n = c - 3; n < c; n++)
                if (!(n in seen)) print cfg, name, group, n, mode
        }
        $1 == "call" {
            emit($2, $3, $5, "fail")
            if ($4 == 1) emit($2, "short", $5, "short")
        }' "$tmp/c-$c/count" >>"$tmp/jobs" 2>/dev/null
done

# Run them, $jobs at a time, each worker in its own directory.
start=$(date +%s)
k=0
while [ $k -lt "$jobs" ]; do
    mkdir -p "$tmp/j$k"
    awk -v j="$jobs" -v k="$k" 'NR % j == k' "$tmp/jobs" >"$tmp/j$k/list"
    (
        while read -r cfg func group n mode; do
            echo "$cfg $group $func $n $(run_case "$tmp/j$k" "$cfg" "$func" "$n" "$mode")"
        done <"$tmp/j$k/list" >"$tmp/j$k/results"
    ) &
    k=$((k + 1))
done
wait
cat "$tmp"/j*/results >"$tmp/results"
tap_diag "$(wc -l <"$tmp/results") runs in $(($(date +%s) - start)) s, $jobs at a time"

for c in $configs; do
    for g in $groups short; do
        awk -v c="$c" -v g="$g" '$1 == c && $2 == g' "$tmp/results" >"$tmp/these"
        runs=$(wc -l <"$tmp/these")
        funcs=$(awk '{ print $3 }' "$tmp/these" | sort -u | tr '\n' ' ')
        if [ "$g" = short ]; then
            desc="$c: reads and writes cut short"
        else
            desc="$c: each $g call failing in turn"
        fi
        if [ "$runs" -eq 0 ]; then
            tap_skip "$desc" "no such call in this way"
            continue
        fi
        desc="$desc ($runs runs: ${funcs% })"
        bad=$(grep -v ' ok$' "$tmp/these")
        if [ -z "$bad" ]; then
            tap_ok "$desc"
        else
            set -f
            # shellcheck disable=SC2086  # the first line's words
            set -- $bad
            set +f
            case $1 in
            file) how="-o OUT $src $tmp/sparse.bin" ;;
            file-stage) how="--stage --fs iso9660,joliet,udf -o OUT $src" ;;
            pipe) how="-o - $src | cat >OUT" ;;
            pipe-stage) how="--stage --fs iso9660,joliet,udf -o - $src | cat >OUT" ;;
            esac
            [ "$g" != short ] || how="$how (FAULT_MODE=short)"
            tap_fail "$desc" "$(printf '%s\n' "$bad" | head -n 10)
to repeat the first: SOURCE_DATE_EPOCH=$SOURCE_DATE_EPOCH FAULT_PROG=mkimage FAULT_FUNCS=$3 FAULT_N=$4 LD_PRELOAD=$shim $MKIMAGE create -q $how"
        fi
    done
done
tap_done
