#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# tests/integration/ls.sh - `mkimage ls`: an image made by xorriso -as
# mkisofs -R -J (modes, a symlink, a FIFO, names with a newline, a tab and
# a backslash) listed by `mkimage ls -lR` and compared with independent
# readers: xorriso -find -exec lsdl (type, mode, size, name, link target),
# xorriso -exec report_lba (first data block), bsdtar tf (names), 7-Zip
# (7z l -slt: names and sizes of the Joliet view).  Then the forms of ls:
# a directory, a file, -d, --fs views (plain ISO9660 modes as Linux shows
# them), \ooo escapes, and the failures: a missing PATH, an empty image,
# usage errors (--session past the last, -R with -d, --fs).
# Prints TAP.
#
# Reader quirks: xorriso's lsdl quotes names and shows a newline as is;
# Joliet (7-Zip) has no symlink or FIFO.

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/integration/lib.sh
. "$here/lib.sh"

top_builddir=${top_builddir:-$(pwd)}
MKIMAGE=${MKIMAGE:-$top_builddir/mkimage}
PY=/usr/bin/python3
LC_ALL=C.UTF-8
export LC_ALL
umask 022

tmp=$(mktemp -d "${TMPDIR:-/tmp}/fsi-ls.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' HUP INT TERM

have() { command -v "$1" >/dev/null 2>&1; }

same() {
    if d=$(diff "$2" "$3" 2>&1); then
        tap_ok "$1"
    else
        tap_fail "$1" "$(printf '%s\n' "$d" | head -40)"
    fi
}

# expect DESC WANT_RC PATTERN CMD...: exit status WANT_RC and stderr
# matching PATTERN (grep -E).
expect() {
    desc=$1 want=$2 pat=$3
    shift 3
    "$@" >"$tmp/out" 2>"$tmp/err"
    rc=$?
    if [ $rc -eq "$want" ] && grep -Eq -- "$pat" "$tmp/err"; then
        tap_ok "$desc"
    else
        tap_fail "$desc" "exit $rc (want $want), stderr: $(cat "$tmp/err")"
    fi
}

tap_plan 18

src=$tmp/src
mkdir -p "$src/dir/sub" "$src/empty"
echo hello >"$src/dir/hello.txt"
"$PY" -c 'import sys; open(sys.argv[1], "wb").write(b"z" * 2049)' "$src/dir/sub/big"
echo x >"$src/nl
name"
echo x >"$src/tab	name"
echo x >"$src/back\\slash"
printf '#!/bin/sh\n' >"$src/run"
chmod 750 "$src/run"
chmod 4755 "$src/dir/hello.txt"
ln -s dir/hello.txt "$src/link"
mkfifo "$src/fifo"
find "$src" -exec touch -h -d '2022-02-03 04:05:06 UTC' {} +
img=$tmp/x.iso
xorriso -as mkisofs -R -J -o "$img" "$src" >/dev/null 2>&1

"$MKIMAGE" ls -lR "$img" >"$tmp/ls" 2>"$tmp/ls.err"
tap_check "ls -lR exits 0" test -s "$tmp/ls" -a ! -s "$tmp/ls.err"

# Our listing as "type mode size path [-> target]" (escapes undone), and
# xorriso's lsdl the same way.
cat >"$tmp/conv.py" <<'EOF'
import re, sys
def unesc(s):
    b = s.encode("utf-8", "surrogateescape")
    return re.sub(rb"\\([0-7]{3})", lambda m: bytes([int(m.group(1), 8)]), b).decode("utf-8", "surrogateescape")
out = []
def fields(path):
    for l in open(path, encoding="utf-8", errors="surrogateescape"):
        yield l.rstrip("\n").split(None, 8)
if sys.argv[1] == "lba":        # "BLOCK /path" of files with data
    for f in fields(sys.argv[2]):
        if f[0][0] == "-" and f[4] != "0":
            out.append(f"{f[7]} {f[8]}")
elif sys.argv[1] == "sizes":    # "path<TAB>size" of files, no leading '/'
    for f in fields(sys.argv[2]):
        if f[0][0] == "-":
            out.append(f"{f[8][1:]}\t{f[4]}")
elif sys.argv[1] == "ours":
    for l in open(sys.argv[2], encoding="utf-8", errors="surrogateescape"):
        f = l.rstrip("\n").split(None, 8)
        name, tgt = f[8], ""
        if f[0][0] == "l":
            name, tgt = name.split(" -> ", 1)
        size = f[4] if f[0][0] == "-" else "-"
        out.append(f"{f[0]} {size} {unesc(name)!r} {unesc(tgt)!r}")
else:
    # lsdl: MODE LINKS UID GID SIZE MON DAY YEAR|TIME 'PATH' [-> 'TARGET'];
    # a quote in a name is written '\''; a name may hold a newline.
    text = open(sys.argv[2], encoding="utf-8", errors="surrogateescape").read()
    for m in re.finditer(r"^(\S{10})\s+\d+\s+\d+\s+\d+\s+(\d+)\s+\S+\s+\S+\s+\S+\s+'((?:[^']|'\\'')*)'(?: -> '((?:[^']|'\\'')*)')?$",
                         text, re.M | re.S):
        mode, size, path, tgt = m.group(1), m.group(2), m.group(3), m.group(4) or ""
        if path == "/":
            continue
        path, tgt = path.replace("'\\''", "'"), tgt.replace("'\\''", "'")
        out.append(f"{mode} {size if mode[0] == '-' else '-'} {path!r} {tgt!r}")
for l in sorted(out):
    print(l)
EOF
"$PY" "$tmp/conv.py" ours "$tmp/ls" >"$tmp/ours"
xorriso -indev "$img" -find / -exec lsdl 2>/dev/null >"$tmp/lsdl.raw"
"$PY" "$tmp/conv.py" lsdl "$tmp/lsdl.raw" >"$tmp/theirs"
same "ls -lR = xorriso lsdl: types, modes (set-user-ID too), sizes, names, link targets" "$tmp/ours" "$tmp/theirs"

# First data blocks: ls -l's column 8 against xorriso's report_lba.
"$PY" "$tmp/conv.py" lba "$tmp/ls" >"$tmp/lba.ours"
xorriso -indev "$img" -find / -type f -exec report_lba 2>/dev/null |
    sed -n "s/^File data lba: *0 *, *\\([0-9]*\\) ,.*, '\\(.*\\)'\$/\\1 \\2/p" | LC_ALL=C sort >"$tmp/lba.theirs"
# (names with a newline, tab or backslash are escaped by us: the others)
grep -v -e 'nl' -e 'tab' -e 'slash' "$tmp/lba.ours" >"$tmp/lba.o"
grep -v -e 'nl' -e 'tab' -e 'slash' "$tmp/lba.theirs" >"$tmp/lba.t"
if [ -s "$tmp/lba.o" ]; then
    same "ls -l first blocks = xorriso report_lba" "$tmp/lba.o" "$tmp/lba.t"
else
    tap_fail "ls -l first blocks = xorriso report_lba" "no blocks listed"
fi

if have bsdtar; then
    # bsdtar tf writes a backslash, newline and tab as \\ \n \t.
    "$MKIMAGE" ls -R "$img" | "$PY" -c '
import re, sys
m = {0x5c: "\\\\", 0x0a: "\\n", 0x09: "\\t"}
for l in sys.stdin.read().splitlines():
    l = re.sub(r"\\([0-7]{3})", lambda x: m.get(int(x.group(1), 8), x.group(0)), l)
    print(l.lstrip("/"))' | LC_ALL=C sort >"$tmp/names.ours"
    bsdtar tf "$img" | sed 's,/$,,' | grep -v '^\.$' | LC_ALL=C sort >"$tmp/names.bsdtar"
    same "ls -R names = bsdtar tf" "$tmp/names.ours" "$tmp/names.bsdtar"
else
    tap_skip "ls -R names = bsdtar tf" "bsdtar not installed"
fi

if have 7z; then
    "$MKIMAGE" ls -lR --fs joliet "$img" >"$tmp/jl"
    "$PY" "$tmp/conv.py" sizes "$tmp/jl" | grep -v -e 'nl' -e 'tab' >"$tmp/7.ours"
    7z l -slt "$img" | awk -F' = ' '/^Path = /{p=$2} /^Folder = -/{f=1} /^Size = /{s=$2} /^$/{ if (p != "" && f) print p "\t" s; p=""; f=0 }' |
        grep -v -e 'nl' -e 'tab' | LC_ALL=C sort >"$tmp/7.theirs"
    same "ls -lR --fs joliet names and sizes = 7z l" "$tmp/7.ours" "$tmp/7.theirs"
else
    tap_skip "ls --fs joliet = 7z l" "7z not installed"
fi

# ---- forms ----
"$MKIMAGE" ls "$img" >"$tmp/root"
printf '%s\n' 'back\134slash' dir empty fifo link 'nl\012name' run 'tab\011name' | LC_ALL=C sort >"$tmp/root.want"
LC_ALL=C sort "$tmp/root" >"$tmp/root.sorted"
same "ls IMAGE: the root's names, control characters and backslash as \\ooo" "$tmp/root.sorted" "$tmp/root.want"
"$MKIMAGE" ls "$img" dir >"$tmp/o"
printf '%s\n' hello.txt sub >"$tmp/w"
same "ls IMAGE dir: its entries" "$tmp/o" "$tmp/w"
"$MKIMAGE" ls -l "$img" /dir/sub/big >"$tmp/o"
tap_check "ls -l of a file: that file, with its path, size and time" \
    grep -Eq '^-rw-r--r-- +1 +0 +0 +2049 2022-02-03 04:05 +[0-9]+ /dir/sub/big$' "$tmp/o"
"$MKIMAGE" ls -ld "$img" /dir >"$tmp/o"
tap_check "ls -ld of a directory: the directory itself" \
    grep -Eq '^drwxr-xr-x +[0-9]+ +0 +0 +[0-9]+ 2022-02-03 04:05 +[0-9]+ /dir$' "$tmp/o"
"$MKIMAGE" ls -l "$img" | grep ' link -> ' >"$tmp/o"
tap_check "ls -l: a symlink with its target" grep -Eq '^lrwxrwxrwx .* link -> dir/hello.txt$' "$tmp/o"
"$MKIMAGE" ls -l --fs iso9660 "$img" >"$tmp/o"
tap_check "ls -l --fs iso9660: plain names, modes as Linux shows ISO9660" \
    sh -c "grep -Eq '^dr-xr-xr-x .* DIR\$' '$tmp/o' && grep -Eq '^-r--r--r-- .* RUN\$' '$tmp/o'"

# ---- failures ----
expect "a missing PATH: IMAPI_E_ITEM_NOT_FOUND, exit 1" 1 \
    "^mkimage: IMAPI_E_ITEM_NOT_FOUND \\(0xC0AAB118\\): .*'/nope'" "$MKIMAGE" ls "$img" /nope
head -c 1048576 /dev/zero >"$tmp/zero.iso"
expect "an all-zero image: IMAPI_E_EMPTY_DISC, exit 1" 1 \
    "^mkimage: IMAPI_E_EMPTY_DISC \\(0xC0AAB150\\)" "$MKIMAGE" ls "$tmp/zero.iso"
expect "--session 2 of a one-session image: usage error" 2 "holds 1 session" \
    "$MKIMAGE" ls --session 2 "$img"
tap_check "--session 1 (the last) is accepted" "$MKIMAGE" ls --session 1 "$img"
expect "-R with -d: usage error" 2 "do not go together" "$MKIMAGE" ls -R -d "$img"
expect "--fs ntfs: usage error" 2 "--fs: 'ntfs'" "$MKIMAGE" ls --fs ntfs "$img"
expect "--fs udf of an image without UDF: IMAPI_E_FILE_SYSTEM_NOT_FOUND, exit 1" 1 \
    "IMAPI_E_FILE_SYSTEM_NOT_FOUND" "$MKIMAGE" ls --fs udf "$img"

tap_done
