/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test_udf_desc.c - UDF structure encoding (lib/udf_desc.c) and OSTA CS0
 * identifiers (lib/names_udf.c): known answers for the CRC, tag checksum,
 * dstrings, timestamps, entity ids, allocation descriptors, permissions,
 * and the name translation / uniquifying rules.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "udf_desc.h"
#include "names_udf.h"

/* ---- CRC and tags -------------------------------------------------- */

static void test_crc_known_answers(void **state)
{
    (void)state;
    /* ECMA-167 3/7.2.6 gives this example: CRC of #70 #6A #77 is #3299. */
    static const uint8_t ecma[] = {0x70, 0x6A, 0x77};
    assert_int_equal(udf_crc16(ecma, 3), 0x3299);
    /* The usual check value of CRC-16/XMODEM (same polynomial, init 0). */
    assert_int_equal(udf_crc16((const uint8_t *)"123456789", 9), 0x31C3);
    assert_int_equal(udf_crc16(ecma, 0), 0);
    uint8_t zeros[496] = {0};
    assert_int_equal(udf_crc16(zeros, sizeof zeros), 0);
}

/* A bit at a time, straight from the polynomial: the reference the
 * eight-bytes-a-step udf_crc16 must agree with at every length and
 * alignment. */
static uint16_t crc_bitwise(const uint8_t *p, size_t n)
{
    uint16_t crc = 0;
    for (size_t i = 0; i < n; i++) {
        crc ^= (uint16_t)(p[i] << 8);
        for (int b = 0; b < 8; b++)
            crc = (uint16_t)(crc & 0x8000 ? (crc << 1) ^ 0x1021 : crc << 1);
    }
    return crc;
}

static void test_crc_matches_bitwise(void **state)
{
    (void)state;
    uint8_t buf[600];
    uint32_t x = 12345;
    for (size_t i = 0; i < sizeof buf; i++) {
        x = x * 1103515245u + 12345u;
        buf[i] = (uint8_t)(x >> 16);
    }
    for (size_t off = 0; off < 8; off++)
        for (size_t n = 0; n + off <= sizeof buf; n += (n < 40 ? 1 : 37))
            assert_int_equal(udf_crc16(buf + off, n), crc_bitwise(buf + off, n));
}

static void test_tag_checksum(void **state)
{
    (void)state;
    uint8_t tag[16];
    for (int i = 0; i < 16; i++)
        tag[i] = (uint8_t)(0x10 + i);
    /* Sum of bytes 0-3 and 5-15, byte 4 (the checksum itself) left out. */
    unsigned sum = 0;
    for (int i = 0; i < 16; i++)
        if (i != 4)
            sum += tag[i];
    assert_int_equal(udf_tag_checksum(tag), sum & 0xFF);
    tag[4] = 0xEE;                                   /* ignored */
    assert_int_equal(udf_tag_checksum(tag), sum & 0xFF);
}

static void test_tag_finish_terminating_descriptor(void **state)
{
    (void)state;
    /* A Terminating Descriptor at block 5, version 2: 496 zero bytes after
     * the tag, so the CRC is 0 and the CRC length 496 (#01F0). */
    uint8_t d[512];
    memset(d, 0, sizeof d);
    udf_tag_finish(d, UDF_TAG_TD, 2, 5, 512);
    static const uint8_t want[16] = {
        0x08, 0x00, 0x02, 0x00,      /* identifier 8, version 2 */
        0x01, 0x00,                  /* checksum (8+2+1+0xF0+0x01+5 = 257), reserved */
        0x01, 0x00,                  /* serial number 1 */
        0x00, 0x00, 0xF0, 0x01,      /* CRC 0, CRC length 496 */
        0x05, 0x00, 0x00, 0x00,      /* location 5 */
    };
    assert_memory_equal(d, want, 16);
}

static void test_tag_finish_crc_covers_body(void **state)
{
    (void)state;
    uint8_t d[64];
    memset(d, 0, sizeof d);
    memcpy(d + 16, "\x70\x6A\x77", 3);
    udf_tag_finish(d, UDF_TAG_FID, 3, 0x01020304, 19);
    assert_int_equal(udf_get16(d), UDF_TAG_FID);
    assert_int_equal(udf_get16(d + 2), 3);
    assert_int_equal(udf_get16(d + 8), 0x3299);      /* CRC of the 3 bytes */
    assert_int_equal(udf_get16(d + 10), 3);
    assert_int_equal(udf_get32(d + 12), 0x01020304);
    assert_int_equal(d[4], udf_tag_checksum(d));
}

