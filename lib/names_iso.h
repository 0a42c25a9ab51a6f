/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * names_iso.h - ISO9660 (ECMA-119) identifiers for tree names.
 *
 * Rules (ECMA-119 2nd edition; clause numbers below):
 *  - Characters: d-characters only, A-Z 0-9 _ (7.4.1).  Lower case is
 *    upper-cased; Latin-1 and Latin Extended-A letters lose their accents
 *    (e -> E for e-acute, ss -> SS, ae -> AE, oe -> OE, thorn -> TH, ij -> IJ);
 *    full-width Latin letters and digits become ASCII; anything else, spaces,
 *    punctuation and control characters included, becomes '_', one '_' per
 *    code point.  A byte that is not part of valid UTF-8 (a host name may
 *    hold any byte) is read as Latin-1 (names.h, name_next): "caf\xe9"
 *    gives "CAFE".
 *  - A file identifier is NAME '.' EXT ';1': SEPARATOR 1 is always there,
 *    even with no extension ("README.;1"), and the version is 1 (7.5.1,
 *    7.4.3).  The extension is what follows the last '.' of the tree name;
 *    other dots become '_'.  A leading dot (".bashrc") starts no extension:
 *    it becomes '_' ("_BASHRC.;1").
 *  - A directory identifier has no separator and no version (7.6.1); its
 *    dots become '_'.
 *  - Lengths: level 1: name <= 8, extension <= 3, directory <= 8 (10.1);
 *    levels 2 and 3: name + extension <= 30 (7.5.1), directory <= 31 (7.6.3).
 *    At levels 2/3 a too-long name keeps an extension of up to 8
 *    characters whole and loses the end of its name part; a longer
 *    extension keeps 8 characters, or what the name part leaves if more.
 *  - Unique among siblings (6.8.1, 9.3): names that clash (compared as
 *    readers show them, see names.h: a file "A.;1" clashes with a directory
 *    "A") are numbered in byte order of their tree names: the first keeps
 *    its name, the others end their name part in "_N" ("README_1.TXT;1").
 *    '_' rather than the '~' of FAT short names, because '~' is not a
 *    d-character.  Level 1 allows up to about 10^6 names of one shape
 *    before IMAPI_E_NO_UNIQUE_NAME.
 *
 * Everything is deterministic and does not depend on the input order.
 */
#ifndef FSI_NAMES_ISO_H
#define FSI_NAMES_ISO_H

#include "names.h"

#define ISO_NAME_MAX 37   /* longest identifier we make is 33: 30 + ".;1" */

/* One identifier, ready for a directory record: `len` bytes of `id`
 * (not NUL-terminated).  Files: "NAME.EXT;1"; directories: "NAME". */
struct iso_name {
    uint8_t len;
    char id[ISO_NAME_MAX];
};

/* ISO9660 identifiers for all n children in[] of one directory at
 * interchange `level` (1, 2 or 3), written to out[0..n).  Returns FSI_S_OK;
 * IMAPI_E_NO_UNIQUE_NAME with *fail = the index of the child that got no
 * name; FSI_E_INVALIDARG for a bad level; FSI_E_OUTOFMEMORY.  Runs in
 * O(n log n); it uses about 150 bytes per child while it runs. */
fsi_hresult iso_names_dir(const struct name_in *in, size_t n, int level,
                          struct iso_name *out, size_t *fail);

/* qsort-compatible order of directory records, ECMA-119 9.3: by file name
 * (the shorter padded with spaces, 0x20), then by extension (padded the
 * same way), then by version number descending (the shorter padded on the
 * left with '0').  A directory identifier counts as a name with no
 * extension and no version.  Path table records (6.9.1) order directory
 * identifiers the same way. */
int iso_name_cmp(const struct iso_name *a, const struct iso_name *b);
int iso_name_qsort_cmp(const void *a, const void *b);

/* Volume identifier for the Primary Volume Descriptor (8.4.6:
 * d-characters): the same mapping as names, dots included, cut to 32
 * bytes.  *len is 0 for NULL or "" (the writer pads with spaces). */
void iso_volume_id(const char *utf8, char out[32], size_t *len);

#endif
