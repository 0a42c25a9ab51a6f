/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * udf_desc.c - ECMA-167 / OSTA UDF structure encoding: tags, CRCs,
 * timestamps, allocation descriptors, dstrings, charspecs, entity ids.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"             /* _POSIX_C_SOURCE and friends: gmtime_r */
#endif
#include "udf_desc.h"
#include "names_udf.h"

#include <pthread.h>
#include <string.h>
#include <time.h>

/* crc_table[b] is the CRC register after shifting the byte b through an
 * all-zero register: generated from the polynomial 0x1021 (x^16 + x^12 +
 * x^5 + 1), most significant bit first. */
static const uint16_t crc_table[256] = {
    0x0000, 0x1021, 0x2042, 0x3063, 0x4084, 0x50a5, 0x60c6, 0x70e7,
    0x8108, 0x9129, 0xa14a, 0xb16b, 0xc18c, 0xd1ad, 0xe1ce, 0xf1ef,
    0x1231, 0x0210, 0x3273, 0x2252, 0x52b5, 0x4294, 0x72f7, 0x62d6,
    0x9339, 0x8318, 0xb37b, 0xa35a, 0xd3bd, 0xc39c, 0xf3ff, 0xe3de,
    0x2462, 0x3443, 0x0420, 0x1401, 0x64e6, 0x74c7, 0x44a4, 0x5485,
    0xa56a, 0xb54b, 0x8528, 0x9509, 0xe5ee, 0xf5cf, 0xc5ac, 0xd58d,
    0x3653, 0x2672, 0x1611, 0x0630, 0x76d7, 0x66f6, 0x5695, 0x46b4,
    0xb75b, 0xa77a, 0x9719, 0x8738, 0xf7df, 0xe7fe, 0xd79d, 0xc7bc,
    0x48c4, 0x58e5, 0x6886, 0x78a7, 0x0840, 0x1861, 0x2802, 0x3823,
    0xc9cc, 0xd9ed, 0xe98e, 0xf9af, 0x8948, 0x9969, 0xa90a, 0xb92b,
    0x5af5, 0x4ad4, 0x7ab7, 0x6a96, 0x1a71, 0x0a50, 0x3a33, 0x2a12,
    0xdbfd, 0xcbdc, 0xfbbf, 0xeb9e, 0x9b79, 0x8b58, 0xbb3b, 0xab1a,
    0x6ca6, 0x7c87, 0x4ce4, 0x5cc5, 0x2c22, 0x3c03, 0x0c60, 0x1c41,
    0xedae, 0xfd8f, 0xcdec, 0xddcd, 0xad2a, 0xbd0b, 0x8d68, 0x9d49,
    0x7e97, 0x6eb6, 0x5ed5, 0x4ef4, 0x3e13, 0x2e32, 0x1e51, 0x0e70,
    0xff9f, 0xefbe, 0xdfdd, 0xcffc, 0xbf1b, 0xaf3a, 0x9f59, 0x8f78,
    0x9188, 0x81a9, 0xb1ca, 0xa1eb, 0xd10c, 0xc12d, 0xf14e, 0xe16f,
    0x1080, 0x00a1, 0x30c2, 0x20e3, 0x5004, 0x4025, 0x7046, 0x6067,
    0x83b9, 0x9398, 0xa3fb, 0xb3da, 0xc33d, 0xd31c, 0xe37f, 0xf35e,
    0x02b1, 0x1290, 0x22f3, 0x32d2, 0x4235, 0x5214, 0x6277, 0x7256,
    0xb5ea, 0xa5cb, 0x95a8, 0x8589, 0xf56e, 0xe54f, 0xd52c, 0xc50d,
    0x34e2, 0x24c3, 0x14a0, 0x0481, 0x7466, 0x6447, 0x5424, 0x4405,
    0xa7db, 0xb7fa, 0x8799, 0x97b8, 0xe75f, 0xf77e, 0xc71d, 0xd73c,
    0x26d3, 0x36f2, 0x0691, 0x16b0, 0x6657, 0x7676, 0x4615, 0x5634,
    0xd94c, 0xc96d, 0xf90e, 0xe92f, 0x99c8, 0x89e9, 0xb98a, 0xa9ab,
    0x5844, 0x4865, 0x7806, 0x6827, 0x18c0, 0x08e1, 0x3882, 0x28a3,
    0xcb7d, 0xdb5c, 0xeb3f, 0xfb1e, 0x8bf9, 0x9bd8, 0xabbb, 0xbb9a,
    0x4a75, 0x5a54, 0x6a37, 0x7a16, 0x0af1, 0x1ad0, 0x2ab3, 0x3a92,
    0xfd2e, 0xed0f, 0xdd6c, 0xcd4d, 0xbdaa, 0xad8b, 0x9de8, 0x8dc9,
    0x7c26, 0x6c07, 0x5c64, 0x4c45, 0x3ca2, 0x2c83, 0x1ce0, 0x0cc1,
    0xef1f, 0xff3e, 0xcf5d, 0xdf7c, 0xaf9b, 0xbfba, 0x8fd9, 0x9ff8,
    0x6e17, 0x7e36, 0x4e55, 0x5e74, 0x2e93, 0x3eb2, 0x0ed1, 0x1ef0,
};

