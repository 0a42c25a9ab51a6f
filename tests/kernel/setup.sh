#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# tests/kernel/setup.sh - prepare the Linux-kernel reader of the tests
# (tests/kernel/kstat.sh): a Debian kernel and a small initramfs (static
# busybox, the isofs/udf/virtio modules and tests/kernel/init) in a cache
# directory, $FSI_KERNEL_CACHE (default /var/tmp/fsi-kernel).
#
# Everything comes from Debian packages:
#  - qemu-system-x86 is installed with apt-get if missing (as root);
#  - the kernel: an installed linux-image-VERSION package if its vmlinuz
#    and modules are there, else `apt-get download` of the package that
#    linux-image-amd64 depends on (~70 MB, once; only the files needed are
#    unpacked and the .deb is removed afterwards);
#  - busybox: `apt-get download busybox-static` (its cpio also packs the
#    initramfs, so the host needs no cpio).
# FSI_KERNEL_VERSION=6.1.0-57-amd64 picks a kernel version.
#
# Idempotent and quick once done: the kernel is fetched only when the cache
# has none, the initramfs is repacked only when tests/kernel/init changed.
# Concurrent runs wait for each other (flock).  Prints nothing on success
# unless -v; on failure says why on stderr and exits 1 (the tests skip).
set -u

here=$(cd "$(dirname "$0")" && pwd)
C=${FSI_KERNEL_CACHE:-/var/tmp/fsi-kernel}
verbose=no
[ "${1:-}" = -v ] && verbose=yes

say() { [ $verbose = no ] || printf 'setup.sh: %s\n' "$*" >&2; }
die() { printf 'setup.sh: %s\n' "$*" >&2; exit 1; }

# The modules the reader loads (their dependencies are added); built-in
# ones are skipped.
WANT_MODULES="virtio_pci virtio_blk isofs udf nls_utf8"

mkdir -p "$C" || die "cannot create the cache directory $C"

if command -v flock >/dev/null 2>&1; then
    exec 9>"$C/.lock" || die "cannot write $C/.lock"
    flock -w 900 9 || die "timed out waiting for another setup.sh ($C/.lock)"
fi

# ---- QEMU ---------------------------------------------------------------
if ! command -v qemu-system-x86_64 >/dev/null 2>&1; then
    if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
        say "installing qemu-system-x86"
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
            --no-install-recommends qemu-system-x86 >"$C/apt.log" 2>&1 ||
            { DEBIAN_FRONTEND=noninteractive apt-get update -q >>"$C/apt.log" 2>&1 &&
              DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
                  --no-install-recommends qemu-system-x86 >>"$C/apt.log" 2>&1; } ||
            die "apt-get install qemu-system-x86 failed (see $C/apt.log)"
    else
        die "qemu-system-x86_64 not found (apt-get install qemu-system-x86, as root)"
    fi
fi

# ---- downloads ----------------------------------------------------------
# fetch PKG: `apt-get download PKG` into $C/debs (one `apt-get update` and a
# retry if the package lists are missing or stale).  The .deb's name goes
# to stdout.
updated=no
fetch() {
    command -v apt-get >/dev/null 2>&1 || die "no apt-get: cannot download $1"
    mkdir -p "$C/debs"
    for _try in 1 2; do
        # As root apt drops to the _apt user, which may not write here.
        if (cd "$C/debs" && apt-get -q -o APT::Sandbox::User=root download "$1") \
            >"$C/apt.log" 2>&1; then
            _deb=$(find "$C/debs" -name "$1_*.deb" | sort | tail -n 1)
            [ -n "$_deb" ] && { printf '%s\n' "$_deb"; return 0; }
        fi
        { [ $updated = no ] && [ "$(id -u)" -eq 0 ]; } || break
        updated=yes
        say "apt-get update"
        apt-get update -q >>"$C/apt.log" 2>&1 || break
    done
    die "apt-get download $1 failed: $(tail -n 3 "$C/apt.log" | tr '\n' ' ')"
}

# ---- busybox --------------------------------------------------------------
if [ ! -x "$C/busybox" ]; then
    say "fetching busybox-static"
    deb=$(fetch busybox-static) || exit 1
    { rm -rf "$C/bb.tmp" && mkdir "$C/bb.tmp" &&
        dpkg-deb -x "$deb" "$C/bb.tmp" &&
        cp "$C/bb.tmp/bin/busybox" "$C/busybox.tmp" &&
        mv "$C/busybox.tmp" "$C/busybox"; } ||
        die "cannot unpack busybox from $deb"
    rm -rf "$C/bb.tmp" "$deb"
fi
BB=$C/busybox

# ---- kernel and modules ---------------------------------------------------
# $C/root is the initramfs tree without init: bin/busybox, lib/modules/*.ko
# and lib/modules/order (the load order).  $C/vmlinuz and $C/kernel-version
# go with it.  $C/root/.complete marks a finished tree.

