#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# deep.sh - trees that are deep or long.  UDF has no depth limit: a tree
# of 10,000 nested directories (host paths far beyond PATH_MAX) must
# become an image on a 1 MiB stack (`ulimit -s 1024`: no recursion per
# level), and an independent reader must find the file at the bottom.  A
# file whose host path is longer than 4096 bytes must be written as well
# as added, with and without --stage.  TAP.
#
# Readers: libudfread (a chain walker compiled here, iterative: one
# directory open at a time) for both; 7-Zip for the long path (it stops
# at 1,024 levels); mkimage's own (ls, verify), also on a 1 MiB stack.
#
# Environment: MKIMAGE, CC (default cc), PYTHON (default python3),
#   DEEP_LEVELS (default 10000).

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/integration/lib.sh
. "$here/lib.sh"

MKIMAGE=${MKIMAGE:-./mkimage}
CC=${CC:-cc}
PYTHON=${PYTHON:-python3}
levels=${DEEP_LEVELS:-10000}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/fsi-deep.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' HUP INT TERM
have() { command -v "$1" >/dev/null 2>&1; }
TO=
! have timeout || TO="timeout 300"

tap_plan 11

# mkchain ROOT COUNT NAME FILE TEXT: ROOT/NAME/NAME/.../FILE (COUNT levels)
# holding TEXT, made relative to directory descriptors: the paths are
# longer than any path a system call takes.
mkchain() {
    "$PYTHON" - "$@" <<'PYEOF'
import os, sys
root, count, name, fname, text = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
os.mkdir(root)
fd = os.open(root, os.O_RDONLY | os.O_DIRECTORY)
for _ in range(count):
    os.mkdir(name, dir_fd=fd)
    sub = os.open(name, os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd)
    os.close(fd)
    fd = sub
f = os.open(fname, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644, dir_fd=fd)
os.write(f, text.encode())
os.close(f)
os.close(fd)
PYEOF
}

# run DESC STACK-KIB ARGS...: mkimage ARGS (under `ulimit -s STACK-KIB`
# unless "-"): ok on exit 0; a crash or an error is shown.
run() {
    desc=$1 stack=$2
    shift 2
    if [ "$stack" = - ]; then
        $TO "$MKIMAGE" "$@" >"$tmp/out" 2>"$tmp/err"
    else
        # shellcheck disable=SC3045  # dash, bash and busybox sh have ulimit -s
        (ulimit -s "$stack" && exec $TO "$MKIMAGE" "$@") >"$tmp/out" 2>"$tmp/err"
    fi
    rc=$?
    if [ $rc -eq 0 ]; then
        tap_ok "$desc"
        return 0
    fi
    why="exit status $rc"
    [ $rc -lt 128 ] || why="$why (killed by signal $((rc - 128)))"
    [ $rc -ne 124 ] || why="$why (timed out)"
    # The messages name 20,000-byte paths: their start says enough.
    tap_fail "$desc" "$why
$(head -c 600 "$tmp/err")"
    return 1
}

# The chain walker: from the root, each level must hold exactly one
# directory and nothing else, down to a level holding exactly one file.
# Prints "levels N", "file NAME SIZE" and the file's bytes.
walker=
if have pkg-config && pkg-config --exists libudfread 2>/dev/null; then
    cat >"$tmp/chain.c" <<'CEOF'
#include <stdio.h>
#include <string.h>
#include <udfread/udfread.h>

int main(int argc, char **argv)
{
    udfread *u = udfread_init();
    if (argc != 2 || !u || udfread_open(u, argv[1]) < 0) {
        fprintf(stderr, "cannot open %s\n", argc > 1 ? argv[1] : "?");
        return 1;
    }
    UDFDIR *dir = udfread_opendir(u, "/");
    long levels = 0;
    while (dir) {
        struct udfread_dirent ent;
        char sub[256] = "", file[256] = "";
        int dirs = 0, files = 0;
        while (udfread_readdir(dir, &ent)) {
            if (!strcmp(ent.d_name, ".") || !strcmp(ent.d_name, ".."))
                continue;
            if (ent.d_type == UDF_DT_DIR) {
                dirs++;
                snprintf(sub, sizeof sub, "%s", ent.d_name);
            } else {
                files++;
                snprintf(file, sizeof file, "%s", ent.d_name);
            }
        }
        if (dirs == 1 && files == 0) {
            UDFDIR *next = udfread_opendir_at(dir, sub);
            udfread_closedir(dir);
            dir = next;
            if (!dir)
                fprintf(stderr, "cannot open directory '%s' at level %ld\n", sub, levels + 1);
            levels++;
            continue;
        }
        printf("levels %ld\n", levels);
        if (dirs != 0 || files != 1) {
            fprintf(stderr, "level %ld: %d directories, %d files\n", levels, dirs, files);
            return 1;
        }
        UDFFILE *f = udfread_file_openat(dir, file);
        if (!f) {
            fprintf(stderr, "cannot open '%s'\n", file);
            return 1;
        }
        long long size = (long long)udfread_file_size(f);
        printf("file %s %lld\n", file, size);
        char buf[4096];
        ssize_t r;
        while ((r = udfread_file_read(f, buf, sizeof buf)) > 0)
            fwrite(buf, 1, (size_t)r, stdout);
        udfread_file_close(f);
        udfread_closedir(dir);
        udfread_close(u);
        return r < 0;
    }
    udfread_close(u);
    return 1;
}
CEOF
    # shellcheck disable=SC2046  # pkg-config prints words
    if $CC -o "$tmp/chain" "$tmp/chain.c" $(pkg-config --cflags --libs libudfread) \
        >"$tmp/cc.log" 2>&1; then
        walker=$tmp/chain
    fi
