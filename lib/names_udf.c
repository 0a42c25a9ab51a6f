/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * names_udf.c - OSTA CS0 identifiers, their length limit and unique names
 * within a directory.  See names_udf.h for the rules.
 */
#include "names_udf.h"

#include <stdlib.h>
#include <string.h>

#define UNITS_MAX 255           /* tree names have at most 255 code points */
#define MAX_N 1000000000u       /* give up after base~999999999 */

/* The UCS-2 unit recorded for code point c. */
static uint16_t cs0_map(uint32_t c)
{
    if (c > 0xFFFF || c == 0xFFFE || c == 0xFFFF || c == 0xFEFF)
        return '_';
    return (uint16_t)c;
}

/* Decode s[0..len) into at most cap units; returns the number of code
 * points (possibly more than cap), *repl set if one was replaced or a
 * byte that is not UTF-8 was read as Latin-1 (that name differs from its
 * identifier, which another name may have exactly: "caf\xe9" and
 * "caf\xc3\xa9" both give U+0063 U+0061 U+0066 U+00E9). */
static size_t to_units(const char *s, size_t len, uint16_t *u, size_t cap, bool *repl)
{
    size_t pos = 0, n = 0;
    while (pos < len) {
        uint32_t c = name_next(s, len, &pos, repl);
        uint16_t m = cs0_map(c);
        if (m != c)
            *repl = true;
        if (n < cap)
            u[n] = m;
        n++;
    }
    return n;
}

static bool all_narrow(const uint16_t *u, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (u[i] > 0xFF)
            return false;
    return true;
}

/* Units an identifier of this kind may hold. */
static size_t max_units(bool narrow, size_t max_bytes)
{
    if (max_bytes < 2)
        return 0;
    return narrow ? max_bytes - 1 : (max_bytes - 1) / 2;
}

/* Write units as CS0 (canonical compression); returns the bytes. */
static size_t put_units(const uint16_t *u, size_t n, uint8_t *out)
{
    if (n == 0)
        return 0;
    if (all_narrow(u, n)) {
        out[0] = 8;
        for (size_t i = 0; i < n; i++)
            out[1 + i] = (uint8_t)u[i];
        return 1 + n;
    }
    out[0] = 16;
    for (size_t i = 0; i < n; i++) {
        out[1 + 2 * i] = (uint8_t)(u[i] >> 8);
        out[2 + 2 * i] = (uint8_t)u[i];
    }
    return 1 + 2 * n;
}

size_t udf_cs0_encode(const char *utf8, size_t len, uint8_t *out, size_t max, bool *changed)
{
    uint16_t u[UNITS_MAX + 1];
    bool repl = false;
    size_t n = to_units(utf8, len, u, UNITS_MAX + 1, &repl);
    size_t have = n < UNITS_MAX + 1 ? n : UNITS_MAX + 1;
    /* Cut until the units fit; dropping wide characters may let the rest
     * fit in 8 bits, so recompute the limit each time. */
    size_t keep = have;
    while (keep > 0 && keep > max_units(all_narrow(u, keep), max))
        keep--;
    if (changed)
        *changed = repl || keep < n;
    return put_units(u, keep, out);
}

void udf_idpool_free(struct udf_idpool *p)
{
    free(p->b);
    memset(p, 0, sizeof *p);
}

static bool pool_reserve(struct udf_idpool *p, size_t more)
{
    if (p->len + more <= p->cap)
        return true;
    size_t cap = p->cap ? p->cap : 4096;
    while (cap < p->len + more)
        cap *= 2;
    uint8_t *b = realloc(p->b, cap);
    if (!b)
        return false;
    p->b = b;
    p->cap = cap;
    return true;
}

/* ---- a set of identifiers (open addressing over pool offsets) ---- */

struct idset {
    const struct udf_idpool *pool;
    size_t *slot_off;          /* offset + 1; 0 = empty */
    uint8_t *slot_len;
    uint32_t *slot_val;        /* counters: the next N to try */
    size_t cap, used;
};

static uint64_t id_hash(const uint8_t *b, size_t n)
{
    uint64_t h = 0xcbf29ce484222325ull;      /* FNV-1a */
    for (size_t i = 0; i < n; i++) {
        h ^= b[i];
        h *= 0x100000001b3ull;
    }
    return h;
}

