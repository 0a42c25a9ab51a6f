/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * names_joliet.c - Joliet identifiers: UCS-2 mapping, the 64-character
 * limit (103 units for long names), unique names, record order.  See
 * names_joliet.h for the rules.
 */
#include "names_joliet.h"

#include <stdlib.h>
#include <string.h>

/* The UCS-2 unit Joliet records for code point c.  Joliet forbids C0;
 * DEL and C1 are control characters too (U+009B is CSI to a terminal that
 * shows the name), so they go the same way. */
static uint16_t joliet_map(uint32_t c)
{
    if (c < 0x20 || (c >= 0x7F && c <= 0x9F) || c > 0xFFFF)
        return '_';
    switch (c) {
    case '*': case '/': case ':': case ';': case '?': case '\\':
        return '_';
    default:
        return (uint16_t)c;
    }
}

#define WORK_MAX JOLIET_LONG_UNITS

/* Map s[0..len) into out (at most WORK_MAX units).  Returns the number of
 * code points, capped at WORK_MAX + 1. */
static size_t map_part(const char *s, size_t len, uint16_t *out)
{
    size_t pos = 0, n = 0;

    while (pos < len && n <= WORK_MAX) {
        uint16_t u = joliet_map(utf8_next(s, len, &pos));
        if (n < WORK_MAX)
            out[n] = u;
        n++;
    }
    return n;
}

static size_t min_sz(size_t a, size_t b) { return a < b ? a : b; }

static int translate(const struct name_in *in, bool long_names, struct name_parts *p,
                     struct name_pool *pool)
{
    uint16_t base[WORK_MAX], ext[WORK_MAX], both[2 * WORK_MAX];
    size_t blen, elen = 0, dot = 0, i;
    bool split = false, all_dots = in->len > 0;

    for (i = 0; i < in->len && all_dots; i++)
        all_dots = in->name[i] == '.';

    memset(p, 0, sizeof *p);
    if (all_dots) {
        blen = min_sz(in->len, WORK_MAX);
        for (i = 0; i < blen; i++)
            base[i] = '_';
    } else {
        if (!in->is_dir && in->len > 0) {
            /* A '.' byte is never part of a multi-byte sequence that
             * name_next decodes (nor of a byte it reads as Latin-1). */
            const char *d = memchr(in->name, '.', in->len), *last = NULL;
            while (d) {
                last = d;
                d = memchr(d + 1, '.', in->len - (size_t)(d + 1 - in->name));
            }
            if (last && last != in->name) {
                size_t at = (size_t)(last - in->name);
                size_t e = name_chars(last + 1, in->len - at - 1, JOLIET_EXT_KEEP);
                if (e >= 1 && e <= JOLIET_EXT_KEEP) {
                    split = true;
                    dot = at;
                }
            }
        }
        if (split) {
            blen = map_part(in->name, dot, base);
            elen = map_part(in->name + dot + 1, in->len - dot - 1, ext);
        } else {
            blen = map_part(in->name, in->len, base);
        }
    }
    if (blen == 0 && elen == 0) {      /* cannot come from a valid tree name */
        base[0] = '_';
        blen = 1;
    }

    /* The specification counts name + extension; long names count the
     * whole identifier, '.' and ";1" included (see names_joliet.h). */
    size_t lim = JOLIET_NAME_CHARS;
    if (long_names)
        lim = JOLIET_LONG_UNITS - (in->is_dir ? 0 : split ? 3 : 2);
    p->base_max = (uint8_t)lim;
    if (split) {
        blen = min_sz(blen, lim - elen);
        p->total_max = (uint8_t)lim;
        p->ext_min = (uint8_t)elen;
    } else {
        blen = min_sz(blen, lim);
    }
    memcpy(both, base, blen * sizeof *base);
    memcpy(both + blen, ext, elen * sizeof *ext);
    return name_parts_store(pool, p, both, blen, elen);
}

fsi_hresult joliet_names_dir(const struct name_in *in, size_t n,
                             struct joliet_name *out, size_t *fail)
{
    return joliet_names_dir_ex(in, n, false, out, fail);
}

fsi_hresult joliet_names_dir_ex(const struct name_in *in, size_t n, bool long_names,
                                struct joliet_name *out, size_t *fail)
{
    struct name_parts *parts;
    struct name_pool pool = { 0 };
    fsi_hresult hr;

    if (n == 0)
        return FSI_S_OK;
    parts = malloc(n * sizeof *parts);
    if (!parts)
        return FSI_E_OUTOFMEMORY;
    for (size_t i = 0; i < n; i++) {
        if (translate(&in[i], long_names, &parts[i], &pool) < 0) {
            hr = FSI_E_OUTOFMEMORY;
            goto out;
        }
    }
    hr = names_make_unique(in, n, parts, &pool, '~', fail);
    if (FSI_FAILED(hr))
        goto out;
    for (size_t i = 0; i < n; i++) {
        const struct name_parts *p = &parts[i];
        const uint16_t *u = pool.u + p->off;
        struct joliet_name *o = &out[i];
        size_t k = 0;
        for (size_t j = 0; j < p->base_len; j++)
            o->ch[k++] = u[j];
        if (p->ext_len) {
            o->ch[k++] = '.';
            for (size_t j = 0; j < p->ext_len; j++)
                o->ch[k++] = u[p->base_len + j];
        }
        if (!in[i].is_dir) {
            o->ch[k++] = ';';
            o->ch[k++] = '1';
        }
        o->len = (uint8_t)k;
    }
out:
    free(pool.u);
    free(parts);
    return hr;
}

/* The name without its ";1" (';' appears in no Joliet name otherwise). */
static size_t name_units(const struct joliet_name *a)
{
    for (size_t i = 0; i < a->len; i++)
        if (a->ch[i] == ';')
            return i;
    return a->len;
}

int joliet_name_cmp(const struct joliet_name *a, const struct joliet_name *b)
{
    size_t an = name_units(a), bn = name_units(b);
    size_t n = an < bn ? an : bn;

    for (size_t i = 0; i < n; i++)
        if (a->ch[i] != b->ch[i])
            return a->ch[i] < b->ch[i] ? -1 : 1;
    if (an != bn)
        return an < bn ? -1 : 1;
    /* Same name (only in hand-made input): directory first, then by the
     * rest of the identifier. */
    if (a->len != b->len)
        return a->len < b->len ? -1 : 1;
    for (size_t i = n; i < a->len; i++)
        if (a->ch[i] != b->ch[i])
            return a->ch[i] < b->ch[i] ? -1 : 1;
    return 0;
}

int joliet_name_qsort_cmp(const void *a, const void *b)
{
    return joliet_name_cmp(a, b);
}

void joliet_name_be(const struct joliet_name *a, uint8_t *out)
{
    for (size_t i = 0; i < a->len; i++) {
        out[2 * i] = (uint8_t)(a->ch[i] >> 8);
        out[2 * i + 1] = (uint8_t)a->ch[i];
    }
}

void joliet_volume_id(const char *utf8, uint16_t out[16], size_t *len)
{
    size_t n = 0, pos = 0, slen;

    if (!utf8) {
        *len = 0;
        return;
    }
    slen = strlen(utf8);
    while (pos < slen && n < 16)
        out[n++] = joliet_map(utf8_next(utf8, slen, &pos));
    *len = n;
}
