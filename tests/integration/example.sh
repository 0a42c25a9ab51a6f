#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# tests/integration/example.sh - the README's library example
# (doc/example.c): it compiles without warnings against include/fsi.h,
# links against the libfsi.la of the build tree, runs, and reports its
# deliberate mistake the documented way; the fsi.pc that configure made
# works with pkg-config; README.md shows the example as it is.
# (Installing, and compiling against the installed header, is what
# `make distcheck` covers.)  Prints TAP.
#
# Environment (TESTS_ENVIRONMENT in Makefile.am sets them, absolute):
# top_srcdir, top_builddir; run by hand from the top of an in-tree build
# they default to the current directory.  CC defaults to cc;
# FSI_SAN_FLAGS (a --enable-sanitizers build) are added to it.

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/integration/lib.sh
. "$here/lib.sh"

top_srcdir=${top_srcdir:-$(pwd)}
top_builddir=${top_builddir:-$(pwd)}
CC=${CC:-cc}
SAN=${FSI_SAN_FLAGS:-}      # words, or none: left unquoted below

tmp=$(mktemp -d "${TMPDIR:-/tmp}/fsi-example.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' HUP INT TERM

tap_plan 7

# 1. compiles cleanly
tap_check "doc/example.c compiles with -std=c11 -Wall -Wextra -Werror against include/fsi.h" \
    "$CC" $SAN -std=c11 -Wall -Wextra -Werror -I"$top_srcdir/include" \
    -c "$top_srcdir/doc/example.c" -o "$tmp/example.o"

# 2. links against the library of the build tree (libtool makes a wrapper
#    script that finds .libs/libfsi.so)
if [ -f "$tmp/example.o" ]; then
    tap_check "example links against libfsi.la" \
        "$top_builddir/libtool" --mode=link --tag=CC "$CC" $SAN -o "$tmp/example" \
        "$tmp/example.o" "$top_builddir/libfsi.la"
else
    tap_skip "example links against libfsi.la" "it did not compile"
fi

# 3. runs and exits 0
ran=no
if [ -x "$tmp/example" ]; then
    "$tmp/example" >"$tmp/out" 2>"$tmp/err"
    rc=$?
    if [ $rc -eq 0 ]; then
        ran=yes
        tap_ok "example runs and exits 0"
    else
        tap_fail "example runs and exits 0" "exit status $rc
stdout: $(cat "$tmp/out")
stderr: $(cat "$tmp/err")"
    fi
else
    tap_skip "example runs and exits 0" "it was not linked"
fi

# 4. what it prints: the tree counts, and the deliberate mistake in the
#    format of DESIGN.md section 4 (NAME (0xVALUE): message, path quoted)
if [ $ran = yes ]; then
    if grep -q '^tree: 1 files, 1 directories$' "$tmp/out" &&
        grep -q "^expected failure: IMAPI_E_DUP_NAME (0xC0AAB112): .*'[^']*docs/hello\\.txt'" "$tmp/out"; then
        tap_ok "example reports the duplicate as IMAPI_E_DUP_NAME (0xC0AAB112) with its path"
    else
        tap_fail "example reports the duplicate as IMAPI_E_DUP_NAME (0xC0AAB112) with its path" \
            "$(cat "$tmp/out")"
    fi
else
    tap_skip "example reports the duplicate as IMAPI_E_DUP_NAME (0xC0AAB112) with its path" \
        "it did not run"
fi

# 5, 6. fsi.pc, made by configure in the build tree (its prefix is the
#    configured one; only the flags matter here)
if command -v pkg-config >/dev/null 2>&1; then
    flags=$(PKG_CONFIG_PATH="$top_builddir" pkg-config --cflags --libs fsi 2>&1 |
        sed 's/ *$//')
    case " $flags " in
    *" -lfsi "*) tap_ok "pkg-config --cflags --libs fsi gives -lfsi ($flags)" ;;
    *) tap_fail "pkg-config --cflags --libs fsi gives -lfsi" "$flags" ;;
    esac
    want=$(sed -n 's/^#define PACKAGE_VERSION "\(.*\)"$/\1/p' "$top_builddir/config.h")
    got=$(PKG_CONFIG_PATH="$top_builddir" pkg-config --modversion fsi 2>&1)
    if [ -n "$want" ] && [ "$got" = "$want" ]; then
        tap_ok "pkg-config --modversion fsi is the package version ($want)"
    else
        tap_fail "pkg-config --modversion fsi is the package version" \
            "config.h says '$want', pkg-config says '$got'"
    fi
else
    tap_skip "pkg-config --cflags --libs fsi gives -lfsi" "no pkg-config"
    tap_skip "pkg-config --modversion fsi is the package version" "no pkg-config"
fi

# 7. README.md quotes doc/example.c in full, in its one ```c block
awk '/^```c$/ { on = 1; next } on && /^```$/ { exit } on' "$top_srcdir/README.md" >"$tmp/readme.c"
if cmp -s "$tmp/readme.c" "$top_srcdir/doc/example.c"; then
    tap_ok "README.md shows doc/example.c as it is"
else
    tap_fail "README.md shows doc/example.c as it is" \
        "$(diff "$top_srcdir/doc/example.c" "$tmp/readme.c" 2>&1 | head -20)"
fi

tap_done
