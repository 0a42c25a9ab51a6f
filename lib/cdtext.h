/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cdtext.h - CD-Text for the R-W sub-channel of the lead-in (MMC annex
 * "CD-TEXT", Sony's CD-Text specification): the pack sequence of one
 * language block and the R-W symbols of one lead-in sector.
 *
 * A pack is 18 bytes: pack type, track number, sequence number, block
 * number and character position (bits 6-4 block, 3-0 position), 12 text
 * bytes, CRC-16 (x^16+x^12+x^5+1, inverted, big-endian) over bytes 0-15.
 */
#ifndef FSI_CDTEXT_H
#define FSI_CDTEXT_H

#include "cdframe.h"

#define CDTEXT_PACK_BYTES 18
/* Sequence numbers of a block are one byte: 256 packs, 3 of which are the
 * size information, leave 253 for the text. */
#define CDTEXT_MAX_PACKS 256

struct cdtext_in {                 /* ISO-8859-1 strings, NULL = none; index 0 = the album, 1..n = tracks */
    unsigned first_track, last_track;
    const char *const *title;      /* array of last_track-first_track+2 entries */
    const char *const *performer;  /* same */
};

/* Builds the packs of one block (block 0, language English 0x09, character
 * code ISO-8859-1 0x00): TITLE (0x80) packs, then PERFORMER (0x81), then
 * the 3 size information packs (0x8F).  A type is written when one of its
 * strings is non-empty; then every entry is written (NULL as ""), each
 * with its NUL, running across packs, the last pack of a type padded with
 * zeros.  Returns the number of packs and sets *packs to a malloc'd array
 * of that many 18-byte packs (the caller frees it).  Returns 0 with
 * *packs = NULL when there is no text, when first_track/last_track are not
 * 1 <= first <= last <= 99, when the packs would pass CDTEXT_MAX_PACKS
 * (about 3000 bytes of text, NULs included), or when memory runs out. */
size_t cdtext_build(const struct cdtext_in *in, uint8_t **packs);
bool cdtext_pack_crc_ok(const uint8_t pack[CDTEXT_PACK_BYTES]);

/* R-W symbols of one lead-in sector in the "cooked" (de-interleaved, no
 * R-W parity) form of IMAPI_FORMAT2_RAW_CD_SUBCODE_IS_COOKED, as cdrecord
 * and cdrdao write it: packs k = 4*sector .. 4*sector+3 (mod npacks, so the
 * sequence repeats through the lead-in), each 18 bytes read as 24 six-bit
 * symbols, most significant bit first, in rw[24*j .. 24*j+23] (bits 5-0).
 * npacks 0 gives zeros.  Pass the result to cd_pw_build. */
void cdtext_rw(uint8_t rw[CD_SUBCODE_BYTES], const uint8_t *packs, size_t npacks, uint64_t sector);

#endif
