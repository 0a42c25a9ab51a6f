#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# tests/fuzz/run.sh [SECONDS_PER_TARGET] [TARGET...] - build and run the
# libFuzzer targets (tests/fuzz/fuzz_*.c; all of them by default).
#
#  1. Builds the library's sources (lib/*.c) and each target with clang,
#     ASan and UBSan (UB aborts), into a build directory outside the
#     source tree; only what changed is rebuilt.
#  2. Makes the seed corpus once (make-seeds.sh).
#  3. Replays every committed input (tests/fuzz/regress/*, and
#     tests/fuzz/crashes/* until they move there) through every target.
#  4. Runs each target for SECONDS (default 10), its corpus growing in the
#     build directory from the seeds.
# Prints one line per target ("fuzz_x: ok ..." or "fuzz_x: FAILED ...");
# exits 1 if any replay or run found a crash, leak, timeout or OOM (its
# input is kept under tests/fuzz/crashes/, or the build directory's
# crashes/ when the source tree is read-only), 2 if the build fails.
#
# Environment:
#   CC_FUZZ      compiler (default clang)
#   FUZZ_BUILD   build directory (default $TMPDIR/fsi-fuzz-$USER-build)
#   FUZZ_SEEDS   seed corpus directory (default $FUZZ_BUILD/seeds)
#   FUZZ_CRASHES where found inputs go (default tests/fuzz/crashes)
#   FUZZ_JOBS    parallel compilations (default 2)
#   FUZZ_ARGS    more libFuzzer options (e.g. -jobs=2 -workers=2)
#   top_builddir where config.h is (default: the source tree, else .)
#   MKIMAGE      for make-seeds.sh

set -u
here=$(cd "$(dirname "$0")" && pwd)
srcdir=$(cd "$here/../.." && pwd)
secs=${1:-10}
[ $# -gt 0 ] && shift
case $secs in *[!0-9]* | '') echo "run.sh: SECONDS must be a number: $secs" >&2; exit 2 ;; esac

CC_FUZZ=${CC_FUZZ:-clang}
build=${FUZZ_BUILD:-${TMPDIR:-/tmp}/fsi-fuzz-$(id -un 2>/dev/null || echo user)-build}
seeds=${FUZZ_SEEDS:-$build/seeds}
crashes=${FUZZ_CRASHES:-$here/crashes}
jobs=${FUZZ_JOBS:-2}
if [ -z "${top_builddir:-}" ]; then
    if [ -f "$srcdir/config.h" ]; then top_builddir=$srcdir; else top_builddir=$(pwd); fi
fi
top_builddir=$(cd "$top_builddir" && pwd)
if [ ! -f "$top_builddir/config.h" ]; then
    echo "run.sh: no config.h in $top_builddir (configure first, or set top_builddir)" >&2
    exit 2
fi
export top_builddir

