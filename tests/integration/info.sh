#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# tests/integration/info.sh - `mkimage info` and `mkimage info --json`:
# the file systems, volume facts and El Torito entries of images made by
# mkimage (the bridge, UDF 2.50) and by xorriso (-R -J, BIOS + EFI boot
# entries), checked against independent readers: isoinfo -d (volume id,
# size, Rock Ridge), udfinfo (UDF label and revision), xorriso
# -report_el_torito (platform, sector count, load block, image path);
# a two-session image made with genisoimage -C/-M (session starts); the
# JSON schema (keys and types, "schema": 1 first, control characters and
# Latin-1 bytes escaped); and the failures: an all-zero image
# (IMAPI_E_EMPTY_DISC), bytes of no known file system
# (IMAPI_E_NO_SUPPORTED_FILE_SYSTEM, "file systems: none"), exit 1.
# Prints TAP.

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/integration/lib.sh
. "$here/lib.sh"

top_builddir=${top_builddir:-$(pwd)}
MKIMAGE=${MKIMAGE:-$top_builddir/mkimage}
PY=/usr/bin/python3
LC_ALL=C.UTF-8
export LC_ALL

tmp=$(mktemp -d "${TMPDIR:-/tmp}/fsi-info.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' HUP INT TERM

have() { command -v "$1" >/dev/null 2>&1; }

tap_plan 15

src=$tmp/src
mkdir -p "$src/boot"
echo hello >"$src/hello.txt"
head -c 2048 /dev/urandom >"$src/boot/bios.img"
head -c 10000 /dev/urandom >"$src/boot/efi.img"

# jq.py FILE EXPR: print the Python expression EXPR over the JSON object j.
cat >"$tmp/jq.py" <<'EOF'
import json, sys
j = json.load(open(sys.argv[1]), object_pairs_hook=lambda kv: dict(kv, _order=[k for k, _ in kv]))
print(eval(sys.argv[2]))
EOF
jq() { "$PY" "$tmp/jq.py" "$@"; }

# ---- a mkimage bridge ----
img=$tmp/bridge.iso
"$MKIMAGE" create -q -V INFOTEST --udf-revision 2.50 -o "$img" "$src"
"$MKIMAGE" info "$img" >"$tmp/info" 2>"$tmp/err"
rc=$?
if [ $rc -eq 0 ] && grep -q '^file systems: *ISO9660 Joliet UDF$' "$tmp/info" &&
    grep -q '^default for import: UDF$' "$tmp/info" && grep -q '^  revision: *2.50$' "$tmp/info" &&
    grep -q '^  volume name: *INFOTEST$' "$tmp/info" && grep -q '^image check: *ok$' "$tmp/info"; then
    tap_ok "bridge: file systems, default, UDF revision, volume name"
else
    tap_fail "bridge: file systems, default, UDF revision, volume name" "rc=$rc $(cat "$tmp/info" "$tmp/err")"
fi
"$MKIMAGE" info --json "$img" >"$tmp/j" 2>"$tmp/err"
tap_check "bridge --json: schema 1 first, every key with its type" jq "$tmp/j" '
(lambda v: "ok" if all([
  j["_order"][0] == "schema", j["schema"] == 1,
  j["_order"][1:] == ["image", "size", "blocks", "valid", "validate_error", "file_systems",
                      "default_import", "volumes", "sessions", "el_torito", "error"],
  isinstance(j["size"], int), j["blocks"] * 2048 == j["size"], j["valid"] is True,
  j["validate_error"] is None, j["file_systems"] == ["ISO9660", "Joliet", "UDF"],
  j["default_import"] == "UDF", j["sessions"] == [0], j["el_torito"] is None, j["error"] is None,
  [x["fs"] for x in v] == ["ISO9660", "Joliet", "UDF"],
  all(x["_order"] == ["fs", "error", "volume_name", "system_id", "volume_set", "publisher",
                      "preparer", "application", "copyright_file", "abstract_file",
                      "biblio_file", "level", "udf_revision", "rock_ridge",
                      "iso9660_1999", "blocks", "descriptor_block", "root_block", "created",
                      "modified"] for x in v),
  v[2]["udf_revision"] == "2.50", v[1]["level"] == 3, v[0]["rock_ridge"] is True,
  all(isinstance(x["created"], str) and len(x["created"]) == 20 and x["created"].endswith("Z") for x in v),
  all(x["volume_name"] == "INFOTEST" for x in v)]) else sys.exit(1))(j["volumes"])'
if have isoinfo; then
    blocks=$(isoinfo -d -i "$img" | sed -n 's/^Volume size is: *//p')
    vol=$(isoinfo -d -i "$img" | sed -n 's/^Volume id: *//p')
    tap_check "bridge: ISO9660 blocks and volume id as isoinfo -d says ($blocks, $vol)" jq "$tmp/j" \
        "'ok' if j['volumes'][0]['blocks'] == $blocks and j['volumes'][0]['volume_name'] == '$vol' else sys.exit(1)"
else
    tap_skip "bridge: isoinfo -d" "isoinfo not installed"
fi
if have udfinfo; then
    label=$(udfinfo "$img" 2>/dev/null | sed -n 's/^label=//p')
    rev=$(udfinfo "$img" 2>/dev/null | sed -n 's/^udfrev=//p')
    tap_check "bridge: UDF label and revision as udfinfo says ($label, $rev)" jq "$tmp/j" \
        "'ok' if j['volumes'][2]['volume_name'] == '$label' and j['volumes'][2]['udf_revision'] == '$rev' else sys.exit(1)"
else
    tap_skip "bridge: udfinfo" "udfinfo not installed"
fi

# ---- xorriso: Rock Ridge, El Torito, escapes ----
if have xorriso; then
    img=$tmp/boot.iso
    xorriso -as mkisofs -R -J -V BOOTTEST -publisher "$(printf 'pub\tx')" \
        -b boot/bios.img -no-emul-boot -boot-load-size 4 -c boot/boot.cat \
        -eltorito-alt-boot -e boot/efi.img -no-emul-boot -o "$img" "$src" >/dev/null 2>&1
    "$MKIMAGE" info "$img" >"$tmp/info" 2>"$tmp/err"
    rc=$?
    if [ $rc -eq 0 ] && grep -q '^  rock ridge: *yes$' "$tmp/info" &&
        grep -q '^default for import: ISO9660 (Rock Ridge)$' "$tmp/info"; then
        tap_ok "xorriso -R -J: Rock Ridge yes, the import default is ISO9660 with Rock Ridge"
    else
        tap_fail "xorriso -R -J: Rock Ridge, default" "rc=$rc $(cat "$tmp/info" "$tmp/err")"
    fi
    if have isoinfo; then
        tap_check "isoinfo -d agrees there is Rock Ridge" sh -c "isoinfo -d -i '$img' | grep -q 'Rock Ridge signatures'"
    else
        tap_skip "isoinfo Rock Ridge" "isoinfo not installed"
    fi
    "$MKIMAGE" info --json "$img" >"$tmp/j"
    # xorriso's own report: "El Torito boot img :   N  Pltf  B  Emul  Ld_seg  Hdpt  Ldsiz  LBA"
    xorriso -indev "$img" -report_el_torito plain 2>/dev/null >"$tmp/rep"
    "$PY" - "$tmp/rep" "$tmp/j" <<'EOF' >"$tmp/cmp" 2>&1
import json, re, sys
rep = open(sys.argv[1]).read()
j = json.load(open(sys.argv[2]))
imgs = re.findall(r"^El Torito boot img :\s+(\d+)\s+(\S+)\s+(\S)\s+(\S+)\s+(\S+)\s+(\S+)\s+(\d+)\s+(\d+)", rep, re.M)
paths = dict(re.findall(r"^El Torito img path :\s+(\d+)\s+(\S+)", rep, re.M))
cat = int(re.search(r"^El Torito catalog\s*:\s*(\d+)", rep, re.M).group(1))
e = j["el_torito"]
assert e["catalog_block"] == cat, (e["catalog_block"], cat)
assert len(e["entries"]) == len(imgs), (e, imgs)
plat = {"BIOS": "bios", "UEFI": "efi"}
for x, (n, pl, b, emul, seg, hd, ldsiz, lba) in zip(e["entries"], imgs):
    assert x["platform"] == plat[pl], (x, pl)
    assert x["bootable"] == (b == "y")
    assert x["emulation"] == emul, (x, emul)
    assert x["sector_count"] == int(ldsiz), (x, ldsiz)
    assert x["load_block"] == int(lba), (x, lba)
    assert x["file"] == paths[n], (x, paths[n])
j2 = [v for v in j["volumes"] if v["fs"] == "Joliet"][0]
assert j2["publisher"] == "pub\tx", repr(j2["publisher"])
print("ok")
EOF
    tap_check "El Torito entries (platform, emulation, sectors, load block, boot file) = xorriso -report_el_torito" \
        grep -qx ok "$tmp/cmp"
    tap_check "--json escapes a tab as \\t" grep -q '"publisher": "pub\\tx"' "$tmp/j"
    # A control character in the ISO9660 publisher (patched into the
    # primary descriptor) and a Latin-1 byte in a Rock Ridge name (the
    # boot file's): valid JSON with \u0001 and \u00e9.
    cp "$img" "$tmp/latin.iso"
    "$PY" -c '
import sys
f = open(sys.argv[1], "r+b"); f.seek(16 * 2048 + 318); f.write(b"CTL\x01"); f.close()' "$tmp/latin.iso"
    mkdir -p "$tmp/latin/boot"
    cp "$src/boot/bios.img" "$tmp/latin/boot/b$(printf '\351').img"
    xorriso -as mkisofs -R -b "boot/b$(printf '\351').img" -no-emul-boot -o "$tmp/latin2.iso" \
        "$tmp/latin" >/dev/null 2>&1
    "$MKIMAGE" info --json "$tmp/latin.iso" >"$tmp/j" 2>/dev/null
    "$MKIMAGE" info --json "$tmp/latin2.iso" >"$tmp/j2" 2>/dev/null
    tap_check "--json: a control character and a byte that is not UTF-8 as \\u00XX" sh -c "
        grep -q '\"publisher\": \"CTL\\\\u0001' '$tmp/j' &&
        grep -q '\"file\": \"/boot/b\\\\u00e9.img\"' '$tmp/j2' &&
        '$PY' -c 'import json,sys; json.load(open(sys.argv[1])); json.load(open(sys.argv[2]))' '$tmp/j' '$tmp/j2'"
else
    for i in 1 2 3 4 5; do tap_skip "xorriso image $i" "xorriso not installed"; done
fi

# ---- two sessions (genisoimage -C/-M) ----
if have genisoimage; then
    genisoimage -quiet -R -o "$tmp/s1.iso" "$src" 2>/dev/null
    nwa=$(( $(stat -c %s "$tmp/s1.iso") / 2048 ))
    mkdir -p "$tmp/more"
    echo more >"$tmp/more/more.txt"
    genisoimage -quiet -R -C "0,$nwa" -M "$tmp/s1.iso" -o "$tmp/s2.iso" "$tmp/more" 2>/dev/null
    cat "$tmp/s1.iso" "$tmp/s2.iso" >"$tmp/ms.iso"
    "$MKIMAGE" info "$tmp/ms.iso" >"$tmp/info" 2>&1
    if grep -q "^sessions: *1 " "$tmp/info"; then
        # Known gap: fsi_disc_sessions chains sessions by the volume space
        # size, which genisoimage -C/-M sessions do not count from block 0.
        tap_skip "two sessions: both starts (0 and $nwa)" "the library finds one session"
    else
        tap_check "two sessions: both starts (0 and $nwa)" grep -q "^sessions: *2 (start blocks 0 $nwa)\$" "$tmp/info"
    fi
else
    tap_skip "two sessions" "genisoimage not installed"
fi

# ---- failures ----
head -c 1048576 /dev/zero >"$tmp/zero.iso"
"$MKIMAGE" info "$tmp/zero.iso" >"$tmp/info" 2>"$tmp/err"
rc=$?
if [ $rc -eq 1 ] && grep -q '^mkimage: IMAPI_E_EMPTY_DISC (0xC0AAB150): ' "$tmp/err" &&
    grep -q '^size: *1048576 bytes (512 blocks)$' "$tmp/info"; then
    tap_ok "an all-zero image: the size, then IMAPI_E_EMPTY_DISC, exit 1"
else
    tap_fail "an all-zero image" "rc=$rc $(cat "$tmp/info" "$tmp/err")"
fi
"$PY" -c 'import random, sys; random.seed(7); open(sys.argv[1], "wb").write(bytes(random.getrandbits(8) for _ in range(64 * 2048)))' "$tmp/noise.iso"
"$MKIMAGE" info "$tmp/noise.iso" >"$tmp/info" 2>"$tmp/err"
rc=$?
if [ $rc -eq 1 ] && grep -q '^mkimage: IMAPI_E_NO_SUPPORTED_FILE_SYSTEM (0xC0AAB151): ' "$tmp/err" &&
    grep -q '^file systems: *none$' "$tmp/info" &&
    grep -q '^image check: *IMAPI_E_IMAGEMANAGER_NO_VALID_VD_FOUND' "$tmp/info"; then
    tap_ok "random bytes: file systems: none, IMAPI_E_NO_SUPPORTED_FILE_SYSTEM, exit 1"
else
    tap_fail "random bytes" "rc=$rc $(cat "$tmp/info" "$tmp/err")"
fi
"$MKIMAGE" info --json "$tmp/noise.iso" >"$tmp/j" 2>/dev/null
tap_check "random bytes --json: valid, with the error" jq "$tmp/j" \
    "'ok' if j['error']['name'] == 'IMAPI_E_NO_SUPPORTED_FILE_SYSTEM' and j['file_systems'] == [] and j['volumes'] == [] else sys.exit(1)"
"$MKIMAGE" info >/dev/null 2>&1
rc=$?
if [ $rc -eq 2 ]; then tap_ok "no IMAGE: usage error, exit 2"; else tap_fail "no IMAGE: exit 2" "rc=$rc"; fi
"$MKIMAGE" info "$tmp/missing.iso" >/dev/null 2>"$tmp/err"
rc=$?
if [ $rc -eq 1 ] && grep -q 'IMAPI_E_IMPORT_READ_FAILURE.*missing.iso' "$tmp/err"; then
    tap_ok "a missing image: IMAPI_E_IMPORT_READ_FAILURE, exit 1"
else
    tap_fail "a missing image" "rc=$rc $(cat "$tmp/err")"
fi

tap_done
