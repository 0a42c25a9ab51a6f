/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * names_iso.c - ISO9660 identifiers: character mapping, 8.3 and 30-character
 * limits, unique names, ECMA-119 9.3 order.  See names_iso.h for the rules.
 */
#include "names_iso.h"

#include <stdlib.h>
#include <string.h>

/* Base letters of U+00C0..U+00FF; two-letter results for AE, TH, SS;
 * "_" for the multiplication and division signs. */
static const char latin1[64][3] = {
    "A", "A", "A", "A", "A", "A", "AE", "C",    /* C0-C7 */
    "E", "E", "E", "E", "I", "I", "I", "I",     /* C8-CF */
    "D", "N", "O", "O", "O", "O", "O", "_",     /* D0-D7 */
    "O", "U", "U", "U", "U", "Y", "TH", "SS",   /* D8-DF */
    "A", "A", "A", "A", "A", "A", "AE", "C",    /* E0-E7 */
    "E", "E", "E", "E", "I", "I", "I", "I",     /* E8-EF */
    "D", "N", "O", "O", "O", "O", "O", "_",     /* F0-F7 */
    "O", "U", "U", "U", "U", "Y", "TH", "Y",    /* F8-FF */
};

/* Base letters of U+0100..U+017F (Latin Extended-A); '2' marks the two
 * ligatures IJ (U+0132/3) and OE (U+0152/3). */
static const char latin_ext_a[] =
    "AAAAAA" "CCCCCCCC" "DDDD" "EEEEEEEEEE" "GGGGGGGG" "HHHH" /* 0100-0127 */
    "IIIIIIIIII" "22" "JJ" "KKK" "LLLLLLLLLL"                 /* 0128-0142 */
    "NNNNNNNNN" "OOOOOO" "22" "RRRRRR" "SSSSSSSS"             /* 0143-0161 */
    "TTTTTT" "UUUUUUUUUUUU" "WW" "YYY" "ZZZZZZ" "S";          /* 0162-017F */

_Static_assert(sizeof latin_ext_a == 0x80 + 1, "Latin Extended-A table size");

/* The d-characters for code point c (1 or 2 of them) into out; '.' maps to
 * '.' and the caller decides what it becomes. */
