# tests/integration/trees.sh - comparing trees as readers see them, for
# the shell integration tests (after lib.sh; uses $tmp).
#
#   tree_manifest DIR      "path<TAB>size<TAB>sha256" of every file and
#                          "path/" of every directory below DIR, sorted
#                          bytewise (symbolic links left out; names with
#                          newlines not supported)
#   tree_compare DESC WANT GOT
#                          ok when the manifest GOT is not empty and equals
#                          WANT, else fail with the first lines of the diff
#   tree_kstat LISTING     the manifest of a tests/kernel/kstat.sh listing
#   tree_verified DESC N IMG
#                          mkimage verify finds IMG clean and mkimage
#                          extract gives $tmp/wantN.lst (one TAP result)
#   tree_four_sessions     the sources of four sessions in $tmp/s1..s3
#                          (and $tmp/empty4), the trees they must read as
#                          in $tmp/want1..4 and their manifests in
#                          $tmp/want1..4.lst: 1 as made; 2 adds files, one
#                          into an old directory; 3 removes a.txt, docs/deep
#                          and the file empty, which becomes a directory;
#                          4 renames b.txt to renamed.txt and turns empty
#                          back into a file
#   tree_udfread           LU gets the libudfread extractor built from
#                          udfread_extract.c (empty without libudfread-dev
#                          or a compiler; needs $here)
# POSIX sh; MKIMAGE, CC.

tree_manifest() {
    (cd "$1" && {
        find . -mindepth 1 -type d -printf '%P/\n'
        find . -type f -printf '%s %P\n' >"$tmp/.tree-sizes"
        find . -type f -print0 | xargs -0 -r sha256sum | awk -v sizes="$tmp/.tree-sizes" '
            BEGIN { while ((getline l < sizes) > 0) {
                        i = index(l, " "); sz[substr(l, i + 1)] = substr(l, 1, i - 1) } }
            { p = substr($0, 67); sub(/^\.\//, "", p); print p "\t" sz[p] "\t" $1 }'
    } | LC_ALL=C sort)
}

tree_compare() {
    if [ -s "$3" ] && diff -u "$2" "$3" >"$tmp/.tree-diff" 2>&1; then
        tap_ok "$1"
    else
        tap_fail "$1" "$(sed -n '1,30p' "$tmp/.tree-diff" 2>/dev/null)"
    fi
}

tree_kstat() {
    awk -F '\t' '$1 != "." && $2 == "d" { print $1 "/" }
                 $2 == "f" { print $1 "\t" $6 "\t" $11 }' "$1" | LC_ALL=C sort
}

tree_verified() {
    if "$MKIMAGE" verify "$3" >"$tmp/.tree-v" 2>&1; then
        rm -rf "$tmp/.tree-o"
        "$MKIMAGE" extract -q "$3" "$tmp/.tree-o" >/dev/null 2>&1
        mkdir -p "$tmp/.tree-o"
        tree_manifest "$tmp/.tree-o" >"$tmp/.tree-o.lst"
        tree_compare "$1" "$tmp/want$2.lst" "$tmp/.tree-o.lst"
    else
        tap_fail "$1" "$(cat "$tmp/.tree-v")"
    fi
}

tree_four_sessions() {
    mkdir -p "$tmp/s1/docs/deep" "$tmp/s1/docs/keep" "$tmp/s2/docs" "$tmp/s3/empty" || exit 1
    echo one >"$tmp/s1/a.txt"
    head -c 300000 /dev/urandom >"$tmp/s1/docs/big.bin"
    echo deep >"$tmp/s1/docs/deep/d.txt"
    echo "kept as it is" >"$tmp/s1/docs/keep/k.txt"
    : >"$tmp/s1/empty"
    echo two >"$tmp/s2/b.txt"
    head -c 5000 /dev/urandom >"$tmp/s2/docs/c.bin"
    echo "a file in a directory that was a file" >"$tmp/s3/empty/x.txt"
    echo three >"$tmp/s3/t.txt"
    echo "a file again" >"$tmp/empty4"
    mkdir "$tmp/want1" "$tmp/want2" "$tmp/want3" "$tmp/want4"
    cp -a "$tmp/s1/." "$tmp/want1/"
    cp -a "$tmp/want1/." "$tmp/want2/" && cp -a "$tmp/s2/." "$tmp/want2/"
    cp -a "$tmp/want2/." "$tmp/want3/" && rm -rf "$tmp/want3/a.txt" "$tmp/want3/docs/deep" \
        "$tmp/want3/empty" && cp -a "$tmp/s3/." "$tmp/want3/"
    cp -a "$tmp/want3/." "$tmp/want4/" && mv "$tmp/want4/b.txt" "$tmp/want4/renamed.txt" &&
        rm -rf "$tmp/want4/empty" && cp "$tmp/empty4" "$tmp/want4/empty"
    for _n in 1 2 3 4; do tree_manifest "$tmp/want$_n" >"$tmp/want$_n.lst"; done
}

tree_udfread() {
    LU=
    if [ -f /usr/include/udfread/udfread.h ] && command -v "${CC:-cc}" >/dev/null 2>&1; then
        "${CC:-cc}" -std=c11 -O2 -o "$tmp/lu" "$here/udfread_extract.c" -ludfread \
            >"$tmp/.tree-cc" 2>&1 && LU=$tmp/lu
    fi
}
