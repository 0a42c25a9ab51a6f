#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# tests/kernel/kstat.sh [-d OUTDIR] IMAGE VIEW [IMAGE VIEW]...
# The Linux kernel as a reader: boots the kernel prepared by setup.sh in
# QEMU, mounts each IMAGE read-only as VIEW and lists what the kernel sees,
# one line per entry (see format.awk), sorted bytewise:
#   path type mode uid gid size mtime nlink target rdev sha256
# VIEW is one of (mount options in brackets):
#   iso9660          Rock Ridge if the image has it [ro]; NB: without Rock
#                    Ridge the kernel shows the Joliet tree if there is one
#   iso9660-norock   the plain ISO9660 tree [ro,norock,nojoliet]
#   joliet           [ro,norock,iocharset=utf8]; without Joliet: ISO9660
#   udf              [-t udf ro]
# and VIEW:OPTS adds mount options (VIEW:map=off, VIEW:uid=0,...).
#
# One IMAGE VIEW pair: the listing goes to stdout.  Several pairs share one
# boot (each image is one virtio disk, at most 20 distinct images) and need
# -d OUTDIR: pair N's listing goes to OUTDIR/N.lst.
# Exit status 0 if every view was mounted and read without an error; 1 if
# the boot, a mount or a read failed (reasons on stderr, with the kernel's
# isofs/udf messages; listings that could be made are still written); 2 on
# a usage error.  Kernel messages about isofs/udf come out on stderr as
# "kstat: IMAGE VIEW: kernel: ..." also when everything worked.
#
# Environment: FSI_KERNEL_CACHE (setup.sh's cache, /var/tmp/fsi-kernel),
# FSI_KERNEL_ACCEL=tcg|kvm (default tcg), FSI_KERNEL_TIMEOUT (seconds for
# the whole boot, default 300), FSI_KERNEL_LOG=FILE keeps the serial console.
# One boot takes ~5 s under TCG (2000 files, 2 views: ~12 s).
set -u
here=$(cd "$(dirname "$0")" && pwd)
C=${FSI_KERNEL_CACHE:-/var/tmp/fsi-kernel}
usage() { echo "usage: kstat.sh [-d OUTDIR] IMAGE VIEW [IMAGE VIEW]..." >&2; exit 2; }
die() { printf 'kstat: %s\n' "$*" >&2; exit 1; }

outdir=
if [ "${1:-}" = -d ]; then
    [ $# -ge 2 ] || usage
    outdir=$2
    shift 2
fi
{ [ $# -ge 2 ] && [ $(($# % 2)) -eq 0 ]; } || usage
[ $# -eq 2 ] || [ -n "$outdir" ] || usage
if [ -n "$outdir" ]; then mkdir -p "$outdir" || exit 1; fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/kstat.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' HUP INT TERM

# ---- jobs and disks -------------------------------------------------------
jobs=0 disks=0 append='' drives=''
: >"$tmp/names"
while [ $# -ge 2 ]; do
    img=$1 view=$2
    shift 2
    { [ -f "$img" ] && [ -r "$img" ]; } || die "$img: not a readable file"
    extra=
    case $view in *:*) extra=,${view#*:}; view=${view%%:*} ;; esac
    case $view in
    iso9660) fs=iso9660 opts=ro ;;
    iso9660-norock) fs=iso9660 opts=ro,norock,nojoliet ;;
    joliet) fs=iso9660 opts=ro,norock,iocharset=utf8 ;;
    udf) fs=udf opts=ro ;;
    *) printf "kstat: unknown view '%s' (iso9660, iso9660-norock, joliet, udf)\n" "$view" >&2; exit 2 ;;
    esac
    case $extra in *[!A-Za-z0-9_=,.-]*) die "bad mount options '$extra'" ;; esac
    # one disk per distinct image
    abs=$(cd "$(dirname "$img")" && pwd)/$(basename "$img")
    k=$(awk -F '\t' -v p="$abs" '$2 == p { print $1; exit }' "$tmp/names")
    if [ -z "$k" ]; then
        disks=$((disks + 1))
        k=$disks
        [ $k -le 20 ] || die "more than 20 images in one boot"
        printf '%s\t%s\n' "$k" "$abs" >>"$tmp/names"
        # QEMU's option syntax: a comma in a value is written twice
        q=$(printf '%s' "$abs" | sed 's/,/,,/g')
        drives="$drives -drive file=$q,if=none,id=d$k,format=raw,readonly=on -device virtio-blk-pci,drive=d$k,serial=fsi$k"
    fi
    jobs=$((jobs + 1))
    printf '%s\t%s\n' "$img" "$view$extra" >"$tmp/job.$jobs"
    append="$append fsi.job=$jobs:fsi$k:$fs:$opts$extra"
