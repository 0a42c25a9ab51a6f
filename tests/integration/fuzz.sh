#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# tests/integration/fuzz.sh - the libFuzzer targets (tests/fuzz) built and
# run briefly: each target replays the committed inputs
# (tests/fuzz/regress) and then fuzzes for FUZZ_TIME seconds (default 5)
# from the seed corpus.  One TAP result per target; all skipped when clang
# cannot build a libFuzzer program.  Found inputs go to tests/fuzz/crashes
# (when the source tree is writable).  Longer campaigns: tests/fuzz/run.sh.
#
# Environment: top_srcdir, top_builddir, MKIMAGE (as make check sets
# them), FUZZ_TIME, CC_FUZZ (default clang).

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/integration/lib.sh
. "$here/lib.sh"

top_srcdir=${top_srcdir:-$here/../..}
top_builddir=${top_builddir:-$(pwd)}
export top_builddir
[ -n "${MKIMAGE:-}" ] || MKIMAGE=$top_builddir/mkimage
export MKIMAGE
CC_FUZZ=${CC_FUZZ:-clang}
export CC_FUZZ
FUZZ_TIME=${FUZZ_TIME:-5}

targets=
for f in "$top_srcdir"/tests/fuzz/fuzz_*.c; do
    [ -f "$f" ] && targets="$targets $(basename "$f" .c)"
done
# shellcheck disable=SC2086  # the names are words
set -- $targets
tap_plan $#

tmp=$(mktemp -d "${TMPDIR:-/tmp}/fsi-fuzz.XXXXXX") || exit 1
keep=no
trap '[ $keep = yes ] || rm -rf "$tmp"' EXIT
trap 'exit 1' HUP INT TERM

# Can this compiler make a libFuzzer program with the sanitizers?
cat >"$tmp/probe.c" <<'PROBE'
#include <stddef.h>
#include <stdint.h>
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) { (void)data; (void)size; return 0; }
PROBE
if ! "$CC_FUZZ" -fsanitize=fuzzer,address,undefined "$tmp/probe.c" -o "$tmp/probe" \
    >/dev/null 2>&1; then
    for t in "$@"; do
        tap_skip "$t" "no $CC_FUZZ with libFuzzer"
    done
    tap_done
fi

FUZZ_BUILD=$tmp/build FUZZ_JOBS=${FUZZ_JOBS:-2} \
    sh "$top_srcdir/tests/fuzz/run.sh" "$FUZZ_TIME" "$@" >"$tmp/out" 2>&1
rc=$?
for t in "$@"; do
    line=$(grep "^$t: " "$tmp/out")
    case $line in
    "$t: ok:"*) tap_ok "$t: ${line#"$t: ok: "}" ;;
    "$t: FAILED:"*)
        keep=yes
        tap_fail "$t" "${line#"$t: FAILED: "}
$(tail -n 40 "$tmp/build/$t.log" 2>/dev/null)" ;;
    *)
        tap_fail "$t" "run.sh exit status $rc, no result for $t:
$(tail -n 30 "$tmp/out")" ;;
    esac
done
[ $keep = yes ] && tap_diag "build directory and logs kept in $tmp"
tap_done
