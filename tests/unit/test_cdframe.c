/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test_cdframe.c - the raw CD encoding layer (lib/cdframe.c, lib/cdtext.c):
 * MSF/LBA corners, EDC and RSPC parity of mode 1 sectors against values
 * from an independent encoder, the checker's fault reports, Q sub-channel
 * frames against real lead-in frames published with cdrecord, MCN/ISRC
 * packing, the P-W interleave, CD-Text packs against Sony's published
 * size-information packs, and the limits.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "cdframe.h"
#include "cdtext.h"

/* ---- addresses ------------------------------------------------------ */

static void test_msf_corners(void **state)
{
    (void)state;
    static const struct { unsigned m, s, f; int32_t lba; } v[] = {
        {0, 2, 0, 0},         {0, 0, 0, -150},      {0, 1, 74, -1},
        {95, 0, 0, -22650},   {89, 59, 74, 404849}, {99, 59, 74, -151},
        {90, 0, 0, -45150},   {79, 59, 74, 359849}, {1, 0, 0, 4350},
    };
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        assert_int_equal(cd_msf_to_lba(v[i].m, v[i].s, v[i].f), v[i].lba);
        uint8_t m, s, f;
        cd_lba_to_msf(v[i].lba, &m, &s, &f);
        assert_int_equal(m, v[i].m);
        assert_int_equal(s, v[i].s);
        assert_int_equal(f, v[i].f);
    }
}

static void test_msf_round_trip(void **state)
{
    (void)state;
    for (int32_t lba = -45150; lba <= 404849; lba += 7) {
        uint8_t m, s, f;
        cd_lba_to_msf(lba, &m, &s, &f);
        assert_true(m <= 99 && s <= 59 && f <= 74);
        assert_int_equal(cd_msf_to_lba(m, s, f), lba);
    }
}

static void test_bcd(void **state)
{
    (void)state;
    assert_int_equal(cd_bcd(0), 0x00);
    assert_int_equal(cd_bcd(9), 0x09);
    assert_int_equal(cd_bcd(10), 0x10);
    assert_int_equal(cd_bcd(59), 0x59);
    assert_int_equal(cd_bcd(99), 0x99);
}

/* ---- EDC and mode 1 ------------------------------------------------- */

static void test_edc_check_value(void **state)
{
    (void)state;
    /* The catalogued check value of CRC-32/CD-ROM-EDC (poly 0x8001801b,
     * reflected, init 0, no final xor) over "123456789". */
    assert_int_equal(cd_edc((const uint8_t *)"123456789", 9), 0x6ec2edc4u);
    assert_int_equal(cd_edc((const uint8_t *)"", 0), 0);
    /* CRC-16/XMODEM's check value: the Q and CD-Text CRC before inversion. */
    assert_int_equal(cd_crc16((const uint8_t *)"123456789", 9), 0x31c3);
}

static uint64_t fnv1a(const uint8_t *p, size_t n)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 0x100000001b3ull;
    }
    return h;
}

static void fill_ramp(uint8_t *d)
{
    for (int i = 0; i < 2048; i++)
        d[i] = (uint8_t)(i * 7 + 3);
}

/* Whole sectors as cdrdao's trackdb/lec.cc (an independent EDC/ECC
 * encoder, built separately) writes them: the FNV-1a hash of all 2352
 * bytes, plus a few bytes in the clear to make a failure readable. */