# modname FILE: the module name of a .ko path (dashes count as underscores).
modname() { basename "$1" | sed 's/\.ko.*$//; s/-/_/g'; }

# depends KO: the modules KO needs (its .modinfo "depends=" field).
depends() { tr '\0' '\n' <"$1" | sed -n 's/^depends=//p' | tr ',' ' ' | tr '-' '_'; }

# Puts the module files of the kernel whose files are under $src (a
# directory holding lib/modules/$kver) or in the .deb $kdeb into
# $C/root.tmp/lib/modules, with their dependencies, and writes the order.
build_modules() {
    M=$C/root.tmp/lib/modules
    mkdir -p "$M"
    # name<TAB>path of every module of the kernel
    if [ -n "$kdeb" ]; then
        dpkg-deb --fsys-tarfile "$kdeb" | tar -t >"$C/all.list" || die "cannot list $kdeb"
        grep '\.ko\(\.xz\)\?$' "$C/all.list" >"$C/ko.list"
        tar_builtin=$(grep '/modules\.builtin$' "$C/all.list" | head -n 1)
        builtin=
        if [ -n "$tar_builtin" ]; then
            builtin=$(dpkg-deb --fsys-tarfile "$kdeb" | tar -xO "$tar_builtin")
        fi
    else
        (cd "$src" && find "lib/modules/$kver" -name '*.ko' -o -name '*.ko.xz') >"$C/ko.list"
        builtin=$(cat "$src/lib/modules/$kver/modules.builtin" 2>/dev/null)
    fi
    while IFS= read -r p; do
        printf '%s\t%s\n' "$(modname "$p")" "$p"
    done <"$C/ko.list" >"$C/ko.map"
    builtin=$(printf '%s\n' "$builtin" | while IFS= read -r p; do
        [ -n "$p" ] && modname "$p"; done)

    need=$WANT_MODULES
    done_=
    while :; do
        # the wanted modules not yet fetched (built-in ones need nothing)
        new=
        for m in $need; do
            case " $done_ $new " in *" $m "*) continue ;; esac
            printf '%s\n' "$builtin" | grep -qx "$m" && continue
            new="$new $m"
        done
        [ -n "$new" ] || break
        paths=
        for m in $new; do
            p=$(awk -F '\t' -v m="$m" '$1 == m { print $2; exit }' "$C/ko.map")
            [ -n "$p" ] || die "kernel $kver has no module $m"
            paths="$paths $p"
        done
        rm -rf "$C/x.tmp" && mkdir "$C/x.tmp" || exit 1
        if [ -n "$kdeb" ]; then
            # shellcheck disable=SC2086  # the paths are words (no blanks)
            dpkg-deb --fsys-tarfile "$kdeb" | tar -x -C "$C/x.tmp" $paths ||
                die "cannot unpack modules from $kdeb"
        fi
        for p in $paths; do
            m=$(modname "$p")
            f=$src/$p
            [ -n "$kdeb" ] && f=$C/x.tmp/$p
            case $p in
            *.xz) "$BB" unxz -c "$f" >"$M/$m.ko" ;;
            *) cp "$f" "$M/$m.ko" ;;
            esac || die "cannot copy module $p"
            done_="$done_ $m"
            need="$need $(depends "$M/$m.ko")"
        done
        rm -rf "$C/x.tmp"
    done

    # Load order: every module after the ones it depends on.
    order=
    visit() {
        case " $order " in *" $1 "*) return ;; esac
        [ -f "$M/$1.ko" ] || return 0       # built-in
        for _d in $(depends "$M/$1.ko"); do visit "$_d"; done
        order="$order $1"
    }
    for m in $WANT_MODULES; do visit "$m"; done
    # shellcheck disable=SC2086  # one name a line
    printf '%s\n' $order >"$M/order"
    rm -f "$C/all.list" "$C/ko.list" "$C/ko.map"
}

