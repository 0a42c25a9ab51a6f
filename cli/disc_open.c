/* SPDX-License-Identifier: BSD-2-Clause */
/* disc_open.c - what the reading subcommands share: open an image, name a view. */
#include "config.h"
#include "cli.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int cli_open_disc(const char *path, fsi_disc **out)
{
    fsi_disc *d = NULL;
    fsi_hresult hr = fsi_disc_new(&d);
    if (FSI_FAILED(hr))
        return cli_report(hr, NULL);
    hr = fsi_disc_set_path(d, path);
    if (FSI_FAILED(hr)) {
        int rc = cli_report(hr, fsi_disc_last_error(d));
        fsi_disc_free(d);
        return rc;
    }
    *out = d;
    return EXIT_OK;
}

int cli_report_disc(fsi_disc *d, fsi_hresult hr)
{
    return cli_report(hr, d ? fsi_disc_last_error(d) : NULL);
}

int cli_parse_fs(const char *name, unsigned *fs, unsigned *flags)
{
    if (!strcmp(name, "iso9660") || !strcmp(name, "rockridge") || !strcmp(name, "rr")) {
        *fs = FSI_FS_ISO9660;
        if (!strcmp(name, "iso9660"))
            *flags |= FSI_WALK_NO_ROCK_RIDGE;
        return 0;
    }
    if (!strcmp(name, "joliet")) {
        *fs = FSI_FS_JOLIET;
        return 0;
    }
    if (!strcmp(name, "udf")) {
        *fs = FSI_FS_UDF;
        return 0;
    }
    return -1;
}

/* ---- printing what an image holds ---- */

/* Length of the valid UTF-8 sequence at s (at most n bytes), 0 if the
 * bytes there are not one (overlong forms, surrogates and values above
 * U+10FFFF included). */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
    unsigned c = s[0];
    size_t len;
    unsigned min;
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF)
        len = 2, min = 0x80;
    else if (c >= 0xE0 && c <= 0xEF)
        len = 3, min = 0x800;
    else if (c >= 0xF0 && c <= 0xF4)
        len = 4, min = 0x10000;
    else
        return 0;
    if (len > n)
        return 0;
    unsigned cp = c & (0x7F >> len);
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        cp = cp << 6 | (s[i] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return len;
}

/* A character that must not reach a terminal as it is: the n bytes of a
 * UTF-8 sequence at s (n 0: a byte that is not UTF-8) that are a C0
 * control, DEL or a C1 control. */
static bool unprintable(const unsigned char *s, size_t n)
{
    return n == 0 || s[0] < 0x20 || s[0] == 0x7F || (n == 2 && s[0] == 0xC2 && s[1] < 0xA0);
}

/* Escape what must not reach a terminal, one escape per byte: as \ooo
 * (backslashes too, as ls -b) or as \xHH (backslashes kept). */
static char *escape(const char *text, size_t len, bool octal)
{
    const unsigned char *s = (const unsigned char *)text;
    char *out = malloc(len * 4 + 1), *o = out;
    if (!out)
        return NULL;
    for (size_t i = 0; i < len;) {
        size_t n = utf8_seq(s + i, len - i);
        if (unprintable(s + i, n) || (octal && s[i] == '\\')) {
            size_t k = n ? n : 1;
            for (size_t j = 0; j < k; j++)
                o += sprintf(o, octal ? "\\%03o" : "\\x%02X", s[i + j]);
            i += k;
        } else {
            memcpy(o, s + i, n);
            o += n;
            i += n;
        }
    }
    *o = '\0';
    return out;
}

char *cli_escape_name(const char *name, size_t len)
{
    return escape(name, len, true);
}

char *cli_escape_text(const char *text, size_t len)
{
    return escape(text, len, false);
}

void cli_put_text(FILE *f, const char *text, size_t len)
{
    char *e = cli_escape_text(text, len);
    if (e) {
        fputs(e, f);
        free(e);
        return;
    }
    /* Out of memory: the printable bytes only. */
    const unsigned char *s = (const unsigned char *)text;
    for (size_t i = 0; i < len;) {
        size_t n = utf8_seq(s + i, len - i);
        if (unprintable(s + i, n))
            putc('?', f), i += n ? n : 1;
        else
            fwrite(s + i, 1, n, f), i += n;
    }
}

void cli_put_name(FILE *f, const char *name, size_t len)
{
    char *e = cli_escape_name(name, len);
    if (e) {
        fputs(e, f);
        free(e);
    }
}

void cli_json_string(FILE *f, const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    putc('"', f);
    for (size_t i = 0; i < len;) {
        size_t n = utf8_seq(p + i, len - i);
        unsigned c = p[i];
        if (n == 0) {               /* not UTF-8: the byte read as Latin-1 */
            fprintf(f, "\\u%04x", c);
            i++;
            continue;
        }
        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c == '\n')
            fputs("\\n", f);
        else if (c == '\t')
            fputs("\\t", f);
        else if (c == '\r')
            fputs("\\r", f);
        else if (c < 0x20 || c == 0x7F)
            fprintf(f, "\\u%04x", c);
        else if (n == 2 && c == 0xC2 && p[i + 1] < 0xA0)   /* C1: valid JSON, but not for a terminal */
            fprintf(f, "\\u%04x", (unsigned)p[i + 1]);
        else
            fwrite(p + i, 1, n, f);
        i += n;
    }
    putc('"', f);
}

const char *cli_fs_name(unsigned fs)
{
    switch (fs) {
    case FSI_FS_ISO9660: return "ISO9660";
    case FSI_FS_JOLIET: return "Joliet";
    case FSI_FS_UDF: return "UDF";
    default: return "none";
    }
}

bool cli_format_time(char *buf, size_t size, const struct timespec *ts, bool iso)
{
    struct tm tm;
    time_t t = (time_t)ts->tv_sec;
    if (!gmtime_r(&t, &tm) || tm.tm_year + 1900 < 0 || tm.tm_year + 1900 > 9999) {
        snprintf(buf, size, iso ? "-" : "\?\?\?\?-\?\?-\?\? \?\?:\?\?");
        return false;
    }
    if (iso)
        strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
    else
        strftime(buf, size, "%Y-%m-%d %H:%M", &tm);
    return true;
}

int cli_parse_session(fsi_disc *d, const char *arg)
{
    char *end;
    errno = 0;
    unsigned long n = strtoul(arg, &end, 10);
    if (errno || *end || !*arg || arg[0] == '-' || n == 0)
        return cli_usage_error("--session: '%s' is not a session number (1 = the first)", arg);
    size_t count = 0;
    fsi_hresult hr = fsi_disc_sessions(d, NULL, 0, &count);
    if (FSI_FAILED(hr))
        return cli_report_disc(d, hr);
    if (n > count)
        return cli_usage_error("--session %lu: the image holds %zu session%s", n, count,
                               count == 1 ? "" : "s");
    hr = fsi_disc_set_session(d, n);
    return FSI_FAILED(hr) ? cli_report_disc(d, hr) : EXIT_OK;
}
