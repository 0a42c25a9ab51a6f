/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cdframe.c - ECMA-130 / Red Book encoding of single CD sectors: MSF
 * addresses, mode 1 sectors (EDC and the P/Q parity of the RSPC code),
 * the Q sub-channel and the P-W sub-channel forms.
 *
 * The parity of a mode 1 sector (ECMA-130 annex A) works on the 2340
 * bytes after the sync field, taken as 1170 16-bit words whose high and
 * low bytes form two independent planes of a Reed-Solomon product code
 * over GF(2^8) (field polynomial x^8+x^4+x^3+x^2+1, alpha = 2):
 *  - P: the first 1032 words (header, user data, EDC, zeros) are 24 rows
 *    of 43; each column is a (26,24) code word, its two parity words
 *    forming rows 24 and 25 (bytes 2076-2247).
 *  - Q: the 1118 words then present (26 rows of 43) are read along 26
 *    diagonals of 43 words (word (43*d + 44*k) mod 1118); each is a (45,43)
 *    code word, its two parity words at bytes 2248-2299 and 2300-2351.
 * A code word V of length n satisfies sum V[k] = 0 and
 * sum alpha^(n-1-k) V[k] = 0, which gives the two parity symbols directly
 * (see parity2()).
 */
#include "cdframe.h"

#include <pthread.h>
#include <string.h>

/* ---- tables, built once ---------------------------------------------- */

static uint32_t edc_tab[256];   /* EDC register after shifting byte b out */
static uint8_t gf_div3[256];    /* x / (alpha + 1) in GF(2^8) */
static pthread_once_t tables_once = PTHREAD_ONCE_INIT;

/* x * alpha in GF(2^8) modulo x^8+x^4+x^3+x^2+1. */
static inline uint8_t gf_mul2(uint8_t x)
{
    return (uint8_t)((x << 1) ^ ((x & 0x80) ? 0x1d : 0));
}

static void build_tables(void)
{
    /* The EDC polynomial with bits reversed (x^0 in the top bit), for a
     * register shifted towards the least significant bit. */
    const uint32_t rpoly = 0xd8018001u;
    for (unsigned b = 0; b < 256; b++) {
        uint32_t r = b;
        for (int i = 0; i < 8; i++)
            r = (r >> 1) ^ ((r & 1) ? rpoly : 0);
        edc_tab[b] = r;
    }
    /* Division by 3 (= alpha + 1) as the inverse of multiplication by 3. */
    for (unsigned x = 0; x < 256; x++) {
        uint8_t y = (uint8_t)(gf_mul2((uint8_t)x) ^ x);
        gf_div3[y] = (uint8_t)x;
    }
}

static void tables(void)
{
    pthread_once(&tables_once, build_tables);
}

/* ---- addresses ------------------------------------------------------- */

uint8_t cd_bcd(unsigned v)
{
    return (uint8_t)(((v / 10) % 10) << 4 | v % 10);
}

void cd_lba_to_msf(int32_t lba, uint8_t *m, uint8_t *s, uint8_t *f)
{
    /* Below -150 the address wraps to the lead-in minutes 90..99. */
    int64_t t = lba >= -150 ? (int64_t)lba + 150 : (int64_t)lba + 450150;
    if (t < 0)
        t = 0;
    *m = (uint8_t)(t / 4500);
    *s = (uint8_t)(t / 75 % 60);
    *f = (uint8_t)(t % 75);
}

int32_t cd_msf_to_lba(unsigned m, unsigned s, unsigned f)
{
    int32_t t = (int32_t)(m * 4500 + s * 75 + f);
    return m < 90 ? t - 150 : t - 450150;
}

/* BCD MSF of lba into p[0..2]. */
static void put_msf(uint8_t *p, int32_t lba)
{
    uint8_t m, s, f;
    cd_lba_to_msf(lba, &m, &s, &f);
    p[0] = cd_bcd(m);
    p[1] = cd_bcd(s);
    p[2] = cd_bcd(f);
}

/* ---- EDC and parity -------------------------------------------------- */

uint32_t cd_edc(const uint8_t *p, size_t n)
{
    tables();
    uint32_t r = 0;
    for (size_t i = 0; i < n; i++)
        r = (r >> 8) ^ edc_tab[(r ^ p[i]) & 0xff];
    return r;
}

/* Parity symbols of a code word whose data symbols give s0 = sum d[k]
 * and h = sum alpha^(n-3-k) d[k] (Horner's rule over the data): with the
 * parity p0, p1 at weights alpha^1, alpha^0, p0 + p1 = s0 and
 * alpha*p0 + p1 = alpha^2*h, so p0 = (s0 + alpha^2*h) / (alpha + 1). */
static inline void parity2(uint8_t s0, uint8_t h, uint8_t *p0, uint8_t *p1)
{
    uint8_t a = gf_div3[s0 ^ gf_mul2(gf_mul2(h))];
    *p0 = a;
    *p1 = (uint8_t)(s0 ^ a);
}

