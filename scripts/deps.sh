# scripts/deps.sh - shared by build-demo.sh and run-tests.sh (POSIX sh).
#
# Source it from the top of the source tree:   . ./scripts/deps.sh
#
#   fsi_install_pkgs [--optional] PKG...   install the Debian packages that
#                                          are missing (apt-get, as root)
#   fsi_build [CONFIGURE-ARGS...]          autoreconf if needed, configure if
#                                          needed, make -j$(nproc)
#
# Both return non-zero on failure instead of exiting, so that the caller
# decides (build-demo.sh stops, run-tests.sh counts a failure).

# What building libfsi needs on Debian 12.  xz-utils: `make dist` writes
# .tar.xz (dist-xz in configure.ac), which `make distcheck` needs.
# shellcheck disable=SC2034  # used by the scripts that source this file
FSI_BUILD_PKGS="build-essential autoconf automake libtool pkg-config libcmocka-dev xz-utils"

# The test-only packages: readers that integration tests compare against.
# Extend this list when a test needs another tool.
# The readers' tests also fill UDF volumes with udfclient
# (tests/integration/read_udf.sh) and fuzz with clang's libFuzzer
# (tests/integration/fuzz.sh).
# Raw CD images (tests/integration/rawcd.sh) are read back with cdrdao,
# bchunk and libcdio's cd-info, from WAV files sox makes.
# El Torito (tests/integration/eltorito.sh) boots images in QEMU: SeaBIOS
# and OVMF firmware, boot programs built with binutils and gnu-efi, a FAT
# image made with dosfstools and mtools.
# shellcheck disable=SC2034  # used by the scripts that source this file
FSI_TEST_PKGS="xorriso genisoimage libcdio-utils libiso9660-dev libudf-dev \
libcdio-dev libudfread-dev udftools 7zip p7zip-full libarchive-tools \
python3-pycdlib valgrind procps bsdutils \
qemu-system-x86 ovmf gnu-efi dosfstools mtools binutils time \
udfclient clang libclang-rt-14-dev isolinux syslinux-common fdisk gdisk \
debhelper lintian grub-pc-bin grub-efi-amd64-bin cpio \
cdrdao bchunk sox"

: "${FSI_PROG:=$(basename "$0")}"

fsi_say() { printf '%s: %s\n' "$FSI_PROG" "$*"; }
fsi_warn() { printf '%s: warning: %s\n' "$FSI_PROG" "$*" >&2; }
fsi_err() { printf '%s: error: %s\n' "$FSI_PROG" "$*" >&2; }

# fsi_pkg_installed PKG: true if dpkg has PKG fully installed.
fsi_pkg_installed() {
    case $(dpkg-query -W -f='${db:Status-Abbrev}' "$1" 2>/dev/null) in
    ii*) return 0 ;;
    esac
    return 1
}

# fsi_missing_pkgs PKG...: print the ones that are not installed.
fsi_missing_pkgs() {
    for _p in "$@"; do
        fsi_pkg_installed "$_p" || printf '%s ' "$_p"
    done
}

# fsi_install_pkgs [--optional] PKG...
# Installs what is missing with `apt-get install -y --no-install-recommends`
# (after one `apt-get update` per run).  Returns 0 when everything is
# installed.  With --optional a package that cannot be installed is only
# reported (the tests that need it fail or skip on their own).
fsi_install_pkgs() {
    _optional=no
    if [ "${1:-}" = --optional ]; then
        _optional=yes
        shift
    fi
    if ! command -v dpkg-query >/dev/null 2>&1; then
        fsi_warn "not a Debian system (no dpkg-query): cannot check packages;" \
            "make sure the equivalents of these are installed: $*"
        return 0
    fi
    _missing=$(fsi_missing_pkgs "$@")
    _missing=${_missing% }
    [ -n "$_missing" ] || return 0
    fsi_say "missing Debian packages: $_missing"

    _sudo=
    if [ "$(id -u)" -ne 0 ]; then
        if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
            _sudo=sudo
        else
            fsi_err "installing packages needs root; run this script as root, or first:"
            printf '    apt-get update && apt-get install -y --no-install-recommends %s\n' \
                "$_missing" >&2
            return 1
        fi
    fi

    if [ -z "${FSI_APT_UPDATED:-}" ]; then
        # A failed update is not fatal: the lists already there may do.
        $_sudo env DEBIAN_FRONTEND=noninteractive apt-get update -q ||
            fsi_warn "apt-get update failed; trying with the package lists there are"
        FSI_APT_UPDATED=1
    fi
    # shellcheck disable=SC2086  # word splitting of the list is wanted
    if ! $_sudo env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y -q --no-install-recommends $_missing; then
        # One bad name must not keep the others out: retry one by one.
        fsi_warn "apt-get install failed; retrying package by package"
        for _p in $_missing; do
            $_sudo env DEBIAN_FRONTEND=noninteractive \
                apt-get install -y -q --no-install-recommends "$_p" ||
                fsi_warn "could not install $_p"
        done
    fi

    _missing=$(fsi_missing_pkgs "$@")
    _missing=${_missing% }
    [ -n "$_missing" ] || return 0
    if [ $_optional = yes ]; then
        fsi_warn "still missing (tests that need them will fail or skip): $_missing"
    else
        fsi_err "still missing: $_missing"
    fi
    return 1
}

# fsi_build [CONFIGURE-ARGS...]: build in the current directory (the top of
# the source tree).  ./configure runs only when there is no Makefile yet;
# after that automake's own rules rerun what a change needs.
fsi_build() {
    _reconf=no
    if [ ! -x configure ] || [ -n "$(find configure.ac -newer configure)" ]; then
        _reconf=yes
    fi
    # automake does not install tap-driver.sh (the TAP test driver) by
    # itself: take it from the automake that is installed if the tree has
    # none.  It must be there before automake runs, which then puts it in
    # the distribution tarball.
    if [ ! -f build-aux/tap-driver.sh ]; then
        _am=$(automake --print-libdir 2>/dev/null) || _am=
        if [ -z "$_am" ] || [ ! -f "$_am/tap-driver.sh" ]; then
            fsi_err "build-aux/tap-driver.sh is missing and automake has none to copy"
            return 1
        fi
        mkdir -p build-aux && cp "$_am/tap-driver.sh" build-aux/tap-driver.sh &&
            chmod +x build-aux/tap-driver.sh || return 1
        _reconf=yes
    fi
    if [ $_reconf = yes ]; then
        fsi_say "autoreconf -fi"
        autoreconf -fi || return 1
    fi
    if [ ! -f Makefile ]; then
        fsi_say "./configure${*:+ $*}"
        ./configure "$@" || return 1
    fi
    _jobs=$(nproc 2>/dev/null || echo 2)
    fsi_say "make -j$_jobs"
    make -j"$_jobs" || return 1
}
