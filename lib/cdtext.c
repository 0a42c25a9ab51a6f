/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cdtext.c - CD-Text packs of one language block and their R-W symbols.
 *
 * Text of one pack type is a run of NUL-terminated strings (album first,
 * then each track) cut into 12-byte pieces.  Each pack names the track of
 * the string its first byte belongs to and how many characters of that
 * string came in earlier packs (capped at 15), so a reader can start at
 * any pack.
 */
#include "cdtext.h"

#include <stdlib.h>
#include <string.h>

#define CDTEXT_TITLE 0x80
#define CDTEXT_PERFORMER 0x81
#define CDTEXT_SIZE_INFO 0x8F
#define CDTEXT_LANG_ENGLISH 0x09
#define CDTEXT_CHARSET_8859_1 0x00

struct packer {
    uint8_t *buf;               /* CDTEXT_MAX_PACKS packs */
    size_t n;                   /* packs started */
    size_t fill;                /* text bytes used in the last pack */
    unsigned count[16];         /* packs of each type 0x80..0x8F */
    bool full;
};

static void pack_crc(uint8_t *p)
{
    uint16_t c = (uint16_t)~cd_crc16(p, 16);
    p[16] = (uint8_t)(c >> 8);
    p[17] = (uint8_t)c;
}

/* Starts a pack of type for the string of track whose chars characters
 * are already out. */
static uint8_t *new_pack(struct packer *pk, uint8_t type, unsigned track, size_t chars)
{
    if (pk->n == CDTEXT_MAX_PACKS) {
        pk->full = true;
        return NULL;
    }
    uint8_t *p = pk->buf + pk->n * CDTEXT_PACK_BYTES;
    memset(p, 0, CDTEXT_PACK_BYTES);
    p[0] = type;
    p[1] = (uint8_t)track;
    p[2] = (uint8_t)pk->n;      /* one block: the sequence number is the index */
    p[3] = (uint8_t)(chars > 15 ? 15 : chars);   /* block 0 in bits 6-4 */
    pk->n++;
    pk->fill = 0;
    pk->count[type & 0x0f]++;
    return p;
}

/* Appends len bytes of the string of track to the packs of type. */
static void put_text(struct packer *pk, uint8_t type, unsigned track, const uint8_t *s, size_t len,
                     bool continues)
{
    size_t done = 0;
    while (done < len && !pk->full) {
        if (!continues || pk->fill == 12) {
            if (!new_pack(pk, type, track, done))
                return;
            continues = true;
        }
        uint8_t *p = pk->buf + (pk->n - 1) * CDTEXT_PACK_BYTES;
        size_t k = 12 - pk->fill;
        if (k > len - done)
            k = len - done;
        memcpy(p + 4 + pk->fill, s + done, k);
        pk->fill += k;
        done += k;
    }
}

static bool any_text(const char *const *v, size_t n)
{
    if (!v)
        return false;
    for (size_t i = 0; i < n; i++)
        if (v[i] && v[i][0])
            return true;
    return false;
}

static void put_type(struct packer *pk, uint8_t type, const char *const *v, const struct cdtext_in *in)
{
    size_t n = in->last_track - in->first_track + 2;
    if (!any_text(v, n))
        return;
    for (size_t i = 0; i < n; i++) {
        const char *s = v[i] ? v[i] : "";
        unsigned track = i == 0 ? 0 : in->first_track + (unsigned)i - 1;
        /* The first string of a type starts a pack; later ones share. */
        put_text(pk, type, track, (const uint8_t *)s, strlen(s) + 1, i > 0);
    }
    pk->fill = 12;              /* the rest of the last pack stays zero */
}

size_t cdtext_build(const struct cdtext_in *in, uint8_t **packs)
{
    *packs = NULL;
    if (in->first_track < 1 || in->last_track > 99 || in->first_track > in->last_track)
        return 0;
    size_t n = in->last_track - in->first_track + 2;
    if (!any_text(in->title, n) && !any_text(in->performer, n))
        return 0;
    struct packer pk = {.buf = malloc(CDTEXT_MAX_PACKS * CDTEXT_PACK_BYTES)};
    if (!pk.buf)
        return 0;
    put_type(&pk, CDTEXT_TITLE, in->title, in);
    put_type(&pk, CDTEXT_PERFORMER, in->performer, in);
    if (pk.n + 3 > CDTEXT_MAX_PACKS)
        pk.full = true;
    if (pk.full) {
        free(pk.buf);
        return 0;
    }

    /* Size information: a 36-byte record over three packs whose track
     * bytes count 0, 1, 2. */
    uint8_t info[36] = {0};
    info[0] = CDTEXT_CHARSET_8859_1;
    info[1] = (uint8_t)in->first_track;
    info[2] = (uint8_t)in->last_track;
    info[3] = 0;                /* no copy protection of the text */
    for (int t = 0; t < 16; t++)
        info[4 + t] = (uint8_t)pk.count[t];
    info[4 + (CDTEXT_SIZE_INFO & 0x0f)] = 3;
    info[20] = (uint8_t)(pk.n + 2);   /* last sequence number of block 0 */
    info[28] = CDTEXT_LANG_ENGLISH;   /* language of block 0 */
    for (unsigned i = 0; i < 3; i++) {
        uint8_t *p = new_pack(&pk, CDTEXT_SIZE_INFO, i, 0);
        memcpy(p + 4, info + 12 * i, 12);
    }
    for (size_t i = 0; i < pk.n; i++)
        pack_crc(pk.buf + i * CDTEXT_PACK_BYTES);
    *packs = pk.buf;
    return pk.n;
}

bool cdtext_pack_crc_ok(const uint8_t pack[CDTEXT_PACK_BYTES])
{
    uint16_t c = (uint16_t)~cd_crc16(pack, 16);
    return pack[16] == (uint8_t)(c >> 8) && pack[17] == (uint8_t)c;
}

void cdtext_rw(uint8_t rw[CD_SUBCODE_BYTES], const uint8_t *packs, size_t npacks, uint64_t sector)
{
    if (npacks == 0) {
        memset(rw, 0, CD_SUBCODE_BYTES);
        return;
    }
    for (int j = 0; j < 4; j++) {
        const uint8_t *p = packs + ((sector * 4 + (uint64_t)j) % npacks) * CDTEXT_PACK_BYTES;
        uint8_t *o = rw + 24 * j;
        /* Every 3 bytes are 4 symbols of 6 bits. */
        for (int k = 0; k < 6; k++) {
            uint32_t v = (uint32_t)p[3 * k] << 16 | (uint32_t)p[3 * k + 1] << 8 | p[3 * k + 2];
            o[4 * k] = (uint8_t)(v >> 18 & 0x3f);
            o[4 * k + 1] = (uint8_t)(v >> 12 & 0x3f);
            o[4 * k + 2] = (uint8_t)(v >> 6 & 0x3f);
            o[4 * k + 3] = (uint8_t)(v & 0x3f);
        }
    }
}