#define RSPC_BASE 12              /* parity covers the sector from here */
#define P_PARITY 2076
#define Q_PARITY 2248

/* P parity of the 86 byte columns of sec, written to pout[0..171]. */
static void p_parity(const uint8_t *sec, uint8_t *pout)
{
    const uint8_t *b = sec + RSPC_BASE;
    for (int c = 0; c < 86; c++) {
        uint8_t s0 = 0, h = 0;
        for (int k = 0; k < 24; k++) {
            uint8_t d = b[c + 86 * k];
            s0 ^= d;
            h = (uint8_t)(gf_mul2(h) ^ d);
        }
        parity2(s0, h, &pout[c], &pout[86 + c]);
    }
}

/* Q parity of the 52 byte diagonals of sec (P parity in place), written
 * to qout[0..103]. */
static void q_parity(const uint8_t *sec, uint8_t *qout)
{
    const uint8_t *b = sec + RSPC_BASE;
    for (int d = 0; d < 26; d++) {
        for (int lo = 0; lo < 2; lo++) {
            uint8_t s0 = 0, h = 0;
            int w = 43 * d;
            for (int k = 0; k < 43; k++) {
                uint8_t v = b[2 * w + lo];
                s0 ^= v;
                h = (uint8_t)(gf_mul2(h) ^ v);
                w += 44;
                if (w >= 1118)
                    w -= 1118;
            }
            parity2(s0, h, &qout[2 * d + lo], &qout[52 + 2 * d + lo]);
        }
    }
}

static const uint8_t sync_field[12] = {0x00, 0xff, 0xff, 0xff, 0xff, 0xff,
                                       0xff, 0xff, 0xff, 0xff, 0xff, 0x00};

/* Everything but the user data, which is already at out + 16. */
static void mode1_finish(uint8_t *out, int32_t lba)
{
    tables();
    memcpy(out, sync_field, sizeof sync_field);
    put_msf(out + 12, lba);
    out[15] = 1;
    uint32_t edc = cd_edc(out, 2064);
    out[2064] = (uint8_t)edc;
    out[2065] = (uint8_t)(edc >> 8);
    out[2066] = (uint8_t)(edc >> 16);
    out[2067] = (uint8_t)(edc >> 24);
    memset(out + 2068, 0, 8);
    p_parity(out, out + P_PARITY);
    q_parity(out, out + Q_PARITY);
}

void cd_mode1_encode(uint8_t out[CD_FRAME_BYTES], const uint8_t data[CD_MODE1_DATA], int32_t lba)
{
    memmove(out + 16, data, CD_MODE1_DATA);
    mode1_finish(out, lba);
}

void cd_mode1_zero(uint8_t out[CD_FRAME_BYTES], int32_t lba)
{
    memset(out + 16, 0, CD_MODE1_DATA);
    mode1_finish(out, lba);
}

const char *cd_mode1_check(const uint8_t s[CD_FRAME_BYTES], int32_t lba)
{
    tables();
    uint8_t msf[3], par[172];
    if (memcmp(s, sync_field, sizeof sync_field) != 0)
        return "sync";
    put_msf(msf, lba);
    if (memcmp(s + 12, msf, 3) != 0)
        return "header address";
    if (s[15] != 1)
        return "mode";
    uint32_t edc = cd_edc(s, 2064);
    if (s[2064] != (uint8_t)edc || s[2065] != (uint8_t)(edc >> 8) ||
        s[2066] != (uint8_t)(edc >> 16) || s[2067] != (uint8_t)(edc >> 24))
        return "EDC";
    for (int i = 2068; i < 2076; i++)
        if (s[i] != 0)
            return "reserved bytes";
    p_parity(s, par);
    if (memcmp(par, s + P_PARITY, 172) != 0)
        return "P parity";
    q_parity(s, par);
    if (memcmp(par, s + Q_PARITY, 104) != 0)
        return "Q parity";
    return NULL;
}

/* ---- Q sub-channel --------------------------------------------------- */

uint16_t cd_crc16(const uint8_t *p, size_t n)
{
    /* Bit by bit: at most 16 bytes per sector or pack. */
    uint16_t r = 0;
    for (size_t i = 0; i < n; i++) {
        r ^= (uint16_t)(p[i] << 8);
        for (int b = 0; b < 8; b++)
            r = (uint16_t)((r & 0x8000) ? (r << 1) ^ 0x1021 : r << 1);
    }
    return r;
}

void cd_q_crc_set(uint8_t q[CD_Q_BYTES])
{
    uint16_t c = (uint16_t)~cd_crc16(q, 10);
    q[10] = (uint8_t)(c >> 8);
    q[11] = (uint8_t)c;
}

bool cd_q_crc_ok(const uint8_t q[CD_Q_BYTES])
{
    uint16_t c = (uint16_t)~cd_crc16(q, 10);
    return q[10] == (uint8_t)(c >> 8) && q[11] == (uint8_t)c;
}

