/* SPDX-License-Identifier: BSD-2-Clause */
/* path.c - parsing and checking image paths and names. */
#include "config.h"
#include "path.h"
#include "internal.h"

#include <stdlib.h>
#include <string.h>

/* Decode one UTF-8 sequence at s (n bytes left).  Returns its length and
 * the code point in *cp, or 0 if it is malformed (overlong, surrogate,
 * beyond U+10FFFF, truncated). */
static size_t utf8_next(const unsigned char *s, size_t n, uint32_t *cp)
{
    unsigned char c = s[0];
    size_t len;
    uint32_t v, min;
    if (c < 0x80) {
        *cp = c;
        return 1;
    } else if (c >= 0xC2 && c <= 0xDF) {
        len = 2; v = c & 0x1F; min = 0x80;
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3; v = c & 0x0F; min = 0x800;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4; v = c & 0x07; min = 0x10000;
    } else {
        return 0;
    }
    if (len > n)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        v = (v << 6) | (s[i] & 0x3F);
    }
    if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
        return 0;
    *cp = v;
    return len;
}

size_t path_text_chars(const char *s, size_t len)
{
    size_t chars = 0;
    for (size_t i = 0; i < len; chars++) {
        uint32_t cp;
        size_t k = utf8_next((const unsigned char *)s + i, len - i, &cp);
        if (k == 0 || cp < 0x20 || (cp >= 0x7F && cp <= 0x9F))
            return (size_t)-1;
        i += k;
    }
    return chars;
}

bool path_name_valid(const char *s, size_t len)
{
    if (len == 0 || len > FSI_NAME_MAX_BYTES)
        return false;
    if ((len == 1 && s[0] == '.') || (len == 2 && s[0] == '.' && s[1] == '.'))
        return false;
    if (memchr(s, '/', len))
        return false;
    size_t chars = path_text_chars(s, len);
    return chars != (size_t)-1 && chars <= FSI_NAME_MAX_CHARS;
}

bool path_name_restricted_ok(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)s[i] < 32 || (unsigned char)s[i] > 126)
            return false;
    return true;
}

int path_split(const char *path, struct path_comp **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    size_t total = strlen(path);
    if (total > FSI_PATH_MAX_BYTES)
        return -1;
    /* Skip one leading and trailing '/', everything else must be names. */
    const char *p = path, *end = path + total;
    if (p < end && *p == '/')
        p++;
    if (end > p && end[-1] == '/')
        end--;
    if (p == end)
        return 0;                       /* the root */
    size_t count = 1;
    for (const char *q = p; q < end; q++)
        count += (*q == '/');
    struct path_comp *c = malloc(count * sizeof *c);
    if (!c)
        return -2;
    size_t i = 0;
    while (p <= end) {
        const char *slash = memchr(p, '/', (size_t)(end - p));
        const char *stop = slash ? slash : end;
        if (!path_name_valid(p, (size_t)(stop - p))) {
            free(c);
            return -1;
        }
        c[i].s = p;
        c[i].len = (size_t)(stop - p);
        i++;
        if (!slash)
            break;
        p = slash + 1;
    }
    *out = c;
    *n = i;
    return 0;
}