if [ ! -f "$C/root/.complete" ] || [ ! -f "$C/vmlinuz" ]; then
    kver=${FSI_KERNEL_VERSION:-}
    src='' kdeb=''
    # An installed kernel package whose files are all there needs no download.
    for v in ${kver:-$(dpkg-query -W -f '${Package} ${db:Status-Abbrev}\n' \
            'linux-image-[0-9]*' 2>/dev/null | awk '$2 ~ /^ii/ { sub(/^linux-image-/, "", $1); print $1 }')}; do
        if [ -r "/boot/vmlinuz-$v" ] && [ -d "/lib/modules/$v/kernel/fs" ]; then
            kver=$v src=/
            break
        fi
    done
    if [ -z "$src" ]; then
        if [ -z "$kver" ]; then
            kver=$(apt-cache depends linux-image-amd64 2>/dev/null |
                awk '/Depends: linux-image-[0-9]/ { sub(/^linux-image-/, "", $2); print $2; exit }')
            [ -n "$kver" ] || {
                [ "$(id -u)" -eq 0 ] && apt-get update -q >"$C/apt.log" 2>&1 && updated=yes
                kver=$(apt-cache depends linux-image-amd64 2>/dev/null |
                    awk '/Depends: linux-image-[0-9]/ { sub(/^linux-image-/, "", $2); print $2; exit }')
            }
            [ -n "$kver" ] || die "apt-cache knows no linux-image-amd64 (no Debian package lists?)"
        fi
        say "fetching linux-image-$kver"
        kdeb=$(fetch "linux-image-$kver") || exit 1
        src=$C/k.tmp
        rm -rf "$src" && mkdir -p "$src" || exit 1
        dpkg-deb --fsys-tarfile "$kdeb" | tar -x -C "$src" "./boot/vmlinuz-$kver" ||
            die "no boot/vmlinuz-$kver in $kdeb"
    fi
    say "kernel $kver from ${kdeb:-$src}"
    rm -rf "$C/root.tmp" && mkdir -p "$C/root.tmp/bin" || exit 1
    for d in dev proc sys mnt tmp; do mkdir -p "$C/root.tmp/$d"; done
    cp "$BB" "$C/root.tmp/bin/busybox" || exit 1
    build_modules
    cp "$src/boot/vmlinuz-$kver" "$C/vmlinuz.tmp" || die "cannot copy vmlinuz-$kver"
    printf '%s\n' "$kver" >"$C/kernel-version"
    : >"$C/root.tmp/.complete"
    rm -rf "$C/root" && mv "$C/root.tmp" "$C/root" && mv "$C/vmlinuz.tmp" "$C/vmlinuz" || exit 1
    rm -f "$C/initrd" "$C/initrd.sum" "$C/vmlinux" "$C/vmlinux.checked"
    [ -z "$kdeb" ] || rm -rf "$kdeb" "$C/k.tmp"
fi

# ---- initramfs ------------------------------------------------------------
# Repacked whenever init changes (a source tree and its distcheck copy
# share the cache; the checksum, not a date, decides).
sum=$(sha256sum "$here/init" | cut -d ' ' -f 1) || exit 1
if [ ! -f "$C/initrd" ] || [ "$(cat "$C/initrd.sum" 2>/dev/null)" != "$sum" ]; then
    say "packing the initramfs"
    cp "$here/init" "$C/root/init" && chmod 755 "$C/root/init" || exit 1
    (cd "$C/root" && find . ! -name .complete | "$BB" cpio -o -H newc -R 0:0) \
        >"$C/initrd.tmp" 2>"$C/cpio.log" || die "cpio failed: $(cat "$C/cpio.log")"
    mv "$C/initrd.tmp" "$C/initrd" && printf '%s\n' "$sum" >"$C/initrd.sum" || exit 1
fi
# ---- uncompressed kernel ----------------------------------------------------
# QEMU boots an ELF vmlinux directly (PVH entry) without the in-guest
# decompression, which takes an emulated CPU several seconds.  Debian's
# bzImage holds an xz stream; the result is kept only if it boots.
if [ ! -f "$C/vmlinux.checked" ]; then
    rm -f "$C/vmlinux"
    off=$(LC_ALL=C grep -obUaP '\xfd\x37\x7a\x58\x5a\x00' "$C/vmlinuz" 2>/dev/null |
        head -n 1 | cut -d : -f 1)
    if [ -n "$off" ] && command -v xz >/dev/null 2>&1 &&
        tail -c +$((off + 1)) "$C/vmlinuz" | xz -dc --single-stream >"$C/vmlinux.tmp" 2>/dev/null &&
        [ "$(head -c 4 "$C/vmlinux.tmp" | tr -d '\177')" = ELF ]; then
        say "trying a direct boot of the unpacked kernel"
        t0=$(date +%s)
        rm -f "$C/smoke.out"
        timeout -k 5 300 qemu-system-x86_64 -nodefaults -no-user-config -display none \
            -no-reboot -accel tcg -m 256 -smp 1 -kernel "$C/vmlinux.tmp" -initrd "$C/initrd" \
            -append "console=ttyS0 quiet panic=-1" -serial null -serial "file:$C/smoke.out" \
            </dev/null >/dev/null 2>&1
        if grep -q '^D$' "$C/smoke.out" 2>/dev/null; then
            mv "$C/vmlinux.tmp" "$C/vmlinux"
            say "direct boot works ($(($(date +%s) - t0)) s)"
        else
            say "direct boot failed: using vmlinuz"
        fi
    fi
    rm -f "$C/vmlinux.tmp" "$C/smoke.out"
    : >"$C/vmlinux.checked"
fi

say "ready: $C (kernel $(cat "$C/kernel-version"))"
exit 0