static void test_mode1_known_sectors(void **state)
{
    (void)state;
    static const struct {
        int32_t lba;
        bool ramp;
        uint64_t fnv;
        uint8_t edc[4], p0[4], p171, q0[4], q103;
    } v[] = {
        {0, false, 0xc9ab16d717b7a353ull, {0xc5, 0x13, 0x68, 0x2b}, {0x00, 0xf7, 0x00, 0xf5}, 0x00,
         {0x00, 0x41, 0x00, 0x00}, 0x12},
        {-150, false, 0x0e55328a67182637ull, {0x0e, 0x11, 0x83, 0x38}, {0x00, 0x00, 0x00, 0xf5}, 0x00,
         {0x00, 0x00, 0x00, 0x00}, 0xd8},
        {-1, false, 0x8f845bc27318bd9bull, {0x7f, 0x09, 0x04, 0x60}, {0x00, 0xf5, 0x58, 0xf5}, 0x00,
         {0x00, 0xae, 0x00, 0x00}, 0xbd},
        {16, true, 0x7e391e5dd286d603ull, {0x4c, 0xf0, 0x86, 0x1c}, {0x29, 0x63, 0x01, 0x53}, 0x1f,
         {0xda, 0xa8, 0x55, 0x33}, 0xd1},
        {404849, true, 0xc34740c074820f4bull, {0x26, 0xba, 0xf7, 0x16}, {0x2c, 0xfa, 0xb6, 0x53}, 0x1f,
         {0xe0, 0xa4, 0x55, 0x33}, 0x17},
    };
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        uint8_t s[CD_FRAME_BYTES], data[2048];
        memset(data, 0, sizeof data);
        if (v[i].ramp) {
            fill_ramp(data);
            cd_mode1_encode(s, data, v[i].lba);
        } else {
            memset(s, 0x5a, sizeof s);          /* nothing may survive */
            cd_mode1_zero(s, v[i].lba);
        }
        assert_memory_equal(s + 2064, v[i].edc, 4);
        assert_memory_equal(s + 2076, v[i].p0, 4);
        assert_int_equal(s[2247], v[i].p171);
        assert_memory_equal(s + 2248, v[i].q0, 4);
        assert_int_equal(s[2351], v[i].q103);
        assert_true(fnv1a(s, sizeof s) == v[i].fnv);
        assert_null(cd_mode1_check(s, v[i].lba));
    }
}

static void test_mode1_layout(void **state)
{
    (void)state;
    uint8_t s[CD_FRAME_BYTES], data[2048];
    fill_ramp(data);
    cd_mode1_encode(s, data, cd_msf_to_lba(12, 34, 56));
    static const uint8_t head[16] = {0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                     0xff, 0xff, 0xff, 0x00, 0x12, 0x34, 0x56, 0x01};
    assert_memory_equal(s, head, 16);
    assert_memory_equal(s + 16, data, 2048);
    uint32_t e = cd_edc(s, 2064);
    assert_int_equal(s[2064] | s[2065] << 8 | s[2066] << 16 | (uint32_t)s[2067] << 24, e);
    for (int i = 2068; i < 2076; i++)
        assert_int_equal(s[i], 0);
    /* Lead-in addresses go into the header as 9x minutes. */
    cd_mode1_zero(s, -22650);
    assert_int_equal(s[12], 0x95);
    assert_int_equal(s[13], 0x00);
    assert_int_equal(s[14], 0x00);
}

static void test_mode1_in_place(void **state)
{
    (void)state;
    uint8_t a[CD_FRAME_BYTES], b[CD_FRAME_BYTES], data[2048];
    fill_ramp(data);
    cd_mode1_encode(a, data, 1234);
    memset(b, 0xee, sizeof b);
    memcpy(b + 16, data, 2048);
    cd_mode1_encode(b, b + 16, 1234);
    assert_memory_equal(a, b, sizeof a);
}

/* Each kind of damage is named by cd_mode1_check. */
static void test_mode1_check_faults(void **state)
{
    (void)state;
    uint8_t good[CD_FRAME_BYTES], s[CD_FRAME_BYTES], data[2048];
    fill_ramp(data);
    cd_mode1_encode(good, data, 777);
    static const struct { size_t off; const char *fault; } v[] = {
        {0, "sync"},       {5, "sync"},   {11, "sync"},   {12, "header address"},
        {14, "header address"}, {15, "mode"}, {16, "EDC"}, {2063, "EDC"},
        {2064, "EDC"},     {2067, "EDC"}, {2068, "reserved bytes"}, {2075, "reserved bytes"},
        {2076, "P parity"}, {2247, "P parity"}, {2248, "Q parity"}, {2351, "Q parity"},
    };
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        memcpy(s, good, sizeof s);
        s[v[i].off] ^= 0x01;
        const char *f = cd_mode1_check(s, 777);
        assert_non_null(f);
        assert_string_equal(f, v[i].fault);
    }
    assert_string_equal(cd_mode1_check(good, 778), "header address");
    assert_null(cd_mode1_check(good, 777));
}

