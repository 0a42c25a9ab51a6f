/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * names_udf.h - UDF identifiers (OSTA CS0) for tree names.
 *
 * Rules (OSTA UDF 2.60 2.1.1, 2.3.4.6; ECMA-167 1/7.2.12):
 *  - OSTA Compressed Unicode: a compression ID byte, then the characters.
 *    ID 8: one byte a character (U+0000..U+00FF); ID 16: two bytes a
 *    character, big-endian (UCS-2).  We use 8 whenever every character of
 *    the identifier fits, else 16: the choice depends only on the
 *    characters, so two identifiers are equal as Unicode exactly when
 *    their bytes are equal (DCN-5049: FID names unique after uncompress).
 *  - Tree names are read as UTF-8; a byte that is not part of valid UTF-8
 *    (a host name may hold any byte) is read as Latin-1, the code point
 *    U+0080..U+00FF of the same value (names.h, name_next).  Control
 *    characters are kept: CS0 allows every code point.  Characters UCS-2
 *    cannot hold (outside the BMP) and the non-characters U+FFFE, U+FFFF
 *    and U+FEFF (a byte-order mark) each become one '_'.
 *  - A File Identifier is at most 255 bytes with its compression ID: 254
 *    characters in 8 bits, 127 in 16 bits.  A longer name keeps its
 *    extension (the part after the last '.', if 1..16 characters and the
 *    '.' is not the first character) and loses the end of its name part.
 *  - Names that need no change keep their exact identifiers.  Every
 *    changed name (characters replaced or read as Latin-1, or cut) then
 *    takes its changed form
 *    if that is still free in the directory, else the first free
 *    "base~N.ext" (N = 1, 2, ...; the base is cut further to make room).
 *    Changed names are resolved in the order given (byte order of the tree
 *    names), so the result does not depend on anything else.
 *    IMAPI_E_NO_UNIQUE_NAME when no N up to 10^9 is free (not reachable in
 *    practice).  Comparisons are exact (case-sensitive), as UDF's are.
 *
 * Everything here is pure: no I/O, no global state.
 */
#ifndef FSI_NAMES_UDF_H
#define FSI_NAMES_UDF_H

#include "names.h"

#define UDF_ID_MAX 255          /* bytes of a File Identifier, with its ID */
#define UDF_EXT_KEEP 16         /* longest extension kept when cutting */

/* Encode utf8[0..len) as an OSTA CS0 string into out (at most `max`
 * bytes, compression ID included), mapping characters as above and
 * cutting at the end when it does not fit (no extension kept).  Returns
 * the bytes written: 0 for an empty string or max < 2.  *changed (may be
 * NULL) is set when a character was replaced or the string cut. */
size_t udf_cs0_encode(const char *utf8, size_t len, uint8_t *out, size_t max,
                      bool *changed);

/* Identifiers of one directory, back to back. */
struct udf_idpool {
    uint8_t *b;
    size_t len, cap;
};

void udf_idpool_free(struct udf_idpool *p);

/* File Identifiers for the n children in[0..n) of one directory (in byte
 * order of their tree names): identifier i is pool->b[off[i] ..
 * off[i] + idlen[i]).  The pool is emptied first.  Returns FSI_S_OK;
 * IMAPI_E_NO_UNIQUE_NAME with *fail = the index of the child that got no
 * name; FSI_E_OUTOFMEMORY. */
fsi_hresult udf_names_dir(const struct name_in *in, size_t n, struct udf_idpool *pool,
                          size_t *off, uint8_t *idlen, size_t *fail);

#endif