/* ---- dstrings and charspecs ------------------------------------------ */

static void test_dstring_8bit(void **state)
{
    (void)state;
    uint8_t f[32], want[32] = {8, 'T', 'E', 'S', 'T'};
    want[31] = 5;
    udf_dstring(f, sizeof f, "TEST");
    assert_memory_equal(f, want, 32);
}

static void test_dstring_latin1_stays_8bit(void **state)
{
    (void)state;
    uint8_t f[32], want[32] = {8, 0xFC, 'b'};
    want[31] = 3;
    udf_dstring(f, sizeof f, "\xC3\xBC" "b");        /* "üb" */
    assert_memory_equal(f, want, 32);
}

static void test_dstring_16bit(void **state)
{
    (void)state;
    uint8_t f[32], want[32] = {16, 0x65, 0xE5, 0x67, 0x2C};   /* U+65E5 U+672C big-endian */
    want[31] = 5;
    udf_dstring(f, sizeof f, "\xE6\x97\xA5\xE6\x9C\xAC");   /* "日本" */
    assert_memory_equal(f, want, 32);
}

static void test_dstring_empty_is_all_zero(void **state)
{
    (void)state;
    uint8_t f[32], zero[32] = {0};
    memset(f, 0xAA, sizeof f);
    udf_dstring(f, sizeof f, "");
    assert_memory_equal(f, zero, 32);
}

static void test_dstring_cut_to_field(void **state)
{
    (void)state;
    uint8_t f[32];
    udf_dstring(f, sizeof f, "0123456789012345678901234567890123456789");
    assert_int_equal(f[0], 8);
    assert_int_equal(f[31], 31);                     /* 30 characters + the ID */
    assert_int_equal(f[30], '9');                    /* character 30 is '9' */
    /* 16-bit: at most 15 characters in 31 bytes. */
    char s[64] = "";
    for (int i = 0; i < 20; i++)
        strcat(s, "\xE6\x97\xA5");
    udf_dstring(f, sizeof f, s);
    assert_int_equal(f[0], 16);
    assert_int_equal(f[31], 31);
    assert_int_equal(f[30], 0xE5);
}

static void test_charspec(void **state)
{
    (void)state;
    uint8_t c[64], want[64] = {0};
    memcpy(want + 1, "OSTA Compressed Unicode", 23);
    udf_charspec(c);
    assert_memory_equal(c, want, 64);
}

/* ---- timestamps ------------------------------------------------------ */

static void test_timestamp_epoch(void **state)
{
    (void)state;
    uint8_t t[12];
    static const uint8_t want[12] = {0x00, 0x10, 0xB2, 0x07, 1, 1, 0, 0, 0, 0, 0, 0};
    udf_timestamp(t, 0);
    assert_memory_equal(t, want, 12);                /* 1970-01-01 UTC, type 1 */
}

static void test_timestamp_subseconds(void **state)
{
    (void)state;
    uint8_t t[12];
    /* 2023-11-14 22:13:20.123456789 UTC */
    static const uint8_t want[12] = {0x00, 0x10, 0xE7, 0x07, 11, 14, 22, 13, 20, 12, 34, 56};
    udf_timestamp(t, 1700000000123456789LL);
    assert_memory_equal(t, want, 12);
}

static void test_timestamp_before_epoch(void **state)
{
    (void)state;
    uint8_t t[12];
    /* 1 ns before the epoch: 1969-12-31 23:59:59.999999 */
    static const uint8_t want[12] = {0x00, 0x10, 0xB1, 0x07, 12, 31, 23, 59, 59, 99, 99, 99};
    udf_timestamp(t, -1);
    assert_memory_equal(t, want, 12);
}

/* Times within one second reuse the last conversion: the sub-second part
 * must still be each time's own, and another second its own date. */