static bool idset_init(struct idset *s, const struct udf_idpool *pool, size_t n, bool vals)
{
    size_t cap = 16;
    while (cap < 2 * n + 2)
        cap *= 2;
    memset(s, 0, sizeof *s);
    s->pool = pool;
    s->cap = cap;
    s->slot_off = calloc(cap, sizeof *s->slot_off);
    s->slot_len = calloc(cap, 1);
    s->slot_val = vals ? calloc(cap, sizeof *s->slot_val) : NULL;
    return s->slot_off && s->slot_len && (!vals || s->slot_val);
}

static void idset_free(struct idset *s)
{
    free(s->slot_off);
    free(s->slot_len);
    free(s->slot_val);
}

/* Find the slot of id b[0..n) (bytes anywhere): its index; *found tells
 * whether it holds the id or is the empty slot where it would go. */
static size_t idset_find(const struct idset *s, const uint8_t *b, size_t n, bool *found)
{
    size_t mask = s->cap - 1, i = (size_t)id_hash(b, n) & mask;
    for (;;) {
        if (!s->slot_off[i]) {
            *found = false;
            return i;
        }
        if (s->slot_len[i] == n && !memcmp(s->pool->b + s->slot_off[i] - 1, b, n)) {
            *found = true;
            return i;
        }
        i = (i + 1) & mask;
    }
}

static bool idset_grow(struct idset *s)
{
    struct idset t;
    if (!idset_init(&t, s->pool, s->cap, s->slot_val != NULL))
        return false;
    for (size_t i = 0; i < s->cap; i++) {
        if (!s->slot_off[i])
            continue;
        bool f;
        size_t j = idset_find(&t, s->pool->b + s->slot_off[i] - 1, s->slot_len[i], &f);
        t.slot_off[j] = s->slot_off[i];
        t.slot_len[j] = s->slot_len[i];
        if (t.slot_val)
            t.slot_val[j] = s->slot_val[i];
    }
    t.used = s->used;
    idset_free(s);
    *s = t;
    return true;
}

/* Insert the id stored in the pool at off (len n) into empty slot i. */
static bool idset_put(struct idset *s, size_t i, size_t off, size_t n)
{
    s->slot_off[i] = off + 1;
    s->slot_len[i] = (uint8_t)n;
    s->used++;
    if (2 * s->used > s->cap)
        return idset_grow(s);
    return true;
}

/* ---- translation ---- */

struct xname {
    uint16_t u[UNITS_MAX];
    size_t n;                  /* units of the changed form */
    size_t dot;                /* index of the kept extension's '.', or n */
};

/* Translate one name: *changed tells whether it differs from the exact
 * form.  x gets the changed form (cut to the limit, extension kept). */
static void translate(const struct name_in *in, struct xname *x, bool *changed)
{
    uint16_t u[UNITS_MAX + 1];
    bool repl = false;
    size_t n = to_units(in->name, in->len, u, UNITS_MAX + 1, &repl);
    if (n > UNITS_MAX + 1)
        n = UNITS_MAX + 1;           /* not reachable: tree names are <= 255 */
    size_t lim = max_units(all_narrow(u, n), UDF_ID_MAX);

    /* The extension: after the last '.', 1..UDF_EXT_KEEP units, and not a
     * leading dot. */
    size_t dot = n;
    for (size_t i = n; i-- > 1;) {
        if (u[i] == '.') {
            if (n - i - 1 >= 1 && n - i - 1 <= UDF_EXT_KEEP)
                dot = i;
            break;
        }
    }
    *changed = repl || n > lim;
    if (n <= lim) {
        memcpy(x->u, u, n * sizeof *u);
        x->n = n;
        x->dot = dot;
        return;
    }
    size_t elen = n - dot;            /* '.' + extension, or 0 */
    size_t blen = lim - elen;
    memcpy(x->u, u, blen * sizeof *u);
    memcpy(x->u + blen, u + dot, elen * sizeof *u);
    x->n = blen + elen;
    x->dot = elen ? blen : x->n;
}

/* "base~N.ext" within the limit, into out; returns its units or 0 when
 * the base would lose all its own units. */
static size_t with_number(const struct xname *x, uint32_t num, uint16_t *out)
{
    char digits[16];
    size_t nd = 0;
    do {
        digits[nd++] = (char)('0' + num % 10);
        num /= 10;
    } while (num);
    size_t elen = x->n - x->dot, blen = x->dot;
    /* The limit after adding ASCII: narrow stays narrow; wide stays wide
     * unless the cut removes every wide unit (then shorter is fine too). */
    bool narrow = all_narrow(x->u, x->n);
    size_t lim = max_units(narrow, UDF_ID_MAX);
    if (blen + 1 + nd + elen > lim) {
        if (lim < 2 + nd + elen)
            return 0;
        blen = lim - 1 - nd - elen;
    }
    size_t k = 0;
    memcpy(out, x->u, blen * sizeof *out);
    k = blen;
    out[k++] = '~';
    while (nd)
        out[k++] = (uint16_t)digits[--nd];
    memcpy(out + k, x->u + x->dot, elen * sizeof *out);
    return k + elen;
}