/* ---- Q sub-channel -------------------------------------------------- */

/* Lead-in frames of a real disc, quoted in cdrecord's subchan.c (TEST_CRC):
 * control 0, ADR 1, TNO 0, POINT, running time, ZERO, PMIN/PSEC/PFRAME,
 * CRC. */
static const uint8_t real_toc[][12] = {
    {0x01, 0x00, 0xA0, 0x98, 0x06, 0x12, 0x00, 0x01, 0x00, 0x00, 0xE3, 0x74},
    {0x01, 0x00, 0xA0, 0x98, 0x06, 0x13, 0x00, 0x01, 0x00, 0x00, 0x49, 0x25},
    {0x01, 0x00, 0xA1, 0x98, 0x06, 0x14, 0x00, 0x13, 0x00, 0x00, 0x44, 0x21},
    {0x01, 0x00, 0xA1, 0x98, 0x06, 0x15, 0x00, 0x13, 0x00, 0x00, 0xEE, 0x70},
    {0x01, 0x00, 0xA1, 0x98, 0x06, 0x16, 0x00, 0x13, 0x00, 0x00, 0x00, 0xA2},
    {0x01, 0x00, 0xA2, 0x98, 0x06, 0x17, 0x00, 0x70, 0x40, 0x73, 0xE3, 0x85},
    {0x01, 0x00, 0xA2, 0x98, 0x06, 0x18, 0x00, 0x70, 0x40, 0x73, 0x86, 0x7C},
    {0x01, 0x00, 0xA2, 0x98, 0x06, 0x19, 0x00, 0x70, 0x40, 0x73, 0x2C, 0x2D},
    {0x01, 0x00, 0x01, 0x98, 0x06, 0x20, 0x00, 0x00, 0x02, 0x00, 0x3B, 0x71},
    {0x01, 0x00, 0x01, 0x98, 0x06, 0x21, 0x00, 0x00, 0x02, 0x00, 0x91, 0x20},
    {0x01, 0x00, 0x01, 0x98, 0x06, 0x22, 0x00, 0x00, 0x02, 0x00, 0x7F, 0xF2},
    {0x01, 0x00, 0x02, 0x98, 0x06, 0x23, 0x00, 0x03, 0x48, 0x45, 0xBE, 0xE0},
    {0x01, 0x00, 0x02, 0x98, 0x06, 0x24, 0x00, 0x03, 0x48, 0x45, 0xD9, 0x34},
};

static unsigned unbcd(uint8_t b)
{
    return (b >> 4) * 10 + (b & 15);
}

static void test_q_crc_real_frames(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof real_toc / sizeof real_toc[0]; i++) {
        uint8_t q[12];
        memcpy(q, real_toc[i], 12);
        assert_true(cd_q_crc_ok(q));
        q[10] = q[11] = 0;
        cd_q_crc_set(q);
        assert_memory_equal(q, real_toc[i], 12);
        for (int bit = 0; bit < 96; bit += 5) {
            memcpy(q, real_toc[i], 12);
            q[bit / 8] ^= (uint8_t)(0x80 >> (bit % 8));
            assert_false(cd_q_crc_ok(q));
        }
    }
}