static size_t iso_map(uint32_t c, char out[2])
{
    if (c < 0x80) {
        if (c >= 'a' && c <= 'z')
            out[0] = (char)(c - 'a' + 'A');
        else if ((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.')
            out[0] = (char)c;
        else
            out[0] = '_';
        return 1;
    }
    if (c >= 0xC0 && c <= 0xFF) {
        const char *s = latin1[c - 0xC0];
        out[0] = s[0];
        if (s[1]) {
            out[1] = s[1];
            return 2;
        }
        return 1;
    }
    if (c >= 0x100 && c <= 0x17F) {
        char b = latin_ext_a[c - 0x100];
        if (b == '2') {
            bool ij = c == 0x132 || c == 0x133;
            out[0] = ij ? 'I' : 'O';
            out[1] = ij ? 'J' : 'E';
            return 2;
        }
        out[0] = b;
        return 1;
    }
    if (c >= 0xFF10 && c <= 0xFF19) {           /* full-width digits */
        out[0] = (char)('0' + (c - 0xFF10));
        return 1;
    }
    if (c >= 0xFF21 && c <= 0xFF3A) {           /* full-width A-Z */
        out[0] = (char)('A' + (c - 0xFF21));
        return 1;
    }
    if (c >= 0xFF41 && c <= 0xFF5A) {           /* full-width a-z */
        out[0] = (char)('A' + (c - 0xFF41));
        return 1;
    }
    out[0] = '_';
    return 1;
}

#define WORK_MAX 64    /* more than any level keeps of a name or extension */
#define EXT_KEEP 8     /* levels 2/3: an extension this long is never cut */

/* Map s[0..len) into out (at most WORK_MAX units), dots to '_'.  Returns
 * how many units the whole mapping has, capped at WORK_MAX + 1 (so the
 * caller can tell "longer than it keeps"). */
static size_t map_part(const char *s, size_t len, uint16_t *out)
{
    size_t pos = 0, n = 0;
    char m[2];

    while (pos < len && n <= WORK_MAX) {
        size_t k = iso_map(utf8_next(s, len, &pos), m);
        for (size_t j = 0; j < k; j++) {
            if (n < WORK_MAX)
                out[n] = m[j] == '.' ? '_' : (uint16_t)(unsigned char)m[j];
            n++;
        }
    }
    return n > WORK_MAX ? WORK_MAX + 1 : n;
}

static size_t min_sz(size_t a, size_t b) { return a < b ? a : b; }

/* Translate one child: its base and extension into the pool, its limits
 * into *p.  Returns 0 or -1 (out of memory). */
static int translate(const struct name_in *in, int level, struct name_parts *p,
                     struct name_pool *pool)
{
    uint16_t base[WORK_MAX + 1], ext[WORK_MAX + 1], both[2 * WORK_MAX];
    size_t blen, elen = 0, dot = 0;
    bool split = false;

    if (!in->is_dir && in->len > 0) {
        /* A '.' byte is never part of a multi-byte sequence that
         * name_next decodes (nor of a byte it reads as Latin-1). */
        const char *d = memchr(in->name, '.', in->len), *last = NULL;
        while (d) {
            last = d;
            d = memchr(d + 1, '.', in->len - (size_t)(d + 1 - in->name));
        }
        if (last && last != in->name) {
            split = true;
            dot = (size_t)(last - in->name);
        }
    }
    if (split) {
        blen = map_part(in->name, dot, base);
        elen = map_part(in->name + dot + 1, in->len - dot - 1, ext);
    } else {
        blen = map_part(in->name, in->len, base);
    }
    if (blen == 0 && elen == 0) {     /* cannot come from a valid tree name */
        base[0] = '_';
        blen = 1;
    }

    memset(p, 0, sizeof *p);
    if (in->is_dir) {
        p->base_max = level == 1 ? 8 : 31;
        blen = min_sz(blen, p->base_max);
    } else if (level == 1) {
        p->base_max = 8;
        blen = min_sz(blen, 8);
        elen = min_sz(elen, 3);
        p->ext_min = (uint8_t)elen;
    } else {
        /* Name + extension <= 30.  An extension of up to 8 characters
         * (".jpeg", ".docx") stays whole and the name is cut; a longer one
         * keeps 8, or more if the name leaves more room. */
        if (blen + elen > 30) {
            if (elen > EXT_KEEP) {
                size_t e = 30 - min_sz(blen, 30);
                elen = min_sz(elen, e > EXT_KEEP ? e : EXT_KEEP);
            }
            blen = min_sz(blen, 30 - elen);
        }
        p->base_max = 30;        /* total_max holds the joint limit */
        p->total_max = 30;
        p->ext_min = (uint8_t)min_sz(elen, 3);
    }
    memcpy(both, base, blen * sizeof *base);
    memcpy(both + blen, ext, elen * sizeof *ext);
    return name_parts_store(pool, p, both, blen, elen);
}

fsi_hresult iso_names_dir(const struct name_in *in, size_t n, int level,
                          struct iso_name *out, size_t *fail)
{
    struct name_parts *parts;
    struct name_pool pool = { 0 };
    fsi_hresult hr;

    if (level < 1 || level > 3)
        return FSI_E_INVALIDARG;
    if (n == 0)
        return FSI_S_OK;
    parts = malloc(n * sizeof *parts);
    if (!parts)
        return FSI_E_OUTOFMEMORY;
    for (size_t i = 0; i < n; i++) {
        if (translate(&in[i], level, &parts[i], &pool) < 0) {
            hr = FSI_E_OUTOFMEMORY;
            goto out;
        }
    }
    hr = names_make_unique(in, n, parts, &pool, '_', fail);
    if (FSI_FAILED(hr))
        goto out;
    for (size_t i = 0; i < n; i++) {
        const struct name_parts *p = &parts[i];
        const uint16_t *u = pool.u + p->off;
        struct iso_name *o = &out[i];
        size_t k = 0;
        for (size_t j = 0; j < p->base_len; j++)
            o->id[k++] = (char)u[j];
        if (!in[i].is_dir) {
            o->id[k++] = '.';
            for (size_t j = 0; j < p->ext_len; j++)
                o->id[k++] = (char)u[p->base_len + j];
            o->id[k++] = ';';
            o->id[k++] = '1';
        }
        o->len = (uint8_t)k;
    }
out:
    free(pool.u);
    free(parts);
    return hr;
}

/* ---- ECMA-119 9.3 order ---------------------------------------------- */

struct id_parts {
    const char *name, *ext, *ver;
    size_t nlen, elen, vlen;
};

static void split_id(const struct iso_name *a, struct id_parts *s)
{
    const char *p = a->id, *end = a->id + a->len;
    const char *semi = memchr(p, ';', a->len);
    const char *stop = semi ? semi : end;
    const char *dot = memchr(p, '.', (size_t)(stop - p));

    s->name = p;
    s->nlen = (size_t)((dot ? dot : stop) - p);
    s->ext = dot ? dot + 1 : stop;
    s->elen = dot ? (size_t)(stop - (dot + 1)) : 0;
    s->ver = semi ? semi + 1 : end;
    s->vlen = semi ? (size_t)(end - (semi + 1)) : 0;
}

/* Compare two fields, the shorter padded on the right (pad_right) or on
 * the left with `pad`. */
static int cmp_padded(const char *a, size_t an, const char *b, size_t bn,
                      unsigned char pad, bool pad_right)
{
    size_t n = an > bn ? an : bn;
    for (size_t i = 0; i < n; i++) {
        unsigned char x, y;
        if (pad_right) {
            x = i < an ? (unsigned char)a[i] : pad;
            y = i < bn ? (unsigned char)b[i] : pad;
        } else {
            x = i >= n - an ? (unsigned char)a[i - (n - an)] : pad;
            y = i >= n - bn ? (unsigned char)b[i - (n - bn)] : pad;
        }
        if (x != y)
            return x < y ? -1 : 1;
    }
    return 0;
}

int iso_name_cmp(const struct iso_name *a, const struct iso_name *b)
{
    struct id_parts x, y;
    int c;

    split_id(a, &x);
    split_id(b, &y);
    c = cmp_padded(x.name, x.nlen, y.name, y.nlen, ' ', true);
    if (c)
        return c;
    c = cmp_padded(x.ext, x.elen, y.ext, y.elen, ' ', true);
    if (c)
        return c;
    return -cmp_padded(x.ver, x.vlen, y.ver, y.vlen, '0', false);   /* descending */
}

int iso_name_qsort_cmp(const void *a, const void *b)
{
    return iso_name_cmp(a, b);
}

/* ---- volume identifier ----------------------------------------------- */

void iso_volume_id(const char *utf8, char out[32], size_t *len)
{
    size_t n = 0, pos = 0, slen;
    char m[2];

    if (!utf8) {
        *len = 0;
        return;
    }
    slen = strlen(utf8);
    while (pos < slen && n < 32) {
        size_t k = iso_map(utf8_next(utf8, slen, &pos), m);
        for (size_t j = 0; j < k && n < 32; j++)
            out[n++] = m[j] == '.' ? '_' : m[j];
    }
    *len = n;
}