if [ $# -gt 0 ]; then
    targets=$*
else
    targets=
    for f in "$here"/fuzz_*.c; do
        [ -f "$f" ] && targets="$targets $(basename "$f" .c)"
    done
fi

mkdir -p "$build/obj" "$build/corpus" || exit 2
if ! mkdir -p "$crashes" 2>/dev/null || [ ! -w "$crashes" ]; then
    crashes=$build/crashes
    mkdir -p "$crashes" || exit 2
fi

# ---- build ---------------------------------------------------------
SAN="-fsanitize=address,undefined -fno-sanitize-recover=undefined"
CFLAGS_FUZZ="-std=c11 -g -O1 -fno-omit-frame-pointer $SAN -I$srcdir/include -I$srcdir/lib -I$top_builddir -I$srcdir"
export CC_FUZZ CFLAGS_FUZZ
# A changed header or compiler rebuilds everything; a changed source, itself.
sig="$CC_FUZZ $CFLAGS_FUZZ $($CC_FUZZ --version 2>/dev/null | head -n 1)"
if [ ! -f "$build/stamp" ] || [ "$(cat "$build/stamp")" != "$sig" ] ||
    [ -n "$(find "$srcdir/include" "$srcdir/lib" "$top_builddir/config.h" -name '*.h' \
        -newer "$build/stamp" 2>/dev/null | head -n 1)" ]; then
    rm -f "$build"/obj/*.o
fi
# shellcheck disable=SC2016  # the inner shell expands $1, $2
for c in "$srcdir"/lib/*.c; do
    o=$build/obj/$(basename "$c" .c).o
    if [ ! -f "$o" ] || [ -n "$(find "$c" -newer "$o")" ]; then
        echo "$c"
    fi
done | xargs -r -P "$jobs" -I{} sh -c '
    o="$1/obj/$(basename "$2" .c).o"
    $CC_FUZZ $CFLAGS_FUZZ -fsanitize=fuzzer-no-link -c "$2" -o "$o" 2>"$o.err" ||
        { cat "$o.err" >&2; rm -f "$o"; exit 1; }' sh "$build" {} || {
    echo "run.sh: building the library failed" >&2
    exit 2
}
rm -f "$build/libfsi-fuzz.a"
set --
for c in "$srcdir"/lib/*.c; do
    set -- "$@" "$build/obj/$(basename "$c" .c).o"
done
ar rcs "$build/libfsi-fuzz.a" "$@" || exit 2
echo "$sig" >"$build/stamp"

for t in $targets; do
    if [ ! -f "$here/$t.c" ]; then
        echo "run.sh: no target $t ($here/$t.c)" >&2
        exit 2
    fi
    # shellcheck disable=SC2086
    $CC_FUZZ $CFLAGS_FUZZ -I"$here" -fsanitize=fuzzer "$here/$t.c" "$build/libfsi-fuzz.a" \
        -lpthread -o "$build/$t" || {
        echo "run.sh: building $t failed" >&2
        exit 2
    }
done

# ---- seeds -----------------------------------------------------------
if [ ! -d "$seeds" ] || [ -z "$(ls -A "$seeds" 2>/dev/null)" ]; then
    sh "$here/make-seeds.sh" "$seeds" || echo "run.sh: no seeds made; fuzzing from nothing" >&2
    mkdir -p "$seeds"
fi

# ---- replay and fuzz -------------------------------------------------
OPTS="-max_len=1048576 -rss_limit_mb=2048 -timeout=10"
export ASAN_OPTIONS="${ASAN_OPTIONS:-abort_on_error=0:detect_leaks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1}"
failed=0
for t in $targets; do
    log=$build/$t.log
    : >"$log"
    status=ok
    what="not run (0 s)"
    # Committed inputs, once each (libFuzzer runs file arguments once).
    set --
    for f in "$here"/regress/* "$crashes"/*; do
        case $(basename "$f") in README* | '*') continue ;; esac
        [ -f "$f" ] && set -- "$@" "$f"
    done
    if [ $# -gt 0 ]; then
        # shellcheck disable=SC2086
        if ! "$build/$t" $OPTS "$@" >>"$log" 2>&1; then
            status=FAILED
            what="replay of committed inputs failed (see $log)"
        else
            what="$# committed inputs pass"
        fi
    fi
    if [ $status = ok ] && [ "$secs" -gt 0 ]; then
        case $what in not\ run*) what= ;; *) what="$what, " ;; esac
        mkdir -p "$build/corpus/$t"
        set -- "$build/corpus/$t" "$seeds"
        [ -d "$here/regress" ] && set -- "$@" "$here/regress"
        # shellcheck disable=SC2086
        "$build/$t" $OPTS -max_total_time="$secs" -print_final_stats=1 -close_fd_mask=1 \
            -artifact_prefix="$crashes/$t-" ${FUZZ_ARGS:-} "$@" >>"$log" 2>&1
        rc=$?
        execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
        [ -n "$execs" ] || execs=$(sed -n 's/^#\([0-9][0-9]*\).*/\1/p' "$log" | tail -n 1)
        art=$(sed -n "s/.*Test unit written to //p" "$log" | tr '\n' ' ')
        if [ $rc -ne 0 ] || [ -n "$art" ]; then
            status=FAILED
            kind=$(grep -o -m 1 'ERROR: libFuzzer: [a-z-]*\|ERROR: AddressSanitizer: [a-z-]*\|ERROR: LeakSanitizer: [a-z-]*\|runtime error' "$log" | head -n 1)
            what="${what}${execs:-?} runs: ${kind:-exit status $rc}; input: ${art:-none written} (log $log)"
        else
            cov=$(sed -n 's/.*DONE *cov: \([0-9]*\).*/\1/p' "$log" | tail -n 1)
            what="${what}${execs:-?} runs in ${secs} s, coverage ${cov:-?}, nothing found"
        fi
    fi
    [ $status = ok ] || failed=$((failed + 1))
    echo "$t: $status: $what"
done
[ $failed -eq 0 ]
