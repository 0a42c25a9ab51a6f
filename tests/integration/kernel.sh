#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# tests/integration/kernel.sh - the Linux kernel as a reader: an image of a
# small tree made by `mkimage create --fs iso9660,joliet,udf` is mounted by
# Debian's kernel in QEMU (tests/kernel/kstat.sh, one boot for every view)
# and what the kernel sees is compared with the host tree
# (tests/kernel/hoststat.sh), column by column:
#   Rock Ridge (view iso9660) and UDF: every column (names, type, mode,
#     owner, size, mtime, link count, symlink target, device, SHA-256);
#   Joliet: names, type, size, mtime, SHA-256;
#   plain ISO9660 (names are translated): the multiset of type, size, SHA-256.
# Directories' sizes and link counts are never compared (a directory's size
# belongs to the file system; some hosts count directory links otherwise).
# Also: the kernel logs no isofs/udf complaint, and the comparison itself
# can fail.  Skips (with the reason) when tests/kernel/setup.sh cannot get
# the kernel (no QEMU, no Debian archive), or when FSI_TEST_SKIP_KERNEL=1.
# Prints TAP.
#
# To check more, add to the tree in make_tree and to the column lists in
# the kcompare calls (columns: path type mode uid gid size mtime nlink
# target rdev sha256, see tests/kernel/format.awk).

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/integration/lib.sh
. "$here/lib.sh"
kdir=$(cd "$here/../kernel" && pwd)

top_builddir=${top_builddir:-$(pwd)}
MKIMAGE=${MKIMAGE:-$top_builddir/mkimage}
# The image's dates must be the files' own, not clamped.
unset SOURCE_DATE_EPOCH
LC_ALL=C.UTF-8
export LC_ALL