static void test_timestamp_same_second(void **state)
{
    (void)state;
    uint8_t t[12];
    static const uint8_t a[12] = {0x00, 0x10, 0xE7, 0x07, 11, 14, 22, 13, 20, 0, 0, 1};
    static const uint8_t b[12] = {0x00, 0x10, 0xE7, 0x07, 11, 14, 22, 13, 20, 98, 76, 54};
    /* INT64_MAX ns: 2262-04-11 23:47:16.854775 UTC */
    static const uint8_t last[12] = {0x00, 0x10, 0xD6, 0x08, 4, 11, 23, 47, 16, 85, 47, 75};
    udf_timestamp(t, 1700000000000001000LL);
    assert_memory_equal(t, a, 12);
    udf_timestamp(t, 1700000000987654000LL);
    assert_memory_equal(t, b, 12);
    udf_timestamp(t, INT64_MAX);
    assert_memory_equal(t, last, 12);
    udf_timestamp(t, 1700000000000001000LL);
    assert_memory_equal(t, a, 12);
}

/* ---- entity identifiers ---------------------------------------------- */

static void test_regid_suffixes(void **state)
{
    (void)state;
    uint8_t r[32];
    udf_regid_domain(r, "*OSTA UDF Compliant", 0x0201);
    assert_int_equal(r[0], 0);
    assert_memory_equal(r + 1, "*OSTA UDF Compliant", 19);
    assert_int_equal(r[24], 0x01);                   /* revision, little-endian */
    assert_int_equal(r[25], 0x02);
    assert_int_equal(r[26], 0);                      /* no write-protect flags */

    udf_regid_udf(r, "*UDF LV Info", 0x0250);
    assert_memory_equal(r + 1, "*UDF LV Info", 12);
    assert_int_equal(r[13], 0);
    assert_int_equal(r[24], 0x50);
    assert_int_equal(r[25], 0x02);
    assert_int_equal(r[26], UDF_OS_CLASS_UNIX);
    assert_int_equal(r[27], UDF_OS_ID_LINUX);

    udf_regid_impl(r, "*libfsi");
    assert_int_equal(r[24], UDF_OS_CLASS_UNIX);
    assert_int_equal(r[25], UDF_OS_ID_LINUX);
    for (int i = 26; i < 32; i++)
        assert_int_equal(r[i], 0);
}

/* ---- allocation descriptors ------------------------------------------ */

static void test_allocation_descriptors(void **state)
{
    (void)state;
    uint8_t s[8], l[16];
    udf_short_ad(s, 0x3FFFF800u, UDF_EXT_RECORDED, 0x12345678);
    static const uint8_t ws[8] = {0x00, 0xF8, 0xFF, 0x3F, 0x78, 0x56, 0x34, 0x12};
    assert_memory_equal(s, ws, 8);
    udf_short_ad(s, 2048, UDF_EXT_NEXT, 7);          /* type in the top 2 bits */
    assert_int_equal(udf_get32(s), 0xC0000800u);

    udf_long_ad(l, 2048, UDF_EXT_RECORDED, 9, 1, 0xAABBCCDD);
    static const uint8_t wl[16] = {0x00, 0x08, 0, 0, 9, 0, 0, 0, 1, 0,
                                   0, 0, 0xDD, 0xCC, 0xBB, 0xAA};
    assert_memory_equal(l, wl, 16);
    assert_int_equal(UDF_EXTENT_MAX % 2048, 0);
    assert_true(UDF_EXTENT_MAX < (1u << 30));
}

static void test_fid_size(void **state)
{
    (void)state;
    assert_int_equal(udf_fid_size(0, 0), 40);         /* the parent FID */
    assert_int_equal(udf_fid_size(0, 2), 40);
    assert_int_equal(udf_fid_size(0, 3), 44);
    assert_int_equal(udf_fid_size(32, 255), 328);
}

static void test_permissions(void **state)
{
    (void)state;
    /* 0755: other r-x, group r-x, owner rwx + delete + change attributes */
    assert_int_equal(udf_permissions(0755), (0x1F << 10) | (0x05 << 5) | 0x05);
    /* 0640: owner rw + delete + chattr, group r, other nothing */
    assert_int_equal(udf_permissions(0640), (0x1E << 10) | (0x04 << 5));
    /* 0002: other write + delete; the owner still changes attributes */
    assert_int_equal(udf_permissions(0002), (0x08 << 10) | 0x12);
}