static void test_q_toc_real_frames(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof real_toc / sizeof real_toc[0]; i++) {
        const uint8_t *r = real_toc[i];
        int32_t lba = cd_msf_to_lba(unbcd(r[3]), unbcd(r[4]), unbcd(r[5]));
        uint8_t point = r[2] >= 0xA0 ? r[2] : (uint8_t)unbcd(r[2]);
        unsigned psec = r[2] == 0xA0 ? r[8] : unbcd(r[8]);
        uint8_t q[12];
        cd_q_toc(q, 0, point, lba, unbcd(r[7]), psec, unbcd(r[9]));
        assert_memory_equal(q, r, 12);
    }
    /* A0's PSEC is the disc type, raw; a data first track sets control 4. */
    uint8_t q[12];
    cd_q_toc(q, CD_CTL_DATA, CD_POINT_FIRST, -3000, 1, 0x20, 0);
    assert_int_equal(q[0], 0x41);
    assert_int_equal(q[2], 0xA0);
    assert_int_equal(q[7], 0x01);
    assert_int_equal(q[8], 0x20);
    assert_int_equal(q[3], 0x99);      /* -3000 = 99:22:00 */
    assert_int_equal(q[4], 0x22);
    assert_int_equal(q[5], 0x00);
    cd_q_toc(q, 0, 12, -3000, 41, 20, 59);
    assert_int_equal(q[2], 0x12);
    assert_int_equal(q[7], 0x41);
    assert_int_equal(q[8], 0x20);
    assert_int_equal(q[9], 0x59);
    assert_true(cd_q_crc_ok(q));
}

static void test_q_position(void **state)
{
    (void)state;
    uint8_t q[12];
    /* Track 3 index 1, 1:02:03 into the track, at 12:34:56. */
    int32_t lba = cd_msf_to_lba(12, 34, 56);
    cd_q_position(q, CD_CTL_COPY, 3, 1, 1 * 4500 + 2 * 75 + 3, lba);
    static const uint8_t want[10] = {0x21, 0x03, 0x01, 0x01, 0x02, 0x03, 0x00, 0x12, 0x34, 0x56};
    assert_memory_equal(q, want, 10);
    assert_true(cd_q_crc_ok(q));

    /* A 150-sector pregap counts 00:01:74 down to 00:00:00 in its last
     * sector; index 1 starts again at 00:00:00. */
    cd_q_position(q, CD_CTL_DATA, 1, 0, -150, -150);
    static const uint8_t first[10] = {0x41, 0x01, 0x00, 0x00, 0x01, 0x74, 0x00, 0x00, 0x00, 0x00};
    assert_memory_equal(q, first, 10);
    cd_q_position(q, CD_CTL_DATA, 1, 0, -1, -1);
    static const uint8_t last[10] = {0x41, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x74};
    assert_memory_equal(q, last, 10);
    cd_q_position(q, CD_CTL_DATA, 1, 1, 0, 0);
    static const uint8_t start[10] = {0x41, 0x01, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00};
    assert_memory_equal(q, start, 10);

    /* The lead-out keeps TNO AA raw. */
    cd_q_position(q, 0, CD_TRACK_LEADOUT, 1, 75, cd_msf_to_lba(70, 40, 73));
    static const uint8_t lo[10] = {0x01, 0xAA, 0x01, 0x00, 0x01, 0x00, 0x00, 0x70, 0x40, 0x73};
    assert_memory_equal(q, lo, 10);
    assert_true(cd_q_crc_ok(q));
}

static void test_q_mcn(void **state)
{
    (void)state;
    uint8_t q[12];
    cd_q_mcn(q, 0, "0123456789012", cd_msf_to_lba(0, 2, 37));
    static const uint8_t want[10] = {0x02, 0x01, 0x23, 0x45, 0x67, 0x89, 0x01, 0x20, 0x00, 0x37};
    assert_memory_equal(q, want, 10);
    assert_true(cd_q_crc_ok(q));
    cd_q_mcn(q, CD_CTL_DATA, "9999999999999", 74);   /* AFRAME of 00:02:74 */
    static const uint8_t nines[10] = {0x42, 0x99, 0x99, 0x99, 0x99, 0x99, 0x99, 0x90, 0x00, 0x74};
    assert_memory_equal(q, nines, 10);
}