tmp=$(mktemp -d "${TMPDIR:-/tmp}/fsi-kernel.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' HUP INT TERM

ALL=path,type,mode,uid,gid,size,mtime,nlink,target,rdev,sha256

# kcols COLS FILE: the columns COLS (comma-separated names) of a listing,
# sorted; a directory's size and link count read "-", and so does all but
# the type of the root: it is the image's own directory, made with the
# image, not the source directory.
kcols() {
    awk -F '\t' -v cols="$1" '
        BEGIN {
            n = split("path type mode uid gid size mtime nlink target rdev sha256", names, " ")
            for (i = 1; i <= n; i++) idx[names[i]] = i
            k = split(cols, want, ",")
            for (j = 1; j <= k; j++)
                if (!(want[j] in idx)) { print "kcols: no column " want[j] > "/dev/stderr"; exit 2 }
        }
        {
            out = ""
            for (j = 1; j <= k; j++) {
                v = $(idx[want[j]])
                if ($2 == "d" && (want[j] == "size" || want[j] == "nlink")) v = "-"
                if ($1 == "." && want[j] != "path" && want[j] != "type") v = "-"
                out = out (j > 1 ? "\t" : "") v
            }
            print out
        }' "$2" | LC_ALL=C sort
}

# kcompare DESC HOST-LISTING KERNEL-LISTING COLS: ok if the two agree on
# COLS, else fail with the differences (- host, + kernel).
kcompare() {
    if ! kcols "$4" "$2" >"$tmp/want" || ! kcols "$4" "$3" >"$tmp/got"; then
        tap_fail "$1" "bad column list $4"
        return 1
    fi
    if [ ! -s "$tmp/got" ]; then
        tap_fail "$1" "the kernel's listing is empty"
        return 1
    fi
    if diff -u "$tmp/want" "$tmp/got" >"$tmp/diff"; then
        tap_ok "$1"
        return 0
    fi
    tap_fail "$1" "columns $4 (- host, + kernel):
$(sed -n '3,60p' "$tmp/diff")"
    return 1
}

# The source tree: regular files of several sizes (empty, short, exactly
# one block, one byte more, ~1 MiB), modes, dates before 2000 and the last
# second of 32-bit time (Linux 6.1 isofs reads later ISO9660 dates as
# 32-bit: 2040 comes back as 1904; its udf gets them right), nested and
# empty directories, a UTF-8 name with a space and a 100-character name.
make_tree() {
    t=$1
    mkdir -p "$t/a/b/c/d" "$t/empty dir" "$t/private" || return 1
    : >"$t/empty"
    printf 'hello\n' >"$t/small.txt"
    head -c 2048 /dev/urandom >"$t/a/block.bin"
    head -c 2049 /dev/urandom >"$t/a/b/block+1.bin"
    head -c 1048577 /dev/urandom >"$t/a/b/c/mib+1.bin"
    printf 'deep\n' >"$t/a/b/c/d/deep.txt"
    printf 'caf\303\251\n' >"$t/caf$(printf '\303\251') au lait.txt"
    long=$(printf '%096d' 0 | tr 0 l)
    printf 'long\n' >"$t/a/$long.txt"           # 100 characters
    printf '#!/bin/sh\n' >"$t/a/run.sh"
    printf 'secret\n' >"$t/private/key"
    touch -d '1999-12-31 23:59:58 UTC' "$t/a/block.bin"
    touch -d '2038-01-19 03:14:07 UTC' "$t/a/b/block+1.bin"
    find "$t" -type d -exec chmod 755 {} + &&
        find "$t" -type f -exec chmod 644 {} + &&
        chmod 755 "$t/a/run.sh" && chmod 600 "$t/private/key" &&
        chmod 700 "$t/private" || return 1
    # Linux metadata (issue 13): set-id and sticky bits, another owner,
    # symlinks of every kind (kept as links), hard links, special files,
    # names that differ in case only.
    mkdir -p "$t/posix/tmp" "$t/posix/dists/bookworm" &&
        printf 'suid\n' >"$t/posix/suid" && chmod 4755 "$t/posix/suid" &&
        printf 'sgid\n' >"$t/posix/sgid" && chmod 2755 "$t/posix/sgid" &&
        chmod 1777 "$t/posix/tmp" &&
        printf 'ReadMe\n' >"$t/posix/ReadMe.TXT" && printf 'readme\n' >"$t/posix/readme.txt" &&
        printf 'release\n' >"$t/posix/dists/bookworm/Release" &&
        ln -s bookworm "$t/posix/dists/stable" &&
        ln -s ../small.txt "$t/posix/rel" && ln -s /etc/hostname "$t/posix/abs" &&
        ln -s nowhere "$t/posix/dangling" && ln -s . "$t/posix/debian" &&
        head -c 5000 /dev/urandom >"$t/posix/linked" &&
        ln "$t/posix/linked" "$t/posix/linked2" && ln "$t/posix/linked" "$t/a/linked3" &&
        mkfifo "$t/posix/fifo" || return 1
    if [ "$(id -u)" = 0 ]; then
        mknod "$t/posix/null" c 1 3 && mknod "$t/posix/loop" b 7 0 &&
            chown -h 1000:1000 "$t/posix/suid" "$t/posix/rel" "$t/posix/tmp" || return 1
    fi
    touch -h -d '2001-02-03 04:05:06 UTC' "$t/posix/rel"
}

# Only what a view without links and special files holds: files and
# directories.
plain() {
    awk -F '\t' '$2 == "f" || $2 == "d"' "$1" >"$1.plain"
}

tap_plan 11

tree=$tmp/tree img=$tmp/k.iso plainimg=$tmp/plain.iso
if make_tree "$tree" &&
    "$MKIMAGE" create -q --fs iso9660,joliet,udf --joliet-long -o "$img" "$tree" \
        >"$tmp/mk.out" 2>&1 &&
    "$MKIMAGE" create -q --no-rock --fs iso9660 -o "$plainimg" "$tree" >>"$tmp/mk.out" 2>&1 &&
    "$MKIMAGE" create -q --fs udf --udf-revision 2.01 -o "$tmp/u201.iso" "$tree" >>"$tmp/mk.out" 2>&1 &&
    "$MKIMAGE" create -q --udf-revision 2.50 -o "$tmp/u250.iso" "$tree" >>"$tmp/mk.out" 2>&1; then
    tap_ok "mkimage create --fs iso9660,joliet,udf"
else
    tap_fail "mkimage create --fs iso9660,joliet,udf" "$(cat "$tmp/mk.out" 2>/dev/null)"
    img=
fi

reason=
if [ "${FSI_TEST_SKIP_KERNEL:-}" = 1 ]; then
    reason="FSI_TEST_SKIP_KERNEL=1"
elif [ -z "$img" ]; then
    reason="no image"
elif ! "$kdir/setup.sh" >"$tmp/setup.out" 2>&1; then
    reason="no kernel reader: $(tail -n 1 "$tmp/setup.out")"
fi
if [ -n "$reason" ]; then
    for d in "host listing" "the kernel mounts every view" "Rock Ridge" \
        "Joliet" "UDF" "plain ISO9660" "UDF 2.01" "UDF 2.50" "no kernel complaints" \
        "the comparison can fail"; do
        tap_skip "$d" "$reason"
    done
    tap_done
fi

if "$kdir/hoststat.sh" "$tree" >"$tmp/host.lst" 2>"$tmp/host.err" &&
    [ -s "$tmp/host.lst" ]; then
    tap_ok "host listing"
else
    tap_fail "host listing" "$(cat "$tmp/host.err")"
fi

# One boot: 1 = Rock Ridge, 2 = Joliet, 3 = UDF, 4 = plain ISO9660 (an
# image made with --no-rock, which leaves links and special files out),
# 5 = UDF 2.01 alone, 6 = UDF 2.50 beside ISO9660 and Joliet.
start=$(date +%s)
# Joliet with check=strict: names that differ in case only are two files
# (the kernel's default lookup there ignores case).
"$kdir/kstat.sh" -d "$tmp/k" "$img" iso9660 "$img" joliet:check=s "$img" udf \
    "$plainimg" iso9660-norock "$tmp/u201.iso" udf "$tmp/u250.iso" udf \
    >"$tmp/kstat.out" 2>"$tmp/kstat.err"
krc=$?
secs=$(($(date +%s) - start))
if [ $krc -eq 0 ]; then
    tap_ok "the kernel mounts every view (one boot, $secs s)"
else
    tap_fail "the kernel mounts every view" "kstat.sh exit status $krc after $secs s
$(cat "$tmp/kstat.err")"
fi
for n in 1 2 3 4 5 6; do : >>"$tmp/k/$n.lst"; done

plain "$tmp/host.lst"
kcompare "Rock Ridge: every column" "$tmp/host.lst" "$tmp/k/1.lst" "$ALL"
kcompare "Joliet: names, types, sizes, dates, contents (no links or special files)" \
    "$tmp/host.lst.plain" "$tmp/k/2.lst" path,type,size,mtime,sha256
kcompare "UDF: every column" "$tmp/host.lst" "$tmp/k/3.lst" "$ALL"
kcompare "plain ISO9660: types, sizes, contents (no links or special files)" \
    "$tmp/host.lst.plain" "$tmp/k/4.lst" type,size,sha256
kcompare "UDF 2.01 alone: every column" "$tmp/host.lst" "$tmp/k/5.lst" "$ALL"
kcompare "UDF 2.50 (metadata partition) with ISO9660 and Joliet: every column" "$tmp/host.lst" \
    "$tmp/k/6.lst" "$ALL"

# isofs says which extensions it found; anything else it or udf logs is a
# complaint about the image.
grep 'kernel: ' "$tmp/kstat.err" | grep -v 'kernel: \[[ 0-9.]*\] ISO 9660 Extensions: ' \
    >"$tmp/complaints"
if [ -s "$tmp/complaints" ]; then
    tap_fail "no kernel complaints" "$(cat "$tmp/complaints")"
else
    tap_ok "no kernel complaints"
fi

# A listing that differs in one file's content must not compare equal.
sed '/\tf\t/{s/\t[0-9a-f]\{64\}$/\t0000000000000000000000000000000000000000000000000000000000000000/;}' \
    "$tmp/host.lst" >"$tmp/bad.lst"
kcols "$ALL" "$tmp/host.lst" >"$tmp/c1"
kcols "$ALL" "$tmp/bad.lst" >"$tmp/c2"
if ! cmp -s "$tmp/c1" "$tmp/c2" && [ -s "$tmp/c1" ]; then
    tap_ok "the comparison can fail"
else
    tap_fail "the comparison can fail" "changing the hashes made no difference"
fi
tap_done
