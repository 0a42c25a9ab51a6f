# lib.sh - small TAP helpers for the shell integration tests.
#
# Source it from a test (. "$(dirname "$0")/lib.sh"), then:
#   tap_plan N             print the plan "1..N"
#   tap_ok DESC            record a passing test
#   tap_fail DESC [TEXT]   record a failing test; TEXT (may span lines) is
#                          printed as "# " diagnostics
#   tap_check DESC CMD...  run CMD (output captured); ok if it exits 0,
#                          otherwise fail and show its exit status and output
#   tap_skip DESC REASON   record a skipped test
#   tap_skip_all N DESC REASON
#                          skip N tests (the whole plan) and exit
#   tap_done               exit 1 if any test failed or the count differs
#                          from the plan, else 0
#   efi_image SRC WORK OUT build tests/data/boot/efiapp.c (SRC) with gnu-efi
#                          into OUT, a 1.44 MB FAT image holding
#                          EFI/BOOT/BOOTX64.EFI; WORK for the objects and
#                          WORK/efi.err for what failed.  0 on success
#   wipe_eltorito IMG COPY copy IMG with its boot record (block 17) zeroed:
#                          firmware then finds no El Torito in COPY
#   tap_boot DESC IMG HOW SECS [MARKER]
#                          one test: qemu_boot, and on failure the end of
#                          the serial output
#   qemu_boot IMG HOW SECS [MARKER]
#                          boot IMG in QEMU (HOW: cdrom or disk under SeaBIOS,
#                          uefi-disk or uefi-cdrom under OVMF) until MARKER
#                          (default FSI-HYBRID-BOOTED) is on the serial
#                          port or SECS pass; 0 if it was seen.  Uses $tmp
#                          (serial.log, qemu.out, vars.fd) and sets QPID
#                          while QEMU runs (kill it in the test's trap)
# POSIX sh only.  Uses the variables TAP_N, TAP_FAILED and TAP_PLANNED.

TAP_N=0
TAP_FAILED=0
TAP_PLANNED=

tap_plan() {
    TAP_PLANNED=$1
    echo "1..$1"
}

# Print each line of $1 as a TAP diagnostic.
tap_diag() {
    printf '%s\n' "$1" | sed 's/^/# /'
}

tap_ok() {
    TAP_N=$((TAP_N + 1))
    echo "ok $TAP_N - $1"
}

