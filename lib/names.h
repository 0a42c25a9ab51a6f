/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * names.h - what the per-file-system name translators share (not installed).
 *
 * A file system that cannot hold a tree name as it is gets a translation
 * (names_iso.c, names_joliet.c): characters mapped, the name cut to the
 * file system's lengths, then made unique among its siblings.  This header
 * has the input record, the decoder of tree names (UTF-8, with bytes that
 * are not UTF-8 read as Latin-1), and the uniquifier they share
 * (names.c).
 *
 * All of it is pure: no I/O, no global state, the same output for the same
 * set of input names whatever their order.
 */
#ifndef FSI_NAMES_H
#define FSI_NAMES_H

#include "fsi.h"

/* One child of a directory: its tree name (`len` bytes, not
 * NUL-terminated; UTF-8 as a rule, but a name from the host may hold any
 * bytes but '/' and NUL) and whether it is a directory. */
struct name_in {
    const char *name;
    size_t len;
    bool is_dir;
};

/* Decode the character at s[*pos] and move *pos past it.  Tree names
 * from the host need not be UTF-8: a byte that starts no valid sequence
 * (a stray or lone continuation byte, an overlong, truncated or
 * surrogate sequence, one beyond U+10FFFF) is read as Latin-1, one code
 * point U+0080..U+00FF, and *raw (may be NULL) is set.  So every name
 * decodes, deterministically, one byte or one sequence at a time; the
 * decoder never reads past s + len and always moves on. */
static inline uint32_t name_next(const char *s, size_t len, size_t *pos, bool *raw)
{
    const unsigned char *p = (const unsigned char *)s + *pos;
    size_t left = len - *pos;
    uint32_t c = p[0], min;
    size_t n, i;

    if (c < 0x80) {
        *pos += 1;
        return c;
    }
    if (c >= 0xC2 && c <= 0xDF) {
        n = 2; c &= 0x1F; min = 0x80;
    } else if (c >= 0xE0 && c <= 0xEF) {
        n = 3; c &= 0x0F; min = 0x800;
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4; c &= 0x07; min = 0x10000;
    } else {
        goto latin1;
    }
    if (left < n)
        goto latin1;
    for (i = 1; i < n; i++) {
        if ((p[i] & 0xC0) != 0x80)
            goto latin1;
        c = (c << 6) | (p[i] & 0x3F);
    }
    if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
        goto latin1;
    *pos += n;
    return c;
latin1:
    if (raw)
        *raw = true;
    *pos += 1;
    return p[0];
}

/* name_next without telling whether a byte was read as Latin-1. */
static inline uint32_t utf8_next(const char *s, size_t len, size_t *pos)
{
    return name_next(s, len, pos, NULL);
}

/* Code points of s[0..len) as name_next reads them, counting no further
 * than `stop` (the result is then stop + 1). */
static inline size_t name_chars(const char *s, size_t len, size_t stop)
{
    size_t pos = 0, n = 0;
    while (pos < len && n <= stop) {
        name_next(s, len, &pos, NULL);
        n++;
    }
    return n;
}

/* ---- the uniquifier (names.c) ---------------------------------------
 *
 * The translators hand over each child's translated name as 16-bit units
 * (d-characters for ISO9660, UCS-2 for Joliet) split into a name part
 * ("base") and an extension, with the limits that hold for it.  Two names
 * clash when their visible forms are equal: base, then "." and the
 * extension if there is one, with trailing dots dropped (readers drop
 * ";1" and a trailing "." when they show a name, so a file "A.;1" and a
 * directory "A" would look alike).
 *
 * The children are taken in byte order of their tree names.  First every
 * name that is the first of its visible form keeps it; then each later
 * one gets `mark` and a decimal number N (1, 2, ...) in place of the end
 * of its base, "BASE" -> "BA_1", so the limits still hold; N grows until
 * the form is free.  The base keeps at least one of its own units; when
 * that is impossible the extension is shortened (not below ext_min); when
 * that is impossible too the result is IMAPI_E_NO_UNIQUE_NAME.  A counter
 * per (kept base, extension, digits) continues where the last name of the
 * same shape stopped, so n clashing names cost O(n), not O(n^2). */

#define NAMES_MAX_UNITS 255         /* longest base or extension handled */

struct name_parts {
    uint32_t off;        /* units in the pool: base_len of base, then ext */
    uint8_t base_len;
    uint8_t ext_len;     /* 0: no extension */
    uint8_t base_max;    /* the longest the base may be */
    uint8_t total_max;   /* the longest base + extension may be; 0: no limit */
    uint8_t ext_min;     /* the extension may be shortened down to this */
};

struct name_pool {
    uint16_t *u;
    size_t len, cap;
};

/* Append n units to the pool; returns their offset, or (size_t)-1 when
 * out of memory. */
size_t name_pool_add(struct name_pool *pool, const uint16_t *units, size_t n);

/* Append units[0 .. blen+elen) (a base then its extension) to the pool
 * and make p point at them; -1 when out of memory. */
int name_parts_store(struct name_pool *pool, struct name_parts *p, const uint16_t *units,
                     size_t blen, size_t elen);

/* Make the n names parts[0..n) unique as described above.  Changed names
 * are appended to the pool and parts[i] is updated to point at them.
 * Returns FSI_S_OK; IMAPI_E_NO_UNIQUE_NAME with *fail set to the index of
 * the child that could not be given a name; FSI_E_OUTOFMEMORY. */
fsi_hresult names_make_unique(const struct name_in *in, size_t n,
                              struct name_parts *parts, struct name_pool *pool,
                              uint16_t mark, size_t *fail);

#endif