void cd_q_position(uint8_t q[CD_Q_BYTES], uint8_t control, unsigned track, unsigned index,
                   int32_t rel, int32_t lba)
{
    /* In a pregap the count reaches 0 in its last sector (rel = -1). */
    uint32_t r = rel >= 0 ? (uint32_t)rel : (uint32_t)(-(int64_t)rel - 1);
    q[0] = (uint8_t)(control << 4 | 1);
    q[1] = track == CD_TRACK_LEADOUT ? CD_TRACK_LEADOUT : cd_bcd(track);
    q[2] = cd_bcd(index);
    q[3] = cd_bcd(r / 4500);
    q[4] = cd_bcd(r / 75 % 60);
    q[5] = cd_bcd(r % 75);
    q[6] = 0;
    put_msf(q + 7, lba);
    cd_q_crc_set(q);
}

/* AFRAME: the frame part of lba's absolute time. */
static uint8_t aframe(int32_t lba)
{
    uint8_t m, s, f;
    cd_lba_to_msf(lba, &m, &s, &f);
    return cd_bcd(f);
}

void cd_q_mcn(uint8_t q[CD_Q_BYTES], uint8_t control, const char mcn[13], int32_t lba)
{
    memset(q, 0, CD_Q_BYTES);
    q[0] = (uint8_t)(control << 4 | 2);
    for (int i = 0; i < 13; i++) {
        uint8_t d = (uint8_t)((unsigned)(mcn[i] - '0') <= 9 ? mcn[i] - '0' : 0);
        q[1 + i / 2] |= (uint8_t)(i % 2 ? d : d << 4);
    }
    q[9] = aframe(lba);
    cd_q_crc_set(q);
}

/* The 6-bit code of an ISRC letter or digit (0 for anything else). */
static uint8_t isrc_code(char c)
{
    if (c >= '0' && c <= '9')
        return (uint8_t)(c - '0');
    if (c >= 'a' && c <= 'z')
        c = (char)(c - 'a' + 'A');
    if (c >= 'A' && c <= 'Z')
        return (uint8_t)(c - 'A' + 17);
    return 0;
}

void cd_q_isrc(uint8_t q[CD_Q_BYTES], uint8_t control, const char isrc[12], int32_t lba)
{
    memset(q, 0, CD_Q_BYTES);
    q[0] = (uint8_t)(control << 4 | 3);
    /* Five 6-bit characters and two zero bits: 32 bits in bytes 1-4. */
    uint32_t v = 0;
    for (int i = 0; i < 5; i++)
        v = v << 6 | isrc_code(isrc[i]);
    v <<= 2;
    q[1] = (uint8_t)(v >> 24);
    q[2] = (uint8_t)(v >> 16);
    q[3] = (uint8_t)(v >> 8);
    q[4] = (uint8_t)v;
    for (int i = 0; i < 7; i++) {
        char c = isrc[5 + i];
        uint8_t d = (uint8_t)(c >= '0' && c <= '9' ? c - '0' : 0);
        q[5 + i / 2] |= (uint8_t)(i % 2 ? d : d << 4);
    }
    q[9] = aframe(lba);
    cd_q_crc_set(q);
}

void cd_q_toc(uint8_t q[CD_Q_BYTES], uint8_t control, uint8_t point, int32_t lba, unsigned pmin,
              unsigned psec, unsigned pframe)
{
    q[0] = (uint8_t)(control << 4 | 1);
    q[1] = 0;
    q[2] = point >= 0xA0 ? point : cd_bcd(point);
    put_msf(q + 3, lba);
    q[6] = 0;
    q[7] = cd_bcd(pmin);
    q[8] = point == CD_POINT_FIRST ? (uint8_t)psec : cd_bcd(psec);
    q[9] = cd_bcd(pframe);
    cd_q_crc_set(q);
}

/* ---- P-W ------------------------------------------------------------- */

void cd_pw_build(uint8_t out[CD_SUBCODE_BYTES], bool p, const uint8_t q[CD_Q_BYTES],
                 const uint8_t *rw)
{
    for (int i = 0; i < CD_SUBCODE_BYTES; i++) {
        uint8_t b = p ? 0x80 : 0;
        b |= (uint8_t)(((q[i / 8] >> (7 - i % 8)) & 1) << 6);
        if (rw)
            b |= rw[i] & 0x3f;
        out[i] = b;
    }
}

void cd_pw_q(uint8_t q[CD_Q_BYTES], const uint8_t pw[CD_SUBCODE_BYTES])
{
    memset(q, 0, CD_Q_BYTES);
    for (int i = 0; i < CD_SUBCODE_BYTES; i++)
        q[i / 8] |= (uint8_t)(((pw[i] >> 6) & 1) << (7 - i % 8));
}

void cd_pq16_build(uint8_t out[16], bool p, const uint8_t q[CD_Q_BYTES])
{
    memcpy(out, q, CD_Q_BYTES);
    out[12] = out[13] = out[14] = 0;
    out[15] = p ? 0x80 : 0;
}
