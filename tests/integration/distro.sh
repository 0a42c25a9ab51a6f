#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# tests/integration/distro.sh - a Debian-live-like image built with
# live-build's exact `xorriso -as mkisofs` command line: isolinux loading
# /install.amd/vmlinuz and initrd.gz (a Debian kernel and a busybox
# initramfs whose init prints a marker), GRUB for EFI in
# boot/grub/efi.img loading the same kernel, and a file over 4 GiB.  The
# image must boot to the kernel's marker in QEMU as a CD and as a hard
# disk under SeaBIOS and OVMF; fdisk and sgdisk must see a valid MBR and
# GPT with the EFI partition, isoinfo the identifiers, blkid the exact
# label and the partition's second superblock, 7-Zip the big file's size.
#
# The kernel and busybox come from Debian's archive (`apt-get download`
# of the packages linux-image-amd64 depends on and busybox-static, ~72 MB,
# cached in $FSI_TEST_CACHE, default ~/.cache/libfsi-test); without them
# the test skips.  TAP.
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/integration/lib.sh
. "$here/lib.sh"

top_builddir=${top_builddir:-$(pwd)}
MKIMAGE=${MKIMAGE:-$top_builddir/mkimage}
LC_ALL=C
export LC_ALL
SOURCE_DATE_EPOCH=1700000000
export SOURCE_DATE_EPOCH

PLAN=9
tap_plan $PLAN
have() { command -v "$1" >/dev/null 2>&1; }
skip_all() { tap_skip_all $PLAN "distribution image" "$1"; }
mbr=/usr/lib/ISOLINUX/isohdpfx.bin
isolinux=/usr/lib/ISOLINUX/isolinux.bin
ldlinux=/usr/lib/syslinux/modules/bios/ldlinux.c32
for f in $mbr $isolinux $ldlinux /usr/lib/grub/x86_64-efi/linux.mod \
    /usr/share/OVMF/OVMF_CODE_4M.fd; do
    [ -f "$f" ] || skip_all "$f missing (isolinux, syslinux-common, grub-efi-amd64-bin, ovmf)"
done
for t in isoinfo blkid sgdisk fdisk 7z cpio mkfs.vfat mmd mcopy grub-mkimage dpkg-deb \
    qemu-system-x86_64; do
    have "$t" || skip_all "$t is not installed"
done

# run-tests.sh's repeat runs (distcheck) set FSI_SKIP_SLOW.
[ -z "$FSI_SKIP_SLOW" ] || skip_all "FSI_SKIP_SLOW is set (a repeat run)"
cache=${FSI_TEST_CACHE:-${HOME:-/tmp}/.cache/libfsi-test}
mkdir -p "$cache" || skip_all "no cache directory $cache"
if ! ls "$cache"/linux-image-*.deb >/dev/null 2>&1; then
    kpkg=$(apt-cache depends linux-image-amd64 2>/dev/null |
        awk '/Depends: linux-image-[0-9]/ { print $2; exit }')
    [ -n "$kpkg" ] && (cd "$cache" && apt-get download "$kpkg") >/dev/null 2>&1
fi
if ! ls "$cache"/busybox-static_*.deb >/dev/null 2>&1; then
    (cd "$cache" && apt-get download busybox-static) >/dev/null 2>&1
fi
ls "$cache"/linux-image-*.deb "$cache"/busybox-static_*.deb >/dev/null 2>&1 ||
    skip_all "no Debian kernel or busybox-static package (apt-get download failed)"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/fsi-distro.XXXXXX") || exit 1
QPID=
trap '[ -n "$QPID" ] && kill "$QPID" 2>/dev/null; rm -rf "$tmp"' EXIT
trap 'exit 1' HUP INT TERM

# ---- the tree, as live-build lays it out ----
for d in "$cache"/linux-image-*.deb "$cache"/busybox-static_*.deb; do
    dpkg-deb -x "$d" "$tmp/root" || skip_all "dpkg-deb -x $d failed"