static void test_q_isrc(void **state)
{
    (void)state;
    uint8_t q[12];
    /* U=37 S=35 X=40 Y=41 Z=42: 100101 100011 101000 101001 101010 00
     * = 96 3A 29 A8; then BCD 2 4 1 2 3 4 5 and a zero nibble. */
    cd_q_isrc(q, 0, "USXYZ2412345", cd_msf_to_lba(3, 0, 12));
    static const uint8_t want[10] = {0x03, 0x96, 0x3A, 0x29, 0xA8, 0x24, 0x12, 0x34, 0x50, 0x12};
    assert_memory_equal(q, want, 10);
    assert_true(cd_q_crc_ok(q));
    /* Digits in the letter fields code as 0-9; lower case as upper. */
    uint8_t q2[12];
    cd_q_isrc(q2, 0, "us0a92412345", cd_msf_to_lba(3, 0, 12));
    /* U=37 S=35 0=0 A=17 9=9: 100101 100011 000000 010001 001001 00 */
    static const uint8_t w2[5] = {0x03, 0x96, 0x30, 0x11, 0x24};
    assert_memory_equal(q2, w2, 5);
}

/* ---- P-W -------------------------------------------------------- */

static void test_pw_interleave(void **state)
{
    (void)state;
    uint8_t q[12], pw[96], rw[96], back[12];
    memcpy(q, real_toc[0], 12);
    for (int i = 0; i < 96; i++)
        rw[i] = (uint8_t)(0xC0 | i);          /* top bits must be masked */
    cd_pw_build(pw, true, q, rw);
    for (int i = 0; i < 96; i++) {
        assert_int_equal(pw[i] & 0x80, 0x80);
        assert_int_equal((pw[i] >> 6) & 1, (q[i / 8] >> (7 - i % 8)) & 1);
        assert_int_equal(pw[i] & 0x3f, i & 0x3f);
    }
    /* q[0] = 0x01: only its last bit is set. */
    assert_int_equal(pw[0], 0x80 | 0x00);
    assert_int_equal(pw[7], 0x80 | 0x40 | 7);
    cd_pw_q(back, pw);
    assert_memory_equal(back, q, 12);
    cd_pw_build(pw, false, q, NULL);
    for (int i = 0; i < 96; i++)
        assert_int_equal(pw[i] & 0xbf, 0);
}

static void test_pq16(void **state)
{
    (void)state;
    uint8_t out[16];
    cd_pq16_build(out, true, real_toc[5]);
    assert_memory_equal(out, real_toc[5], 12);
    assert_int_equal(out[12] | out[13] | out[14], 0);
    assert_int_equal(out[15], 0x80);
    cd_pq16_build(out, false, real_toc[5]);
    assert_int_equal(out[15], 0);
}

/* ---- CD-Text -------------------------------------------------------- */

static void test_cdtext_crc_published(void **state)
{
    (void)state;
    /* Size information packs of Sony's example (libburn doc/cdtext.txt)
     * and of a commercial CD (cdrecord cdtext.c), and a TOC pack. */
    static const uint8_t packs[][18] = {
        {0x8f, 0x00, 0x2a, 0x00, 0x01, 0x01, 0x03, 0x00, 0x06, 0x05, 0x04, 0x05, 0x07, 0x06, 0x01, 0x02, 0x48, 0x65},
        {0x8f, 0x01, 0x2b, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x06, 0x03, 0x2c, 0x00, 0x00, 0x00, 0xc0, 0x20},
        {0x8f, 0x02, 0x2c, 0x00, 0x00, 0x00, 0x00, 0x00, 0x09, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x11, 0x45},
        {0x8F, 0x00, 0x2B, 0x00, 0x01, 0x01, 0x0D, 0x03, 0x0C, 0x0C, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x7B, 0x3D},
        {0x8F, 0x01, 0x2C, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x12, 0x03, 0x2D, 0x00, 0x00, 0x00, 0xDA, 0xB7},
        {0x8F, 0x02, 0x2D, 0x00, 0x00, 0x00, 0x00, 0x00, 0x09, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x6A, 0x24},
        {0x88, 0x00, 0x23, 0x00, 0x01, 0x0e, 0x00, 0x3f, 0x02, 0x12, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x12, 0x00},
    };
    for (size_t i = 0; i < sizeof packs / sizeof packs[0]; i++) {
        uint8_t p[18];
        memcpy(p, packs[i], 18);
        assert_true(cdtext_pack_crc_ok(p));
        p[7] ^= 0x10;
        assert_false(cdtext_pack_crc_ok(p));
    }
}

