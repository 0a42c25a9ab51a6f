#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# sources.sh - SOURCE arguments of `mkimage create`: several directories
# merged at the root, a host file to the root, graft points for files and
# directories (parents made as needed, '\=' for a literal '='), symbolic
# links followed (--follow-links).  The image is extracted by two independent readers
# (bsdtar, 7z) and compared with the tree we expect (names, sizes,
# SHA-256).  TAP.

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/integration/lib.sh
. "$here/lib.sh"

MKIMAGE=${MKIMAGE:-./mkimage}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/fsi-sources.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' HUP INT TERM

# Host side.
mkdir -p "$tmp/a/docs" "$tmp/b/more" "$tmp/g/deep" "$tmp/real"
echo "from a" >"$tmp/a/docs/one.txt"
echo "from b" >"$tmp/b/more/two.txt"
echo "top file" >"$tmp/loose.txt"
echo "grafted dir" >"$tmp/g/deep/three.txt"
echo "grafted file" >"$tmp/gf.bin"
echo "real target" >"$tmp/real/target.txt"
ln -s "$tmp/real/target.txt" "$tmp/a/link-to-file.txt"
ln -s "$tmp/real" "$tmp/a/link-to-dir"

# What the image must hold (built with cp -L, which follows links too).
exp=$tmp/expect
mkdir -p "$exp/x/y" "$exp/weird=name"
cp -RL "$tmp/a/." "$exp/"
cp -RL "$tmp/b/." "$exp/"
cp "$tmp/loose.txt" "$exp/"
cp -R "$tmp/g/." "$exp/x/y/"
cp "$tmp/gf.bin" "$exp/weird=name/file.bin"

# manifest DIR: "size sha256 path" of every file, sorted; dirs as "d path".
manifest() {
    (cd "$1" && find . -mindepth 1 \( -type d -printf 'd %P\n' \) -o \
        \( -type f -printf '%s %P\n' \) | sort) >"$2.list"
    (cd "$1" && find . -type f -printf '%P\n' | sort | while read -r f; do
        printf '%s %s\n' "$(sha256sum <"$f" | cut -c1-64)" "$f"; done) >"$2.sums"
}
manifest "$exp" "$tmp/want"

tap_plan 5

if "$MKIMAGE" create -q --follow-links -o "$tmp/s.iso" "$tmp/a" "$tmp/b" "$tmp/loose.txt" \
    "/x/y=$tmp/g" "weird\\=name/file.bin=$tmp/gf.bin" 2>"$tmp/err"; then
    tap_ok "create with merged directories, a file and graft points"
else
    tap_fail "create with merged directories, a file and graft points" "$(cat "$tmp/err")"
fi

for r in bsdtar 7z; do
    out=$tmp/x-$r
    mkdir -p "$out"
    case $r in
    bsdtar) bsdtar -xf "$tmp/s.iso" -C "$out" 2>"$tmp/err" ;;
    7z) 7z x -y -o"$out" "$tmp/s.iso" >/dev/null 2>"$tmp/err" ;;
    esac
    manifest "$out" "$tmp/got-$r"
    if cmp -s "$tmp/want.list" "$tmp/got-$r.list" && cmp -s "$tmp/want.sums" "$tmp/got-$r.sums"; then
        tap_ok "$r sees the expected tree (names, sizes, SHA-256)"
    else
        tap_fail "$r sees the expected tree (names, sizes, SHA-256)" \
            "$(diff "$tmp/want.list" "$tmp/got-$r.list"; diff "$tmp/want.sums" "$tmp/got-$r.sums")"
    fi
done

# A graft point onto an existing directory merges; onto a file clashes.
if "$MKIMAGE" create -q --follow-links -o "$tmp/m.iso" "$tmp/a" "/docs=$tmp/b/more" 2>"$tmp/err" &&
    bsdtar -tf "$tmp/m.iso" | grep -q '^docs/two.txt$' && bsdtar -tf "$tmp/m.iso" | grep -q '^docs/one.txt$'; then
    tap_ok "a graft point merges into an existing directory"
else
    tap_fail "a graft point merges into an existing directory" "$(cat "$tmp/err")"
fi
"$MKIMAGE" create -q --follow-links -o "$tmp/c.iso" "$tmp/a" "/docs/one.txt=$tmp/gf.bin" 2>"$tmp/err"
if [ $? = 1 ] && grep -q '^mkimage: IMAPI_E_DUP_NAME' "$tmp/err" && [ ! -e "$tmp/c.iso" ]; then
    tap_ok "a graft point onto an existing file is IMAPI_E_DUP_NAME"
else
    tap_fail "a graft point onto an existing file is IMAPI_E_DUP_NAME" "$(cat "$tmp/err")"
fi

tap_done
