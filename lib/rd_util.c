/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * rd_util.c - decoding helpers the readers share: ISO9660 dates (7-byte
 * directory record form and 17-byte volume descriptor form), Joliet
 * UCS-2BE names and fixed-width text fields.  The input is untrusted:
 * every value is range-checked, nothing here reads past the given length.
 */
#include "config.h"
#include "reader.h"

#include <string.h>

static bool leap(int64_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* Days from 0001-01-01 to y-m-d (y >= 1, m 1-12, d 1-31; a day past the
 * month's end simply runs into the next month). */
static int64_t day_number(int64_t y, unsigned m, unsigned d)
{
    static const uint16_t before[12] = {0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334};
    int64_t p = y - 1;
    int64_t n = p * 365 + p / 4 - p / 100 + p / 400 + before[m - 1] + (d - 1);
    if (m > 2 && leap(y))
        n++;
    return n;
}

int64_t rd_days_since_epoch(int64_t y, unsigned m, unsigned d)
{
    return day_number(y, m, d) - 719162;   /* day_number(1970, 1, 1) */
}

/* Seconds since the Unix epoch of a local time `gmtoff` quarter hours
 * east of UTC.  An offset outside ECMA-119's -48..52 is ignored (as the
 * readers most images were tested with do). */
static bool make_time(int64_t y, unsigned mo, unsigned d, unsigned h, unsigned mi, unsigned s,
                      int gmtoff, long nsec, struct timespec *out)
{
    if (y < 1 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60)
        return false;
    int64_t days = rd_days_since_epoch(y, mo, d);
    int64_t t = days * 86400 + (int64_t)h * 3600 + (int64_t)mi * 60 + s;
    if (gmtoff >= -48 && gmtoff <= 52)
        t -= (int64_t)gmtoff * 900;
    out->tv_sec = (time_t)t;
    out->tv_nsec = nsec;
    return true;
}

bool rd_iso_date7(const uint8_t *p, struct timespec *out)
{
    static const uint8_t zero[7];
    if (memcmp(p, zero, 7) == 0)
        return false;
    return make_time(1900 + (int64_t)p[0], p[1], p[2], p[3], p[4], p[5], (int8_t)p[6], 0, out);
}

/* n ASCII digits at p, or -1. */
static int digits(const uint8_t *p, unsigned n)
{
    int v = 0;
    for (unsigned i = 0; i < n; i++) {
        if (p[i] < '0' || p[i] > '9')
            return -1;
        v = v * 10 + (p[i] - '0');
    }
    return v;
}

bool rd_iso_date17(const uint8_t *p, struct timespec *out)
{
    int y = digits(p, 4), mo = digits(p + 4, 2), d = digits(p + 6, 2), h = digits(p + 8, 2),
        mi = digits(p + 10, 2), s = digits(p + 12, 2), cs = digits(p + 14, 2);
    if (y < 0 || mo < 0 || d < 0 || h < 0 || mi < 0 || s < 0 || cs < 0)
        return false;        /* all-NUL (unset) lands here too */
    if (y == 0 && mo == 0 && d == 0)
        return false;        /* "0000000000000000": unset */
    return make_time(y, (unsigned)mo, (unsigned)d, (unsigned)h, (unsigned)mi, (unsigned)s,
                     (int8_t)p[16], (long)cs * 10000000L, out);
}

static size_t put_utf8(uint32_t c, char *o)
{
    if (c < 0x80) {
        o[0] = (char)c;
        return 1;
    }
    if (c < 0x800) {
        o[0] = (char)(0xC0 | (c >> 6));
        o[1] = (char)(0x80 | (c & 0x3F));
        return 2;
    }
    if (c < 0x10000) {
        o[0] = (char)(0xE0 | (c >> 12));
        o[1] = (char)(0x80 | ((c >> 6) & 0x3F));
        o[2] = (char)(0x80 | (c & 0x3F));
        return 3;
    }
    o[0] = (char)(0xF0 | (c >> 18));
    o[1] = (char)(0x80 | ((c >> 12) & 0x3F));
    o[2] = (char)(0x80 | ((c >> 6) & 0x3F));
    o[3] = (char)(0x80 | (c & 0x3F));
    return 4;
}

size_t rd_ucs2be_to_utf8(const uint8_t *in, size_t len, char *out)
{
    size_t n = 0, units = len / 2;
    for (size_t i = 0; i < units; i++) {
        uint32_t c = (uint32_t)in[2 * i] << 8 | in[2 * i + 1];
        if (c >= 0xD800 && c <= 0xDBFF && i + 1 < units) {
            uint32_t lo = (uint32_t)in[2 * i + 2] << 8 | in[2 * i + 3];
            if (lo >= 0xDC00 && lo <= 0xDFFF) {
                /* A pair: 4 bytes out for 4 bytes in, within 3 * units. */
                n += put_utf8(0x10000 + ((c - 0xD800) << 10) + (lo - 0xDC00), out + n);
                i++;
                continue;
            }
        }
        if (c == 0 || (c >= 0xD800 && c <= 0xDFFF))
            c = 0xFFFD;
        n += put_utf8(c, out + n);
    }
    out[n] = '\0';
    return n;
}

void rd_field(const uint8_t *p, size_t len, char *out, size_t outsize)
{
    if (outsize == 0)
        return;
    while (len > 0 && (p[len - 1] == ' ' || p[len - 1] == '\0'))
        len--;
    size_t n = 0;
    for (size_t i = 0; i < len && p[i] != '\0'; i++) {
        size_t need = p[i] < 0x80 ? 1 : 2;
        if (n + need >= outsize)
            break;
        n += put_utf8(p[i], out + n);
    }
    out[n] = '\0';
}
