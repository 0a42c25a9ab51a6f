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
# POSIX sh.

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