done

# ---- boot -----------------------------------------------------------------
"$here/setup.sh" || die "the kernel reader is not set up (setup.sh failed)"

# TCG by default: the same on every machine (a nested /dev/kvm can exist
# and still hang the guest or abort QEMU).
accel=${FSI_KERNEL_ACCEL:-tcg}
case $accel in
kvm) accel_opts="-accel kvm -cpu host" ;;
tcg) accel_opts="-accel tcg" ;;
*) die "FSI_KERNEL_ACCEL must be tcg or kvm" ;;
esac
# setup.sh unpacks the kernel for a direct (PVH) boot when it can: this
# saves the several seconds an emulated CPU takes to decompress it.
kernel=$C/vmlinuz
[ -f "$C/vmlinux" ] && kernel=$C/vmlinux
: >"$tmp/console" && : >"$tmp/data"
start=$(date +%s)
# shellcheck disable=SC2086  # the option lists are words (paths escaped)
timeout -k 5 "${FSI_KERNEL_TIMEOUT:-300}" qemu-system-x86_64 \
    -nodefaults -no-user-config -display none -no-reboot \
    $accel_opts -m 256 -smp 1 \
    -kernel "$kernel" -initrd "$C/initrd" \
    -append "console=ttyS0 quiet panic=-1$append" \
    -serial "file:$tmp/console" -serial "file:$tmp/data" \
    $drives </dev/null >"$tmp/qemu.out" 2>&1
qrc=$?
secs=$(($(date +%s) - start))
[ -z "${FSI_KERNEL_LOG:-}" ] || cp "$tmp/console" "$FSI_KERNEL_LOG"

rc=0
if ! grep -q '^D$' "$tmp/data"; then
    why="exit status $qrc"
    [ $qrc -eq 124 ] && why="timed out after ${FSI_KERNEL_TIMEOUT:-300} s"
    printf 'kstat: the kernel run did not finish (%s, %s s, accel %s)\n' "$why" "$secs" "$accel" >&2
    sed 's/^/kstat: qemu: /' "$tmp/qemu.out" >&2
    tail -n 20 "$tmp/console" | tr -d '\r' | sed 's/^/kstat: console: /' >&2
    rc=1
fi

# Split the data by job: raw.N (listing), fail.N, log.N (kernel), err.N.
awk -F '\t' -v d="$tmp" '
    $1 == "B" { n = $2; next }
    $1 == "E" { n = ""; next }
    $1 == "F" { n = $2; r = $0; sub(/^F\t[^\t]*\t/, "", r); print r > (d "/fail." n); next }
    $1 == "K" { if (n != "") print substr($0, 3) > (d "/log." n); next }
    $1 == "X" { m = substr($0, 3); if (n != "") print m > (d "/err." n); else print m > (d "/err.0"); next }
    $1 == "V" || $1 == "D" { next }
    n != "" { print > (d "/raw." n) }
' "$tmp/data"
[ ! -s "$tmp/err.0" ] || { sed 's/^/kstat: guest: /' "$tmp/err.0" >&2; rc=1; }

n=1
while [ $n -le $jobs ]; do
    IFS=$(printf '\t') read -r img view <"$tmp/job.$n"
    what="$img $view"
    if [ -f "$tmp/log.$n" ]; then
        grep -iE 'isofs|iso9660|udf|rock|joliet|vd[a-z]|error|fail' "$tmp/log.$n" |
            sed "s|^|kstat: $what: kernel: |" >&2
    fi
    if [ -f "$tmp/fail.$n" ]; then
        printf 'kstat: %s: %s\n' "$what" "$(cat "$tmp/fail.$n")" >&2
        rc=1
    elif grep -q "^B	$n\$" "$tmp/data"; then
        if ! grep -q "^E	$n\$" "$tmp/data"; then
            printf 'kstat: %s: the listing was cut short\n' "$what" >&2
            rc=1
        fi
        if [ -s "$tmp/err.$n" ]; then
            sed "s|^|kstat: $what: read error: |" "$tmp/err.$n" >&2
            rc=1
        fi
        : >>"$tmp/raw.$n"
        if [ -n "$outdir" ]; then
            awk -f "$here/format.awk" "$tmp/raw.$n" | LC_ALL=C sort >"$outdir/$n.lst"
        else
            awk -f "$here/format.awk" "$tmp/raw.$n" | LC_ALL=C sort
        fi
    else
        [ $rc -ne 0 ] || printf 'kstat: %s: no listing\n' "$what" >&2
        rc=1
    fi
    n=$((n + 1))
done
exit $rc
