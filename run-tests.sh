#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# run-tests.sh - quick start, step 2 (see README.md): the whole test suite.
#
# On a fresh Debian 12 machine, as root:
#   - installs the build packages and the test-only packages (the
#     independent image readers the integration tests compare against) from
#     Debian's archive, if missing;
#   - builds like build-demo.sh;
#   - runs `make -k check` (unit tests in C with cmocka, integration tests
#     in sh; all speak TAP, so every test case is counted) and prints the
#     log of every test that failed;
#   - runs `make distcheck` (counted as one test);
#   - ends with the line "N passed, N failed".
#
#   ./run-tests.sh [--no-distcheck] [CONFIGURE-ARGS...]
#
# Exit status: 0 only if nothing failed.  .ci/run runs this script.

set -u
FSI_PROG=run-tests.sh
top=$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd)
cd "$top" || exit 1
. ./scripts/deps.sh

distcheck=yes
case ${1:-} in
--no-distcheck)
    distcheck=no
    shift
    ;;
-h | --help)
    sed -n '2,/^$/s/^# \{0,1\}//p' "$0"
    exit 0
    ;;
esac

passed=0
failed=0
skipped=0
xfailed=0
jobs=$(nproc 2>/dev/null || echo 2)

finish() {
    echo
    echo "Test cases skipped: $skipped; expected failures (XFAIL, counted as passed): $xfailed"
    echo "$passed passed, $failed failed"
    [ "$failed" -eq 0 ]
    exit
}

# shellcheck disable=SC2086  # the lists are meant to be split
if ! fsi_install_pkgs $FSI_BUILD_PKGS; then
    echo "FAIL: the packages the build needs could not be installed"
    failed=$((failed + 1))
    finish
fi
# shellcheck disable=SC2086
fsi_install_pkgs --optional $FSI_TEST_PKGS || true

if ! fsi_build "$@"; then
    echo "FAIL: the build failed (see above); no test could run"
    failed=$((failed + 1))
    finish
fi

# The tests automake will run, as their .log names (e.g.
# tests/unit/test_errors.log, tests/integration/errors.sh.log), asked from
# the generated Makefile itself so that a test that never ran is noticed.
# shellcheck disable=SC2016  # $(TEST_LOGS) is for make, not the shell
logs=$(printf 'fsi-print-test-logs:\n\t@echo $(TEST_LOGS)\n' |
    make -s -f Makefile -f - fsi-print-test-logs) || logs=
if [ -z "$logs" ]; then
    echo "FAIL: the Makefile lists no tests"
    failed=$((failed + 1))
fi

# Results of an earlier run must not be counted again.
for log in $logs; do
    rm -f "$log" "${log%.log}.trs"
done
rm -f test-suite.log

echo
fsi_say "make -k -j$jobs check"
make -k -j"$jobs" check
echo

bad_logs=
for log in $logs; do
    trs=${log%.log}.trs
    name=${log%.log}
    if [ ! -f "$trs" ]; then
        echo "ERROR: $name did not run (no $trs; did it build?)"
        failed=$((failed + 1))
        continue
    fi
    p=$(grep -c '^:test-result: PASS' "$trs")
    x=$(grep -c '^:test-result: XFAIL' "$trs")
    s=$(grep -c '^:test-result: SKIP' "$trs")
    f=$(grep -c -E '^:test-result: (FAIL|ERROR|XPASS)' "$trs")
    passed=$((passed + p + x))
    xfailed=$((xfailed + x))
    skipped=$((skipped + s))
    failed=$((failed + f))
    [ "$f" -eq 0 ] || bad_logs="$bad_logs $log"
done

for log in $bad_logs; do
    echo "======== $log (last 200 lines) ========"
    tail -n 200 "$log"
    echo
done

if [ $distcheck = yes ]; then
    fsi_say "make -j$jobs distcheck (output in $top/distcheck.log)"
    if make -j"$jobs" distcheck >distcheck.log 2>&1; then
        echo "PASS: make distcheck"
        passed=$((passed + 1))
    else
        echo "FAIL: make distcheck; the end of distcheck.log:"
        tail -n 60 distcheck.log
        failed=$((failed + 1))
    fi
fi

finish