/* Eight bytes per step (every descriptor of a million-file image passes
 * here): slice[j][b] is the CRC register after the byte b and then j zero
 * bytes went through an all-zero register.  The CRC is linear, so the
 * register after eight bytes is the XOR of the slices of each byte, with
 * the old register folded into the first two. */
static uint16_t slice[8][256];
static pthread_once_t slice_once = PTHREAD_ONCE_INIT;

static void slice_init(void)
{
    for (int b = 0; b < 256; b++) {
        uint16_t v = crc_table[b];
        slice[0][b] = v;
        for (int j = 1; j < 8; j++) {
            v = (uint16_t)((v << 8) ^ crc_table[v >> 8]);
            slice[j][b] = v;
        }
    }
}

uint16_t udf_crc16(const uint8_t *p, size_t n)
{
    uint16_t crc = 0;
    pthread_once(&slice_once, slice_init);
    for (; n >= 8; n -= 8, p += 8)
        crc = slice[7][p[0] ^ (crc >> 8)] ^ slice[6][p[1] ^ (crc & 0xff)] ^
              slice[5][p[2]] ^ slice[4][p[3]] ^ slice[3][p[4]] ^ slice[2][p[5]] ^
              slice[1][p[6]] ^ slice[0][p[7]];
    for (; n > 0; n--, p++)
        crc = (uint16_t)((crc << 8) ^ crc_table[(uint8_t)((crc >> 8) ^ *p)]);
    return crc;
}

uint8_t udf_tag_checksum(const uint8_t *tag)
{
    unsigned sum = 0;
    for (int i = 0; i < UDF_TAG_SIZE; i++)
        if (i != 4)
            sum += tag[i];
    return (uint8_t)sum;
}

void udf_tag_finish(uint8_t *desc, uint16_t ident, uint16_t version, uint32_t location,
                    size_t size)
{
    size_t crc_len = size > UDF_TAG_SIZE ? size - UDF_TAG_SIZE : 0;
    udf_put16(desc, ident);
    udf_put16(desc + 2, version);
    desc[4] = 0;
    desc[5] = 0;
    udf_put16(desc + 6, 1);                      /* tag serial number */
    udf_put16(desc + 8, udf_crc16(desc + UDF_TAG_SIZE, crc_len));
    udf_put16(desc + 10, (uint16_t)crc_len);
    udf_put32(desc + 12, location);
    desc[4] = udf_tag_checksum(desc);
}

/* The last second converted, per thread: files of a tree mostly share
 * their seconds, and gmtime_r is most of this function's cost. */
static _Thread_local struct {
    bool valid;
    int64_t sec;
    uint8_t head[9];            /* bytes 0-8: all but the sub-second part */
} ts_cache;

static bool timestamp_of(uint8_t out[12], int64_t sec, int64_t sub);

