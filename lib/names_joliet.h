/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * names_joliet.h - Joliet identifiers for tree names.
 *
 * Rules (Microsoft's Joliet Specification, 1995, an ECMA-119 Supplementary
 * Volume Descriptor with UCS-2 escape sequences):
 *  - UCS-2, recorded big-endian; case kept.  Tree names are read as
 *    UTF-8; a byte that is not part of valid UTF-8 (a host name may hold
 *    any byte) is read as Latin-1, the code point U+0080..U+00FF of the
 *    same value (names.h, name_next).  Every code point is kept except
 *    those Joliet forbids - U+0000..U+001F, '*', '/', ':', ';', '?', '\' -,
 *    the other control characters (DEL, U+0080..U+009F) and those outside
 *    the BMP (UCS-2 has no surrogates): each of them becomes one '_'.
 *    A name made only of dots ("...") becomes all '_', since readers drop
 *    trailing dots and would show "." or "".
 *  - Files get the version ";1" (ECMA-119 7.5.1; libisofs does the same
 *    by default; Linux, libarchive, 7-Zip and xorriso drop it when they
 *    show the name).  No '.' is added to a name without one: libarchive shows
 *    "README.;1" as "README.", so "README" is written "README;1".
 *    Directories get no version.
 *  - Length: the Joliet spec lets the file name plus extension take 128
 *    bytes, 64 UCS-2 characters, separators not counted (libisofs quotes
 *    it so).  Files: name + extension <= 64 (the '.' between them and the
 *    ";1" come on top: at most 67 units); a file without extension and a
 *    directory: <= 64.  A too-long file name keeps its extension (the part
 *    after the last '.', if 1..16 characters) and loses the end of its
 *    name part.
 *  - Long names (fsi_image_set_joliet_long, genisoimage's and xorriso's
 *    -joliet-long): the whole identifier, '.' and ";1" included, takes at
 *    most 103 units (206 bytes), because libarchive reads no more than
 *    that before it drops the ";1": a directory <= 103 characters, a file
 *    without extension <= 101, name + extension <= 100.  The record is
 *    then at most 33 + 206 + 1 = 240 bytes.
 *  - Unique among siblings, as for ISO9660 (see names.h): clashes are
 *    compared as readers show names (";1" and trailing dots dropped), case
 *    sensitively, and resolved in byte order of the tree names with "~N"
 *    ('~' is allowed in Joliet): "name~1.txt;1".
 *
 * The order of records (joliet_name_cmp) is by UCS-2 code units, the name
 * without its ";1", the shorter first when one is a prefix of the other:
 * what libisofs (ucscmp) and genisoimage (joliet_compare_dirs) write and
 * thus what Joliet readers meet in practice.  Since every Joliet character
 * is >= U+0020, this order is also consistent with ECMA-119 6.9.1/9.3
 * padding with spaces for directory identifiers.
 */
#ifndef FSI_NAMES_JOLIET_H
#define FSI_NAMES_JOLIET_H

#include "names.h"

#define JOLIET_NAME_CHARS 64          /* name + extension, or a directory */
#define JOLIET_EXT_KEEP 16            /* longest extension kept on cutting */
#define JOLIET_LONG_UNITS 103         /* long names: the whole identifier */
/* The longest identifier either way: 64 + '.' + ";1" = 67, or 103. */
#define JOLIET_ID_MAX JOLIET_LONG_UNITS

/* One identifier: `len` UCS-2 code units in host order (the writer
 * records them big-endian, see joliet_name_be). */
struct joliet_name {
    uint8_t len;
    uint16_t ch[JOLIET_ID_MAX];
};

/* Joliet identifiers for all n children in[] of one directory, written to
 * out[0..n), with the long limits when long_names is set.  Returns
 * FSI_S_OK; IMAPI_E_NO_UNIQUE_NAME with *fail = the index of the child
 * that got no name (not reachable in practice: 64 characters leave room
 * for 10^9 numbers); FSI_E_OUTOFMEMORY.  Runs in O(n log n); it uses
 * about 300 bytes per child while it runs. */
fsi_hresult joliet_names_dir_ex(const struct name_in *in, size_t n, bool long_names,
                                struct joliet_name *out, size_t *fail);
/* joliet_names_dir_ex with the specification's limits (64 characters). */
fsi_hresult joliet_names_dir(const struct name_in *in, size_t n,
                             struct joliet_name *out, size_t *fail);

/* qsort-compatible order of Joliet directory records (see above). */
int joliet_name_cmp(const struct joliet_name *a, const struct joliet_name *b);
int joliet_name_qsort_cmp(const void *a, const void *b);

/* The identifier as recorded: 2 * a->len bytes, big-endian, into out. */
void joliet_name_be(const struct joliet_name *a, uint8_t *out);

/* Volume identifier for the Joliet SVD: the same character mapping, at
 * most 16 UCS-2 units (the field is 32 bytes).  *len is 0 for NULL or "". */
void joliet_volume_id(const char *utf8, uint16_t out[16], size_t *len);

#endif