tap_fail() {
    TAP_N=$((TAP_N + 1))
    TAP_FAILED=$((TAP_FAILED + 1))
    echo "not ok $TAP_N - $1"
    if [ $# -ge 2 ] && [ -n "$2" ]; then
        tap_diag "$2"
    fi
}

tap_skip() {
    TAP_N=$((TAP_N + 1))
    echo "ok $TAP_N - $1 # SKIP ${2:-}"
}

tap_check() {
    _tap_desc=$1
    shift
    _tap_out=$("$@" 2>&1)
    _tap_rc=$?
    if [ "$_tap_rc" -eq 0 ]; then
        tap_ok "$_tap_desc"
    else
        tap_fail "$_tap_desc" "command: $*
exit status: $_tap_rc
$_tap_out"
    fi
}

tap_done() {
    if [ -n "$TAP_PLANNED" ] && [ "$TAP_N" -ne "$TAP_PLANNED" ]; then
        tap_diag "planned $TAP_PLANNED tests but ran $TAP_N"
        exit 1
    fi
    if [ "$TAP_FAILED" -ne 0 ]; then
        tap_diag "$TAP_FAILED of $TAP_N tests failed"
        exit 1
    fi
    exit 0
}

tap_skip_all() {
    _i=0
    while [ $_i -lt "$1" ]; do
        tap_skip "$2" "$3"
        _i=$((_i + 1))
    done
    tap_done
    exit 0
}

wipe_eltorito() {
    cp "$1" "$2" && dd if=/dev/zero of="$2" bs=2048 seek=17 count=1 conv=notrunc 2>/dev/null
}

efi_image() {
    _src=$1 _w=$2 _out=$3
    [ -f /usr/lib/crt0-efi-x86_64.o ] && [ -f /usr/lib/elf_x86_64_efi.lds ] || {
        echo "gnu-efi is not installed" >"$_w/efi.err"
        return 1
    }
    ${CC:-cc} -I/usr/include/efi -I/usr/include/efi/x86_64 -fpic -ffreestanding \
        -fno-stack-protector -fno-stack-check -fshort-wchar -mno-red-zone \
        -maccumulate-outgoing-args -DEFI_FUNCTION_WRAPPER -O2 -c "$_src" \
        -o "$_w/efiapp.o" 2>"$_w/efi.err" &&
        ld -shared -Bsymbolic -nostdlib -znocombreloc -L/usr/lib -T/usr/lib/elf_x86_64_efi.lds \
            /usr/lib/crt0-efi-x86_64.o "$_w/efiapp.o" -o "$_w/efiapp.so" -lefi -lgnuefi \
            2>>"$_w/efi.err" &&
        objcopy -j .text -j .sdata -j .data -j .rodata -j .dynamic -j .dynsym -j .rel \
            -j .rela -j '.rel.*' -j '.rela.*' -j .reloc --target efi-app-x86_64 \
            --subsystem=10 "$_w/efiapp.so" "$_w/BOOTX64.EFI" 2>>"$_w/efi.err" &&
        mkfs.vfat -C -n FSIEFI "$_out" 2880 >/dev/null 2>>"$_w/efi.err" &&
        mmd -i "$_out" ::EFI ::EFI/BOOT 2>>"$_w/efi.err" &&
        mcopy -i "$_out" "$_w/BOOTX64.EFI" ::EFI/BOOT/BOOTX64.EFI 2>>"$_w/efi.err"
}

tap_boot() {
    _desc=$1
    shift
    if qemu_boot "$@"; then
        tap_ok "$_desc"
    else
        tap_fail "$_desc" "$(tr -d '\033' <"$tmp/serial.log" | tail -c 400)"
    fi
}

# Whether MARKER is in FILE, escape sequences and line breaks dropped.
qemu_seen() {
    tr -d '\r\n' <"$2" | sed 's/\x1b\[[0-9;?]*[A-Za-z]//g' | grep -aqF -- "$1"
}

qemu_boot() {
    : >"$tmp/serial.log"
    _mark=${4:-FSI-HYBRID-BOOTED}
    set -- "$1" "$2" "$3" -nographic -no-reboot -m "${QEMU_MEM:-256}" -nic none -monitor none -accel tcg \
        -serial "file:$tmp/serial.log"
    case $2 in
    cdrom) set -- "$@" -drive "file=$1,media=cdrom,readonly=on,format=raw" -boot d ;;
    disk) set -- "$@" -drive "file=$1,format=raw,if=ide,index=0,snapshot=on" -boot c ;;
    uefi-*)
        cp /usr/share/OVMF/OVMF_VARS_4M.fd "$tmp/vars.fd"
        set -- "$@" -machine q35 \
            -drive "if=pflash,format=raw,readonly=on,file=/usr/share/OVMF/OVMF_CODE_4M.fd" \
            -drive "if=pflash,format=raw,file=$tmp/vars.fd"
        if [ "$2" = uefi-cdrom ]; then
            set -- "$@" -drive "file=$1,format=raw,if=none,id=d0,media=cdrom,readonly=on" \
                -device ide-cd,drive=d0
        else
            set -- "$@" -drive "file=$1,format=raw,if=none,id=d0,snapshot=on" \
                -device ide-hd,drive=d0
        fi ;;
    esac
    _secs=$3
    shift 3
    qemu-system-x86_64 "$@" </dev/null >"$tmp/qemu.out" 2>&1 &
    QPID=$!
    _t=0
    while [ $_t -lt $((_secs * 10)) ]; do
        qemu_seen "$_mark" "$tmp/serial.log" && break
        kill -0 "$QPID" 2>/dev/null || break
        sleep 0.1
        _t=$((_t + 1))
    done
    kill "$QPID" 2>/dev/null
    wait "$QPID" 2>/dev/null
    QPID=
    qemu_seen "$_mark" "$tmp/serial.log"
}