done
src=$tmp/binary
mkdir -p "$src/install.amd" "$src/isolinux" "$src/boot/grub" "$src/live" "$tmp/ir/bin" \
    "$tmp/ir/dev" "$tmp/ir/proc" || exit 1
cp "$tmp"/root/boot/vmlinuz-* "$src/install.amd/vmlinuz" || skip_all "no vmlinuz in the package"
cp "$tmp/root/bin/busybox" "$tmp/ir/bin/" || exit 1
cat >"$tmp/ir/init" <<'EOF'
#!/bin/busybox sh
/bin/busybox mount -t proc proc /proc
/bin/busybox echo "FSI-KERNEL-BOOTED $(/bin/busybox cat /proc/cmdline)"
/bin/busybox poweroff -f
EOF
chmod +x "$tmp/ir/init"
(cd "$tmp/ir" && find . | cpio -o -H newc 2>/dev/null | gzip -1) >"$src/install.amd/initrd.gz" ||
    exit 1
cp "$isolinux" "$ldlinux" "$src/isolinux/" || exit 1
printf 'SERIAL 0 115200\nDEFAULT live\nPROMPT 0\nLABEL live\n  KERNEL /install.amd/vmlinuz\n  APPEND initrd=/install.amd/initrd.gz console=ttyS0 quiet fsi=bios\n' \
    >"$src/isolinux/isolinux.cfg"
cat >"$src/boot/grub/grub.cfg" <<'EOF'
serial --unit=0 --speed=115200
terminal_output serial
set timeout=0
linux /install.amd/vmlinuz console=ttyS0 quiet fsi=efi
initrd /install.amd/initrd.gz
boot
EOF
# GRUB for EFI, finding the ISO9660 volume by a file of it (as Debian's).
printf 'search --no-floppy --file --set=root /install.amd/vmlinuz\nset prefix=($root)/boot/grub\nconfigfile $prefix/grub.cfg\n' \
    >"$tmp/early.cfg"
grub-mkimage -O x86_64-efi -o "$tmp/BOOTX64.EFI" -p /boot/grub -c "$tmp/early.cfg" \
    part_gpt part_msdos iso9660 fat search search_fs_file configfile normal linux echo serial \
    terminal test >"$tmp/grub.log" 2>&1 || skip_all "grub-mkimage failed: $(cat "$tmp/grub.log")"
mkfs.vfat -C -n EFIBOOT "$src/boot/grub/efi.img" 4096 >/dev/null 2>&1 &&
    mmd -i "$src/boot/grub/efi.img" ::EFI ::EFI/BOOT &&
    mcopy -i "$src/boot/grub/efi.img" "$tmp/BOOTX64.EFI" ::EFI/BOOT/BOOTX64.EFI ||
    skip_all "building efi.img failed"
printf 'live\n' >"$src/live/filesystem.packages"
truncate -s 4500M "$src/live/filesystem.squashfs"     # over 4 GiB (sparse)

# ---- live-build's command line (binary_iso, xorriso) ----
LB="-R -r -J -joliet-long -l -cache-inodes -iso-level 3 -A Debian_Live -p live-build_20230502
 -publisher Debian_Live_project -V Debian_12_live --modification-date=2023111110241100
 -isohybrid-mbr $mbr -partition_offset 16 -b isolinux/isolinux.bin -c isolinux/boot.cat
 -no-emul-boot -boot-load-size 4 -boot-info-table -eltorito-alt-boot -e boot/grub/efi.img
 -no-emul-boot -isohybrid-gpt-basdat -isohybrid-apm-hfsplus"
img=$tmp/live-image-amd64.hybrid.iso
# shellcheck disable=SC2086
out=$(cd "$tmp" && "$MKIMAGE" -as mkisofs $LB -o "$img" binary 2>&1)
rc=$?
if [ $rc = 0 ] && [ -s "$img" ]; then
    tap_ok "live-build's line builds ($(( $(stat -c %s "$img") >> 20 )) MiB)"
else
    tap_fail "live-build's line builds" "$rc: $out"
    skip_all "no image"