fsi_hresult udf_names_dir(const struct name_in *in, size_t n, struct udf_idpool *pool,
                          size_t *off, uint8_t *idlen, size_t *fail)
{
    uint8_t tmp[UDF_ID_MAX + 1];
    struct xname x;
    bool changed, any = false;
    fsi_hresult hr = FSI_S_OK;

    pool->len = 0;
    /* Pass 1: exact identifiers for names that need no change. */
    for (size_t i = 0; i < n; i++) {
        translate(&in[i], &x, &changed);
        if (changed) {
            idlen[i] = 0;            /* resolved in pass 2 */
            any = true;
            continue;
        }
        size_t len = put_units(x.u, x.n, tmp);
        if (!pool_reserve(pool, len))
            return FSI_E_OUTOFMEMORY;
        memcpy(pool->b + pool->len, tmp, len);
        off[i] = pool->len;
        idlen[i] = (uint8_t)len;
        pool->len += len;
    }
    if (!any)
        return FSI_S_OK;

    /* Pass 2: the changed names, in order, against everything taken. */
    struct idset taken, counters;
    if (!idset_init(&taken, pool, n, false) || !idset_init(&counters, pool, 16, true)) {
        idset_free(&taken);
        return FSI_E_OUTOFMEMORY;
    }
    for (size_t i = 0; i < n && FSI_SUCCEEDED(hr); i++) {
        bool f;
        if (!idlen[i])
            continue;
        size_t j = idset_find(&taken, pool->b + off[i], idlen[i], &f);
        if (!idset_put(&taken, j, off[i], idlen[i]))
            hr = FSI_E_OUTOFMEMORY;
    }
    for (size_t i = 0; i < n && FSI_SUCCEEDED(hr); i++) {
        if (idlen[i])
            continue;
        translate(&in[i], &x, &changed);
        size_t len = put_units(x.u, x.n, tmp);
        bool f;
        size_t j = idset_find(&taken, tmp, len, &f);
        if (!f) {
            if (!pool_reserve(pool, len)) {
                hr = FSI_E_OUTOFMEMORY;
                break;
            }
            memcpy(pool->b + pool->len, tmp, len);
            off[i] = pool->len;
            idlen[i] = (uint8_t)len;
            pool->len += len;
            if (!idset_put(&taken, j, off[i], len))
                hr = FSI_E_OUTOFMEMORY;
            continue;
        }
        /* Taken: number it.  The counter of this changed form continues
         * where the last name of the same form stopped. */
        size_t c = idset_find(&counters, tmp, len, &f);
        uint32_t num = 1;
        if (f) {
            num = counters.slot_val[c];
        } else {
            if (!pool_reserve(pool, len)) {
                hr = FSI_E_OUTOFMEMORY;
                break;
            }
            memcpy(pool->b + pool->len, tmp, len);
            size_t koff = pool->len;
            pool->len += len;
            if (!idset_put(&counters, c, koff, len)) {
                hr = FSI_E_OUTOFMEMORY;
                break;
            }
            c = idset_find(&counters, tmp, len, &f);
        }
        uint16_t u[UNITS_MAX + 16];
        size_t got = 0, glen = 0;
        for (; num < MAX_N; num++) {
            size_t k = with_number(&x, num, u);
            if (!k)
                break;
            glen = put_units(u, k, tmp);
            j = idset_find(&taken, tmp, glen, &f);
            if (!f) {
                got = 1;
                break;
            }
        }
        if (!got) {
            if (fail)
                *fail = i;
            hr = IMAPI_E_NO_UNIQUE_NAME;
            break;
        }
        counters.slot_val[c] = num + 1;
        if (!pool_reserve(pool, glen)) {
            hr = FSI_E_OUTOFMEMORY;
            break;
        }
        memcpy(pool->b + pool->len, tmp, glen);
        off[i] = pool->len;
        idlen[i] = (uint8_t)glen;
        pool->len += glen;
        if (!idset_put(&taken, j, off[i], glen))
            hr = FSI_E_OUTOFMEMORY;
    }
    idset_free(&taken);
    idset_free(&counters);
    return hr;
}