/* ---- CS0 names ------------------------------------------------------- */

static void test_cs0_encode(void **state)
{
    (void)state;
    uint8_t b[UDF_ID_MAX];
    bool changed;
    assert_int_equal(udf_cs0_encode("abc", 3, b, sizeof b, &changed), 4);
    assert_false(changed);
    assert_memory_equal(b, "\x08" "abc", 4);
    /* U+1F600 (outside the BMP) becomes '_', the rest fits 8 bits */
    assert_int_equal(udf_cs0_encode("a\xF0\x9F\x98\x80", 5, b, sizeof b, &changed), 3);
    assert_true(changed);
    assert_memory_equal(b, "\x08" "a_", 3);
    /* U+FEFF and U+FFFE are not recorded either */
    assert_int_equal(udf_cs0_encode("\xEF\xBB\xBF", 3, b, sizeof b, &changed), 2);
    assert_true(changed);
    assert_memory_equal(b, "\x08_", 2);
    /* 16-bit when one character needs it */
    assert_int_equal(udf_cs0_encode("a\xE2\x82\xAC", 4, b, sizeof b, &changed), 5);
    assert_false(changed);
    assert_memory_equal(b, "\x10\x00" "a\x20\xAC", 5);
    assert_int_equal(udf_cs0_encode("", 0, b, sizeof b, NULL), 0);
}

/* Run udf_names_dir over NUL-terminated names and return the decoded
 * (8-bit: bytes; 16-bit: ASCII only, else '?') identifiers. */
static char **names_of(const char *const *names, size_t n, fsi_hresult *hr)
{
    struct name_in *in = calloc(n, sizeof *in);
    size_t *off = calloc(n, sizeof *off), fail = 0;
    uint8_t *len = calloc(n, 1);
    struct udf_idpool pool = {0};
    for (size_t i = 0; i < n; i++) {
        in[i].name = names[i];
        in[i].len = strlen(names[i]);
    }
    *hr = udf_names_dir(in, n, &pool, off, len, &fail);
    char **out = calloc(n, sizeof *out);
    for (size_t i = 0; i < n && *hr == FSI_S_OK; i++) {
        const uint8_t *id = pool.b + off[i];
        size_t chars = id[0] == 8 ? len[i] - 1u : (len[i] - 1u) / 2;
        out[i] = calloc(chars + 1, 1);
        for (size_t k = 0; k < chars; k++) {
            unsigned c = id[0] == 8 ? id[1 + k] : (unsigned)(id[1 + 2 * k] << 8 | id[2 + 2 * k]);
            out[i][k] = c < 0x80 ? (char)c : '?';
        }
    }
    udf_idpool_free(&pool);
    free(in);
    free(off);
    free(len);
    return out;
}