fi

# ---- what readers see ----
isz=$(stat -c %s "$img")
if sgdisk -v "$img" 2>&1 | grep -q 'No problems found' &&
    sgdisk -p "$img" 2>/dev/null | grep -qE '^ +1 .* EF00 ' &&
    fdisk -l "$img" 2>/dev/null | grep -q 'Disklabel type: gpt' &&
    fdisk -l "$img" 2>/dev/null | grep -q 'EFI System' &&
    sfdisk -d "$img" 2>/dev/null | grep -q "last-lba: $((isz / 512 - 34))"; then
    tap_ok "sgdisk -v and fdisk: a valid GPT with the EFI System Partition, ending with the image"
else
    tap_fail "sgdisk -v and fdisk: a valid GPT with the EFI System Partition, ending with the image" \
        "$(sgdisk -v "$img" 2>&1 | head -3; fdisk -l "$img" 2>&1 | tail -4)"
fi
ids=$(isoinfo -d -i "$img" 2>/dev/null)
case $ids in
*"Volume id: Debian_12_live"*"Publisher id: Debian_Live_project"*"Data preparer id: live-build_20230502"*"Application id: Debian_Live"*)
    tap_ok "isoinfo -d: volume, publisher, preparer and application ids" ;;
*) tap_fail "isoinfo -d: volume, publisher, preparer and application ids" "$ids" ;;
esac
if [ "$(blkid -s LABEL -o value "$img")" = Debian_12_live ] &&
    [ "$(blkid -s UUID -o value "$img")" = 2023-11-11-10-24-11-00 ] &&
    [ "$(blkid -p -O 32768 -s LABEL -o value "$img")" = Debian_12_live ]; then
    tap_ok "blkid: the exact label and UUID, on the disk and at the partition offset (second superblock)"
else
    tap_fail "blkid: the exact label and UUID, on the disk and at the partition offset (second superblock)" \
        "$(blkid "$img"; blkid -p -O 32768 "$img")"
fi
if 7z l "$img" live/filesystem.squashfs 2>/dev/null | grep -qE ' 4718592000 +[0-9]* +live/filesystem.squashfs'; then
    tap_ok "7-Zip: live/filesystem.squashfs has its 4718592000 bytes"
else
    tap_fail "7-Zip: live/filesystem.squashfs has its 4718592000 bytes" \
        "$(7z l "$img" live/filesystem.squashfs 2>&1 | tail -5)"
fi

# ---- booting to the kernel's marker ----
boot_to_kernel() {   # boot_to_kernel IMAGE HOW WHICH DESC
    if QEMU_MEM=512 qemu_boot "$1" "$2" 240 "FSI-KERNEL-BOOTED" &&
        qemu_seen "fsi=$3" "$tmp/serial.log"; then
        tap_ok "$4"
    else
        tap_fail "$4" "$(tr -d '\033' <"$tmp/serial.log" | tail -c 600)"
    fi
}
boot_to_kernel "$img" cdrom bios "SeaBIOS boots it as a CD: isolinux loads the kernel, init prints its marker"
boot_to_kernel "$img" disk bios "SeaBIOS boots it as a hard disk: the same through the isohybrid MBR"
boot_to_kernel "$img" uefi-cdrom efi "OVMF boots it as a CD: GRUB from efi.img loads the kernel"
# OVMF also finds El Torito on a disk: with the boot records' "EL TORITO"
# spoilt (the image's and the partition's; zeroing them would end the
# descriptor set for GRUB's iso9660 driver) only the GPT's EFI partition
# is left.
cp --sparse=always "$img" "$tmp/noet.iso" &&
    for b in 17 33; do
        printf X | dd of="$tmp/noet.iso" bs=1 seek=$((b * 2048 + 7)) conv=notrunc 2>/dev/null
    done
boot_to_kernel "$tmp/noet.iso" uefi-disk efi \
    "OVMF boots it as a hard disk (El Torito wiped): GRUB from the GPT's EFI partition"
tap_done