static void check_crcs(const uint8_t *packs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        assert_true(cdtext_pack_crc_ok(packs + 18 * i));
        assert_int_equal(packs[18 * i + 2], i);            /* sequence */
        assert_int_equal(packs[18 * i + 3] & 0xf0, 0);     /* block 0 */
    }
}

static void test_cdtext_build_exact(void **state)
{
    (void)state;
    const char *title[] = {"An Album With A Long Title", "Track one", NULL};
    const char *perf[] = {"Somebody", "", "Somebody Else"};
    struct cdtext_in in = {1, 2, title, perf};
    uint8_t *p;
    size_t n = cdtext_build(&in, &p);
    assert_int_equal(n, 9);
    check_crcs(p, n);
    /* header bytes and text of every pack (CRCs checked above) */
    static const uint8_t want[9][16] = {
        {0x80, 0, 0, 0, 'A', 'n', ' ', 'A', 'l', 'b', 'u', 'm', ' ', 'W', 'i', 't'},
        {0x80, 0, 1, 12, 'h', ' ', 'A', ' ', 'L', 'o', 'n', 'g', ' ', 'T', 'i', 't'},
        {0x80, 0, 2, 15, 'l', 'e', 0, 'T', 'r', 'a', 'c', 'k', ' ', 'o', 'n', 'e'},
        {0x80, 1, 3, 9, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0},
        {0x81, 0, 4, 0, 'S', 'o', 'm', 'e', 'b', 'o', 'd', 'y', 0, 0, 'S', 'o'},
        {0x81, 2, 5, 2, 'm', 'e', 'b', 'o', 'd', 'y', ' ', 'E', 'l', 's', 'e', 0},
        {0x8f, 0, 6, 0, 0x00, 1, 2, 0, 4, 2, 0, 0, 0, 0, 0, 0},
        {0x8f, 1, 7, 0, 0, 0, 0, 0, 0, 0, 0, 3, 8, 0, 0, 0},
        {0x8f, 2, 8, 0, 0, 0, 0, 0, 0x09, 0, 0, 0, 0, 0, 0, 0},
    };
    for (size_t i = 0; i < n; i++)
        assert_memory_equal(p + 18 * i, want[i], 16);
    free(p);
}

static void test_cdtext_track_numbers(void **state)
{
    (void)state;
    /* Tracks 5..6: the track byte follows the disc's numbering. */
    const char *title[] = {"", "Five", "Six"};
    struct cdtext_in in = {5, 6, title, NULL};
    uint8_t *p;
    size_t n = cdtext_build(&in, &p);
    assert_int_equal(n, 4);
    check_crcs(p, n);
    static const uint8_t t0[16] = {0x80, 0, 0, 0, 0, 'F', 'i', 'v', 'e', 0, 'S', 'i', 'x', 0, 0, 0};
    assert_memory_equal(p, t0, 16);
    assert_int_equal(p[18 + 5], 5);      /* first track */
    assert_int_equal(p[18 + 6], 6);      /* last track */
    assert_int_equal(p[18 + 8], 1);      /* one 0x80 pack */
    assert_int_equal(p[18 + 9], 0);      /* no 0x81 pack */
    free(p);
}

