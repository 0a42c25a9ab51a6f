/* SPDX-License-Identifier: BSD-2-Clause */
/* path.c - parsing and checking image paths and names. */
#include "config.h"
#include "path.h"
#include "internal.h"
#include "names.h"

#include <stdlib.h>
#include <string.h>

size_t path_text_chars(const char *s, size_t len)
{
    size_t chars = 0;
    for (size_t i = 0; i < len; chars++) {
        bool raw = false;
        uint32_t cp = name_next(s, len, &i, &raw);
        if (raw || cp < 0x20 || (cp >= 0x7F && cp <= 0x9F))
            return (size_t)-1;
    }
    return chars;
}

bool path_name_valid(const char *s, size_t len)
{
    if (len == 0 || len > FSI_NAME_MAX_BYTES)
        return false;
    if ((len == 1 && s[0] == '.') || (len == 2 && s[0] == '.' && s[1] == '.'))
        return false;
    if (memchr(s, '/', len) || memchr(s, '\0', len))
        return false;
    /* Every other byte is allowed: a host name is kept as it is and each
     * view translates what it cannot hold.  Characters are counted as the
     * views decode them (a byte that is not UTF-8 counts as one), so a
     * 255-byte host name always fits. */
    return name_chars(s, len, FSI_NAME_MAX_CHARS) <= FSI_NAME_MAX_CHARS;
}

bool path_name_strict_ok(const char *s, size_t len)
{
    return path_text_chars(s, len) != (size_t)-1;
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