static void free_names(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

static void test_names_exact(void **state)
{
    (void)state;
    /* Names UDF can hold are kept exactly, "a." and "a" included. */
    const char *names[] = {"a", "a.", "A", "read me.TXT", "x~1"};
    fsi_hresult hr;
    char **v = names_of(names, 5, &hr);
    assert_int_equal(hr, FSI_S_OK);
    for (int i = 0; i < 5; i++)
        assert_string_equal(v[i], names[i]);
    free_names(v, 5);
}

static void test_names_long_cut_keeps_extension(void **state)
{
    (void)state;
    char a[300], b[300];
    memset(a, 'a', 255);
    a[255] = 0;                                      /* 255 > 254 8-bit characters */
    memset(b, 'b', 250);
    strcpy(b + 250, ".text");                        /* 255 characters */
    const char *names[] = {a, b};
    fsi_hresult hr;
    char **v = names_of(names, 2, &hr);
    assert_int_equal(hr, FSI_S_OK);
    assert_int_equal(strlen(v[0]), 254);
    assert_int_equal(strlen(v[1]), 254);
    assert_string_equal(v[1] + 249, ".text");
    free_names(v, 2);
}

static void test_names_clash_numbered(void **state)
{
    (void)state;
    /* Both translate to "smile_.txt"; the exact name keeps it, the changed
     * one is numbered. */
    const char *names[] = {"smile_.txt", "smile\xF0\x9F\x98\x80.txt", "smile\xF0\x9F\x98\x81.txt"};
    fsi_hresult hr;
    char **v = names_of(names, 3, &hr);
    assert_int_equal(hr, FSI_S_OK);
    assert_string_equal(v[0], "smile_.txt");
    assert_string_equal(v[1], "smile_~1.txt");
    assert_string_equal(v[2], "smile_~2.txt");
    free_names(v, 3);
}

static void test_names_16bit_limit(void **state)
{
    (void)state;
    /* 130 x U+65E5 needs 16 bits: at most 127 characters. */
    char s130[130 * 3 + 1] = "", s127[127 * 3 + 1] = "", s129[129 * 3 + 1] = "";
    for (int i = 0; i < 130; i++) {
        strcat(s130, "\xE6\x97\xA5");
        if (i < 127)
            strcat(s127, "\xE6\x97\xA5");
        if (i < 129)
            strcat(s129, "\xE6\x97\xA5");
    }
    const char *names[] = {s127, s129, s130};         /* byte order */
    struct name_in in[3];
    size_t off[3], fail;
    uint8_t len[3];
    struct udf_idpool pool = {0};
    for (int i = 0; i < 3; i++) {
        in[i].name = names[i];
        in[i].len = strlen(names[i]);
        in[i].is_dir = false;
    }
    assert_int_equal(udf_names_dir(in, 3, &pool, off, len, &fail), FSI_S_OK);
    assert_int_equal(len[0], 255);                   /* exact, 127 characters */
    assert_int_equal(len[1], 255);                   /* 125 characters + "~1" ... */
    const uint8_t *id1 = pool.b + off[1], *id2 = pool.b + off[2];
    assert_int_equal(id1[0], 16);
    /* ... ends in "~1" and "~2" */
    assert_int_equal(id1[251], 0);
    assert_int_equal(id1[252], '~');
    assert_int_equal(id1[254], '1');
    assert_int_equal(id2[254], '2');
    udf_idpool_free(&pool);
}

static void test_names_deterministic(void **state)
{
    (void)state;
    const char *names[] = {"x\xF0\x9F\x98\x80", "x\xF0\x9F\x98\x81", "x_", "x_~1"};
    fsi_hresult hr;
    char **v = names_of(names, 4, &hr), **w = names_of(names, 4, &hr);
    assert_int_equal(hr, FSI_S_OK);
    /* x_ and x_~1 are exact; the two changed names skip x_~1. */
    assert_string_equal(v[0], "x_~2");
    assert_string_equal(v[1], "x_~3");
    assert_string_equal(v[2], "x_");
    assert_string_equal(v[3], "x_~1");
    for (int i = 0; i < 4; i++)
        assert_string_equal(v[i], w[i]);
    free_names(v, 4);
    free_names(w, 4);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_crc_known_answers),
        cmocka_unit_test(test_crc_matches_bitwise),
        cmocka_unit_test(test_tag_checksum),
        cmocka_unit_test(test_tag_finish_terminating_descriptor),
        cmocka_unit_test(test_tag_finish_crc_covers_body),
        cmocka_unit_test(test_dstring_8bit),
        cmocka_unit_test(test_dstring_latin1_stays_8bit),
        cmocka_unit_test(test_dstring_16bit),
        cmocka_unit_test(test_dstring_empty_is_all_zero),
        cmocka_unit_test(test_dstring_cut_to_field),
        cmocka_unit_test(test_charspec),
        cmocka_unit_test(test_timestamp_epoch),
        cmocka_unit_test(test_timestamp_subseconds),
        cmocka_unit_test(test_timestamp_same_second),
        cmocka_unit_test(test_timestamp_before_epoch),
        cmocka_unit_test(test_regid_suffixes),
        cmocka_unit_test(test_allocation_descriptors),
        cmocka_unit_test(test_fid_size),
        cmocka_unit_test(test_permissions),
        cmocka_unit_test(test_cs0_encode),
        cmocka_unit_test(test_names_exact),
        cmocka_unit_test(test_names_long_cut_keeps_extension),
        cmocka_unit_test(test_names_clash_numbered),
        cmocka_unit_test(test_names_16bit_limit),
        cmocka_unit_test(test_names_deterministic),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