static void test_cdtext_limits(void **state)
{
    (void)state;
    uint8_t *p = (uint8_t *)1;
    const char *none[] = {NULL, NULL};
    const char *empty[] = {"", ""};
    struct cdtext_in in = {1, 1, none, empty};
    assert_int_equal(cdtext_build(&in, &p), 0);          /* no text */
    assert_null(p);
    const char *one[] = {"a", "b"};
    struct cdtext_in bad = {0, 1, one, NULL};
    assert_int_equal(cdtext_build(&bad, &p), 0);
    bad.first_track = 2;
    bad.last_track = 1;
    assert_int_equal(cdtext_build(&bad, &p), 0);

    /* 253 text packs (with the 3 size packs, sequence 0..255) fit; 254 do
     * not.  The album's string and its NUL, then track 1's empty string
     * (a NUL), fill 253 packs exactly. */
    static char big[254 * 12];
    memset(big, 'x', sizeof big);
    big[253 * 12 - 2] = 0;
    const char *t[] = {big, NULL};
    struct cdtext_in in2 = {1, 1, t, NULL};
    size_t n = cdtext_build(&in2, &p);
    assert_int_equal(n, 256);
    check_crcs(p, n);
    assert_int_equal(p[18 * 253 + 4 + 4], 253);           /* 0x80 packs */
    assert_int_equal(p[18 * 254 + 4 + 8], 255);           /* last sequence */
    assert_int_equal(p[18 * 100 + 3], 15);                 /* position capped */
    free(p);
    big[253 * 12 - 2] = 'x';
    big[253 * 12 - 1] = 0;
    assert_int_equal(cdtext_build(&in2, &p), 0);
    assert_null(p);
}

static void test_cdtext_rw_symbols(void **state)
{
    (void)state;
    const char *title[] = {"Album", "One"};
    struct cdtext_in in = {1, 1, title, NULL};
    uint8_t *p, rw[96];
    size_t n = cdtext_build(&in, &p);
    assert_int_equal(n, 4);
    for (uint64_t sec = 0; sec < 5; sec++) {
        cdtext_rw(rw, p, n, sec);
        for (int j = 0; j < 4; j++) {
            const uint8_t *pk = p + 18 * ((sec * 4 + (uint64_t)j) % n);
            /* 18 bytes = 144 bits = 24 symbols, most significant first */
            for (int b = 0; b < 144; b++) {
                int bit = (pk[b / 8] >> (7 - b % 8)) & 1;
                int sym = rw[24 * j + b / 6];
                assert_int_equal((sym >> (5 - b % 6)) & 1, bit);
            }
            for (int k = 0; k < 24; k++)
                assert_int_equal(rw[24 * j + k] & 0xc0, 0);
        }
    }
    /* The first pack 80 00 00 00 'A'...: symbols 100000 000000 000000 ... */
    cdtext_rw(rw, p, n, 0);
    assert_int_equal(rw[0], 0x20);
    assert_int_equal(rw[1], 0x00);
    /* Five packs cycle across sectors: sector 1 starts with pack 4 % 4. */
    uint8_t *five = malloc(5 * 18);
    memcpy(five, p, 4 * 18);
    memcpy(five + 4 * 18, p, 18);
    five[4 * 18] = 0x81;
    cdtext_rw(rw, five, 5, 1);
    assert_int_equal(rw[0], 0x81 >> 2);
    cdtext_rw(rw, five, 5, 0);
    assert_int_equal(rw[0], 0x80 >> 2);
    cdtext_rw(rw, NULL, 0, 3);
    for (int k = 0; k < 96; k++)
        assert_int_equal(rw[k], 0);
    free(five);
    free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_msf_corners),
        cmocka_unit_test(test_msf_round_trip),
        cmocka_unit_test(test_bcd),
        cmocka_unit_test(test_edc_check_value),
        cmocka_unit_test(test_mode1_known_sectors),
        cmocka_unit_test(test_mode1_layout),
        cmocka_unit_test(test_mode1_in_place),
        cmocka_unit_test(test_mode1_check_faults),
        cmocka_unit_test(test_q_crc_real_frames),
        cmocka_unit_test(test_q_toc_real_frames),
        cmocka_unit_test(test_q_position),
        cmocka_unit_test(test_q_mcn),
        cmocka_unit_test(test_q_isrc),
        cmocka_unit_test(test_pw_interleave),
        cmocka_unit_test(test_pq16),
        cmocka_unit_test(test_cdtext_crc_published),
        cmocka_unit_test(test_cdtext_build_exact),
        cmocka_unit_test(test_cdtext_track_numbers),
        cmocka_unit_test(test_cdtext_limits),
        cmocka_unit_test(test_cdtext_rw_symbols),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
