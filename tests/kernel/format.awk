# SPDX-License-Identifier: BSD-2-Clause
# tests/kernel/format.awk - turns a raw listing (from tests/kernel/init in
# the guest, or hoststat.sh on the host; the same commands, busybox or GNU)
# into one line per entry, fields separated by tabs:
#   path type mode uid gid size mtime nlink target rdev sha256
# path: "." for the root, else relative without "./"; type: f d l c b p s;
# mode: the permission bits in octal (4 digits, with setuid/setgid/sticky);
# mtime: seconds since the epoch; target: of a symlink, else "-";
# rdev: major:minor of a device, else "-"; sha256: of a regular file
# ("READ-ERROR" if it could not be read), else "-".
# Input lines:
#   S<TAB>rawmode-hex<TAB>uid<TAB>gid<TAB>size<TAB>mtime<TAB>nlink<TAB>major-hex<TAB>minor-hex<TAB>path
#   L<TAB>path<TAB>target
#   <sha256>  path        (sha256sum; GNU's "\"-escaped form too)
# Any other line is ignored.  The output is unsorted (the callers sort).
# POSIX awk (mawk, gawk, busybox).

function hex(s,    i, n, c) {
    n = 0
    s = tolower(s)
    for (i = 1; i <= length(s); i++) {
        c = index("0123456789abcdef", substr(s, i, 1))
        if (c == 0) return -1
        n = n * 16 + c - 1
    }
    return n
}
function rel(p) {
    if (p == ".") return p
    sub(/^\.\//, "", p)
    return p
}
function unescape(p,    out, i, c) {
    out = ""
    for (i = 1; i <= length(p); i++) {
        c = substr(p, i, 1)
        if (c == "\\" && i < length(p)) {
            i++
            c = substr(p, i, 1)
            if (c == "n") c = "\n"
        }
        out = out c
    }
    return out
}

BEGIN { FS = "\t"; n = 0 }

/^S\t/ {
    p = $0
    for (i = 1; i <= 9; i++) sub(/^[^\t]*\t/, "", p)    # path may hold tabs
    p = rel(p)
    m = hex($2)
    t = int(m / 4096)
    ty = (t == 1) ? "p" : (t == 2) ? "c" : (t == 4) ? "d" : (t == 6) ? "b" : \
         (t == 8) ? "f" : (t == 10) ? "l" : (t == 12) ? "s" : "?"
    if (!(p in seen)) order[++n] = p
    seen[p] = 1
    type[p] = ty
    line[p] = sprintf("%s\t%04o\t%s\t%s\t%s\t%s\t%s", ty, m % 4096, $3, $4, $5, $6, $7)
    rdev[p] = (ty == "c" || ty == "b") ? hex($8) ":" hex($9) : "-"
    next
}
/^L\t/ {
    p = $0; sub(/^L\t/, "", p)
    tgt = p; sub(/^[^\t]*\t/, "", tgt)
    sub(/\t.*$/, "", p)
    target[rel(p)] = tgt
    next
}
/^\\?[0-9a-f]+  / {
    esc = (substr($0, 1, 1) == "\\")
    s = $0
    if (esc) s = substr(s, 2)
    h = substr(s, 1, 64)
    if (substr(s, 65, 2) != "  " || h !~ /^[0-9a-f]+$/ || length(h) != 64) next
    p = substr(s, 67)
    if (esc) p = unescape(p)
    sha[rel(p)] = h
    next
}

END {
    for (i = 1; i <= n; i++) {
        p = order[i]
        tg = (p in target) ? target[p] : "-"
        h = "-"
        if (type[p] == "f") h = (p in sha) ? sha[p] : "READ-ERROR"
        printf "%s\t%s\t%s\t%s\t%s\n", p, line[p], tg, rdev[p], h
    }
}