fi

# expect_chain DESC IMAGE LEVELS NAME TEXT: the walker finds it all.
expect_chain() {
    if [ -z "$walker" ]; then
        tap_skip "$1" "no libudfread to compile against (libudfread-dev, pkg-config)"
        return
    fi
    if [ ! -s "$2" ]; then
        tap_fail "$1" "no image"
        return
    fi
    printf 'levels %s\nfile %s %s\n%s' "$3" "$4" "${#5}" "$5" >"$tmp/want"
    if $TO "$walker" "$2" >"$tmp/got" 2>"$tmp/walk.err" && cmp -s "$tmp/want" "$tmp/got"; then
        tap_ok "$1"
    else
        tap_fail "$1" "expected: $(cat "$tmp/want")
got: $(head -c 300 "$tmp/got")
$(head -c 300 "$tmp/walk.err")"
    fi
}

# ---- 1-4: 10,000 levels on a 1 MiB stack ----------------------------------
deep=$tmp/deep
if have "$PYTHON" && mkchain "$deep" "$levels" d bottom.txt "at the bottom" 2>"$tmp/mk.err"; then
    tap_ok "a tree of $levels nested directories"
    run "--fs udf of $levels levels with a 1 MiB stack" 1024 \
        create -q --fs udf -o "$tmp/deep.iso" "$deep"
    expect_chain "libudfread finds $levels levels and the file at the bottom" \
        "$tmp/deep.iso" "$levels" bottom.txt "at the bottom"
    run "the same with --stage with a 1 MiB stack" 1024 \
        create -q --stage --work-dir "$tmp" --fs udf -o "$tmp/deep-stage.iso" "$deep"
    run "mkimage verify finds no error in it, with a 1 MiB stack" 1024 \
        verify -q "$tmp/deep.iso"
    p=
    i=0
    while [ $i -lt "$levels" ]; do
        p=$p/d
        i=$((i + 1))
    done
    t="mkimage ls -l finds the 13-byte file at the bottom, with a 1 MiB stack"
    # shellcheck disable=SC3045  # as in run
    (ulimit -s 1024 && exec $TO "$MKIMAGE" ls -l "$tmp/deep.iso" "$p/bottom.txt") \
        >"$tmp/out" 2>"$tmp/err"
    rc=$?
    if [ $rc -eq 0 ] && grep -q ' 13 .*bottom\.txt$' "$tmp/out"; then
        tap_ok "$t"
    else
        tap_fail "$t" "exit status $rc: $(head -c 300 "$tmp/out") $(head -c 300 "$tmp/err")"
    fi
else
    tap_fail "a tree of $levels nested directories" "$(head -c 300 "$tmp/mk.err")"
    for t in "--fs udf of $levels levels with a 1 MiB stack" \
        "libudfread finds $levels levels and the file at the bottom" \
        "the same with --stage with a 1 MiB stack" \
        "mkimage verify finds no error in it, with a 1 MiB stack" \
        "mkimage ls -l finds the 13-byte file at the bottom, with a 1 MiB stack"; do
        tap_skip "$t" "no tree"
    done
fi
rm -rf "$deep" "$tmp/deep.iso" "$tmp/deep-stage.iso"

# ---- 5-9: a file whose host path is longer than 4096 bytes ------------------
long=$tmp/long
name=$(printf '%0200d' 0 | tr 0 n)      # 200 bytes: a legal UDF name
nlong=22                                # 22 levels: over 4,400 bytes
text="a file far from the root"
if have "$PYTHON" && mkchain "$long" $nlong "$name" far.txt "$text" 2>"$tmp/mk.err"; then
    run "a file whose host path exceeds 4096 bytes is written (--fs udf)" - \
        create -q --fs udf -o "$tmp/long.iso" "$long"
    run "and with --stage" - \
        create -q --stage --work-dir "$tmp" --fs udf -o "$tmp/long-stage.iso" "$long"
    expect_chain "libudfread reads it back" "$tmp/long.iso" $nlong far.txt "$text"
    expect_chain "libudfread reads it back from the --stage image" \
        "$tmp/long-stage.iso" $nlong far.txt "$text"
    # 7-Zip: the path in the listing, the bytes on stdout.
    p=$name
    i=1
    while [ $i -lt $nlong ]; do
        p=$p/$name
        i=$((i + 1))
    done
    p=$p/far.txt
    if ! have 7z; then
        tap_skip "7-Zip lists the path and extracts the bytes" "7z not installed"
    elif [ ! -s "$tmp/long.iso" ]; then
        tap_fail "7-Zip lists the path and extracts the bytes" "no image"
    elif 7z l -slt "$tmp/long.iso" 2>&1 | grep -q -x -F "Path = $p" &&
        [ "$(7z x -so "$tmp/long.iso" "$p" 2>/dev/null)" = "$text" ]; then
        tap_ok "7-Zip lists the path and extracts the bytes"
    else
        tap_fail "7-Zip lists the path and extracts the bytes" \
            "$(7z l "$tmp/long.iso" 2>&1 | tail -n 5 | cut -c1-200)"
    fi
else
    tap_fail "a file whose host path exceeds 4096 bytes is written (--fs udf)" \
        "no tree: $(head -c 300 "$tmp/mk.err")"
    tap_skip "and with --stage" "no tree"
    tap_skip "libudfread reads it back" "no tree"
    tap_skip "libudfread reads it back from the --stage image" "no tree"
    tap_skip "7-Zip lists the path and extracts the bytes" "no tree"
fi
tap_done