void udf_timestamp(uint8_t out[12], int64_t ns)
{
    int64_t sec = ns / 1000000000, sub = ns % 1000000000;
    if (sub < 0) {
        sub += 1000000000;
        sec--;
    }
    if (ts_cache.valid && ts_cache.sec == sec) {
        unsigned us = (unsigned)(sub / 1000);
        memcpy(out, ts_cache.head, 9);
        out[9] = (uint8_t)(us / 10000);
        out[10] = (uint8_t)(us / 100 % 100);
        out[11] = (uint8_t)(us % 100);
        return;
    }
    if (!timestamp_of(out, sec, sub))
        return;                 /* clamped: not a time to reuse */
    ts_cache.valid = true;
    ts_cache.sec = sec;
    memcpy(ts_cache.head, out, 9);
}

/* Whether the time was in range (else out holds the nearest limit). */
static bool timestamp_of(uint8_t out[12], int64_t sec, int64_t sub)
{
    struct tm tm;
    time_t t = (time_t)sec;
    memset(out, 0, 12);
    udf_put16(out, 0x1000);                      /* type 1, UTC offset 0 */
    if (!gmtime_r(&t, &tm) || tm.tm_year + 1900 < 1) {
        udf_put16(out + 2, 1);                   /* 0001-01-01 00:00 */
        out[4] = 1;
        out[5] = 1;
        return false;
    }
    if (tm.tm_year + 1900 > 9999) {
        udf_put16(out + 2, 9999);                /* 9999-12-31 23:59:59.999999 */
        out[4] = 12;
        out[5] = 31;
        out[6] = 23;
        out[7] = 59;
        out[8] = 59;
        out[9] = out[10] = out[11] = 99;
        return false;
    }
    unsigned us = (unsigned)(sub / 1000);
    udf_put16(out + 2, (uint16_t)(tm.tm_year + 1900));
    out[4] = (uint8_t)(tm.tm_mon + 1);
    out[5] = (uint8_t)tm.tm_mday;
    out[6] = (uint8_t)tm.tm_hour;
    out[7] = (uint8_t)tm.tm_min;
    out[8] = (uint8_t)(tm.tm_sec > 59 ? 59 : tm.tm_sec);
    out[9] = (uint8_t)(us / 10000);              /* centiseconds */
    out[10] = (uint8_t)(us / 100 % 100);         /* hundreds of microseconds */
    out[11] = (uint8_t)(us % 100);               /* microseconds */
    return true;
}

void udf_charspec(uint8_t out[64])
{
    static const char info[] = "OSTA Compressed Unicode";
    memset(out, 0, UDF_CHARSPEC);
    out[0] = 0;                                  /* CS0 */
    memcpy(out + 1, info, sizeof info - 1);
}

void udf_dstring(uint8_t *out, size_t size, const char *utf8)
{
    memset(out, 0, size);
    if (size < 2 || !utf8)
        return;
    size_t n = udf_cs0_encode(utf8, strlen(utf8), out, size - 1, NULL);
    out[size - 1] = (uint8_t)n;
}

void udf_regid(uint8_t out[32], const char *id, const uint8_t suffix[8])
{
    size_t n = strlen(id);
    memset(out, 0, UDF_REGID);
    memcpy(out + 1, id, n > 23 ? 23 : n);
    if (suffix)
        memcpy(out + 24, suffix, 8);
}

void udf_regid_domain(uint8_t out[32], const char *id, uint16_t rev)
{
    uint8_t s[8] = {(uint8_t)rev, (uint8_t)(rev >> 8), 0};
    udf_regid(out, id, s);
}

void udf_regid_udf(uint8_t out[32], const char *id, uint16_t rev)
{
    uint8_t s[8] = {(uint8_t)rev, (uint8_t)(rev >> 8), UDF_OS_CLASS_UNIX, UDF_OS_ID_LINUX};
    udf_regid(out, id, s);
}

void udf_regid_impl(uint8_t out[32], const char *id)
{
    uint8_t s[8] = {UDF_OS_CLASS_UNIX, UDF_OS_ID_LINUX};
    udf_regid(out, id, s);
}

