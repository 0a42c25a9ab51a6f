#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# bench.sh - bench/run still works: a tiny run (timings are not checked,
# only that every tool ran on every workload and a ratio was printed),
# and a tiny --scale-check (three sizes, a row each).
# TAP.

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/integration/lib.sh
. "$here/lib.sh"

top_srcdir=${top_srcdir:-$(cd "$here/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/fsi-bench-test.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' HUP INT TERM

tap_plan 3
if ! command -v bash >/dev/null 2>&1 || ! command -v xorriso >/dev/null 2>&1 ||
    ! command -v genisoimage >/dev/null 2>&1 || [ ! -x /usr/bin/time ]; then
    tap_skip "bench/run completes a tiny run" "needs bash, xorriso, genisoimage and /usr/bin/time"
    tap_skip "every tool ran on every workload" "as above"
    tap_skip "--scale-check prints a row per size" "as above"
    tap_done
fi
if MKIMAGE=$top_builddir/mkimage bash "$top_srcdir/bench/run" --scale 0.002 --runs 1 \
    --dir "$tmp/b" >"$tmp/out" 2>"$tmp/err"; then
    tap_ok "bench/run completes a tiny run"
else
    tap_fail "bench/run completes a tiny run" "$(cat "$tmp/err")"
fi
rows=$(grep -cE '^W[123] +(mkimage|mkimage-sync|xorriso|genisoimage|cat|copy_file_range) +[0-9.]+ +[0-9.]+ +([0-9.]+|-) +[0-9.]+ +([0-9.]+|-)  [0-9. ]+$' "$tmp/out")
if [ "$rows" = 18 ]; then
    tap_ok "every tool ran on every workload"
else
    tap_fail "every tool ran on every workload" "$rows rows of 18:
$(cat "$tmp/out" "$tmp/err")"
fi
MKIMAGE=$top_builddir/mkimage bash "$top_srcdir/bench/run" --scale-check --scale 0.001 --runs 1 \
    --dir "$tmp/b" >"$tmp/scale" 2>"$tmp/err"
rc=$?
rows=$(grep -cE '^(100|300|1000) +[0-9.]+ +[0-9.]+ +[0-9.]+ +[0-9]+ +(-|-?[0-9.]+) +(-|-?[0-9]+)$' "$tmp/scale")
if [ $rc = 0 ] && [ "$rows" = 3 ]; then
    tap_ok "--scale-check prints a row per size"
else
    tap_fail "--scale-check prints a row per size" "rc=$rc, $rows rows of 3:
$(cat "$tmp/scale" "$tmp/err")"
fi
tap_done
