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
#   - builds the same sources again with ASan and UBSan
#     (./configure --enable-sanitizers, in libfsi-sanitizers/, made with
#     `make distdir` so that the tree's own build is left alone) and runs
#     `make -k check` there too (all but the fuzz test, whose targets have
#     the sanitizers already), adding its test cases to the counts;
#   - builds, lintian-checks, installs, tries and removes the Debian
#     packages (scripts/debian-check.sh; counted as one test; as root in a
#     git checkout only);
#   - ends with the line "N passed, N failed" (both builds together).
#
#   ./run-tests.sh [--no-distcheck] [--no-sanitizers] [--no-packages] [CONFIGURE-ARGS...]
#
# Exit status: 0 only if nothing failed.  .ci/run runs this script.

set -u
FSI_PROG=run-tests.sh
top=$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd)
cd "$top" || exit 1
. ./scripts/deps.sh

distcheck=yes
sanitizers=yes
packages=yes
while [ $# -gt 0 ]; do
    case $1 in
    --no-distcheck) distcheck=no ;;
    --no-sanitizers) sanitizers=no ;;
    --no-packages) packages=no ;;
    -h | --help)
        sed -n '2,/^$/s/^# \{0,1\}//p' "$0"
        exit 0
        ;;
    *) break ;;
    esac
    shift
done

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

# make_var DIR NAME [MAKE-ARGS...]: the value of the variable NAME in
# DIR's Makefile.
make_var() {
    _mv_dir=$1 _mv_name=$2
    shift 2
    # shellcheck disable=SC2016  # $(...) is for make, not the shell
    (cd "$_mv_dir" && printf 'fsi-print-var:\n\t@echo $(%s)\n' "$_mv_name" |
        make -s -f Makefile -f - fsi-print-var "$@")
}

# check_in DIR LABEL [MAKE-ARGS...]: `make -k check` in DIR; adds its test
# cases to the counts and prints the log of every test that failed.
# LABEL prefixes the messages (empty for the main build).
check_in() {
    _dir=$1 _label=$2
    shift 2
    # The tests automake will run, as their .log names (e.g.
    # tests/unit/test_errors.log, tests/integration/errors.sh.log), asked
    # from the generated Makefile itself so that a test that never ran is
    # noticed.
    _logs=$(make_var "$_dir" TEST_LOGS "$@") || _logs=
    if [ -z "$_logs" ]; then
        echo "FAIL: ${_label}the Makefile lists no tests"
        failed=$((failed + 1))
        return
    fi

    # Results of an earlier run must not be counted again.
    for _log in $_logs; do
        rm -f "$_dir/$_log" "$_dir/${_log%.log}.trs"
    done
    rm -f "$_dir/test-suite.log"

    echo
    fsi_say "${_label}make -k -j$jobs check${*:+ $*}"
    (cd "$_dir" && make -k -j"$jobs" check "$@")
    echo

    _bad=
    for _log in $_logs; do
        _trs=$_dir/${_log%.log}.trs
        _name=${_log%.log}
        if [ ! -f "$_trs" ]; then
            echo "ERROR: ${_label}$_name did not run (no ${_log%.log}.trs; did it build?)"
            failed=$((failed + 1))
            continue
        fi
        _p=$(grep -c '^:test-result: PASS' "$_trs")
        _x=$(grep -c '^:test-result: XFAIL' "$_trs")
        _s=$(grep -c '^:test-result: SKIP' "$_trs")
        _f=$(grep -c -E '^:test-result: (FAIL|ERROR|XPASS)' "$_trs")
        passed=$((passed + _p + _x))
        xfailed=$((xfailed + _x))
        skipped=$((skipped + _s))
        failed=$((failed + _f))
        [ "$_f" -eq 0 ] || _bad="$_bad $_log"
    done

    for _log in $_bad; do
        echo "======== ${_label}$_log (last 200 lines) ========"
        tail -n 200 "$_dir/$_log"
        echo
    done
}

check_in "$top" ""

if [ $distcheck = yes ]; then
    fsi_say "make -j$jobs distcheck (output in $top/distcheck.log)"
    # distro.sh boots a kernel four times: the main run has done that.
    if FSI_SKIP_SLOW=1 make -j"$jobs" distcheck >distcheck.log 2>&1; then
        echo "PASS: make distcheck"
        passed=$((passed + 1))
    else
        echo "FAIL: make distcheck; the end of distcheck.log:"
        tail -n 60 distcheck.log
        failed=$((failed + 1))
    fi
fi

if [ $packages = yes ]; then
    if [ "$(id -u)" = 0 ] && [ -d "$top/.git" ] && command -v dpkg-buildpackage >/dev/null &&
        command -v dh >/dev/null && command -v lintian >/dev/null; then
        fsi_say "Debian packages (output in $top/packages.log)"
        if scripts/debian-check.sh >packages.log 2>&1; then
            echo "PASS: Debian packages: built, lintian without errors, installed, run, removed"
            passed=$((passed + 1))
        else
            echo "FAIL: Debian packages; the end of packages.log:"
            tail -n 40 packages.log
            failed=$((failed + 1))
        fi
    else
        echo "SKIP: Debian packages (needs root, a git checkout, debhelper and lintian)"
        skipped=$((skipped + 1))
    fi
fi

# The sanitizer build: the distributed sources (as `make distdir` copies
# them, generated configure included) configured apart from the tree's own
# build, where an in-tree build would stop a VPATH one.  Every test runs
# but the fuzz test, whose targets are built with ASan and UBSan anyway,
# and distro.sh (minutes of QEMU booting a kernel);
# fault.sh skips itself there (its LD_PRELOAD shim and ASan exclude each
# other).
if [ $sanitizers = yes ]; then
    san=$top/libfsi-sanitizers
    fsi_say "sanitizer build in $san (output in $top/sanitizers.log)"
    rm -rf "$san"
    distdir=$(make_var "$top" distdir) || distdir=
    # A failed distcheck leaves its copy read-only.
    [ -z "$distdir" ] || chmod -R u+w "$top/$distdir" 2>/dev/null
    if [ -n "$distdir" ] && rm -rf "${top:?}/$distdir" &&
        make distdir >sanitizers.log 2>&1 && mv "$top/$distdir" "$san" &&
        (cd "$san" && ./configure --enable-sanitizers "$@" && make -j"$jobs") \
            >>sanitizers.log 2>&1; then
        san_tests=
        for t in $(make_var "$san" TESTS); do
            case $t in
            tests/integration/fuzz.sh | tests/integration/distro.sh) ;;
            *) san_tests="$san_tests $t" ;;
            esac
        done
        echo "sanitizers: not run there: tests/integration/fuzz.sh (its targets have ASan and UBSan)," \
            "tests/integration/distro.sh (its QEMU boots test the image, which appended.sh" \
            "and hybrid.sh build with the same code)"
        check_in "$san" "sanitizers: " TESTS="${san_tests# }"
    else
        echo "FAIL: the sanitizer build failed; the end of sanitizers.log:"
        tail -n 60 sanitizers.log
        failed=$((failed + 1))
    fi
fi

finish