void udf_extent_ad(uint8_t p[8], uint32_t length, uint32_t location)
{
    udf_put32(p, length);
    udf_put32(p + 4, location);
}

void udf_short_ad(uint8_t p[8], uint32_t length, int type, uint32_t position)
{
    udf_put32(p, (length & 0x3FFFFFFFu) | ((uint32_t)type << 30));
    udf_put32(p + 4, position);
}

void udf_long_ad(uint8_t p[16], uint32_t length, int type, uint32_t block,
                 uint16_t partition, uint32_t unique_id)
{
    udf_put32(p, (length & 0x3FFFFFFFu) | ((uint32_t)type << 30));
    udf_put32(p + 4, block);
    udf_put16(p + 8, partition);
    udf_put16(p + 10, 0);                        /* ADImpUse flags */
    udf_put32(p + 12, unique_id);
}

uint32_t udf_permissions(uint32_t mode)
{
    uint32_t perm = 0;
    for (int cls = 0; cls < 3; cls++) {          /* other, group, owner */
        uint32_t rwx = (mode >> (3 * cls)) & 7;  /* POSIX: r=4 w=2 x=1 */
        uint32_t u = 0;
        if (rwx & 1)
            u |= 0x01;                           /* execute */
        if (rwx & 2)
            u |= 0x02 | 0x10;                    /* write, delete */
        if (rwx & 4)
            u |= 0x04;                           /* read */
        if (cls == 2)
            u |= 0x08;                           /* owner: change attributes */
        perm |= u << (5 * cls);
    }
    return perm;
}

/* One component: type, L_CI, version 0, the identifier. */
static size_t put_component(uint8_t *out, size_t cap, size_t at, uint8_t type,
                            const uint8_t *id, size_t idlen)
{
    if (out && at + 4 + idlen <= cap) {
        out[at] = type;
        out[at + 1] = (uint8_t)idlen;
        udf_put16(out + at + 2, 0);
        if (idlen)
            memcpy(out + at + 4, id, idlen);
    }
    return 4 + idlen;
}

size_t udf_path_components(const char *utf8, size_t len, uint8_t *out, size_t cap)
{
    size_t at = 0, i = 0;
    if (len > 0 && utf8[0] == '/')
        at += put_component(out, cap, at, 1, NULL, 0);
    while (i < len) {
        while (i < len && utf8[i] == '/')
            i++;
        size_t s = i;
        while (i < len && utf8[i] != '/')
            i++;
        size_t n = i - s;
        if (n == 0)
            break;
        if (n == 1 && utf8[s] == '.') {
            at += put_component(out, cap, at, 4, NULL, 0);
        } else if (n == 2 && utf8[s] == '.' && utf8[s + 1] == '.') {
            at += put_component(out, cap, at, 3, NULL, 0);
        } else {
            uint8_t id[UDF_ID_MAX];
            size_t idlen = udf_cs0_encode(utf8 + s, n, id, sizeof id, NULL);
            at += put_component(out, cap, at, 5, id, idlen);
        }
    }
    return at;
}

void udf_ea_device(uint8_t out[UDF_EA_DEVICE_SPACE], uint16_t version, uint32_t loc,
                   uint32_t major, uint32_t minor, const char *impl_id)
{
    memset(out, 0, UDF_EA_DEVICE_SPACE);
    /* Header: implementation and application attributes would start at
     * the end of the space: there are none (UDF 2.60 3.3.4.1). */
    udf_put32(out + 16, UDF_EA_DEVICE_SPACE);
    udf_put32(out + 20, UDF_EA_DEVICE_SPACE);
    udf_tag_finish(out, UDF_TAG_EAHD, version, loc, UDF_EAHD_SIZE);
    uint8_t *a = out + UDF_EAHD_SIZE;
    udf_put32(a, 12);                            /* attribute type */
    a[4] = 1;                                    /* subtype */
    udf_put32(a + 8, 24 + UDF_REGID);            /* attribute length */
    udf_put32(a + 12, UDF_REGID);                /* implementation use length */
    udf_put32(a + 16, major);
    udf_put32(a + 20, minor);
    udf_regid_impl(a + 24, impl_id);
}
